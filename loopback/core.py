"""The emulator's core: what Telegram holds for one bot, and the Bot API methods Duban calls. No transport.

`LoopbackBotApi` keeps users and chats, every message, the files, the queue of updates and the webhook;
it answers a request (`call`) or a file download (`download`) with what Telegram would answer, refusing
the way Telegram refuses where it matters for a bot's correctness: text, caption and callback data limits,
blocked users, unknown chats, flood control, "message is not modified", files over 20 MB, injected
429/5xx failures. A front carries requests to it: `loopback.inprocess` (python-telegram-bot's request
interface, no sockets) or `loopback.http` (an aiohttp server on 127.0.0.1).

Tests act as users (`push_text`, `push_photo`, `push_document`, `push_callback`), read back what the bot
sent (`sent`, `last_sent`, `callback_answer`) and wait for it (`wait_for`, `wait_sent`).

Methods Duban never calls (editMessageText and the other edits of text, deleteMessage, sendChatAction,
getChat, getMyCommands, deleteMyCommands, getWebhookInfo, close, logOut) and the parse modes are not
emulated: they answer as Telegram answers an unknown method (404), or 400 naming what is not emulated, so
a bot that starts using one fails its tests instead of passing them on a guess.
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
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from loopback.records import (
    DEFAULT_TOKEN,
    AnsweredCallback,
    ApiCall,
    FloodLimits,
    JSONDict,
    LoopbackStats,
    SentMessage,
    StoredFile,
    Upload,
    WebhookState,
)
from loopback.rules import (
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_CAPTION_LENGTH,
    MAX_DOWNLOAD_SIZE,
    MAX_PHOTO_UPLOAD,
    MAX_TEXT_LENGTH,
    MAX_UPLOAD,
    NOT_MODIFIED,
    ApiError,
    bad,
    bot_command_entities,
    check_length,
    guess_mime,
    image_size,
    plain_text,
    utf16_len,
    validate_reply_markup,
)

_LOGGER: Final = logging.getLogger(__name__)
_T = TypeVar("_T")

# Update types delivered when allowed_updates is empty or was never set (as documented).
_DEFAULT_UPDATE_TYPES: Final = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
        "business_message", "edited_business_message", "deleted_business_messages", "inline_query",
        "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query",
        "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_join_request", "chat_boost",
        "removed_chat_boost",
    }
)  # fmt: skip
# Methods that injected faults hit unless the test names others: what a "send" is for the bot.
_DEFAULT_FAULT_METHODS: Final = frozenset(
    {"sendmessage", "senddocument", "sendphoto", "sendmediagroup", "editmessagereplymarkup"}
)
_COMMAND_NAME_RE: Final = re.compile(r"^[a-z0-9_]{1,32}$")
_TOKEN_RE: Final = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]{20,}$")


@dataclass(frozen=True)
class Answer:
    """The emulator's answer to one request, for a front to carry back: the HTTP status, body and type."""

    status: int
    body: bytes
    content_type: str = "application/json"


