"""A value reported on an indicator (指标数值) as an officer writes it, checked before anything is stored.

`/value 指标名或编号 数值 [期间] [数据来源] [确认]`: the number may carry its unit ("23", "23.5", "84%",
"23微克/立方米", full-width digits too) when it is the indicator's own; the period is written as officials
write it (2024年3月, 2024-03, 2024.3, 3月; 2024年第一季度, 一季度, 2024Q1; 2024年), once, and defaults to the last
period of the indicator's frequency that has ended. Pure: no store, no clock (`today` is passed in).

What is plausible (decided here, once): no negative value except for a reduction (下降, 降低: a negative
reduction is a rise), no share above 100 % (a unit of %), no period that has not ended (a month's mean or
ratio is known once the month is over), and a value more than `FAR_FACTOR` times the larger of the baseline
and the target — a slip of the decimal point as often as a real bad month (a dust storm) — is asked to be
confirmed: sent again with 确认 at the end it is taken.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Final

from ledger.dates import chinese_number
from ledger.errors import DubanError
from ledger.indicators import Frequency, IndicatorSpec, Period, is_reduction, number_text

FAR_FACTOR: Final = 3  # a value more than this many times the larger of baseline and target asks to confirm
CONFIRM_WORDS: Final = ("确认", "confirm")
PERCENT: Final = "%"

_NUMBER_RE: Final = re.compile(r"^(?P<n>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<unit>.*)$")
_CN_NUMBER: Final = r"[0-9〇零一二两三四五六七八九十]{1,3}"
_YEAR_MONTH_RE: Final = re.compile(r"^(?P<y>\d{4})\s*(?:年\s*(?P<m1>\d{1,2})\s*月份?|[-./](?P<m2>\d{1,2}))$")
_MONTH_RE: Final = re.compile(rf"^(?P<m>{_CN_NUMBER})\s*月份?$")
_QUARTER_RE: Final = re.compile(
    r"^(?:(?P<y>\d{4})\s*年?\s*)?(?:第\s*(?P<q1>[1-4一二三四])\s*季度|(?P<q2>[1-4一二三四])\s*季度|[Qq](?P<q3>[1-4]))$"
)
_YEAR_RE: Final = re.compile(r"^(?P<y>\d{4})\s*年?(?:度|全年)?$")
# A word that looks like an attempt at a period (a digit, 年, 月, 季度): unreadable, it is refused, never
# taken for the source.
_PERIOD_LIKE_RE: Final = re.compile(r"\d|年|月|季度|^[Qq][1-4]$")
_UNIT_ALIASES: Final = {
    "μg/m3": "微克/立方米",
    "ug/m3": "微克/立方米",
    "μg/m³": "微克/立方米",
    "ug/m³": "微克/立方米",
}


def _plain(text: str) -> str:
    """Full-width digits and signs as ASCII, spaces dropped (２３．５％ → 23.5%)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _unit_key(unit: str) -> str:
    plain = _plain(unit).lower()
    return _UNIT_ALIASES.get(plain, plain)


def read_number(text: str, spec: IndicatorSpec) -> float:
    """The number of "23", "23.5", "84%", "23微克/立方米"; a unit other than the indicator's is refused."""
    match = _NUMBER_RE.match(_plain(text))
    if match is None:
        raise DubanError("indicator/bad_value", text=text.strip()[:20], unit=spec.unit)
    written = match["unit"]
    if written and (spec.unit is None or _unit_key(written) != _unit_key(spec.unit)):
        raise DubanError("indicator/wrong_unit", name=spec.name, unit=spec.unit, written=written[:20])
    return float(match["n"])


def is_unit(text: str, spec: IndicatorSpec) -> bool:
    """Whether a word is the indicator's unit written apart from its number ("23 微克/立方米")."""
    return spec.unit is not None and _unit_key(text) == _unit_key(spec.unit)


def _month(text: str) -> int | None:
    number = int(text) if text.isdigit() else chinese_number(text)
    return number if number is not None and 1 <= number <= 12 else None


def _quarter(text: str) -> int:
    return int(text) if text.isdigit() else "一二三四".index(text) + 1


