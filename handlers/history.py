"""`/history N`: the item's whole story, for anyone who may see the item."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext, DubanApp
from handlers.common import Command, answer, requires, run
from ledger.access import Viewer
from services.history import ItemHistory


@requires()
async def history(update: Update, context: BotContext, viewer: Viewer) -> None:
    number = " ".join(context.args or ()).strip()
    if not number:
        await answer(update, context, viewer.locale, "chat/history/usage")
        return
    story: ItemHistory = await run(context.services.history.story, viewer, number)
    await answer(update, context, viewer.locale, "chat/history/story", {"history": story})


def register(app: DubanApp) -> None:
    app.add_handler(Command("history", history, fields=1))
