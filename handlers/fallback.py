"""What no other handler took: strangers get the invite line, known people a hint (or, for a `/cancel`
with nothing under way, that there is nothing to cancel)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from handlers.common import answer, requires
from handlers.context import BotContext, DubanApp
from ledger.access import Viewer


@requires()
async def unknown(update: Update, context: BotContext, viewer: Viewer) -> None:
    await answer(update, context, viewer.locale, "chat/unknown")


@requires()
async def nothing_to_cancel(update: Update, context: BotContext, viewer: Viewer) -> None:
    """`/cancel` when nothing is under way: a draft or a question of the bot would have taken it first."""
    await answer(update, context, viewer.locale, "chat/nothing_to_cancel")


def register(app: DubanApp) -> None:
    app.add_handler(CommandHandler("cancel", nothing_to_cancel))
    app.add_handler(MessageHandler(filters.ALL, unknown))
