"""Forged, malformed and unknown button data through Telegram, end to end: every press is answered
(never left spinning), none raises, none changes the store. The handler-level tests (`test_handlers.py`)
go through every kind; here the adapter's part: the answer reaches Telegram."""

from __future__ import annotations

import pytest

from loopback import SentMessage
from tests.harness import BotHarness, text_of
from tests.test_chat_report import OFFICER_ID, assert_nothing_stored, item_state, setup_ledger
from tests.test_handlers import FORGED

EXPIRED = "该按钮已失效，未作任何更改。"


async def press(bot: BotHarness, under: SentMessage, data: str) -> str | None:
    """The officer presses a button with `data` under `under`; the text the press was answered with."""
    pushed = bot.api.push_callback(OFFICER_ID, under.message_id, data, check_button=False)
    answered = await bot.api.wait_callback_answered(pushed["callback_query"]["id"])
    await bot.idle()
    return answered.text


async def test_forged_presses_are_answered_as_expired_and_change_nothing(bot: BotHarness) -> None:
    await setup_ledger(bot)
    (ask,) = await bot.send(OFFICER_ID, "/report 24")
    before = len(bot.api.sent(OFFICER_ID))
    for data in FORGED:
        assert await press(bot, ask, data) == EXPIRED, data
    assert len(bot.api.sent(OFFICER_ID)) == before  # answered on the button, nothing said in the chat
    assert ask.button_data()  # the draft's buttons are still there, and still work
    assert await press(bot, ask, "rp:24:60") is None
    assert "0% → 60%" in text_of(bot.api.last_sent(OFFICER_ID))
    assert item_state(bot)[0] == 0
    assert_nothing_stored(bot)


async def test_a_press_whose_handler_fails_is_answered_and_the_user_told(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await setup_ledger(bot)
    (ask,) = await bot.send(OFFICER_ID, "/report 24")

    def broken(person_id: int | None, outbox_id: int) -> str | None:
        raise RuntimeError("the store went away")

    monkeypatch.setattr(bot.services.reminders, "acknowledge", broken)
    assert await press(bot, ask, "na:1") is None  # answered all the same: the button stops spinning
    assert text_of(bot.api.last_sent(OFFICER_ID)).startswith("抱歉，处理您的消息时出错")
