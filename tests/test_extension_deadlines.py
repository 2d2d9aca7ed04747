"""After an approved extension every message shows the new deadline (issue 9): reminders still queued for
the old one are taken back, a snoozed reminder follows the extension, the plan's deadline words give way to
the date, and a re-import of the plan keeps the extension and says so (已延期，保留)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ledger.actor import Actor
from ledger.model import ItemSpec, ParsedLedger, Target
from services.import_summary import import_summary_params
from services.ledger import ChangeKind, KeptExtension
from storage.models import Item
from storage.scheduling import OutboxStatus
from tests.harness import BotHarness, text_of
from tests.test_scheduler import OFFICER, SUPERVISOR, at, outbox, setup_ledger

OLD = date(2026, 12, 15)
NEW = date(2026, 12, 31)


def plan(deadline: date = OLD, words: str = "12月中旬前") -> ParsedLedger:
    spec = ItemSpec(
        number="1", title="事项1", problem="问题1。", start=date(2026, 1, 1), deadline_text=words,
        targets=[Target("完成整改", deadline)], responsible_units=["市住建局"], supervising_units=["整改办"],
    )  # fmt: skip
    return ParsedLedger(items=[spec])


async def extended_item(bot: BotHarness) -> None:
    """Item 1 (deadline 15 December, "12月中旬前"), the officer's request to move it to 31 December asked on
    9 December and delivered to the supervisor."""
    await setup_ledger(bot)
    bot.services.ledger.import_ledger(plan(), actor=Actor.system("test"), dry_run=False)
    with bot.services.sessions() as session, session.begin():
        session.scalars(select(Item)).one().percent = 95
    bot.clock.set(at(date(2026, 12, 9), 10))
    bot.services.daily_run.tick()
    await bot.deliver()
    await bot.send(OFFICER, "/extend 1 2026-12-31 汛期影响施工")
    await bot.deliver()


async def approve(bot: BotHarness) -> None:
    asked = next(m for m in reversed(bot.api.sent(SUPERVISOR)) if (m.text or "").startswith("【延期申请】"))
    await bot.press(SUPERVISOR, asked, asked.button_data()[0])
    await bot.deliver()  # the unit is told (in the quiet hours: in the morning)


async def test_a_reminder_queued_for_the_old_deadline_is_taken_back(bot: BotHarness) -> None:
    """Seen: approved at 07:30, the 08:00 reminder still said "距整改时限（2026-12-15）还有 3 个工作日"."""
    await extended_item(bot)
    bot.clock.set(at(date(2026, 12, 10), 0, 5))
    bot.services.daily_run.tick()  # the reminder 3 working days before 15 December, to go at 08:00
    (queued,) = [r for r in outbox(bot) if r.kind == "reminder"]
    assert queued.due_date == OLD
    bot.clock.set(at(date(2026, 12, 10), 7, 30))
    await approve(bot)
    bot.clock.set(at(date(2026, 12, 10), 8, 0))
    await bot.deliver()
    texts = [m.text or "" for m in bot.api.sent(OFFICER)]
    assert not [t for t in texts if "2026-12-15" in t and "整改时限提醒" in t]
    assert [r.status for r in outbox(bot) if r.kind == "reminder"] == [OutboxStatus.CALLED_OFF]
    # The new deadline's reminders come on their days, saying it was extended.
    bot.clock.set(at(date(2026, 12, 11), 9))
    bot.services.daily_run.tick()
    await bot.deliver()
    reminder = bot.api.sent(OFFICER)[-1].text or ""
    assert "距整改时限（2026-12-31，已由 2026-12-15 延期）还有 14 个工作日（整改目标）" in reminder


async def test_a_reminder_snoozed_after_an_extension_shows_the_new_deadline(bot: BotHarness) -> None:
    """Seen: snoozed after the extension, the reminder came back with the old deadline, and a snooze past
    the old deadline was refused although the new one was two weeks away."""
    await extended_item(bot)
    bot.clock.set(at(date(2026, 12, 10), 9))
    bot.services.daily_run.tick()
    await bot.deliver()
    reminder = bot.api.sent(OFFICER)[-1]
    assert "2026-12-15" in (reminder.text or "")
    await approve(bot)
    answered = (await bot.press(OFFICER, reminder, reminder.button_data()[2])).answered
    assert answered.text == "第1项的提醒已顺延至 2026-12-11 09:05。"
    bot.clock.set(at(date(2026, 12, 11), 9))
    await bot.deliver()
    again = bot.api.sent(OFFICER)[-1].text or ""
    assert again.startswith("【整改时限提醒】第1项")
    assert "距整改时限（2026-12-31，已由 2026-12-15 延期）还有 14 个工作日" in again
    snoozed = [r for r in outbox(bot) if r.snooze_of_id is not None]
    assert [r.due_date for r in snoozed] == [NEW]


async def test_the_plans_deadline_words_give_way_to_the_extended_date(bot: BotHarness) -> None:
    """Seen: /item said "截止日期：2026-12-31（整改时限：12月中旬前）" and the month's notice "12月中旬前"."""
    await extended_item(bot)
    (card,) = await bot.send(OFFICER, "/item 1")
    assert "（整改时限：12月中旬前）" in text_of(card)
    await approve(bot)
    (card,) = await bot.send(OFFICER, "/item 1")
    assert "截止日期：2026-12-31" in text_of(card)
    assert "12月中旬前" not in text_of(card)
    rows = bot.services.ledger.rows()
    assert [(row.spec.deadline, row.spec.deadline_text) for row in rows] == [(NEW, None)]


