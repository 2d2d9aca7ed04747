"""The ladder says only what happened (issue 9): every reason with the facts that held, a dispatch that
reached nobody counts against nobody, an item nobody receives waits, a 约谈 proposed is not a 约谈 held, and a
referral comes only after a recorded one. Transcripts of what the people send and see, and the rows."""

from __future__ import annotations

import io
import re
from datetime import date

from docx import Document
from sqlalchemy import select

from ledger.actor import Actor
from ledger.model import ItemSpec, ParsedLedger, Role, Target
from loopback import SentMessage
from scheduler.rules import Level
from storage.models import AuditEntry, Item
from storage.scheduling import Escalation, ItemLadder, OutboxMessage, OutboxStatus, SummonsRecord
from tests.harness import ADMIN_ID, BotHarness
from tests.test_scheduler import LEADER, OFFICER, SUPERVISOR, at, setup_ledger


def escalations(bot: BotHarness) -> list[Escalation]:
    with bot.services.sessions() as session:
        return list(session.scalars(select(Escalation).order_by(Escalation.id)))


def last(bot: BotHarness, chat_id: int, head: str) -> SentMessage:
    """The last message `chat_id` got that starts with `head`."""
    return next(m for m in reversed(bot.api.sent(chat_id)) if (m.text or "").startswith(head))


def summonses(bot: BotHarness) -> list[SummonsRecord]:
    with bot.services.sessions() as session:
        return list(session.scalars(select(SummonsRecord)))


async def at_red(bot: BotHarness) -> None:
    """Item 1 of 市住建局, 0 %, due 30 September 2026, at 通报 since 2 November without a report since."""
    await setup_ledger(bot, date(2026, 9, 30), percent=0)
    with bot.services.sessions() as session, session.begin():
        session.add(ItemLadder(item_id=1, level=int(Level.RED), since=date(2026, 11, 2), yellow_count=1))


async def proposed(bot: BotHarness) -> None:
    """The 约谈建议 of item 1 reached the supervisor on 16 November (ten working days at 通报, no report)."""
    await at_red(bot)
    bot.clock.set(at(date(2026, 11, 16), 9))
    bot.services.daily_run.tick()
    await bot.deliver()


async def test_the_summons_proposal_says_why_with_its_numbers_and_offers_to_record_it(
    bot: BotHarness,
) -> None:
    await proposed(bot)
    proposal = last(bot, SUPERVISOR, "【约谈建议】")
    text = proposal.text or ""
    assert text.startswith("【约谈建议】第1项 事项1\n原因：通报（2026-11-02）后10个工作日未报送进展。")
    assert "smr:1" in proposal.button_data()
    # The digest of the day says why in the same words.
    digest = last(bot, SUPERVISOR, "督办日报").text or ""
    assert "今日升级：第1项 事项1（约谈建议：通报（2026-11-02）后10个工作日未报送进展）" in digest
    (escalation,) = escalations(bot)
    assert escalation.facts == [{"key": "no_report_at_red", "since": "2026-11-02", "days": 10}]
    # The proposal is no 约谈: nothing is recorded, and no referral follows it, however long it waits.
    assert summonses(bot) == []
    for day in (date(2026, 11, 30), date(2026, 12, 14), date(2026, 12, 28)):
        bot.clock.set(at(day, 9))
        bot.services.daily_run.tick()
    assert [e.level for e in escalations(bot)] == [Level.SUMMONS]


