"""The typed context handlers receive: services reach them here, not through untyped `bot_data`."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.wiring import Services


class BotData:
    """What the application shares with every handler: the services, attached in `post_init`."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self._outbox_bot: ExtBot[None] | None = None

    def attach(self, services: Services) -> None:
        self._services = services

    def detach(self) -> Services | None:
        services, self._services = self._services, None
        return services

    @property
    def outbox_bot(self) -> ExtBot[None]:
        """The bot the outbox sender sends with (set when the scheduler starts)."""
        if self._outbox_bot is None:
            raise RuntimeError("the scheduler is not started")
        return self._outbox_bot

    @outbox_bot.setter
    def outbox_bot(self, bot: ExtBot[None]) -> None:
        self._outbox_bot = bot

    @property
    def outbox_bot_or_none(self) -> ExtBot[None] | None:
        return self._outbox_bot

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are attached in post_init; the application is not initialized")
        return self._services


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context every handler gets: `context.services` is typed."""

    @property
    def services(self) -> Services:
        return self.bot_data.services


DubanApp = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]
