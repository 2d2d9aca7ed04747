"""`/history N` end to end: the item's whole story in time order with who and when, for whoever may see
the item; read only; long histories split under Telegram's limit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ledger.actor import Actor
from ledger.model import ItemSpec, ParsedLedger, Target
from storage.models import AuditEntry, ProgressReport
from storage.review import (
    ReviewDecision,
    SignOffRequest,
    SignOffReview,
    SignOffStatus,
    SpotCheck,
    SpotCheckStatus,
)
from tests.closing_helpers import (
    LEADER,
    OFFICER,
    OTHER_OFFICER,
    STRANGER,
    SUPERVISOR,
    at,
    closing_ledger,
    delivered_to,
    press,
    rows,
    sign_off,
)
from tests.harness import BotHarness

PHOTO = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x04\x00\x00\x00\x03\x00" + b"history photo" * 50
DAY = date(2026, 11, 20)


def step(bot: BotHarness, minutes: int) -> None:
    bot.clock.set(at(DAY, 10, minutes))


def add_signoff(bot: BotHarness) -> None:
    """A sign-off request, the leader's confirmation, a review and the decision, as the sign-off feature
    stores them."""
    now = bot.clock.now()
    with bot.services.sessions() as session, session.begin():
        request = SignOffRequest(
            item_id=1, requested_by=1, statement="各项措施已落实", status=SignOffStatus.APPROVED, leader_id=2,
            leader_confirmed_at=now + timedelta(minutes=1), decided_at=now + timedelta(minutes=3), created_at=now,
        )  # fmt: skip
        session.add(request)
        session.flush()
        session.add(
            SignOffReview(
                request_id=request.id,
                unit_id=2,
                reviewer_id=3,
                decision=ReviewDecision.APPROVE,
                decided_at=now + timedelta(minutes=2),
            )
        )


@pytest.mark.http  # a whole journey over HTTP
async def test_history_tells_the_whole_story_in_time_order(bot: BotHarness) -> None:
    await closing_ledger(bot, date(2026, 12, 31))
    step(bot, 1)
    await bot.send(OFFICER, "/report 1 40% 完成方案编制")
    step(bot, 2)
    assert (await bot.send_photo(OFFICER, PHOTO, "1")).replies
    step(bot, 3)
    await bot.send(SUPERVISOR, "/warn 1 进度偏慢")
    step(bot, 4)
    await bot.send(OFFICER, "/extend 1 2027-03-31 汛期影响施工")
    step(bot, 5)
    asked = await delivered_to(bot, SUPERVISOR)
    await press(bot, SUPERVISOR, asked, asked.button_data()[0])
    step(bot, 6)
    spec = ItemSpec(
        number="1", title="事项1（修订）", problem="问题1。", start=date(2026, 1, 1),
        targets=[Target("目标1", date(2027, 3, 31))], responsible_units=["市住建局"], supervising_units=["整改办"],
    )  # fmt: skip
    bot.services.ledger.import_ledger(ParsedLedger(items=[spec]), actor=Actor.system("test"), dry_run=False)
    step(bot, 10)
    add_signoff(bot)
    sign_off(bot, "1", at(DAY, 10, 13))
    with bot.services.sessions() as session, session.begin():
        session.add(SpotCheck(item_id=1, due_on=DAY, status=SpotCheckStatus.DUE))
    step(bot, 20)
    bot.services.daily_run.tick()
    await bot.deliver()
    # The spot-check question, not the daily digest that goes out after it.
    question = [m for m in bot.api.sent(SUPERVISOR) if not (m.text or "").startswith("督办日报")][-1]
    await press(bot, SUPERVISOR, question, question.button_data()[0])
    step(bot, 21)
    await bot.send(SUPERVISOR, "/reopen 1 2027-06-30 群众再次反映")

    step(bot, 30)
    (story,) = await bot.send(LEADER, "/history 1")
    lines = (story.text or "").splitlines()
    assert lines[0].startswith("第1项 事项1（修订） 全部记录")
    assert "记录不可修改或删除" in lines[0]
    expected = [
        "督办系统：导入台账",
        "张伟：报送进展 40%：完成方案编制",
        "张伟：报送进展（佐证材料 1 份：image/jpeg）",
        "王督导：预警（督导单位决定）：进度偏慢",
        "张伟：申请延期 2026-12-31 → 2027-03-31：汛期影响施工",
        "王督导：同意延期 2026-12-31 → 2027-03-31",
        "督办系统：修改 标题",
        "张伟：申请销号：各项措施已落实",
        "李局长：责任领导确认销号申请",
        "王督导：审核意见：同意销号",
        "督办系统：销号申请结果：同意",
        "王督导：回头看（2026-11-20）确认无反弹",
        "王督导：重新纳入整改，新时限 2027-06-30：群众再次反映",
    ]
    body = lines[1:]
    assert len(body) == len(expected), "\n".join(body)
    for line, tail in zip(body, expected, strict=True):
        assert line.startswith("· 2026-11-20 1"), line
        assert line.endswith(tail), (line, tail)
    assert body == sorted(body, key=lambda line: line[2:18])  # time order


async def test_who_may_see_the_history(bot: BotHarness) -> None:
    await closing_ledger(bot, date(2026, 12, 31))
    for user in (OFFICER, LEADER, SUPERVISOR):
        (reply,) = await bot.send(user, "/history 1")
        assert (reply.text or "").startswith("第1项 事项1 全部记录"), reply.text
    (other,) = await bot.send(OTHER_OFFICER, "/history 1")
    assert other.text == "未找到您可查看的第1项。发送 /my 查看您的事项。"
    (stranger,) = await bot.send(STRANGER, "/history 1")
    assert (stranger.text or "").startswith("您好！督办机器人仅供已登记的整改工作人员使用")
    (usage,) = await bot.send(OFFICER, "/history")
    assert (usage.text or "").startswith("用法：/history 编号")
    (bad,) = await bot.send(OFFICER, "/history abc")
    assert "abc" in (bad.text or "")


async def test_a_long_history_is_split_and_reading_it_changes_nothing(bot: BotHarness) -> None:
    await closing_ledger(bot, date(2026, 12, 31))
    with bot.services.sessions() as session, session.begin():
        for n in range(60):
            session.add(
                ProgressReport(
                    item_id=1,
                    person_id=1,
                    percent=n,
                    text=f"第{n}次进展：" + "推进整改工作" * 20,
                    created_at=at(DAY, 9) - timedelta(days=60 - n),
                )
            )
    audit_before = len(rows(bot, AuditEntry))
    pieces = await bot.send(OFFICER, "/history 1", replies=3)
    assert all(len(p.text or "") <= 4096 for p in pieces)
    assert "第0次进展" in (pieces[0].text or "")
    assert "第59次进展" in (pieces[-1].text or "")
    assert len(rows(bot, AuditEntry)) == audit_before
    assert len(rows(bot, ProgressReport)) == 60