async def test_the_supervisor_taps_record_summons_and_answers_then_the_referral_counts_from_that_day(
    bot: BotHarness,
) -> None:
    await proposed(bot)
    proposal = last(bot, SUPERVISOR, "【约谈建议】")
    bot.clock.set(at(date(2026, 11, 18), 10))
    pressed = await bot.press(SUPERVISOR, proposal, "smr:1", check_button=False)
    assert (pressed.reply.text or "").startswith("记录约谈：第1项 事项1\n约谈是哪天举行的？")
    # What the bot cannot read, and a day still ahead, are answered; nothing is recorded.
    unread, *more = await bot.send(SUPERVISOR, "上周")
    assert not more, [m.text for m in more]
    assert unread.text == "无法识别约谈日期“上周”。请写成 2026-11-18 或 11月18日。"
    (ahead,) = await bot.send(SUPERVISOR, "2026-11-20")
    assert ahead.text == "约谈日期 2026-11-20 还未到（今天是 2026-11-18）：只能记录已经举行的约谈。"
    assert summonses(bot) == []
    # 11月17日 without a year is the latest such day, yesterday.
    (attendees,) = await bot.send(SUPERVISOR, "11月17日")
    assert (attendees.text or "").startswith("约谈日期：2026-11-17。请回复参加约谈的人员")
    (recorded,) = await bot.send(SUPERVISOR, "市住建局 李局长、张伟")
    assert recorded.text == (
        "已记录第1项 事项1 的约谈：2026-11-17 举行，参加人员：市住建局 李局长、张伟。\n"
        "将告知责任单位领导：李局长。见 /history 1。"
    )
    (record,) = summonses(bot)
    assert (record.held_on, record.attendees) == (date(2026, 11, 17), "市住建局 李局长、张伟")
    assert record.proposal_id == escalations(bot)[0].id
    with bot.services.sessions() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "summons_held")).one()
        assert audit.after == {
            "held_on": "2026-11-17",
            "attendees": "市住建局 李局长、张伟",
            "proposal_id": record.proposal_id,
        }
    # The summoned unit's leader is told.
    await bot.deliver()
    told = last(bot, LEADER, "【约谈记录】").text or ""
    assert told.startswith(
        "【约谈记录】第1项 事项1\n督导单位已于 2026-11-17 就该事项进行约谈，参加人员：市住建局 李局长、张伟"
    )
    (story,) = await bot.send(SUPERVISOR, "/history 1")
    assert "记录约谈：2026-11-17 举行，参加人员：市住建局 李局长、张伟" in (story.text or "")
    assert "约谈建议（通报（2026-11-02）后10个工作日未报送进展）" in (story.text or "")
    # Ten working days after the day it was held, without progress: the referral, saying so.
    bot.clock.set(at(date(2026, 11, 30), 9))
    bot.services.daily_run.tick()
    assert [e.level for e in escalations(bot)] == [Level.SUMMONS]
    bot.clock.set(at(date(2026, 12, 1), 9))
    bot.services.daily_run.tick()
    await bot.deliver()
    referral = last(bot, SUPERVISOR, "【问责移送建议】").text or ""
    assert referral.startswith("【问责移送建议】第1项 事项1\n原因：约谈（2026-11-17）后10个工作日仍无进展。")
    assert escalations(bot)[-1].facts == [
        {"key": "no_progress_after_summons", "held": "2026-11-17", "days": 10}
    ]


async def test_cancel_drops_the_summons_record_unchanged(bot: BotHarness) -> None:
    await proposed(bot)
    proposal = last(bot, SUPERVISOR, "【约谈建议】")
    await bot.press(SUPERVISOR, proposal, "smr:1", check_button=False)
    await bot.send(SUPERVISOR, "2026-11-16")
    (cancelled,) = await bot.send(SUPERVISOR, "/cancel")
    assert cancelled.text == "已取消记录第1项的约谈，未作任何更改。"
    assert summonses(bot) == []


async def test_summoned_records_it_in_one_line_and_refuses_others(bot: BotHarness) -> None:
    await proposed(bot)
    (refused,) = await bot.send(OFFICER, "/summoned 1 2026-11-16 李局长")
    assert "督导" in (refused.text or "")
    (no_attendees,) = await bot.send(SUPERVISOR, "/summoned 1 2026-11-16")
    assert no_attendees.text == "请写明参加约谈的人员（单位、姓名、职务）。"
    assert summonses(bot) == []
    (recorded,) = await bot.send(SUPERVISOR, "/summoned 1，2026年11月16日，李局长")
    assert (recorded.text or "").startswith("已记录第1项 事项1 的约谈：2026-11-16 举行，参加人员：李局长。")
    (again,) = await bot.send(SUPERVISOR, "/summoned 1 2026-11-16 李局长")
    assert again.text == "第1项 2026-11-16 的约谈已经记录，未重复记录。"
    assert len(summonses(bot)) == 1