def read_period(text: str, frequency: Frequency, today: date) -> Period | None:
    """The period a word names, for an indicator of `frequency`; None when it names none (or one of another
    frequency: a month for a yearly indicator). Without a year, the latest such period that has begun."""
    plain = _plain(text)
    if frequency == Frequency.MONTHLY:
        if (m := _YEAR_MONTH_RE.match(plain)) is not None:
            month = _month(m["m1"] or m["m2"])
            return None if month is None else Period.of(frequency, date(int(m["y"]), month, 1))
        if (m := _MONTH_RE.match(plain)) is not None:
            month = _month(m["m"])
            if month is None:
                return None
            this_year = Period.of(frequency, date(today.year, month, 1))
            return (
                this_year
                if this_year.start <= today
                else Period.of(frequency, date(today.year - 1, month, 1))
            )
        return None
    if frequency == Frequency.QUARTERLY:
        if (m := _QUARTER_RE.match(plain)) is None:
            return None
        first = (_quarter(m["q1"] or m["q2"] or m["q3"]) - 1) * 3 + 1
        if m["y"]:
            return Period.of(frequency, date(int(m["y"]), first, 1))
        this_year = Period.of(frequency, date(today.year, first, 1))
        return this_year if this_year.start <= today else Period.of(frequency, date(today.year - 1, first, 1))
    if (m := _YEAR_RE.match(plain)) is not None:
        return Period.of(frequency, date(int(m["y"]), 1, 1))
    return None


def last_ended(frequency: Frequency, today: date) -> Period:
    """The last period of the frequency that has ended by `today` (the one a value is asked for)."""
    return Period.of(frequency, today).previous(frequency)


@dataclass(frozen=True)
class ValueLine:
    """What `/value` was given, read: the number, the period, the source (数据来源) and whether the
    officer confirmed a value far from the plan's numbers."""

    value: float
    period: Period
    source: str | None
    confirmed: bool


def read_value_line(value_text: str, rest: list[str], spec: IndicatorSpec, today: date) -> ValueLine:
    """`数值 [单位] [期间] [数据来源…] [确认]` for the indicator; refuses (DubanError) what it cannot take."""
    words = [w for w in rest if w.strip()]
    if words and is_unit(words[0], spec) and _NUMBER_RE.match(_plain(value_text)):
        value_text, words = value_text + words[0], words[1:]
    value = read_number(value_text, spec)
    confirmed = bool(words) and _plain(words[-1]).lower() in CONFIRM_WORDS
    if confirmed:
        words = words[:-1]
    period: Period | None = None
    if words and _PERIOD_LIKE_RE.search(_plain(words[0])):
        period = read_period(words[0], spec.frequency, today)
        if period is None:
            raise DubanError(
                "indicator/bad_period", text=words[0][:20], frequency=spec.frequency.value, today=today
            )
        words = words[1:]
    if words and read_period(words[0], spec.frequency, today) is not None:
        raise DubanError("indicator/period_twice", first=period, second=words[0][:20])
    period = period or last_ended(spec.frequency, today)
    if period.end >= today:
        raise DubanError("indicator/period_not_ended", period=period, frequency=spec.frequency.value)
    check_plausible(spec, value, confirmed=confirmed)
    source = " ".join(words).strip() or None
    return ValueLine(value, period, source[:200] if source else None, confirmed)


def check_plausible(spec: IndicatorSpec, value: float, *, confirmed: bool) -> None:
    """Refuse what cannot be (a negative measure, a share above 100 %), and ask to confirm what is far from
    the plan's numbers (more than `FAR_FACTOR` times the larger of baseline and target)."""
    reduction = is_reduction(spec.name)
    if value < 0 and not reduction:
        raise DubanError("indicator/negative", name=spec.name, value=number_text(value))
    if spec.unit == PERCENT and value > 100:
        raise DubanError("indicator/above_100", name=spec.name, value=number_text(value))
    marks = [abs(v) for v in (spec.baseline, spec.target) if v is not None and v != 0]
    if confirmed or spec.unit == PERCENT or not marks:
        return  # a share is bounded by 0 and 100 already
    reference = max(marks)
    if abs(value) > FAR_FACTOR * reference:
        raise DubanError(
            "indicator/far_from_plan",
            name=spec.name,
            value=number_text(value),
            unit=spec.unit,
            baseline=None if spec.baseline is None else number_text(spec.baseline),
            target=None if spec.target is None else number_text(spec.target),
            factor=FAR_FACTOR,
        )
