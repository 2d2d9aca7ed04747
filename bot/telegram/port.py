"""`handlers.chat.ChatPort` with the Bot API: what a handler says in answer to one update."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ExtBot

from handlers.chat import FileTooBigError, Keyboard, MessageRef, UndeliverableError
from ledger.evidence import IncomingFile
from messages.split import split_message
from services.invites import deep_link

_LOGGER = logging.getLogger(__name__)
ALBUM_SIZE = 10  # sendMediaGroup takes 2 to 10 photos
PRESS_ANSWER_LIMIT = 200  # characters of answerCallbackQuery's text


def keyboard(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in buttons]
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramPort:
    """Answers to one update: replies in its chat, files to other chats, the pressed button's answer."""

    def __init__(self, update: Update, bot: ExtBot[None]) -> None:
        self._update = update
        self._bot = bot
        self._press_answered = False

    async def reply(self, text: str, buttons: Keyboard = ()) -> MessageRef | None:
        message = self._update.effective_message
        if message is None:
            return None
        pieces = split_message(text)
        sent = None
        for index, piece in enumerate(pieces):
            markup = keyboard(buttons) if index == len(pieces) - 1 else None
            sent = await message.reply_text(piece, reply_markup=markup)
        return None if sent is None else MessageRef(sent.chat_id, sent.message_id)

    async def reply_photo(self, photo: bytes, caption: str | None = None) -> None:
        message = self._update.effective_message
        if message is not None:
            await message.reply_photo(photo, caption=caption)

    async def reply_document(self, data: bytes, name: str, caption: str | None = None) -> None:
        message = self._update.effective_message
        if message is not None:
            await message.reply_document(data, filename=name, caption=caption)

    async def send_photos(self, chat_id: int, photos: Sequence[Path], caption: str) -> None:
        try:
            for start in range(0, len(photos), ALBUM_SIZE):
                album = [
                    await asyncio.to_thread(path.read_bytes) for path in photos[start : start + ALBUM_SIZE]
                ]
                if len(album) == 1:
                    await self._bot.send_photo(chat_id, album[0], caption=caption)
                    continue
                media = [
                    InputMediaPhoto(data, caption=caption if i == 0 else None) for i, data in enumerate(album)
                ]
                await self._bot.send_media_group(chat_id, media)
        except TelegramError as error:
            raise UndeliverableError(str(error)) from error

    async def send_document(self, chat_id: int, path: Path, name: str | None, caption: str) -> None:
        try:
            data = await asyncio.to_thread(path.read_bytes)
            await self._bot.send_document(chat_id, data, filename=name, caption=caption)
        except TelegramError as error:
            raise UndeliverableError(str(error)) from error

    async def answer_press(self, text: str | None = None, *, alert: bool = False) -> bool:
        query = self._update.callback_query
        if query is None or self._press_answered:
            return False
        try:
            await query.answer(text[:PRESS_ANSWER_LIMIT] if text else None, show_alert=alert)
        except BadRequest as error:
            _LOGGER.info("press not answered: %s", error)
            return False
        self._press_answered = True
        return True

    async def finish(self) -> None:
        """A press no handler answered is answered now, so that its button never keeps spinning."""
        if self._update.callback_query is not None and not self._press_answered:
            try:
                await self.answer_press()
            except TelegramError as error:
                _LOGGER.info("press not answered: %s", error)

    async def remove_buttons(self) -> None:
        # They may be gone already (a second press, or a button from an older copy of the message):
        # Telegram then refuses the edit, and what the press did stands all the same.
        query = self._update.callback_query
        if query is None:
            return
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except BadRequest as error:
            _LOGGER.info("buttons of a pressed message not removed: %s", error)

    async def download(self, file: IncomingFile, path: Path) -> None:
        try:
            await (await self._bot.get_file(file.file_id)).download_to_drive(path)
        except BadRequest as error:
            raise _too_big(error) from None

    async def read(self, file: IncomingFile) -> bytes:
        try:
            return bytes(await (await self._bot.get_file(file.file_id)).download_as_bytearray())
        except BadRequest as error:
            raise _too_big(error) from None

    def invite_link(self, code: str) -> str:
        return deep_link(self._bot.username, code)


def _too_big(error: BadRequest) -> Exception:
    """getFile's refusal of a file over its limit, as `FileTooBigError`; any other refusal as it is."""
    return FileTooBigError(error.message) if "too big" in error.message.lower() else error
