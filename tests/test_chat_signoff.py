"""Sign-off (验收销号) end to end against the loopback Bot API: the officer's request with its statement and
evidence coverage, the leader's confirmation, the supervising units' review (approve, return with a reason,
inspect on site), the sign-off with its spot-checks, /pending, /item N; and every refusal, which changes
nothing in the store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ledger.actor import Actor
from ledger.model import ItemSpec, ItemStatus, Measure, ParsedLedger, Role, Target
from ledger.progress import stated_percent
from ledger.signoff import (
    EvidenceLink,
    EvidenceRule,
    Outcome,
    PartKind,
    add_months,
    coverage,
    outcome,
    parse_part,
    parse_rule,
    spot_check_days,
)
from loopback import AnsweredCallback, SentMessage
from storage.models import AuditEntry, EvidenceFile, Item, ProgressReport
from storage.review import ReviewDecision, SignOffRequest, SignOffReview, SignOffStatus, SpotCheck
from storage.scheduling import ItemLadder, OutboxMessage, OutboxStatus, SchedulerSetting
from tests.harness import ADMIN_ID, BotHarness
from tests.status_helpers import status_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICER = 710_001
LEADER = 710_002
REVIEWER = 710_003
REVIEWER_2 = 710_004
OTHER_LEADER = 710_005
OTHER_REVIEWER = 710_006
STRANGER = 710_099
PHOTO = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x04\x00\x00\x00\x03\x00" + b"site photo" * 100


# ---- pure rules -----------------------------------------------------------------------------------


def test_coverage_and_the_office_rule() -> None:
    one_target = [(1, "目标")]
    measures = [(10, "措施一"), (11, "措施二")]
    covered = coverage(one_target, measures, [EvidenceLink(measure_id=10), EvidenceLink()])
    assert [p.covered for p in covered.measures] == [True, False]
    assert [p.files for p in covered.targets] == [2]  # an item's only target: every file backs it
    assert covered.unlinked == 1
    assert [p.position for p in covered.missing(EvidenceRule.MEASURE)] == [2]
    assert not covered.satisfies(EvidenceRule.MEASURE)
    assert covered.satisfies(EvidenceRule.ITEM)
    assert coverage([], [], []).satisfies(EvidenceRule.NONE)
    assert not coverage([], [], []).satisfies(EvidenceRule.MEASURE)  # no measures: one file needed
    assert parse_rule("每条措施") == EvidenceRule.MEASURE
    assert parse_rule("all") is None


def test_with_several_targets_each_is_backed_by_the_files_linked_to_it() -> None:
    targets = [(1, "目标一"), (2, "目标二")]
    files = [EvidenceLink(target_id=2, measure_id=10), EvidenceLink(target_id=2), EvidenceLink()]
    covered = coverage(targets, [(10, "措施一")], files)
    assert [(p.position, p.files) for p in covered.targets] == [(1, 0), (2, 2)]
    assert [p.files for p in covered.measures] == [1]
    assert covered.unlinked == 1
    assert covered.satisfies(EvidenceRule.MEASURE)  # the office's rule is about measures


def test_the_part_a_file_is_linked_to() -> None:
    assert parse_part("2") == (PartKind.MEASURE, 2)
    assert parse_part("措施3") == (PartKind.MEASURE, 3)
    assert parse_part("M1") == (PartKind.MEASURE, 1)
    assert parse_part("目标1") == (PartKind.TARGET, 1)
    assert parse_part("t2") == (PartKind.TARGET, 2)
    assert parse_part("目标") is None
    assert parse_part("x2") is None
    assert parse_part("2.1") is None


def test_a_percent_stated_at_the_start_of_a_statement() -> None:
    assert stated_percent("100% 已全部完成") == (100, "已全部完成")
    assert stated_percent("１００％已全部完成") == (100, "已全部完成")
    assert stated_percent("90 % 基本完成") == (90, "基本完成")
    assert stated_percent("3 处堆场已清理") == (None, "3 处堆场已清理")  # a number, not a percent
    assert stated_percent("已完成 100%") == (None, "已完成 100%")


def test_reviews_add_up_and_spot_checks_fall_on_month_ends() -> None:
    assert outcome([1, 2], [1], []) == Outcome.OPEN
    assert outcome([1, 2], [1, 2], []) == Outcome.APPROVED
    assert outcome([1, 2], [1], [2]) == Outcome.RETURNED
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert spot_check_days(date(2026, 11, 20), [3, 6]) == [date(2027, 2, 20), date(2027, 5, 20)]


# ---- setting up -----------------------------------------------------------------------------------


async def setup(bot: BotHarness) -> None:
    """Item 1 (two measures) of 市住建局 supervised by 整改办; item 2 supervised by 整改办 and 市生态环境局."""
    roster = bot.services.roster
    for unit in ("市住建局", "整改办", "市生态环境局", "市水务局"):
        roster.add_unit(unit, actor=Actor.system("test"))
    specs = [
        ItemSpec(
            number="1", title="事项1", problem="问题1。", start=date(2026, 1, 1),
            targets=[Target("目标1", date(2026, 12, 31))], measures=[Measure("措施一"), Measure("措施二")],
            responsible_units=["市住建局"], supervising_units=["整改办"],
        ),
        ItemSpec(
            number="2", title="事项2", problem="问题2。", start=date(2026, 1, 1),
            targets=[Target("目标2", date(2026, 12, 31))], responsible_units=["市住建局"],
            supervising_units=["整改办", "市生态环境局"],
        ),
    ]  # fmt: skip
    bot.services.ledger.import_ledger(ParsedLedger(items=specs), actor=Actor.system("test"), dry_run=False)
    for user, name, role, unit in (
        (OFFICER, "张伟", Role.OFFICER, "市住建局"),
        (LEADER, "李局长", Role.LEADER, "市住建局"),
        (REVIEWER, "王督导", Role.SUPERVISOR, "整改办"),
        (REVIEWER_2, "赵督导", Role.SUPERVISOR, "市生态环境局"),
        (OTHER_LEADER, "钱局长", Role.LEADER, "市水务局"),
        (OTHER_REVIEWER, "孙督导", Role.SUPERVISOR, "市水务局"),
    ):
        roster.add_person(name, unit=unit, role=role, actor=Actor.system("test"), telegram_user_id=user)
        bot.api.add_user(user, name)
    bot.api.add_user(ADMIN_ID, "管理员")
    bot.api.add_user(STRANGER, "路人")
    for user in (OFFICER, LEADER, REVIEWER, REVIEWER_2, OTHER_LEADER, OTHER_REVIEWER, ADMIN_ID, STRANGER):
        await bot.send(user, "/whoami")  # every chat has a message of the bot to press old buttons on


async def text(bot: BotHarness, user: int, message: str) -> str:
    (reply,) = await bot.send(user, message)
    return reply.text or ""


async def add_evidence(bot: BotHarness, number: str, measures: list[int]) -> None:
    """The officer sends a photo captioned with the item and links it to each measure in turn."""
    for position in measures or [0]:
        assert (await bot.send_photo(OFFICER, PHOTO + f"{number}-{position}".encode(), number)).replies
        if position:
            assert "已对应整改措施" in await text(bot, OFFICER, f"/evidence {number} {position}")


async def add_document(bot: BotHarness, number: str, position: int) -> None:
    assert (await bot.send_document(OFFICER, b"%PDF-1.4 report", "检测报告.pdf", caption=number)).replies
    await text(bot, OFFICER, f"/evidence {number} {position}")


def button_message(bot: BotHarness, user: int, data: str) -> SentMessage:
    return next(m for m in reversed(bot.api.sent(user)) if data in m.button_data())


async def tap(bot: BotHarness, user: int, data: str, *, message_id: int | None = None) -> AnsweredCallback:
    """The user presses `data` under the bot's message (any message of the chat when `message_id` is given
    without the button: an old or forged button)."""
    if message_id is None:
        return (await bot.press(user, button_message(bot, user, data), data)).answered
    return (await bot.press(user, message_id, data, check_button=False)).answered


async def tap_for_reply(bot: BotHarness, user: int, data: str) -> str:
    handled = await bot.press(user, button_message(bot, user, data), data)
    assert handled.answered
    return handled.reply.text or ""


async def approve(bot: BotHarness, user: int, request_id: int) -> str:
    """The reviewer taps 同意销号, is asked for an opinion, and taps 直接同意 (none): the decision's reply."""
    assert "验收意见" in await tap_for_reply(bot, user, f"so:a:{request_id}")
    return await tap_for_reply(bot, user, f"so:p:{request_id}")


