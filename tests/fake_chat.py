"""Duban's chat handlers without any chat platform: inbound events in Duban's terms go through the routes
(`handlers.ROUTER`), and a recording port keeps what the bot said. No Telegram, no HTTP: fast."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from handlers import ROUTER
from handlers.chat import (
    Author,
    ChatRef,
    CommandCall,
    FileTooBigError,
    Inbound,
    Keyboard,
    MessageRef,
    Replied,
    Sender,
)
from handlers.common import Turn
from handlers.conversation import ChatMemory
from ledger.evidence import MAX_FILE_BYTES, IncomingFile, incoming_photo
from services.container import Services


@dataclass(frozen=True)
class Said:
    """A message of the bot: a text (with its buttons' data), a photo or a document."""

    ref: MessageRef
    text: str
    buttons: tuple[tuple[str, ...], ...] = ()
    kind: str = "text"

    def button_data(self) -> list[str]:
        return [data for row in self.buttons for data in row]


@dataclass(frozen=True)
class PressAnswer:
    text: str | None
    alert: bool


@dataclass
class FakeChat:
    """Private chats of users with the bot, through the platform-neutral routes and a recording port."""

    services: Services
    memory: ChatMemory = field(default_factory=ChatMemory)
    said: list[Said] = field(default_factory=list)
    removed: list[MessageRef] = field(default_factory=list)  # messages whose buttons were taken off
    files: dict[str, bytes] = field(default_factory=dict)  # file id → bytes, for downloads
    kept_states: list[str] = field(default_factory=list)  # the memory as JSON after every change
    _next_id: int = 0

    def __post_init__(self) -> None:
        self.memory.on_change = self._keep

    async def _keep(self) -> None:
        self.kept_states.append(json.dumps(self.memory.to_data(), ensure_ascii=False))

    def message_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def to(self, user: int) -> list[Said]:
        return [s for s in self.said if s.ref.chat_id == user]

    async def send(
        self, user: int, text: str, *, reply_to: MessageRef | None = None, name: str = "用户"
    ) -> list[Said]:
        """`user` writes `text` (a command when it starts with `/`); what the bot said back."""
        command = None
        if text.startswith("/"):
            head, *rest = text.split(maxsplit=1)
            command = CommandCall(head[1:].partition("@")[0].lower(), rest[0] if rest else "")
        return await self._event(user, name, text=text, command=command, replied=self._replied(reply_to))

    async def send_photo(
        self,
        user: int,
        data: bytes,
        *,
        caption: str | None = None,
        album: str | None = None,
        name: str = "用户",
    ) -> list[Said]:
        file_id = f"photo-{len(self.files)}"
        self.files[file_id] = data
        photo = incoming_photo(file_id, file_id, len(data))
        return await self._event(user, name, caption=caption, photo=photo, media_group=album)

    async def press(self, user: int, data: str, *, under: MessageRef | None = None) -> PressAnswer:
        """`user` presses a button with `data` (under `under`, or under a message of their chat); how the
        press was answered (it must be, exactly once: a button never keeps spinning)."""
        port = await self._dispatch(
            Inbound(self._sender(user, "用户"), ChatRef(user, True), under or MessageRef(user, 0), press=data)
        )
        (answer,) = port.press_answers
        return answer

    def _replied(self, ref: MessageRef | None) -> Replied | None:
        return None if ref is None else Replied(ref, Author.BOT)

    @staticmethod
    def _sender(user: int, name: str) -> Sender:
        return Sender(user, name)

    async def _event(self, user: int, name: str, **fields: object) -> list[Said]:
        before = len(self.said)
        event = Inbound(self._sender(user, name), ChatRef(user, True), MessageRef(user, self.message_id()))
        await self._dispatch(dataclasses.replace(event, **fields))  # type: ignore[arg-type]
        return self.said[before:]

    async def _dispatch(self, event: Inbound) -> RecordingPort:
        port = RecordingPort(self, event)
        await ROUTER.dispatch(Turn(event, port, self.services, self.memory))
        return port


class RecordingPort:
    """`handlers.chat.ChatPort` keeping what the bot said in its `FakeChat`."""

    def __init__(self, chat: FakeChat, event: Inbound) -> None:
        self._chat = chat
        self._event = event
        self.press_answers: list[PressAnswer] = []

    def _say(self, chat_id: int, text: str, buttons: Keyboard = (), kind: str = "text") -> MessageRef:
        ref = MessageRef(chat_id, self._chat.message_id())
        rows = tuple(tuple(button.data for button in row) for row in buttons)
        self._chat.said.append(Said(ref, text, rows, kind))
        return ref

    def _here(self) -> int:
        assert self._event.chat is not None
        return self._event.chat.id

    async def reply(self, text: str, buttons: Keyboard = ()) -> MessageRef | None:
        return self._say(self._here(), text, buttons)

    async def reply_photo(self, photo: bytes, caption: str | None = None) -> None:
        self._say(self._here(), caption or "", kind="photo")

    async def reply_document(self, data: bytes, name: str, caption: str | None = None) -> None:
        self._say(self._here(), caption or name, kind="document")

    async def send_photos(self, chat_id: int, photos: Sequence[Path], caption: str) -> None:
        for _ in photos:
            self._say(chat_id, caption, kind="photo")

    async def send_document(self, chat_id: int, path: Path, name: str | None, caption: str) -> None:
        self._say(chat_id, caption, kind="document")

    async def answer_press(self, text: str | None = None, *, alert: bool = False) -> bool:
        if self._event.press is None or self.press_answers:
            return False
        self.press_answers.append(PressAnswer(text, alert))
        return True

    async def remove_buttons(self) -> None:
        assert self._event.message is not None
        self._chat.removed.append(self._event.message)

    async def download(self, file: IncomingFile, path: Path) -> None:
        await asyncio.to_thread(path.write_bytes, await self.read(file))

    async def read(self, file: IncomingFile) -> bytes:
        data = self._chat.files[file.file_id]
        if len(data) > MAX_FILE_BYTES:
            raise FileTooBigError(file.file_id)
        return data

    def invite_link(self, code: str) -> str:
        return f"https://chat.example/bot?start={code}"
