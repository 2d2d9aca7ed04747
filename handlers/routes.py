"""The chat's routes in Duban's terms: which handler takes which event, and the steps of the dialogs.

Each feature module lists its `ROUTES` (and a dialog module its `DIALOG`); `handlers.ROUTER` gathers
them in order. The first route that `matches` an event handles it, after the conversation under way had
its chance (`Router.converse`). A platform's adapter registers the routes with its own framework
(Telegram's, `bot/telegram/routes.py`, with python-telegram-bot's handlers), matching what `matches` says;
`Router.dispatch` runs them directly, for an adapter without such a framework and for the handlers' tests.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from handlers.chat import Inbound
from handlers.common import Turn, TurnHandler, button_expired, handle, required_roles
from handlers.conversation import load
from handlers.groups import in_group
from ledger.buttons import ButtonData
from ledger.model import Role

B = TypeVar("B", bound=ButtonData)
CANCEL = "cancel"
# Every command a route takes, and the roles it asks for (None: strangers too): declared once, by the
# handler's `requires`, read by /help and the command menu. Filled as the feature modules declare routes.
_COMMAND_ROLES: dict[str, tuple[Role, ...] | None] = {}


def command_roles() -> Mapping[str, tuple[Role, ...] | None]:
    """Each command's roles (one of them; empty: any bound person; None: strangers too)."""
    return _COMMAND_ROLES


class MessageKind(enum.StrEnum):
    REPLY_TO_BOT = "reply_to_bot"  # a text (not a command) replying to a message of the bot
    FILE = "file"  # a photo or a document
    ANY = "any"  # any message
    EDITED = "edited"  # a message its sender edited (every other kind is of messages as first sent)


@dataclass(frozen=True)
class OnCommand:
    """`/name …` for this bot, in a text. With `fields`, `turn.args` holds the first `fields` arguments
    (separated by spaces or the full-width ，、：； officials type), then the rest as one, as written."""

    names: tuple[str, ...]
    handle: TurnHandler
    fields: int | None = None

    def __post_init__(self) -> None:
        for name in self.names:
            _COMMAND_ROLES[name] = required_roles(self.handle)

    def matches(self, event: Inbound) -> bool:
        command = event.command
        return (
            event.press is None
            and not event.edited
            and command is not None
            and command.for_us
            and command.name in self.names
        )

    async def run(self, turn: Turn) -> None:
        await self.handle(dataclasses.replace(turn, fields=self.fields))


@dataclass(frozen=True)
class OnCaptionedDocument:
    """A document whose caption is `/command …` (a file and the command that says what to do with it)."""

    command: str
    handle: TurnHandler

    @property
    def caption_pattern(self) -> str:
        return rf"^/{re.escape(self.command)}(@\w+)?(\s|$)"

    def matches(self, event: Inbound) -> bool:
        return (
            event.document is not None
            and not event.edited
            and re.search(self.caption_pattern, event.caption or "") is not None
        )

    async def run(self, turn: Turn) -> None:
        await self.handle(turn)


@dataclass(frozen=True)
class OnMessage:
    kind: MessageKind
    handle: TurnHandler

    def matches(self, event: Inbound) -> bool:
        if event.press is not None or event.edited != (self.kind == MessageKind.EDITED):
            return False
        if self.kind == MessageKind.REPLY_TO_BOT:
            return event.text is not None and event.command is None and event.replied_to_bot is not None
        if self.kind == MessageKind.FILE:
            return event.file is not None
        return True

    async def run(self, turn: Turn) -> None:
        await self.handle(turn)


@dataclass(frozen=True)
class OnPress(Generic[B]):
    """A pressed button of one kind; its data is unpacked (every field checked) before the handler sees
    it, and data that does not unpack is answered as an expired button."""

    kind: type[B]
    handle: Callable[[Turn, B], Awaitable[None]]

    @property
    def pattern(self) -> str:
        return self.kind.pattern()

    def matches(self, event: Inbound) -> bool:
        return event.press is not None and re.match(self.pattern, event.press) is not None

    async def run(self, turn: Turn) -> None:
        data = self.kind.unpack(turn.event.press or "")
        if data is None:
            await button_expired(turn)
            return
        await self.handle(turn, data)


@dataclass(frozen=True)
class OnAnyPress:
    """Any pressed button (the last route: what no other took has expired)."""

    handle: TurnHandler

    def matches(self, event: Inbound) -> bool:
        return event.press is not None

    async def run(self, turn: Turn) -> None:
        await self.handle(turn)


Route = OnCommand | OnCaptionedDocument | OnMessage | OnPress[Any] | OnAnyPress


class Takes(enum.StrEnum):
    """What a step of a dialog takes (besides commands, named `/name`)."""

    TEXT = "text"  # a text, not a command
    REPLY = "reply"  # a text, not a command, replying to the bot's question
    FILE = "file"  # a photo or document whose caption is not a command


@dataclass(frozen=True)
class Dialog:
    """A conversation's topic, the shape of its data (a dataclass), and what each of its steps takes:
    step → (`Takes` or `/command`) → handler. `cancel` says what `/cancel` dropped; the conversation then
    ends. A conversation whose data does not read as `shape` (kept by an older version) is over."""

    topic: str
    shape: type[Any]
    steps: Mapping[str, Mapping[str, TurnHandler]]
    cancel: TurnHandler


@dataclass(frozen=True)
class Router:
    routes: tuple[Route, ...]
    dialogs: Mapping[str, Dialog]

    async def converse(self, turn: Turn) -> bool:
        """Offer a message to the conversation under way; whether its step took it (never in a group: a
        conversation is held in private)."""
        event = turn.event
        if event.chat is not None and not event.chat.private:
            return False
        conversation = turn.conversation()
        dialog = self.dialogs.get(conversation.topic) if conversation is not None else None
        if conversation is None or dialog is None or event.press is not None or event.edited:
            return False
        if load(dialog.shape, conversation.data) is None:
            await turn.end_conversation()
            return False
        command = event.command
        if command is not None and command.for_us and command.name == CANCEL:
            await dialog.cancel(turn)
            await turn.end_conversation()
            return True
        takes = dialog.steps.get(conversation.step, {})
        handler: TurnHandler | None = None
        if command is not None:
            handler = takes.get(f"/{command.name}") if command.for_us else None
        elif event.text is not None:
            replying = conversation.question is not None and event.replied_to_bot == conversation.question
            handler = (takes.get(Takes.REPLY) if replying else None) or takes.get(Takes.TEXT)
        elif event.file is not None and not (event.caption or "").startswith("/"):
            handler = takes.get(Takes.FILE)
        if handler is None:
            return False
        await handler(turn)
        return True

    def route(self, event: Inbound) -> Route | None:
        return next((route for route in self.routes if route.matches(event)), None)

    async def run(self, route: Route, turn: Turn) -> None:
        """Run the route that matched; in a group, as the group's rules say (`handlers/groups.py`): a
        command that is not the group's own is handled for its sender in private, anything else ignored."""
        chat = turn.event.chat
        if chat is None or chat.private:
            await route.run(turn)
            return
        await in_group(turn, command_roles().keys(), route.run, self.dispatch)

    async def dispatch(self, turn: Turn) -> None:
        """Handle an event: the conversation under way first, then the first route that matches."""
        await handle(turn, self._dispatch)

    async def _dispatch(self, turn: Turn) -> None:
        if await self.converse(turn):
            return
        route = self.route(turn.event)
        if route is not None:
            await self.run(route, turn)
