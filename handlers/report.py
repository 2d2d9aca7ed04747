"""Progress reports: `/report N` (guided: percent buttons, text, files, confirm), `/report N 60% text`
(one line), and a text reply to a message of the bot about an item.

The guided report's draft lives in `user_data` per chat; nothing is stored until it is confirmed. Its
steps take messages in an early handler group that lets everything else through to the other features.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext, DubanApp
from handlers.common import Handler, answer, command_text, remove_buttons, requires, run
from handlers.evidence import REPORTERS, check_file, incoming_file, replied_item, submit_report
from ledger.access import Viewer
from ledger.progress import PERCENT_CHOICES, Draft, ReportLine, Step
from services.errors import DubanError
from services.reports import ItemBrief, read_percent_in_text, read_report_line

# Before the features' own handlers (group 0): a draft waiting for text or files takes them first.
DRAFT_GROUP = -10
_DRAFTS = "report_drafts"
# Callback data (under Telegram's 64 bytes): `<action>:<item number>[:<percent>|k]`.
_PERCENT, _DONE, _CONFIRM, _EDIT = "rp", "rd", "rc", "re"
_KEEP = "k"
_STEP_OF_ACTION = {_PERCENT: Step.PERCENT, _DONE: Step.EVIDENCE, _CONFIRM: Step.CONFIRM, _EDIT: Step.CONFIRM}


class _ReplyToBot(filters.MessageFilter):
    """A message that replies to a message of this bot."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return (
            replied is not None
            and replied.from_user is not None
            and replied.from_user.id == message.get_bot().id
        )


def _drafts(context: BotContext) -> dict[int, Draft]:
    user_data = context.user_data
    assert user_data is not None  # drafts are only reached for updates from a user
    drafts: dict[int, Draft] = user_data.setdefault(_DRAFTS, {})
    return drafts


def _chat_id(update: Update) -> int:
    chat = update.effective_chat
    return chat.id if chat is not None else 0


def _draft(update: Update, context: BotContext, step: Step | None = None) -> Draft | None:
    if context.user_data is None:
        return None
    draft = _drafts(context).get(_chat_id(update))
    return draft if draft is not None and step in (None, draft.step) else None


def _keep(update: Update, context: BotContext, draft: Draft) -> Draft:
    _drafts(context)[_chat_id(update)] = draft
    return draft


def _drop(update: Update, context: BotContext) -> None:
    _drafts(context).pop(_chat_id(update), None)


def _labels(context: BotContext, locale: str, draft: Draft) -> dict[str, str]:
    """Button labels of the locale, from the `chat/report/buttons` template (`key=label` lines)."""
    text = context.services.renderer.render(locale, "chat/report/buttons", {"current": draft.current_percent})
    return dict(line.split("=", 1) for line in text.splitlines())


def _keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def _percent_keyboard(context: BotContext, locale: str, draft: Draft) -> InlineKeyboardMarkup:
    buttons = [(f"{p}%", f"{_PERCENT}:{draft.number}:{p}") for p in PERCENT_CHOICES]
    keep = (_labels(context, locale, draft)["keep"], f"{_PERCENT}:{draft.number}:{_KEEP}")
    return _keyboard([buttons[:6], buttons[6:], [keep]])


def _done_keyboard(context: BotContext, locale: str, draft: Draft) -> InlineKeyboardMarkup:
    return _keyboard([[(_labels(context, locale, draft)["done"], f"{_DONE}:{draft.number}")]])


def _confirm_keyboard(context: BotContext, locale: str, draft: Draft) -> InlineKeyboardMarkup:
    labels = _labels(context, locale, draft)
    return _keyboard(
        [[(labels["confirm"], f"{_CONFIRM}:{draft.number}"), (labels["edit"], f"{_EDIT}:{draft.number}")]]
    )


def _params(draft: Draft) -> dict[str, Any]:
    return {
        "number": draft.number,
        "title": draft.title,
        "current": draft.current_percent,
        "percent": draft.percent,
        "text": draft.text,
        "files": len(draft.files),
    }


async def _ask_percent(update: Update, context: BotContext, viewer: Viewer, draft: Draft) -> None:
    await answer(
        update, context, viewer.locale, "chat/report/ask_percent", _params(draft),
        keyboard=_percent_keyboard(context, viewer.locale, draft),
    )  # fmt: skip


@requires(*REPORTERS)
async def report_command(update: Update, context: BotContext, viewer: Viewer) -> None:
    arguments = command_text(update)
    if not arguments.strip():
        raise DubanError("report/usage")
    line = read_report_line(arguments)
    if line.percent is not None or line.text:
        await submit_report(update, context, viewer, line)
        return
    await start_guided_report(update, context, viewer, line.number)


async def start_guided_report(update: Update, context: BotContext, viewer: Viewer, number: str) -> None:
    """Open a guided report on item `number` (also from a reminder's "Report now" button)."""
    brief: ItemBrief = await run(context.services.reports.brief, viewer, number)
    draft = _keep(update, context, Draft(brief.number, brief.title, brief.percent))
    await _ask_percent(update, context, viewer, draft)


