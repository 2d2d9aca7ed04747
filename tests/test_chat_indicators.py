"""Indicator values in chat, end to end through the real application and the Bot API emulator: the officer is
asked for the month's values, answers with `/value`, is refused clearly (and nothing changes) when the input
is wrong or not theirs to give, corrects a value, and receives the warning the off-track value raises on the
next tick."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from ledger.model import Role
from storage.indicator_tables import IndicatorReading
from tests.harness import BotHarness
from tests.test_chat_report import STRANGER_ID, enrol
from tests.test_indicator_values import (
    GOOD_DAYS,
    LEADER,
    OFFICE,
    OFFICER,
    OTHER_OFFICER,
    OTHER_UNIT,
    PM25,
    SUPERVISOR,
    TEST,
    UNIT,
    at,
    import_indicators,
)


async def setup(bot: BotHarness) -> None:
    bot.clock.set(at(date(2020, 12, 16)))
    import_indicators(bot.services, GOOD_DAYS, PM25)
    for unit in (OTHER_UNIT, OFFICE):
        bot.services.roster.add_unit(unit, actor=TEST)
    await enrol(bot, OFFICER, "王芳", UNIT)
    await enrol(bot, OTHER_OFFICER, "刘洋", OTHER_UNIT)
    await enrol(bot, LEADER, "孙局长", UNIT, Role.LEADER)
    await enrol(bot, SUPERVISOR, "马督导", OFFICE, Role.SUPERVISOR)


async def tick(bot: BotHarness, day: date) -> None:
    """The day's run at midnight, then the outbox drained after the quiet hours."""
    bot.clock.set(at(day, 0))
    bot.services.daily_run.tick()
    bot.clock.set(at(day, 9))
    await bot.deliver()


def readings(bot: BotHarness) -> int:
    with bot.services.sessions() as session:
        return session.scalar(select(func.count()).select_from(IndicatorReading)) or 0


async def test_reporting_a_value_and_the_warning_it_raises_the_next_tick(bot: BotHarness) -> None:
    await setup(bot)
    before = len(bot.api.sent(OFFICER))
    await tick(bot, date(2021, 1, 4))
    (asked,) = await bot.replies(OFFICER, before)
    assert asked.text == (
        "【指标调度】第1个指标 全市空气质量优良天数比例\n"
        "请于 2021-01-07 前报送2020年12月的数值（单位：%）：/value 1 数值 2020年12月\n\n"
        "【指标调度】第2个指标 细颗粒物(PM2.5)浓度\n"
        "请于 2021-01-07 前报送2020年12月的数值（单位：微克/立方米）：/value 2 数值 2020年12月"
    )

    bot.clock.set(at(date(2021, 1, 4), 10))
    (recorded,) = await bot.send(OFFICER, "/value 1 80.6%")
    assert recorded.text == (
        "已记录第1个指标 全市空气质量优良天数比例 2020年12月 的数值：80.6%。\n"
        "当前：2020年全市空气质量优良天数比例年均值80.6%，低于目标值84%。"
    )
    (second,) = await bot.send(OFFICER, "/value PM2.5，22，2020年12月，市环境监测站月报")
    assert second.text == (
        "已记录第2个指标 细颗粒物(PM2.5)浓度 2020年12月 的数值：22微克/立方米。\n"
        "当前：2020年细颗粒物(PM2.5)浓度年均值22微克/立方米，不高于序时目标24，目标值21。"
    )

    before = len(bot.api.sent(OFFICER))
    leader_before = len(bot.api.sent(LEADER))
    await tick(bot, date(2021, 1, 5))
    (warning,) = await bot.replies(OFFICER, before)
    assert warning.text == (
        "【督办提醒】第1个指标 全市空气质量优良天数比例\n"
        "原因：2020年全市空气质量优良天数比例年均值80.6%，低于目标值84%。\n"
        "责任单位：市生态环境局。请分析原因、落实措施。"
    )
    assert len(bot.api.sent(LEADER)) == leader_before  # a 督办提醒 is the officer's

    # A correction replaces the value; the level issued stays on record, true of the day it was issued.
    (corrected,) = await bot.send(OFFICER, "/value 1 85% 2020年12月")
    assert corrected.text == (
        "已更正第1个指标 全市空气质量优良天数比例 2020年12月 的数值：85%（替换原数值 80.6%）。\n"
        "当前：2020年全市空气质量优良天数比例年均值85%，不低于目标值84%。"
    )


async def test_bad_input_in_chat_is_answered_in_the_users_language_and_changes_nothing(
    bot: BotHarness,
) -> None:
    await setup(bot)
    bot.clock.set(at(date(2021, 1, 4), 10))
    answers = {
        (OFFICER, "/value 1 120%"): "指标“全市空气质量优良天数比例”是百分比，不能超过100%（您写的是120%）。",
        (OFFICER, "/value 2 23%"): "单位不符：指标“细颗粒物(PM2.5)浓度”的单位是微克/立方米，您写的是“%”。请按微克/立方米填报。",
        (OFFICER, "/value 1 80 2021年1月"): "2021年1月尚未结束：监测期满后才能报送该期数值。",
        (OFFICER, "/value 1 80 12月 11月"): "期间只能写一个：已写2020年12月，又写了“11月”。",
        (OFFICER, "/value 2 -5"): "指标“细颗粒物(PM2.5)浓度”的数值不能为负数（您写的是-5）。",
        (OFFICER, "/value 2 230"): "230微克/立方米超过该指标基准值24、目标值21中较大者的3倍，请核对。如确认无误，请在命令末尾加“确认”重新发送。",
        (OFFICER, "/value 臭氧 80"): "没有找到指标“臭氧”：请写指标编号（1至2）或指标名称，见 /indicators。",
        (OTHER_OFFICER, "/value 1 80"): "指标“全市空气质量优良天数比例”由市生态环境局的责任人员报送，您不是该单位的责任人员。",
        (LEADER, "/value 1 80"): "该操作需要以下角色之一：责任人员、督导、管理员。如有疑问请联系管理员。",
    }  # fmt: skip
    for (user, text), want in answers.items():
        (answer,) = await bot.send(user, text)
        assert answer.text == want, text
    (usage,) = await bot.send(OFFICER, "/value")
    assert usage.text is not None
    assert usage.text.startswith("用法：/value 指标名或编号 数值 [期间]")
    await bot.send(OFFICER, "/lang en")
    (english,) = await bot.send(OFFICER, "/value 1 120%")
    assert (
        english.text == '"全市空气质量优良天数比例" is a percentage: it cannot exceed 100% (you wrote 120%).'
    )
    (stranger,) = await bot.send(STRANGER_ID, "/value 1 80")
    assert stranger.text is not None
    assert stranger.text.startswith("您好！督办机器人仅供已登记的整改工作人员使用。")
    assert readings(bot) == 0
