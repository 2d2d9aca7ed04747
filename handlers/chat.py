"""A chat event and the port a handler answers through, in Duban's own terms: no chat platform here.

A platform's adapter (Telegram's is `bot/telegram/`) turns what the platform delivers into an `Inbound`
and implements `ChatPort` with the platform's API: how long a message may be, how many photos make an
album, how a file is fetched, what a deep link looks like are the adapter's business. A second platform is
a second adapter; the handlers stay as they are.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ledger.evidence import IncomingFile
from services.outbox import Button

Keyboard = Sequence[Sequence[Button]]
"""Rows of buttons under a message."""


@dataclass(frozen=True)
class Sender:
    """Who wrote or pressed: the person's id on the platform, the name and language the platform gives."""

    platform_id: int
    name: str
    language: str | None = None


@dataclass(frozen=True)
class ChatRef:
    """Where it happened: a private chat with the bot, or a group."""

    id: int
    private: bool
    title: str | None = None


@dataclass(frozen=True)
class MessageRef:
    """A message as the bot can point at it again (to record what it was about, or to match a reply)."""

    chat_id: int
    message_id: int


class Author(enum.StrEnum):
    BOT = "bot"  # this bot
    SENDER = "sender"  # the person who wrote the reply
    OTHER = "other"


@dataclass(frozen=True)
class Replied:
    """The message an inbound message replies to."""

    ref: MessageRef
    author: Author
    document: IncomingFile | None = None


@dataclass(frozen=True)
class CommandCall:
    """`/name arguments…` at the start of a text; `for_us` is False when it names another bot, `addressed`
    True when it names this one (`/name@bot`, as clients write commands in groups)."""

    name: str  # lower case, without the slash and the bot's name
    arguments: str = ""  # everything after the command, line breaks kept
    for_us: bool = True
    addressed: bool = False

    @property
    def args(self) -> list[str]:
        """The arguments split on white space."""
        return self.arguments.split()


@dataclass(frozen=True)
class Inbound:
    """One thing that reached the bot: a message (text, command, photo, document) or a button pressed."""

    sender: Sender | None
    chat: ChatRef | None
    message: MessageRef | None = None  # the message itself, or the one whose button was pressed
    text: str | None = None  # a text message's text (a file's words are its `caption`)
    caption: str | None = None
    command: CommandCall | None = None
    replied: Replied | None = None
    photo: IncomingFile | None = None  # its largest size
    document: IncomingFile | None = None
    media_group: str | None = None  # the album it belongs to
    press: str | None = None  # the pressed button's data, unchecked
    edited: bool = False  # a message sent before, edited by its sender: never acted on again

    @property
    def file(self) -> IncomingFile | None:
        return self.photo or self.document

    @property
    def replied_to_bot(self) -> MessageRef | None:
        """The bot's message this one replies to, if it replies to one of the bot's."""
        replied = self.replied
        return replied.ref if replied is not None and replied.author == Author.BOT else None

    def summary(self) -> str:
        """What it was, in a few words (the record of a stranger's attempt)."""
        if self.press is not None:
            return "[button]"
        return self.text or self.caption or "[media]"


class FileTooBigError(Exception):
    """The platform will not hand the bot a file this big."""


class UndeliverableError(Exception):
    """A chat could not be sent to (blocked, gone); the others still are."""


MenuCommand = tuple[str, str]
"""A command of a chat's menu: (name, description)."""


class MenuPort(Protocol):
    """Where a chat's command menu is set."""

    async def set_commands(self, chat_id: int, commands: Sequence[MenuCommand]) -> None:
        """Show these commands in the chat's menu (none: the default menu again); `UndeliverableError`
        when the platform refuses."""


class ChatPort(MenuPort, Protocol):
    """What a handler may do in answer to one inbound event."""

    async def reply(self, text: str, buttons: Keyboard = ()) -> MessageRef | None:
        """Answer in the event's chat, split under the platform's limit; the buttons go under the last
        piece. The last piece's reference (None when there is no chat to answer in)."""

    async def reply_photo(self, photo: bytes, caption: str | None = None) -> None: ...

    async def reply_document(self, data: bytes, name: str, caption: str | None = None) -> None: ...

    async def send_photos(self, chat_id: int, photos: Sequence[Path], caption: str) -> None:
        """Stored photos to a chat (as albums where the platform has them); `UndeliverableError` on failure."""

    async def send_document(self, chat_id: int, path: Path, name: str | None, caption: str) -> None:
        """A stored file to a chat, under `name`; `UndeliverableError` on failure."""

    async def answer_press(self, text: str | None = None, *, alert: bool = False) -> bool:
        """Stop the pressed button spinning, with a short notice (an alert to dismiss if `alert`).
        False when the press cannot be answered (already answered, or no press)."""

    async def remove_buttons(self) -> None:
        """Take the buttons off the pressed message (so it cannot be acted on twice from this chat); a
        message whose buttons are gone already is left as it is. A platform that cannot edit messages
        does nothing: a second press is then refused by what it acts on (decided, gone, expired)."""

    async def download(self, file: IncomingFile, path: Path) -> None:
        """Fetch an attached file's bytes into `path`; `FileTooBigError` when the platform refuses its size."""

    async def read(self, file: IncomingFile) -> bytes:
        """Fetch an attached file's bytes; `FileTooBigError` when the platform refuses its size."""

    def invite_link(self, code: str) -> str:
        """The link that opens the bot with an invite code."""

    def bot_link(self) -> str:
        """The link that opens a private chat with the bot."""

    async def private(self) -> ChatPort | None:
        """A port that answers the event's sender in their private chat with the bot (for what must not be
        shown in a group); None when the bot cannot write to them there (they never opened it, or blocked it)."""
