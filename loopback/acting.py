"""Users acting on a running python-telegram-bot application through the emulator: act, then wait until handled.

`Users.act(push)` is the one way to act and to wait. It pushes one update (a text, a photo, a document, a
button press) and returns once the application has handled that update: its processing, every handler
group, ended. Handlers send before they end, so everything the bot sent while handling it is recorded by
then; `Handled` carries it, and the answer to a button press. Other chats' updates still in progress (a
slow handler elsewhere) do not hold it up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application

from loopback.core import LoopbackBotApi
from loopback.records import AnsweredCallback, JSONDict, SentMessage

DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Handled:
    """An update the bot has handled, and what the bot sent from the push to the end of the handling (every
    chat, in order: the handler's answers, and whatever else went out meanwhile)."""

    update: JSONDict
    sent: list[SentMessage]
    answer: AnsweredCallback | None = None  # the bot's answer, when the update was a button press

    @property
    def chat_id(self) -> int:
        message = (
            self.update.get("message")
            or self.update.get("edited_message")
            or self.update["callback_query"]["message"]
        )
        return int(message["chat"]["id"])

    @property
    def replies(self) -> list[SentMessage]:
        """What the bot sent to the chat the update came from."""
        return [m for m in self.sent if m.chat_id == self.chat_id]

    @property
    def answered(self) -> AnsweredCallback:
        """The bot's answer to the button press (an AssertionError when it did not answer)."""
        if self.answer is None:
            raise AssertionError(f"the bot did not answer the button press {self.update['update_id']}")
        return self.answer

    @property
    def reply(self) -> SentMessage:
        """The one message the bot sent back to that chat."""
        if len(self.replies) != 1:
            raise AssertionError(f"expected one reply, got {[m.text for m in self.replies]!r}")
        return self.replies[0]


class Users:
    """The users of a bot that `application` runs against `api` (polling it).

    Which updates the application has handled is seen at its update processor: `do_process_update` (the
    hook every `BaseUpdateProcessor` runs each update through) is wrapped on this application's processor,
    so the end of each update's processing is noted by its id.
    """

    def __init__(self, api: LoopbackBotApi, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.api = api
        self._application = application
        self._handled: set[int] = set()
        self._changed = asyncio.Event()
        processor = application.update_processor
        process = processor.do_process_update

        async def do_process_update(update: object, coroutine: Awaitable[Any]) -> None:
            try:
                await process(update, coroutine)
            finally:
                if isinstance(update, Update):
                    self._handled.add(update.update_id)
                    changed, self._changed = self._changed, asyncio.Event()
                    changed.set()

        processor.do_process_update = do_process_update  # type: ignore[method-assign]

    async def act(self, push: Callable[[], JSONDict], *, timeout: float = DEFAULT_TIMEOUT) -> Handled:  # noqa: ASYNC109
        """Push an update with `push` (one of `api.push_*`), then wait until the bot has handled it."""
        before = len(self.api.all_sent())
        update = push()
        update_id = int(update["update_id"])
        try:
            async with asyncio.timeout(timeout):
                while update_id not in self._handled:
                    await self._changed.wait()
        except TimeoutError:
            sent = [m.text for m in self.api.all_sent()[before:]]
            raise TimeoutError(
                f"the bot did not handle update {update_id} within {timeout} s; sent meanwhile {sent!r}"
            ) from None
        query = update.get("callback_query")
        answer = None if query is None else self.api.callback_answer(query["id"])
        return Handled(update, self.api.all_sent()[before:], answer)

    async def idle(self, *, timeout: float = DEFAULT_TIMEOUT) -> None:  # noqa: ASYNC109
        """Wait until the bot holds every update pushed so far and has finished handling them all: the
        emulator saw them confirmed, so PTB's updater had put them on the application's update queue,
        whose every item is marked done when its processing ends."""
        async with asyncio.timeout(timeout):
            await self.api.wait_updates_consumed(timeout=timeout)
            await self._application.update_queue.join()

    async def say(self, user_id: int, text: str, **kwargs: Any) -> Handled:
        """`user_id` writes `text` (`api.push_text`'s options: `reply_to_message_id`, `chat_id`, …)."""
        return await self.act(lambda: self.api.push_text(user_id, text, **kwargs))

    async def edit(self, user_id: int, message_id: int, text: str, **kwargs: Any) -> Handled:
        """`user_id` edits their message `message_id` to `text` (`chat_id` for a group's)."""
        return await self.act(lambda: self.api.push_edit(user_id, message_id, text, **kwargs))

    async def send_photo(
        self, user_id: int, data: bytes, caption: str | None = None, **kwargs: Any
    ) -> Handled:
        return await self.act(lambda: self.api.push_photo(user_id, data, caption, **kwargs))

    async def send_document(self, user_id: int, data: bytes, file_name: str, **kwargs: Any) -> Handled:
        return await self.act(lambda: self.api.push_document(user_id, data, file_name, **kwargs))

    async def press(self, user_id: int, message: SentMessage | int, data: str, **kwargs: Any) -> Handled:
        """`user_id` presses the button `data` under the bot's `message` (or the message of that id in the
        user's chat, or in `chat_id`); with `check_button=False`, one the message does not show: an old or
        forged button."""
        if isinstance(message, SentMessage):
            kwargs.setdefault("chat_id", message.chat_id)
            message = message.message_id
        message_id = message
        return await self.act(lambda: self.api.push_callback(user_id, message_id, data, **kwargs))