@requires(*REPORTERS)
async def reply_report(update: Update, context: BotContext, viewer: Viewer) -> None:
    """A text reply to a message of the bot about an item: a report on it, with `60%` taken from the text."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    number = await replied_item(context, message)
    if number is None:
        raise DubanError("report/not_item_message")
    line = ReportLine(number, read_percent_in_text(message.text), message.text)
    await submit_report(update, context, viewer, line)


def _parse_button(data: str) -> tuple[str, str, str]:
    action, _, rest = data.partition(":")
    number, _, value = rest.partition(":")
    return action, number, value


@requires(*REPORTERS)
async def report_button(update: Update, context: BotContext, viewer: Viewer) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    action, number, value = _parse_button(query.data)
    draft = _draft(update, context, _STEP_OF_ACTION.get(action))
    if draft is None or draft.number != number or action not in _STEP_OF_ACTION:
        await query.answer(context.services.renderer.render(viewer.locale, "chat/report/expired"))
        return
    await query.answer()
    if action == _CONFIRM:
        # Stored before the buttons go: if storing fails, the report can still be confirmed again or edited.
        line = ReportLine(draft.number, draft.percent, draft.text)
        await submit_report(update, context, viewer, line, draft.files)
        _drop(update, context)
    # The buttons of a step taken are gone, so a second press cannot repeat it.
    await remove_buttons(query)
    if action == _PERCENT:
        percent = None if value == _KEEP else int(value)
        draft = _keep(update, context, dataclasses.replace(draft, percent=percent, step=Step.TEXT))
        await answer(update, context, viewer.locale, "chat/report/ask_text", _params(draft))
    elif action == _DONE:
        await _summary(update, context, viewer, draft)
    elif action == _EDIT:
        draft = _keep(update, context, Draft(draft.number, draft.title, draft.current_percent))
        await _ask_percent(update, context, viewer, draft)


async def _summary(update: Update, context: BotContext, viewer: Viewer, draft: Draft) -> None:
    draft = _keep(update, context, dataclasses.replace(draft, step=Step.CONFIRM))
    await answer(
        update, context, viewer.locale, "chat/report/summary", _params(draft),
        keyboard=_confirm_keyboard(context, viewer.locale, draft),
    )  # fmt: skip


@requires(*REPORTERS)
async def _take_text(update: Update, context: BotContext, viewer: Viewer) -> None:
    draft = _draft(update, context, Step.TEXT)
    message = update.effective_message
    text = (message.text or "").strip() if message else ""
    if draft is None or not text:
        return
    draft = _keep(update, context, dataclasses.replace(draft, text=text, step=Step.EVIDENCE))
    await answer(
        update, context, viewer.locale, "chat/report/ask_evidence", _params(draft),
        keyboard=_done_keyboard(context, viewer.locale, draft),
    )  # fmt: skip


@requires(*REPORTERS)
async def _take_file(update: Update, context: BotContext, viewer: Viewer) -> None:
    draft = _draft(update, context, Step.EVIDENCE)
    message = update.effective_message
    file = incoming_file(message) if message else None
    if draft is None or message is None or file is None:
        return
    check_file(file)
    group = message.media_group_id
    # An album is acknowledged once, on its first photo.
    first_of_album = group is None or group != draft.last_media_group
    draft = _keep(
        update, context, dataclasses.replace(draft, files=(*draft.files, file), last_media_group=group)
    )
    if first_of_album:
        await answer(
            update, context, viewer.locale, "chat/report/file_added", _params(draft),
            keyboard=_done_keyboard(context, viewer.locale, draft),
        )  # fmt: skip


@requires(*REPORTERS)
async def _done(update: Update, context: BotContext, viewer: Viewer) -> None:
    draft = _draft(update, context, Step.EVIDENCE)
    if draft is not None:
        await _summary(update, context, viewer, draft)


@requires(*REPORTERS)
async def _cancel(update: Update, context: BotContext, viewer: Viewer) -> None:
    draft = _draft(update, context)
    if draft is not None:
        _drop(update, context)
        await answer(update, context, viewer.locale, "chat/report/cancelled", _params(draft))


def _while_drafting(step: Step | None, handler: Handler) -> Handler:
    """Run `handler` only when this chat has a draft at `step` (any step: None), and then stop there;
    otherwise let the update go on to the other features."""

    async def guarded(update: Update, context: BotContext) -> None:
        if _draft(update, context, step) is None:
            return
        await handler(update, context)
        raise ApplicationHandlerStop

    return guarded


def register(app: DubanApp) -> None:
    app.add_handler(CommandHandler("report", report_command))
    app.add_handler(CallbackQueryHandler(report_button, pattern=r"^r[pdce]:"))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & _ReplyToBot(), reply_report))
    for handler in (
        MessageHandler(filters.TEXT & ~filters.COMMAND, _while_drafting(Step.TEXT, _take_text)),
        # A file captioned with a command (/import, /report M …) is that command's, not the draft's.
        MessageHandler(
            (filters.PHOTO | filters.Document.ALL) & ~filters.CaptionRegex(r"^/"),
            _while_drafting(Step.EVIDENCE, _take_file),
        ),
        CommandHandler("done", _while_drafting(Step.EVIDENCE, _done)),
        CommandHandler("cancel", _while_drafting(None, _cancel)),
    ):
        app.add_handler(handler, group=DRAFT_GROUP)
