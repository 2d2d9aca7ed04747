"""The ledger through the chat: /import a plan or spreadsheet (preview, then Apply or Cancel), /export."""

from __future__ import annotations

from handlers.admin import usage
from handlers.chat import Author, FileTooBigError
from handlers.common import Turn, requires, run
from handlers.routes import OnCaptionedDocument, OnCommand, OnPress, Route
from ledger.access import Viewer
from ledger.buttons import ImportAction, ImportPress
from ledger.evidence import MAX_FILE_BYTES, MAX_FILE_MEGABYTES, IncomingFile
from ledger.model import Role
from services.import_summary import import_summary_params
from services.ledger import ImportOutcome
from services.outbox import Button

IMPORT = "import"


def _uploaded(turn: Turn) -> IncomingFile | None:
    """The file to import: sent with `/import` as its caption, or the admin's own file `/import` replies to."""
    event = turn.event
    if event.document is not None:
        return event.document
    replied = event.replied
    return replied.document if replied is not None and replied.author == Author.SENDER else None


def _buttons(turn: Turn, locale: str, token: str) -> list[list[Button]]:
    return [
        [
            Button(turn.render(locale, "chat/admin/import_apply_button"), ImportPress(ImportAction.APPLY, token).pack()),
            Button(turn.render(locale, "chat/admin/import_cancel_button"), ImportPress(ImportAction.CANCEL, token).pack()),
        ]
    ]  # fmt: skip


async def _summary(
    turn: Turn, viewer: Viewer, outcome: ImportOutcome, buttons: list[list[Button]] | None = None
) -> None:
    params = import_summary_params(turn.services.renderer, viewer.locale, outcome)
    await turn.answer(viewer.locale, "chat/admin/import_summary", params, buttons=buttons or ())


async def _too_big(turn: Turn, viewer: Viewer) -> None:
    await turn.answer(viewer.locale, "chat/admin/file_too_big", {"megabytes": MAX_FILE_MEGABYTES})


@requires(Role.ADMIN)
async def import_file(turn: Turn, viewer: Viewer) -> None:
    document = _uploaded(turn)
    if document is None:
        await usage(turn, viewer, IMPORT)
        return
    if (document.size or 0) > MAX_FILE_BYTES:
        await _too_big(turn, viewer)
        return
    try:
        data = await turn.port.read(document)
    except FileTooBigError:
        await _too_big(turn, viewer)
        return
    staged = await run(turn.services.ledger_files.stage, data, document.name or "", actor=viewer.actor)
    buttons = _buttons(turn, viewer.locale, staged.token) if staged.token else None
    await _summary(turn, viewer, staged.outcome, buttons)


@requires(Role.ADMIN)
async def import_button(turn: Turn, viewer: Viewer, press: ImportPress) -> None:
    """Apply or Cancel under a preview: only a pending upload is acted on, so a second press does nothing."""
    files = turn.services.ledger_files
    if press.action == ImportAction.APPLY:
        outcome = await run(files.apply, press.token, actor=viewer.actor)
        acted = outcome is not None
    else:
        outcome = None
        acted = await run(files.cancel, press.token)
    if not acted:
        await turn.port.answer_press(turn.render(viewer.locale, "chat/admin/import_gone"), alert=True)
        return
    await turn.close_buttons()
    if outcome is None:
        await turn.answer(viewer.locale, "chat/admin/import_cancelled")
    else:
        await _summary(turn, viewer, outcome)


@requires(Role.ADMIN)
async def export(turn: Turn, viewer: Viewer) -> None:
    data, count = await run(turn.services.ledger_files.export)
    today = turn.services.office.today()
    await turn.port.reply_document(
        data,
        turn.render(viewer.locale, "chat/admin/export_file_name", {"date": today}),
        turn.render(viewer.locale, "chat/admin/export_caption", {"count": count}),
    )


ROUTES: tuple[Route, ...] = (
    OnCommand((IMPORT,), import_file),
    OnCaptionedDocument(IMPORT, import_file),
    OnPress(ImportPress, import_button),
    OnCommand(("export",), export),
)
