"""Digests end to end: the supervisors' daily digest, the leadership's weekly summary, /digest, and the
office's work group (/group_here); time moves only on the manual clock."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from ledger.actor import Actor
from ledger.digest import Activity, DigestItem, build_digest, weekly_summary
from ledger.model import ItemSpec, ItemStatus, ParsedLedger, Role, Target
from ledger.status import count_statuses
from messages.split import TELEGRAM_LIMIT, utf16_length
from storage.models import Item, Person
from storage.review import GroupChat, SignOffRequest, SignOffStatus
from storage.scheduling import OutboxMessage
from tests.harness import ADMIN_ID, BotHarness
from tests.test_scheduler import OFFICER, SUPERVISOR, at, outbox, setup_ledger

LEADERSHIP = 700_104
GROUP = -100123
MONDAY = date(2026, 11, 23)
PEOPLE = ("张伟", "李局长", "王督导", "赵组长")


async def digest_ledger(bot: BotHarness) -> None:
    """Item 1 overdue since 2026-11-10, items 2 and 3 due at the year's end; a leadership member."""
    await setup_ledger(bot, date(2026, 11, 10), date(2026, 12, 31), date(2026, 12, 31))
    bot.services.roster.add_person(
        "赵组长", unit=None, role=Role.LEADERSHIP, actor=Actor.system("test"), telegram_user_id=LEADERSHIP
    )
    bot.api.add_user(LEADERSHIP, "赵组长")


def digests(bot: BotHarness, kind: str = "digest") -> list[OutboxMessage]:
    return [row for row in outbox(bot) if row.kind == kind]


async def tick_at(bot: BotHarness, moment: datetime) -> None:
    bot.clock.set(moment)
    bot.services.daily_run.tick()


def signoff(bot: BotHarness, number: str, status: SignOffStatus, decided: datetime | None) -> None:
    with bot.services.sessions() as session, session.begin():
        item = session.scalars(select(Item).where(Item.number == number)).one()
        officer = session.scalars(select(Person).where(Person.telegram_user_id == OFFICER)).one()
        session.add(
            SignOffRequest(
                item_id=item.id, requested_by=officer.id, statement="已完成", status=status,
                decided_at=decided, created_at=bot.clock.now(),
            )
        )  # fmt: skip
        if status == SignOffStatus.APPROVED:
            item.signed_off_at = decided


async def test_the_daily_digest_goes_out_at_half_past_eight_on_working_days_only(bot: BotHarness) -> None:
    await digest_ledger(bot)
    await tick_at(bot, at(MONDAY))
    (row,) = digests(bot)
    assert row.key == f"dig:{row.person_id}:{MONDAY.isoformat()}:p{row.person_id}"
    assert row.not_before == at(MONDAY, 8, 30)
    bot.clock.set(at(MONDAY, 8, 29))
    await bot.deliver()
    assert bot.api.sent(SUPERVISOR) == []
    bot.clock.set(at(MONDAY, 8, 30))
    await bot.deliver()
    text = bot.api.last_sent(SUPERVISOR).text or ""
    assert text.startswith("督办日报 2026-11-23")
    assert "【市住建局】" in text
    assert "逾期：第1项 事项1（逾期13天，95%）" in text
    assert "今日升级：第1项" in text  # the ladder moved on the overdue item this morning
    assert "未报送：第2项 事项2（95%）；第3项 事项3（95%）" in text
    assert set(bot.api.last_sent(SUPERVISOR).button_data()) == {"it:1", "it:2", "it:3"}
    assert not [m for m in bot.api.sent(OFFICER) if "督办日报" in (m.text or "")]

    # Not twice a day, whatever the tick does.
    bot.services.daily_run.tick()
    assert len(digests(bot)) == 1

    # Monday after the digest: a report with a photo, a sign-off approved, one under review.
    bot.clock.set(at(MONDAY, 10))
    await bot.send(OFFICER, "/report 2 60% 完成主体工程")
    signoff(bot, "3", SignOffStatus.UNDER_REVIEW, None)
    tuesday = MONDAY + timedelta(days=1)
    await tick_at(bot, at(tuesday))
    bot.clock.set(at(tuesday, 8, 30))
    await bot.deliver()
    text = bot.api.last_sent(SUPERVISOR).text or ""
    assert text.startswith("督办日报 2026-11-24")  # a message of its own, after the red notice
    assert "新报送进展：第2项 事项2（1次，60%）" in text
    assert "待审核销号：第3项 事项3" in text
    assert "第2项 事项2（95%）" not in text.split("未报送：")[-1]  # it reported this period

    # A sign-off approved on Tuesday is announced on Wednesday.
    bot.clock.set(at(tuesday, 15))
    signoff(bot, "3", SignOffStatus.APPROVED, bot.clock.now())
    await tick_at(bot, at(tuesday + timedelta(days=1)))
    bot.clock.set(at(tuesday + timedelta(days=1), 8, 30))
    await bot.deliver()
    assert "已销号：第3项 事项3" in (bot.api.last_sent(SUPERVISOR).text or "")

    # Saturday: no digest.
    saturday = date(2026, 11, 28)
    await tick_at(bot, at(saturday))
    assert not [row for row in digests(bot) if row.key.startswith(f"dig:{row.person_id}:{saturday}")]


