"""顺延一个工作日 happens once per reminder message: a double tap, or two taps at once, is one snooze, and the
snoozed reminder arrives once (issue 9). A transcript, two taps at once on both stores, and any sequence of
taps."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from ledger.actor import Actor
from ledger.clock import ManualClock
from ledger.errors import DubanError
from ledger.model import ItemSpec, ParsedLedger, Role, Target
from services.container import Services
from storage.models import AuditEntry, Person
from storage.scheduling import OutboxMessage
from tests.harness import BotHarness, text_of
from tests.test_scheduler import OFFICER, at, outbox, setup_ledger

REMINDER_DAY = date(2026, 12, 11)  # 14 working days before 31 December


def snoozes(rows: list[OutboxMessage]) -> list[OutboxMessage]:
    return [r for r in rows if r.snooze_of_id is not None]


async def test_a_double_tap_is_one_snooze_and_the_reminder_arrives_once(bot: BotHarness) -> None:
    """Seen: two taps in a row queued two snoozed reminders (the second used up the second snooze), and the
    officer got the same reminder twice the next working day."""
    await setup_ledger(bot, date(2026, 12, 31))
    bot.clock.set(at(REMINDER_DAY, 9))
    bot.services.daily_run.tick()
    await bot.deliver()
    (reminder,) = bot.api.sent(OFFICER)
    snooze = reminder.button_data()[2]
    first = (await bot.press(OFFICER, reminder, snooze)).answered
    second = (await bot.press(OFFICER, reminder, snooze)).answered
    assert first.text == "第1项的提醒已顺延至 2026-12-14 09:05。"
    assert second.text == first.text  # 已顺延: the same snooze, nothing more queued
    assert len(snoozes(outbox(bot))) == 1
    bot.clock.set(at(date(2026, 12, 14), 9, 5))
    await bot.deliver()
    again = bot.api.sent(OFFICER)[1:]
    assert [text_of(m).splitlines()[0] for m in again] == ["【整改时限提醒】第1项 事项1"]  # once
    # The snoozed reminder has its own button: the second snooze is still there to use.
    answered = (await bot.press(OFFICER, again[0], again[0].button_data()[2])).answered
    assert answered.text == "第1项的提醒已顺延至 2026-12-15 09:05。"
    with bot.services.sessions() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action == "snooze")).all()
        assert len(actions) == 2


async def test_a_snooze_into_the_quiet_hours_says_when_it_will_really_come(bot: BotHarness) -> None:
    """Seen: tapped at 22:10, the answer promised 22:10 the next working day; the quiet hours held the
    reminder until 08:00 the day after."""
    await setup_ledger(bot, date(2026, 12, 31))
    bot.clock.set(at(REMINDER_DAY, 9))
    bot.services.daily_run.tick()
    await bot.deliver()
    (reminder,) = bot.api.sent(OFFICER)
    bot.clock.set(at(REMINDER_DAY, 22, 10))
    answered = (await bot.press(OFFICER, reminder, reminder.button_data()[2])).answered
    assert answered.text == "第1项的提醒已顺延至 2026-12-15 08:00。"
    (row,) = snoozes(outbox(bot))
    assert row.not_before == at(date(2026, 12, 15), 8, 0)


def reminded(services: Services, clock: ManualClock) -> tuple[int, OutboxMessage]:
    """An officer with a delivered-looking reminder about item 1 (deadline 31 December); the officer's
    person id and the reminder row."""
    roster = services.roster
    roster.add_unit("市住建局", actor=Actor.system("test"))
    spec = ItemSpec(
        number="1", title="事项1", problem="问题1。", start=date(2026, 1, 1),
        targets=[Target("目标1", date(2026, 12, 31))], responsible_units=["市住建局"],
    )  # fmt: skip
    services.ledger.import_ledger(ParsedLedger(items=[spec]), actor=Actor.system("test"), dry_run=False)
    roster.add_person(
        "张伟", unit="市住建局", role=Role.OFFICER, actor=Actor.system("test"), telegram_user_id=OFFICER
    )
    clock.set(at(REMINDER_DAY, 9))
    services.daily_run.tick()
    with services.sessions() as session:
        person = session.scalars(select(Person)).one()
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).one()
        return person.id, row


def test_two_taps_at_once_are_one_snooze(services: Services, clock: ManualClock) -> None:
    person_id, row = reminded(services, clock)
    barrier = threading.Barrier(2)
    answers: list[object] = []

    def tap() -> None:
        barrier.wait()
        try:
            answers.append(services.reminders.snooze(person_id, row.id).until)
        except DubanError as error:  # pragma: no cover - what must not happen
            answers.append(error)

    for _ in range(5):
        with services.sessions() as session, session.begin():
            session.execute(delete(OutboxMessage).where(OutboxMessage.snooze_of_id.is_not(None)))
        answers.clear()
        threads = [threading.Thread(target=tap) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with services.sessions() as session:
            made = session.scalars(select(OutboxMessage).where(OutboxMessage.snooze_of_id == row.id)).all()
        assert len(made) == 1
        assert answers == [made[0].not_before, made[0].not_before]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(taps=st.lists(st.integers(0, 3), min_size=1, max_size=8))
def test_any_sequence_of_taps_snoozes_each_message_once_and_the_reminder_at_most_snooze_max(
    services: Services, clock: ManualClock, taps: list[int]
) -> None:
    """Each tap is on the reminder (0) or on the k-th snoozed copy of it, if there is one yet. Whatever the
    order: one snooze per message tapped, never more than `snooze_max` in all, and a repeated tap is
    answered with the time of the first."""
    with services.sessions() as session:
        existing = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).first()
    if existing is None:
        person_id, original = reminded(services, clock)
    else:
        with services.sessions() as session:
            person_id = session.scalars(select(Person.id)).one()
        original = existing
    with services.sessions() as session, session.begin():
        session.execute(delete(OutboxMessage).where(OutboxMessage.snooze_of_id.is_not(None)))
    chain = [original.id]  # the reminder and its snoozed copies, oldest first
    first_answer: dict[int, object] = {}
    for tap in taps:
        if tap >= len(chain):
            continue
        outbox_id = chain[tap]
        if outbox_id not in first_answer and len(chain) - 1 >= 2:  # both snoozes used: the limit
            with pytest.raises(DubanError, match="reminder/snooze_limit"):
                services.reminders.snooze(person_id, outbox_id)
            continue
        until = services.reminders.snooze(person_id, outbox_id).until
        if outbox_id in first_answer:
            assert until == first_answer[outbox_id]
        else:
            first_answer[outbox_id] = until
            with services.sessions() as session:
                newest = session.scalars(
                    select(OutboxMessage.id)
                    .where(OutboxMessage.snooze_of_id == original.id)
                    .order_by(OutboxMessage.id.desc())
                ).first()
            assert newest is not None
            chain.append(newest)
    with services.sessions() as session:
        made = session.scalars(select(OutboxMessage).where(OutboxMessage.snooze_of_id == original.id)).all()
    assert len(made) == len(first_answer) <= 2
    assert len({r.key for r in made}) == len(made)
    assert all(r.not_before - at(REMINDER_DAY, 9) >= timedelta(days=1) for r in made)
