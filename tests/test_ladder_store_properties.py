"""The ladder over generated ledgers and clocks in a real store (Hypothesis): random items (some of a unit
nobody is bound for, 无人接收), the day's run over random weeks, messages that go out or are lost at random
(blocked, failed), reports and recorded 约谈 at random. What the store says of every level issued must
have happened: its facts were kept; no count of missed dispatches exceeds the dispatches of the item that
had reached someone by then; no referral without a 约谈 recorded before it; no level for an item nobody
receives."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ledger.actor import Actor
from ledger.errors import DubanError
from ledger.model import ItemSpec, ParsedLedger, Target
from scheduler.reasons import conditions_from_json, stated_missed_dispatches
from scheduler.rules import Level
from storage.models import Item
from storage.scheduling import DispatchRequest, Escalation, OutboxMessage, OutboxStatus, SummonsRecord
from tests.test_status_store import FIRST, OFFICE, SHANGHAI, UNITS, Store, open_store, stores, template

__all__ = ["stores", "template"]  # the fixtures this module uses

NOBODY = "各县区政府"  # a collective unit: nobody is bound for it
FATES = (
    OutboxStatus.SENT,
    OutboxStatus.SENT,
    OutboxStatus.MERGED,
    OutboxStatus.UNREACHABLE,
    OutboxStatus.FAILED,
)


@st.composite
def ledgers(draw: st.DrawFn) -> list[ItemSpec]:
    specs = []
    for n in range(1, draw(st.integers(1, 5)) + 1):
        start = FIRST - timedelta(days=draw(st.integers(0, 120)))
        deadline = start + timedelta(days=draw(st.integers(10, 200)))
        units = [NOBODY] if draw(st.booleans()) and n > 1 else [draw(st.sampled_from(UNITS))]
        specs.append(
            ItemSpec(
                str(n), f"事项{n}", "问题。", start, targets=[Target("目标", deadline)], responsible_units=units,
                supervising_units=[OFFICE],
            )
        )  # fmt: skip
    return specs


# Each day played: what becomes of the day's messages, whether (and on which item) the officer reports, whether
# the supervisor records a 约谈 of an item proposed for one; then one to three days pass.
DAYS = st.lists(
    st.tuples(st.sampled_from(FATES), st.integers(0, 5), st.integers(0, 100), st.booleans()),
    min_size=20,
    max_size=70,
)


def deliver(store: Store, fate: OutboxStatus) -> None:
    """The sender's outcome for every row due: sent, merged, or lost (blocked, refused)."""
    now = store.clock.now()
    with store.services.sessions() as session, session.begin():
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)):
            row.status = fate
            row.sent_at = now if fate in (OutboxStatus.SENT, OutboxStatus.MERGED) else None


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=ledgers(), days=DAYS)
def test_the_store_never_records_a_level_that_states_what_did_not_happen(
    template: Path, tmp_path: Path, stores: list[Store], specs: list[ItemSpec], days: list[tuple[OutboxStatus, int, int, bool]]
) -> None:  # fmt: skip
    store = open_store(template, tmp_path, stores)
    services = store.services
    services.roster.add_unit(NOBODY, actor=Actor.system("test"))
    services.ledger.import_ledger(ParsedLedger(specs), actor=Actor.system("test"), dry_run=False)
    officer, supervisor = store.viewers[1], store.viewers[3]
    day = FIRST
    for fate, n, percent, summon in days:
        store.clock.set(datetime.combine(day, time(0, 5), SHANGHAI).astimezone(UTC))
        services.daily_run.tick()
        store.day(day, 9)
        deliver(store, fate)
        store.day(day, 10)
        number = str(n % len(specs) + 1)
        try:
            if n >= 8:  # now and then the officer reports on one of the items
                services.reports.submit(officer, number, percent, "进展说明")
            if summon:
                with services.sessions() as session:
                    proposed = session.scalars(
                        select(Item.number).join(Escalation).where(Escalation.level == int(Level.SUMMONS))
                    ).first()
                if proposed is not None:
                    services.summonses.record(supervisor, proposed, day, "责任单位负责同志")
        except DubanError:
            pass  # a refusal (another unit's item, recorded already) is part of the story
        day += timedelta(days=1 + n % 3)

    with services.sessions() as session:
        unreached = [spec.number for spec in specs if spec.responsible_units == [NOBODY]]
        nobody_items = set(session.scalars(select(Item.id).where(Item.number.in_(unreached))))
        held = {
            row.item_id: row.recorded_at
            for row in session.scalars(select(SummonsRecord).order_by(SummonsRecord.recorded_at.desc()))
        }
        for escalation in session.scalars(select(Escalation)):
            event(f"level {escalation.level}")
            conditions = conditions_from_json(escalation.facts)
            assert conditions, escalation.reason
            assert escalation.item_id not in nobody_items
            reached = session.scalar(
                select(func.count(func.distinct(DispatchRequest.id)))
                .join(OutboxMessage, OutboxMessage.dispatch_id == DispatchRequest.id)
                .where(
                    DispatchRequest.item_id == escalation.item_id,
                    OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.MERGED)),
                    OutboxMessage.sent_at < escalation.issued_at,
                )
            )
            assert stated_missed_dispatches(conditions) <= (reached or 0)
            if escalation.level == Level.REFERRAL:
                assert escalation.item_id in held
                assert held[escalation.item_id] < escalation.issued_at
