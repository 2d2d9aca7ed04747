"""Public complaints in chat, end to end: /complaint_add and its refusals, a repeat raising the earlier
complaint, /complaints, and the daily rule that assigns a leader (领导包案) who then gets the reminders."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from bot.sender import chat_of
from ledger.actor import Actor
from ledger.model import Role
from scheduler.rules import Level
from storage.models import AuditEntry, Item
from storage.review import Complaint
from storage.scheduling import Escalation, ItemLadder, OutboxMessage
from tests.harness import ADMIN_ID, BotHarness, text_of
from tests.test_scheduler import at

OFFICER = 700_101
LEADER = 700_102
SUPERVISOR = 700_103
STRANGER = 700_999
NOISE = "阳光小区东侧砂石厂夜间生产，噪声扰民，粉尘污染严重"
NOISE_AGAIN = "阳光小区东侧的砂石厂晚上还在生产，噪音扰民、粉尘大"


async def _people(bot: BotHarness) -> None:
    """市住建局 with an officer and a leader; 整改办 with a supervisor; the admin bound."""
    roster = bot.services.roster
    roster.add_unit("市住建局", actor=Actor.system("test"))
    roster.add_unit("整改办", actor=Actor.system("test"))
    for user, name, role, unit in (
        (OFFICER, "张伟", Role.OFFICER, "市住建局"),
        (LEADER, "李局长", Role.LEADER, "市住建局"),
        (SUPERVISOR, "王督导", Role.SUPERVISOR, "整改办"),
    ):
        roster.add_person(name, unit=unit, role=role, actor=Actor.system("test"), telegram_user_id=user)
        bot.api.add_user(user, name)
    bot.api.add_user(ADMIN_ID, "管理员")
    bot.api.add_user(STRANGER, "路人")
    await bot.send(ADMIN_ID, "/whoami")


def _counts(bot: BotHarness) -> dict[str, int]:
    """Rows a complaint command may change; the audit log without the record of strangers' messages."""
    with bot.services.sessions() as session:
        changes = select(func.count()).where(AuditEntry.action != "stranger")
        return {
            model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Item, Complaint, Escalation, OutboxMessage)
        } | {"audit": session.scalar(changes) or 0}


def _complaint(bot: BotHarness, number: str) -> Complaint:
    with bot.services.sessions() as session:
        item = session.scalars(select(Item).where(Item.number == number)).one()
        complaint = session.get(Complaint, item.id)
        assert complaint is not None
        return complaint


async def test_complaint_add_and_a_repeat_that_raises_the_earlier_one(bot: BotHarness) -> None:
    await _people(bot)
    (added,) = await bot.send(ADMIN_ID, f"/complaint_add 2024-017 市住建局 2026-12-31 {NOISE}")
    assert added.text == (f"已添加群众举报件 J2024-017：{NOISE}\n责任单位：市住建局，办理时限 2026-12-31。")
    first = _complaint(bot, "J2024-017")
    assert (first.complaint_number, first.received_on, first.repeats) == ("2024-017", date(2026, 11, 20), 0)
    (card,) = await bot.send(SUPERVISOR, "/item j2024-017")
    assert "J2024-017" in text_of(card)

    (repeat,) = await bot.send(ADMIN_ID, f"/complaint_add 2024-031 市住建局 2026-12-31 {NOISE_AGAIN}")
    assert "与举报件 J2024-017 反映的是同一问题（第1次重复举报）：已关联并提级督办" in text_of(repeat)
    # said as it is: it goes now, to him
    assert text_of(repeat).endswith("已关联并提级督办。已通知：王督导。")
    assert _complaint(bot, "J2024-017").repeats == 1
    assert _complaint(bot, "J2024-031").repeat_of_item_id == first.item_id
    with bot.services.sessions() as session:
        ladder = session.get(ItemLadder, first.item_id)
        assert ladder is not None
        assert ladder.level == Level.BLUE
        escalation = session.scalars(select(Escalation)).one()
        assert (escalation.reason, escalation.issued_by is not None) == ("repeated_complaint", True)
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "repeat")).one()
        assert (entry.entity_id, entry.before, entry.after) == (
            "J2024-017", {"repeats": 0}, {"repeats": 1, "repeat": "J2024-031"},
        )  # fmt: skip
    bot.clock.set(at(date(2026, 11, 20), 10))
    await bot.deliver()
    (told,) = bot.api.sent(SUPERVISOR)[1:]
    assert text_of(told).startswith("【重复举报】举报件 J2024-017")
    assert any("群众重复举报" in text_of(m) for m in bot.api.sent(OFFICER))

    (listed,) = await bot.send(SUPERVISOR, "/complaints")
    assert text_of(listed).splitlines()[0] == "未办结的群众举报件（2 件，时限最近的在前）："
    assert "  重复举报 1 次" in text_of(listed)
    assert "  系对举报件 J2024-017 的重复举报" in text_of(listed)


async def test_how_alike_a_repeat_must_be_is_a_rule(bot: BotHarness) -> None:
    await _people(bot)
    await bot.send(ADMIN_ID, "/rules complaint_repeat_percent 95")
    await bot.send(ADMIN_ID, f"/complaint_add 2024-017 市住建局 2026-12-31 {NOISE}")
    (added,) = await bot.send(ADMIN_ID, f"/complaint_add 2024-031 市住建局 2026-12-31 {NOISE_AGAIN}")
    assert "重复举报" not in (added.text or "")
    assert _complaint(bot, "J2024-031").repeat_of_item_id is None
    assert _complaint(bot, "J2024-017").repeats == 0


