"""Statuses as people see them, end to end: right the moment a report, an extension or a deadline changes
them (no tick needed), 逾期未完成 for every open item past its deadline whatever its percent, and one
dispatch period (the office's dispatch days or the item's own cadence, on the work calendar) for /stalled,
the digest and the month's notice. Each test is a transcript: what the user sends, what the bot answers,
and where it matters the row in the store."""

from __future__ import annotations

from datetime import date, timedelta

from ledger.actor import Actor
from ledger.model import ItemSpec, ItemStatus, ParsedLedger, Role, Target
from storage.review import DeadlineExtension
from tests.closing_helpers import press, rows
from tests.harness import ADMIN_ID, BotHarness
from tests.status_helpers import state_of, status_of
from tests.test_scheduler import at

UNIT, OFFICE = "市生态环境局", "市生态环境保护督察整改办公室"
OFFICER, SUPERVISOR, LEADERSHIP = 720_001, 720_002, 720_003


async def ledger(bot: BotHarness, *items: tuple[str, date, date | None]) -> None:
    """Items (number, start, deadline or None: continuing) of 市生态环境局 supervised by the office, an
    officer, a supervisor and a member of the leading group, bound."""
    specs = [
        ItemSpec(
            number, f"事项{number}", "问题。", start, continuing=deadline is None,
            targets=[Target("目标", deadline)] if deadline else [], responsible_units=[UNIT],
            supervising_units=[OFFICE],
        )
        for number, start, deadline in items
    ]  # fmt: skip
    bot.services.ledger.import_ledger(ParsedLedger(specs), actor=Actor.system("test"), dry_run=False)
    for user, name, role, unit in (
        (OFFICER, "王芳", Role.OFFICER, UNIT),
        (SUPERVISOR, "马督导", Role.SUPERVISOR, OFFICE),
        (LEADERSHIP, "黄组长", Role.LEADERSHIP, None),
    ):
        person = bot.services.roster.add_person(name, unit=unit, role=role, actor=Actor.system("test"))
        await bot.send(user, f"/start {person.invite_code}")


async def text(bot: BotHarness, user: int, message: str) -> str:
    (reply,) = await bot.send(user, message)
    return reply.text or ""


async def test_an_open_item_past_its_deadline_is_overdue_whatever_its_percent(bot: BotHarness) -> None:
    """Seen in the demo on main: 24.1, 31, 38 and 42 at 95 % read 达到序时进度 74 days after their deadline
    (the schedule capped the time elapsed at 100 %). No tick runs here: the status is read from the facts."""
    await ledger(
        bot, ("24.1", date(2020, 12, 16), date(2020, 12, 31)), ("31", date(2020, 12, 16), date(2020, 12, 31))
    )
    bot.clock.set(at(date(2020, 12, 30), 10))
    saved = await text(bot, OFFICER, "/report 24.1 95% 铬渣转移入库")
    assert "状态：进度滞后 → 达到序时进度" in saved  # 14 of its 15 days gone
    await text(bot, OFFICER, "/report 31 100% 能耗指标已完成")

    bot.clock.set(at(date(2021, 3, 15), 10))  # 74 days after the deadline
    card = await text(bot, OFFICER, "/item 24.1")
    assert "状态：逾期未完成，完成 95%\n截止日期：2020-12-31 逾期74天" in card
    mine = await text(bot, OFFICER, "/my")
    assert "24.1 事项24.1｜逾期未完成 95%｜2020-12-31 逾期74天" in mine
    assert "31 事项31｜基本完成 100%｜2020-12-31" in mine  # 100 %: basically done, not overdue
    overdue = await text(bot, SUPERVISOR, "/overdue")
    assert "24.1 事项24.1｜逾期未完成 95%" in overdue
    assert "31 事项31" not in overdue
    assert "达到序时进度" not in mine + overdue
    assert state_of(bot.services, "24.1") == (95, ItemStatus.OVERDUE)


