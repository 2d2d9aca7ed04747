"""The handlers' routes registered with python-telegram-bot, and every update turned into a `Turn`.

The conversation under way has the first look at every message (an early handler group, which stops the
update there when a step takes it); then each route is one python-telegram-bot handler of group 0, in the
routes' order, so the first that matches handles the update: commands with `CommandHandler`, presses
with `CallbackQueryHandler` on the kind's pattern, other messages with `MessageHandler` on what the
route's own `matches` says. Per-chat order is kept by the update processor (`bot/processing.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.telegram.context import BotContext, DubanApp
from bot.telegram.events import inbound
from bot.telegram.port import TelegramPort
from handlers.common import Turn, handle
from handlers.routes import OnAnyPress, OnCommand, OnPress, Route, Router

# Before the features' handlers (group 0): a conversation waiting for a text or a file takes it first.
CONVERSATION_GROUP = -10

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def register(app: DubanApp, router: Router) -> None:
    app.add_handler(MessageHandler(filters.ALL, _conversing(router)), group=CONVERSATION_GROUP)
    for route in router.routes:
        app.add_handler(_handler(router, route))


async def _handle(update: Update, context: BotContext, act: Callable[[Turn], Awaitable[None]]) -> None:
    """Run `act` on the update's turn (a busy store answered as such, `handle`); a press nobody answered is
    answered at the end, whatever happened."""
    port = TelegramPort(update, context.bot)
    turn = Turn(inbound(update, context.bot.bot), port, context.services, context.bot_data.memory)
    try:
        await handle(turn, act)
    finally:
        await port.finish()


def _conversing(router: Router) -> Callback:
    async def converse(update: Update, context: BotContext) -> None:
        taken = False

        async def offer(turn: Turn) -> None:
            nonlocal taken
            taken = await router.converse(turn)

        await _handle(update, context, offer)
        if taken:
            raise ApplicationHandlerStop

    return converse


class _Matching(filters.UpdateFilter):
    """A message the route takes, as the route's own `matches` says."""

    def __init__(self, route: Route) -> None:
        super().__init__(name=f"matching {type(route).__name__}")
        self._route = route

    def filter(self, update: Update) -> bool:
        return self._route.matches(inbound(update, update.get_bot().bot))


def _handler(router: Router, route: Route) -> BaseHandler[Update, BotContext, None]:
    async def run(turn: Turn) -> None:
        await router.run(route, turn)

    async def callback(update: Update, context: BotContext) -> None:
        await _handle(update, context, run)

    if isinstance(route, OnCommand):
        # A command as first sent: python-telegram-bot's default would run an edited one again.
        return CommandHandler(list(route.names), callback, filters=filters.UpdateType.MESSAGE)
    if isinstance(route, OnPress):
        return CallbackQueryHandler(callback, pattern=route.pattern)
    if isinstance(route, OnAnyPress):
        return CallbackQueryHandler(callback)
    return MessageHandler(filters.ALL & _Matching(route), callback)