async def test_a_dispatch_that_reached_nobody_counts_against_nobody(bot: BotHarness) -> None:
    """Seen on main: dispatches nobody received were counted as "连续2次调度未报送"."""
    await setup_ledger(bot, date(2027, 6, 30), percent=60)
    # The officer had blocked the bot: the two dispatches of November reached nobody.
    bot.api.block(OFFICER)
    for day in (date(2026, 11, 2), date(2026, 11, 16)):
        bot.clock.set(at(day, 9))
        bot.services.daily_run.tick()
        await bot.deliver()
    with bot.services.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "dispatch")).all()
        assert {r.status for r in rows} == {OutboxStatus.UNREACHABLE}
    for day in (date(2026, 11, 20), date(2026, 11, 24), date(2026, 11, 30)):
        bot.clock.set(at(day, 9))
        bot.services.daily_run.tick()
    assert escalations(bot) == []  # neither 督办提醒 nor "连续2次调度未报送"
    # He unblocks it; December's dispatch reaches him and goes unanswered: it counts, once, as what it is.
    bot.api.unblock(OFFICER)
    bot.clock.set(at(date(2026, 12, 1), 9))
    bot.services.daily_run.tick()
    await bot.deliver()
    bot.clock.set(at(date(2026, 12, 9), 9))
    bot.services.daily_run.tick()
    (blue,) = escalations(bot)
    assert blue.level == Level.BLUE
    assert blue.facts == [{"key": "dispatch_unanswered", "count": 1}]
    await bot.deliver()
    texts = [m.text or "" for m in bot.api.sent(OFFICER)]
    assert any(t.startswith("【督办提醒】第1项 事项1\n原因：调度逾期未报送1次。") for t in texts), texts


LATE = 700_109


async def test_someone_who_binds_later_gets_the_open_dispatch_and_deadlines_at_once(bot: BotHarness) -> None:
    """Seen on main: whoever bound after the dispatch day's tick never got it, and was warned a week later."""
    await setup_ledger(bot, date(2026, 11, 30))
    code = bot.services.roster.add_person(
        "刘洋", unit="市住建局", role=Role.OFFICER, actor=Actor.system("test")
    ).invite_code
    assert code is not None
    bot.api.add_user(LATE, "刘洋")
    bot.clock.set(at(date(2026, 11, 16), 9))  # the dispatch day: 张伟 is asked, 刘洋 is not bound yet
    bot.services.daily_run.tick()
    await bot.deliver()
    assert bot.api.sent(LATE) == []
    bot.clock.set(at(date(2026, 11, 18), 10))
    await bot.send(LATE, f"/start {code}")
    await bot.deliver()
    (welcome, asked_now) = [m.text or "" for m in bot.api.sent(LATE)]
    assert welcome.startswith("绑定成功，刘洋！")
    # The open dispatch, with three working days to answer from now, and the nearest reminder due.
    assert asked_now.startswith("【进展调度】第1项 事项1\n请于 2026-11-23 前报送整改进展")
    assert "【整改时限提醒】第1项 事项1\n距整改时限（2026-11-30）还有 8 个工作日" in asked_now
    with bot.services.sessions() as session:
        asked = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "dispatch", OutboxMessage.chat_id == LATE)
        ).one()
        assert asked.dispatch_id is not None
        assert asked.status in (OutboxStatus.SENT, OutboxStatus.MERGED)
    # Nobody is warned before the late binder's answer time is out: 23 November, plus 3 working days.
    for day in (date(2026, 11, 20), date(2026, 11, 24), date(2026, 11, 25)):
        bot.clock.set(at(day, 9))
        bot.services.daily_run.tick()
    assert escalations(bot) == []
    bot.clock.set(at(date(2026, 11, 26), 9))
    bot.services.daily_run.tick()
    (blue,) = escalations(bot)
    assert blue.facts == [{"key": "dispatch_unanswered", "count": 1}]


