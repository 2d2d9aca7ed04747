"""What every handler shares: the turn it handles (the event, the port to answer through, the services,
the conversation under way), who is writing, role checks, and answers rendered from templates."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TypeVar

from handlers.chat import ChatPort, Inbound, Keyboard, MessageRef
from handlers.conversation import JSON, ChatMemory, Conversation, ConversationKey
from ledger.access import Viewer
from ledger.errors import DubanError
from ledger.model import Role
from ledger.text import split_arguments
from messages.render import normalize_locale
from services import busy
from services.accounts import TelegramUser
from services.container import Services

P = ParamSpec("P")
R = TypeVar("R")


async def run(function: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a (blocking, database-bound) service call off the event loop so other chats go on; a store
    locked by another writer for longer than a chat waits is a `busy.StoreBusyError` (see `handle`)."""
    return await asyncio.to_thread(functools.partial(busy.call, function, *args, **kwargs))


@dataclass
class Seen:
    """What the handling of one update has already read of the store: who is writing (looked up once)."""

    viewer: Viewer | None = None


@dataclass
class Turn:
    """One inbound event being handled: the event, the port to answer through, the services, and what
    the bot remembers of chats."""

    event: Inbound
    port: ChatPort
    services: Services
    memory: ChatMemory
    fields: int | None = None  # the route's count of separate arguments (see `OnCommand`)
    seen: Seen = field(default_factory=Seen)  # shared by the copies of the turn made while it is handled

    @property
    def args(self) -> list[str]:
        """The command's arguments (none when the event is not a command): split on white space, or the
        route's first `fields` of them, separated by spaces or ，、：；, then the rest as written."""
        if self.event.command is None:
            return []
        if self.fields is None:
            return self.event.command.args
        return split_arguments(self.event.command.arguments, self.fields)

    @property
    def arguments(self) -> str:
        """Everything after the command, line breaks kept."""
        return self.event.command.arguments if self.event.command else ""

    def render(self, locale: str, key: str, params: Mapping[str, Any] | None = None) -> str:
        return self.services.renderer.render(locale, key, dict(params or {}))

    async def answer(
        self, locale: str, key: str, params: Mapping[str, Any] | None = None, *, buttons: Keyboard = ()
    ) -> MessageRef | None:
        """Render a template in the user's language and send it back (buttons under its last piece)."""
        return await self.port.reply(self.render(locale, key, params), buttons)

    async def refuse(self, locale: str, key: str, params: Mapping[str, Any] | None = None) -> None:
        """A refusal: an alert on the pressed button (so it stops spinning), else a message."""
        text = self.render(locale, key, params)
        if self.event.press is not None and await self.port.answer_press(text, alert=True):
            return
        await self.port.reply(text)

    async def close_buttons(self) -> None:
        """A decision taken: the button stops spinning and the buttons go."""
        await self.port.answer_press()
        await self.port.remove_buttons()

    # ---- the conversation of this person in this chat -------------------------------------------

    @property
    def _key(self) -> ConversationKey | None:
        sender, chat = self.event.sender, self.event.chat
        return None if sender is None or chat is None else (chat.id, sender.platform_id)

    def conversation(self, topic: str | None = None) -> Conversation | None:
        """The conversation under way (of `topic`, if given); None when there is none or it expired."""
        key = self._key
        found = None if key is None else self.memory.get(key, self.services.office.now())
        return found if found is not None and topic in (None, found.topic) else None

    async def converse(
        self, topic: str, step: str, data: Mapping[str, JSON], question: MessageRef | None = None
    ) -> None:
        """Start a conversation, or move it on to `step` (ending any other under way)."""
        key = self._key
        if key is not None:
            now = self.services.office.now()
            await self.memory.put(key, Conversation(topic, step, data, now, question))

    async def end_conversation(self) -> None:
        key = self._key
        if key is not None:
            await self.memory.drop(key)


TurnHandler = Callable[[Turn], Awaitable[None]]

# The roles each handler made with `requires` asks for (what /help and the command menu say of it).
_REQUIRED_ROLES: dict[Callable[..., Awaitable[None]], tuple[Role, ...]] = {}


def required_roles(handler: Callable[..., Awaitable[None]]) -> tuple[Role, ...] | None:
    """The roles a handler asks for: one of them, or (empty) any bound person; None when it is open to
    strangers too (not made with `requires`)."""
    return _REQUIRED_ROLES.get(handler)


def telegram_user(event: Inbound) -> TelegramUser | None:
    sender = event.sender
    return None if sender is None else TelegramUser(sender.platform_id, sender.name, sender.language)


async def viewer_of(turn: Turn) -> Viewer | None:
    """Who is writing: looked up once per update, however many handlers of it ask."""
    user = telegram_user(turn.event)
    if user is None:
        return None
    if turn.seen.viewer is None:
        turn.seen.viewer = await run(turn.services.accounts.viewer, user)
    return turn.seen.viewer


async def handle(turn: Turn, act: TurnHandler) -> None:
    """Handle one update with `act`: its calls to the store are one visit, each waiting for another
    writer's lock a fraction of a second at most; a store still locked is answered "busy, try again",
    saying whether anything had changed (`services.busy`), never as a failure."""
    with busy.chat_visit():
        try:
            await act(turn)
        except busy.StoreBusyError as error:
            viewer = turn.seen.viewer
            sender = turn.event.sender
            locale = viewer.locale if viewer else normalize_locale(sender.language if sender else None)
            await turn.refuse(locale, "errors/store_busy", {"changed": error.changed})


async def refuse_stranger(turn: Turn, viewer: Viewer) -> None:
    user = telegram_user(turn.event)
    if user is not None:
        await run(turn.services.accounts.record_stranger, user, turn.event.summary())
    await turn.refuse(viewer.locale, "chat/stranger")


async def button_expired(turn: Turn) -> None:
    """A press nobody can act on (unknown, malformed, forged or stale data): answered, nothing changed."""
    viewer = await viewer_of(turn)
    locale = viewer.locale if viewer is not None else normalize_locale(None)
    await turn.port.answer_press(turn.render(locale, "chat/button_expired"))


def requires(
    *roles: Role,
) -> Callable[
    [Callable[Concatenate[Turn, Viewer, P], Awaitable[None]]], Callable[Concatenate[Turn, P], Awaitable[None]]
]:
    """Resolve the viewer, refuse strangers and people without one of `roles` (none: any bound person),
    and turn a refusal (`DubanError`) into a message in the user's language."""

    def decorate(
        function: Callable[Concatenate[Turn, Viewer, P], Awaitable[None]],
    ) -> Callable[Concatenate[Turn, P], Awaitable[None]]:
        @functools.wraps(function)
        async def wrapper(turn: Turn, /, *args: P.args, **kwargs: P.kwargs) -> None:
            viewer = await viewer_of(turn)
            if viewer is None:
                return
            if viewer.is_stranger:
                await refuse_stranger(turn, viewer)
                return
            if roles and not viewer.has(*roles):
                labels = [turn.services.renderer.label(viewer.locale, "role", r.value) for r in roles]
                await turn.refuse(viewer.locale, "chat/needs_role", {"roles": labels})
                return
            try:
                await function(turn, viewer, *args, **kwargs)
            except DubanError as error:
                await turn.refuse(viewer.locale, f"errors/{error.code}", error.params)

        _REQUIRED_ROLES[wrapper] = roles
        return wrapper

    return decorate
