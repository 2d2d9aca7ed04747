"""/indicators and /indicator N end to end: the list by category with every number what `judge` says of the
store's values, an indicator's history with its correction marked and its chart as a photo, and the answers
to what names no indicator or several; read only, for everyone bound (the office's own ledger)."""

from __future__ import annotations

from datetime import date

from ledger.actor import Actor
from ledger.indicator_progress import TrackState
from ledger.indicators import number_text
from ledger.model import Role
from tests.harness import BotHarness
from tests.indicator_samples import (
    CARBON,
    FOREST,
    GOOD_DAYS,
    OFFICER_NAME,
    PM10,
    PM25,
    SPECS,
    WATER,
    indicator_ledger,
    verdicts,
)
from tests.test_scheduler import LEADER, OFFICER, SUPERVISOR, setup_ledger

TODAY = date(2026, 11, 20)
STRANGER = 700_998
STATES = {
    TrackState.ON_TRACK: "符合序时进度",
    TrackState.OFF_TRACK: "偏离序时进度",
    TrackState.UNREPORTED: "未报送",
    TrackState.NOT_JUDGED: "不评价",
}


async def ledger_with_indicators(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    officer = bot.services.roster.add_person(
        OFFICER_NAME, unit="市住建局", role=Role.OFFICER, actor=Actor.system("test")
    )
    indicator_ledger(bot.services, Actor.person(officer.id))


def text_of(replies: list[str], name: str) -> str:
    """The line of /indicators about the indicator."""
    return next(line for text in replies for line in text.splitlines() if f" {name}：" in line)


async def test_the_list_says_what_judge_says_of_the_store_by_category(bot: BotHarness) -> None:
    await ledger_with_indicators(bot)
    handled = await bot.say(OFFICER, "/indicators")
    texts = [m.text or "" for m in handled.replies]
    whole = "\n".join(texts)
    judged = verdicts(bot.services, TODAY)
    states = {judged[s.name].state for s in SPECS}
    assert states == set(TrackState)  # the sample covers every state
    for number, spec in enumerate(SPECS, start=1):
        line = text_of(texts, spec.name)
        verdict = judged[spec.name]
        assert line.startswith(f"{number}. {spec.name}：")
        assert STATES[verdict.state] in line
        if verdict.state in (TrackState.ON_TRACK, TrackState.OFF_TRACK):
            assert verdict.path is not None
            assert verdict.value is not None
            assert f"序时目标{number_text(verdict.path)}" in line
            if verdict.mean:
                assert f"2026年均值{number_text(verdict.value)}" in line
    # Latest values with their period; the correction is the value now.
    assert "最新值26微克/立方米（2026年10月）" in text_of(texts, PM25.name)
    assert "最新值85%（2026年8月）" in text_of(texts, WATER.name)
    assert "未报送（2026年10月）" in text_of(texts, WATER.name)
    assert "目标值≤21微克/立方米（2030年）" in text_of(texts, PM25.name)
    assert "目标值完成上级下达目标（2030年）" in text_of(texts, CARBON.name)
    assert "不评价（目标无具体数值）" in text_of(texts, CARBON.name)
    assert "不评价（预期性）" in text_of(texts, PM10.name)
    assert "不评价（未定属性）" in text_of(texts, FOREST.name)
    # Categories in plan order, each once; the binding ones counted, each once.
    assert whole.index("【环境质量】") < whole.index("【绿色低碳】") < whole.index("【生态保护】")
    binding = [judged[s.name].state for s in SPECS if s.attribute == "binding"]
    assert (
        f"约束性指标{len(binding)}项：符合序时进度{binding.count(TrackState.ON_TRACK)}项，"
        f"偏离序时进度{binding.count(TrackState.OFF_TRACK)}项，未报送{binding.count(TrackState.UNREPORTED)}项，"
        f"不评价{binding.count(TrackState.NOT_JUDGED)}项；另有预期性等指标2项，不评价。"
    ) in whole


async def test_everyone_bound_reads_the_same_list_and_a_stranger_is_refused(bot: BotHarness) -> None:
    await ledger_with_indicators(bot)
    answers = [
        [m.text for m in (await bot.say(user, "/indicators")).replies]
        for user in (OFFICER, LEADER, SUPERVISOR)
    ]
    assert answers[0] == answers[1] == answers[2]
    bot.api.add_user(STRANGER, "陌生人")
    refused = await bot.say(STRANGER, "/indicators")
    assert "指标" not in (refused.reply.text or "")


async def test_an_indicator_s_history_verdict_and_chart(bot: BotHarness) -> None:
    await ledger_with_indicators(bot)
    handled = await bot.say(SUPERVISOR, "/indicator 1")
    text, photo = handled.replies[0].text or "", handled.replies[-1]
    verdict = verdicts(bot.services, TODAY)[PM25.name]
    assert verdict.path is not None
    assert verdict.value is not None
    assert text.startswith(f"第1项指标 {PM25.name}（约束性，环境质量）")
    assert f"状态：{STATES[verdict.state]}" in text
    assert f"2026年{PM25.name}年均值{number_text(verdict.value)}微克/立方米" in text
    assert f"序时目标{number_text(verdict.path)}，目标值21" in text
    assert "报送记录（11条）" in text
    assert f"2026年1月 40微克/立方米 — {OFFICER_NAME}" in text
    assert (
        f"2026年10月 26微克/立方米（更正，原报27微克/立方米） — {OFFICER_NAME}，2026-11-10 10:00，来源：复核更正"
        in text
    )
    assert photo.method == "sendPhoto"
    assert photo.document is not None
    assert photo.document.startswith(b"\x89PNG")


async def test_an_indicator_by_name_and_its_values_from_the_command_line(bot: BotHarness) -> None:
    await ledger_with_indicators(bot)
    text = (await bot.say(OFFICER, "/indicator 地表水优良水体比例")).replies[0].text or ""
    assert text.startswith(f"第4项指标 {WATER.name}")
    assert "状态：未报送（2026年10月）" in text
    assert "2026-10-01至2026-10-31的数据未报送" in text
    assert "2026年8月 85% — cli" in text
    partial = (await bot.say(OFFICER, "/indicator 优良天数")).replies[0].text or ""
    assert partial.startswith(f"第3项指标 {GOOD_DAYS.name}")


async def test_what_names_no_indicator_or_several_is_answered_and_changes_nothing(bot: BotHarness) -> None:
    await ledger_with_indicators(bot)
    several = await bot.say(OFFICER, "/indicator 颗粒物")
    assert several.reply.text == (
        f"“颗粒物”对应多项指标，请用序号指定（如 /indicator 1）：\n1. {PM25.name}\n2. {PM10.name}"
    )
    unknown = await bot.say(OFFICER, "/indicator 99")
    assert unknown.reply.text == "未找到指标“99”。发送 /indicators 查看全部6项指标及其序号。"
    assert (await bot.say(OFFICER, "/indicator 臭氧")).reply.text == (
        "未找到指标“臭氧”。发送 /indicators 查看全部6项指标及其序号。"
    )
    usage = await bot.say(OFFICER, "/indicator")
    assert (usage.reply.text or "").startswith("用法：/indicator 序号或指标名称")
    for handled in (several, unknown, usage):
        assert all(m.method == "sendMessage" for m in handled.replies)


async def test_an_empty_ledger_and_english(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    assert ((await bot.say(OFFICER, "/indicators")).reply.text or "").startswith("指标台账尚无指标")
    assert (await bot.say(OFFICER, "/indicator 1")).reply.text == "未找到指标“1”。指标台账尚无指标。"
    officer = bot.services.roster.add_person(
        OFFICER_NAME, unit="市住建局", role=Role.OFFICER, actor=Actor.system("test")
    )
    indicator_ledger(bot.services, Actor.person(officer.id))
    await bot.say(OFFICER, "/lang en")
    text = "\n".join(m.text or "" for m in (await bot.say(OFFICER, "/indicators")).replies)
    assert "Indicator ledger as of 2026-11-20 (6 indicators)" in text
    assert "1. 细颗粒物(PM2.5)浓度: latest 26 微克/立方米 (2026-10)" in text
    detail = (await bot.say(OFFICER, "/indicator 4")).replies[0].text or ""
    assert "State: not reported (2026-10)" in detail
