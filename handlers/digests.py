"""Digests on demand and the office's work group: /digest, /group_here [off], and the digest's buttons
that open an item's card."""

from __future__ import annotations

from handlers.common import Turn, requires, run
from handlers.items import show_item
from handlers.routes import OnCommand, OnPress, Route
from ledger.access import Viewer
from ledger.buttons import OpenItem
from ledger.errors import DubanError
from ledger.model import Role
from services.digests import item_buttons
from services.outbox import button_rows

READERS = (Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN)
OFF = ("off", "关闭")


@requires(*READERS)
async def digest(turn: Turn, viewer: Viewer) -> None:
    """Leadership: the weekly summary and its chart; supervisors and admins: their digest now."""
    digests = turn.services.digests
    if viewer.has(Role.LEADERSHIP):
        summary = await run(digests.weekly_now)
        await turn.answer(viewer.locale, "notify/digest_weekly", {"summary": summary})
        chart = await run(digests.weekly_chart)
        if chart is not None:
            await turn.port.reply_photo(chart)
        return
    found = await run(digests.digest_now, viewer)
    if found.empty:
        await turn.answer(viewer.locale, "chat/digest/nothing")
        return
    buttons = button_rows(item_buttons(turn.services.renderer, viewer.locale, found.numbers))
    await turn.answer(viewer.locale, "notify/digest", {"digest": found}, buttons=buttons)


@requires(Role.ADMIN)
async def group_here(turn: Turn, viewer: Viewer) -> None:
    chat = turn.event.chat
    assert chat is not None  # commands come from a chat
    argument = " ".join(turn.args).strip().lower()
    if argument and argument not in OFF:
        raise DubanError("digest/group_usage")
    if argument:
        change = await run(turn.services.digests.unregister_group, viewer, chat.id)
        await turn.answer(viewer.locale, "chat/digest/group_off", {"title": change.title})
        return
    if chat.private:
        raise DubanError("digest/not_a_group")
    change = await run(turn.services.digests.register_group, viewer, chat.id, chat.title)
    await turn.answer(
        viewer.locale, "chat/digest/group_on", {"title": change.title, "already": change.already}
    )


@requires()
async def open_item(turn: Turn, viewer: Viewer, press: OpenItem) -> None:
    await turn.port.answer_press()
    await show_item(turn, viewer, press.number)


ROUTES: tuple[Route, ...] = (
    OnCommand(("digest",), digest, fields=0),
    OnCommand(("group_here",), group_here, fields=0),
    OnPress(OpenItem, open_item),
)
