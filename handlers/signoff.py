"""Sign-off (验收销号) in chat: `/signoff N [100%] [statement]`, `/evidence N M` (link the files of one's
last report on item N to its measure M), the leader's Confirm / Return / Evidence buttons, the reviewers'
Approve (an optional opinion is asked) / Return / Inspect / Evidence buttons, `/approve N [意见]`, `/pending`, and the admin's `/signoff_rule none|item|measure`.

A statement, a reason to return or an inspection date asked for by the bot is the chat's next text: a
conversation waits for it; `/cancel` drops the question.

The request itself reaches leaders and reviewers through the outbox (durable, quiet hours, retries); the
outbox holds text only, so the evidence files are sent directly, from the handler of the leader's tap,
and again to any reviewer who presses Evidence (so a failed or missed delivery can be repeated).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from handlers.chat import UndeliverableError
from handlers.common import Turn, requires, run
from handlers.conversation import dump, load
from handlers.evidence import REPORTERS
from handlers.routes import Dialog, OnCommand, OnPress, Route, Takes
from ledger.access import Viewer
from ledger.buttons import SignOffAction, SignOffPress
from ledger.errors import DubanError
from ledger.model import Role
from ledger.signoff import parse_part
from ledger.text import split_arguments
from services.outbox import Button
from services.signoff import Packet, button_labels

_LOGGER = logging.getLogger(__name__)
TOPIC = "signoff"
# What the bot asked for: the completion statement of a request to file, a reason to return, a date, the
# opinion (验收意见) of an approval.
STATEMENT, REASON, DATE, OPINION = "statement", "reason", "date", "opinion"
PENDING_VIEWERS = (Role.LEADER, Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN)


@dataclass(frozen=True)
class Asked:
    """What a question is about: the item (a statement) or the request under review (a reason, a date)."""

    ref: str


def _number_and_text(turn: Turn, usage: str) -> tuple[str, str]:
    """`/command N free text…`: the item number and the text after it, as typed (spaces kept)."""
    rest = split_arguments(turn.arguments, 1)
    if not rest:
        raise DubanError(usage)
    return rest[0], (rest[1] if len(rest) > 1 else "")


@requires(Role.OFFICER)
async def signoff(turn: Turn, viewer: Viewer) -> None:
    number, statement = _number_and_text(turn, "signoff/usage")
    if statement.strip():
        await _file(turn, viewer, number, statement)
        return
    preview = await run(turn.services.signoff.preview, viewer, number)
    await turn.converse(TOPIC, STATEMENT, dump(Asked(preview.number)))
    await turn.answer(viewer.locale, "chat/signoff/ask_statement", {"preview": preview})


@requires(Role.OFFICER)
async def withdraw(turn: Turn, viewer: Viewer) -> None:
    number, reason = _number_and_text(turn, "signoff/withdraw_usage")
    withdrawn = await run(turn.services.signoff.withdraw, viewer, number, reason)
    await turn.answer(viewer.locale, "chat/signoff/withdrawn", {"withdrawn": withdrawn})


async def _file(turn: Turn, viewer: Viewer, number: str, statement: str) -> None:
    filed = await run(turn.services.signoff.request, viewer, number, statement)
    await turn.answer(viewer.locale, "chat/signoff/filed", {"filed": filed})


@requires()
async def _answer_question(turn: Turn, viewer: Viewer) -> None:
    """The chat's next text after a question: the statement, the reason to return, or the date. A question
    takes one answer: after a refusal, the command or the button asks it again."""
    conversation = turn.conversation(TOPIC)
    asked = None if conversation is None else load(Asked, conversation.data)
    await turn.end_conversation()
    text = (turn.event.text or "").strip()
    if conversation is None or asked is None or not text:
        return
    service = turn.services.signoff
    if conversation.step == STATEMENT:
        await _file(turn, viewer, asked.ref, text)
        return
    if not asked.ref.isdigit():
        return
    if conversation.step == REASON:
        decision = await run(service.send_back, viewer, int(asked.ref), text)
    elif conversation.step == OPINION:
        decision = await run(service.approve, viewer, int(asked.ref), text)
    else:
        decision = await run(service.inspect, viewer, int(asked.ref), text)
    await turn.answer(viewer.locale, "chat/signoff/decided", {"decision": decision})


@requires()
async def _cancel(turn: Turn, viewer: Viewer) -> None:
    await turn.answer(viewer.locale, "chat/signoff/cancelled")


@requires()
async def button(turn: Turn, viewer: Viewer, press: SignOffPress) -> None:
    service = turn.services.signoff
    locale = viewer.locale
    request_id = press.request_id
    if press.action == SignOffAction.CONFIRM:
        packet = await run(service.confirm, viewer, request_id)
        await turn.port.answer_press()
        await turn.answer(locale, "chat/signoff/confirmed", {"packet": packet})
        await send_evidence(turn, packet)
    elif press.action == SignOffAction.APPROVE:
        number = await run(service.check_reviewer, viewer, request_id)
        await turn.port.answer_press()
        await turn.converse(TOPIC, OPINION, dump(Asked(str(request_id))))
        as_is = SignOffPress(SignOffAction.APPROVE_AS_IS, request_id).pack()
        label = button_labels(turn.services.renderer, locale)[SignOffAction.APPROVE_AS_IS]
        await turn.answer(
            locale, "chat/signoff/ask_opinion", {"number": number}, buttons=[[Button(label, as_is)]]
        )
    elif press.action == SignOffAction.APPROVE_AS_IS:
        decision = await run(service.approve, viewer, request_id)
        await turn.port.answer_press()
        if turn.conversation(TOPIC) is not None:  # the question for an opinion is answered by the tap
            await turn.end_conversation()
        await turn.answer(locale, "chat/signoff/decided", {"decision": decision})
    elif press.action in (SignOffAction.RETURN, SignOffAction.INSPECT):
        check = service.check_return if press.action == SignOffAction.RETURN else service.check_reviewer
        number = await run(check, viewer, request_id)
        await turn.port.answer_press()
        step = REASON if press.action == SignOffAction.RETURN else DATE
        await turn.converse(TOPIC, step, dump(Asked(str(request_id))))
        await turn.answer(locale, f"chat/signoff/ask_{step}", {"number": number})
    else:
        packet = await run(service.evidence, viewer, request_id)
        await turn.port.answer_press()
        if not packet.files:
            await turn.answer(locale, "chat/signoff/no_files", {"number": packet.number})
        await send_evidence(turn, packet)


async def send_evidence(turn: Turn, packet: Packet) -> None:
    """Photos (as albums), other files as documents, to every chat of the packet.

    A chat that cannot be reached (blocked, gone) is logged and skipped: the others still get the files,
    and the reviewer can ask again with the Evidence button.
    """
    photos = [f.path for f in packet.files if f.photo]
    documents = [f for f in packet.files if not f.photo]
    for chat_id, locale in packet.chats:
        caption = turn.render(locale, "chat/signoff/evidence_caption", {"number": packet.number})
        try:
            if photos:
                await turn.port.send_photos(chat_id, photos, caption)
            for document in documents:
                await turn.port.send_document(chat_id, document.path, document.name, caption)
        except UndeliverableError as error:
            _LOGGER.warning(
                "evidence of request %s not sent to chat %s: %s", packet.request_id, chat_id, error
            )


@requires(Role.SUPERVISOR)
async def approve(turn: Turn, viewer: Viewer) -> None:
    """`/approve N [意见]`: the reviewer approves item N's request under review, with an opinion."""
    number, opinion = _number_and_text(turn, "signoff/approve_usage")
    service = turn.services.signoff
    request_id = await run(service.request_under_review, viewer, number)
    decision = await run(service.approve, viewer, request_id, opinion)
    await turn.answer(viewer.locale, "chat/signoff/decided", {"decision": decision})


