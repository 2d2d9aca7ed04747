"""Evidence: a photo or document with the caption `N` or `/report N …`, or sent as a reply to a message of
the bot about an item, becomes a progress report with that file. An album is one report, answered once.

Also what the report commands share: fetching files into the store's staging area, and the receipt.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.chat import FileTooBigError
from handlers.common import Turn, requires, run
from handlers.routes import MessageKind, OnMessage, Route
from ledger.access import Viewer
from ledger.errors import DubanError
from ledger.evidence import MAX_FILE_MEGABYTES, IncomingFile, refusal
from ledger.model import Role
from ledger.progress import ReportLine, parse_report_line, percent_in_text
from services.items import normalize_number
from services.reports import Evidence, ReportReceipt

REPORTERS = (Role.OFFICER, Role.LEADER, Role.ADMIN)


def check_file(file: IncomingFile) -> None:
    """Refuse, before anything is downloaded, a file that is too big or of a type not kept as evidence."""
    code = refusal(file)
    if code is not None:
        raise DubanError(code, name=file.name or "", megabytes=MAX_FILE_MEGABYTES)


async def stage(turn: Turn, files: Sequence[IncomingFile]) -> list[Evidence]:
    """Fetch the files into the store's staging area; on any failure none stays there."""
    store = turn.services.evidence
    staged: list[Evidence] = []
    try:
        for file in files:
            path = store.staging_path()
            staged.append(Evidence(path, file))
            await turn.port.download(file, path)
    except FileTooBigError:
        await discard(turn, staged)
        raise DubanError(
            "evidence/too_big", name=staged[-1].file.name or "", megabytes=MAX_FILE_MEGABYTES
        ) from None
    except BaseException:
        await discard(turn, staged)
        raise
    return staged


async def discard(turn: Turn, evidence: Sequence[Evidence]) -> None:
    for piece in evidence:
        await run(turn.services.evidence.discard, piece.staged)


async def send_receipt(turn: Turn, viewer: Viewer, receipt: ReportReceipt, *, album: bool = False) -> None:
    """Tell the reporter what was stored; a reply to this receipt is a further report on the item."""
    status = turn.services.renderer.label
    sent = await turn.answer(
        viewer.locale,
        "chat/report/saved",
        {
            "number": receipt.number,
            "title": receipt.title,
            "percent_before": receipt.percent_before,
            "percent_after": receipt.percent_after,
            "status_before": status(viewer.locale, "status", receipt.status_before.value),
            "status_after": status(viewer.locale, "status", receipt.status_after.value),
            "files": receipt.files,
            "album": album,
        },
    )
    if sent is not None:
        await run(
            turn.services.reports.remember_message, sent.chat_id, sent.message_id, receipt.item_id, "report"
        )


async def submit_report(
    turn: Turn,
    viewer: Viewer,
    line: ReportLine | None,
    files: Sequence[IncomingFile] = (),
    *,
    media_group_id: str | None = None,
) -> None:
    """Store a report with its files (fetched only once the viewer is known to report on the item).

    A later photo of an album (`media_group_id`) joins the album's report silently; the first one, which
    carries the caption (`line`), makes the report and gets the one answer.
    """
    reports = turn.services.reports
    if line is not None and files:
        await run(reports.brief, viewer, line.number)
    evidence = await stage(turn, files)
    try:
        if media_group_id is not None and await run(
            reports.attach_to_album, viewer, media_group_id, evidence
        ):
            return
        if line is None:
            raise DubanError("evidence/no_item")
        receipt = await run(
            reports.submit,
            viewer,
            line.number,
            line.percent,
            line.text,
            evidence,
            media_group_id=media_group_id,
        )
    finally:
        await discard(turn, evidence)
    await send_receipt(turn, viewer, receipt, album=media_group_id is not None)


async def replied_item(turn: Turn) -> str | None:
    """The item of the bot's message this message replies to, if it is about one."""
    replied = turn.event.replied_to_bot
    if replied is None:
        return None
    return await run(turn.services.reports.item_of_message, replied.chat_id, replied.message_id)


async def _caption_line(turn: Turn) -> ReportLine | None:
    """What the caption or the replied-to message says the file is about; None when nothing does."""
    caption = (turn.event.caption or "").strip()
    command, _, arguments = caption.partition(" ")
    if command.split("@", 1)[0].lower() == "/report":
        return parse_report_line(arguments)
    if normalize_number(caption) is not None:
        return ReportLine(caption, None, "")
    number = await replied_item(turn)
    if number is None:
        return None
    return ReportLine(number, percent_in_text(caption), caption)


@requires(*REPORTERS)
async def evidence_message(turn: Turn, viewer: Viewer) -> None:
    file, group, chat = turn.event.file, turn.event.media_group, turn.event.chat
    if file is None or chat is None:
        return
    try:
        check_file(file)
        line = await _caption_line(turn)
        if line is None and group is None:
            raise DubanError("evidence/no_item")
        await submit_report(turn, viewer, line, [file], media_group_id=group)
    except DubanError:
        # An album gets one refusal; its other photos are still taken when they can be.
        if group is None or await turn.memory.refuse_album(chat.id, group):
            raise


ROUTES: tuple[Route, ...] = (OnMessage(MessageKind.FILE, evidence_message),)