async def test_a_report_answers_with_the_status_after_it(bot: BotHarness) -> None:
    """Seen on main: a 0 → 50 % report on a two-day-old item answered "进度滞后" (the status the morning's
    tick had stored). The answer now states the status the report leaves."""
    today = date(2026, 11, 20)
    await ledger(
        bot,
        ("1", today - timedelta(days=2), today + timedelta(days=60)),
        ("2", date(2026, 1, 1), date(2026, 12, 31)),
        ("3", date(2026, 1, 1), None),
    )
    assert "状态：未启动，完成 0%" in await text(bot, OFFICER, "/item 1")
    saved = await text(bot, OFFICER, "/report 1 50% 完成方案编制")
    assert "进度：0% → 50%\n状态：未启动 → 达到序时进度" in saved
    assert state_of(bot.services, "1") == (50, ItemStatus.ON_SCHEDULE)
    # 88 % of its time gone, 30 % done: behind, and said so; 0 % before it: already behind.
    assert "状态：进度滞后" in await text(bot, OFFICER, "/report 2 30% 管网开工")
    assert "状态：进度滞后 → 达到序时进度" in await text(bot, OFFICER, "/report 2 80% 主体完工")
    assert "状态：达到序时进度 → 基本完成" in await text(bot, OFFICER, "/report 2 100% 全部完工")
    # 长期坚持: no 序时进度.
    assert "状态：未启动 → 推进中" in await text(bot, OFFICER, "/report 3 10% 建立长效机制")


async def test_the_morning_a_deadline_passes_the_item_is_overdue_without_a_tick(bot: BotHarness) -> None:
    await ledger(bot, ("1", date(2026, 1, 1), date(2026, 11, 20)))
    await text(bot, OFFICER, "/report 1 95% 收尾")
    bot.clock.set(at(date(2026, 11, 20), 23, 59))
    assert "状态：达到序时进度，完成 95%\n截止日期：2026-11-20 今天到期" in await text(
        bot, OFFICER, "/item 1"
    )
    # Duban was down overnight, or the tick has not run yet: the first answer of the day is already right.
    bot.clock.set(at(date(2026, 11, 21), 0, 1))
    assert "状态：逾期未完成，完成 95%\n截止日期：2026-11-20 逾期1天" in await text(bot, OFFICER, "/item 1")
    assert "1 事项1｜逾期未完成 95%｜2026-11-20 逾期1天" in await text(bot, SUPERVISOR, "/overdue")


async def test_an_approved_extension_changes_the_status_at_once(bot: BotHarness) -> None:
    await ledger(bot, ("1", date(2026, 1, 1), date(2026, 11, 30)))
    await text(bot, OFFICER, "/report 1 80% 主体完工")
    assert status_of(bot.services, "1") == ItemStatus.BEHIND  # 97 % of its time gone
    await text(bot, OFFICER, "/extend 1 2027-06-30 汛期影响施工")
    await bot.deliver()
    asked = bot.api.last_sent(SUPERVISOR)
    (extension,) = rows(bot, DeadlineExtension)
    before = len(bot.api.sent(SUPERVISOR))
    await press(bot, SUPERVISOR, asked, f"ext_ok:{extension.id}")
    await bot.replies(SUPERVISOR, before)
    assert "状态：达到序时进度，完成 80%\n截止日期：2027-06-30" in await text(bot, OFFICER, "/item 1")


async def _stalled(bot: BotHarness) -> str:
    return await text(bot, SUPERVISOR, "/stalled")


async def test_the_dispatch_period_follows_the_holidays_and_the_offices_dispatch_days(
    bot: BotHarness,
) -> None:
    """Seen on main: /stalled, the digests and the month's notice counted from the 1st or the 16th, whatever
    the calendar and /rules said."""
    await ledger(bot, ("1", date(2026, 1, 1), date(2027, 6, 30)))
    bot.clock.set(at(date(2026, 9, 17), 10))
    await text(bot, OFFICER, "/report 1 60% 按计划推进")
    # 1 October is 国庆: its dispatch goes out on the 8th, so until then the period of 16 September runs on.
    bot.clock.set(at(date(2026, 10, 5), 10))
    assert await _stalled(bot) == "本调度期（2026-09-16 起）所有事项均已报送进展。"
    bot.clock.set(at(date(2026, 10, 8), 10))
    assert (await _stalled(bot)).startswith("本调度期（2026-10-08 起）未报送进展的事项：")

    # The office dispatches on the 5th and the 20th instead (/rules): a report of the 17th is then of the
    # period before.
    bot.clock.set(at(date(2026, 11, 17), 10))
    await text(bot, OFFICER, "/report 1 70% 按计划推进")
    bot.clock.set(at(date(2026, 11, 20), 10))
    assert await _stalled(bot) == "本调度期（2026-11-16 起）所有事项均已报送进展。"
    assert "dispatch_days" in await text(bot, ADMIN_ID, "/rules dispatch_days 5,20")
    stalled = await _stalled(bot)
    assert stalled.startswith("本调度期（2026-11-20 起）未报送进展的事项：")
    assert "1 事项1｜达到序时进度 70%｜2027-06-30 剩余222天｜最近报送 2026-11-17" in stalled
    digest = await text(bot, SUPERVISOR, "/digest")
    assert "本期（2026-11-20 起）未报送：第1项 事项1（70%）" in digest
    notice = bot.services.reporting.month()
    assert notice.period_start == date(2026, 11, 20)
    assert [item.number for group in notice.stalled for item in group.items] == ["1"]