async def test_nothing_to_report_means_no_digest(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    await bot.send(OFFICER, "/report 1 96% 按计划推进")  # Friday: reported this dispatch period
    await tick_at(bot, at(MONDAY))
    assert digests(bot) == []
    (answer,) = await bot.send(SUPERVISOR, "/digest")
    assert "自上次日报以来没有需要报告的事项" in (answer.text or "")


async def test_the_digest_buttons_open_the_item_card(bot: BotHarness) -> None:
    await digest_ledger(bot)
    await tick_at(bot, at(MONDAY))
    bot.clock.set(at(MONDAY, 8, 30))
    await bot.deliver()
    message = bot.api.last_sent(SUPERVISOR)
    (card,) = (await bot.press(SUPERVISOR, message, "it:1")).replies
    assert (card.text or "").startswith("第1项 事项1")


async def test_digest_on_demand_and_who_may_ask(bot: BotHarness) -> None:
    await digest_ledger(bot)
    bot.clock.set(at(MONDAY, 11))
    (answer,) = await bot.send(SUPERVISOR, "/digest")
    assert (answer.text or "").startswith("督办日报 2026-11-23")
    assert "it:1" in answer.button_data()
    (card,) = (await bot.press(SUPERVISOR, answer, "it:2")).replies
    assert (card.text or "").startswith("第2项 事项2")

    summary, chart = await bot.send(LEADERSHIP, "/digest", replies=2)
    assert (summary.text or "").startswith("领导小组周报 2026-11-23")
    # Every item once: 1 past its deadline at 95 % is 逾期未完成, never 达到序时进度; the others are on schedule.
    assert "整改事项共3项：达到序时进度2项，逾期未完成1项。" in (summary.text or "")
    assert "总体任务完成率67%（已销号、已完成、基本完成、达到序时进度的整改任务共2项，占3项）" in (
        summary.text or ""
    )
    assert "逾期未完成事项最多的责任单位：市住建局 1 项" in (summary.text or "")
    assert chart.method == "sendPhoto"

    (refused,) = await bot.send(OFFICER, "/digest")
    assert "督导" in (refused.text or "")
    (stranger,) = await bot.send(123_456, "/digest")
    assert stranger.text == bot.services.renderer.render("zh_CN", "chat/stranger")
    assert digests(bot) == []  # on demand: nothing written, nothing recorded


@pytest.mark.http  # a whole journey over HTTP, photos included
async def test_the_work_group_gets_notices_sign_offs_and_the_weekly_summary(bot: BotHarness) -> None:
    await digest_ledger(bot)
    bot.api.add_group(GROUP, "整改办工作群")
    await tick_at(bot, at(date(2026, 11, 20)))  # Friday's digests: the group hears of what follows
    bot.clock.set(at(date(2026, 11, 20), 10))

    (refused,) = await bot.send(SUPERVISOR, "/group_here", chat_id=GROUP)
    assert "管理员" in (refused.text or "")
    (registered,) = await bot.send(ADMIN_ID, "/group_here", chat_id=GROUP)
    assert (registered.text or "").startswith("已将本群（整改办工作群）登记为工作群")
    (usage,) = await bot.send(ADMIN_ID, "/group_here again", chat_id=GROUP)
    assert (usage.text or "").startswith("用法")
    (private,) = await bot.send(ADMIN_ID, "/group_here")
    assert "请在要登记的工作群中发送" in (private.text or "")

    await bot.send(SUPERVISOR, "/notice 1 多次督办无进展")
    signoff(bot, "2", SignOffStatus.APPROVED, bot.clock.now())
    await tick_at(bot, at(date(2026, 11, 21)))  # Saturday: nothing for the group yet
    assert digests(bot, "digest_group_red") == []
    await tick_at(bot, at(MONDAY))
    bot.clock.set(at(MONDAY, 8, 30))
    await bot.deliver()
    group_texts = [m.text or "" for m in bot.api.sent(GROUP)[3:]]
    posted = "\n".join(group_texts)
    assert "【通报】第1项 事项1，责任单位：市住建局" in posted
    assert "【销号公告】第2项 事项2（责任单位：市住建局）已通过验收" in posted
    assert "【整改工作周报】2026-11-23" in posted
    assert "整改事项共3项：已销号1项，达到序时进度1项，逾期未完成1项。" in posted
    assert "总体任务完成率67%（已销号、已完成、基本完成、达到序时进度的整改任务共2项，占3项）" in posted
    assert not any(name in posted for name in PEOPLE)
    assert [m.method for m in bot.api.sent(GROUP)[3:]].count("sendPhoto") == 1  # the chart

    leadership = bot.api.sent(LEADERSHIP)
    assert (leadership[0].text or "").startswith("领导小组周报 2026-11-23")
    assert leadership[1].method == "sendPhoto"

    # Once a week, and never twice to the group.
    await tick_at(bot, at(MONDAY + timedelta(days=1)))
    assert len(digests(bot, "digest_weekly")) == 1
    assert len(digests(bot, "digest_group_red")) == 1

    (off,) = await bot.send(ADMIN_ID, "/group_here off", chat_id=GROUP)
    assert "不再接收" in (off.text or "")
    with bot.services.sessions() as session:
        assert session.get(GroupChat, GROUP).active is False  # type: ignore[union-attr]
    (again,) = await bot.send(ADMIN_ID, "/group_here off", chat_id=GROUP)
    assert "尚未登记" in (again.text or "")


def test_the_digest_and_the_weekly_summary_are_pure_functions_of_rows() -> None:
    today = date(2026, 11, 23)
    items = [
        DigestItem(
            "1", "甲", ("市住建局",), ItemStatus.OVERDUE, 40, date(2026, 11, 1), today, days_overdue=22
        ),
        DigestItem("2", "乙", ("市水务局",), ItemStatus.SIGNED_OFF, 100, date(2026, 10, 1), None),
        DigestItem("3", "丙", (), ItemStatus.DONE, 100, None, None, kind="complaint"),
    ]
    digest = build_digest(items, Activity(escalations=[("1", 2), ("1", 3)]), today, date(2026, 11, 16))
    (unit,) = digest.units
    assert unit.unit == "市住建局"
    assert [(e.number, e.detail) for e in unit.overdue] == [("1", 22)]
    assert [(e.number, e.detail) for e in unit.escalations] == [("1", 3)]
    assert digest.numbers == ("1",)
    assert build_digest(items[1:], Activity(), today, date(2026, 11, 16)).empty
    summary = weekly_summary(items, today).summary
    assert (summary.findings.total, summary.complaints, summary.findings.completed, summary.findings.rate) == (
        2, 1, 1, 50,
    )  # fmt: skip
    assert weekly_summary(items, today).worst == (("市住建局", 1),)
    assert summary.counts.listed == (
        (ItemStatus.SIGNED_OFF, 1), (ItemStatus.DONE, 1), (ItemStatus.OVERDUE, 1),
    )  # fmt: skip
    assert count_statuses([]).rate is None
    jiayuguan = [ItemStatus.DONE] * 18 + [ItemStatus.BASICALLY_DONE] * 22 + [ItemStatus.ON_SCHEDULE] * 9
    assert count_statuses(jiayuguan + [ItemStatus.BEHIND] * 13).rate == 79  # "总体任务完成率达到79%"
    assert count_statuses([ItemStatus.SIGNED_OFF] + [ItemStatus.BEHIND] * 7).rate == 13  # 12.5 rounds half up


async def test_a_digest_too_long_for_the_chat_says_so_and_carries_the_whole_list_as_a_file(
    bot: BotHarness,
) -> None:
    """400 overdue items: their digest would take four messages and more. A short message says what it holds
    and that the list follows as a spreadsheet; the spreadsheet names every item."""
    await setup_ledger(bot, *[date(2026, 11, 10)] * 400)
    await tick_at(bot, at(MONDAY))
    (row,) = digests(bot, "digest_long")
    assert row.attachment_name == "督办日报-2026-11-23.xlsx"
    assert digests(bot) == []  # no long text besides it
    bot.clock.set(at(MONDAY, 8, 30))
    await bot.deliver()
    note, sheet = bot.api.sent(SUPERVISOR)[-2:]
    assert (note.text or "").startswith(
        "督办日报 2026-11-23\n今日需关注 1 个责任单位的 400 项事项：今日升级 400 项，逾期 400 项"
    )
    assert "完整清单见随后发送的表格《督办日报-2026-11-23.xlsx》" in (note.text or "")
    assert utf16_length(note.text or "") < TELEGRAM_LIMIT
    assert len(note.button_data()) == 40  # the first forty items open from the note
    assert sheet.filename == "督办日报-2026-11-23.xlsx"
    assert sheet.document is not None
    workbook = load_workbook(io.BytesIO(sheet.document)).active
    assert workbook is not None
    rows = list(workbook.iter_rows(values_only=True))
    assert rows[0] == ("责任单位", "类别", "编号", "标题", "说明", "完成进度（%）")
    overdue = {row[2] for row in rows[1:] if row[1] == "逾期"}
    assert overdue == {str(n) for n in range(1, 401)}  # every item, none left out
    assert ("市住建局", "逾期", "7", "事项7", 13, 95) in rows


async def test_each_supervisor_gets_the_digest_of_their_own_units_in_their_own_language(
    bot: BotHarness,
) -> None:
    """Supervisors of the same units share one digest (made once); no one gets another reader's items."""
    roster = bot.services.roster
    for unit in ("市住建局", "整改办", "督查室"):
        roster.add_unit(unit, actor=Actor.system("test"))
    supervising = {"1": ["整改办"], "2": ["整改办", "督查室"], "3": ["督查室"]}
    specs = [
        ItemSpec(
            number=number, title=f"事项{number}", problem="问题。", start=date(2026, 1, 1),
            targets=[Target("目标", date(2026, 12, 31))], responsible_units=["市住建局"], supervising_units=units,
        )
        for number, units in supervising.items()
    ]  # fmt: skip
    bot.services.ledger.import_ledger(ParsedLedger(items=specs), actor=Actor.system("test"), dry_run=False)
    readers = {
        701_001: ("甲", ["整改办"], "zh_CN"),
        701_002: ("乙", ["整改办"], "en"),
        701_003: ("丙", ["督查室"], "zh_CN"),
        701_004: ("丁", ["整改办", "督查室"], "zh_CN"),
    }
    roster.add_person(
        "张伟", unit="市住建局", role=Role.OFFICER, actor=Actor.system("test"), telegram_user_id=OFFICER
    )
    for user, (name, units, locale) in readers.items():
        person = roster.add_person(
            name, unit=units[0], role=Role.SUPERVISOR, actor=Actor.system("test"), telegram_user_id=user
        )
        for unit in units[1:]:
            roster.grant_role(str(person.id), Role.SUPERVISOR, unit, actor=Actor.system("test"))
        with bot.services.sessions() as session, session.begin():
            found = session.get(Person, person.id)
            assert found is not None
            found.locale = locale
    await tick_at(bot, at(MONDAY))
    rows = {row.person_id: row for row in digests(bot)}
    with bot.services.sessions() as session:
        people = {p.telegram_user_id: p.id for p in session.scalars(select(Person))}
    expected = {701_001: {"1", "2"}, 701_002: {"1", "2"}, 701_003: {"2", "3"}, 701_004: {"1", "2", "3"}}
    for user, numbers in expected.items():
        row = rows[people[user]]
        named = {button["data"].removeprefix("it:") for line in row.buttons or [] for button in line}
        assert named == numbers, user
        unnamed = {"1", "2", "3"} - numbers
        assert not [n for n in unnamed if f"第{n}项" in row.text or f"Item {n} " in row.text], user
        assert row.text.startswith("督办日报" if readers[user][2] == "zh_CN" else "Daily digest"), row.text[
            :40
        ]
    assert rows[people[701_001]].text != rows[people[701_002]].text  # the same items, in two languages
