"""Sign-off (验收销号) in chat: `/signoff N [100%] [statement]`, `/evidence N M` (link the files of one's
last report on item N to its measure M), the leader's Confirm / Return / Evidence buttons, the reviewers'
Approve / Return / Inspect / Evidence buttons, `/pending`, and the admin's `/signoff_rule none|item|measure`.

A statement, a reason to return or an inspection date asked for by the bot is taken from the next text
in the chat (an early handler group lets everything else through); `/cancel` drops the question.

The request itself reaches leaders and reviewers through the outbox (durable, quiet hours, retries); the
outbox holds text only, so the evidence files are sent directly, from the handler of the leader's tap,
and again to any reviewer who presses Evidence (so a failed or missed delivery can be repeated).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import InputMediaPhoto, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.admin import actor_of
from handlers.common import Handler, answer, requires, run
from handlers.context import BotContext, DubanApp
from handlers.evidence import REPORTERS
from ledger.access import Viewer
from ledger.model import Role
from ledger.signoff import parse_part
from services.errors import DubanError
from services.signoff import APPROVE, CONFIRM, FILES, INSPECT, RETURN, EvidenceCopy, Packet

_LOGGER = logging.getLogger(__name__)
# After the guided report (-10): a question of the sign-off waits for the chat's next text.
SIGNOFF_GROUP = -9
_WAITING = "signoff_waiting"
STATEMENT, REASON, DATE = "statement", "reason", "date"
PENDING_VIEWERS = (Role.LEADER, Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN)
ALBUM_SIZE = 10  # Telegram's limit of an album (sendMediaGroup: 2 to 10)


@dataclass(frozen=True)
class Waiting:
    """What the bot asked this chat for: `ref` is the item number (statement) or the request id."""

    kind: str
    ref: str


def _waiting(context: BotContext) -> dict[int, Waiting]:
    user_data = context.user_data
    assert user_data is not None  # questions are only asked to users
    waiting: dict[int, Waiting] = user_data.setdefault(_WAITING, {})
    return waiting


def _chat_id(update: Update) -> int:
    chat = update.effective_chat
    return chat.id if chat is not None else 0


def _ask(update: Update, context: BotContext, waiting: Waiting) -> None:
    _waiting(context)[_chat_id(update)] = waiting


def _take(update: Update, context: BotContext) -> Waiting | None:
    return _waiting(context).pop(_chat_id(update), None)


def _number_and_text(update: Update, usage: str) -> tuple[str, str]:
    """`/command N free text…`: the item number and the text after it, as typed (spaces kept)."""
    message = update.effective_message
    _, *rest = ((message.text or "") if message else "").split(maxsplit=2)
    if not rest:
        raise DubanError(usage)
    return rest[0], (rest[1] if len(rest) > 1 else "")


@requires(Role.OFFICER)
async def signoff(update: Update, context: BotContext, viewer: Viewer) -> None:
    number, statement = _number_and_text(update, "signoff/usage")
    if statement.strip():
        await _file(update, context, viewer, number, statement)
        return
    preview = await run(context.services.signoff.preview, viewer, number)
    _ask(update, context, Waiting(STATEMENT, preview.number))
    await answer(update, context, viewer.locale, "chat/signoff/ask_statement", {"preview": preview})


@requires(Role.OFFICER)
async def withdraw(update: Update, context: BotContext, viewer: Viewer) -> None:
    number, reason = _number_and_text(update, "signoff/withdraw_usage")
    withdrawn = await run(context.services.signoff.withdraw, viewer, number, reason)
    await answer(update, context, viewer.locale, "chat/signoff/withdrawn", {"withdrawn": withdrawn})


async def _file(update: Update, context: BotContext, viewer: Viewer, number: str, statement: str) -> None:
    filed = await run(context.services.signoff.request, viewer, number, statement)
    await answer(update, context, viewer.locale, "chat/signoff/filed", {"filed": filed})


@requires()
async def _answer_question(update: Update, context: BotContext, viewer: Viewer) -> None:
    """The chat's next text after a question: the statement, the reason to return, or the date."""
    message = update.effective_message
    text = (message.text or "").strip() if message else ""
    waiting = _take(update, context)
    if waiting is None or not text:
        return
    service = context.services.signoff
    if waiting.kind == STATEMENT:
        await _file(update, context, viewer, waiting.ref, text)
        return
    if waiting.kind == REASON:
        decision = await run(service.send_back, viewer, int(waiting.ref), text)
    else:
        decision = await run(service.inspect, viewer, int(waiting.ref), text)
    await answer(update, context, viewer.locale, "chat/signoff/decided", {"decision": decision})


@requires()
async def _cancel(update: Update, context: BotContext, viewer: Viewer) -> None:
    if _take(update, context) is not None:
        await answer(update, context, viewer.locale, "chat/signoff/cancelled")


def _while_waiting(handler: Handler) -> Handler:
    """Run `handler` only when this chat was asked something, and stop there; else let the update go on."""

    async def guarded(update: Update, context: BotContext) -> None:
        if context.user_data is None or _chat_id(update) not in _waiting(context):
            return
        await handler(update, context)
        raise ApplicationHandlerStop

    return guarded


