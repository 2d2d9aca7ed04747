"""When a binding indicator (约束性指标) is asked for its value and when it climbs its ladder (督办提醒 → 预警 →
通报), pure: no store, no clock; the day's rule passes the day, the values and the calendar.

- Asking (指标调度): a value is asked for a period once it has ended, on the first working day after it,
  to be answered within the office's `answer_within` working days (as a dispatch is).
- The ladder: each ended period is judged by `ledger.indicator_progress.judge`. A period is bad when the
  indicator is off track (偏离序时进度) or its value is unreported (未报送, once its answer-by day has passed:
  it counts like a missed dispatch). The bad periods in a row, counted back from the period judged, give the
  level: one → 督办提醒, two → 预警, three or more → 通报 (again every further bad period). A period on track
  ends the row. At most one level per indicator per period; periods before the indicator was tracked (the
  period it was imported in) do not count.
- The reason is the verdict itself, with its numbers, kept as the facts of the level
  (`verdict_facts` / `verdict_from_facts`: the one home of an indicator's reason), and the row's count.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from ledger.indicator_progress import TrackState, Verdict, judge
from ledger.indicators import Direction, IndicatorSpec, IndicatorValue, Period
from scheduler.calendar import WorkCalendar
from scheduler.rules import Level, Rules

BAD_STATES = frozenset({TrackState.OFF_TRACK, TrackState.UNREPORTED})


def due_period(spec: IndicatorSpec, today: date) -> Period:
    """The period a value is due for on `today`: the last one of the indicator's frequency that has ended."""
    return Period.of(spec.frequency, today).previous(spec.frequency)


def ask_day(period: Period, calendar: WorkCalendar) -> date:
    """The day a period's value is asked: the first working day after the period ended."""
    return calendar.add_working_days(period.end, 1)


def answer_by(period: Period, calendar: WorkCalendar, rules: Rules) -> date:
    """The day a period's value is due: `answer_within` working days after it is asked."""
    return calendar.add_working_days(ask_day(period, calendar), rules.answer_within)


def first_tracked(spec: IndicatorSpec, since: date) -> Period:
    """The first period an indicator imported on `since` is asked for and judged on: the one it came in."""
    return Period.of(spec.frequency, since)


def asked_today(spec: IndicatorSpec, today: date, since: date, calendar: WorkCalendar) -> Period | None:
    """The period whose value is to be asked on `today` (from its ask day on; the message is sent once, under
    its idempotency key), or None: none has ended since the indicator was tracked."""
    period = due_period(spec, today)
    if period < first_tracked(spec, since) or today < ask_day(period, calendar):
        return None
    return period


def period_verdict(spec: IndicatorSpec, values: Iterable[IndicatorValue], period: Period) -> Verdict:
    """What `judge` says of an ended period as the values known now decide it: the day after it ended, of
    the values of that period and earlier ones."""
    earlier = [v for v in values if v.period.end <= period.end]
    return judge(spec, earlier, period.end + timedelta(days=1))


@dataclass(frozen=True)
class IndicatorStep:
    """A level an indicator climbs today for `period`: `verdict` is `judge` of the store today (what the
    message states), `streak` the bad periods in a row ending with it, `unreported` how many of them had
    no value."""

    level: Level
    period: Period
    verdict: Verdict
    streak: int
    unreported: int


def next_indicator_step(
    spec: IndicatorSpec,
    values: Iterable[IndicatorValue],
    today: date,
    *,
    since: date,
    issued: Collection[Period],
    calendar: WorkCalendar,
    rules: Rules,
) -> IndicatorStep | None:
    """The level due today for the period judged, or None (on track, not judged, not tracked yet, still time
    to report, or a level already issued for the period). See the module's docstring."""
    values = list(values)
    period = due_period(spec, today)
    first = first_tracked(spec, since)
    if period < first or period in issued:
        return None
    verdict = judge(spec, values, today)
    if verdict.state not in BAD_STATES:
        return None
    if verdict.state == TrackState.UNREPORTED and today <= answer_by(period, calendar, rules):
        return None
    streak, unreported = 1, int(verdict.state == TrackState.UNREPORTED)
    earlier = period.previous(spec.frequency)
    while earlier >= first:
        state = period_verdict(spec, values, earlier).state
        if state not in BAD_STATES:
            break
        streak += 1
        unreported += state == TrackState.UNREPORTED
        earlier = earlier.previous(spec.frequency)
    level = Level.BLUE if streak == 1 else Level.YELLOW if streak == 2 else Level.RED
    return IndicatorStep(level, period, verdict, streak, unreported)


def verdict_facts(step: IndicatorStep) -> dict[str, Any]:
    """The step's reason as stored (`indicator_escalations.facts`, JSON) and rendered."""
    v = step.verdict
    return {
        "state": v.state.value, "name": v.name, "unit": v.unit, "year": v.year, "value": v.value,
        "mean": v.mean, "path": v.path, "target": v.target, "target_year": v.target_year,
        "direction": v.direction.value if v.direction else None,
        "due": [v.due.start.isoformat(), v.due.end.isoformat()] if v.due else None,
        "streak": step.streak, "unreported": step.unreported,
    }  # fmt: skip


def verdict_from_facts(facts: Mapping[str, Any]) -> Verdict:
    """The verdict a stored level states, back (for `indicators/verdict`)."""
    due = facts.get("due")
    direction = facts.get("direction")
    base = Verdict(TrackState(facts["state"]), str(facts["name"]), facts.get("unit"))
    return replace(
        base,
        year=facts.get("year"),
        value=facts.get("value"),
        mean=bool(facts.get("mean")),
        path=facts.get("path"),
        target=facts.get("target"),
        target_year=facts.get("target_year"),
        direction=Direction(direction) if direction else None,
        due=Period(date.fromisoformat(due[0]), date.fromisoformat(due[1])) if due else None,
    )
