"""What no other handler took: strangers get the invite line, known people a hint (or, for a `/cancel`
with nothing under way, that there is nothing to cancel), a button nobody acts on is answered as expired,
never left spinning, and an edited message is not acted on a second time."""

from __future__ import annotations

from handlers.common import Turn, button_expired, requires
from handlers.routes import CANCEL, MessageKind, OnAnyPress, OnCommand, OnMessage, Route
from ledger.access import Viewer


@requires()
async def unknown(turn: Turn, viewer: Viewer) -> None:
    await turn.answer(viewer.locale, "chat/unknown")


@requires()
async def nothing_to_cancel(turn: Turn, viewer: Viewer) -> None:
    """`/cancel` when nothing is under way: a conversation would have taken it first."""
    await turn.answer(viewer.locale, "chat/nothing_to_cancel")


@requires()
async def edited(turn: Turn, viewer: Viewer) -> None:
    """A message edited after it was sent: what it did stays as it was done (a report is not filed twice,
    nor changed behind the office's back); the sender is told to send the correction as a new message."""
    await turn.answer(viewer.locale, "chat/edited")


ROUTES: tuple[Route, ...] = (
    OnMessage(MessageKind.EDITED, edited),
    OnCommand((CANCEL,), nothing_to_cancel),
    OnMessage(MessageKind.ANY, unknown),
    OnAnyPress(button_expired),
)