@requires()
async def button(update: Update, context: BotContext, viewer: Viewer) -> None:
    query = update.callback_query
    assert query is not None  # only button presses reach here
    assert query.data is not None
    _, action, value = query.data.split(":")
    request_id = int(value)
    service = context.services.signoff
    locale = viewer.locale
    if action == CONFIRM:
        packet: Packet = await run(service.confirm, viewer, request_id)
        await query.answer()
        await answer(update, context, locale, "chat/signoff/confirmed", {"packet": packet})
        await send_evidence(context, packet)
    elif action == APPROVE:
        decision = await run(service.approve, viewer, request_id)
        await query.answer()
        await answer(update, context, locale, "chat/signoff/decided", {"decision": decision})
    elif action in (RETURN, INSPECT):
        check = service.check_return if action == RETURN else service.check_reviewer
        number = await run(check, viewer, request_id)
        await query.answer()
        kind = REASON if action == RETURN else DATE
        _ask(update, context, Waiting(kind, value))
        await answer(update, context, locale, f"chat/signoff/ask_{kind}", {"number": number})
    elif action == FILES:
        packet = await run(service.evidence, viewer, request_id)
        await query.answer()
        if not packet.files:
            await answer(update, context, locale, "chat/signoff/no_files", {"number": packet.number})
        await send_evidence(context, packet)


async def send_evidence(context: BotContext, packet: Packet) -> None:
    """Photos as albums (up to 10 each), other files as documents, to every chat of the packet.

    A chat that cannot be reached (blocked, gone) is logged and skipped: the others still get the files,
    and the reviewer can ask again with the Evidence button.
    """
    photos = [f for f in packet.files if f.photo]
    documents = [f for f in packet.files if not f.photo]
    for chat_id, locale in packet.chats:
        caption = context.services.renderer.render(
            locale, "chat/signoff/evidence_caption", number=packet.number
        )
        try:
            for start in range(0, len(photos), ALBUM_SIZE):
                await _send_photos(context, chat_id, photos[start : start + ALBUM_SIZE], caption)
            for document in documents:
                data = await run(document.path.read_bytes)
                await context.bot.send_document(chat_id, data, filename=document.name, caption=caption)
        except TelegramError as error:
            _LOGGER.warning(
                "evidence of request %s not sent to chat %s: %s", packet.request_id, chat_id, error
            )


async def _send_photos(context: BotContext, chat_id: int, photos: list[EvidenceCopy], caption: str) -> None:
    data = [await run(photo.path.read_bytes) for photo in photos]
    if len(data) == 1:
        await context.bot.send_photo(chat_id, data[0], caption=caption)
        return
    media = [
        InputMediaPhoto(piece, caption=caption if index == 0 else None) for index, piece in enumerate(data)
    ]
    await context.bot.send_media_group(chat_id, media)


@requires(*PENDING_VIEWERS)
async def pending(update: Update, context: BotContext, viewer: Viewer) -> None:
    view = await run(context.services.signoff.pending, viewer)
    await answer(update, context, viewer.locale, "chat/signoff/pending", {"view": view})


@requires(Role.ADMIN)
async def signoff_rule(update: Update, context: BotContext, viewer: Viewer) -> None:
    args = list(context.args or [])
    service = context.services.signoff
    if not args:
        rule = await run(service.rule)
        await answer(update, context, viewer.locale, "chat/signoff/rule", {"rule": rule.value})
        return
    if len(args) != 1:
        raise DubanError("signoff/rule_usage", value=" ".join(args)[:20])
    change = await run(service.set_rule, args[0], actor=actor_of(viewer))
    await answer(
        update, context, viewer.locale, "chat/signoff/rule_set",
        {"before": change.before.value, "after": change.after.value},
    )  # fmt: skip


@requires(*REPORTERS)
async def link_evidence(update: Update, context: BotContext, viewer: Viewer) -> None:
    args = list(context.args or [])
    part = parse_part(args[1]) if len(args) == 2 else None
    if part is None:
        raise DubanError("signoff/link_usage")
    linked = await run(context.services.signoff.link, viewer, args[0], *part)
    await answer(update, context, viewer.locale, "chat/signoff/linked", {"linked": linked})


def register(app: DubanApp) -> None:
    app.add_handler(CommandHandler("signoff", signoff))
    app.add_handler(CommandHandler("withdraw", withdraw))
    app.add_handler(CommandHandler("pending", pending))
    app.add_handler(CommandHandler("signoff_rule", signoff_rule))
    app.add_handler(CommandHandler("evidence", link_evidence))
    app.add_handler(CallbackQueryHandler(button, pattern=r"^so:[carif]:\d{1,12}$"))
    app.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND, _while_waiting(_answer_question)), group=SIGNOFF_GROUP
    )
    app.add_handler(CommandHandler("cancel", _while_waiting(_cancel)), group=SIGNOFF_GROUP)
