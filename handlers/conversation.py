"""What the bot remembers of chats between messages: the conversations under way, as plain versioned data.

A conversation is what the bot waits for from one person in one chat: its topic (the guided report, a
sign-off question, a reopening's deadline), the step it is at, the step's data and the question the bot
last asked. One per person and chat: starting one ends the one before; `/cancel` ends it; one left
untouched for `EXPIRY` is over.

All of it is JSON types under a format version (`to_data` / `from_data`), never pickles of Duban's own
classes: renaming a class never keeps the bot from starting, and a state that cannot be read is set aside
by the adapter that keeps it (`bot/chat_state.py`). Bump `FORMAT_VERSION` when the shape of the data of
a conversation changes in a way the reading code no longer takes; data a dialog cannot read is dropped
as expired.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from handlers.chat import MessageRef

FORMAT_VERSION = 1
# Long enough for a question asked on a Friday evening to be answered on Monday morning.
EXPIRY = timedelta(hours=72)
# An album gets one refusal: the albums refused lately, per chat (albums arrive within seconds).
REMEMBERED_ALBUMS = 100

JSON = None | bool | int | float | str | list["JSON"] | dict[str, "JSON"]
ConversationKey = tuple[int, int]
"""(chat id, the person's platform id)."""

T = TypeVar("T")


class DamagedStateError(ValueError):
    """Data that is not a chat state this version can read."""


@dataclass(frozen=True)
class Conversation:
    topic: str
    step: str
    data: Mapping[str, JSON]
    updated_at: datetime
    question: MessageRef | None = None  # the bot's message that asked (a reply to it answers)

    def expired(self, now: datetime) -> bool:
        return now - self.updated_at > EXPIRY


@dataclass
class ChatMemory:
    """The conversations under way and the albums refused lately; `on_change` keeps them (the adapter
    writes them to its file)."""

    conversations: dict[ConversationKey, Conversation] = field(default_factory=dict)
    refused_albums: dict[int, list[str]] = field(default_factory=dict)
    on_change: Callable[[], Awaitable[None]] | None = None

    def get(self, key: ConversationKey, now: datetime) -> Conversation | None:
        conversation = self.conversations.get(key)
        return None if conversation is None or conversation.expired(now) else conversation

    async def put(self, key: ConversationKey, conversation: Conversation) -> None:
        self.conversations[key] = conversation
        await self._changed()

    async def drop(self, key: ConversationKey) -> None:
        if self.conversations.pop(key, None) is not None:
            await self._changed()

    async def refuse_album(self, chat_id: int, album: str) -> bool:
        """Note that `album` was refused in the chat; False when it was already."""
        refused = self.refused_albums.setdefault(chat_id, [])
        if album in refused:
            return False
        refused.append(album)
        del refused[:-REMEMBERED_ALBUMS]
        await self._changed()
        return True

    async def _changed(self) -> None:
        if self.on_change is not None:
            await self.on_change()

    def to_data(self) -> dict[str, JSON]:
        conversations: list[JSON] = [
            {
                "chat": chat_id, "user": user_id, "topic": c.topic, "step": c.step, "data": dict(c.data),
                "updated_at": c.updated_at.isoformat(),
                "question": [c.question.chat_id, c.question.message_id] if c.question else None,
            }
            for (chat_id, user_id), c in self.conversations.items()
        ]  # fmt: skip
        albums: dict[str, JSON] = {str(chat): list(groups) for chat, groups in self.refused_albums.items()}
        return {"version": FORMAT_VERSION, "conversations": conversations, "refused_albums": albums}

    @classmethod
    def from_data(cls, data: object, now: datetime) -> ChatMemory:
        """Read `to_data`'s output, leaving out what has expired; `DamagedStateError` when it is not that."""
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            version = data.get("version") if isinstance(data, dict) else None
            raise DamagedStateError(f"not a chat state of version {FORMAT_VERSION} (version {version!r})")
        try:
            memory = cls(
                {key: c for key, c in map(_conversation, data["conversations"]) if not c.expired(now)},
                {int(chat): _strings(groups) for chat, groups in _mapping(data["refused_albums"]).items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise DamagedStateError(f"chat state not readable: {error!r}") from None
        return memory


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(shape: type[Any]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(shape)
    if adapter is None:
        adapter = _ADAPTERS[shape] = TypeAdapter(shape)
    return adapter


def dump(value: object) -> dict[str, JSON]:
    """A dialog's data (a dataclass) as plain JSON data, to keep in a conversation."""
    data: dict[str, JSON] = _adapter(type(value)).dump_python(value, mode="json")
    return data


def load(shape: type[T], data: Mapping[str, JSON]) -> T | None:
    """A conversation's data read back as `shape`; None when it does not read as one (it is then over)."""
    try:
        value: T = _adapter(shape).validate_python(dict(data))
    except ValidationError:
        return None
    return value


def _conversation(entry: Any) -> tuple[ConversationKey, Conversation]:
    question = entry["question"]
    updated_at = datetime.fromisoformat(_string(entry["updated_at"]))
    if updated_at.tzinfo is None:
        raise ValueError("updated_at without a zone")
    conversation = Conversation(
        _string(entry["topic"]),
        _string(entry["step"]),
        _mapping(entry["data"]),
        updated_at,
        None if question is None else MessageRef(_whole(question[0]), _whole(question[1])),
    )
    return (_whole(entry["chat"]), _whole(entry["user"])), conversation


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {value!r}")
    return value


def _whole(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected a whole number, got {value!r}")
    return value


def _mapping(value: object) -> dict[str, JSON]:
    if not isinstance(value, dict):
        raise TypeError(f"expected a mapping, got {value!r}")
    return value


def _strings(value: object) -> list[str]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {value!r}")
    return [_string(item) for item in value]
