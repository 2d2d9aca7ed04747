"""A Bot API server on loopback that behaves like Telegram, for tests and the offline demo.

`LoopbackBotApi` speaks the HTTP Bot API on 127.0.0.1 (form, JSON and multipart requests, like
api.telegram.org), answers with Telegram-shaped JSON objects, records what the bot sent, and lets a
test act as users (texts, commands, photos, documents, button presses). Where it matters for a bot's
correctness it refuses the way Telegram refuses: text and caption limits, callback data limits,
blocked users, unknown chats, flood control, "message is not modified", files over 20 MB, and
injected 429/5xx failures.

Usage::

    async with LoopbackBotApi() as api:
        bot = telegram.Bot(api.token, base_url=api.bot_base_url, base_file_url=api.file_base_url)
        api.push_text(1001, "/start")
        ...
        sent = await api.wait_sent(1001, 1)
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import logging
import math
import re
import time
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, TypeVar

from aiohttp import web

__all__ = [
    "DEFAULT_TOKEN",
    "AnsweredCallback",
    "ApiCall",
    "EntityParseError",
    "FloodLimits",
    "LoopbackBotApi",
    "LoopbackStats",
    "MessageEdit",
    "RateWindow",
    "SentMessage",
    "StoredFile",
    "WebhookState",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
]

_LOGGER: Final = logging.getLogger(__name__)

JSONDict = dict[str, Any]
_T = TypeVar("_T")

DEFAULT_TOKEN: Final = "123456789:AAE-loopback_test_token_0123456789abcdef"

MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_CALLBACK_ANSWER_LENGTH: Final = 200
MAX_DOWNLOAD_SIZE: Final = 20 * 1024 * 1024  # getFile refuses bigger files
MAX_PHOTO_UPLOAD: Final = 10 * 1024 * 1024
MAX_UPLOAD: Final = 50 * 1024 * 1024
# aiohttp refuses bodies over this itself; a little above MAX_UPLOAD so that we answer the 413.
_CLIENT_MAX_SIZE: Final = MAX_UPLOAD + 1024 * 1024

_NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Update types delivered when allowed_updates is empty or was never set (as documented).
_DEFAULT_UPDATE_TYPES: Final = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
# Methods that injected faults hit unless the test names others: what a "send" is for the bot.
_DEFAULT_FAULT_METHODS: Final = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendphoto",
        "sendmediagroup",
        "editmessagetext",
        "editmessagecaption",
        "editmessagereplymarkup",
    }
)
_BOT_COMMAND_RE: Final = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_COMMAND_NAME_RE: Final = re.compile(r"^[a-z0-9_]{1,32}$")
_TOKEN_RE: Final = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]{20,}$")


# --------------------------------------------------------------------------------------------------
# Public records


@dataclass(frozen=True)
class RateWindow:
    """At most `count` messages within any `seconds` long window."""

    count: int
    seconds: float


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's documented broadcast limits; tests may tighten or loosen them."""

    private_chat: RateWindow = RateWindow(1, 1.0)
    group_chat: RateWindow = RateWindow(20, 60.0)
    overall: RateWindow = RateWindow(30, 1.0)


@dataclass
class MessageEdit:
    """One accepted edit of a recorded message: the state before and after it."""

    method: str
    old_text: str | None
    new_text: str | None
    old_reply_markup: JSONDict | None
    new_reply_markup: JSONDict | None
    date: int


@dataclass
class SentMessage:
    """A message the bot sent, as Telegram stored it (latest version; `edits` keeps the history).

    `text` is the message text or the media caption *after* entity parsing (what the user reads);
    `source_text` is what the bot put in the request, `parse_mode` how it asked to parse it.
    `reply_markup` is the markup the bot sent (inline or reply keyboard), parsed from JSON.
    """

    chat_id: int
    message_id: int
    method: str
    text: str | None
    reply_markup: JSONDict | None
    reply_to_message_id: int | None = None
    source_text: str | None = None
    parse_mode: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    document: bytes | None = None
    filename: str | None = None
    mime_type: str | None = None
    file_id: str | None = None
    media_group_id: str | None = None
    bot_id: int = 0
    date: int = 0
    edits: list[MessageEdit] = field(default_factory=list)
    deleted: bool = False
    raw: JSONDict = field(default_factory=dict)

    def buttons(self) -> list[JSONDict]:
        """All inline keyboard buttons, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def button_data(self) -> list[str]:
        """The callback_data of every inline button, in order."""
        return [b["callback_data"] for b in self.buttons() if "callback_data" in b]


@dataclass(frozen=True)
class AnsweredCallback:
    """An answerCallbackQuery call the server accepted."""

    callback_query_id: str
    user_id: int
    data: str | None
    message_id: int | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass(frozen=True)
class ApiCall:
    """A request the server answered (token never recorded); uploads appear as `<file name>`."""

    method: str
    params: JSONDict
    status: int
    bot_id: int


@dataclass
class LoopbackStats:
    """Counters over the server's life."""

    requests: int = 0
    sends_accepted: int = 0
    too_many_requests: int = 0
    server_errors: int = 0
    bad_requests: int = 0
    forbidden: int = 0
    by_method: Counter[str] = field(default_factory=Counter)


@dataclass
class StoredFile:
    """A file the server holds: uploaded by the bot or pushed by a test user."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_size: int
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None


@dataclass
class WebhookState:
    """What setWebhook stored (the server never calls it: it runs on loopback only)."""

    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int | None = None


# --------------------------------------------------------------------------------------------------
# Internals


class _ApiError(Exception):
    """Ends a request with a Bot API error object."""

    def __init__(self, code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


@dataclass
class _Upload:
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class _Fault:
    status: int
    retry_after: int
    methods: frozenset[str]


@dataclass
class _BotState:
    token: str
    user: JSONDict
    updates: deque[JSONDict] = field(default_factory=deque)
    allowed_updates: frozenset[str] = _DEFAULT_UPDATE_TYPES
    commands: dict[tuple[str, str], list[JSONDict]] = field(default_factory=dict)
    webhook: WebhookState = field(default_factory=WebhookState)
    poll_generation: int = 0
    waiting_polls: int = 0

    @property
    def id(self) -> int:
        return int(self.user["id"])


class _Params:
    """Typed access to request parameters, whatever encoding the client used.

    Form fields arrive as strings, with objects JSON-encoded inside them (that is what PTB sends);
    JSON bodies arrive typed. The getters accept both.
    """

    def __init__(self, values: Mapping[str, Any], files: Mapping[str, _Upload]) -> None:
        self.values = dict(values)
        self.files = dict(files)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def get_str(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def get_int(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise _bad(f'field "{name}" must be of type Integer')
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError as exc:
            raise _bad(f'field "{name}" must be of type Integer') from exc

    def get_bool(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def get_json(self, name: str, what: str | None = None) -> Any:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise _bad(f"can't parse {what or name} JSON object") from exc
        return value

    def chat_id(self) -> int:
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise _bad("chat_id is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value).strip())
        except ValueError as exc:
            # "@channelusername": the loopback server knows no public channels.
            raise _bad("chat not found") from exc

    def redacted(self) -> JSONDict:
        out: JSONDict = dict(self.values)
        for name, upload in self.files.items():
            out[name] = f"<{upload.filename or 'file'}>"
        return out


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class EntityParseError(ValueError):
    """Text that Telegram would refuse to parse; the message is Telegram's wording."""


