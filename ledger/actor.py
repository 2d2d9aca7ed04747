"""Who did something, as the audit log names them (操作人).

One convention for every entry: a person Duban knows is `person:<id>`, whatever channel they acted through, so
one official's `/warn` and `/lang` name the same actor; someone who is not (yet) a person of the roster — a
stranger writing to the bot — is named by their chat account, `tg:<user id>`; the bot's own parts and the
tools (the scheduler, the sender, the command line, the demo) by their name.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class ActorKind(enum.Enum):
    PERSON = "person"
    CHAT_USER = "tg"
    SYSTEM = "system"


_SYSTEM_NAME = re.compile(r"[a-z][a-z_]{0,30}")
_NUMBERED = re.compile(r"(person|tg):([0-9]{1,20})")


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    # The person's id, the chat account's user id, or the system part's name.
    key: int | str

    @classmethod
    def person(cls, person_id: int) -> Actor:
        return cls(ActorKind.PERSON, person_id)

    @classmethod
    def chat_user(cls, user_id: int) -> Actor:
        """Someone not in the roster, known only by their chat account."""
        return cls(ActorKind.CHAT_USER, user_id)

    @classmethod
    def system(cls, name: str) -> Actor:
        """A part of the bot or a tool: `scheduler`, `sender`, `cli`, `demo`."""
        if not _SYSTEM_NAME.fullmatch(name):
            raise ValueError(f"not a system actor's name: {name!r}")
        return cls(ActorKind.SYSTEM, name)

    @classmethod
    def of(cls, person_id: int | None, user_id: int) -> Actor:
        """The person when they are one, else their chat account."""
        return cls.person(person_id) if person_id is not None else cls.chat_user(user_id)

    @classmethod
    def parse(cls, text: str) -> Actor:
        """The actor an audit entry names (`str(actor)` read back)."""
        numbered = _NUMBERED.fullmatch(text)
        if numbered:
            return cls(ActorKind(numbered.group(1)), int(numbered.group(2)))
        return cls.system(text)

    @property
    def person_id(self) -> int | None:
        return self.key if self.kind is ActorKind.PERSON and isinstance(self.key, int) else None

    def __str__(self) -> str:
        if self.kind is ActorKind.SYSTEM:
            return str(self.key)
        return f"{self.kind.value}:{self.key}"


SCHEDULER = Actor.system("scheduler")
SENDER = Actor.system("sender")
CLI = Actor.system("cli")
DEMO = Actor.system("demo")
