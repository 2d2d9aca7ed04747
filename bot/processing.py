"""Concurrent update processing that keeps each chat's updates in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# The base class takes one of its slots for every update before it reaches `do_process_update`. Were those
# slots the limit, a burst from ONE chat (waiting on that chat's lock, each holding a slot) could take them
# all and stall every other chat. So the base class only counts the updates in hand (PTB creates a task per
# fetched update anyway), and the real limit is a semaphore taken *after* the chat's lock.
_IN_HAND = 1 << 30
# Handlers mostly wait on the store's worker threads (asyncio's default pool: a few threads) and on
# Telegram, which takes about 30 messages a second; more running at once only queues elsewhere, and
# widens httpx's connection pool, whose cost per request grows with its size (bench/chat_load.py).
DEFAULT_MAX_RUNNING = 16


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently; those of one chat run one after another.

    One slow user never holds up the others, and a user's `/report` and the photo after it are not
    handled out of order. At most `max_running` handlers run at once; updates waiting for their chat's
    earlier ones take no running slot. `current_concurrent_updates` counts the updates in hand (waiting
    or running), so it is 0 exactly when everything fetched has been handled.
    """

    def __init__(self, max_running: int = DEFAULT_MAX_RUNNING) -> None:
        super().__init__(_IN_HAND)
        self._running = asyncio.BoundedSemaphore(max_running)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else 0
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            # asyncio.Lock hands over in arrival order, and updates arrive here in the order fetched.
            async with lock, self._running:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                # Forget idle chats so the table does not grow with every user ever seen.
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""