class RequestParams:
    """Typed access to request parameters, whatever encoding the client used.

    Form fields arrive as strings, with objects JSON-encoded inside them (that is what PTB sends);
    JSON bodies arrive typed. The getters accept both.
    """

    def __init__(self, values: Mapping[str, Any], files: Mapping[str, Upload] | None = None) -> None:
        self.values = dict(values)
        self.files = dict(files or {})

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
            raise bad(f'field "{name}" must be of type Integer')
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError as exc:
            raise bad(f'field "{name}" must be of type Integer') from exc

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
                raise bad(f"can't parse {what or name} JSON object") from exc
        return value

    def chat_id(self) -> int:
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise bad("chat_id is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value).strip())
        except ValueError as exc:
            # "@channelusername": the emulator knows no public channels.
            raise bad("chat not found") from exc

    def redacted(self) -> JSONDict:
        out: JSONDict = dict(self.values)
        for name, upload in self.files.items():
            out[name] = f"<{upload.filename or 'file'}>"
        return out


@dataclass
class _Fault:
    status: int
    retry_after: int
    methods: frozenset[str]
    after_accepting: bool = False  # the request is carried out, then the answer is lost to this error


@dataclass
class _Polls:
    """The bot's getUpdates: the queue, the types it asked for, and the long polls in progress."""

    updates: deque[JSONDict] = field(default_factory=deque)
    allowed_updates: frozenset[str] = _DEFAULT_UPDATE_TYPES
    generation: int = 0
    waiting: int = 0


_Method = Callable[[RequestParams], Awaitable[Any]]


class LoopbackBotApi:
    """Telegram as one bot sees it: records what the bot sends and lets tests act as its users.

    All test-facing methods are plain (synchronous) calls made from the event loop the bot runs on;
    `wait_for` and the other `wait_*` are the coroutines tests need.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "duban_test_bot",
        first_name: str = "Duban Test Bot",
        enforce_limits: bool = False,
        limits: FloodLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        strict_chats: bool = True,
    ) -> None:
        """With `enforce_limits` sends beyond Telegram's flood limits (`limits`, kept on `clock`) answer
        429. With `strict_chats` (like Telegram) the bot can only write to users and groups the emulator
        knows: those that wrote to it, or were added with `add_user`/`add_group`; other chat ids answer
        400 "chat not found". Messages are dated by `wall_clock`."""
        match = _TOKEN_RE.match(token)
        if match is None:
            raise ValueError("token must look like a Telegram token: '<digits>:<20+ characters>'")
        self.token = token
        self._bot_user: JSONDict = {
            "id": int(match.group(1)),
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.enforce_limits = enforce_limits
        self.limits = limits or FloodLimits()
        self.strict_chats = strict_chats
        self._clock = clock
        self._wall_clock = wall_clock
        self._closed = False

        self._polls = _Polls()
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._webhook = WebhookState()
        self._users: dict[int, JSONDict] = {}
        self._chats: dict[int, JSONDict] = {}
        self._blocked: set[int] = set()
        self._messages: dict[tuple[int, int], JSONDict] = {}  # every message, users' and the bot's
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
        self._faults: deque[_Fault] = deque()
        self._windows: defaultdict[tuple[Any, ...], deque[float]] = defaultdict(deque)
        self.stats = LoopbackStats()
        self._changed = asyncio.Event()
        # Called with every message the emulator accepted, once recorded and before the bot gets the
        # answer: a test hook for the moment between "Telegram has it" and "the bot knows it".
        self.on_send: Callable[[SentMessage], None] | None = None

        self._methods: dict[str, _Method] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "sendmediagroup": self._send_media_group,
            "getfile": self._get_file,
            "setmycommands": self._set_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendchataction": self._send_chat_action,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
        }

    # ---- what a front calls ---------------------------------------------------------------------

    async def call(
        self, token: str, method: str, read_params: Callable[[], Awaitable[RequestParams]]
    ) -> Answer:
        """Answer one Bot API request; `read_params` reads its parameters (a front's parsing may refuse
        the body, with an ApiError)."""
        self.stats.requests += 1
        if token != self.token:
            return self.refusal(ApiError(401, "Unauthorized"))
        handler = self._methods.get(method.lower())
        if handler is None:
            _LOGGER.warning("Bot API method %s is not emulated by the loopback Bot API", method)
            return self.refusal(ApiError(404, "Not Found"))
        params = RequestParams({})
        try:
            params = await read_params()
            lost = self._take_fault(method.lower())
            answer = _json_answer(200, {"ok": True, "result": await handler(params)})
            if lost is not None:
                raise lost
        except ApiError as exc:
            answer = self.refusal(exc)
        except Exception:
            # A bug in the emulator, not a Telegram answer: say so loudly, but never with the token.
            _LOGGER.exception("Loopback Bot API failed on %s", method)
            answer = self.refusal(ApiError(500, "Internal Server Error"))
        self._calls.append(ApiCall(method, params.redacted(), answer.status))
        # The token never reaches the log: only the method name and the status.
        _LOGGER.debug("Bot API %s -> %d", method, answer.status)
        self._notify()
        return answer

    def download(self, token: str, file_path: str) -> Answer:
        """A file by the path getFile gave (what the file URL points to)."""
        if token != self.token:
            return self.refusal(ApiError(401, "Unauthorized"))
        stored = self._files_by_path.get(file_path)
        if stored is None:
            return self.refusal(ApiError(404, "Not Found"))
        return Answer(200, stored.data, stored.mime_type or "application/octet-stream")

    def refusal(self, error: ApiError) -> Answer:
        """The Bot API's error object for `error`, counted."""
        if error.code == 400:
            self.stats.bad_requests += 1
        elif error.code == 403:
            self.stats.forbidden += 1
        elif error.code == 429:
            self.stats.too_many_requests += 1
        elif error.code >= 500:
            self.stats.server_errors += 1
        body: JSONDict = {"ok": False, "error_code": error.code, "description": error.description}
        if error.parameters:
            body["parameters"] = error.parameters
        return _json_answer(error.code, body)

    def close(self) -> None:
        """Answer the long polls in progress (and any later one) at once, as a stopping server would."""
        self._closed = True
        self._notify()

    # ---- the bot, users, chats ------------------------------------------------------------------

    @property
    def bot_user(self) -> JSONDict:
        """The bot's User object (what getMe answers)."""
        return dict(self._bot_user)

    @property
    def bot_id(self) -> int:
        return int(self._bot_user["id"])

    @property
    def username(self) -> str:
        return str(self._bot_user["username"])

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
        return dict(chat)

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to their chat answer 403."""
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    # ---- acting as users ------------------------------------------------------------------------

    def push_update(self, update: JSONDict) -> JSONDict:
        """Queue a raw update (update_id is assigned if missing) for the bot's getUpdates."""
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        self._polls.updates.append(update)
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
    ) -> JSONDict:
        """A user writes `text` (commands get bot_command entities); returns the Update dict."""
        _check_typed(text)
        message = self._user_message(
            user_id, first_name, language_code, username, chat_id, reply_to_message_id
        )
        return self._push_message(_with_text(message, text))

    def push_edit(self, user_id: int, message_id: int, text: str, *, chat_id: int | None = None) -> JSONDict:
        """A user edits the text of a message they sent: Telegram sends the whole message again as an
        `edited_message`, with its new text, entities and `edit_date`."""
        chat_key = user_id if chat_id is None else chat_id
        sent = self._messages.get((chat_key, message_id))
        if sent is None or sent.get("from", {}).get("id") != user_id or "text" not in sent:
            raise LookupError(f"user {user_id} sent no text message {message_id} in chat {chat_key}")
        _check_typed(text)
        edited = _with_text({k: v for k, v in sent.items() if k != "entities"}, text)
        edited["edit_date"] = self._now()
        self._messages[(chat_key, message_id)] = edited
        return self.push_update({"edited_message": edited})

    def push_command(self, user_id: int, command: str, args: str = "", **kwargs: Any) -> JSONDict:
        """A user sends `/command args`."""
        return self.push_text(user_id, f"/{command.lstrip('/')} {args}".rstrip(), **kwargs)

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
        return self._push_message(message)

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
    ) -> JSONDict:
        """A user sends a file; getFile and the download return exactly `data`."""
        message = self._user_message(user_id, first_name, language_code, None, chat_id, reply_to)
        mime = mime_type or guess_mime(file_name)
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
        return self._push_message(message)

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
    ) -> JSONDict:
        """A user presses the inline button carrying `data` under the bot's message `message_id`.

        With `check_button` the message must currently show such a button (a user cannot press a
        button that is not there); returns the Update dict, its callback_query id is what the bot
        must answer."""
        chat = user_id if chat_id is None else chat_id
        record = self._sent_by_key.get((chat, message_id))
        if record is None:
            raise LookupError(f"no bot message {message_id} in chat {chat}")
        if check_button and data not in record.button_data():
            raise ValueError(f"message {message_id} has no button with callback_data {data!r}")
        user = self._touch_user(user_id, first_name, language_code, None)
        query_id = f"{self.bot_id}{next(self._callback_counter):010d}"
        chat_instance = hashlib.sha256(f"{chat}:{self.bot_id}".encode()).hexdigest()[:19]
        query: JSONDict = {
            "id": query_id,
            "from": user,
            "message": dict(self._messages[(chat, message_id)]),
            "chat_instance": str(int(chat_instance, 16)),
            "data": data,
        }
        self._open_callbacks[query_id] = query
        return self.push_update({"callback_query": query})

    # ---- inspection -----------------------------------------------------------------------------

    def sent(self, chat_id: int) -> list[SentMessage]:
        """What the bot sent to `chat_id`, in order (edits applied)."""
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

    def callback_answer(self, callback_query_id: str) -> AnsweredCallback | None:
        return next((a for a in self._answered if a.callback_query_id == callback_query_id), None)

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Answered requests, optionally of one method (case-insensitive)."""
        if method is None:
            return list(self._calls)
        return [c for c in self._calls if c.method.lower() == method.lower()]

    def commands(self, language_code: str = "", scope: JSONDict | None = None) -> list[JSONDict] | None:
        """Commands set for exactly this scope and language (None if never set)."""
        stored = self._commands.get(_commands_key(scope, language_code))
        return None if stored is None else [dict(c) for c in stored]

    def webhook(self) -> WebhookState:
        return self._webhook

    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self._polls.updates)

    def is_polling(self) -> bool:
        """Whether a getUpdates of the bot is in progress (waiting for updates)."""
        return self._polls.waiting > 0

    def stored_file(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    # ---- fault injection ------------------------------------------------------------------------

    def inject_429(
        self, times: int = 1, retry_after: int = 1, *, methods: Iterable[str] | None = None
    ) -> None:
        """The next `times` sends (or calls of `methods`) answer 429 retry_after."""
        targets = _fault_targets(methods)
        self._faults.extend(_Fault(429, retry_after, targets) for _ in range(times))

    def inject_5xx(
        self,
        times: int = 1,
        status: int = 502,
        *,
        methods: Iterable[str] | None = None,
        after_accepting: bool = False,
    ) -> None:
        """The next `times` sends (or calls of `methods`) answer a server error; `after_accepting`: the
        message is delivered first, and only its answer is lost (what a proxy's 502 or a timeout after
        Telegram took the message looks like to the bot)."""
        targets = _fault_targets(methods)
        self._faults.extend(_Fault(status, 0, targets, after_accepting) for _ in range(times))

    # ---- waiting --------------------------------------------------------------------------------

    # A `timeout` argument (ASYNC109) is deliberate: a test states its own deadline in one call.
    async def wait_for(self, predicate: Callable[[], _T | None], timeout: float = 5.0) -> _T:  # noqa: ASYNC109
        """Wait until `predicate()` is truthy (re-checked whenever the emulator's state changes) and
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

    async def wait_sent(self, chat_id: int, count: int = 1, timeout: float = 5.0) -> list[SentMessage]:  # noqa: ASYNC109
        """Wait until the bot has sent at least `count` messages to `chat_id`; returns them all."""
        try:
            return await self.wait_for(lambda: _at_least(self.sent(chat_id), count), timeout)
        except TimeoutError:
            got = [m.text for m in self.sent(chat_id)]
            raise TimeoutError(
                f"expected {count} message(s) to chat {chat_id} within {timeout} s, got {got!r}"
            ) from None

    async def wait_callback_answered(self, callback_query_id: str, timeout: float = 5.0) -> AnsweredCallback:  # noqa: ASYNC109
        return await self.wait_for(lambda: self.callback_answer(callback_query_id), timeout)

    async def wait_updates_consumed(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot confirmed (by a later getUpdates offset) every queued update: by then it
        holds them all."""
        await self.wait_for(lambda: not self._polls.updates, timeout)

    async def wait_polling(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has a getUpdates in progress (e.g. after starting its Application)."""
        await self.wait_for(self.is_polling, timeout)

    # ---- methods --------------------------------------------------------------------------------

    async def _get_me(self, params: RequestParams) -> JSONDict:
        return self.bot_user

    async def _get_updates(self, params: RequestParams) -> list[JSONDict]:
        polls = self._polls
        if self._webhook.url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get_int("offset")
        limit = min(max(params.get_int("limit") or 100, 1), 100)
        try:
            timeout = max(float(params.get_str("timeout") or 0), 0.0)
        except ValueError as exc:
            raise bad('field "timeout" must be of type Integer') from exc
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            polls.allowed_updates = frozenset(str(a) for a in allowed) or _DEFAULT_UPDATE_TYPES
        if offset is not None:
            if offset < 0:
                while len(polls.updates) > -offset:
                    polls.updates.popleft()
            else:
                while polls.updates and polls.updates[0]["update_id"] < offset:
                    polls.updates.popleft()
        # A newer getUpdates ends an older one with 409, as Telegram does with two pollers.
        polls.generation += 1
        generation = polls.generation
        deadline = asyncio.get_running_loop().time() + timeout
        polls.waiting += 1
        self._notify()
        try:
            return await self._poll(generation, limit, deadline)
        finally:
            polls.waiting -= 1

    async def _poll(self, generation: int, limit: int, deadline: float) -> list[JSONDict]:
        loop = asyncio.get_running_loop()
        while True:
            if self._polls.generation != generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            ready = self._deliverable(limit)
            remaining = deadline - loop.time()
            if ready or remaining <= 0 or self._closed:
                return ready
            changed = self._changed
            try:
                async with asyncio.timeout(remaining):
                    await changed.wait()
            except TimeoutError:
                pass

    def _deliverable(self, limit: int) -> list[JSONDict]:
        # Updates of types the bot did not ask for are dropped, not kept for later.
        polls = self._polls
        polls.updates = deque(u for u in polls.updates if not set(u) - {"update_id"} - polls.allowed_updates)
        return [dict(u) for u in itertools.islice(polls.updates, limit)]

    async def _send_message(self, params: RequestParams) -> JSONDict:
        chat_id = params.chat_id()
        text = plain_text(
            params.get_str("text") or "", params.get_str("parse_mode"), params.get_json("entities")
        )
        if not text:
            raise bad("message text is empty")
        check_length(text, MAX_TEXT_LENGTH, "message is too long")
        markup = validate_reply_markup(params.get_json("reply_markup", "reply keyboard markup"))
        chat = self._writable_chat(chat_id)
        reply_to = self._reply_target(chat_id, params)
        self._check_flood(chat_id)
        message = self._bot_message(chat, reply_to, markup)
        message["text"] = text
        return self._record(message, "sendMessage", text, markup, reply_to)

    async def _send_document(self, params: RequestParams) -> JSONDict:
        return await self._send_media(params, "document", "sendDocument")

    async def _send_photo(self, params: RequestParams) -> JSONDict:
        return await self._send_media(params, "photo", "sendPhoto")

    async def _send_media(self, params: RequestParams, kind: str, method: str) -> JSONDict:
        chat_id = params.chat_id()
        stored, upload_name = self._input_file(params, kind, params.get_str(kind))
        caption = self._caption(
            params.get_str("caption"), params.get_str("parse_mode"), params.get_json("caption_entities")
        )
        markup = validate_reply_markup(params.get_json("reply_markup", "reply keyboard markup"))
        chat = self._writable_chat(chat_id)
        reply_to = self._reply_target(chat_id, params)
        self._check_flood(chat_id)
        message = self._bot_message(chat, reply_to, markup)
        self._attach_media(message, kind, stored, upload_name)
        if caption:
            message["caption"] = caption
        return self._record(
            message, method, caption or None, markup, reply_to, stored=stored, filename=upload_name
        )

    async def _send_media_group(self, params: RequestParams) -> list[JSONDict]:
        chat_id = params.chat_id()
        media = params.get_json("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad("wrong number of media in the album: must include 2-10 items")
        prepared: list[tuple[str, StoredFile, str | None, str]] = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in ("photo", "document"):
                raise bad("unsupported media type in the album (the emulator knows photo and document)")
            kind = str(item["type"])
            stored, name = self._input_file(params, kind, item.get("media"))
            caption = self._caption(item.get("caption"), item.get("parse_mode"), item.get("caption_entities"))
            prepared.append((kind, stored, name, caption))
        chat = self._writable_chat(chat_id)
        reply_to = self._reply_target(chat_id, params)
        self._check_flood(chat_id)
        group_id = f"{13_000_000_000_000_000 + next(self._media_group_counter)}"
        results: list[JSONDict] = []
        for kind, stored, upload_name, caption in prepared:
            message = self._bot_message(chat, reply_to, None)
            message["media_group_id"] = group_id
            self._attach_media(message, kind, stored, upload_name)
            if caption:
                message["caption"] = caption
            results.append(
                self._record(
                    message, "sendMediaGroup", caption or None, None, reply_to,
                    stored=stored, filename=upload_name, media_group_id=group_id,
                )
            )  # fmt: skip
        return results

    async def _edit_message_reply_markup(self, params: RequestParams) -> JSONDict:
        record = self._editable(params)
        markup = validate_reply_markup(params.get_json("reply_markup", "reply keyboard markup"))
        if markup == record.reply_markup:
            raise bad(NOT_MODIFIED)
        self._writable_chat(record.chat_id)
        record.reply_markup = markup
        if markup is not None and "inline_keyboard" in markup:
            record.raw["reply_markup"] = markup
        else:
            record.raw.pop("reply_markup", None)
        record.raw["edit_date"] = self._now()
        return dict(record.raw)

    async def _answer_callback_query(self, params: RequestParams) -> bool:
        query_id = params.get_str("callback_query_id") or ""
        query = self._open_callbacks.get(query_id)
        if query is None:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        text = params.get_str("text")
        if text is not None and utf16_len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad("MESSAGE_TOO_LONG")
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

    async def _get_file(self, params: RequestParams) -> JSONDict:
        file_id = params.get_str("file_id") or ""
        stored = self._files.get(file_id)
        if stored is None:
            raise bad(
                "wrong file_id or the file is temporarily unavailable" if file_id else "file_id is empty"
            )
        if stored.file_size > MAX_DOWNLOAD_SIZE:
            raise bad("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    async def _set_my_commands(self, params: RequestParams) -> bool:
        commands = params.get_json("commands")
        if not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad("can't parse BotCommand")
            name = str(command.get("command", "")).lstrip("/")
            description = str(command.get("description", ""))
            if not _COMMAND_NAME_RE.match(name.lower()):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad("command description must be non-empty")
            cleaned.append({"command": name.lower(), "description": description})
        key = _commands_key(params.get_json("scope"), params.get_str("language_code") or "")
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)  # an empty list deletes, as documented
        return True

    async def _delete_my_commands(self, params: RequestParams) -> bool:
        """The menu of a scope and language goes; the chat shows the next wider scope's (the bot's default)."""
        self._commands.pop(
            _commands_key(params.get_json("scope"), params.get_str("language_code") or ""), None
        )
        return True

    async def _send_chat_action(self, params: RequestParams) -> bool:
        """ "typing…" in a chat: refused like a message (403 when the user blocked the bot or never started it,
        400 for an unknown chat), so a bot may use it to learn whether it can write there."""
        chat_id = params.chat_id()
        if (params.get_str("action") or "") not in _CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        self._writable_chat(chat_id)
        return True

    async def _set_webhook(self, params: RequestParams) -> bool:
        url = params.get_str("url") or ""
        if url and not url.startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        allowed = params.get_json("allowed_updates")
        self._webhook = WebhookState(
            url=url,
            secret_token=params.get_str("secret_token"),
            allowed_updates=[str(a) for a in allowed] if isinstance(allowed, list) else None,
            max_connections=params.get_int("max_connections"),
        )
        if params.get_bool("drop_pending_updates"):
            self._polls.updates.clear()
        return True

    async def _delete_webhook(self, params: RequestParams) -> bool:
        self._webhook = WebhookState()
        if params.get_bool("drop_pending_updates"):
            self._polls.updates.clear()
        return True

    # ---- helpers --------------------------------------------------------------------------------

    def _notify(self) -> None:
        # Wake every waiter (long polls, wait_for): they hold the old event, later ones get a new one.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _take_fault(self, method: str) -> ApiError | None:
        """Raise the next injected fault for `method`; a fault that strikes after the request was carried
        out is returned instead, for the caller to raise once it has been."""
        for fault in self._faults:
            if method in fault.methods:
                self._faults.remove(fault)
                if fault.status == 429:
                    raise ApiError(
                        429,
                        f"Too Many Requests: retry after {fault.retry_after}",
                        {"retry_after": fault.retry_after},
                    )
                error = ApiError(
                    fault.status, "Bad Gateway" if fault.status == 502 else "Internal Server Error"
                )
                if fault.after_accepting:
                    return error
                raise error
        return None

    def _now(self) -> int:
        return int(self._wall_clock())

    @staticmethod
    def _caption(source: str | None, parse_mode: str | None, entities: Any) -> str:
        caption = plain_text(source or "", parse_mode, entities)
        check_length(caption, MAX_CAPTION_LENGTH, "message caption is too long")
        return caption

    def _touch_user(
        self, user_id: int, first_name: str | None, language_code: str | None, username: str | None
    ) -> JSONDict:
        known = self._users.get(user_id, {})
        return self.add_user(
            user_id, first_name or known.get("first_name"), username=username, language_code=language_code
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

    def _push_message(self, message: JSONDict) -> JSONDict:
        self._messages[(message["chat"]["id"], message["message_id"])] = message
        return self.push_update({"message": message})

    def _take_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id[chat_id]
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _writable_chat(self, chat_id: int) -> JSONDict:
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        chat = self._chats.get(chat_id)
        if chat is None:
            if self.strict_chats or chat_id == 0:
                raise bad("chat not found")
            # Lenient mode: any chat id is a chat the bot may write to.
            if chat_id > 0:
                self.add_user(chat_id)
            else:
                self.add_group(chat_id)
            chat = self._chats[chat_id]
        return chat

    def _reply_target(self, chat_id: int, params: RequestParams) -> JSONDict | None:
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
                    raise bad("chat not found") from exc
        else:
            message_id = params.get_int("reply_to_message_id")
        if message_id is None:
            return None
        target = self._messages.get((chat_id, message_id))
        if target is None and not allow_missing:
            raise bad("message to be replied not found")
        return target

    def _check_flood(self, chat_id: int) -> None:
        if not self.enforce_limits:
            return
        now = self._clock()
        chat_window = self.limits.group_chat if chat_id < 0 else self.limits.private_chat
        checks = [(("overall",), self.limits.overall), (("chat", chat_id), chat_window)]
        for key, window in checks:
            stamps = self._windows[key]
            while stamps and stamps[0] <= now - window.seconds:
                stamps.popleft()
            if len(stamps) >= window.count:
                retry_after = max(1, math.ceil(stamps[0] + window.seconds - now))
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
                )
        for key, _window in checks:
            self._windows[key].append(now)

    def _bot_message(self, chat: JSONDict, reply_to: JSONDict | None, markup: JSONDict | None) -> JSONDict:
        message: JSONDict = {
            "message_id": self._take_message_id(int(chat["id"])),
            "from": {k: self._bot_user[k] for k in ("id", "is_bot", "first_name", "username")},
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
        message: JSONDict,
        method: str,
        text: str | None,
        markup: JSONDict | None,
        reply_to: JSONDict | None,
        *,
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
            document=None if stored is None else stored.data,
            filename=filename or (None if stored is None else stored.file_name),
            mime_type=None if stored is None else stored.mime_type,
            file_id=None if stored is None else stored.file_id,
            media_group_id=media_group_id,
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

    def _editable(self, params: RequestParams) -> SentMessage:
        if params.has("inline_message_id"):
            raise bad("MESSAGE_ID_INVALID")  # the emulator has no inline messages
        chat_id = params.chat_id()
        message_id = params.get_int("message_id")
        if message_id is None:
            raise bad("message identifier is not specified")
        key = (chat_id, message_id)
        record = self._sent_by_key.get(key)
        if record is None:
            if key in self._messages:
                raise bad("message can't be edited")
            raise bad("message to edit not found")
        return record

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
        width, height = image_size(data)
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

    def _input_file(self, params: RequestParams, kind: str, value: Any) -> tuple[StoredFile, str | None]:
        """The file a send refers to: an upload (plain part or attach://), or a known file_id."""
        upload: Upload | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = params.files.get(value[len("attach://") :])
            if upload is None:
                raise bad(f"file to upload not found for {value}")
        elif not value:
            upload = params.files.get(kind)
            if upload is None:
                raise bad(f"there is no {kind} in the request")
        if upload is None:
            reference = str(value)
            if reference.startswith(("http://", "https://")):
                # No internet behind loopback: as if Telegram could not fetch the URL.
                raise bad("failed to get HTTP URL content")
            known = self._files.get(reference)
            if known is None:
                raise bad("wrong file identifier/HTTP URL specified")
            return known, known.file_name
        if not upload.data:
            raise bad("file must be non-empty")
        if kind == "photo" and len(upload.data) > MAX_PHOTO_UPLOAD:
            raise bad("PHOTO_SAVE_FILE_INVALID")
        if len(upload.data) > MAX_UPLOAD:
            raise ApiError(413, "Request Entity Too Large")
        mime = upload.content_type
        if not mime or mime == "application/octet-stream":
            mime = guess_mime(upload.filename)
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


def _json_answer(status: int, body: JSONDict) -> Answer:
    return Answer(status, json.dumps(body, ensure_ascii=False).encode())


def _fault_targets(methods: Iterable[str] | None) -> frozenset[str]:
    return _DEFAULT_FAULT_METHODS if methods is None else frozenset(m.lower() for m in methods)


# What sendChatAction accepts (the Bot API's list).
_CHAT_ACTIONS = frozenset(
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


def _commands_key(scope: Any, language_code: str) -> tuple[str, str]:
    scope = scope if isinstance(scope, dict) and scope else {"type": "default"}
    return json.dumps(scope, sort_keys=True), language_code


def _at_least(messages: list[SentMessage], count: int) -> list[SentMessage] | None:
    return messages if len(messages) >= count else None


def _check_typed(text: str) -> None:
    """What a Telegram client lets a user send as a text: 1 to 4,096 UTF-16 units."""
    if not text or utf16_len(text) > MAX_TEXT_LENGTH:
        raise ValueError("a Telegram client sends 1..4096 characters")


def _with_text(message: JSONDict, text: str) -> JSONDict:
    """`message` with `text` as its text and, for a command, its bot_command entities."""
    message["text"] = text
    entities = bot_command_entities(text)
    if entities:
        message["entities"] = entities
    return message
