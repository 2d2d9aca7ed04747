"""Digests on demand and the office's work group: /digest, /group_here [off], and the digest's buttons
that open an item's card."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext, DubanApp
from handlers.common import Command, answer, requires, run
from handlers.items import show_item
from ledger.access import Viewer
from ledger.digest import Digest, WeeklySummary
from ledger.model import Role
from scheduler.outbox import BUTTONS_PER_ROW
from services.digests import GroupChange, item_buttons
from services.errors import DubanError

READERS = (Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN)
OFF = ("off", "关闭")


@requires(*READERS)
async def digest(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Leadership: the weekly summary and its chart; supervisors and admins: their digest now."""
    digests = context.services.digests
    if viewer.has(Role.LEADERSHIP):
        summary: WeeklySummary = await run(digests.weekly_now)
        await answer(update, context, viewer.locale, "notify/digest_weekly", {"summary": summary})
        chart: bytes | None = await run(digests.weekly_chart)
        if chart is not None and update.effective_message is not None:
            await update.effective_message.reply_photo(chart)
        return
    found: Digest = await run(digests.digest_now, viewer)
    if found.empty:
        await answer(update, context, viewer.locale, "chat/digest/nothing")
        return
    buttons = item_buttons(context.services.renderer, viewer.locale, found.numbers)
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in buttons[i : i + BUTTONS_PER_ROW]]
            for i in range(0, len(buttons), BUTTONS_PER_ROW)
        ]
    )
    await answer(update, context, viewer.locale, "notify/digest", {"digest": found}, keyboard=keyboard)


@requires(Role.ADMIN)
async def group_here(update: Update, context: BotContext, viewer: Viewer) -> None:
    chat = update.effective_chat
    assert chat is not None  # commands come from a chat
    argument = " ".join(context.args or ()).strip().lower()
    if argument and argument not in OFF:
        raise DubanError("digest/group_usage")
    if argument:
        change: GroupChange = await run(context.services.digests.unregister_group, viewer, chat.id)
        await answer(update, context, viewer.locale, "chat/digest/group_off", {"title": change.title})
        return
    change = await run(context.services.digests.register_group, viewer, chat.id, chat.title)
    params = {"title": change.title, "already": change.already}
    await answer(update, context, viewer.locale, "chat/digest/group_on", params)


@requires()
async def open_item(update: Update, context: BotContext, viewer: Viewer) -> None:
    query = update.callback_query
    assert query is not None  # only button presses come here
    assert query.data is not None
    await query.answer()
    await show_item(update, context, viewer, query.data.partition(":")[2])


def register(app: DubanApp) -> None:
    app.add_handler(Command("digest", digest, fields=0))
    app.add_handler(Command("group_here", group_here, fields=0))
    app.add_handler(CallbackQueryHandler(open_item, pattern=r"^it:"))
