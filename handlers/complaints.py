"""Public complaints (群众举报件): /complaints for supervisors, leadership and admins; /complaint_add for admins."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext, DubanApp
from handlers.common import Command, answer, requires, run
from ledger.access import Viewer
from ledger.model import Role


@requires(Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN)
async def complaints(update: Update, context: BotContext, viewer: Viewer) -> None:
    views = await run(context.services.complaints.open_complaints, viewer)
    await answer(update, context, viewer.locale, "chat/complaints/list", {"complaints": views})


@requires(Role.ADMIN)
async def complaint_add(update: Update, context: BotContext, viewer: Viewer) -> None:
    """`/complaint_add NUMBER UNIT DEADLINE text…`"""
    args = list(context.args or ())
    if len(args) < 4:
        await answer(update, context, viewer.locale, "chat/complaints/add_usage")
        return
    number, unit, deadline, *words = args
    added = await run(context.services.complaints.add, viewer, number, unit, deadline, " ".join(words))
    await answer(update, context, viewer.locale, "chat/complaints/added", {"added": added})


def register(app: DubanApp) -> None:
    app.add_handler(CommandHandler("complaints", complaints))
    app.add_handler(Command("complaint_add", complaint_add, fields=3))