async def refused(bot: BotHarness, user: int, data: str) -> str:
    """A press that must be refused with an alert; the alert's text."""
    answered = await tap(bot, user, data, message_id=bot.api.sent(user)[0].message_id)
    assert answered.show_alert
    return answered.text or ""


def requests(bot: BotHarness) -> list[SignOffRequest]:
    with bot.services.sessions() as session:
        return list(session.scalars(select(SignOffRequest).order_by(SignOffRequest.id)))


def reviews(bot: BotHarness) -> list[SignOffReview]:
    with bot.services.sessions() as session:
        return list(session.scalars(select(SignOffReview).order_by(SignOffReview.id)))


def item(bot: BotHarness, number: str) -> Item:
    with bot.services.sessions() as session:
        return session.scalars(select(Item).where(Item.number == number)).one()


def state(bot: BotHarness) -> tuple[Any, ...]:
    """Everything sign-off may change, to show that a refusal changed none of it."""
    with bot.services.sessions() as session:
        return (
            [(r.status, r.leader_id, r.return_reason) for r in session.scalars(select(SignOffRequest))],
            [(r.unit_id, r.decision) for r in session.scalars(select(SignOffReview))],
            [
                (i.number, i.percent, bot.services.standings.one(session, i).status, i.signed_off_at)
                for i in session.scalars(select(Item).order_by(Item.id))
            ],
            list(session.scalars(select(ProgressReport.id))),
            list(session.scalars(select(SpotCheck.due_on))),
            list(session.scalars(select(EvidenceFile.measure_id).order_by(EvidenceFile.id))),
            session.get(SchedulerSetting, "signoff_evidence") is not None,
        )