async def test_one_acknowledge_button_per_item_in_a_merged_message(bot: BotHarness) -> None:
    """Seen on main: a reminder and a 督办提醒 of one item merged into one message carried two 已知悉."""
    await setup_ledger(bot, date(2026, 12, 31), percent=40)
    bot.clock.set(at(date(2026, 12, 22), 9))  # 7 working days before: the reminder, and the 督办提醒
    bot.services.daily_run.tick()
    await bot.deliver()
    (message,) = bot.api.sent(OFFICER)
    text = message.text or ""
    assert "【整改时限提醒】第1项" in text
    assert (
        "【督办提醒】第1项 事项1\n原因：进度滞后：序时进度应达97%，实际40%，且距整改时限7个工作日，进度40%，不足50%。"
        in text
    )
    acks = [data for data in message.button_data() if data.startswith("na:")]
    assert len(acks) == 1
    await bot.press(OFFICER, message, acks[0])
    with bot.services.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == OFFICER)).all()
        assert all(r.acknowledged_at is not None for r in rows)
    assert all(e.acknowledged_at is not None for e in escalations(bot))


async def test_an_item_nobody_receives_waits_and_is_said_to_be_unreached(bot: BotHarness) -> None:
    """Seen on main: item 14, of a collective unit with nobody in it, climbed to a referral proposal."""
    await setup_ledger(bot, date(2026, 9, 30), percent=0)
    specs = [
        ItemSpec(
            number="14", title="督察整改还不到位", problem="问题14。", start=date(2026, 1, 1),
            targets=[Target("目标14", date(2026, 9, 30))], responsible_units=["市水务局"], supervising_units=["整改办"],
        )
    ]  # fmt: skip
    outcome = bot.services.ledger.import_ledger(
        ParsedLedger(items=specs), actor=Actor.system("test"), dry_run=False
    )
    assert outcome.unreached == ["市水务局"]
    for day in (date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 17), date(2026, 12, 2)):
        bot.clock.set(at(day, 9))
        bot.services.daily_run.tick()
    with bot.services.sessions() as session:
        climbed = {e.item_id for e in session.scalars(select(Escalation))}
        item_14 = session.scalars(select(Item).where(Item.number == "14")).one()
    assert item_14.id not in climbed  # the ladder waits for it: no level issued against nobody
    assert climbed  # item 1, whose people are bound, climbs
    await bot.deliver()
    digest = last(bot, SUPERVISOR, "督办日报").text or ""
    assert "【市水务局】\n无人接收（尚无责任人员、责任领导绑定，督办暂缓）：第14项 督察整改还不到位" in digest
    (units,) = await bot.send(ADMIN_ID, "/units")
    assert "· 市水务局：责任事项 1 项（无人接收：尚无责任人员、责任领导绑定）" in (units.text or "")
    assert "· 市住建局：责任事项 1 项\n" in (units.text or "") + "\n"


