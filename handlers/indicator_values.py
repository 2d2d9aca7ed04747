"""Values of the indicators (指标数值) reported in chat: `/value 指标名或编号 数值 [期间]` by an officer of the
indicator's responsible unit (or a supervisor or an admin); checked, recorded, and answered with the
indicator's state after it."""

from __future__ import annotations

from handlers.common import Turn, requires, run
from handlers.routes import OnCommand, Route
from ledger.access import Viewer
from services.indicators import REPORTERS


@requires(*REPORTERS)
async def report_value(turn: Turn, viewer: Viewer) -> None:
    reported = await run(turn.services.indicators.report, viewer, turn.args)
    await turn.answer(viewer.locale, "chat/indicator/recorded", {"r": reported})


ROUTES: tuple[Route, ...] = (OnCommand(("value",), report_value, fields=2),)