async def test_a_reimport_of_the_plan_keeps_the_extension_and_says_so(bot: BotHarness) -> None:
    """Seen: importing the plan again put the deadline back to 15 December, silently."""
    await extended_item(bot)
    await approve(bot)
    outcome = bot.services.ledger.import_ledger(plan(), actor=Actor.system("test"), dry_run=False)
    assert outcome.kept_extensions == [KeptExtension("1", OLD, NEW)]
    assert [c.kind for c in outcome.changes] == [ChangeKind.UNCHANGED]
    with bot.services.sessions() as session:
        item = session.scalars(select(Item)).one()
        assert (item.deadline, [t.deadline for t in item.targets], item.deadline_text) == (NEW, [NEW], None)
    renderer = bot.services.renderer
    for locale, line in (
        ("zh_CN", "第1项 已延期，保留：整改时限 2026-12-31（方案为 2026-12-15）"),
        ("en", "item 1 extended, kept: deadline 2026-12-31 (the plan says 2026-12-15)"),
    ):
        params = import_summary_params(renderer, locale, outcome)
        assert line in renderer.render(
            locale, "cli/import_summary", path="plan.docx", dry_run=False, **params
        )
        assert line in renderer.render(locale, "chat/admin/import_summary", params)
    # A plan that sets a deadline of its own is the office's new decision: it is taken.
    revised = bot.services.ledger.import_ledger(
        plan(date(2027, 1, 15), "1月中旬前"), actor=Actor.system("test"), dry_run=False
    )
    assert revised.kept_extensions == []
    assert [c.kind for c in revised.changes] == [ChangeKind.CHANGED]
    with bot.services.sessions() as session:
        assert session.scalars(select(Item.deadline)).one() == date(2027, 1, 15)


async def test_the_import_json_reports_the_kept_extension(bot: BotHarness) -> None:
    await extended_item(bot)
    await approve(bot)
    outcome = bot.services.ledger.import_ledger(plan(), actor=Actor.system("test"), dry_run=True)
    assert [k.record() for k in outcome.kept_extensions] == [
        {"number": "1", "plan_deadline": "2026-12-15", "deadline": "2026-12-31"}
    ]
    with bot.services.sessions() as session:
        assert session.scalars(select(Item.deadline)).one() == NEW  # a dry run, and the extension held


async def test_the_people_who_ask_and_decide_are_told_when_the_unit_hears_of_it(bot: BotHarness) -> None:
    """Seen: "已通知责任单位" at 07:30, with the decision waiting for 08:00; "已送督导单位审批" at 22:00."""
    await setup_ledger(bot)
    bot.services.ledger.import_ledger(plan(), actor=Actor.system("test"), dry_run=False)
    bot.clock.set(at(date(2026, 12, 9), 22, 0))
    (asked,) = await bot.send(OFFICER, "/extend 1 2026-12-31 汛期影响施工")
    assert text_of(asked).endswith(
        "现为免打扰时段，将于明日8:00送督导单位（1 人）审批，结果将通知您和责任领导。"
    )
    bot.clock.set(at(date(2026, 12, 10), 8, 0))
    await bot.deliver()
    bot.clock.set(at(date(2026, 12, 10), 22, 30))
    request = next(m for m in bot.api.sent(SUPERVISOR) if (m.text or "").startswith("【延期申请】"))
    (decided,) = (await bot.press(SUPERVISOR, request, request.button_data()[0])).replies
    assert text_of(decided).endswith("现为免打扰时段，将于明日8:00通知：张伟、李局长。")
    bot.clock.set(at(date(2026, 12, 11), 10, 0))
    (asked,) = await bot.send(OFFICER, "/extend 1 2027-01-15 再次延期")
    assert text_of(asked).endswith("已送督导单位（1 人）审批，结果将通知您和责任领导。")
    await bot.deliver()
    request = next(m for m in reversed(bot.api.sent(SUPERVISOR)) if (m.text or "").startswith("【延期申请】"))
    (decided,) = (await bot.press(SUPERVISOR, request, request.button_data()[1])).replies
    assert text_of(decided).endswith("已通知：张伟、李局长。")
