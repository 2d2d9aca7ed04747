"""What no other handler took: strangers get the invite line, known people a hint."""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.context import BotContext, DubanApp
from handlers.common import answer, requires
from ledger.access import Viewer


@requires()
async def unknown(update: Update, context: BotContext, viewer: Viewer) -> None:
    await answer(update, context, viewer.locale, "chat/unknown")


def register(app: DubanApp) -> None:
    app.add_handler(MessageHandler(filters.ALL, unknown))