class _EntityBuilder:
    """Accumulates plain text and entities, offsets in UTF-16 code units as the Bot API counts them."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[JSONDict] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.offset += _utf16_len(text)

    def close(self, entity: JSONDict | None, start: int) -> None:
        if entity is not None and self.offset > start:
            self.entities.append({**entity, "offset": start, "length": self.offset - start})

    def result(self) -> tuple[str, list[JSONDict]]:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


_HTML_ENTITY_TYPES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ATTR_RE: Final = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_-]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_HTML_CHAR_REF_RE: Final = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_HTML_NAMED: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _parse_html_attrs(src: str, start: int, tag: str) -> tuple[dict[str, str], int]:
    """Attributes from `start` up to the closing '>', honouring quotes; returns them and the '>' index."""
    attrs: dict[str, str] = {}
    i = start
    while True:
        while i < len(src) and src[i].isspace():
            i += 1
        if i >= len(src):
            raise EntityParseError("Unclosed start tag")
        if src[i] == ">":
            return attrs, i
        if src[i] == "/" and src.startswith("/>", i):
            return attrs, i + 1
        match = _HTML_ATTR_RE.match(src, i)
        if match is None or match.end() == i:
            raise EntityParseError(f'Expected equal sign in declaration of an attribute of the tag "{tag}"')
        value = match.group(2) or ""
        if value[:1] in ('"', "'"):
            value = value[1:-1]
        attrs[match.group(1).lower()] = _decode_html_refs(value)
        i = match.end()


def _decode_html_refs(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        if match.group(1):
            return _HTML_NAMED[match.group(1)]
        code = int(match.group(2)) if match.group(2) else int(match.group(3), 16)
        try:
            return chr(code) if code else match.group(0)
        except ValueError:
            return match.group(0)

    # Only lt/gt/amp/quot and numeric references are decoded; anything else stays literal, like Telegram.
    return _HTML_CHAR_REF_RE.sub(repl, text)


def parse_html(src: str) -> tuple[str, list[JSONDict]]:
    """Telegram's HTML parse mode: plain text and entities, or EntityParseError with Telegram's wording."""
    out = _EntityBuilder()
    stack: list[tuple[str, int, JSONDict | None, dict[str, str]]] = []
    entity: JSONDict | None
    i = 0
    while i < len(src):
        char = src[i]
        if char == "&":
            match = _HTML_CHAR_REF_RE.match(src, i)
            if match:
                out.add(_decode_html_refs(match.group(0)))
                i = match.end()
            else:
                out.add("&")
                i += 1
            continue
        if char != "<":
            j = i
            while j < len(src) and src[j] not in "<&":
                j += 1
            out.add(src[i:j])
            i = j
            continue
        begin = _byte_offset(src, i)
        if src.startswith("</", i):
            end = src.find(">", i)
            if end < 0:
                raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
            name = src[i + 2 : end].strip().lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
            open_name, start, entity, attrs = stack.pop()
            if name != open_name:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {begin}, expected "</{open_name}>", found "</{name}>"'
                )
            if open_name == "code" and stack and stack[-1][0] == "pre":
                # <pre><code class="language-x"> is one pre entity with a language, not two entities.
                language = attrs.get("class", "")
                pre_entity = stack[-1][2]
                if language.startswith("language-") and pre_entity is not None:
                    pre_entity["language"] = language[len("language-") :]
                entity = None
            out.close(entity, start)
            i = end + 1
            continue
        j = i + 1
        while j < len(src) and not src[j].isspace() and src[j] not in ">/":
            j += 1
        if j >= len(src):
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        name = src[i + 1 : j].lower()
        if name not in _HTML_ENTITY_TYPES:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {begin}')
        try:
            attrs, end = _parse_html_attrs(src, j, name)
        except EntityParseError as exc:
            raise EntityParseError(f"{exc} at byte offset {begin}") from exc
        entity = {"type": _HTML_ENTITY_TYPES[name]}
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        if name == "a":
            href = attrs.get("href", "")
            user = re.fullmatch(r"tg://user\?id=(\d+)", href)
            if user:
                entity = {"type": "text_mention", "user": {"id": int(user.group(1)), "is_bot": False}}
            elif href:
                entity = {"type": "text_link", "url": href}
            else:
                entity = None
        elif name == "blockquote" and "expandable" in attrs:
            entity = {"type": "expandable_blockquote"}
        elif name == "tg-emoji":
            entity = {"type": "custom_emoji", "custom_emoji_id": attrs.get("emoji-id", "")}
        stack.append((name, out.offset, entity, attrs))
        i = end + 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


_MDV2_RESERVED: Final = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES: Final = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}


def parse_markdown_v2(src: str) -> tuple[str, list[JSONDict]]:
    """Telegram's MarkdownV2: reserved characters must be escaped; entities may nest."""
    out = _EntityBuilder()
    stack: list[tuple[str, int, int]] = []  # entity type, start offset, byte offset of the marker
    i = 0
    while i < len(src):
        char = src[i]
        if char == "\\" and i + 1 < len(src) and 0 < ord(src[i + 1]) <= 126:
            out.add(src[i + 1])
            i += 2
            continue
        if char not in _MDV2_RESERVED:
            out.add(char)
            i += 1
            continue
        begin = _byte_offset(src, i)
        kind: str | None = None
        width = 1
        if char == "*":
            kind = "bold"
        elif char == "_":
            kind, width = ("underline", 2) if src.startswith("__", i) else ("italic", 1)
        elif char == "~":
            kind = "strikethrough"
        elif char == "|" and src.startswith("||", i):
            kind, width = "spoiler", 2
        if kind is not None:
            if stack and stack[-1][0] == kind:
                _, start, _ = stack.pop()
                out.close({"type": kind}, start)
            else:
                stack.append((kind, out.offset, begin))
            i += width
            continue
        if char == "[":
            stack.append(("text_link", out.offset, begin))
            i += 1
            continue
        if char == "]" and stack and stack[-1][0] == "text_link":
            if not src.startswith("(", i + 1):
                raise EntityParseError(f"Can't find end of TextUrl entity at byte offset {stack[-1][2]}")
            end = i + 2
            url_chars: list[str] = []
            while end < len(src) and src[end] != ")":
                if src[end] == "\\" and end + 1 < len(src):
                    end += 1
                url_chars.append(src[end])
                end += 1
            if end >= len(src):
                raise EntityParseError(f"Can't find end of a url at byte offset {_byte_offset(src, i + 2)}")
            _, start, _ = stack.pop()
            out.close({"type": "text_link", "url": "".join(url_chars)}, start)
            i = end + 1
            continue
        if char == "`":
            fence = "```" if src.startswith("```", i) else "`"
            i += len(fence)
            language = ""
            if fence == "```":
                newline = src.find("\n", i)
                first_line = src[i:newline] if newline >= 0 else ""
                if newline >= 0 and first_line and not any(c.isspace() for c in first_line):
                    language = first_line
                    i = newline + 1
            start = out.offset
            while not src.startswith(fence, i):
                if i >= len(src):
                    name = "Pre" if fence == "```" else "Code"
                    raise EntityParseError(f"Can't find end of {name} entity at byte offset {begin}")
                if src[i] == "\\" and i + 1 < len(src):
                    i += 1
                out.add(src[i])
                i += 1
            entity: JSONDict = {"type": "pre" if fence == "```" else "code"}
            if language:
                entity["language"] = language
            out.close(entity, start)
            i += len(fence)
            continue
        if char == ">" and (i == 0 or src[i - 1] == "\n"):
            # A quoted line: "> text" up to the end of the line.
            newline = src.find("\n", i)
            line_end = len(src) if newline < 0 else newline
            start = out.offset
            inner_text, inner_entities = parse_markdown_v2(src[i + 1 : line_end])
            for inner in inner_entities:
                out.entities.append({**inner, "offset": inner["offset"] + start})
            out.add(inner_text)
            out.close({"type": "blockquote"}, start)
            i = line_end
            continue
        raise EntityParseError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
    if stack:
        kind, _, begin = stack[-1]
        raise EntityParseError(f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {begin}")
    return out.result()


def parse_markdown(src: str) -> tuple[str, list[JSONDict]]:
    """Telegram's legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    out = _EntityBuilder()
    i = 0
    while i < len(src):
        char = src[i]
        if char == "\\" and i + 1 < len(src) and src[i + 1] in "_*`[":
            out.add(src[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.add(char)
            i += 1
            continue
        begin = _byte_offset(src, i)
        if char == "[":
            close = src.find("](", i)
            end = src.find(")", close + 2) if close >= 0 else -1
            if close < 0 or end < 0:
                raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
            start = out.offset
            out.add(src[i + 1 : close])
            out.close({"type": "text_link", "url": src[close + 2 : end]}, start)
            i = end + 1
            continue
        fence = "```" if src.startswith("```", i) else char
        end = src.find(fence, i + len(fence))
        if end < 0:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
        kinds = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}
        start = out.offset
        out.add(src[i + len(fence) : end])
        out.close({"type": kinds[fence]}, start)
        i = end + len(fence)
    return out.result()


def _strip_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Telegram trims surrounding whitespace from texts and captions; entities move along."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = _utf16_len(text[: len(text) - len(text.lstrip())])
    limit = _utf16_len(stripped)
    kept: list[JSONDict] = []
    for entity in entities:
        start = max(0, entity["offset"] - shift)
        end = min(limit, entity["offset"] + entity["length"] - shift)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def _parse_text(text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[JSONDict]]:
    mode = (parse_mode or "").strip().lower()
    try:
        if mode == "html":
            plain, found = parse_html(text)
        elif mode == "markdownv2":
            plain, found = parse_markdown_v2(text)
        elif mode == "markdown":
            plain, found = parse_markdown(text)
        elif mode:
            raise _bad(f"unsupported parse_mode {parse_mode!r}")
        else:
            plain, found = text, list(entities) if isinstance(entities, list) else []
    except EntityParseError as exc:
        raise _bad(f"can't parse entities: {exc}") from exc
    return _strip_text(plain, found)


def _bot_command_entities(text: str) -> list[JSONDict]:
    """bot_command entities as Telegram's servers mark them (PTB's CommandHandler relies on these)."""
    return [
        {
            "type": "bot_command",
            "offset": _utf16_len(text[: m.start()]),
            "length": _utf16_len(m.group(0)),
        }
        for m in _BOT_COMMAND_RE.finditer(text)
    ]


def _image_size(data: bytes) -> tuple[int, int]:
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


def _validate_reply_markup(markup: Any) -> JSONDict | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                    raise _bad(
                        "BUTTON_TEXT_INVALID"
                        if isinstance(button, dict)
                        else "can't parse inline keyboard button"
                    )
                actions = set(button) - {"text", "style", "icon_custom_emoji_id"}
                if not actions:
                    raise _bad("text buttons are unallowed in the inline keyboard")
                if "callback_data" in button:
                    data = button["callback_data"]
                    if (
                        not isinstance(data, str)
                        or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
                    ):
                        raise _bad("BUTTON_DATA_INVALID")
                if "url" in button and not str(button["url"]).strip():
                    raise _bad("BUTTON_URL_INVALID")
    return markup


def _guess_mime(filename: str | None, default: str = "application/octet-stream") -> str:
    import mimetypes  # local: only uploads need it

    guessed, _ = mimetypes.guess_type(filename or "")
    return guessed or default


# --------------------------------------------------------------------------------------------------
# The server


_Handler = Callable[[_BotState, _Params], Awaitable[Any]]


class LoopbackBotApi:
    """A Bot API server on 127.0.0.1 that records what bots send and lets tests act as users.

    All test-facing methods are plain (synchronous) calls made from the event loop the server runs
    on; `wait_for`/`wait_sent` are the only coroutines tests need besides start/stop.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "duban_test_bot",
        first_name: str = "Duban Test Bot",
        extra_bots: Mapping[str, str] | None = None,
        enforce_limits: bool = False,
        limits: FloodLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        strict_chats: bool = True,
        host: str = "127.0.0.1",
    ) -> None:
        """`extra_bots` maps further tokens to usernames. With `strict_chats` (like Telegram) the bot
        can only write to users and groups the server knows: those that wrote to it, or were added
        with `add_user`/`add_group`; other chat ids answer 400 "chat not found"."""
        self._bots: dict[str, _BotState] = {}
        self._primary = token
        self.add_bot(token, username, first_name)
        for extra_token, extra_username in (extra_bots or {}).items():
            self.add_bot(extra_token, extra_username)
        self.enforce_limits = enforce_limits
        self.limits = limits or FloodLimits()
        self.strict_chats = strict_chats
        self._clock = clock
        self._wall_clock = wall_clock
        self._host = host
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False

        self._users: dict[int, JSONDict] = {}
        self._chats: dict[int, JSONDict] = {}
        self._blocked: set[int] = set()
        self._kicked: set[int] = set()
        self._messages: dict[tuple[int, int], JSONDict] = {}  # every message, user's and bot's
        self._sent: list[SentMessage] = []
        self._sent_by_key: dict[tuple[int, int], SentMessage] = {}
        self._next_message_id: defaultdict[int, int] = defaultdict(lambda: 1)
        self._update_ids = itertools.count(10_000_001)
        self._file_counter = itertools.count(1)
        self._callback_counter = itertools.count(1)
        self._media_group_counter = itertools.count(1)
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._open_callbacks: dict[str, JSONDict] = {}
        self._answered: list[AnsweredCallback] = []
        self._calls: list[ApiCall] = []
        self._chat_actions: list[tuple[int, str]] = []
        self._faults: deque[_Fault] = deque()
        self._windows: defaultdict[tuple[Any, ...], deque[float]] = defaultdict(deque)
        self.stats = LoopbackStats()
        self._changed = asyncio.Event()
        # Called with every message the server accepted, once recorded and before the bot gets the
        # answer: a test hook for the moment between "Telegram has it" and "the bot knows it".
        self.on_send: Callable[[SentMessage], None] | None = None

        self._handlers: dict[str, _Handler] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "sendmediagroup": self._send_media_group,
            "sendchataction": self._send_chat_action,
            "getfile": self._get_file,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getchat": self._get_chat,
            "close": self._trivial,
            "logout": self._trivial,
        }

    # ---- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on `host` with a port the OS picks."""
        if self._runner is not None:
            raise RuntimeError("LoopbackBotApi already started")
        app = web.Application(client_max_size=_CLIENT_MAX_SIZE)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        # access_log=None: aiohttp's access log would print request paths, and those contain the token.
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, 0)
        await site.start()
        addresses = runner.addresses
        if not addresses:
            await runner.cleanup()
            raise RuntimeError("LoopbackBotApi could not bind a socket")
        self._port = int(addresses[0][1])
        self._runner = runner
        self._closing = False
        _LOGGER.debug("Loopback Bot API listening on %s", self.base_url)

    async def stop(self) -> None:
        """Release long polls, then close the listener."""
        if self._runner is None:
            return
        self._closing = True
        self._notify()
        await asyncio.sleep(0)  # let pending getUpdates observe _closing and answer
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> LoopbackBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`; valid once started."""
        if self._port is None:
            raise RuntimeError("LoopbackBotApi not started")
        return f"http://{self._host}:{self._port}"

    @property
    def bot_base_url(self) -> str:
        """What to give PTB as `base_url`."""
        return f"{self.base_url}/bot"

    @property
    def file_base_url(self) -> str:
        """What to give PTB as `base_file_url`."""
        return f"{self.base_url}/file/bot"

    # ---- bots, users, chats ---------------------------------------------------------------------

    def add_bot(self, token: str, username: str, first_name: str | None = None) -> None:
        """Make another token valid; its id is the token's numeric prefix, as on Telegram."""
        match = _TOKEN_RE.match(token)
        if match is None:
            raise ValueError("token must look like a Telegram token: '<digits>:<20+ characters>'")
        user: JSONDict = {
            "id": int(match.group(1)),
            "is_bot": True,
            "first_name": first_name or username,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._bots[token] = _BotState(token=token, user=user)

    @property
    def token(self) -> str:
        return self._primary

    @property
    def bot_user(self) -> JSONDict:
        """The primary bot's User object (what getMe answers)."""
        return dict(self._bots[self._primary].user)

    @property
    def bot_id(self) -> int:
        return self._bots[self._primary].id

    @property
    def username(self) -> str:
        return str(self._bots[self._primary].user["username"])

    def add_user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> JSONDict:
        """Register (or update) a user with a private chat to the bot; returns the User object."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user: JSONDict = dict(self._users.get(user_id) or {"id": user_id, "is_bot": False})
        user["first_name"] = first_name or user.get("first_name") or f"User{user_id}"
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None:
                user[key] = value
        self._users[user_id] = user
        chat: JSONDict = {"id": user_id, "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        self._chats[user_id] = chat
        return dict(user)

    def add_group(self, chat_id: int, title: str | None = None) -> JSONDict:
        """Register a group (-100… ids are supergroups) the bot is a member of; returns the Chat."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        chat: JSONDict = {"id": chat_id, "type": kind, "title": title or f"Group {chat_id}"}
        self._chats[chat_id] = chat
        self._kicked.discard(chat_id)
        return dict(chat)

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to their chat answer 403."""
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    def remove_from_group(self, chat_id: int) -> None:
        """The bot is kicked from a group: sends there answer 403."""
        self._kicked.add(chat_id)

    # ---- acting as users ------------------------------------------------------------------------

    def push_update(self, update: JSONDict, *, bot_token: str | None = None) -> JSONDict:
        """Queue a raw update (update_id is assigned if missing) for the bot's getUpdates."""
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        self._bot(bot_token).updates.append(update)
        self._notify()
        return update

    def push_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        language_code: str | None = "zh-hans",
        username: str | None = None,
        reply_to_message_id: int | None = None,
        chat_id: int | None = None,
        bot_token: str | None = None,
    ) -> JSONDict:
        """A user writes `text` (commands get bot_command entities); returns the Update dict."""
        if not text or len(text) > MAX_TEXT_LENGTH:
            raise ValueError("a Telegram client sends 1..4096 characters")
        message = self._user_message(
            user_id, first_name, language_code, username, chat_id, reply_to_message_id
        )
        message["text"] = text
        entities = _bot_command_entities(text)
        if entities:
            message["entities"] = entities
        return self._push_message(message, bot_token)

    def push_command(
        self,
        user_id: int,
        command: str,
        args: str = "",
        *,
        mention_bot: bool = False,
        **kwargs: Any,
    ) -> JSONDict:
        """A user sends `/command args` (`/command@bot args` with `mention_bot`, as in groups)."""
        name = command.lstrip("/")
        if mention_bot:
            name = f"{name}@{self._bot(kwargs.get('bot_token')).user['username']}"
        return self.push_text(user_id, f"/{name} {args}".rstrip(), **kwargs)

    def push_photo(
        self,
        user_id: int,
        data: bytes,
        caption: str | None = None,
        file_size: int | None = None,
        media_group_id: str | None = None,
        reply_to: int | None = None,
        *,
        first_name: str | None = None,
        language_code: str | None = "zh-hans",
        chat_id: int | None = None,
        bot_token: str | None = None,
    ) -> JSONDict:
        """A user sends a photo. `photo[-1]` is the full image (exactly `data`); `photo[0]` is a small
        stand-in thumbnail with other bytes, as Telegram sends several sizes. `file_size` lets a test
        claim a size (e.g. 30 MB) without allocating it."""
        message = self._user_message(user_id, first_name, language_code, None, chat_id, reply_to)
        message["photo"] = self._photo_sizes(data, file_size)
        if caption:
            message["caption"] = caption
        if media_group_id:
            message["media_group_id"] = media_group_id
        return self._push_message(message, bot_token)

    def push_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str,
        mime_type: str | None = None,
        caption: str | None = None,
        file_size: int | None = None,
        *,
        media_group_id: str | None = None,
        reply_to: int | None = None,
        first_name: str | None = None,
        language_code: str | None = "zh-hans",
        chat_id: int | None = None,
        bot_token: str | None = None,
    ) -> JSONDict:
        """A user sends a file; getFile + download returns exactly `data`."""
        message = self._user_message(user_id, first_name, language_code, None, chat_id, reply_to)
        mime = mime_type or _guess_mime(file_name)
        stored = self._store_file(data, "documents", file_name, mime, "BQAC", file_size)
        message["document"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime,
            "file_size": stored.file_size,
        }
        if caption:
            message["caption"] = caption
        if media_group_id:
            message["media_group_id"] = media_group_id
        return self._push_message(message, bot_token)

    def push_callback(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        check_button: bool = True,
        first_name: str | None = None,
        language_code: str | None = "zh-hans",
        bot_token: str | None = None,
    ) -> JSONDict:
        """A user presses the inline button carrying `data` under the bot's message `message_id`.

        With `check_button` the message must currently show such a button (a user cannot press a
        button that is not there); returns the Update dict, its callback_query id is what the bot
        must answer."""
        chat = user_id if chat_id is None else chat_id
        record = self._sent_by_key.get((chat, message_id))
        if record is None or record.deleted:
            raise LookupError(f"no bot message {message_id} in chat {chat}")
        if check_button and data not in record.button_data():
            raise ValueError(f"message {message_id} has no button with callback_data {data!r}")
        user = self._touch_user(user_id, first_name, language_code, None)
        query_id = f"{self._bot(bot_token).id}{next(self._callback_counter):010d}"
        chat_instance = hashlib.sha256(f"{chat}:{self._bot(bot_token).id}".encode()).hexdigest()[:19]
        query: JSONDict = {
            "id": query_id,
            "from": user,
            "message": dict(self._messages[(chat, message_id)]),
            "chat_instance": str(int(chat_instance, 16)),
            "data": data,
        }
        self._open_callbacks[query_id] = query
        return self.push_update({"callback_query": query}, bot_token=bot_token)

    # ---- inspection -----------------------------------------------------------------------------

    def sent(self, chat_id: int) -> list[SentMessage]:
        """What the bot sent to `chat_id`, in order (edits applied, deletions flagged)."""
        return [m for m in self._sent if m.chat_id == chat_id]

    def all_sent(self) -> list[SentMessage]:
        return list(self._sent)

    def last_sent(self, chat_id: int) -> SentMessage:
        messages = self.sent(chat_id)
        if not messages:
            raise LookupError(f"nothing sent to chat {chat_id}")
        return messages[-1]

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        return self._sent_by_key.get((chat_id, message_id))

    @property
    def answered_callbacks(self) -> list[AnsweredCallback]:
        return list(self._answered)

    def callback_answer(self, callback_query_id: str) -> AnsweredCallback | None:
        return next((a for a in self._answered if a.callback_query_id == callback_query_id), None)

    @property
    def chat_actions(self) -> list[tuple[int, str]]:
        return list(self._chat_actions)

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Answered requests, optionally of one method (case-insensitive)."""
        if method is None:
            return list(self._calls)
        return [c for c in self._calls if c.method.lower() == method.lower()]

    def commands(
        self, language_code: str = "", scope: JSONDict | None = None, *, bot_token: str | None = None
    ) -> list[JSONDict] | None:
        """Commands set for exactly this scope and language (None if never set)."""
        stored = self._bot(bot_token).commands.get(self._commands_key(scope, language_code))
        return None if stored is None else [dict(c) for c in stored]

    def webhook(self, *, bot_token: str | None = None) -> WebhookState:
        return self._bot(bot_token).webhook

    def pending_updates(self, *, bot_token: str | None = None) -> list[JSONDict]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self._bot(bot_token).updates)

    def is_polling(self, *, bot_token: str | None = None) -> bool:
        """Whether a getUpdates of the bot is in progress (waiting for updates)."""
        return self._bot(bot_token).waiting_polls > 0

    def file_bytes(self, file_id: str) -> bytes:
        return self._files[file_id].data

    def stored_file(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    # ---- fault injection ------------------------------------------------------------------------

    def inject_429(
        self, times: int = 1, retry_after: int = 1, *, methods: Iterable[str] | None = None
    ) -> None:
        """The next `times` send/edit calls (or calls of `methods`) answer 429 retry_after."""
        targets = self._fault_targets(methods)
        self._faults.extend(_Fault(429, retry_after, targets) for _ in range(times))

    def inject_5xx(self, times: int = 1, status: int = 502, *, methods: Iterable[str] | None = None) -> None:
        """The next `times` send/edit calls (or calls of `methods`) answer a server error."""
        targets = self._fault_targets(methods)
        self._faults.extend(_Fault(status, 0, targets) for _ in range(times))

    def clear_faults(self) -> None:
        self._faults.clear()

    # ---- waiting --------------------------------------------------------------------------------

    # A `timeout` argument (ASYNC109) is deliberate: a test states its own deadline in one call.
    async def wait_for(self, predicate: Callable[[], _T | None], timeout: float = 5.0) -> _T:  # noqa: ASYNC109
        """Wait until `predicate()` is truthy (re-checked whenever the server's state changes) and
        return its value; TimeoutError after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._changed
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout} s")
            try:
                async with asyncio.timeout(remaining):
                    await changed.wait()
            except TimeoutError:
                pass

    async def wait_sent(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until the bot has sent at least `count` messages to `chat_id`; returns them all."""
        try:
            return await self.wait_for(lambda: self._at_least(self.sent(chat_id), count), timeout)
        except TimeoutError:
            got = [m.text for m in self.sent(chat_id)]
            raise TimeoutError(
                f"expected {count} message(s) to chat {chat_id} within {timeout} s, got {got!r}"
            ) from None

    async def wait_callback_answered(
        self,
        callback_query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> AnsweredCallback:
        return await self.wait_for(lambda: self.callback_answer(callback_query_id), timeout)

    async def wait_updates_consumed(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        bot_token: str | None = None,
    ) -> None:
        """Wait until the bot confirmed (via offset) every queued update."""
        await self.wait_for(lambda: not self._bot(bot_token).updates, timeout)

    async def wait_polling(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        bot_token: str | None = None,
    ) -> None:
        """Wait until the bot has a getUpdates in progress (e.g. after starting its Application)."""
        await self.wait_for(lambda: self.is_polling(bot_token=bot_token), timeout)

    @staticmethod
    def _at_least(messages: list[SentMessage], count: int) -> list[SentMessage] | None:
        return messages if len(messages) >= count else None

    # ---- HTTP -----------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        bot = self._bots.get(request.match_info["token"])
        method = request.match_info["method"]
        self.stats.requests += 1
        if bot is None:
            return self._error_response(_ApiError(401, "Unauthorized"))
        handler = self._handlers.get(method.lower())
        if handler is None:
            return self._error_response(_ApiError(404, "Not Found"))
        self.stats.by_method[method] += 1
        params = _Params({}, {})
        try:
            params = await self._read_params(request)
            self._take_fault(method.lower())
            result = await handler(bot, params)
            response = web.json_response({"ok": True, "result": result}, dumps=_dumps)
        except _ApiError as exc:
            response = self._error_response(exc)
        except Exception:
            # A bug in this server, not a Telegram answer: say so loudly, but never with the token.
            _LOGGER.exception("Loopback Bot API failed on %s", method)
            response = self._error_response(_ApiError(500, "Internal Server Error"))
        self._calls.append(ApiCall(method, params.redacted(), response.status, bot.id))
        # The token never reaches the log: only the method name and the status.
        _LOGGER.debug("Bot API %s -> %d", method, response.status)
        self._notify()
        return response

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] not in self._bots:
            return self._error_response(_ApiError(401, "Unauthorized"))
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return self._error_response(_ApiError(404, "Not Found"))
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return self._error_response(_ApiError(404, "Not Found"))

    def _error_response(self, exc: _ApiError) -> web.Response:
        if exc.code == 400:
            self.stats.bad_requests += 1
        elif exc.code == 403:
            self.stats.forbidden += 1
        elif exc.code == 429:
            self.stats.too_many_requests += 1
        elif exc.code >= 500:
            self.stats.server_errors += 1
        body: JSONDict = {"ok": False, "error_code": exc.code, "description": exc.description}
        if exc.parameters:
            body["parameters"] = exc.parameters
        return web.json_response(body, status=exc.code, dumps=_dumps)

    async def _read_params(self, request: web.Request) -> _Params:
        values: JSONDict = dict(request.query)
        files: dict[str, _Upload] = {}
        if not request.body_exists:
            return _Params(values, files)
        try:
            if request.content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise _bad("request body must be a JSON object")
                values.update(body)
            else:
                form = await request.post()
                for name, value in form.items():
                    if isinstance(value, web.FileField):
                        files[name] = _Upload(value.filename, value.content_type, value.file.read())
                    elif isinstance(value, str):
                        values[name] = value
                    else:
                        values[name] = bytes(value).decode("utf-8", "replace")
        except web.HTTPRequestEntityTooLarge as exc:
            raise _ApiError(413, "Request Entity Too Large") from exc
        except ValueError as exc:
            raise _bad("can't parse request body") from exc
        return _Params(values, files)

    def _take_fault(self, method: str) -> None:
        for fault in self._faults:
            if method in fault.methods:
                self._faults.remove(fault)
                if fault.status == 429:
                    raise _ApiError(
                        429,
                        f"Too Many Requests: retry after {fault.retry_after}",
                        {"retry_after": fault.retry_after},
                    )
                raise _ApiError(
                    fault.status, "Bad Gateway" if fault.status == 502 else "Internal Server Error"
                )

    # ---- method handlers ------------------------------------------------------------------------

    async def _trivial(self, bot: _BotState, params: _Params) -> bool:
        return True

    async def _get_me(self, bot: _BotState, params: _Params) -> JSONDict:
        return dict(bot.user)

    async def _get_chat(self, bot: _BotState, params: _Params) -> JSONDict:
        chat_id = params.chat_id()
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
            },
        }

    async def _get_updates(self, bot: _BotState, params: _Params) -> list[JSONDict]:
        if bot.webhook.url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get_int("offset")
        limit = min(max(params.get_int("limit") or 100, 1), 100)
        try:
            timeout = max(float(params.get_str("timeout") or 0), 0.0)
        except ValueError as exc:
            raise _bad('field "timeout" must be of type Integer') from exc
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            bot.allowed_updates = frozenset(str(a) for a in allowed) or _DEFAULT_UPDATE_TYPES
        if offset is not None:
            if offset < 0:
                while len(bot.updates) > -offset:
                    bot.updates.popleft()
            else:
                while bot.updates and bot.updates[0]["update_id"] < offset:
                    bot.updates.popleft()
        # A newer getUpdates ends an older one with 409, as Telegram does with two pollers.
        bot.poll_generation += 1
        generation = bot.poll_generation
        self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        bot.waiting_polls += 1
        self._notify()
        try:
            return await self._poll(bot, generation, limit, deadline)
        finally:
            bot.waiting_polls -= 1

    async def _poll(self, bot: _BotState, generation: int, limit: int, deadline: float) -> list[JSONDict]:
        loop = asyncio.get_running_loop()
        while True:
            if bot.poll_generation != generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            ready = self._deliverable(bot, limit)
            remaining = deadline - loop.time()
            if ready or remaining <= 0 or self._closing:
                return ready
            changed = self._changed
            try:
                async with asyncio.timeout(remaining):
                    await changed.wait()
            except TimeoutError:
                pass

    def _deliverable(self, bot: _BotState, limit: int) -> list[JSONDict]:
        # Updates of types the bot did not ask for are dropped, not kept for later.
        kept = deque(u for u in bot.updates if not set(u) - {"update_id"} - bot.allowed_updates)
        bot.updates = kept
        return [dict(u) for u in itertools.islice(kept, limit)]

    async def _send_message(self, bot: _BotState, params: _Params) -> JSONDict:
        chat_id = params.chat_id()
        source = params.get_str("text") or ""
        parse_mode = params.get_str("parse_mode")
        text, entities = _parse_text(source, parse_mode, params.get_json("entities"))
        if not text:
            raise _bad("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        markup = _validate_reply_markup(params.get_json("reply_markup", "reply keyboard markup"))
        chat = self._writable_chat(chat_id)
        reply_to = self._reply_target(chat_id, params)
        self._check_flood(bot, chat_id)
        message = self._bot_message(bot, chat, reply_to, markup)
        message["text"] = text
        if entities:
            message["entities"] = entities
        if params.has("link_preview_options"):
            options = params.get_json("link_preview_options")
            if isinstance(options, dict) and options:
                message["link_preview_options"] = options
        return self._record(
            bot,
            message,
            "sendMessage",
            text,
            markup,
            reply_to,
            source_text=source,
            parse_mode=parse_mode,
            entities=entities,
        )

    async def _send_document(self, bot: _BotState, params: _Params) -> JSONDict:
        return await self._send_media(bot, params, "document", "sendDocument")

    async def _send_photo(self, bot: _BotState, params: _Params) -> JSONDict:
        return await self._send_media(bot, params, "photo", "sendPhoto")

    async def _send_media(self, bot: _BotState, params: _Params, kind: str, method: str) -> JSONDict:
        chat_id = params.chat_id()
        stored, upload_name = self._input_file(params, kind, params.get_str(kind))
        caption_src = params.get_str("caption") or ""
        parse_mode = params.get_str("parse_mode")
        caption, entities = _parse_text(caption_src, parse_mode, params.get_json("caption_entities"))
        if len(caption) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        markup = _validate_reply_markup(params.get_json("reply_markup", "reply keyboard markup"))
        chat = self._writable_chat(chat_id)
        reply_to = self._reply_target(chat_id, params)
        self._check_flood(bot, chat_id)
        message = self._bot_message(bot, chat, reply_to, markup)
        self._attach_media(message, kind, stored, upload_name)
        if caption:
            message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
        return self._record(
            bot,
            message,
            method,
            caption or None,
            markup,
            reply_to,
            source_text=caption_src or None,
            parse_mode=parse_mode,
            entities=entities,
            stored=stored,
            filename=upload_name,
        )

    async def _send_media_group(self, bot: _BotState, params: _Params) -> list[JSONDict]:
        chat_id = params.chat_id()
        media = params.get_json("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise _bad("wrong number of media in the album: must include 2-10 items")
        prepared: list[tuple[str, StoredFile, str | None, str, list[JSONDict], str | None]] = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in ("photo", "document"):
                raise _bad(
                    "unsupported media type in the album (the loopback server knows photo and document)"
                )
            kind = str(item["type"])
            stored, name = self._input_file(params, kind, item.get("media"))
            source = str(item.get("caption") or "")
            caption, entities = _parse_text(source, item.get("parse_mode"), item.get("caption_entities"))
            if len(caption) > MAX_CAPTION_LENGTH:
                raise _bad("message caption is too long")
            prepared.append((kind, stored, name, caption, entities, source or None))
        chat = self._writable_chat(chat_id)
        reply_to = self._reply_target(chat_id, params)
        self._check_flood(bot, chat_id)
        group_id = f"{13_000_000_000_000_000 + next(self._media_group_counter)}"
        results: list[JSONDict] = []
        for kind, stored, upload_name, caption, entities, caption_src in prepared:
            message = self._bot_message(bot, chat, reply_to, None)
            message["media_group_id"] = group_id
            self._attach_media(message, kind, stored, upload_name)
            if caption:
                message["caption"] = caption
                if entities:
                    message["caption_entities"] = entities
            results.append(
                self._record(
                    bot,
                    message,
                    "sendMediaGroup",
                    caption or None,
                    None,
                    reply_to,
                    source_text=caption_src,
                    entities=entities,
                    stored=stored,
                    filename=upload_name,
                    media_group_id=group_id,
                )
            )
        return results

    async def _send_chat_action(self, bot: _BotState, params: _Params) -> bool:
        chat_id = params.chat_id()
        action = params.get_str("action") or ""
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._writable_chat(chat_id)
        self._chat_actions.append((chat_id, action))
        return True

    async def _edit_message_text(self, bot: _BotState, params: _Params) -> JSONDict:
        record = self._editable(bot, params)
        if "text" not in record.raw:
            raise _bad("there is no text in the message to edit")
        source = params.get_str("text") or ""
        parse_mode = params.get_str("parse_mode")
        text, entities = _parse_text(source, parse_mode, params.get_json("entities"))
        if not text:
            raise _bad("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        markup = _validate_reply_markup(params.get_json("reply_markup", "reply keyboard markup"))
        if (
            text == record.raw["text"]
            and entities == record.raw.get("entities", [])
            and markup == record.reply_markup
        ):
            raise _bad(_NOT_MODIFIED)
        self._writable_chat(record.chat_id)
        record.raw["text"] = text
        self._set_entities(record.raw, "entities", entities)
        return self._apply_edit(record, "editMessageText", text, markup, source, parse_mode, entities)

    async def _edit_message_caption(self, bot: _BotState, params: _Params) -> JSONDict:
        record = self._editable(bot, params)
        if "text" in record.raw:
            raise _bad("there is no caption in the message to edit")
        source = params.get_str("caption") or ""
        parse_mode = params.get_str("parse_mode")
        caption, entities = _parse_text(source, parse_mode, params.get_json("caption_entities"))
        if len(caption) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        markup = _validate_reply_markup(params.get_json("reply_markup", "reply keyboard markup"))
        old = record.raw.get("caption", "")
        if (
            caption == old
            and entities == record.raw.get("caption_entities", [])
            and markup == record.reply_markup
        ):
            raise _bad(_NOT_MODIFIED)
        self._writable_chat(record.chat_id)
        if caption:
            record.raw["caption"] = caption
        else:
            record.raw.pop("caption", None)
        self._set_entities(record.raw, "caption_entities", entities)
        return self._apply_edit(
            record, "editMessageCaption", caption or None, markup, source, parse_mode, entities
        )

    async def _edit_message_reply_markup(self, bot: _BotState, params: _Params) -> JSONDict:
        record = self._editable(bot, params)
        markup = _validate_reply_markup(params.get_json("reply_markup", "reply keyboard markup"))
        if markup == record.reply_markup:
            raise _bad(_NOT_MODIFIED)
        self._writable_chat(record.chat_id)
        return self._apply_edit(
            record,
            "editMessageReplyMarkup",
            record.text,
            markup,
            record.source_text,
            record.parse_mode,
            record.entities,
        )

    async def _delete_message(self, bot: _BotState, params: _Params) -> bool:
        chat_id = params.chat_id()
        message_id = params.get_int("message_id")
        key = (chat_id, message_id or 0)
        if key not in self._messages:
            raise _bad("message to delete not found")
        del self._messages[key]
        record = self._sent_by_key.get(key)
        if record is not None:
            record.deleted = True
        return True

    async def _answer_callback_query(self, bot: _BotState, params: _Params) -> bool:
        query_id = params.get_str("callback_query_id") or ""
        query = self._open_callbacks.get(query_id)
        if query is None:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = params.get_str("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        del self._open_callbacks[query_id]
        message = query.get("message") or {}
        self._answered.append(
            AnsweredCallback(
                callback_query_id=query_id,
                user_id=int(query["from"]["id"]),
                data=query.get("data"),
                message_id=message.get("message_id"),
                text=text,
                show_alert=params.get_bool("show_alert"),
                url=params.get_str("url"),
                cache_time=params.get_int("cache_time") or 0,
            )
        )
        return True

    async def _get_file(self, bot: _BotState, params: _Params) -> JSONDict:
        file_id = params.get_str("file_id") or ""
        stored = self._files.get(file_id)
        if stored is None:
            raise _bad(
                "wrong file_id or the file is temporarily unavailable" if file_id else "file_id is empty"
            )
        if stored.file_size > MAX_DOWNLOAD_SIZE:
            raise _bad("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    async def _set_my_commands(self, bot: _BotState, params: _Params) -> bool:
        commands = params.get_json("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand")
            name = str(command.get("command", "")).lstrip("/")
            description = str(command.get("description", ""))
            if not _COMMAND_NAME_RE.match(name.lower()):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad("command description must be non-empty")
            cleaned.append({"command": name.lower(), "description": description})
        scope = params.get_json("scope")
        language = params.get_str("language_code") or ""
        key = self._commands_key(scope, language)
        if cleaned:
            bot.commands[key] = cleaned
        else:
            bot.commands.pop(key, None)  # an empty list deletes, as documented
        return True

    async def _get_my_commands(self, bot: _BotState, params: _Params) -> list[JSONDict]:
        key = self._commands_key(params.get_json("scope"), params.get_str("language_code") or "")
        return [dict(c) for c in bot.commands.get(key, [])]

    async def _delete_my_commands(self, bot: _BotState, params: _Params) -> bool:
        bot.commands.pop(
            self._commands_key(params.get_json("scope"), params.get_str("language_code") or ""), None
        )
        return True

    async def _set_webhook(self, bot: _BotState, params: _Params) -> bool:
        url = params.get_str("url") or ""
        if url and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        allowed = params.get_json("allowed_updates")
        bot.webhook = WebhookState(
            url=url,
            secret_token=params.get_str("secret_token"),
            allowed_updates=[str(a) for a in allowed] if isinstance(allowed, list) else None,
            max_connections=params.get_int("max_connections"),
        )
        if params.get_bool("drop_pending_updates"):
            bot.updates.clear()
        return True

    async def _delete_webhook(self, bot: _BotState, params: _Params) -> bool:
        bot.webhook = WebhookState()
        if params.get_bool("drop_pending_updates"):
            bot.updates.clear()
        return True

    async def _get_webhook_info(self, bot: _BotState, params: _Params) -> JSONDict:
        info: JSONDict = {
            "url": bot.webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(bot.updates),
        }
        if bot.webhook.allowed_updates is not None:
            info["allowed_updates"] = bot.webhook.allowed_updates
        if bot.webhook.max_connections is not None:
            info["max_connections"] = bot.webhook.max_connections
        return info

    # ---- helpers --------------------------------------------------------------------------------

    def _bot(self, token: str | None) -> _BotState:
        return self._bots[token or self._primary]

    def _notify(self) -> None:
        # Wake every waiter (long polls, wait_for): they hold the old event, later ones get a new one.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _fault_targets(self, methods: Iterable[str] | None) -> frozenset[str]:
        return _DEFAULT_FAULT_METHODS if methods is None else frozenset(m.lower() for m in methods)

    @staticmethod
    def _commands_key(scope: Any, language_code: str) -> tuple[str, str]:
        scope = scope if isinstance(scope, dict) and scope else {"type": "default"}
        return json.dumps(scope, sort_keys=True), language_code

    def _now(self) -> int:
        return int(self._wall_clock())

    def _touch_user(
        self, user_id: int, first_name: str | None, language_code: str | None, username: str | None
    ) -> JSONDict:
        known = self._users.get(user_id, {})
        return self.add_user(
            user_id,
            first_name or known.get("first_name"),
            username=username,
            language_code=language_code,
        )

    def _user_message(
        self,
        user_id: int,
        first_name: str | None,
        language_code: str | None,
        username: str | None,
        chat_id: int | None,
        reply_to_message_id: int | None,
    ) -> JSONDict:
        user = self._touch_user(user_id, first_name, language_code, username)
        chat_key = user_id if chat_id is None else chat_id
        if chat_key < 0 and chat_key not in self._chats:
            self.add_group(chat_key)
        message: JSONDict = {
            "message_id": self._take_message_id(chat_key),
            "from": user,
            "chat": dict(self._chats[chat_key]),
            "date": self._now(),
        }
        if reply_to_message_id is not None:
            target = self._messages.get((chat_key, reply_to_message_id))
            if target is None:
                raise LookupError(f"no message {reply_to_message_id} in chat {chat_key} to reply to")
            message["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        return message

    def _push_message(self, message: JSONDict, bot_token: str | None) -> JSONDict:
        self._messages[(message["chat"]["id"], message["message_id"])] = message
        return self.push_update({"message": message}, bot_token=bot_token)

    def _take_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id[chat_id]
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _writable_chat(self, chat_id: int) -> JSONDict:
        if chat_id in self._blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self._kicked:
            raise _ApiError(403, "Forbidden: bot was kicked from the group chat")
        chat = self._chats.get(chat_id)
        if chat is None:
            if self.strict_chats or chat_id == 0:
                raise _bad("chat not found")
            # Lenient mode: any chat id is a chat the bot may write to.
            if chat_id > 0:
                self.add_user(chat_id)
            else:
                self.add_group(chat_id)
            chat = self._chats[chat_id]
        return chat

    def _reply_target(self, chat_id: int, params: _Params) -> JSONDict | None:
        reply = params.get_json("reply_parameters")
        message_id: int | None = None
        allow_missing = params.get_bool("allow_sending_without_reply")
        if isinstance(reply, dict) and reply.get("message_id") is not None:
            message_id = int(reply["message_id"])
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
            if reply.get("chat_id") not in (None, chat_id, str(chat_id)):
                try:
                    chat_id = int(reply["chat_id"])
                except (TypeError, ValueError) as exc:
                    raise _bad("chat not found") from exc
        else:
            message_id = params.get_int("reply_to_message_id")
        if message_id is None:
            return None
        target = self._messages.get((chat_id, message_id))
        if target is None and not allow_missing:
            raise _bad("message to be replied not found")
        return target

    def _check_flood(self, bot: _BotState, chat_id: int) -> None:
        if not self.enforce_limits:
            return
        now = self._clock()
        chat_window = self.limits.group_chat if chat_id < 0 else self.limits.private_chat
        checks = [(("overall", bot.id), self.limits.overall), (("chat", bot.id, chat_id), chat_window)]
        for key, window in checks:
            stamps = self._windows[key]
            while stamps and stamps[0] <= now - window.seconds:
                stamps.popleft()
            if len(stamps) >= window.count:
                retry_after = max(1, math.ceil(stamps[0] + window.seconds - now))
                raise _ApiError(
                    429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
                )
        for key, _window in checks:
            self._windows[key].append(now)

    def _bot_message(
        self, bot: _BotState, chat: JSONDict, reply_to: JSONDict | None, markup: JSONDict | None
    ) -> JSONDict:
        message: JSONDict = {
            "message_id": self._take_message_id(int(chat["id"])),
            "from": {k: bot.user[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": dict(chat),
            "date": self._now(),
        }
        if reply_to is not None:
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        # Message.reply_markup only ever carries inline keyboards; reply keyboards are not echoed.
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def _record(
        self,
        bot: _BotState,
        message: JSONDict,
        method: str,
        text: str | None,
        markup: JSONDict | None,
        reply_to: JSONDict | None,
        *,
        source_text: str | None = None,
        parse_mode: str | None = None,
        entities: list[JSONDict] | None = None,
        stored: StoredFile | None = None,
        filename: str | None = None,
        media_group_id: str | None = None,
    ) -> JSONDict:
        chat_id = int(message["chat"]["id"])
        record = SentMessage(
            chat_id=chat_id,
            message_id=int(message["message_id"]),
            method=method,
            text=text,
            reply_markup=markup,
            reply_to_message_id=None if reply_to is None else int(reply_to["message_id"]),
            source_text=source_text,
            parse_mode=parse_mode,
            entities=list(entities or []),
            document=None if stored is None else stored.data,
            filename=filename or (None if stored is None else stored.file_name),
            mime_type=None if stored is None else stored.mime_type,
            file_id=None if stored is None else stored.file_id,
            media_group_id=media_group_id,
            bot_id=bot.id,
            date=int(message["date"]),
            raw=message,
        )
        self._messages[(chat_id, record.message_id)] = message
        self._sent.append(record)
        self._sent_by_key[(chat_id, record.message_id)] = record
        self.stats.sends_accepted += 1
        if self.on_send is not None:
            self.on_send(record)
        return dict(message)

    def _editable(self, bot: _BotState, params: _Params) -> SentMessage:
        if params.has("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")  # the loopback server has no inline messages
        chat_id = params.chat_id()
        message_id = params.get_int("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        key = (chat_id, message_id)
        record = self._sent_by_key.get(key)
        if record is None or record.deleted:
            if key in self._messages:
                raise _bad("message can't be edited")
            raise _bad("message to edit not found")
        if record.bot_id != bot.id:
            raise _bad("message can't be edited")
        return record

    @staticmethod
    def _set_entities(raw: JSONDict, key: str, entities: list[JSONDict]) -> None:
        if entities:
            raw[key] = entities
        else:
            raw.pop(key, None)

    def _apply_edit(
        self,
        record: SentMessage,
        method: str,
        text: str | None,
        markup: JSONDict | None,
        source_text: str | None,
        parse_mode: str | None,
        entities: list[JSONDict],
    ) -> JSONDict:
        now = self._now()
        record.edits.append(MessageEdit(method, record.text, text, record.reply_markup, markup, now))
        record.text, record.reply_markup = text, markup
        record.source_text, record.parse_mode, record.entities = source_text, parse_mode, list(entities)
        if markup is not None and "inline_keyboard" in markup:
            record.raw["reply_markup"] = markup
        else:
            record.raw.pop("reply_markup", None)
        record.raw["edit_date"] = now
        return dict(record.raw)

    def _store_file(
        self,
        data: bytes,
        folder: str,
        file_name: str | None,
        mime_type: str | None,
        prefix: str,
        file_size: int | None = None,
    ) -> StoredFile:
        number = next(self._file_counter)
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1][:10]
        elif folder == "photos":
            suffix = ".jpg"
        digest = hashlib.sha256(data).hexdigest()[:16]
        stored = StoredFile(
            file_id=f"{prefix}AgADBAADloop{number:06d}{digest}",
            file_unique_id=f"AQAD{number:06d}{digest[:6]}",
            data=data,
            file_size=len(data) if file_size is None else file_size,
            file_path=f"{folder}/file_{number}{suffix}",
            mime_type=mime_type,
            file_name=file_name,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _photo_sizes(
        self, data: bytes, file_size: int | None = None, full: StoredFile | None = None
    ) -> list[JSONDict]:
        width, height = _image_size(data)
        if full is None:
            full = self._store_file(data, "photos", None, "image/jpeg", "AgAC", file_size)
        thumb_data = b"loopback-thumbnail:" + full.file_unique_id.encode()
        thumb = self._store_file(thumb_data, "photos", None, "image/jpeg", "AgAC")
        scale = 90 / max(width, height, 1)
        return [
            {
                "file_id": thumb.file_id,
                "file_unique_id": thumb.file_unique_id,
                "file_size": thumb.file_size,
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
            },
            {
                "file_id": full.file_id,
                "file_unique_id": full.file_unique_id,
                "file_size": full.file_size,
                "width": width,
                "height": height,
            },
        ]

    def _input_file(self, params: _Params, kind: str, value: Any) -> tuple[StoredFile, str | None]:
        """The file a send refers to: an upload (plain part or attach://), or a known file_id."""
        upload: _Upload | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = params.files.get(value[len("attach://") :])
            if upload is None:
                raise _bad(f"file to upload not found for {value}")
        elif not value:
            upload = params.files.get(kind)
            if upload is None:
                raise _bad(f"there is no {kind} in the request")
        if upload is None:
            reference = str(value)
            if reference.startswith(("http://", "https://")):
                # No internet behind loopback: as if Telegram could not fetch the URL.
                raise _bad("failed to get HTTP URL content")
            known = self._files.get(reference)
            if known is None:
                raise _bad("wrong file identifier/HTTP URL specified")
            return known, known.file_name
        if not upload.data:
            raise _bad("file must be non-empty")
        if kind == "photo" and len(upload.data) > MAX_PHOTO_UPLOAD:
            raise _bad("PHOTO_SAVE_FILE_INVALID")
        if len(upload.data) > MAX_UPLOAD:
            raise _ApiError(413, "Request Entity Too Large")
        mime = upload.content_type
        if not mime or mime == "application/octet-stream":
            mime = _guess_mime(upload.filename)
        folder = "photos" if kind == "photo" else "documents"
        prefix = "AgAC" if kind == "photo" else "BQAC"
        name = upload.filename if kind != "photo" else None
        return self._store_file(upload.data, folder, name, mime, prefix), upload.filename

    def _attach_media(
        self, message: JSONDict, kind: str, stored: StoredFile, upload_name: str | None
    ) -> None:
        if kind == "photo":
            message["photo"] = self._photo_sizes(stored.data, full=stored)
            return
        document: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
        }
        if stored.file_name or upload_name:
            document["file_name"] = stored.file_name or upload_name
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        message["document"] = document


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
