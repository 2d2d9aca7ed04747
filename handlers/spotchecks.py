"""Spot-checks (回头看) and reopening: the Confirm / Reopen buttons under the bot's question, the answer to
"new deadline and reason?" as a reply, and `/reopen N DATE reason…` by a supervisor of the item.

After Reopen the bot asks for the deadline and the reason: a conversation waits for a reply to that
question, ahead of the routes where a reply to the bot is a progress report.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.common import Turn, requires, run
from handlers.conversation import dump, load
from handlers.routes import Dialog, OnCommand, OnPress, Route, Takes
from ledger.access import Viewer
from ledger.buttons import ConfirmSpotCheck, ReopenSpotCheck
from ledger.errors import DubanError
from ledger.model import Role

TOPIC = "reopen"
ASKED = "asked"  # the question is out: its answer is a reply to it


@dataclass(frozen=True)
class ReopenAsked:
    """The reopening the question is about."""

    check_id: int
    number: str


@requires(Role.SUPERVISOR)
async def confirm(turn: Turn, viewer: Viewer, press: ConfirmSpotCheck) -> None:
    view = await run(turn.services.spotchecks.confirm, viewer, press.check_id)
    await turn.close_buttons()
    await turn.answer(viewer.locale, "chat/spotcheck/confirmed", {"check": view})


@requires(Role.SUPERVISOR)
async def ask_reopen(turn: Turn, viewer: Viewer, press: ReopenSpotCheck) -> None:
    view = await run(turn.services.spotchecks.check_reopenable, viewer, press.check_id)
    await turn.port.answer_press()
    sent = await turn.answer(viewer.locale, "chat/spotcheck/ask_reopen", {"check": view})
    if sent is not None:
        await turn.converse(TOPIC, ASKED, dump(ReopenAsked(press.check_id, view.number)), question=sent)


def _asked(turn: Turn) -> ReopenAsked | None:
    conversation = turn.conversation(TOPIC)
    return None if conversation is None else load(ReopenAsked, conversation.data)


@requires(Role.SUPERVISOR)
async def _take_answer(turn: Turn, viewer: Viewer) -> None:
    asked = _asked(turn)
    if asked is None:
        await turn.end_conversation()
        return
    view = await run(turn.services.spotchecks.reopen_on_check, viewer, asked.check_id, turn.event.text or "")
    await turn.end_conversation()
    await turn.answer(viewer.locale, "chat/spotcheck/reopened", {"check": view})


@requires()
async def _cancel(turn: Turn, viewer: Viewer) -> None:
    asked = _asked(turn)
    await turn.answer(viewer.locale, "chat/spotcheck/cancelled", {"number": asked.number if asked else ""})


@requires(Role.SUPERVISOR)
async def reopen(turn: Turn, viewer: Viewer) -> None:
    arguments = " ".join(turn.args)
    if not arguments:
        raise DubanError("spotcheck/usage")
    view = await run(turn.services.spotchecks.reopen_by_command, viewer, arguments)
    await turn.answer(viewer.locale, "chat/spotcheck/reopened", {"check": view})


DIALOG = Dialog(TOPIC, ReopenAsked, {ASKED: {Takes.REPLY: _take_answer}}, _cancel)
ROUTES: tuple[Route, ...] = (
    OnPress(ConfirmSpotCheck, confirm),
    OnPress(ReopenSpotCheck, ask_reopen),
    OnCommand(("reopen",), reopen, fields=0),
)
