"""What officers, leaders and supervisors see about items: /my, /item, /unit, /overdue, /stalled."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from ledger.actor import Actor
from ledger.model import ItemSpec, Measure, ParsedLedger, Role, Target
from storage.models import EvidenceFile, Item, Person, ProgressReport
from tests.harness import ADMIN_ID, BotHarness, text_of

HOUSING, WATER, OFFICE, PARKS = "市住建局", "市水务局", "市督察办", "市园林局"
OFFICER, LEADER, WATER_OFFICER, SUPERVISOR, LEADERSHIP, PARKS_OFFICER = range(700_001, 700_007)
START = date(2026, 1, 1)


def _spec(number: str, title: str, unit: str, deadline: date | None, **extra: object) -> ItemSpec:
    return ItemSpec(
        number=number,
        title=title,
        problem=f"{title}。",
        start=START,
        continuing=deadline is None,
        targets=[Target(f"{title}整改到位", deadline)] if deadline else [],
        responsible_units=[unit],
        supervising_units=[OFFICE] if number in ("1", "2", "5") else [],
        **extra,  # type: ignore[arg-type]
    )


LEDGER = ParsedLedger(
    [
        _spec("1", "黑臭水体反弹", HOUSING, date(2026, 11, 10)),
        _spec(
            "2",
            "污水管网建设滞后",
            HOUSING,
            date(2026, 12, 31),
            category="第一类例行督察",
            deadline_text="2026年12月底前",
            measures=[Measure("编制建设方案", date(2026, 6, 30)), Measure("开工建设")],
            responsible_leader="李强",
            responsible_person="张伟",
        ),
        _spec("3", "绿色发展理念树得不牢", HOUSING, None),
        _spec("4", "建筑垃圾乱堆乱放", HOUSING, date(2026, 10, 21)),
        _spec("5", "饮用水源地保护不力", WATER, date(2026, 11, 19)),
        _spec("6", "工地扬尘治理不到位", HOUSING, date(2026, 11, 1)),
    ]
)


async def _setup(bot: BotHarness) -> None:
    """Units, people bound by their invite codes, the ledger, progress and evidence."""
    roster = bot.services.roster
    for unit_name in (HOUSING, WATER, OFFICE, PARKS):
        roster.add_unit(unit_name, actor=Actor.system("test"))
    people = [
        (OFFICER, "张伟", HOUSING, Role.OFFICER),
        (LEADER, "李强", HOUSING, Role.LEADER),
        (WATER_OFFICER, "王芳", WATER, Role.OFFICER),
        (SUPERVISOR, "赵敏", OFFICE, Role.SUPERVISOR),
        (LEADERSHIP, "陈刚", None, Role.LEADERSHIP),
        (PARKS_OFFICER, "刘洋", PARKS, Role.OFFICER),
    ]
    for user_id, name, unit, role in people:
        person = roster.add_person(name, unit=unit, role=role, actor=Actor.system("test"))
        await bot.send(user_id, f"/start {person.invite_code}")
    outcome = bot.services.ledger.import_ledger(LEDGER, actor=Actor.system("test"), dry_run=False)
    assert outcome.applied
    with bot.services.sessions() as session, session.begin():
        items = {item.number: item for item in session.scalars(select(Item))}
        zhang = session.scalars(select(Person).where(Person.name == "张伟")).one()
        items["6"].signed_off_at, items["6"].percent = datetime(2026, 11, 1, 2, tzinfo=UTC), 100
        items["2"].percent = 30
        items["1"].percent = 20
        reports = [
            ("2", datetime(2026, 10, 1, 2, tzinfo=UTC), 5, "成立工作专班"),
            ("2", datetime(2026, 10, 20, 2, tzinfo=UTC), 10, ""),
            ("2", datetime(2026, 11, 5, 2, tzinfo=UTC), None, "方案已报审"),
            ("2", datetime(2026, 11, 17, 2, tzinfo=UTC), 30, "完成管网建设方案"),
            ("1", datetime(2026, 11, 10, 2, tzinfo=UTC), 20, "清淤完成"),
        ]
        for number, at, percent, text in reports:
            session.add(
                ProgressReport(
                    item_id=items[number].id, person_id=zhang.id, percent=percent, text=text, created_at=at
                )
            )
        session.add(
            EvidenceFile(
                item_id=items["2"].id, path="ab/cd", sha256="ab" * 32, size=10, media_type="image/jpeg",
                created_at=datetime(2026, 11, 17, 2, tzinfo=UTC),
            )
        )  # fmt: skip


async def _text(bot: BotHarness, user_id: int, command: str) -> str:
    (reply,) = await bot.send(user_id, command)
    return text_of(reply)


async def test_my_lists_the_units_items_most_urgent_first(bot: BotHarness) -> None:
    await _setup(bot)
    assert await _text(bot, OFFICER, "/my") == "\n".join(
        [
            "我的整改事项（共 5 项，最紧急的在前）：",
            "4 建筑垃圾乱堆乱放｜逾期未完成 0%｜2026-10-21 逾期30天",
            "1 黑臭水体反弹｜逾期未完成 20%｜2026-11-10 逾期10天",
            "2 污水管网建设滞后｜进度滞后 30%｜2026-12-31 剩余41天",
            "3 绿色发展理念树得不牢｜未启动 0%｜长期坚持",
            "6 工地扬尘治理不到位｜已销号 100%｜2026-11-01",
            "发送 /item 编号 查看详情。",
        ]
    )
    assert await _text(bot, WATER_OFFICER, "/my") == "\n".join(
        [
            "我的整改事项（共 1 项，最紧急的在前）：",
            "5 饮用水源地保护不力｜逾期未完成 0%｜2026-11-19 逾期1天",
            "发送 /item 编号 查看详情。",
        ]
    )
    bot.clock.advance(timedelta(days=41))
    mine = await _text(bot, LEADER, "/my")
    assert "4 建筑垃圾乱堆乱放｜逾期未完成 0%｜2026-10-21 逾期71天" in mine
    assert "2 污水管网建设滞后｜进度滞后 30%｜2026-12-31 今天到期" in mine
    assert await _text(bot, PARKS_OFFICER, "/my") == "您所在单位目前没有整改事项。"


async def test_my_is_for_officers_and_leaders(bot: BotHarness) -> None:
    await _setup(bot)
    refusal = "该操作需要以下角色之一：责任人员、责任领导。如有疑问请联系管理员。"
    assert await _text(bot, SUPERVISOR, "/my") == refusal
    assert await _text(bot, LEADERSHIP, "/my") == refusal
    assert (await _text(bot, 123, "/my")).startswith("您好！督办机器人仅供已登记的整改工作人员使用")


async def test_item_in_full(bot: BotHarness) -> None:
    await _setup(bot)
    assert await _text(bot, OFFICER, "/item 2") == "\n".join(
        [
            "第2项 污水管网建设滞后",
            "类别：第一类例行督察",
            "状态：进度滞后（序时进度应达88%），完成 30%",
            "截止日期：2026-12-31 剩余41天（整改时限：2026年12月底前）",
            "问题描述：",
            "污水管网建设滞后。",
            "整改目标：",
            "1. 污水管网建设滞后整改到位（时限：2026-12-31）",
            "整改措施：",
            "1. 编制建设方案（时限：2026-06-30）",
            "2. 开工建设",
            "责任单位：市住建局",
            "督导单位：市督察办",
            "责任领导：李强",
            "责任人员：张伟",
            "最近进展：",
            "· 2026-11-17 10:00 张伟 30%：完成管网建设方案",
            "· 2026-11-05 10:00 张伟：方案已报审",
            "· 2026-10-20 10:00 张伟 10%",
            "佐证材料：1 份",
        ]
    )
    continuing = await _text(bot, SUPERVISOR, "/item 第1项")
    assert continuing.startswith(
        "第1项 黑臭水体反弹\n状态：逾期未完成，完成 20%\n截止日期：2026-11-10 逾期10天\n"
    )
    assert "最近进展：\n· 2026-11-10 10:00 张伟 20%：清淤完成\n佐证材料：0 份" in continuing
    assert "截止日期：长期坚持" in await _text(bot, LEADERSHIP, "/item 3")
    assert "最近进展：暂无进展报告" in await _text(bot, ADMIN_ID, "/item 5")


async def test_item_refusals_leak_nothing(bot: BotHarness) -> None:
    await _setup(bot)
    unknown = "未找到您可查看的第5项。发送 /my 查看您的事项。"
    assert await _text(bot, OFFICER, "/item 5") == unknown
    assert await _text(bot, OFFICER, "/item 第5项") == unknown
    assert await _text(bot, SUPERVISOR, "/item 3") == "未找到您可查看的第3项。发送 /my 查看您的事项。"
    assert await _text(bot, OFFICER, "/item 99") == "未找到您可查看的第99项。发送 /my 查看您的事项。"
    usage = "用法：/item 编号，如 /item 24 或 /item 24.1。发送 /my 查看您的事项。"
    assert await _text(bot, OFFICER, "/item") == usage
    assert await _text(bot, OFFICER, "/item abc") == "“abc”不是事项编号。编号如 24 或 24.1。"
    assert (await _text(bot, 123, "/item 1")).startswith("您好！")
    await bot.idle()
    assert len(bot.api.sent(OFFICER)) == 6  # the binding answer and one answer per command


async def test_unit_views_and_refusals(bot: BotHarness) -> None:
    await _setup(bot)
    assert await _text(bot, LEADER, "/unit") == "\n".join(
        [
            "【市住建局】共 5 项：已销号1项，进度滞后1项，逾期未完成2项，未启动1项",
            "4 建筑垃圾乱堆乱放｜逾期未完成 0%｜2026-10-21 逾期30天",
            "1 黑臭水体反弹｜逾期未完成 20%｜2026-11-10 逾期10天",
            "2 污水管网建设滞后｜进度滞后 30%｜2026-12-31 剩余41天",
            "3 绿色发展理念树得不牢｜未启动 0%｜长期坚持",
            "6 工地扬尘治理不到位｜已销号 100%｜2026-11-01",
        ]
    )
    assert await _text(bot, SUPERVISOR, "/unit") == "\n".join(
        [
            "【市督察办】共 3 项：进度滞后1项，逾期未完成2项",
            "1 黑臭水体反弹｜逾期未完成 20%｜2026-11-10 逾期10天",
            "5 饮用水源地保护不力｜逾期未完成 0%｜2026-11-19 逾期1天",
            "2 污水管网建设滞后｜进度滞后 30%｜2026-12-31 剩余41天",
        ]
    )
    # A supervisor sees of a unit only the items their office supervises.
    housing = await _text(bot, SUPERVISOR, f"/unit {HOUSING}")
    assert housing.startswith("【市住建局】共 2 项：进度滞后1项，逾期未完成1项\n")
    assert await _text(bot, ADMIN_ID, "/unit 水务") == (
        "【市水务局】共 1 项：逾期未完成1项\n5 饮用水源地保护不力｜逾期未完成 0%｜2026-11-19 逾期1天"
    )
    assert await _text(bot, LEADER, f"/unit {WATER}") == (
        "未找到您可查看的单位“市水务局”。可查看的单位：市住建局"
    )
    assert await _text(bot, SUPERVISOR, "/unit 不存在的局") == (
        "未找到您可查看的单位“不存在的局”。可查看的单位：市住建局、市水务局、市督察办"
    )
    assert await _text(bot, LEADERSHIP, "/unit") == (
        "请指定单位：/unit 单位名称。可查看的单位：市住建局、市园林局、市水务局、市督察办"
    )
    assert await _text(bot, LEADERSHIP, f"/unit {PARKS}") == "【市园林局】共 0 项"
    assert await _text(bot, OFFICER, "/unit") == (
        "该操作需要以下角色之一：责任领导、督导、领导小组、管理员。如有疑问请联系管理员。"
    )


async def test_overdue_by_responsible_unit(bot: BotHarness) -> None:
    await _setup(bot)
    assert await _text(bot, LEADERSHIP, "/overdue") == "\n".join(
        [
            "逾期整改事项（按责任单位，逾期最久的在前）：",
            "",
            "【市住建局】2 项",
            "4 建筑垃圾乱堆乱放｜逾期未完成 0%｜2026-10-21 逾期30天",
            "1 黑臭水体反弹｜逾期未完成 20%｜2026-11-10 逾期10天",
            "",
            "【市水务局】1 项",
            "5 饮用水源地保护不力｜逾期未完成 0%｜2026-11-19 逾期1天",
        ]
    )
    supervised = await _text(bot, SUPERVISOR, "/overdue")
    assert "4 建筑垃圾" not in supervised
    assert "【市住建局】1 项\n1 黑臭水体反弹" in supervised
    bot.clock.set(datetime(2026, 11, 9, 2, tzinfo=UTC))
    assert await _text(bot, LEADER, "/overdue") == "\n".join(
        [
            "逾期整改事项（按责任单位，逾期最久的在前）：",
            "",
            "【市住建局】1 项",
            "4 建筑垃圾乱堆乱放｜逾期未完成 0%｜2026-10-21 逾期19天",
        ]
    )
    bot.clock.set(datetime(2026, 10, 1, 2, tzinfo=UTC))
    assert await _text(bot, LEADER, "/overdue") == "没有逾期的整改事项。"
    assert (await _text(bot, WATER_OFFICER, "/overdue")).startswith("该操作需要以下角色之一：责任领导、督导")


async def test_stalled_within_the_dispatch_period(bot: BotHarness) -> None:
    await _setup(bot)
    assert await _text(bot, LEADERSHIP, "/stalled") == "\n".join(
        [
            "本调度期（2026-11-16 起）未报送进展的事项：",
            "",
            "【市住建局】3 项",
            "4 建筑垃圾乱堆乱放｜逾期未完成 0%｜2026-10-21 逾期30天｜从未报送",
            "1 黑臭水体反弹｜逾期未完成 20%｜2026-11-10 逾期10天｜最近报送 2026-11-10",
            "3 绿色发展理念树得不牢｜未启动 0%｜长期坚持｜从未报送",
            "",
            "【市水务局】1 项",
            "5 饮用水源地保护不力｜逾期未完成 0%｜2026-11-19 逾期1天｜从未报送",
        ]
    )
    # 23:30 on 30 November in Shanghai is still the period that began on the 16th; 1 December starts anew.
    bot.clock.set(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    assert "污水管网" not in await _text(bot, SUPERVISOR, "/stalled")
    bot.clock.set(datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    stalled = await _text(bot, SUPERVISOR, "/stalled")
    assert stalled.startswith("本调度期（2026-12-01 起）未报送进展的事项：\n")
    assert "2 污水管网建设滞后｜进度滞后 30%｜2026-12-31 剩余30天｜最近报送 2026-11-17" in stalled
    assert await _text(bot, PARKS_OFFICER, "/stalled") == (
        "该操作需要以下角色之一：责任领导、督导、领导小组、管理员。如有疑问请联系管理员。"
    )


async def test_english(bot: BotHarness) -> None:
    await _setup(bot)
    await bot.send(OFFICER, "/lang en")
    assert await _text(bot, OFFICER, "/my") == "\n".join(
        [
            "My items (5, most urgent first):",
            "4 建筑垃圾乱堆乱放 | overdue 0% | 2026-10-21, 30 days overdue",
            "1 黑臭水体反弹 | overdue 20% | 2026-11-10, 10 days overdue",
            "2 污水管网建设滞后 | behind schedule 30% | 2026-12-31, 41 days left",
            "3 绿色发展理念树得不牢 | not started 0% | continuing",
            "6 工地扬尘治理不到位 | signed off 100% | 2026-11-01",
            "Send /item NUMBER for one in full.",
        ]
    )
    detail = await _text(bot, OFFICER, "/item 2")
    assert detail.startswith(
        "Item 2: 污水管网建设滞后\nCategory: 第一类例行督察\nStatus: behind schedule (the schedule asks for 88%), 30% done\n"
    )
    assert "· 2026-11-17 10:00 张伟 30%: 完成管网建设方案" in detail
    assert detail.endswith("Evidence: 1 files")
    assert await _text(bot, OFFICER, "/item 5") == "No item 5 that you may see. Send /my for your items."
    assert await _text(bot, OFFICER, "/item") == (
        "Usage: /item NUMBER, e.g. /item 24 or /item 24.1. Send /my for your items."
    )
    await bot.send(SUPERVISOR, "/lang en")
    assert (await _text(bot, SUPERVISOR, "/overdue")).startswith(
        "Overdue items (by responsible unit, longest overdue first):\n\n市住建局: 1\n"
    )
    assert (await _text(bot, SUPERVISOR, "/stalled")).startswith(
        "Items with no progress report in this dispatch period (since 2026-11-16):"
    )
    assert await _text(bot, SUPERVISOR, f"/unit {PARKS}") == (
        'No unit "市园林局" that you may see. Units you may ask for: 市住建局, 市水务局, 市督察办'
    )


async def test_a_long_item_is_split_under_the_telegram_limit(bot: BotHarness) -> None:
    await _setup(bot)
    lines = [f"第{i:03d}段" + "问题描述" * 24 for i in range(100)]
    spec = _spec("7", "长篇问题", HOUSING, date(2026, 12, 31))
    spec.problem = "\n".join(lines)
    bot.services.ledger.import_ledger(ParsedLedger([spec]), actor=Actor.system("test"), dry_run=False)
    replies = await bot.send(OFFICER, "/item 7", replies=3)
    await bot.idle()
    assert len(bot.api.sent(OFFICER)) == 4
    assert all(len(text_of(reply)) <= 4096 for reply in replies)
    whole = "\n".join(text_of(reply) for reply in replies)
    assert whole.startswith("第7项 长篇问题\n")
    assert "\n".join(lines) in whole
    assert whole.endswith("佐证材料：0 份")
