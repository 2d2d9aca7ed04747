"""What people see of the indicator ledger (指标台账): /indicators (every indicator by category, its latest
value, target, 序时目标 and state) and /indicator N or a name (its history of values, its verdict with its
numbers, and its chart as a photo). Everyone bound may read them: the ledger is the office's own
(`services.indicator_views`)."""

from __future__ import annotations

from handlers.common import Turn, requires, run
from handlers.routes import OnCommand, Route
from ledger.access import Viewer


@requires()
async def indicators(turn: Turn, viewer: Viewer) -> None:
    board = await run(turn.services.indicator_views.board)
    await turn.answer(viewer.locale, "chat/indicators/list", {"board": board})


@requires()
async def indicator(turn: Turn, viewer: Viewer) -> None:
    asked = " ".join(turn.args).strip()
    if not asked:
        await turn.answer(viewer.locale, "chat/indicators/usage")
        return
    views = turn.services.indicator_views
    detail = await run(views.detail, asked)
    await turn.answer(viewer.locale, "chat/indicators/detail", {"detail": detail})
    chart = await run(views.chart, detail, viewer.locale)
    if chart is not None:
        await turn.port.reply_photo(chart)


ROUTES: tuple[Route, ...] = (
    OnCommand(("indicators",), indicators, fields=0),
    OnCommand(("indicator",), indicator, fields=0),
)
