"""The typed context python-telegram-bot hands the adapter: the services and the chat memory reach it here,
not through untyped `bot_data`."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from handlers.conversation import ChatMemory
from services.container import Services


class BotData:
    """What the application shares with every update: the services and what the bot remembers of chats,
    attached in `post_init`."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self._memory: ChatMemory | None = None

    def attach(self, services: Services, memory: ChatMemory) -> None:
        self._services, self._memory = services, memory

    def detach(self) -> Services | None:
        """Let go of the services and the memory; the services that were attached, if any."""
        services, self._services, self._memory = self._services, None, None
        return services

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are attached in post_init; the application is not initialized")
        return self._services

    @property
    def memory(self) -> ChatMemory:
        if self._memory is None:
            raise RuntimeError("the chat memory is attached in post_init; the application is not initialized")
        return self._memory


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context every callback gets: `context.services` is typed."""

    @property
    def services(self) -> Services:
        return self.bot_data.services


DubanApp = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]
