"""Whether a binding indicator (约束性指标) is on track on a given day: the off-track rule, pure.

The plan's path (序时目标) runs straight from the baseline to the target. A value judged as its latest one is
held against the path at the end of its period; a value judged as an annual mean (PM2.5 浓度, 优良天数比率)
is the running mean of the year's periods, weighted by their days, held against the path at the end of
that year. Once the target year is reached the target itself is the mark. An indicator with no value for
its last ended period (nor a later one) is unreported, whatever it stood at before.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from ledger.indicators import Aggregation, Attribute, Direction, IndicatorSpec, IndicatorValue, Period


class TrackState(enum.StrEnum):
    ON_TRACK = "on_track"  # 符合序时进度
    OFF_TRACK = "off_track"  # 偏离序时进度
    UNREPORTED = "unreported"  # 未报送
    NOT_JUDGED = "not_judged"  # 预期性, or no number to hold it against


@dataclass(frozen=True)
class Verdict:
    """The state of an indicator on a day, with the numbers that decided it (for the reason shown)."""

    state: TrackState
    name: str
    unit: str | None
    year: int | None = None  # the year of the value judged
    value: float | None = None  # the latest value, or the year's running mean
    mean: bool = False  # `value` is the running annual mean
    path: float | None = None  # 序时目标: where the straight path stands (the target once reached)
    target: float | None = None
    target_year: int | None = None
    direction: Direction | None = None
    due: Period | None = None  # the period a value is due for (unreported)


def path_value(spec: IndicatorSpec, on: date, *, whole_years: bool) -> float:
    """Where the straight path from baseline to target stands on a day (at the end of its year when
    `whole_years`); the target itself from the target year on, or when there is no baseline to start from."""
    assert spec.target is not None
    assert spec.target_year is not None
    if spec.baseline is None or spec.baseline_year is None or spec.baseline_year >= spec.target_year:
        return spec.target
    if whole_years:
        share = (on.year - spec.baseline_year) / (spec.target_year - spec.baseline_year)
    else:
        start, end = date(spec.baseline_year, 12, 31), date(spec.target_year, 12, 31)
        share = (on - start).days / (end - start).days
    share = min(max(share, 0.0), 1.0)
    return spec.baseline + (spec.target - spec.baseline) * share


def latest_per_period(values: Iterable[IndicatorValue], on: date) -> dict[Period, IndicatorValue]:
    """The values known on the day, one per period: a later report for the same period corrects it."""
    latest: dict[Period, IndicatorValue] = {}
    for value in values:
        if value.period.start <= on:
            latest[value.period] = value
    return latest


def running_mean(values: Iterable[IndicatorValue]) -> float:
    """The mean of the periods' values weighted by their days: a year's ratio or mean concentration."""
    entries = list(values)
    days = sum(v.period.days for v in entries)
    return sum(v.value * v.period.days for v in entries) / days


def judge(spec: IndicatorSpec, values: Iterable[IndicatorValue], on: date) -> Verdict:
    """The indicator's state on the day `on` (see the module's docstring)."""
    base = Verdict(
        TrackState.NOT_JUDGED, spec.name, spec.unit, target=spec.target, target_year=spec.target_year
    )
    if (
        spec.attribute != Attribute.BINDING
        or spec.direction is None
        or spec.target is None
        or spec.target_year is None
    ):
        return base
    known = latest_per_period(values, on)
    due = Period.of(spec.frequency, on).previous(spec.frequency)
    if not any(period.end >= due.end for period in known):
        return replace(base, state=TrackState.UNREPORTED, due=due, direction=spec.direction)
    last = max(known)
    year = last.end.year
    mean = spec.aggregation == Aggregation.ANNUAL_MEAN
    if mean:
        value = running_mean(v for p, v in known.items() if p.end.year == year)
        path = path_value(spec, date(year, 12, 31), whole_years=True)
    else:
        value = known[last].value
        path = path_value(spec, last.end, whole_years=False)
    wrong_side = value > path if spec.direction == Direction.CEILING else value < path
    return replace(
        base,
        state=TrackState.OFF_TRACK if wrong_side else TrackState.ON_TRACK,
        year=year,
        value=value,
        mean=mean,
        path=path,
        direction=spec.direction,
    )
