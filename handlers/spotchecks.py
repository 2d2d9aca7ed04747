"""Spot-checks (回头看) and reopening: the Confirm / Reopen buttons under the bot's question, the answer to
"new deadline and reason?" as a reply, and `/reopen N DATE reason…` by a supervisor of the item.

After Reopen the bot asks for the deadline and the reason; the question's message id waits in `user_data`
per chat, and a reply to it is taken in an early handler group before replies count as progress reports.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext, DubanApp
from handlers.common import Command, answer, close_buttons, requires, run
from handlers.extensions import command_arguments, pressed
from ledger.access import Viewer
from ledger.model import Role
from services.errors import DubanError
from services.spotchecks import CONFIRM, REOPEN, SpotCheckView

# Before the features' own handlers (group 0), where a reply to the bot is a progress report.
ASK_GROUP = -5
_ASKS = "reopen_asks"


def _asks(context: BotContext) -> dict[tuple[int, int], int]:
    """(chat id, question message id) → spot-check id."""
    user_data = context.user_data
    assert user_data is not None  # only reached for updates from a user
    asks: dict[tuple[int, int], int] = user_data.setdefault(_ASKS, {})
    return asks


def _asked(update: Update, context: BotContext) -> tuple[tuple[int, int], int] | None:
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    if context.user_data is None or message is None or replied is None:
        return None
    key = (message.chat_id, replied.message_id)
    check_id = _asks(context).get(key)
    return None if check_id is None else (key, check_id)


@requires(Role.SUPERVISOR)
async def confirm(update: Update, context: BotContext, viewer: Viewer) -> None:
    query, _, check_id = pressed(update, "spotcheck/gone")
    view: SpotCheckView = await run(context.services.spotchecks.confirm, viewer, check_id)
    await close_buttons(query)
    await answer(update, context, viewer.locale, "chat/spotcheck/confirmed", {"check": view})


@requires(Role.SUPERVISOR)
async def ask_reopen(update: Update, context: BotContext, viewer: Viewer) -> None:
    query, _, check_id = pressed(update, "spotcheck/gone")
    view: SpotCheckView = await run(context.services.spotchecks.check_reopenable, viewer, check_id)
    await query.answer()
    sent = await answer(update, context, viewer.locale, "chat/spotcheck/ask_reopen", {"check": view})
    if sent is not None:
        _asks(context)[(sent.chat_id, sent.message_id)] = check_id


@requires(Role.SUPERVISOR)
async def _take_answer(update: Update, context: BotContext, viewer: Viewer) -> None:
    asked = _asked(update, context)
    message = update.effective_message
    if asked is None or message is None:
        return
    key, check_id = asked
    view: SpotCheckView = await run(
        context.services.spotchecks.reopen_on_check, viewer, check_id, message.text or ""
    )
    _asks(context).pop(key, None)
    await answer(update, context, viewer.locale, "chat/spotcheck/reopened", {"check": view})


async def answer_to_question(update: Update, context: BotContext) -> None:
    """A reply to the question after Reopen is the answer, and goes no further; other messages go on."""
    if _asked(update, context) is None:
        return
    await _take_answer(update, context)
    raise ApplicationHandlerStop


@requires(Role.SUPERVISOR)
async def reopen(update: Update, context: BotContext, viewer: Viewer) -> None:
    arguments = command_arguments(context)
    if not arguments:
        raise DubanError("spotcheck/usage")
    view: SpotCheckView = await run(context.services.spotchecks.reopen_by_command, viewer, arguments)
    await answer(update, context, viewer.locale, "chat/spotcheck/reopened", {"check": view})


def register(app: DubanApp) -> None:
    app.add_handler(CallbackQueryHandler(confirm, pattern=rf"^{CONFIRM}"))
    app.add_handler(CallbackQueryHandler(ask_reopen, pattern=rf"^{REOPEN}"))
    app.add_handler(Command("reopen", reopen, fields=0))
    app.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.REPLY, answer_to_question), group=ASK_GROUP
    )
