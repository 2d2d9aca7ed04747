"""A Telegram update as Duban's inbound chat event: who, which chat, what text or command, which message it
replies to, which file, which album, which button."""

from __future__ import annotations

from telegram import Chat, Message, MessageEntity, Update, User

from handlers.chat import Author, ChatRef, CommandCall, Inbound, MessageRef, Replied, Sender
from ledger.evidence import IncomingFile, incoming_document, incoming_photo


def inbound(update: Update, bot: User) -> Inbound:
    """The event of `update`, for the bot `bot` (its id tells its own messages, its name its commands)."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    sender = Sender(user.id, user.first_name, user.language_code) if user is not None else None
    where = ChatRef(chat.id, chat.type == Chat.PRIVATE, chat.title) if chat is not None else None
    ref = MessageRef(message.chat_id, message.message_id) if message is not None else None
    query = update.callback_query
    if query is not None:
        return Inbound(sender, where, ref, press=query.data or "")
    if message is None:
        return Inbound(sender, where)
    return Inbound(
        sender,
        where,
        ref,
        edited=update.edited_message is not None,
        text=message.text,
        caption=message.caption,
        command=_command(message, bot),
        replied=_replied(message, bot, user),
        photo=_photo(message),
        document=_document(message),
        media_group=message.media_group_id,
    )


def _command(message: Message, bot: User) -> CommandCall | None:
    """A command that starts the text, read as python-telegram-bot's `CommandHandler` reads it."""
    entities, text = message.entities, message.text
    if not entities or entities[0].type != MessageEntity.BOT_COMMAND or entities[0].offset != 0 or not text:
        return None
    name, _, addressee = text[1 : entities[0].length].partition("@")
    # What follows the command entity, whatever separates it: "/report，16，70%" → "，16，70%".
    arguments = text[entities[0].length :].strip()
    addressed = bool(addressee) and addressee.lower() == (bot.username or "").lower()
    return CommandCall(name.lower(), arguments, addressed or not addressee, addressed)


def _replied(message: Message, bot: User, user: User | None) -> Replied | None:
    replied = message.reply_to_message
    if replied is None:
        return None
    author_id = replied.from_user.id if replied.from_user is not None else None
    author = (
        Author.BOT
        if author_id == bot.id
        else Author.SENDER
        if user and author_id == user.id
        else Author.OTHER
    )
    return Replied(MessageRef(replied.chat_id, replied.message_id), author, _document(replied))


def _photo(message: Message) -> IncomingFile | None:
    """The largest size of the photo, as Telegram announces it."""
    if not message.photo:
        return None
    photo = message.photo[-1]
    return incoming_photo(photo.file_id, photo.file_unique_id, photo.file_size)


def _document(message: Message) -> IncomingFile | None:
    document = message.document
    if document is None:
        return None
    return incoming_document(
        document.file_id, document.file_unique_id, document.file_size, document.mime_type, document.file_name
    )
