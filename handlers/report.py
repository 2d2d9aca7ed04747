"""Progress reports: `/report N` (guided: percent buttons, text, files, confirm), `/report N 60% text`
(one line), and a text reply to a message of the bot about an item.

The guided report is a conversation: its draft is the conversation's data, and nothing is stored until it
is confirmed. Its buttons carry the item's number, so that a button of an older draft does not act on
this one; every press is checked against the draft under way and the person's right to report.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from handlers.common import Turn, requires, run
from handlers.conversation import dump, load
from handlers.evidence import REPORTERS, check_file, replied_item, submit_report
from handlers.routes import Dialog, MessageKind, OnCommand, OnMessage, OnPress, Route, Takes
from ledger.access import Viewer
from ledger.buttons import ReportConfirm, ReportDone, ReportEdit, ReportPercent
from ledger.errors import DubanError
from ledger.progress import PERCENT_CHOICES, Draft, ReportLine, Step, parse_report_line, percent_in_text
from services.outbox import Button

TOPIC = "report"


def _draft(turn: Turn, step: Step | None = None) -> Draft | None:
    """The draft under way in this chat (at `step`, if given)."""
    conversation = turn.conversation(TOPIC)
    draft = None if conversation is None else load(Draft, conversation.data)
    return draft if draft is not None and step in (None, draft.step) else None


async def _keep(turn: Turn, draft: Draft) -> Draft:
    await turn.converse(TOPIC, draft.step.value, dump(draft))
    return draft


def _labels(turn: Turn, locale: str, draft: Draft) -> dict[str, str]:
    """Button labels of the locale, from the `chat/report/buttons` template (`key=label` lines)."""
    text = turn.render(locale, "chat/report/buttons", {"current": draft.current_percent})
    return dict(line.split("=", 1) for line in text.splitlines())


def _percent_keyboard(turn: Turn, locale: str, draft: Draft) -> list[list[Button]]:
    buttons = [Button(f"{p}%", ReportPercent(draft.number, p).pack()) for p in PERCENT_CHOICES]
    keep = Button(_labels(turn, locale, draft)["keep"], ReportPercent(draft.number, None).pack())
    return [buttons[:6], buttons[6:], [keep]]


def _done_keyboard(turn: Turn, locale: str, draft: Draft) -> list[list[Button]]:
    return [[Button(_labels(turn, locale, draft)["done"], ReportDone(draft.number).pack())]]


def _confirm_keyboard(turn: Turn, locale: str, draft: Draft) -> list[list[Button]]:
    labels = _labels(turn, locale, draft)
    return [
        [
            Button(labels["confirm"], ReportConfirm(draft.number).pack()),
            Button(labels["edit"], ReportEdit(draft.number).pack()),
        ]
    ]


def _params(draft: Draft) -> dict[str, Any]:
    return {
        "number": draft.number,
        "title": draft.title,
        "current": draft.current_percent,
        "percent": draft.percent,
        "text": draft.text,
        "files": len(draft.files),
    }


async def _ask_percent(turn: Turn, viewer: Viewer, draft: Draft) -> None:
    buttons = _percent_keyboard(turn, viewer.locale, draft)
    await turn.answer(viewer.locale, "chat/report/ask_percent", _params(draft), buttons=buttons)


@requires(*REPORTERS)
async def report_command(turn: Turn, viewer: Viewer) -> None:
    arguments = turn.arguments
    if not arguments.strip():
        raise DubanError("report/usage")
    line = parse_report_line(arguments)
    if line.percent is not None or line.text:
        await submit_report(turn, viewer, line)
        return
    await start_guided_report(turn, viewer, line.number)


async def start_guided_report(turn: Turn, viewer: Viewer, number: str) -> None:
    """Open a guided report on item `number` (also from a reminder's "Report now" button)."""
    brief = await run(turn.services.reports.brief, viewer, number)
    draft = await _keep(turn, Draft(brief.number, brief.title, brief.percent))
    await _ask_percent(turn, viewer, draft)


@requires(*REPORTERS)
async def reply_report(turn: Turn, viewer: Viewer) -> None:
    """A text reply to a message of the bot about an item: a report on it, with `60%` taken from the text."""
    text = turn.event.text
    if text is None:
        return
    number = await replied_item(turn)
    if number is None:
        raise DubanError("report/not_item_message")
    await submit_report(turn, viewer, ReportLine(number, percent_in_text(text), text))


async def _pressed(turn: Turn, viewer: Viewer, number: str, step: Step) -> Draft | None:
    """The draft a step's button acts on, the press answered; None (the press answered as expired) when
    this chat has no draft of that item at that step. The person must still be one who reports on it."""
    draft = _draft(turn, step)
    if draft is None or draft.number != number:
        await turn.port.answer_press(turn.render(viewer.locale, "chat/report/expired"))
        return None
    await run(turn.services.reports.brief, viewer, number)
    await turn.port.answer_press()
    return draft


@requires(*REPORTERS)
async def percent_pressed(turn: Turn, viewer: Viewer, press: ReportPercent) -> None:
    draft = await _pressed(turn, viewer, press.number, Step.PERCENT)
    if draft is None:
        return
    # The buttons of a step taken are gone, so a second press cannot repeat it.
    await turn.port.remove_buttons()
    draft = await _keep(turn, dataclasses.replace(draft, percent=press.percent, step=Step.TEXT))
    await turn.answer(viewer.locale, "chat/report/ask_text", _params(draft))


@requires(*REPORTERS)
async def done_pressed(turn: Turn, viewer: Viewer, press: ReportDone) -> None:
    draft = await _pressed(turn, viewer, press.number, Step.EVIDENCE)
    if draft is None:
        return
    await turn.port.remove_buttons()
    await _summary(turn, viewer, draft)


@requires(*REPORTERS)
async def confirm_pressed(turn: Turn, viewer: Viewer, press: ReportConfirm) -> None:
    draft = await _pressed(turn, viewer, press.number, Step.CONFIRM)
    if draft is None:
        return
    # Stored before the buttons go: if storing fails, the report can still be confirmed again or edited.
    await submit_report(turn, viewer, ReportLine(draft.number, draft.percent, draft.text), draft.files)
    await turn.end_conversation()
    await turn.port.remove_buttons()


@requires(*REPORTERS)
async def edit_pressed(turn: Turn, viewer: Viewer, press: ReportEdit) -> None:
    draft = await _pressed(turn, viewer, press.number, Step.CONFIRM)
    if draft is None:
        return
    await turn.port.remove_buttons()
    draft = await _keep(turn, Draft(draft.number, draft.title, draft.current_percent))
    await _ask_percent(turn, viewer, draft)


async def _summary(turn: Turn, viewer: Viewer, draft: Draft) -> None:
    draft = await _keep(turn, dataclasses.replace(draft, step=Step.CONFIRM))
    buttons = _confirm_keyboard(turn, viewer.locale, draft)
    await turn.answer(viewer.locale, "chat/report/summary", _params(draft), buttons=buttons)


@requires(*REPORTERS)
async def _take_text(turn: Turn, viewer: Viewer) -> None:
    draft = _draft(turn, Step.TEXT)
    text = (turn.event.text or "").strip()
    if draft is None or not text:
        return
    draft = await _keep(turn, dataclasses.replace(draft, text=text, step=Step.EVIDENCE))
    buttons = _done_keyboard(turn, viewer.locale, draft)
    await turn.answer(viewer.locale, "chat/report/ask_evidence", _params(draft), buttons=buttons)


@requires(*REPORTERS)
async def _take_file(turn: Turn, viewer: Viewer) -> None:
    draft = _draft(turn, Step.EVIDENCE)
    file = turn.event.file
    if draft is None or file is None:
        return
    check_file(file)
    group = turn.event.media_group
    # An album is acknowledged once, on its first photo.
    first_of_album = group is None or group != draft.last_media_group
    draft = await _keep(turn, dataclasses.replace(draft, files=(*draft.files, file), last_media_group=group))
    if first_of_album:
        buttons = _done_keyboard(turn, viewer.locale, draft)
        await turn.answer(viewer.locale, "chat/report/file_added", _params(draft), buttons=buttons)


@requires(*REPORTERS)
async def _done(turn: Turn, viewer: Viewer) -> None:
    draft = _draft(turn, Step.EVIDENCE)
    if draft is not None:
        await _summary(turn, viewer, draft)


@requires(*REPORTERS)
async def _cancel(turn: Turn, viewer: Viewer) -> None:
    draft = _draft(turn)
    if draft is not None:
        await turn.answer(viewer.locale, "chat/report/cancelled", _params(draft))


DIALOG = Dialog(
    TOPIC,
    Draft,
    {
        Step.TEXT: {Takes.TEXT: _take_text},
        Step.EVIDENCE: {Takes.FILE: _take_file, "/done": _done},
    },
    _cancel,
)
ROUTES: tuple[Route, ...] = (
    OnCommand(("report",), report_command),
    OnPress(ReportPercent, percent_pressed),
    OnPress(ReportDone, done_pressed),
    OnPress(ReportConfirm, confirm_pressed),
    OnPress(ReportEdit, edit_pressed),
    OnMessage(MessageKind.REPLY_TO_BOT, reply_report),
)
