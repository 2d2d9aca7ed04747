"""What every handler shares: who is writing, role checks, and answers rendered from templates."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler

from bot.context import BotContext
from ledger.access import Viewer
from ledger.model import Role
from ledger.text import split_arguments
from messages.split import split_message
from services.accounts import TelegramUser
from services.errors import DubanError

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
ViewerHandler = Callable[Concatenate[Update, BotContext, Viewer, ...], Coroutine[Any, Any, None]]

_LOGGER = logging.getLogger(__name__)


def command_text(update: Update) -> str:
    """What follows the command in a message ("/report，16，70%" → "，16，70%"), line breaks kept."""
    message = update.effective_message
    if message is None or not message.text:
        return ""
    entity = next(
        (e for e in message.entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0), None
    )
    return message.text[entity.length :] if entity is not None else message.text.partition(" ")[2]


class Command(CommandHandler[BotContext, None]):
    """A command whose arguments are separated by spaces or by the full-width ，、：； officials type:
    `context.args` holds the first `fields` of them, then the rest as one argument, as written."""

    def __init__(self, command: str | list[str], callback: Handler, *, fields: int) -> None:
        super().__init__(command, callback)
        self.fields = fields

    def collect_additional_context(
        self,
        context: BotContext,
        update: Update,
        application: Application[Any, BotContext, Any, Any, Any, Any],
        check_result: Any,
    ) -> None:
        super().collect_additional_context(context, update, application, check_result)
        context.args = split_arguments(command_text(update), self.fields)


def telegram_user(update: Update) -> TelegramUser | None:
    user = update.effective_user
    if user is None:
        return None
    return TelegramUser(user.id, user.first_name, user.language_code)


async def run(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a (blocking, database-bound) service call off the event loop so other chats go on."""
    return await asyncio.to_thread(functools.partial(function, *args, **kwargs))


async def viewer_of(update: Update, context: BotContext) -> Viewer | None:
    user = telegram_user(update)
    if user is None:
        return None
    viewer: Viewer = await run(context.services.accounts.viewer, user)
    return viewer


async def answer(
    update: Update,
    context: BotContext,
    locale: str,
    key: str,
    params: dict[str, Any] | None = None,
    *,
    keyboard: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Render a template in the user's language and send it back, split under Telegram's limit.

    Buttons go with the last piece, so they stay under the text they act on.
    """
    message = update.effective_message
    if message is None:
        return None
    text = context.services.renderer.render(locale, key, params or {})
    pieces = split_message(text)
    sent: Message | None = None
    for index, piece in enumerate(pieces):
        sent = await message.reply_text(piece, reply_markup=keyboard if index == len(pieces) - 1 else None)
    return sent


async def refuse(
    update: Update, context: BotContext, locale: str, key: str, params: dict[str, Any] | None = None
) -> None:
    """A refusal: an alert on the pressed button (so it stops spinning), else a message."""
    query = update.callback_query
    if query is not None:
        text = context.services.renderer.render(locale, key, params or {})
        try:
            await query.answer(text[:200], show_alert=True)
            return
        except BadRequest:
            pass  # already answered by the handler: say it in the chat instead
    await answer(update, context, locale, key, params)


async def refuse_stranger(update: Update, context: BotContext, viewer: Viewer) -> None:
    user = telegram_user(update)
    message = update.effective_message
    what = (message.text or message.caption or "[media]") if message else "[callback]"
    if update.callback_query is not None:
        what = "[button]"
    if user is not None:
        await run(context.services.accounts.record_stranger, user, what)
    await refuse(update, context, viewer.locale, "chat/stranger")


def requires(*roles: Role) -> Callable[[ViewerHandler], Handler]:
    """Resolve the viewer, refuse strangers and people without one of `roles` (none: any bound person),
    and turn a service's `DubanError` into a message in the user's language."""

    def decorate(function: ViewerHandler) -> Handler:
        @functools.wraps(function)
        async def wrapper(update: Update, context: BotContext) -> None:
            viewer = await viewer_of(update, context)
            if viewer is None:
                return
            if viewer.is_stranger:
                await refuse_stranger(update, context, viewer)
                return
            if roles and not viewer.has(*roles):
                labels = [context.services.renderer.label(viewer.locale, "role", r.value) for r in roles]
                await refuse(update, context, viewer.locale, "chat/needs_role", {"roles": labels})
                return
            try:
                await function(update, context, viewer)
            except DubanError as error:
                await refuse(update, context, viewer.locale, f"errors/{error.code}", error.params)

        return wrapper

    return decorate


async def remove_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the pressed message, so that it cannot be acted on twice from this chat.

    They may be gone already (a second press, or a button from an older copy of the message): Telegram
    then refuses the edit, and what the press did stands all the same.
    """
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as error:
        _LOGGER.info("buttons of a pressed message not removed: %s", error)


async def close_buttons(query: CallbackQuery) -> None:
    """A decision taken: the button stops spinning and the buttons go."""
    await query.answer()
    await remove_buttons(query)
