"""The indicator ledger (指标台账): the quantitative targets a plan sets, and the values reported on them.

An indicator is its own kind of ledger entry, beside the items: a name (its identity on re-import), a
category (类别), a unit of measure, an attribute (约束性 binding or 预期性 expected), a direction (≤ a ceiling,
≥ a floor, or none when the target is 完成上级下达目标 with no number), a baseline and a target with their
years, a responsible unit and a monitoring frequency (monthly by default).
"""

from __future__ import annotations

import enum
import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

from ledger.model import Location


class Attribute(enum.StrEnum):
    BINDING = "binding"  # 约束性
    EXPECTED = "expected"  # 预期性


class Direction(enum.StrEnum):
    CEILING = "le"  # ≤: the value must not rise above the target (PM2.5 浓度)
    FLOOR = "ge"  # ≥: the value must not fall below the target (优良天数比率)


class Frequency(enum.StrEnum):
    """How often a value is reported (监测频次)."""

    MONTHLY = "monthly"  # 每月
    QUARTERLY = "quarterly"  # 每季度
    YEARLY = "yearly"  # 每年


class Aggregation(enum.StrEnum):
    """What a value is judged as: the latest one, or the running mean over the monitoring year (an annual
    mean like the PM2.5 concentration, or a ratio like 优良天数比率: the year's figure is the mean of its
    months weighted by their days)."""

    LATEST = "latest"  # 最新值
    ANNUAL_MEAN = "annual_mean"  # 年均值


@dataclass
class IndicatorSpec:
    """One indicator as its source states it; numbers are None where the plan gives none (a "—")."""

    name: str
    category: str | None = None
    unit: str | None = None
    attribute: Attribute | None = None
    direction: Direction | None = None
    baseline: float | None = None
    baseline_year: int | None = None
    target: float | None = None
    target_year: int | None = None
    target_text: str | None = None  # a target stated without a number: 完成上级下达目标, 基本消除
    responsible_unit: str | None = None
    frequency: Frequency = Frequency.MONTHLY
    aggregation: Aggregation = Aggregation.LATEST
    location: Location = field(default_factory=Location)

    def record(self) -> dict[str, object]:
        """The comparable, JSON-ready form: what the audit log and `--dry-run --json` show."""
        return {
            "name": self.name,
            "category": self.category,
            "unit": self.unit,
            "attribute": self.attribute.value if self.attribute else None,
            "direction": self.direction.value if self.direction else None,
            "baseline": self.baseline,
            "baseline_year": self.baseline_year,
            "target": self.target,
            "target_year": self.target_year,
            "target_text": self.target_text,
            "responsible_unit": self.responsible_unit,
            "frequency": self.frequency.value,
            "aggregation": self.aggregation.value,
        }


@dataclass(frozen=True, order=True)
class Period:
    """A monitoring period (监测期): its first and last day."""

    start: date
    end: date

    @classmethod
    def of(cls, frequency: Frequency, day: date) -> Period:
        """The period of that frequency that contains the day."""
        if frequency == Frequency.YEARLY:
            return cls(date(day.year, 1, 1), date(day.year, 12, 31))
        first = day.month if frequency == Frequency.MONTHLY else (day.month - 1) // 3 * 3 + 1
        last = first if frequency == Frequency.MONTHLY else first + 2
        return cls(date(day.year, first, 1), date(day.year, last, monthrange(day.year, last)[1]))

    def previous(self, frequency: Frequency) -> Period:
        return Period.of(frequency, self.start - timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class IndicatorValue:
    """A value reported for a period, with who reported it and where it comes from (数据来源)."""

    period: Period
    value: float
    reporter: str | None = None
    source: str | None = None


# Words of a name that say which way it should go, and whether its year is judged as a mean.
_REDUCTION_RE: Final = re.compile(r"下降|降低|减少|削减")
_CEILING_NAME_RE: Final = re.compile(r"浓度|排放|强度|劣Ⅴ|劣V|能耗|消耗|用水量|噪声|PM2\.5|PM10")
_FLOOR_NAME_RE: Final = re.compile(r"率|比例|比率|占比|比重|覆盖|天数|达标|面积|保有量|蓄积量")
_MEAN_NAME_RE: Final = re.compile(r"浓度|比率|比例|占比|天数比")


def is_reduction(name: str) -> bool:
    """Whether the name measures a reduction (PM2.5浓度降低, 减排量 is none: it counts tonnes)."""
    return _REDUCTION_RE.search(name) is not None


def inferred_direction(name: str, baseline: float | None, target: float | None) -> Direction | None:
    """The direction a plan leaves to the reader: from baseline to target when both are given and differ,
    else from the name (a reduction such as "PM2.5浓度下降" is a floor on the reduction)."""
    if baseline is not None and target is not None and baseline != target:
        return Direction.CEILING if target < baseline else Direction.FLOOR
    if is_reduction(name):
        return Direction.FLOOR
    if _CEILING_NAME_RE.search(name):
        return Direction.CEILING
    if _FLOOR_NAME_RE.search(name):
        return Direction.FLOOR
    return None


def inferred_aggregation(name: str) -> Aggregation:
    """Concentrations and ratios are judged on their running annual mean; reductions and counts on their
    latest value."""
    if _MEAN_NAME_RE.search(name) and not is_reduction(name):
        return Aggregation.ANNUAL_MEAN
    return Aggregation.LATEST


def number_text(value: float) -> str:
    """A number as officials write it: 21, 21.6, 93.8 (at most two decimals, no trailing zeros)."""
    return f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
