"""What people see about items: /my, /item N, /unit [NAME], /overdue, /stalled."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext, DubanApp
from handlers.common import Command, answer, requires, run
from ledger.access import Viewer
from ledger.model import Role

OVERSEERS = (Role.LEADER, Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN)


def _argument(context: BotContext) -> str | None:
    return " ".join(context.args or ()).strip() or None


@requires(Role.OFFICER, Role.LEADER)
async def my(update: Update, context: BotContext, viewer: Viewer) -> None:
    lines = await run(context.services.views.mine, viewer)
    await answer(update, context, viewer.locale, "chat/items/my", {"lines": lines})


@requires()
async def item(update: Update, context: BotContext, viewer: Viewer) -> None:
    number = _argument(context)
    if number is None:
        await answer(update, context, viewer.locale, "chat/items/item_usage")
        return
    await show_item(update, context, viewer, number)


async def show_item(update: Update, context: BotContext, viewer: Viewer, number: str) -> None:
    """The item card (/item N, and the buttons of the digest)."""
    detail = await run(context.services.views.detail, viewer, number)
    sent = await answer(update, context, viewer.locale, "chat/items/detail", {"item": detail})
    if sent is not None:
        # A reply to the item card is a progress report on the item.
        await run(
            context.services.reports.remember_item_message, sent.chat_id, sent.message_id, detail.line.number
        )


@requires(*OVERSEERS)
async def unit(update: Update, context: BotContext, viewer: Viewer) -> None:
    views = await run(context.services.views.units, viewer, _argument(context))
    await answer(update, context, viewer.locale, "chat/items/unit", {"views": views})


@requires(*OVERSEERS)
async def overdue(update: Update, context: BotContext, viewer: Viewer) -> None:
    groups = await run(context.services.views.overdue, viewer)
    await answer(update, context, viewer.locale, "chat/items/overdue", {"groups": groups})


@requires(*OVERSEERS)
async def stalled(update: Update, context: BotContext, viewer: Viewer) -> None:
    view = await run(context.services.views.stalled, viewer)
    await answer(update, context, viewer.locale, "chat/items/stalled", {"view": view})


def register(app: DubanApp) -> None:
    app.add_handler(CommandHandler("my", my))
    app.add_handler(Command("item", item, fields=1))
    app.add_handler(Command("unit", unit, fields=0))
    app.add_handler(CommandHandler("overdue", overdue))
    app.add_handler(CommandHandler("stalled", stalled))
