"""The buttons under the bot's reminders and warnings (Report now, Acknowledge, Snooze), and the
supervisors' hand-issued levels: /warn, /notice, /summon."""

from __future__ import annotations

from handlers.common import Turn, requires, run
from handlers.evidence import REPORTERS
from handlers.report import start_guided_report
from handlers.routes import OnCommand, OnPress, Route
from ledger.access import Viewer
from ledger.buttons import Acknowledge, ReportNow, Snooze
from ledger.errors import DubanError
from ledger.model import Role
from scheduler.rules import Level

SUPERVISORS = (Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN)
URGENT_WORDS = ("urgent", "紧急", "急")
HAND_LEVELS = {"warn": Level.YELLOW, "notice": Level.RED, "summon": Level.SUMMONS}


@requires(*REPORTERS)
async def report_now(turn: Turn, viewer: Viewer, press: ReportNow) -> None:
    await turn.port.answer_press()
    await start_guided_report(turn, viewer, press.number)


@requires()
async def acknowledge(turn: Turn, viewer: Viewer, press: Acknowledge) -> None:
    number = await run(turn.services.reminders.acknowledge, viewer.person_id, press.outbox_id)
    await turn.port.answer_press(turn.render(viewer.locale, "chat/reminder/acknowledged", {"number": number}))


@requires()
async def snooze(turn: Turn, viewer: Viewer, press: Snooze) -> None:
    snoozed = await run(turn.services.reminders.snooze, viewer.person_id, press.outbox_id)
    text = turn.render(
        viewer.locale, "chat/reminder/snoozed", {"number": snoozed.number, "until": snoozed.until}
    )
    await turn.port.answer_press(text, alert=True)


@requires(*SUPERVISORS)
async def by_hand(turn: Turn, viewer: Viewer) -> None:
    command = turn.event.command
    assert command is not None  # only reached by a command
    if not command.args:
        raise DubanError("reminder/hand_usage", command=command.name)
    number, *words = command.args
    urgent = bool(words) and words[0].lower() in URGENT_WORDS
    note = " ".join(words[1:] if urgent else words) or None
    issued = await run(
        turn.services.escalations.issue, viewer, number, HAND_LEVELS[command.name], note, urgent=urgent
    )
    await turn.answer(viewer.locale, "chat/reminder/issued", {"issued": issued})


ROUTES: tuple[Route, ...] = (
    OnPress(ReportNow, report_now),
    OnPress(Acknowledge, acknowledge),
    OnPress(Snooze, snooze),
    OnCommand(tuple(HAND_LEVELS), by_hand, fields=2),
)
