"""What people see about items: /my, /item N, /unit [NAME], /overdue, /stalled."""

from __future__ import annotations

from handlers.common import Turn, requires, run
from handlers.routes import OnCommand, Route
from ledger.access import Viewer
from ledger.model import Role

OVERSEERS = (Role.LEADER, Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN)


def _argument(turn: Turn) -> str | None:
    return " ".join(turn.args).strip() or None


@requires(Role.OFFICER, Role.LEADER)
async def my(turn: Turn, viewer: Viewer) -> None:
    lines = await run(turn.services.views.mine, viewer)
    await turn.answer(viewer.locale, "chat/items/my", {"lines": lines})


@requires()
async def item(turn: Turn, viewer: Viewer) -> None:
    number = _argument(turn)
    if number is None:
        await turn.answer(viewer.locale, "chat/items/item_usage")
        return
    await show_item(turn, viewer, number)


async def show_item(turn: Turn, viewer: Viewer, number: str) -> None:
    """The item card (/item N, and the buttons of the digest)."""
    detail = await run(turn.services.views.detail, viewer, number)
    sent = await turn.answer(viewer.locale, "chat/items/detail", {"item": detail})
    if sent is not None:
        # A reply to the item card is a progress report on the item.
        await run(
            turn.services.reports.remember_item_message, sent.chat_id, sent.message_id, detail.line.number
        )


@requires(*OVERSEERS)
async def unit(turn: Turn, viewer: Viewer) -> None:
    views = await run(turn.services.views.units, viewer, _argument(turn))
    await turn.answer(viewer.locale, "chat/items/unit", {"views": views})


@requires(*OVERSEERS)
async def overdue(turn: Turn, viewer: Viewer) -> None:
    groups = await run(turn.services.views.overdue, viewer)
    await turn.answer(viewer.locale, "chat/items/overdue", {"groups": groups})


@requires(*OVERSEERS)
async def stalled(turn: Turn, viewer: Viewer) -> None:
    view = await run(turn.services.views.stalled, viewer)
    await turn.answer(viewer.locale, "chat/items/stalled", {"view": view})


ROUTES: tuple[Route, ...] = (
    OnCommand(("my",), my),
    OnCommand(("item",), item, fields=1),
    OnCommand(("unit",), unit, fields=0),
    OnCommand(("overdue",), overdue),
    OnCommand(("stalled",), stalled),
)
