"""The chat-state file: what the bot remembers of chats (`handlers.conversation.ChatMemory`), kept across
restarts in `DATA_DIR/chat_state.json`.

Written after every change, atomically: the new state goes to a temporary file beside it, is flushed to
disk, and replaces the old one in one rename, so a crash leaves either the old state or the new one, never
half of one. A file that cannot be read (empty, cut short, not JSON, of another format version) never
keeps the bot from starting: it is set aside under a name with the time, the bot starts with no
conversations, and the caller tells the admins.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from handlers.conversation import ChatMemory, DamagedStateError

CHAT_STATE_FILE = "chat_state.json"
_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class SetAside:
    """A chat-state file that could not be read, and where it went (None: it could not be moved)."""

    path: Path | None
    reason: str


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` by `data` in one step: a temporary file, fsync, rename, fsync of the folder."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


class ChatStateFile:
    """The file of one process's chat memory: read once at start, written after every change."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._memory = ChatMemory()
        self._lock = asyncio.Lock()
        self._changes = 0  # changes made
        self._saved = 0  # changes on disk

    def load(self, now: datetime) -> tuple[ChatMemory, SetAside | None]:
        """The memory kept in the file (empty when there is none); a file that cannot be read is set aside."""
        set_aside = None
        try:
            self._memory = ChatMemory.from_data(json.loads(self._path.read_bytes().decode("utf-8")), now)
        except FileNotFoundError:
            self._memory = ChatMemory()
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, DamagedStateError) as error:
            set_aside = SetAside(self._set_aside(now), f"{type(error).__name__}: {error}")
            _LOGGER.warning(
                "chat state %s could not be read (%s); set aside as %s, starting without conversations",
                self._path, set_aside.reason, set_aside.path,
            )  # fmt: skip
            self._memory = ChatMemory()
        self._memory.on_change = self.save
        return self._memory, set_aside

    async def save(self) -> None:
        """Write the memory as it is now; changes made while a write runs go out with the next one."""
        self._changes += 1
        async with self._lock:
            if self._saved >= self._changes:
                return
            changes = self._changes
            data = json.dumps(self._memory.to_data(), ensure_ascii=False).encode("utf-8")
            try:
                await asyncio.to_thread(write_atomically, self._path, data)
            except OSError as error:
                # The conversations go on in memory; the next change tries again.
                _LOGGER.error("chat state not written to %s: %s", self._path, error)
                return
            self._saved = changes

    def _set_aside(self, now: datetime) -> Path | None:
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self._path.with_name(f"{self._path.name}.damaged-{stamp}")
        suffix = 1
        while target.exists():
            target = self._path.with_name(f"{self._path.name}.damaged-{stamp}-{suffix}")
            suffix += 1
        try:
            self._path.rename(target)
        except OSError as error:
            _LOGGER.error("chat state %s could not be set aside: %s", self._path, error)
            return None
        return target