async def test_an_escalation_stored_before_facts_were_kept_still_reads(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    with bot.services.sessions() as session, session.begin():
        session.add(
            Escalation(
                item_id=1, level=2, reason="deadline_passed", issued_at=at(date(2026, 11, 2), 9), facts=None
            )
        )
    (story,) = await bot.send(SUPERVISOR, "/history 1")
    assert "预警（已超过整改时限）" in (story.text or "")
    (card,) = await bot.send(SUPERVISOR, "/item 1")
    assert "预警：已超过整改时限" in (card.text or "")


async def test_a_warning_by_hand_that_would_reach_nobody_is_not_issued(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    specs = [
        ItemSpec(
            number="14", title="督察整改还不到位", problem="问题14。", start=date(2026, 1, 1),
            responsible_units=["市水务局"], supervising_units=["整改办"], continuing=True,
        )
    ]  # fmt: skip
    bot.services.ledger.import_ledger(ParsedLedger(items=specs), actor=Actor.system("test"), dry_run=False)
    (refused,) = await bot.send(SUPERVISOR, "/warn 14 请尽快落实")
    assert (refused.text or "").startswith("第14项无人接收：责任单位尚无责任人员、责任领导绑定")
    assert escalations(bot) == []


async def test_whoever_got_fewer_of_the_missed_dispatches_is_told_how_many_reached_them(
    bot: BotHarness,
) -> None:
    """A 预警 for "连续2次调度未报送" to an officer who bound after both were asked (the open one reached him
    when he bound, the first never did): the count is the unit's, and his message says that one of the two
    reached him; the officer who got both is told the count alone."""
    await setup_ledger(bot, date(2027, 6, 30), percent=60)
    code = bot.services.roster.add_person(
        "刘洋", unit="市住建局", role=Role.OFFICER, actor=Actor.system("test")
    ).invite_code
    assert code is not None
    bot.api.add_user(LATE, "刘洋")
    bot.clock.set(at(date(2026, 11, 2), 9))  # the first dispatch: only 张伟 is bound
    bot.services.daily_run.tick()
    await bot.deliver()
    bot.clock.set(at(date(2026, 11, 16), 9))  # the second: 张伟 is asked again
    bot.services.daily_run.tick()
    await bot.deliver()
    bot.clock.set(
        at(date(2026, 11, 17), 10)
    )  # 刘洋 binds: the open dispatch, the second, reaches him at once
    await bot.send(LATE, f"/start {code}")
    await bot.deliver()
    for day in (date(2026, 11, 20), date(2026, 11, 24)):
        bot.clock.set(at(day, 9))
        bot.services.daily_run.tick()
        await bot.deliver()
    yellow = [e for e in escalations(bot) if e.level == Level.YELLOW]
    assert [e.facts for e in yellow] == [[{"key": "unanswered_dispatches", "count": 2}]]
    (to_late,) = [m.text or "" for m in bot.api.sent(LATE) if (m.text or "").startswith("【预警】")]
    (to_first,) = [m.text or "" for m in bot.api.sent(OFFICER) if (m.text or "").startswith("【预警】")]
    assert "原因：连续2次调度未报送（您收到其中1次）。" in to_late
    assert "原因：连续2次调度未报送。" in to_first


def _draft_after(bot: BotHarness, heading: str) -> tuple[str, list[str]]:
    """The file that followed the supervisor's last message starting with `heading`, and its paragraphs."""
    sent = bot.api.sent(SUPERVISOR)
    position = max(i for i, m in enumerate(sent) if (m.text or "").startswith(heading))
    (draft,) = [m for m in sent[position + 1 :] if m.document is not None][:1]
    assert draft.filename is not None
    assert draft.document is not None
    paragraphs = [p.text for p in Document(io.BytesIO(draft.document)).paragraphs if p.text]
    return draft.filename, paragraphs


async def test_the_proposals_carry_the_drafts_of_the_summons_notice_and_the_referral_letter(
    bot: BotHarness,
) -> None:
    """Seen on main: a 约谈建议 and a 问责移送建议 produced no 约谈通知 and no 问题线索移送函."""
    await proposed(bot)
    name, notice = _draft_after(bot, "【约谈建议】")
    assert name == "第1项约谈通知（草稿）.docx"
    assert notice[:2] == ["约谈通知", "市住建局："]
    assert "2026年11月16日整改进度为0%" in notice[2]
    assert "通报（通报（2026年11月2日）后10个工作日未报送进展）" not in notice[2]
    assert "约谈建议（通报（2026年11月2日）后10个工作日未报送进展）" in notice[2]
    assert notice[-2:] == ["督察整改工作领导小组办公室", "2026年11月16日"]
    assert not [p for p in notice if re.search(r"\d{4}-\d{2}-\d{2}", p)]
    # Recorded, then ten working days without progress: the referral and its letter, naming the 约谈 held.
    bot.clock.set(at(date(2026, 11, 18), 10))
    await bot.send(SUPERVISOR, "/summoned 1 11月17日 市住建局 李局长、张伟")
    bot.clock.set(at(date(2026, 12, 1), 9))
    bot.services.daily_run.tick()
    await bot.deliver()
    name, letter = _draft_after(bot, "【问责移送建议】")
    assert name == "第1项问题线索移送函（草稿）.docx"
    assert letter[0] == "问题线索移送函"
    assert any(p.startswith("2026年11月17日，") and "约谈了市住建局 李局长、张伟" in p for p in letter), (
        letter
    )
    assert "约谈（2026年11月17日）后10个工作日仍无进展" in letter[2]
