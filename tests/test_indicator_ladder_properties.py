"""The indicator's ladder over generated readings in a real store (Hypothesis): a binding indicator (≤ or ≥,
an annual mean or a latest value, monthly or quarterly), values reported through `/value` some days after
their period ended, some never, some corrected later, and the indicators' rule of the day's run
(as `DailyRun.tick` runs it) every day for half a year. Every level
the store issued states what was true of the store that day: its numbers are `judge()`'s for the values
reported by then, the message says them, the bad periods it counts in a row were bad, and none is issued
twice for a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ledger.indicator_progress import judge
from ledger.indicators import (
    Aggregation,
    Attribute,
    Direction,
    Frequency,
    IndicatorSpec,
    IndicatorValue,
    Period,
)
from ledger.model import ParsedLedger
from messages.render import Renderer, build_environment
from scheduler.indicator_ladder import BAD_STATES, period_verdict
from scheduler.rules import Level
from storage.indicator_tables import IndicatorEscalation
from storage.scheduling import OutboxMessage
from tests.test_indicator_values import TEST
from tests.test_status_store import SHANGHAI, Store, open_store, stores, template

__all__ = ["stores", "template"]  # the fixtures this module uses

RENDERER = Renderer(build_environment(), SHANGHAI)
START = date(2020, 12, 20)  # the day the indicator is imported
END = date(2021, 6, 20)
SUPERVISOR = 3  # the store's supervisor (telegram id): may report any indicator


@st.composite
def indicators(draw: st.DrawFn) -> IndicatorSpec:
    ceiling = draw(st.booleans())
    baseline = draw(st.integers(20, 40) if ceiling else st.integers(60, 90))
    target = baseline - draw(st.integers(0, 8)) if ceiling else min(100, baseline + draw(st.integers(0, 8)))
    return IndicatorSpec(
        name="细颗粒物浓度" if ceiling else "优良天数比率",
        unit="微克/立方米" if ceiling else "%",
        attribute=Attribute.BINDING,
        direction=Direction.CEILING if ceiling else Direction.FLOOR,
        baseline=baseline,
        baseline_year=2020,
        target=target,
        target_year=draw(st.integers(2021, 2025)),
        responsible_unit="市生态环境局",
        frequency=draw(st.sampled_from([Frequency.MONTHLY, Frequency.MONTHLY, Frequency.QUARTERLY])),
        aggregation=draw(st.sampled_from(Aggregation)),
    )


@dataclass(frozen=True)
class Report:
    """A value reported `after` days past its period's end (and a correction `later` days after that)."""

    value: float
    after: int
    correction: tuple[float, int] | None


def reports(spec: IndicatorSpec) -> st.SearchStrategy[list[Report | None]]:
    # Within what /value takes without asking to confirm (three times the baseline of 20 at least).
    low, high = (5, 55) if spec.direction == Direction.CEILING else (40, 100)
    value = st.integers(low * 10, high * 10).map(lambda v: v / 10)
    report = st.builds(Report, value, st.integers(1, 12), st.none() | st.tuples(value, st.integers(1, 30)))
    return st.lists(st.none() | report, min_size=7, max_size=7)


def periods(spec: IndicatorSpec) -> list[Period]:
    found, period = [], Period.of(spec.frequency, START)
    while period.end < END:
        found.append(period)
        period = Period.of(spec.frequency, period.end + timedelta(days=1))
    return found


def period_text(period: Period) -> str:
    if period.start.month == period.end.month:
        return f"{period.start.year}-{period.start.month:02d}"
    return f"{period.start.year}Q{(period.start.month - 1) // 3 + 1}"


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


def run_rule(store: Store, day: date) -> None:
    """The indicators' daily rule as the day's run calls it: in one transaction, then the outbox written (the
    items' rules, which cost most of a tick and have nothing to do here, are left out to keep this quick)."""
    services = store.services
    office = services.office
    with services.sessions() as session, session.begin():
        outbox = office.outbox(session, office.now())
        services.indicators.daily(session, outbox, day, office.calendar(session), office.rules(session))
        outbox.write()


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_level_states_what_judge_says_of_the_store_that_day(
    template: Path, tmp_path: Path, stores: list[Store], data: st.DataObject
) -> None:
    spec = data.draw(indicators())
    plan = data.draw(reports(spec))
    store = open_store(template, tmp_path, stores)
    services = store.services
    store.clock.set(at(START, 10))
    assert (
        services.ledger.import_ledger(ParsedLedger(indicators=[spec]), actor=TEST, dry_run=False).errors == []
    )
    # Each day: what is reported on it, (period, value).
    due: dict[date, list[tuple[Period, float]]] = {}
    for period, report in zip(periods(spec), plan, strict=False):
        if report is None:
            continue
        day = period.end + timedelta(days=report.after)
        due.setdefault(day, []).append((period, report.value))
        if report.correction is not None:
            value, later = report.correction
            due.setdefault(day + timedelta(days=later), []).append((period, value))
    reported: list[IndicatorValue] = []  # the model: what was reported, in order
    seen: set[int] = set()
    day = START + timedelta(days=1)
    while day <= END:
        store.clock.set(at(day, 0))
        run_rule(store, day)
        with services.sessions() as session:
            issued = list(
                session.scalars(select(IndicatorEscalation).where(IndicatorEscalation.id.not_in(seen)))
            )
            for escalation in issued:
                seen.add(escalation.id)
                verdict = judge(spec, reported, day)
                assert escalation.facts["state"] == verdict.state.value
                for name in ("value", "path", "target", "year", "mean"):
                    assert escalation.facts[name] == getattr(verdict, name), name
                assert verdict.state in BAD_STATES
                streak = escalation.facts["streak"]
                assert Level(escalation.level) == Level(min(streak, Level.RED))
                earlier = Period(escalation.period_start, escalation.period_end)
                for _ in range(streak - 1):  # every period the row counts was bad, as the store knew it
                    earlier = earlier.previous(spec.frequency)
                    assert earlier >= Period.of(spec.frequency, START)
                    assert period_verdict(spec, reported, earlier).state in BAD_STATES
                said = RENDERER.render("zh_CN", "indicators/verdict", v=verdict)
                texts = session.scalars(
                    select(OutboxMessage.text).where(OutboxMessage.key.like(f"indesc:{escalation.id}:%"))
                ).all()
                assert texts
                assert all(said in text for text in texts)
            periods_issued = [e.period_start for e in session.scalars(select(IndicatorEscalation))]
            assert len(periods_issued) == len(set(periods_issued))  # one level per period
        store.clock.set(at(day, 10))
        for period, value in due.get(day, []):
            services.indicators.report(store.viewers[SUPERVISOR], ["1", str(value), period_text(period)])
            reported.append(IndicatorValue(period, value))
        day += timedelta(days=1)
