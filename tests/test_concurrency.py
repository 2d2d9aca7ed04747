"""Updates of different chats run side by side; one chat's updates run in the order they came."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Chat, Message, Update
from telegram.ext import ApplicationHandlerStop, CommandHandler

from bot.processing import DEFAULT_MAX_RUNNING, PerChatUpdateProcessor
from bot.telegram.context import BotContext
from ledger.clock import ManualClock
from tests.harness import BotHarness, running_bot, text_of

SLOW_USER, OTHER_USER = 810_001, 810_002
HELP_FOR_STRANGERS = "您好！督办机器人仅供已登记的整改工作人员使用"


class Gate:
    """Test-only commands: `/slow` waits until the test opens the gate, `/fast` answers at once."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.entered = 0

    async def slow(self, update: Update, context: BotContext) -> None:
        self.entered += 1
        await self.open.wait()
        await self._reply(update, "slow")

    async def fast(self, update: Update, context: BotContext) -> None:
        await self._reply(update, "fast")

    @staticmethod
    async def _reply(update: Update, text: str) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(text)
        raise ApplicationHandlerStop  # the feature handlers in group 0 do not see it


def install(bot: BotHarness) -> Gate:
    gate = Gate()
    bot.app.add_handler(CommandHandler("slow", gate.slow), group=-1)
    bot.app.add_handler(CommandHandler("fast", gate.fast), group=-1)
    return gate


@pytest.fixture
async def gate(bot: BotHarness) -> AsyncIterator[Gate]:
    installed = install(bot)
    yield installed
    installed.open.set()  # a failed test must not leave handlers waiting, or the bot would never stop


async def test_a_slow_chat_does_not_hold_up_another_users_help(bot: BotHarness, gate: Gate) -> None:
    bot.api.push_text(SLOW_USER, "/slow")
    await bot.api.wait_for(lambda: gate.entered == 1)

    (reply,) = await bot.send(OTHER_USER, "/help")
    assert text_of(reply).startswith(HELP_FOR_STRANGERS)
    assert bot.api.sent(SLOW_USER) == []

    gate.open.set()
    (slow,) = await bot.api.wait_sent(SLOW_USER, 1)
    assert slow.text == "slow"


async def test_a_burst_from_one_chat_takes_no_slots_from_the_others(bot: BotHarness, gate: Gate) -> None:
    """More queued updates of one chat than handlers may run at once: another chat is still served."""
    burst = DEFAULT_MAX_RUNNING + 10
    for _ in range(burst):
        bot.api.push_text(SLOW_USER, "/slow")
    await bot.api.wait_for(lambda: gate.entered == 1)
    await bot.api.wait_updates_consumed()

    (reply,) = await bot.send(OTHER_USER, "/help")
    assert text_of(reply).startswith(HELP_FOR_STRANGERS)

    gate.open.set()
    replies = await bot.api.wait_sent(SLOW_USER, burst, timeout=20)
    assert [m.text for m in replies] == ["slow"] * burst
    await bot.idle()


async def test_one_chats_updates_are_handled_in_order(bot: BotHarness, gate: Gate) -> None:
    bot.api.push_text(SLOW_USER, "/slow")
    bot.api.push_text(SLOW_USER, "/fast")
    await bot.api.wait_for(lambda: gate.entered == 1)
    # The other chat's answer shows the bot went on; the /fast behind /slow still waits its turn.
    await bot.send(OTHER_USER, "/fast")
    assert bot.api.sent(SLOW_USER) == []

    gate.open.set()
    replies = await bot.api.wait_sent(SLOW_USER, 2)
    assert [m.text for m in replies] == ["slow", "fast"]


async def test_stopping_finishes_the_update_in_hand(tmp_path: Path, clock: ManualClock) -> None:
    async with AsyncExitStack() as stack:
        bot = await stack.enter_async_context(running_bot(tmp_path, clock))
        gate = install(bot)
        bot.api.push_text(SLOW_USER, "/slow")
        await bot.api.wait_for(lambda: gate.entered == 1)

        stopping = asyncio.create_task(stack.pop_all().aclose())
        await bot.api.wait_for(lambda: not bot.api.is_polling())
        assert not stopping.done()
        gate.open.set()
        await stopping
    assert [m.text for m in bot.api.sent(SLOW_USER)] == ["slow"]
    assert bot.app.bot_data.detach() is None  # the services were closed in post_shutdown


# The processor alone, without Telegram: the fix for a burst holding every running slot.


def _update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime(2026, 1, 1, tzinfo=UTC), chat, text="x"))


@pytest.fixture
async def processor() -> AsyncIterator[PerChatUpdateProcessor]:
    async with PerChatUpdateProcessor(max_running=2) as built:
        yield built


async def test_processor_limits_running_handlers_not_waiting_ones(processor: PerChatUpdateProcessor) -> None:
    gate = asyncio.Event()
    running: list[int] = []
    done: list[int] = []

    async def handle(update_id: int, wait: bool) -> None:
        running.append(update_id)
        if wait:
            await gate.wait()
        done.append(update_id)

    burst = [
        asyncio.create_task(processor.process_update(_update(n, 1), handle(n, wait=True)))
        for n in range(1, 6)
    ]
    others = [
        asyncio.create_task(processor.process_update(_update(n, chat), handle(n, wait=False)))
        for n, chat in ((10, 2), (11, 3))
    ]
    await asyncio.wait_for(asyncio.gather(*others), timeout=5)
    assert running == [1, 10, 11]
    assert done == [10, 11]
    assert processor.current_concurrent_updates == 5

    gate.set()
    await asyncio.gather(*burst)
    assert done == [10, 11, 1, 2, 3, 4, 5]
    assert processor.current_concurrent_updates == 0