async def file_request(bot: BotHarness, number: str = "1") -> SignOffRequest:
    """The officer confirms 100 % and asks for sign-off in one step."""
    reply = await text(bot, OFFICER, f"/signoff {number} 100% 已完成整改，经第三方检测达标")
    assert reply.startswith(f"已提交销号申请：第{number}项")
    return requests(bot)[-1]


async def confirm(bot: BotHarness, request: SignOffRequest) -> str:
    await bot.deliver()
    return await tap_for_reply(bot, LEADER, f"so:c:{request.id}")


# ---- the flows ------------------------------------------------------------------------------------


@pytest.mark.http  # a whole journey over HTTP
async def test_officer_asks_leader_confirms_reviewer_approves_and_the_item_is_signed_off(
    bot: BotHarness,
) -> None:
    await setup(bot)
    await add_evidence(bot, "1", [1])
    await add_document(bot, "1", 2)
    with bot.services.sessions() as session, session.begin():
        session.add(ItemLadder(item_id=item(bot, "1").id, level=2, since=date(2026, 11, 1), yellow_count=1))
    assert "状态：进度滞后 → 基本完成" in await text(bot, OFFICER, "/report 1 100% 整改完成")

    asked = await text(bot, OFFICER, "/signoff 1")
    assert "请发送完成情况说明" in asked
    assert "✔ 1. 措施一（1 份）" in asked
    assert "✔ 2. 措施二（1 份）" in asked
    assert requests(bot) == []
    filed = await text(bot, OFFICER, "已完成整改，经第三方检测达标")
    assert "已请责任领导确认：李局长" in filed
    (request,) = requests(bot)
    assert (request.status, request.statement) == (
        SignOffStatus.AWAITING_LEADER,
        "已完成整改，经第三方检测达标",
    )
    assert status_of(bot.services, "1") == ItemStatus.DONE

    await bot.deliver()
    to_leader = button_message(bot, LEADER, f"so:c:{request.id}")
    assert (to_leader.text or "").startswith("【销号申请待确认】第1项 事项1")
    assert "完成情况：已完成整改" in (to_leader.text or "")
    assert "待责任领导确认" in await text(bot, LEADER, "/pending")

    confirmed = await tap_for_reply(bot, LEADER, f"so:c:{request.id}")
    assert "已报督导单位审核（1 位审核人员，佐证材料 2 份）" in confirmed
    (request,) = requests(bot)
    assert request.status == SignOffStatus.UNDER_REVIEW
    assert request.leader_confirmed_at == bot.clock.now()
    files = [m for m in bot.api.sent(REVIEWER) if m.method in ("sendPhoto", "sendDocument", "sendMediaGroup")]
    assert [m.method for m in files] == ["sendPhoto", "sendDocument"]
    assert files[1].filename == "检测报告.pdf"
    assert files[0].text == "第1项 销号佐证材料"

    await bot.deliver()
    review = button_message(bot, REVIEWER, f"so:a:{request.id}")
    assert (review.text or "").startswith("【销号申请待审核】第1项 事项1")
    assert review.button_data() == [f"so:{a}:{request.id}" for a in "arif"]
    assert to_leader.button_data() == [f"so:{a}:{request.id}" for a in "crf"]  # confirm, return, evidence
    assert "第1项 事项1" in await text(bot, REVIEWER, "/pending")

    asked = await tap_for_reply(bot, REVIEWER, f"so:a:{request.id}")
    assert asked.startswith("请发送对第1项销号申请的验收意见")
    assert requests(bot)[0].status == SignOffStatus.UNDER_REVIEW  # asking decides nothing
    decided = await text(bot, REVIEWER, "经现场核查，整改到位")
    assert "已同意销号" in decided
    assert [r.opinion for r in reviews(bot)] == ["经现场核查，整改到位"]
    assert "2027-02-20、2027-05-20" in decided
    (request,) = requests(bot)
    assert (request.status, request.decided_at) == (SignOffStatus.APPROVED, bot.clock.now())
    signed = item(bot, "1")
    assert signed.signed_off_at == bot.clock.now()
    assert status_of(bot.services, "1") == ItemStatus.SIGNED_OFF
    with bot.services.sessions() as session:
        checks = session.scalars(select(SpotCheck).order_by(SpotCheck.due_on)).all()
        assert [(c.due_on, c.status.value) for c in checks] == [
            (date(2027, 2, 20), "due"),
            (date(2027, 5, 20), "due"),
        ]
        ladder = session.get(ItemLadder, signed.id)
        assert ladder is not None
        assert ladder.level == 0
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {
        "request_signoff",
        "confirm_signoff",
        "review_signoff",
        "decide_signoff",
    } <= actions
    assert {"schedule_spot_check", "link_evidence"} <= actions

    await bot.deliver()
    for user in (OFFICER, LEADER):
        assert (bot.api.last_sent(user).text or "").startswith("【已销号】第1项 事项1")
    assert "暂无待处理的销号申请" in await text(bot, REVIEWER, "/pending")
    assert "销号申请：已同意销号（张伟" in await text(bot, OFFICER, "/item 1")


