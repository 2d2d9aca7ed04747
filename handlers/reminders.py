"""The buttons under the bot's reminders and warnings (Report now, Acknowledge, Snooze), and the
supervisors' hand-issued levels: /warn, /notice, /summon."""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext, DubanApp
from handlers.common import Command, answer, requires, run
from handlers.evidence import REPORTERS
from handlers.report import start_guided_report
from ledger.access import Viewer
from ledger.model import Role
from scheduler.engine import Snoozed
from scheduler.rules import Level
from services.errors import DubanError

SUPERVISORS = (Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN)
URGENT_WORDS = ("urgent", "紧急", "急")
HAND_LEVELS = {"warn": Level.YELLOW, "notice": Level.RED, "summon": Level.SUMMONS}


@requires(*REPORTERS)
async def report_now(update: Update, context: BotContext, viewer: Viewer) -> None:
    query, data = _pressed(update)
    await query.answer()
    await start_guided_report(update, context, viewer, data.partition(":")[2])


@requires()
async def acknowledge(update: Update, context: BotContext, viewer: Viewer) -> None:
    query, data = _pressed(update)
    number: str | None = await run(context.services.reminders.acknowledge, viewer.person_id, _outbox_id(data))
    await query.answer(
        context.services.renderer.render(viewer.locale, "chat/reminder/acknowledged", number=number)
    )


@requires()
async def snooze(update: Update, context: BotContext, viewer: Viewer) -> None:
    query, data = _pressed(update)
    snoozed: Snoozed = await run(context.services.reminders.snooze, viewer.person_id, _outbox_id(data))
    text = context.services.renderer.render(
        viewer.locale, "chat/reminder/snoozed", number=snoozed.number, until=snoozed.until
    )
    await query.answer(text, show_alert=True)


def _pressed(update: Update) -> tuple[CallbackQuery, str]:
    query = update.callback_query
    data = query.data if query is not None else None
    assert query is not None  # these handlers only get button presses
    assert data is not None
    return query, data


def _outbox_id(data: str) -> int:
    value = data.partition(":")[2]
    if not value.isdigit():
        raise DubanError("reminder/not_yours")
    return int(value)


@requires(*SUPERVISORS)
async def by_hand(update: Update, context: BotContext, viewer: Viewer) -> None:
    message = update.effective_message
    text = message.text if message is not None else None
    assert text is not None  # a CommandHandler only gets text messages
    command = text.split(maxsplit=1)[0].lstrip("/").split("@", 1)[0].lower()
    if not context.args:
        raise DubanError("reminder/hand_usage", command=command)
    number, *words = context.args
    urgent = bool(words) and words[0].lower() in URGENT_WORDS
    note = " ".join(words[1:] if urgent else words) or None
    issued = await run(
        context.services.escalations.issue, viewer, number, HAND_LEVELS[command], note, urgent=urgent
    )
    await answer(update, context, viewer.locale, "chat/reminder/issued", {"issued": issued})


def register(app: DubanApp) -> None:
    app.add_handler(CallbackQueryHandler(report_now, pattern=r"^nr:"))
    app.add_handler(CallbackQueryHandler(acknowledge, pattern=r"^na:"))
    app.add_handler(CallbackQueryHandler(snooze, pattern=r"^ns:"))
    app.add_handler(Command(list(HAND_LEVELS), by_hand, fields=2))
