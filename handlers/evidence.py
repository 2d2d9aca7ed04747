"""Evidence: a photo or document with the caption `N` or `/report N …`, or sent as a reply to a message of
the bot about an item, becomes a progress report with that file. An album is one report, answered once.

Also what the report commands share: downloading files into the store's staging area, and the receipt.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import MessageHandler, filters

from handlers.common import answer, requires, run
from handlers.context import BotContext, DubanApp
from ledger.access import Viewer
from ledger.evidence import IncomingFile, incoming_document, incoming_photo, refusal
from ledger.model import Role
from ledger.progress import ReportLine
from services.errors import DubanError
from services.items import normalize_number
from services.reports import Evidence, ReportReceipt, read_percent_in_text, read_report_line

REPORTERS = (Role.OFFICER, Role.LEADER, Role.ADMIN)
_REFUSED_ALBUMS = "refused_albums"
_REMEMBERED_ALBUMS = 100


def incoming_file(message: Message) -> IncomingFile | None:
    """The photo (its largest size) or document of a message, as Telegram announces it."""
    if message.photo:
        photo = message.photo[-1]
        return incoming_photo(photo.file_id, photo.file_unique_id, photo.file_size)
    document = message.document
    if document is None:
        return None
    return incoming_document(
        document.file_id, document.file_unique_id, document.file_size, document.mime_type, document.file_name
    )


def check_file(file: IncomingFile) -> None:
    """Refuse, before anything is downloaded, a file that is too big or of a type not kept as evidence."""
    code = refusal(file)
    if code is not None:
        raise DubanError(code, name=file.name or "")


async def stage(context: BotContext, files: Sequence[IncomingFile]) -> list[Evidence]:
    """Download the files (getFile) into the store's staging area; on any failure none stays there."""
    store = context.services.evidence
    staged: list[Evidence] = []
    try:
        for file in files:
            path = store.staging_path()
            staged.append(Evidence(path, file))
            telegram_file = await context.bot.get_file(file.file_id)
            await telegram_file.download_to_drive(path)
    except BadRequest as error:
        await discard(context, staged)
        if "too big" in error.message.lower():
            raise DubanError("evidence/too_big", name=staged[-1].file.name or "") from None
        raise
    except BaseException:
        await discard(context, staged)
        raise
    return staged


async def discard(context: BotContext, evidence: Sequence[Evidence]) -> None:
    for piece in evidence:
        await run(context.services.evidence.discard, piece.staged)


async def send_receipt(
    update: Update, context: BotContext, viewer: Viewer, receipt: ReportReceipt, *, album: bool = False
) -> None:
    """Tell the reporter what was stored; a reply to this receipt is a further report on the item."""
    status = context.services.renderer.label
    sent = await answer(
        update,
        context,
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
            context.services.reports.remember_message,
            sent.chat_id,
            sent.message_id,
            receipt.item_id,
            "report",
        )


async def submit_report(
    update: Update,
    context: BotContext,
    viewer: Viewer,
    line: ReportLine | None,
    files: Sequence[IncomingFile] = (),
    *,
    media_group_id: str | None = None,
) -> None:
    """Store a report with its files (downloaded only once the viewer is known to report on the item).

    A later photo of an album (`media_group_id`) joins the album's report silently; the first one, which
    carries the caption (`line`), makes the report and gets the one answer.
    """
    if line is not None and files:
        await run(context.services.reports.brief, viewer, line.number)
    evidence = await stage(context, files)
    try:
        if media_group_id is not None and await run(
            context.services.reports.attach_to_album, viewer, media_group_id, evidence
        ):
            return
        if line is None:
            raise DubanError("evidence/no_item")
        receipt = await run(
            context.services.reports.submit, viewer, line.number, line.percent, line.text, evidence,
            media_group_id=media_group_id,
        )  # fmt: skip
    finally:
        await discard(context, evidence)
    await send_receipt(update, context, viewer, receipt, album=media_group_id is not None)


async def replied_item(context: BotContext, message: Message) -> str | None:
    """The item of the bot's message this message replies to, if it is about one."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return None
    number: str | None = await run(
        context.services.reports.item_of_message, message.chat_id, replied.message_id
    )
    return number


async def _caption_line(context: BotContext, message: Message) -> ReportLine | None:
    """What the caption or the replied-to message says the file is about; None when nothing does."""
    caption = (message.caption or "").strip()
    command, _, arguments = caption.partition(" ")
    if command.split("@", 1)[0].lower() == "/report":
        return read_report_line(arguments)
    if normalize_number(caption) is not None:
        return ReportLine(caption, None, "")
    number = await replied_item(context, message)
    if number is None:
        return None
    return ReportLine(number, read_percent_in_text(caption), caption)


def _refused_albums(context: BotContext) -> dict[str, None]:
    chat_data = context.chat_data
    assert chat_data is not None  # a message always has a chat
    refused: dict[str, None] = chat_data.setdefault(_REFUSED_ALBUMS, {})
    return refused


def _refuse_album(context: BotContext, media_group_id: str) -> None:
    refused = _refused_albums(context)
    refused[media_group_id] = None
    while len(refused) > _REMEMBERED_ALBUMS:
        del refused[next(iter(refused))]


@requires(*REPORTERS)
async def evidence_message(update: Update, context: BotContext, viewer: Viewer) -> None:
    message = update.effective_message
    file = incoming_file(message) if message else None
    if message is None or file is None:
        return
    group = message.media_group_id
    try:
        await _store_file(update, context, viewer, message, file, group)
    except DubanError:
        # An album gets one refusal; its other photos are still taken when they can be.
        if group is None:
            raise
        if group not in _refused_albums(context):
            _refuse_album(context, group)
            raise


async def _store_file(
    update: Update,
    context: BotContext,
    viewer: Viewer,
    message: Message,
    file: IncomingFile,
    group: str | None,
) -> None:
    check_file(file)
    line = await _caption_line(context, message)
    if line is None and group is None:
        raise DubanError("evidence/no_item")
    await submit_report(update, context, viewer, line, [file], media_group_id=group)


def register(app: DubanApp) -> None:
    app.add_handler(MessageHandler(filters.PHOTO | filters.Document.ALL, evidence_message))
