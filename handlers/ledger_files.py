"""The ledger through the chat: /import a plan or spreadsheet (preview, then Apply or Cancel), /export."""

from __future__ import annotations

from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.admin import actor_of, usage
from handlers.common import answer, remove_buttons, requires, run
from handlers.context import BotContext, DubanApp
from ledger.access import Viewer
from ledger.model import Role
from services.import_summary import import_summary_params
from services.ledger import ImportOutcome
from services.ledger_files import TOKEN_PATTERN

# getFile refuses bigger files.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
IMPORT_CAPTION = r"^/import(@\w+)?(\s|$)"
APPLY, CANCEL = "apply", "cancel"


def _uploaded(message: Message, viewer: Viewer) -> Document | None:
    """The file to import: sent with `/import` as its caption, or the admin's own file `/import` replies to."""
    if message.document is not None:
        return message.document
    replied = message.reply_to_message
    if replied is None or replied.document is None or replied.from_user is None:
        return None
    return replied.document if replied.from_user.id == viewer.telegram_user_id else None


def _buttons(context: BotContext, locale: str, token: str) -> InlineKeyboardMarkup:
    render = context.services.renderer.render
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(render(locale, "chat/admin/import_apply_button"), callback_data=f"import:{APPLY}:{token}"),
                InlineKeyboardButton(render(locale, "chat/admin/import_cancel_button"), callback_data=f"import:{CANCEL}:{token}"),
            ]
        ]
    )  # fmt: skip


async def _summary(
    update: Update,
    context: BotContext,
    viewer: Viewer,
    outcome: ImportOutcome,
    keyboard: InlineKeyboardMarkup | None = None,
) -> None:
    params = import_summary_params(context.services.renderer, viewer.locale, outcome)
    await answer(update, context, viewer.locale, "chat/admin/import_summary", params, keyboard=keyboard)


@requires(Role.ADMIN)
async def import_file(update: Update, context: BotContext, viewer: Viewer) -> None:
    message = update.effective_message
    document = _uploaded(message, viewer) if message is not None else None
    if document is None:
        await usage(update, context, viewer, "import")
        return
    if (document.file_size or 0) > MAX_DOWNLOAD_BYTES:
        await answer(update, context, viewer.locale, "chat/admin/file_too_big", {"megabytes": 20})
        return
    data = await (await context.bot.get_file(document.file_id)).download_as_bytearray()
    staged = await run(
        context.services.ledger_files.stage, bytes(data), document.file_name or "", actor=actor_of(viewer)
    )
    keyboard = _buttons(context, viewer.locale, staged.token) if staged.token else None
    await _summary(update, context, viewer, staged.outcome, keyboard)


@requires(Role.ADMIN)
async def import_button(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Apply or Cancel under a preview: only a pending upload is acted on, so a second press does nothing."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    _, action, token = query.data.split(":")
    files = context.services.ledger_files
    if action == APPLY:
        outcome = await run(files.apply, token, actor=actor_of(viewer))
        acted = outcome is not None
    else:
        outcome = None
        acted = await run(files.cancel, token)
    if not acted:
        gone = context.services.renderer.render(viewer.locale, "chat/admin/import_gone")
        await query.answer(gone, show_alert=True)
        return
    await query.answer()
    await remove_buttons(query)
    if outcome is None:
        await answer(update, context, viewer.locale, "chat/admin/import_cancelled")
    else:
        await _summary(update, context, viewer, outcome)


@requires(Role.ADMIN)
async def export(update: Update, context: BotContext, viewer: Viewer) -> None:
    message = update.effective_message
    if message is None:
        return
    data, count = await run(context.services.ledger_files.export)
    services = context.services
    today = services.office.today()
    await message.reply_document(
        data,
        filename=services.renderer.render(viewer.locale, "chat/admin/export_file_name", {"date": today}),
        caption=services.renderer.render(viewer.locale, "chat/admin/export_caption", {"count": count}),
    )


def register(app: DubanApp) -> None:
    app.add_handler(CommandHandler("import", import_file))
    app.add_handler(MessageHandler(filters.Document.ALL & filters.CaptionRegex(IMPORT_CAPTION), import_file))
    app.add_handler(
        CallbackQueryHandler(import_button, pattern=rf"^import:({APPLY}|{CANCEL}):{TOKEN_PATTERN}$")
    )
    app.add_handler(CommandHandler("export", export))
