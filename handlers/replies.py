"""Replies and evidence as officials send them: a text replying to a message of the bot about an item, and
a photo or document captioned with the item ("16 闭水试验现场", "第二十四项 …", "J2024-017 …", or
`/report N …`) or replying to such a message. Each is a progress report on the item; an album is one.

A message of the bot about several items (reminders due at once are merged into one) does not say which
item a reply is about, unless the reply names one of them: the person is then asked, with one button per
item, and nothing is stored until they choose. What waits for their choice (the text, the files) is the
conversation's data. A caption that names no item the person may report on is answered with the items
they may report on, and nothing is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from handlers.common import Turn, requires, run
from handlers.conversation import dump, load
from handlers.evidence import REPORTERS, check_file, join_album, submit_report
from handlers.routes import Dialog, MessageKind, OnMessage, OnPress, Route, Takes
from ledger.access import Viewer
from ledger.buttons import ReplyItem
from ledger.errors import DubanError
from ledger.evidence import IncomingFile
from ledger.progress import ReportLine, line_about, parse_report_line, percent_in_text
from services.outbox import Button
from services.reports import ItemBrief

TOPIC = "reply_item"
CHOOSING = "choosing"
# The items listed to someone whose caption named none they may report on (the rest are counted).
LISTED_ITEMS = 10
# The refusals of a caption's item that mean "not an item you may report on".
_NOT_REPORTABLE = ("unknown_item", "report/not_yours")


@dataclass(frozen=True)
class PendingReply:
    """A reply waiting for the person to say which item it is about: the items offered, what the reply
    said, and the files it brought (an album's later files join them)."""

    numbers: tuple[str, ...]
    text: str
    percent: int | None = None
    files: tuple[IncomingFile, ...] = ()
    media_group: str | None = None


async def replied_items(turn: Turn) -> list[str]:
    """The items of the bot's message this message replies to, in that message's order (none: it replies
    to no message of the bot, or to one about no item)."""
    replied = turn.event.replied_to_bot
    if replied is None:
        return []
    return await run(turn.services.reports.items_of_message, replied.chat_id, replied.message_id)


async def _candidates(turn: Turn, viewer: Viewer, replied: Sequence[str]) -> list[str]:
    """Of a message's several items, those the person may report on (a message to a leader may also be
    about a request to confirm). None of them: the first one's refusal says why."""
    if len(replied) < 2:
        return list(replied)
    reportable = [brief.number for brief in await run(turn.services.reports.reportable, viewer, replied)]
    if not reportable:
        await run(turn.services.reports.brief, viewer, replied[0])
    return reportable


@requires(*REPORTERS)
async def reply_report(turn: Turn, viewer: Viewer) -> None:
    """A text reply to a message of the bot about items: a report on the item, with `60%` taken from the
    text; about several, the person is asked which."""
    text = turn.event.text
    if text is None:
        return
    replied = await _candidates(turn, viewer, await replied_items(turn))
    if not replied:
        raise DubanError("report/not_item_message")
    line = line_about(text, replied)
    if line is None:
        await _ask_which(turn, viewer, PendingReply(tuple(replied), text, percent_in_text(text)))
        return
    await submit_report(turn, viewer, line)


@requires(*REPORTERS)
async def evidence_message(turn: Turn, viewer: Viewer) -> None:
    """A photo or document: evidence of the item its caption names or its reply answers."""
    file, group, chat = turn.event.file, turn.event.media_group, turn.event.chat
    if file is None or chat is None:
        return
    try:
        check_file(file)
        if group is not None and await join_album(turn, viewer, group, file):
            return
        await _file_report(turn, viewer, file, group)
    except DubanError:
        # An album gets one refusal; its other photos are still taken when they can be.
        if group is None or await turn.memory.refuse_album(chat.id, group):
            raise


async def _file_report(turn: Turn, viewer: Viewer, file: IncomingFile, group: str | None) -> None:
    caption = (turn.event.caption or "").strip()
    command, _, arguments = caption.partition(" ")
    if command.split("@", 1)[0].lower() == "/report":
        command_line = parse_report_line(arguments)
        await submit_report(turn, viewer, command_line, [file], [command_line.text], media_group_id=group)
        return
    replied = await _candidates(turn, viewer, await replied_items(turn))
    line = line_about(caption, replied)
    if line is None and len(replied) > 1:
        pending = PendingReply(tuple(replied), caption, percent_in_text(caption), (file,), group)
        await _ask_which(turn, viewer, pending)
        return
    if line is None:
        raise DubanError("evidence/no_item", **await _reportable(turn, viewer))
    try:
        await submit_report(turn, viewer, line, [file], [line.text], media_group_id=group)
    except DubanError as error:
        if replied or error.code not in _NOT_REPORTABLE:
            raise
        # A caption's number that is no item of theirs: say which items are.
        raise DubanError(
            "evidence/not_reportable", number=line.number, **await _reportable(turn, viewer)
        ) from None


async def _reportable(turn: Turn, viewer: Viewer) -> dict[str, Any]:
    """The items the person may report on, for a refusal: the first `LISTED_ITEMS` and how many in all."""
    briefs = await run(turn.services.reports.reportable, viewer)
    return {"items": [(b.number, b.title) for b in briefs[:LISTED_ITEMS]], "total": len(briefs)}


# ---- which item? ------------------------------------------------------------------------------------


async def _ask_which(turn: Turn, viewer: Viewer, pending: PendingReply) -> None:
    briefs: list[ItemBrief] = await run(turn.services.reports.reportable, viewer, pending.numbers)
    buttons = [
        [
            Button(
                turn.render(viewer.locale, "chat/report/which_button", {"brief": b}),
                ReplyItem(b.number).pack(),
            )
        ]
        for b in briefs
    ]
    await turn.converse(TOPIC, CHOOSING, dump(replace(pending, numbers=tuple(b.number for b in briefs))))
    await turn.answer(
        viewer.locale,
        "chat/report/which_item",
        {"items": briefs, "files": len(pending.files), "text": pending.text},
        buttons=buttons,
    )


def _pending(turn: Turn) -> PendingReply | None:
    conversation = turn.conversation(TOPIC)
    return None if conversation is None else load(PendingReply, conversation.data)


@requires(*REPORTERS)
async def item_chosen(turn: Turn, viewer: Viewer, press: ReplyItem) -> None:
    """The item a waiting reply is about: it is stored as a report on it, with its files."""
    pending = _pending(turn)
    if pending is None or press.number not in pending.numbers:
        await turn.port.answer_press(turn.render(viewer.locale, "chat/report/which_expired"))
        return
    line = ReportLine(press.number, pending.percent, pending.text)
    captions = [pending.text] * len(pending.files)
    # Stored before the question ends: a refusal leaves it open, to choose another item or /cancel.
    await submit_report(turn, viewer, line, pending.files, captions, media_group_id=pending.media_group)
    await turn.port.answer_press()
    await turn.end_conversation()
    await turn.port.remove_buttons()


@requires(*REPORTERS)
async def _album_file(turn: Turn, viewer: Viewer) -> None:
    """A file while the question waits: a later photo of the same album joins the reply's files; any other
    file is a message of its own."""
    pending, file, group = _pending(turn), turn.event.file, turn.event.media_group
    if pending is None or file is None or group is None or group != pending.media_group:
        await evidence_message(turn)
        return
    check_file(file)
    await turn.converse(TOPIC, CHOOSING, dump(replace(pending, files=(*pending.files, file))))


@requires(*REPORTERS)
async def _cancel(turn: Turn, viewer: Viewer) -> None:
    if _pending(turn) is not None:
        await turn.answer(viewer.locale, "chat/report/which_cancelled")


DIALOG = Dialog(TOPIC, PendingReply, {CHOOSING: {Takes.FILE: _album_file}}, _cancel)
ROUTES: tuple[Route, ...] = (
    OnPress(ReplyItem, item_chosen),
    OnMessage(MessageKind.REPLY_TO_BOT, reply_report),
    OnMessage(MessageKind.FILE, evidence_message),
)