@requires(*PENDING_VIEWERS)
async def pending(turn: Turn, viewer: Viewer) -> None:
    view = await run(turn.services.signoff.pending, viewer)
    await turn.answer(viewer.locale, "chat/signoff/pending", {"view": view})


@requires(Role.ADMIN)
async def signoff_rule(turn: Turn, viewer: Viewer) -> None:
    args = turn.args
    service = turn.services.signoff
    if not args:
        rule = await run(service.rule)
        await turn.answer(viewer.locale, "chat/signoff/rule", {"rule": rule.value})
        return
    if len(args) != 1:
        raise DubanError("signoff/rule_usage", value=" ".join(args)[:20])
    change = await run(service.set_rule, args[0], actor=viewer.actor)
    await turn.answer(
        viewer.locale, "chat/signoff/rule_set", {"before": change.before.value, "after": change.after.value}
    )


@requires(*REPORTERS)
async def link_evidence(turn: Turn, viewer: Viewer) -> None:
    args = turn.args
    part = parse_part(args[1]) if len(args) == 2 else None
    if part is None:
        raise DubanError("signoff/link_usage")
    linked = await run(turn.services.signoff.link, viewer, args[0], *part)
    await turn.answer(viewer.locale, "chat/signoff/linked", {"linked": linked})


DIALOG = Dialog(
    TOPIC,
    Asked,
    {step: {Takes.TEXT: _answer_question} for step in (STATEMENT, REASON, DATE, OPINION)},
    _cancel,
)
ROUTES: tuple[Route, ...] = (
    OnCommand(("signoff",), signoff),
    OnCommand(("withdraw",), withdraw),
    OnCommand(("approve",), approve),
    OnCommand(("pending",), pending),
    OnCommand(("signoff_rule",), signoff_rule, fields=1),
    OnCommand(("evidence",), link_evidence, fields=1),
    OnPress(SignOffPress, button),
)
