"""Chinese date and deadline expressions as plans write them (2020年12月底前, 立行立改, 第1项目标…)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Final

_DIGITS: Final = dict(zip("〇零○一二两三四五六七八九", (0, 0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_UNITS: Final = {"十": 10, "百": 100, "千": 1000}

# Words of a 整改时限 that mean "no end date": the item stays under periodic dispatch.
CONTINUING_WORDS: Final = ("立行立改", "持续", "长期", "常态化", "久久为功")

_CN: Final = "〇零○一二三四五六七八九十两"
_YEAR: Final = r"(?P<y>\d{4}|[〇零○一二三四五六七八九]{4})\s*年\s*"
_MONTH: Final = rf"(?P<m>1[0-2]|0?[1-9]|[{_CN}]{{1,3}})\s*月\s*(?:份\s*)?"
_DAY: Final = rf"(?P<d>3[01]|[12]\d|0?[1-9]|[{_CN}]{{1,3}})\s*[日号]"
_DATE_RE: Final = re.compile(
    rf"(?<!\d)(?:{_YEAR})?(?:"
    rf"{_MONTH}(?:{_DAY}|(?P<mend>[底末]))"
    rf"|(?P<yend>(?:年\s*)?[底末])"
    rf"|(?P<monly>(?<=年)\s*(?P<m2>1[0-2]|0?[1-9])\s*月(?!\s*\d))"
    rf")"
    rf"|(?<!\d)(?P<iy>\d{{4}})\s*[-/.]\s*(?P<im>\d{{1,2}})\s*[-/.]\s*(?P<id>\d{{1,2}})(?!\d)"
)
_PER_TARGET_RE: Final = re.compile(
    rf"第\s*(?P<nums>[\d{_CN}]+(?:\s*[、,，和及\-~～至到]\s*[\d{_CN}]+)*)\s*项?\s*目标\s*[:：为于]?\s*"
)


def chinese_number(text: str) -> int | None:
    """The value of a number written in Arabic or Chinese digits ("24", "二十四", "一百零二", "二〇二〇")."""
    text = text.strip()
    if text.isascii() and text.isdigit():
        return int(text)
    if not text or any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        return None
    if not any(ch in _UNITS for ch in text):
        # Digit by digit, as years are written: 二〇二〇.
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
    return total + (digit or 0)


@dataclass(frozen=True)
class DateMatch:
    """A date expression found in a text: its span, its value and its words."""

    start: int
    end: int
    value: date
    text: str


@dataclass(frozen=True)
class Deadline:
    """What a 整改时限 says: dates for all targets, dates per target number, or continuing."""

    text: str
    continuing: bool = False
    dates: tuple[date, ...] = ()
    per_target: tuple[tuple[int, date], ...] = ()

    @property
    def recognized(self) -> bool:
        """Whether anything in the text was understood."""
        return self.continuing or bool(self.dates) or bool(self.per_target)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _to_date(m: re.Match[str], plan_year: int | None) -> date | None:
    if m.group("iy"):
        year, month, day = int(m.group("iy")), int(m.group("im")), int(m.group("id"))
    else:
        year_text = m.group("y")
        year_value = chinese_number(year_text) if year_text else plan_year
        if year_value is None:
            return None
        year = year_value
        if m.group("yend"):
            # "年底" needs its own year: "去年年底" must not become the plan's year.
            return date(year, 12, 31) if year_text else None
        month_value = chinese_number(m.group("m") or m.group("m2") or "")
        if month_value is None or not 1 <= month_value <= 12:
            return None
        month = month_value
        if m.group("monly") and not year_text:
            return None
        if m.group("mend") or m.group("monly"):
            return _month_end(year, month)
        day_value = chinese_number(m.group("d"))
        if day_value is None:
            return None
        day = day_value
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str, plan_year: int | None = None) -> list[DateMatch]:
    """Every date expression of `text`; a date without a year takes `plan_year` (none if it is None)."""
    found = []
    for m in _DATE_RE.finditer(text):
        value = _to_date(m, plan_year)
        if value is not None:
            found.append(DateMatch(m.start(), m.end(), value, m.group(0)))
    return found


def parse_chinese_date(text: str, plan_year: int | None = None) -> date | None:
    """The date a whole text states ("2017年9月30日", "2020年12月底前", "到2020年底", "2020-12-16")."""
    stripped = re.sub(
        r"^\s*(?:力争)?(?:到|于|在)?|(?:之前|以前|前)?(?:完成|止)?\s*[。.]?\s*$", "", text.strip()
    )
    m = _DATE_RE.fullmatch(stripped.strip())
    if m is not None:
        return _to_date(m, plan_year)
    year_only = re.fullmatch(r"(\d{4})\s*年", stripped.strip())
    return date(int(year_only.group(1)), 12, 31) if year_only else None


def _target_numbers(text: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*[、,，和及]\s*", text):
        bounds = [chinese_number(p) for p in re.split(r"\s*[-~～至到]\s*", part)]
        if any(b is None for b in bounds):
            continue
        first, last = bounds[0], bounds[-1]
        if first is not None and last is not None:
            numbers.extend(range(first, last + 1))
    return numbers


def parse_deadline_expression(text: str, plan_year: int | None = None) -> Deadline:
    """Read a 整改时限 cell or field.

    "第1、2、3项目标2017年9月30日;第4项目标2017年10月31日" gives per-target dates; a plain date applies
    to every target; 立行立改/持续加强/长期坚持 mean continuing. Unknown text gives `recognized == False`.
    """
    dates = find_dates(text, plan_year)
    per_target: list[tuple[int, date]] = []
    used: set[int] = set()
    for m in _PER_TARGET_RE.finditer(text):
        following = next((d for d in dates if d.start >= m.end()), None)
        if following is None or following.start - m.end() > 3:
            continue
        used.add(following.start)
        per_target.extend((number, following.value) for number in _target_numbers(m.group("nums")))
    plain = tuple(d.value for d in dates if d.start not in used)
    if not plain and not per_target:
        whole = parse_chinese_date(text, plan_year)
        plain = (whole,) if whole is not None else ()
    continuing = any(word in text for word in CONTINUING_WORDS)
    return Deadline(text=text, continuing=continuing, dates=plain, per_target=tuple(per_target))