async def test_complaint_add_refusals_change_nothing(bot: BotHarness) -> None:
    await _people(bot)
    await bot.send(ADMIN_ID, f"/complaint_add 2024-017 市住建局 2026-12-31 {NOISE}")
    before = _counts(bot)
    refusals = {
        "/complaint_add 2024-018 市住建局 2026-12-31": "用法：/complaint_add",
        "/complaint_add 2024/018 市住建局 2026-12-31 噪声": "举报件编号“2024/018”无法使用",
        "/complaint_add 2024-018 市住建局 年底 噪声": "无法识别的办理时限“年底”",
        "/complaint_add 2024-018 市住建局 2026-11-19 噪声": "办理时限 2026-11-19 早于今天（2026-11-20），未添加。",
        "/complaint_add 2024-018 市水务局 2026-12-31 噪声": "未找到单位“市水务局”",
        "/complaint_add 2024-017 市住建局 2026-12-31 噪声": "举报件 J2024-017 已在台账中，未重复添加。",
    }
    for command, expected in refusals.items():
        (reply,) = await bot.send(ADMIN_ID, command)
        assert text_of(reply).startswith(expected), text_of(reply)
    (officer,) = await bot.send(OFFICER, "/complaint_add 2024-018 市住建局 2026-12-31 噪声")
    assert officer.text == "该操作需要以下角色之一：管理员。如有疑问请联系管理员。"
    (stranger,) = await bot.send(STRANGER, "/complaint_add 2024-018 市住建局 2026-12-31 噪声")
    assert text_of(stranger).startswith("您好！督办机器人仅供已登记的整改工作人员使用")
    (listing,) = await bot.send(OFFICER, "/complaints")
    assert listing.text == "该操作需要以下角色之一：督导、领导小组、管理员。如有疑问请联系管理员。"
    assert _counts(bot) == before


async def test_an_old_complaint_gets_a_leader_who_then_gets_its_reminders(bot: BotHarness) -> None:
    await _people(bot)
    received = date(2026, 9, 1)
    bot.clock.set(at(received, 10))
    await bot.send(ADMIN_ID, f"/complaint_add 2024-017 市住建局 2026-12-31 {NOISE}")
    (changed,) = await bot.send(ADMIN_ID, "/rules complaint_leader_after_days 45")
    assert "45" in (changed.text or "")

    bot.clock.set(at(date(2026, 10, 15), 9))  # 44 days open: not yet
    bot.services.daily_run.tick()
    assert _complaint(bot, "J2024-017").leader_id is None

    bot.clock.set(at(date(2026, 10, 16), 9))  # 45 days open
    bot.services.daily_run.tick()
    complaint = _complaint(bot, "J2024-017")
    assert complaint.leader_id is not None
    assert complaint.leader_assigned_at == bot.clock.now()
    await bot.deliver()
    leader_texts = [m.text or "" for m in bot.api.sent(LEADER)]
    assert any(t.startswith("【领导包案】举报件 J2024-017") and "已 45 天未办结" in t for t in leader_texts)
    assert any("已由市住建局的李局长包案督办" in text_of(m) for m in bot.api.sent(SUPERVISOR))
    bot.services.daily_run.tick()  # the same day again: nothing new
    with bot.services.sessions() as session:
        kinds = [m.kind for m in session.scalars(select(OutboxMessage))]
        assert kinds.count("complaint_leader") == 1
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "assign_leader")).one()

    bot.clock.set(at(date(2026, 12, 11), 9))  # 14 working days before the deadline
    bot.services.daily_run.tick()
    with bot.services.sessions() as session:
        reminders = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).all()
        assert sorted(chat_of(r) for r in reminders) == [OFFICER, LEADER]
    await bot.deliver()
    assert any("【整改时限提醒】" in text_of(m) for m in bot.api.sent(LEADER))

    (listed,) = await bot.send(SUPERVISOR, "/complaints")
    assert "  包案领导：李局长" in text_of(listed)

    # A blue reminder goes to the officers only, and to the leader who took the complaint on.
    with bot.services.sessions() as session, session.begin():
        ladder = session.get(ItemLadder, complaint.item_id)
        assert ladder is not None
        ladder.level = Level.NONE
    await bot.send(ADMIN_ID, f"/complaint_add 2024-031 市住建局 2026-12-31 {NOISE_AGAIN}")
    with bot.services.sessions() as session:
        blue = session.scalars(
            select(OutboxMessage).where(OutboxMessage.key.startswith(f"esc:{complaint.item_id}:1:2026-12-11"))
        ).all()
        assert sorted(chat_of(m) for m in blue) == [OFFICER, LEADER]


async def test_without_a_leader_the_supervisors_and_admins_are_told_once(bot: BotHarness) -> None:
    await _people(bot)
    bot.clock.set(at(date(2026, 9, 1), 10))
    await bot.send(ADMIN_ID, "/unit_add 市水务局")
    await bot.send(ADMIN_ID, "/complaint_add 2024-020 市水务局 2026-12-31 幸福村养殖场污水直排河道")
    for day in (date(2026, 11, 2), date(2026, 11, 3)):
        bot.clock.set(at(day, 9))
        bot.services.daily_run.tick()
    assert _complaint(bot, "J2024-020").leader_id is None
    with bot.services.sessions() as session:
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "complaint_no_leader")).all()
        assert sorted(chat_of(m) for m in told) == sorted([SUPERVISOR, ADMIN_ID])
