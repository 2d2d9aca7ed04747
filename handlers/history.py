"""`/history N`: the item's whole story, for anyone who may see the item."""

from __future__ import annotations

from handlers.common import Turn, requires, run
from handlers.routes import OnCommand, Route
from ledger.access import Viewer


@requires()
async def history(turn: Turn, viewer: Viewer) -> None:
    number = " ".join(turn.args).strip()
    if not number:
        await turn.answer(viewer.locale, "chat/history/usage")
        return
    story = await run(turn.services.history.story, viewer, number)
    await turn.answer(viewer.locale, "chat/history/story", {"history": story})


ROUTES: tuple[Route, ...] = (OnCommand(("history",), history, fields=1),)