async def test_an_items_own_cadence_is_its_dispatch_period(bot: BotHarness) -> None:
    await ledger(bot, ("1", date(2026, 1, 1), date(2027, 6, 30)), ("2", date(2026, 1, 1), date(2027, 6, 30)))
    bot.clock.set(at(date(2026, 11, 17), 10))
    await text(bot, OFFICER, "/report 1 60% 按计划推进")
    await text(bot, OFFICER, "/report 2 60% 按计划推进")
    bot.clock.set(at(date(2026, 11, 20), 10))
    assert "今后每月18日调度" in await text(bot, ADMIN_ID, "/cadence 2 18")
    stalled = await _stalled(bot)
    # The office's period began on the 16th; item 2's own on the 18th, after its report of the 17th.
    assert stalled.startswith("本调度期（2026-11-16 起）未报送进展的事项：")
    assert "2 事项2｜达到序时进度 60%" in stalled
    assert "1 事项1" not in stalled
    notice = bot.services.reporting.month()
    (group,) = notice.stalled
    (item,) = group.items
    assert (item.number, item.period_start) == ("2", date(2026, 11, 18))
    paragraphs = bot.services.renderer.render("zh_CN", "reports/month_body", report=notice)
    assert "第2项“事项2”（本事项调度期自2026年11月18日起，最近报告：2026年11月17日）" in paragraphs


async def test_counts_add_up_and_an_item_of_several_units_counts_once(bot: BotHarness) -> None:
    """Seen on main: the month's notice said 7 + 5 + 9 of 18, the public page 25 of 18."""
    specs = [
        ItemSpec("42", "清洁能源改造", "问题。", date(2020, 12, 16), targets=[Target("目标", date(2020, 12, 31))],
                 responsible_units=["市农业农村局", "市郊区工作办", UNIT], supervising_units=[OFFICE]),
        ItemSpec("16", "污水管网", "问题。", date(2020, 12, 16), targets=[Target("目标", date(2021, 12, 31))],
                 responsible_units=["市住建局"], supervising_units=[OFFICE]),
    ]  # fmt: skip
    bot.services.ledger.import_ledger(ParsedLedger(specs), actor=Actor.system("test"), dry_run=False)
    bot.clock.set(at(date(2021, 3, 15), 10))
    notice = bot.services.reporting.month()
    assert notice.summary.counts.total == 2
    assert notice.overdue_count == 1
    # Listed once, under its first unit, the other two named beside it.
    assert [(group.unit, len(group.items)) for group in notice.overdue] == [("市农业农村局", 1)]
    body = bot.services.renderer.render("zh_CN", "reports/month_body", report=notice).splitlines()
    assert body[2].startswith(
        "截至2021年3月15日，整改任务共2项，其中进度滞后1项，逾期未完成1项；总体任务完成率0%"
    )
    heading = body.index("## （一）逾期未完成整改的问题（1项）")
    assert body[heading + 1].startswith(
        f"市农业农村局（1项）：第42项“清洁能源改造”（共同责任单位：市郊区工作办、{UNIT}），整改时限2020年12月31日"
    )
    summary = bot.services.digests.weekly_now()
    assert summary.summary.counts.total == 2
    assert dict(summary.worst) == {"市农业农村局": 1, "市郊区工作办": 1, UNIT: 1}