async def test_a_returned_request_leaves_the_item_basically_done_with_the_reason(bot: BotHarness) -> None:
    await setup(bot)
    await add_evidence(bot, "1", [1, 2])
    request = await file_request(bot)
    await confirm(bot, request)
    album = [m for m in bot.api.sent(REVIEWER) if m.method == "sendMediaGroup"]
    assert len(album) == 2
    assert album[0].media_group_id == album[1].media_group_id
    await bot.deliver()
    await tap(bot, REVIEWER, f"so:f:{request.id}")  # the evidence again, on request
    assert len([m for m in bot.api.sent(REVIEWER) if m.method == "sendMediaGroup"]) == 4
    assert "请发送退回" in await tap_for_reply(bot, REVIEWER, f"so:r:{request.id}")
    assert reviews(bot) == []
    assert "已退回" in await text(bot, REVIEWER, "缺少第三方检测报告")
    (request,) = requests(bot)
    assert (request.status, request.return_reason) == (SignOffStatus.RETURNED, "缺少第三方检测报告")
    assert [(r.decision, r.reason) for r in reviews(bot)] == [(ReviewDecision.RETURN, "缺少第三方检测报告")]
    # Still at 100 %: 基本完成 again (it used to go back to 推进中).
    assert status_of(bot.services, "1") == ItemStatus.BASICALLY_DONE

    await bot.deliver()
    for user in (OFFICER, LEADER):
        assert "退回理由：缺少第三方检测报告" in (bot.api.last_sent(user).text or "")
    card = await text(bot, OFFICER, "/item 1")
    assert "销号申请：已退回" in card
    assert "退回理由：缺少第三方检测报告" in card
    await file_request(bot)  # a returned request is closed: the officer may ask again
    assert [r.status for r in requests(bot)] == [SignOffStatus.RETURNED, SignOffStatus.AWAITING_LEADER]


async def test_inspect_on_site_sets_a_date_and_reminds_the_reviewer_that_day(bot: BotHarness) -> None:
    await setup(bot)
    await add_evidence(bot, "1", [1, 2])
    request = await file_request(bot)
    await confirm(bot, request)
    await bot.deliver()
    assert "现场核查日期" in await tap_for_reply(bot, REVIEWER, f"so:i:{request.id}")
    assert "不是日期" in await text(bot, REVIEWER, "明天")
    assert reviews(bot) == []
    await tap_for_reply(bot, REVIEWER, f"so:i:{request.id}")
    assert "已过" in await text(bot, REVIEWER, "2026-11-01")
    assert reviews(bot) == []
    await tap_for_reply(bot, REVIEWER, f"so:i:{request.id}")
    # The date as officials write it: without its year (the next 25 November), in full-width digits.
    assert "2026-11-25" in await text(bot, REVIEWER, "１１月２５日")
    assert [(r.decision, r.inspect_on) for r in reviews(bot)] == [
        (ReviewDecision.INSPECT, date(2026, 11, 25))
    ]
    assert requests(bot)[0].status == SignOffStatus.UNDER_REVIEW
    assert "现场核查：2026-11-25" in await text(bot, REVIEWER, "/item 1")

    for day in (date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)):
        bot.clock.set(datetime(day.year, day.month, day.day, 9, 0, tzinfo=SHANGHAI).astimezone(UTC))
        bot.services.daily_run.tick()
        await bot.deliver()
    reminders = [m for m in bot.api.sent(REVIEWER) if (m.text or "").startswith("【现场核查提醒】第1项")]
    assert len(reminders) == 1
    assert reminders[0].button_data() == [f"so:{a}:{request.id}" for a in "arf"]
    assert "已同意销号" in await approve(bot, REVIEWER, request.id)
    assert status_of(bot.services, "1") == ItemStatus.SIGNED_OFF


