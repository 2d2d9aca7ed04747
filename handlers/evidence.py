"""What the report handlers share: checking and fetching files into the store's staging area, storing a
report with its evidence (a later file of an album joins the album's report), and the receipt.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.chat import FileTooBigError
from handlers.common import Turn, run
from ledger.access import Viewer
from ledger.errors import DubanError
from ledger.evidence import MAX_FILE_MEGABYTES, IncomingFile, refusal
from ledger.model import Role
from ledger.progress import ReportLine
from services.reports import Evidence, ReportReceipt

REPORTERS = (Role.OFFICER, Role.LEADER, Role.ADMIN)


def check_file(file: IncomingFile) -> None:
    """Refuse, before anything is downloaded, a file that is too big or of a type not kept as evidence."""
    code = refusal(file)
    if code is not None:
        raise DubanError(code, name=file.name or "", megabytes=MAX_FILE_MEGABYTES)


async def stage(turn: Turn, files: Sequence[IncomingFile], captions: Sequence[str] = ()) -> list[Evidence]:
    """Fetch the files (with what was written with each) into the store's staging area; on any failure
    none stays there (and the services that take them, `ReportService.submit`, leave none there either)."""
    store = turn.services.evidence
    staged: list[Evidence] = []
    try:
        for index, file in enumerate(files):
            path = store.staging_path()
            staged.append(Evidence(path, file, captions[index] if index < len(captions) else ""))
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
            turn.services.reports.remember_message, sent.chat_id, sent.message_id, [receipt.item_id], "report"
        )


async def submit_report(
    turn: Turn,
    viewer: Viewer,
    line: ReportLine,
    files: Sequence[IncomingFile] = (),
    captions: Sequence[str] = (),
    *,
    media_group_id: str | None = None,
) -> None:
    """Store a report with its files (fetched only once the viewer is known to report on the item); a
    report with a `media_group_id` is its album's, which its later files join (`join_album`)."""
    reports = turn.services.reports
    if files:
        await run(reports.brief, viewer, line.number)
    evidence = await stage(turn, files, captions)
    receipt = await run(
        reports.submit, viewer, line.number, line.percent, line.text, evidence, media_group_id=media_group_id
    )
    await send_receipt(turn, viewer, receipt, album=media_group_id is not None)


async def join_album(turn: Turn, viewer: Viewer, media_group_id: str, file: IncomingFile) -> bool:
    """A later file of an album whose report is stored joins it, silently; False when the album has no
    report (yet)."""
    reports = turn.services.reports
    if not await run(reports.album_reported, media_group_id):
        return False
    evidence = await stage(turn, [file])
    return await run(reports.attach_to_album, viewer, media_group_id, evidence)
