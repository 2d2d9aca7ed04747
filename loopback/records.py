"""What the emulator records and what tests read back: messages the bot sent, answered buttons, calls, files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

JSONDict = dict[str, Any]

DEFAULT_TOKEN: Final = "123456789:AAE-loopback_test_token_0123456789abcdef"


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
class SentMessage:
    """A message the bot sent, as Telegram stored it (its latest version: edits of the keyboard apply).

    `text` is the message text or the media caption (what the user reads); `reply_markup` is the markup the
    bot sent (inline or reply keyboard), parsed from JSON; `raw` is the Message object Telegram answered.
    """

    chat_id: int
    message_id: int
    method: str
    text: str | None
    reply_markup: JSONDict | None
    reply_to_message_id: int | None = None
    document: bytes | None = None
    filename: str | None = None
    mime_type: str | None = None
    file_id: str | None = None
    media_group_id: str | None = None
    date: int = 0
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
    """An answerCallbackQuery call the emulator accepted."""

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
    """A request the emulator answered (the token is never recorded); uploads appear as `<file name>`."""

    method: str
    params: JSONDict
    status: int


@dataclass
class LoopbackStats:
    """Counters over the emulator's life."""

    requests: int = 0
    sends_accepted: int = 0
    too_many_requests: int = 0
    server_errors: int = 0
    bad_requests: int = 0
    forbidden: int = 0


@dataclass
class StoredFile:
    """A file the emulator holds: uploaded by the bot or sent by a user."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_size: int
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None


@dataclass
class WebhookState:
    """What setWebhook stored (the emulator never calls it: updates reach the bot by getUpdates only)."""

    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int | None = None


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart request, as a front received it."""

    filename: str | None
    content_type: str | None
    data: bytes