async def test_several_supervising_units_must_each_approve(bot: BotHarness) -> None:
    await setup(bot)
    await add_evidence(bot, "2", [])
    request = await file_request(bot, "2")
    await confirm(bot, request)
    await bot.deliver()
    assert button_message(bot, REVIEWER_2, f"so:a:{request.id}")
    assert "仍待以下督导单位审核：市生态环境局" in await approve(bot, REVIEWER, request.id)
    assert status_of(bot.services, "2") == ItemStatus.DONE
    assert requests(bot)[0].status == SignOffStatus.UNDER_REVIEW
    assert "暂无待处理" in await text(bot, REVIEWER, "/pending")
    assert "第2项 事项2" in await text(bot, REVIEWER_2, "/pending")
    assert "已审核" in await refused(bot, REVIEWER, f"so:a:{request.id}")
    assert "已同意销号" in await approve(bot, REVIEWER_2, request.id)
    assert status_of(bot.services, "2") == ItemStatus.SIGNED_OFF
    assert sorted(r.unit_id for r in reviews(bot)) == sorted({r.unit_id for r in reviews(bot)})


async def test_evidence_linked_to_a_target_shows_which_targets_are_backed(bot: BotHarness) -> None:
    await setup(bot)
    spec = ItemSpec(
        number="3", title="事项3", problem="问题3。", start=date(2026, 1, 1),
        targets=[Target("目标一", date(2026, 12, 31)), Target("目标二", date(2027, 3, 31))],
        measures=[Measure("措施一")], responsible_units=["市住建局"], supervising_units=["整改办"],
    )  # fmt: skip
    bot.services.ledger.import_ledger(ParsedLedger(items=[spec]), actor=Actor.system("test"), dry_run=False)
    assert (await bot.send_photo(OFFICER, PHOTO + b"target two", "3")).replies
    linked = await text(bot, OFFICER, "/evidence 3 目标2")
    assert linked == "第3项：最近一次报送的 1 份佐证材料已对应整改目标 2（目标二）。"
    assert await text(bot, OFFICER, "/evidence 3 目标3") == "第3项只有 2 个整改目标。"
    assert (await text(bot, OFFICER, "/evidence 3 其他")).startswith("用法：/evidence 编号 措施序号 或")
    with bot.services.sessions() as session:
        (row,) = session.scalars(select(EvidenceFile))
        targets = [t.id for t in session.scalars(select(Item).where(Item.number == "3")).one().targets]
        assert (row.target_id, row.measure_id) == (targets[1], None)
    await text(bot, OFFICER, "/report 3 100% 两个目标均已完成")
    preview = await text(bot, OFFICER, "/signoff 3")
    assert (
        "佐证材料共 1 份。\n整改目标：\n✘ 1. 目标一\n✔ 2. 目标二\n整改措施：\n✘ 1. 措施一（缺少佐证材料）"
        in preview
    )
    with bot.services.sessions() as session:
        links = session.scalars(select(AuditEntry).where(AuditEntry.action == "link_evidence")).all()
        assert [(entry.before, entry.after) for entry in links] == [
            ({"target_id": None}, {"target_id": targets[1]})
        ]


async def test_the_officer_withdraws_a_request_and_whoever_was_asked_is_told(bot: BotHarness) -> None:
    await setup(bot)
    await add_evidence(bot, "1", [1, 2])
    request = await file_request(bot)
    await bot.deliver()
    confirm_button = button_message(bot, LEADER, f"so:c:{request.id}")

    withdrawn = await text(bot, OFFICER, "/withdraw 1 检测报告需补充")
    # At 100 % with the request withdrawn: 基本完成, not 推进中.
    assert withdrawn == "已撤回第1项 事项1 的销号申请，事项状态为“基本完成”。已通知：李局长。"
    (request,) = requests(bot)
    assert (request.status, request.return_reason) == (SignOffStatus.WITHDRAWN, "检测报告需补充")
    assert status_of(bot.services, "1") == ItemStatus.BASICALLY_DONE
    await bot.deliver()
    told = bot.api.last_sent(LEADER).text or ""
    assert (
        told
        == "【销号申请已撤回】第1项 事项1\n张伟撤回了销号申请，原因：检测报告需补充。该申请无需再确认或审核。"
    )

    # The leader's button from before is no longer acted on.
    before = state(bot)
    answered = await tap(bot, LEADER, f"so:c:{request.id}", message_id=confirm_button.message_id)
    assert answered.text == "第1项的销号申请已不在待确认状态。"
    assert state(bot) == before
    story = await text(bot, LEADER, "/history 1")
    assert "张伟：撤回销号申请：检测报告需补充" in story
    assert "已撤回" in await text(bot, OFFICER, "/item 1")

    # Asked again, then withdrawn while under review: the reviewers are told.
    request = await file_request(bot)
    await confirm(bot, request)
    await bot.deliver()
    withdrawn = await text(bot, OFFICER, "/withdraw 1")
    assert withdrawn.endswith("已通知：王督导。")
    await bot.deliver()
    assert (
        bot.api.last_sent(REVIEWER).text
        == "【销号申请已撤回】第1项 事项1\n张伟撤回了销号申请。该申请无需再确认或审核。"
    )

    # Withdrawn before the question left the outbox: it is taken back, and nobody is told.
    leader_had = len(bot.api.sent(LEADER))
    request = await file_request(bot)
    withdrawn = await text(bot, OFFICER, "/withdraw 1")
    assert withdrawn == "已撤回第1项 事项1 的销号申请，事项状态为“基本完成”。"
    await bot.deliver()
    assert len(bot.api.sent(LEADER)) == leader_had
    with bot.services.sessions() as session:
        (question,) = session.scalars(
            select(OutboxMessage).where(OutboxMessage.key.startswith(f"so:{request.id}:"))
        )
        assert question.status == OutboxStatus.CALLED_OFF
        actions = list(
            session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "signoff_request"))
        )
    assert [r.status for r in requests(bot)] == [SignOffStatus.WITHDRAWN] * 3
    assert actions.count("withdraw_signoff") == 3


