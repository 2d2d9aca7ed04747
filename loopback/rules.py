"""Telegram's limits and refusals, as the Bot API applies them to a request: plain functions, no transport.

Lengths are counted in UTF-16 code units, as the Bot API counts text (an emoji outside the Basic
Multilingual Plane is two); callback data in UTF-8 bytes.
"""

from __future__ import annotations

import mimetypes
import re
from typing import Any, Final

from loopback.records import JSONDict

MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_CALLBACK_ANSWER_LENGTH: Final = 200
MAX_DOWNLOAD_SIZE: Final = 20 * 1024 * 1024  # getFile refuses bigger files
MAX_PHOTO_UPLOAD: Final = 10 * 1024 * 1024
MAX_UPLOAD: Final = 50 * 1024 * 1024

NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_BOT_COMMAND_RE: Final = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")


class ApiError(Exception):
    """Ends a request with a Bot API error object: `code` is also the HTTP status."""

    def __init__(self, code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def not_emulated(what: str) -> ApiError:
    """A request the emulator cannot answer as Telegram would (a parse mode, a formatting entity): refused
    outright, so that a bot starting to use it fails its tests instead of passing them on a guess."""
    return bad(f"{what} is not emulated by the loopback Bot API (Duban sends plain text)")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def plain_text(text: str, parse_mode: str | None, entities: Any) -> str:
    """The text as Telegram stores it: trimmed of surrounding whitespace. Formatting (a parse mode or
    entities) is refused as not emulated."""
    if parse_mode:
        raise not_emulated(f"parse_mode {parse_mode}")
    if entities:
        raise not_emulated("formatting entities")
    return text.strip()


def check_length(text: str, limit: int, too_long: str) -> None:
    if utf16_len(text) > limit:
        raise bad(too_long)


def bot_command_entities(text: str) -> list[JSONDict]:
    """bot_command entities as Telegram's servers mark them (PTB's CommandHandler relies on these)."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group(0))}
        for m in _BOT_COMMAND_RE.finditer(text)
    ]


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG, or a plausible camera size for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data) and data[i] == 0xFF:
            marker = data[i + 1]
            length = int.from_bytes(data[i + 2 : i + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
            i += 2 + length
    return 1280, 960


def validate_reply_markup(markup: Any) -> JSONDict | None:
    """The markup as Telegram checks it: inline buttons need text and an action, callback data 1-64 bytes."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        for row in rows:
            for button in row:
                _validate_inline_button(button)
    return markup


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad("can't parse inline keyboard button")
    if not str(button.get("text", "")).strip():
        raise bad("BUTTON_TEXT_INVALID")
    if not set(button) - {"text", "style", "icon_custom_emoji_id"}:
        raise bad("text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad("BUTTON_DATA_INVALID")
    if "url" in button and not str(button["url"]).strip():
        raise bad("BUTTON_URL_INVALID")


def guess_mime(filename: str | None, default: str = "application/octet-stream") -> str:
    guessed, _ = mimetypes.guess_type(filename or "")
    return guessed or default
