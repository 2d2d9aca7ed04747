"""Deadline extensions end to end: `/extend N DATE reason…`, the supervisors' Approve / Refuse buttons, the
deadline moved with the old one on record, the ladder re-based, and every refusal changing nothing."""

from __future__ import annotations

from datetime import date

import pytest

from scheduler.rules import Level
from storage.review import DeadlineExtension, ExtensionStatus
from storage.scheduling import Escalation, ItemLadder, OutboxMessage
from tests.closing_helpers import (
    LEADER,
    OFFICER,
    OTHER_OFFICER,
    OTHER_SUPERVISOR,
    STRANGER,
    SUPERVISOR,
    at,
    audit_actions,
    closing_ledger,
    delivered_to,
    item,
    press,
    rows,
)
from tests.harness import BotHarness

DEADLINE = date(2026, 12, 31)


def put_on_ladder(bot: BotHarness, level: Level, reason: str) -> None:
    with bot.services.sessions() as session, session.begin():
        session.add(ItemLadder(item_id=1, level=int(level), since=date(2026, 11, 19), yellow_count=0))
        session.add(Escalation(item_id=1, level=int(level), reason=reason, issued_at=bot.clock.now()))


async def requested(bot: BotHarness) -> None:
    (reply,) = await bot.send(OFFICER, "/extend 1 2027-03-31 汛期影响施工，需延期")
    text = reply.text or ""
    assert text.startswith("已提交第1项 事项1 的延期申请：整改时限由 2026-12-31 延至 2027-03-31。")
    assert "已送督导单位（1 人）审批" in text


async def test_an_approved_extension_moves_the_deadline_keeps_the_old_one_and_rebases_the_ladder(
    bot: BotHarness,
) -> None:
    await closing_ledger(bot, DEADLINE)
    bot.clock.set(at(date(2026, 12, 20), 10))
    put_on_ladder(bot, Level.BLUE, "deadline_near_low_progress")
    await requested(bot)
    (extension,) = rows(bot, DeadlineExtension)
    assert (extension.status, extension.old_deadline, extension.new_deadline) == (
        ExtensionStatus.PENDING, DEADLINE, date(2027, 3, 31),
    )  # fmt: skip
    assert item(bot).deadline == DEADLINE  # nothing moves before the decision

    asked = await delivered_to(bot, SUPERVISOR)
    assert asked.text is not None
    assert asked.text.startswith(
        "【延期申请】第1项 事项1\n张伟 申请将整改时限由 2026-12-31 延至 2027-03-31。"
    )
    assert asked.button_data() == [f"ext_ok:{extension.id}", f"ext_no:{extension.id}"]
    assert all(len(data.encode()) < 64 for data in asked.button_data())

    before = len(bot.api.sent(SUPERVISOR))
    answered = await press(bot, SUPERVISOR, asked, f"ext_ok:{extension.id}")
    assert not answered.show_alert
    (done,) = await bot.replies(SUPERVISOR, before)
    assert done.text is not None
    assert done.text.startswith("已同意第1项延期：整改时限由 2026-12-31 延至 2027-03-31")
    assert bot.api.message(SUPERVISOR, asked.message_id).buttons() == []  # type: ignore[union-attr]

    moved = item(bot)
    assert moved.deadline == date(2027, 3, 31)
    assert [t.deadline for t in moved.targets] == [date(2027, 3, 31)]
    (extension,) = rows(bot, DeadlineExtension)
    assert extension.status == ExtensionStatus.APPROVED
    assert extension.old_deadline == DEADLINE  # the old deadline stays on record
    assert extension.decided_at == bot.clock.now()
    (ladder,) = rows(bot, ItemLadder)
    assert ladder.level == Level.NONE
    actions = audit_actions(bot)
    for action in ("extension_request", "extend_deadline", "rebase_ladder", "extension_approved"):
        assert action in actions

    await bot.deliver()
    for chat in (OFFICER, LEADER):
        told = bot.api.last_sent(chat).text or ""
        assert told.startswith("【延期申请已同意】第1项 事项1"), told
        assert "新的整改时限为 2027-03-31（原时限 2026-12-31）" in told


async def test_a_refused_extension_changes_nothing_but_the_record(bot: BotHarness) -> None:
    await closing_ledger(bot, DEADLINE)
    put_on_ladder(bot, Level.YELLOW, "unanswered_dispatches")
    await requested(bot)
    asked = await delivered_to(bot, SUPERVISOR)
    (extension,) = rows(bot, DeadlineExtension)
    await press(bot, SUPERVISOR, asked, f"ext_no:{extension.id}")
    await bot.api.wait_for(lambda: "已不同意第1项延期" in (bot.api.last_sent(SUPERVISOR).text or "") or None)
    assert item(bot).deadline == DEADLINE
    assert [t.deadline for t in item(bot).targets] == [DEADLINE]
    (extension,) = rows(bot, DeadlineExtension)
    assert extension.status == ExtensionStatus.REFUSED
    (ladder,) = rows(bot, ItemLadder)
    assert ladder.level == Level.YELLOW
    assert "extend_deadline" not in audit_actions(bot)
    told = await delivered_to(bot, OFFICER)
    assert (told.text or "").startswith("【延期申请未同意】第1项 事项1")


