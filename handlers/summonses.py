"""约谈 held (not proposed): 记录约谈 under a 约谈建议 asks two questions — the day it was held, then who
attended — and records it; `/summoned N 日期 参加人员…` does it in one line. `/cancel` drops it unchanged; a
day the bot cannot read, or one still ahead, is answered and asked again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from handlers.common import Turn, requires, run
from handlers.conversation import dump, load
from handlers.routes import Dialog, OnCommand, OnPress, Route, Takes
from ledger.access import Viewer
from ledger.buttons import RecordSummons
from ledger.errors import DubanError
from ledger.model import Role

TOPIC = "summons"
DAY, ATTENDEES = "day", "attendees"
RECORDERS = (Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN)


@dataclass(frozen=True)
class SummonsAsked:
    """The 约谈 being recorded: its item, and its day once answered (ISO)."""

    number: str
    held_on: str | None = None


def _asked(turn: Turn) -> SummonsAsked | None:
    conversation = turn.conversation(TOPIC)
    return None if conversation is None else load(SummonsAsked, conversation.data)


@requires(*RECORDERS)
async def ask_day(turn: Turn, viewer: Viewer, press: RecordSummons) -> None:
    view = await run(turn.services.summonses.check, viewer, press.number)
    await turn.port.answer_press()
    sent = await turn.answer(viewer.locale, "chat/summons/ask_day", {"summons": view})
    if sent is not None:
        await turn.converse(TOPIC, DAY, dump(SummonsAsked(view.number)), question=sent)


@requires(*RECORDERS)
async def _take_day(turn: Turn, viewer: Viewer) -> None:
    asked = _asked(turn)
    if asked is None:
        await turn.end_conversation()
        return
    held_on = await run(turn.services.summonses.held_on, viewer, asked.number, turn.event.text or "")
    sent = await turn.answer(viewer.locale, "chat/summons/ask_attendees", {"held_on": held_on})
    await turn.converse(
        TOPIC, ATTENDEES, dump(SummonsAsked(asked.number, held_on.isoformat())), question=sent
    )


@requires(*RECORDERS)
async def _take_attendees(turn: Turn, viewer: Viewer) -> None:
    asked = _asked(turn)
    if asked is None or asked.held_on is None:
        await turn.end_conversation()
        return
    held_on = date.fromisoformat(asked.held_on)
    view = await run(turn.services.summonses.record, viewer, asked.number, held_on, turn.event.text or "")
    await turn.end_conversation()
    await turn.answer(viewer.locale, "chat/summons/recorded", {"summons": view})


@requires()
async def _cancel(turn: Turn, viewer: Viewer) -> None:
    asked = _asked(turn)
    await turn.answer(viewer.locale, "chat/summons/cancelled", {"number": asked.number if asked else ""})


@requires(*RECORDERS)
async def summoned(turn: Turn, viewer: Viewer) -> None:
    arguments = " ".join(turn.args)
    if not arguments:
        raise DubanError("summons/usage")
    view = await run(turn.services.summonses.record_by_command, viewer, arguments)
    await turn.answer(viewer.locale, "chat/summons/recorded", {"summons": view})


DIALOG = Dialog(
    TOPIC, SummonsAsked, {DAY: {Takes.TEXT: _take_day}, ATTENDEES: {Takes.TEXT: _take_attendees}}, _cancel
)
ROUTES: tuple[Route, ...] = (
    OnPress(RecordSummons, ask_day),
    OnCommand(("summoned",), summoned, fields=0),
)