async def test_sign_off_is_asked_only_for_a_complete_item(bot: BotHarness) -> None:
    """Seen on main: `/signoff` at 30 % was accepted and the item read 已完成. Now only at 100 %, or with
    100 % confirmed in the same step; a refusal says why and changes nothing."""
    await setup(bot)
    await add_evidence(bot, "1", [1, 2])
    await text(bot, OFFICER, "/report 1 30% 完成一半")
    before = state(bot)
    refusal = (
        "第1项目前完成进度为30%，只有完成100%的事项才能申请销号，未提交申请。"
        "如已全部完成，请发送 /signoff 1 100% 完成情况说明（将同时报送100%进展）。"
    )
    assert await text(bot, OFFICER, "/signoff 1 已完成整改") == refusal
    assert await text(bot, OFFICER, "/signoff 1") == refusal  # no question asked …
    assert "完成情况说明" not in await text(bot, OFFICER, "继续推进")  # … so the next text is no statement
    assert await text(bot, OFFICER, "/signoff 1 90% 基本完成") == (
        "只有完成100%的事项才能申请销号，您写的是90%，未提交申请。请用 /report 1 90% 说明 报送进展，全部完成后再申请销号。"
    )
    await bot.send(OFFICER, "/lang en")
    assert (await text(bot, OFFICER, "/signoff 1 done")).startswith(
        "Item 1 is at 30%: only an item 100% done can be signed off; nothing was filed."
    )
    await bot.send(OFFICER, "/lang zh")
    assert state(bot) == before
    assert requests(bot) == []
    assert status_of(bot.services, "1") == ItemStatus.BEHIND

    # 100 % confirmed in the same step: the 100 % report and the request, together.
    filed = await text(bot, OFFICER, "/signoff 1 100% 已全部完成，经第三方检测达标")
    assert filed.startswith("已提交销号申请：第1项 事项1，事项状态改为“已完成”。")
    (request,) = requests(bot)
    assert request.statement == "已全部完成，经第三方检测达标"
    with bot.services.sessions() as session:
        last = session.scalars(select(ProgressReport).order_by(ProgressReport.id.desc())).first()
        assert last is not None
        assert (last.percent, last.text) == (100, "已全部完成，经第三方检测达标")
    assert status_of(bot.services, "1") == ItemStatus.DONE
    assert "状态：已完成，完成 100%" in await text(bot, OFFICER, "/item 1")

    # While the request is open the percent stays at 100: withdraw first.
    before = state(bot)
    assert await text(bot, OFFICER, "/report 1 80% 复查发现3号池未完成") == (
        "第1项的销号申请尚未办结（事项为“已完成”，100%），进度不能改为80%，未记录本次报送。"
        "如需修改，请先用 /withdraw 1 撤回销号申请。"
    )
    assert state(bot) == before