async def test_an_extension_approved_on_a_level_not_from_the_deadline_keeps_the_level(
    bot: BotHarness,
) -> None:
    await closing_ledger(bot, DEADLINE)
    put_on_ladder(bot, Level.YELLOW, "unanswered_dispatches")
    await requested(bot)
    asked = await delivered_to(bot, SUPERVISOR)
    (extension,) = rows(bot, DeadlineExtension)
    await press(bot, SUPERVISOR, asked, f"ext_ok:{extension.id}")
    assert item(bot).deadline == date(2027, 3, 31)
    (ladder,) = rows(bot, ItemLadder)
    assert ladder.level == Level.YELLOW


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/extend", "用法：/extend 编号 新的整改时限 理由"),
        ("/extend 1", "用法：/extend 编号 新的整改时限 理由"),
        ("/extend 1 明年 理由", "无法识别日期“明年”"),
        ("/extend 1 2027-02-30 理由", "无法识别日期“2027-02-30”"),
        ("/extend 1 2027-03-31", "请写明延期理由"),
        ("/extend 1 2026-12-31 理由", "新的整改时限（2026-12-31）须晚于现行整改时限（2026-12-31）"),
        ("/extend 1 2026-12-01 理由", "须晚于现行整改时限"),
        ("/extend 2 2027-03-31 理由", "该事项为长期坚持事项，没有整改时限"),
        ("/extend 9 2027-03-31 理由", "未找到您可查看的第9项"),
    ],
)
async def test_bad_requests_are_refused_and_change_nothing(bot: BotHarness, text: str, expected: str) -> None:
    await closing_ledger(bot, DEADLINE, None)
    (reply,) = await bot.send(OFFICER, text)
    assert expected in (reply.text or ""), reply.text
    assert rows(bot, DeadlineExtension) == []
    assert item(bot).deadline == DEADLINE


async def test_no_extension_once_the_deadline_has_passed(bot: BotHarness) -> None:
    await closing_ledger(bot, DEADLINE)
    bot.clock.set(at(DEADLINE, 23, 30))  # still the deadline day in Shanghai: allowed
    (allowed,) = await bot.send(LEADER, "/extend 1 2027-03-31 理由")
    assert allowed.text is not None
    assert allowed.text.startswith("已提交第1项")
    (second,) = await bot.send(OFFICER, "/extend 1 2027-04-30 另一理由")
    assert "第1项已有一份待审批的延期申请" in (second.text or "")

    bot.clock.set(at(date(2027, 1, 1), 0, 30))
    with bot.services.sessions() as session, session.begin():
        pending = session.get(DeadlineExtension, 1)
        assert pending is not None
        pending.status = ExtensionStatus.REFUSED
    (late,) = await bot.send(OFFICER, "/extend 1 2027-03-31 理由")
    assert "整改时限（2026-12-31）已过，不能再申请延期" in (late.text or "")
    assert len(rows(bot, DeadlineExtension)) == 1


async def test_who_may_ask_for_an_extension(bot: BotHarness) -> None:
    await closing_ledger(bot, DEADLINE)
    (supervisor,) = await bot.send(SUPERVISOR, "/extend 1 2027-03-31 理由")
    assert supervisor.text == "该操作需要以下角色之一：责任人员、责任领导。如有疑问请联系管理员。"
    (other,) = await bot.send(OTHER_OFFICER, "/extend 1 2027-03-31 理由")
    assert other.text == "未找到您可查看的第1项。发送 /my 查看您的事项。"
    (stranger,) = await bot.send(STRANGER, "/extend 1 2027-03-31 理由")
    assert (stranger.text or "").startswith("您好！督办机器人仅供已登记的整改工作人员使用")
    assert rows(bot, DeadlineExtension) == []


async def test_wrong_people_pressing_the_buttons_are_refused_and_change_nothing(bot: BotHarness) -> None:
    await closing_ledger(bot, DEADLINE)
    await requested(bot)
    asked = await delivered_to(bot, SUPERVISOR)
    (extension,) = rows(bot, DeadlineExtension)
    approve = f"ext_ok:{extension.id}"

    officer = await press(bot, OFFICER, asked, approve)
    assert officer.show_alert
    assert "督导" in (officer.text or "")
    other = await press(bot, OTHER_SUPERVISOR, asked, approve)
    assert other.text == "只有第1项督导单位的督导人员可以审批延期。"
    stranger = await press(bot, STRANGER, asked, approve)
    assert (stranger.text or "").startswith("您好！督办机器人仅供已登记的整改工作人员使用")
    forged = await press(bot, SUPERVISOR, asked, "ext_ok:999")
    assert forged.text == "未找到该延期申请。"
    assert rows(bot, DeadlineExtension)[0].status == ExtensionStatus.PENDING
    assert item(bot).deadline == DEADLINE

    await press(bot, SUPERVISOR, asked, approve)
    again = await press(bot, SUPERVISOR, asked, f"ext_no:{extension.id}")  # an old button, pressed late
    assert again.text == "第1项的这份延期申请已处理（已同意），无需重复操作。"
    assert rows(bot, DeadlineExtension)[0].status == ExtensionStatus.APPROVED
    assert item(bot).deadline == date(2027, 3, 31)
    kinds = [r.kind for r in rows(bot, OutboxMessage)]
    assert kinds.count("extension_decided") == 2  # officer and leader, once
