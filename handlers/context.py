"""The typed context handlers receive: services reach them here, not through untyped `bot_data`."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from services.container import Services


class BotData:
    """What the application shares with every handler: the services, attached in `post_init`."""

    def __init__(self) -> None:
        self._services: Services | None = None

    def attach(self, services: Services) -> None:
        self._services = services

    def detach(self) -> Services | None:
        services, self._services = self._services, None
        return services

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