async def test_the_leader_returns_a_request_with_a_reason_and_sees_its_evidence(bot: BotHarness) -> None:
    await setup(bot)
    await add_evidence(bot, "1", [1, 2])
    request = await file_request(bot)
    await bot.deliver()
    to_leader = button_message(bot, LEADER, f"so:c:{request.id}")
    labels = [button["text"] for button in to_leader.buttons()]
    assert labels == ["确认并上报", "退回", "查看佐证材料"]

    await tap(bot, LEADER, f"so:f:{request.id}")
    album = [m for m in bot.api.sent(LEADER) if m.method == "sendMediaGroup"]
    assert len(album) == 2  # both photos, as one album
    assert album[0].text == "第1项 销号佐证材料"

    before = state(bot)
    assert "只有第1项责任单位的责任领导" in await refused(bot, OTHER_LEADER, f"so:r:{request.id}")
    assert "只有第1项责任单位的责任领导" in await refused(bot, OFFICER, f"so:r:{request.id}")
    assert "不在审核中" in await refused(bot, REVIEWER, f"so:i:{request.id}")
    assert state(bot) == before
    assert (
        await tap_for_reply(bot, LEADER, f"so:r:{request.id}")
        == "请发送退回第1项销号申请的理由；/cancel 取消。"
    )
    assert await text(bot, LEADER, "照片不清晰，请补充检测报告") == (
        "第1项 事项1 的销号申请已退回，事项状态为“基本完成”，已告知责任人员。"
    )
    (request,) = requests(bot)
    assert (request.status, request.return_reason, request.leader_id) == (
        SignOffStatus.RETURNED, "照片不清晰，请补充检测报告", None,
    )  # fmt: skip
    assert reviews(bot) == []
    assert status_of(bot.services, "1") == ItemStatus.BASICALLY_DONE

    await bot.deliver()
    assert bot.api.last_sent(OFFICER).text == (
        "【销号申请退回】第1项 事项1\n李局长（责任领导）退回了销号申请。\n退回理由：照片不清晰，请补充检测报告\n"
        "事项状态：基本完成。请按要求补充完善后重新申请。"
    )
    assert not any(f"so:a:{request.id}" in m.button_data() for m in bot.api.sent(REVIEWER))
    assert (
        await refused(bot, LEADER, f"so:c:{request.id}") == "第1项的销号申请已不在待确认状态。"
    )  # an old button
    await file_request(bot)  # the officer may ask again


async def test_withdrawal_refusals_change_nothing(bot: BotHarness) -> None:
    await setup(bot)
    colleague = 710_010
    bot.services.roster.add_person(
        "周敏", unit="市住建局", role=Role.OFFICER, actor=Actor.system("test"), telegram_user_id=colleague
    )
    bot.api.add_user(colleague, "周敏")
    await add_evidence(bot, "1", [1, 2])
    before = state(bot)
    assert await text(bot, OFFICER, "/withdraw 1") == "第1项没有待确认或审核中的销号申请。"
    assert (await text(bot, OFFICER, "/withdraw")).startswith("用法：/withdraw 编号 [原因]")
    assert state(bot) == before
    await file_request(bot)
    before = state(bot)
    assert await text(bot, colleague, "/withdraw 1") == "第1项的销号申请只能由提交人本人撤回。"
    assert (await text(bot, LEADER, "/withdraw 1")).startswith("该操作需要以下角色之一")
    assert (await text(bot, STRANGER, "/withdraw 1")).startswith("您好！督办机器人仅供")
    assert state(bot) == before


async def test_the_spot_check_months_are_a_rule_the_admin_sets(bot: BotHarness) -> None:
    await setup(bot)
    changed = await text(bot, ADMIN_ID, "/rules spot_check_months 12,1")
    assert "回头看：销号后第几个月" in changed
    await add_evidence(bot, "1", [1, 2])
    request = await file_request(bot)
    await confirm(bot, request)
    await bot.deliver()
    assert "2026-12-20、2027-11-20" in await approve(bot, REVIEWER, request.id)
    with bot.services.sessions() as session:
        assert list(session.scalars(select(SpotCheck.due_on).order_by(SpotCheck.due_on))) == [
            date(2026, 12, 20),
            date(2027, 11, 20),
        ]


async def test_the_admin_sets_the_evidence_rule(bot: BotHarness) -> None:
    await setup(bot)
    assert "每条整改措施至少一份佐证材料" in await text(bot, ADMIN_ID, "/signoff_rule")
    assert "无法识别" in await text(bot, ADMIN_ID, "/signoff_rule all")
    assert "销号佐证要求" in await text(bot, ADMIN_ID, "/signoff_rule item")
    with bot.services.sessions() as session:
        assert session.get(SchedulerSetting, "signoff_evidence").value == "item"  # type: ignore[union-attr]
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "set_signoff_rule")).one()
        assert (entry.before, entry.after) == ({"rule": "measure"}, {"rule": "item"})
    assert "需要以下角色之一：管理员" in await text(bot, OFFICER, "/signoff_rule none")
    await add_evidence(bot, "1", [])  # one file, linked to no measure: enough under "item"
    await file_request(bot)
    await text(bot, ADMIN_ID, "/signoff_rule none")
    await file_request(bot, "2")  # no evidence at all: enough under "none"


# ---- refusals: each changes nothing ----------------------------------------------------------------


