"""Deadline extensions: `/extend N DATE reason…` by the item's officer or leader, and the supervisors'
Approve / Refuse buttons under the request."""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext, DubanApp
from handlers.common import Command, answer, close_buttons, requires, run
from ledger.access import Viewer
from ledger.model import Role
from services.errors import DubanError
from services.extensions import APPROVE, REFUSE, ExtensionView


def command_arguments(context: BotContext) -> str:
    return " ".join(context.args or ())


def pressed(update: Update, gone: str) -> tuple[CallbackQuery, str, int]:
    """The pressed button: its query, the action prefix (`xxx:`) and the id after it (`gone` if none)."""
    query = update.callback_query
    assert query is not None  # these handlers only get button presses
    action, _, value = (query.data or "").partition(":")
    if not value.isdigit():
        raise DubanError(gone)
    return query, f"{action}:", int(value)


@requires(Role.OFFICER, Role.LEADER)
async def extend(update: Update, context: BotContext, viewer: Viewer) -> None:
    arguments = command_arguments(context)
    if not arguments:
        raise DubanError("extension/usage")
    view: ExtensionView = await run(context.services.extensions.request, viewer, arguments)
    await answer(update, context, viewer.locale, "chat/extension/requested", {"extension": view})


@requires(Role.SUPERVISOR)
async def decide(update: Update, context: BotContext, viewer: Viewer) -> None:
    query, action, extension_id = pressed(update, "extension/gone")
    view: ExtensionView = await run(
        context.services.extensions.decide, viewer, extension_id, action == APPROVE
    )
    await close_buttons(query)
    await answer(update, context, viewer.locale, "chat/extension/decided", {"extension": view})


def register(app: DubanApp) -> None:
    app.add_handler(Command("extend", extend, fields=0))
    app.add_handler(CallbackQueryHandler(decide, pattern=rf"^(?:{APPROVE}|{REFUSE})"))