async def test_sign_off_without_the_required_evidence_is_refused(bot: BotHarness) -> None:
    await setup(bot)
    await add_evidence(bot, "1", [1])
    before = state(bot)
    # Confirming 100 % does not get past the evidence rule, and the refused step stores no 100 % report.
    reply = await text(bot, OFFICER, "/signoff 1 100% 已完成")
    assert "佐证材料不足" in reply
    assert "✘ 2. 措施二（缺少佐证材料）" in reply
    assert state(bot) == before
    await text(bot, OFFICER, "/report 1 100% 已完成")
    before = state(bot)
    for command in ("/signoff 1", "/signoff 1 已完成"):
        reply = await text(bot, OFFICER, command)
        assert "佐证材料不足" in reply
        assert "✘ 2. 措施二（缺少佐证材料）" in reply
    assert state(bot) == before
    assert "只有 2 条整改措施" in await text(bot, OFFICER, "/evidence 1 3")
    assert "用法" in await text(bot, OFFICER, "/evidence 1")
    assert "用法" in await text(bot, OFFICER, "/signoff")
    assert state(bot) == before


async def test_a_second_request_and_a_signed_off_item_are_refused(bot: BotHarness) -> None:
    await setup(bot)
    await add_evidence(bot, "1", [1, 2])
    request = await file_request(bot)
    before = state(bot)
    assert "已有未办结的销号申请" in await text(bot, OFFICER, "/signoff 1 再次申请")
    assert state(bot) == before
    await confirm(bot, request)
    await bot.deliver()
    await approve(bot, REVIEWER, request.id)
    before = state(bot)
    assert "已销号" in await text(bot, OFFICER, "/signoff 1 再次申请")
    assert "已销号" in await text(bot, OFFICER, "/evidence 1 1")
    assert state(bot) == before


async def test_wrong_people_pressing_sign_off_buttons_change_nothing(bot: BotHarness) -> None:
    await setup(bot)
    await add_evidence(bot, "1", [1, 2])
    request = await file_request(bot)
    await bot.deliver()
    before = state(bot)
    assert "只有第1项责任单位的责任领导" in await refused(bot, OTHER_LEADER, f"so:c:{request.id}")
    assert "只有第1项责任单位的责任领导" in await refused(bot, OFFICER, f"so:c:{request.id}")
    assert "不在审核中" in await refused(bot, REVIEWER, f"so:a:{request.id}")
    assert "仅供已登记的整改工作人员使用" in await refused(bot, STRANGER, f"so:c:{request.id}")
    assert "找不到" in await refused(bot, LEADER, "so:c:999")
    assert state(bot) == before

    await tap_for_reply(bot, LEADER, f"so:c:{request.id}")
    before = state(bot)
    assert "已不在待确认状态" in await refused(bot, LEADER, f"so:c:{request.id}")  # an old button
    assert "只有第1项督导单位的督导人员" in await refused(bot, OTHER_REVIEWER, f"so:a:{request.id}")
    assert "只有第1项督导单位的督导人员" in await refused(bot, OTHER_REVIEWER, f"so:r:{request.id}")
    assert "只有第1项督导单位的督导人员" in await refused(bot, LEADER, f"so:a:{request.id}")
    assert "仅供已登记的整改工作人员使用" in await refused(bot, STRANGER, f"so:a:{request.id}")
    assert state(bot) == before
    with bot.services.sessions() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "review_signoff")).all() == []


async def test_an_officer_cannot_approve_their_own_sign_off(bot: BotHarness) -> None:
    await setup(bot)
    bot.services.roster.grant_role("张伟", Role.SUPERVISOR, "整改办", actor=Actor.system("test"))
    await bot.send(OFFICER, "/whoami")
    await add_evidence(bot, "1", [1, 2])
    request = await file_request(bot)
    await confirm(bot, request)
    await bot.deliver()
    assert not any(f"so:a:{request.id}" in m.button_data() for m in bot.api.sent(OFFICER))
    before = state(bot)
    for action in "ari":
        assert "不能审核或确认本人提交" in await refused(bot, OFFICER, f"so:{action}:{request.id}")
    assert state(bot) == before
    assert "暂无待处理" in await text(bot, OFFICER, "/pending")  # not waiting for their own review


@pytest.mark.parametrize(
    ("user", "command", "refusal"),
    [
        (OFFICER, "/pending", "需要以下角色之一：责任领导、督导、领导小组、管理员"),
        (STRANGER, "/pending", "仅供已登记的整改工作人员使用"),
        (LEADER, "/signoff 1 已完成", "需要以下角色之一：责任人员"),
        (STRANGER, "/signoff 1 已完成", "仅供已登记的整改工作人员使用"),
        (REVIEWER, "/evidence 1 1", "需要以下角色之一"),
    ],
)
async def test_commands_outside_ones_role_are_refused(
    bot: BotHarness, user: int, command: str, refusal: str
) -> None:
    await setup(bot)
    await add_evidence(bot, "1", [1, 2])
    before = state(bot)
    assert refusal in await text(bot, user, command)
    assert state(bot) == before
