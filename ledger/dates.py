"""Chinese date and deadline expressions as plans write them (2020年12月底前, 立行立改, 第1项目标…)."""

from __future__ import annotations

import calendar
import enum
import re
import unicodedata
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
    rf"|(?P<half>[上下])半年"
    rf"|第?(?P<q>[一二三四1-4])\s*季度(?:末|底)?"
    rf"|(?P<flood>汛期?前)"
    rf"|(?P<monly>(?<=年)\s*(?P<m2>1[0-2]|0?[1-9])\s*月(?!\s*\d))"
    rf"|(?P<yonly>(?<=年)(?=\s*(?:前|以前|之前)))"
    rf")"
    rf"|(?<!\d)(?P<iy>\d{{4}})\s*[-/.]\s*(?P<im>\d{{1,2}})\s*[-/.]\s*(?P<id>\d{{1,2}})(?!\d)"
)
# "到2025年," states a target year: its last day.
_TARGET_YEAR_RE: Final = re.compile(
    r"(?:到|至|于|力争到|力争)\s*(?P<y>\d{4})\s*年(?![\d底末上下第一二三四五六七八九十汛\s]|\s*\d)"
)
_PER_TARGET_RE: Final = re.compile(
    rf"第\s*(?P<nums>[\d{_CN}]+(?:\s*[、,，和及\-~～至到]\s*[\d{_CN}]+)*)\s*项?\s*目标\s*[:：为于]?\s*"
)
# A recurring date (每月18日前, 每季度末) is a cadence, "从…起" a start, "截至…" the date of a figure.
_CADENCE_BEFORE_RE: Final = re.compile(r"每(?:个)?(?:月|季度|季|半年|年|周|旬)[^,，。;；]{0,2}$")
_CADENCE_RE: Final = re.compile(r"每(?:个)?(?:月|季度|季|半年|年|周|旬)")
_START_AFTER_RE: Final = re.compile(r"^\s*(?:起|开始)")
_START_BEFORE_RE: Final = re.compile(r"(?:从|自)\s*$")
_AS_OF_BEFORE_RE: Final = re.compile(r"(?:截至|截止|截止到|截至到)\s*(?:目前|到)?\s*$")
# "去年年底" is no date of the plan's year; "明年年底" is the next one.
_RELATIVE_YEAR: Final = {"去": None, "上": None, "前": None, "今": 0, "本": 0, "当": 0, "明": 1, "次": 1}
# 汛期 begins on 1 June in most provinces: "汛期前" is 31 May.
FLOOD_SEASON_EVE: Final = (5, 31)
# A year written as a placeholder in a template that was never filled in: 20XX年, 20××年, 2020年X月XX日.
PLACEHOLDER_DATE_RE: Final = re.compile(
    r"(?:\d{2}|二〇)[XxＸｘ×*＊□○〇]{2}\s*年(?:\s*[\dXxＸｘ×*＊□]{1,2}\s*月(?:\s*[\dXxＸｘ×*＊□]{1,2}\s*日)?)?"
    r"|\d{4}\s*年\s*[XxＸｘ×*＊□]{1,2}\s*月(?:\s*[\dXxＸｘ×*＊□]{1,2}\s*日)?"
)


class DateKind(enum.StrEnum):
    """What a date found in a plan's text stands for."""

    DEADLINE = "deadline"
    START = "start"  # 从2020年7月1日起
    CADENCE = "cadence"  # 每月18日前
    AS_OF = "as_of"  # 截至2020年6月底


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
    """A date expression found in a text: its span, its value, its words and what it stands for."""

    start: int
    end: int
    value: date
    text: str
    kind: DateKind = DateKind.DEADLINE


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


def _year_of(m: re.Match[str], plan_year: int | None, before: str) -> int | None:
    """The year a match states, else the plan's year moved by a word before it (今年, 明年; 去年: none)."""
    year_text = m.group("y")
    if year_text:
        return chinese_number(year_text)
    relative = re.search(r"([去上前今本当明次])年\s*$", before)
    if relative is None:
        return plan_year
    shift = _RELATIVE_YEAR[relative.group(1)]
    return None if shift is None or plan_year is None else plan_year + shift


def _to_date(m: re.Match[str], plan_year: int | None, before: str = "") -> date | None:
    if m.group("iy"):
        year, month, day = int(m.group("iy")), int(m.group("im")), int(m.group("id"))
    else:
        year_value = _year_of(m, plan_year, before)
        if year_value is None:
            return None
        year = year_value
        if m.group("yend") is not None:
            # A bare "底" is no date ("彻底"): without its own year it must say "年底".
            return date(year, 12, 31) if m.group("y") or m.group("yend").startswith("年") else None
        if m.group("yonly") is not None:
            return date(year, 12, 31) if m.group("y") else None
        if m.group("half"):
            return date(year, 6, 30) if m.group("half") == "上" else date(year, 12, 31)
        if m.group("q"):
            quarter = chinese_number(m.group("q")) or 0
            return _month_end(year, quarter * 3) if 1 <= quarter <= 4 else None
        if m.group("flood"):
            return date(year, *FLOOD_SEASON_EVE)
        month_value = chinese_number(m.group("m") or m.group("m2") or "")
        if month_value is None or not 1 <= month_value <= 12:
            return None
        month = month_value
        if m.group("monly") and not m.group("y"):
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


def _kind(text: str, start: int, end: int) -> DateKind:
    before, after = text[max(0, start - 8) : start], text[end : end + 4]
    if _CADENCE_BEFORE_RE.search(before):
        return DateKind.CADENCE
    if _AS_OF_BEFORE_RE.search(before):
        return DateKind.AS_OF
    if _START_AFTER_RE.match(after) or (_START_BEFORE_RE.search(before) and not after.startswith("前")):
        return DateKind.START
    return DateKind.DEADLINE


def find_dates(text: str, plan_year: int | None = None) -> list[DateMatch]:
    """Every date expression of `text`, with what it stands for; a date without a year takes
    `plan_year` (none if it is None)."""
    found: list[DateMatch] = []
    for m in _DATE_RE.finditer(text):
        if m.end() == m.start():
            continue
        value = _to_date(m, plan_year, text[max(0, m.start() - 3) : m.start()])
        if value is not None:
            kind = _kind(text, m.start(), m.end())
            found.append(DateMatch(m.start(), m.end(), value, m.group(0), kind))
    taken = [(d.start, d.end) for d in found]
    for m in _TARGET_YEAR_RE.finditer(text):
        if not any(start <= m.start("y") < end for start, end in taken):
            value = date(int(m.group("y")), 12, 31)
            found.append(DateMatch(m.start("y"), m.end(), value, m.group(0)[m.start("y") - m.start() :]))
    return sorted(found, key=lambda d: d.start)


# In a task's own words a continuing duty is a clause of its own: "…落实扬尘防治要求，长期坚持。";
# "持续推进民勤绿洲扩容" is a verb.
_CONTINUING_CLAUSE_RE: Final = re.compile(
    r"(?:^|[,，。;；、])\s*(?:长期坚持|持续推进|持续开展|长期开展|常态化推进|常态化开展|立行立改|久久为功)\s*(?=[,，。;；]|$)"
)


def states_continuing(text: str) -> bool:
    """Whether a task's text says it has no end date (a clause "长期坚持", or a cadence "每月…")."""
    return _CONTINUING_CLAUSE_RE.search(text) is not None or has_cadence(text)


def has_cadence(text: str) -> bool:
    """Whether a text sets a recurring duty (每月, 每季度 …) rather than, or beside, a deadline."""
    return _CADENCE_RE.search(text) is not None


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


def read_date(text: str, today: date) -> date | None:
    """A day as officials write it in a command or an answer, or None.

    2020-12-18, 2020年12月18日, 2020.12.18, 2020/12/18, full-width digits (２０２０年１２月１８日), Chinese
    digits; 12月18日 without a year is the next 18 December from `today` (today included).
    """
    folded = unicodedata.normalize("NFKC", text).strip().rstrip("。.,，;；")
    m = _DATE_RE.fullmatch(folded)
    if m is None or not (m.group("iy") or m.group("d")):
        return None
    if m.group("iy") or m.group("y"):
        return _to_date(m, None)
    this_year = _to_date(m, today.year)
    if this_year is not None and this_year >= today:
        return this_year
    # 2月29日 exists only in leap years: the next one may be years away.
    for year in range(today.year + 1, today.year + 9):
        value = _to_date(m, year)
        if value is not None:
            return value
    return None


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
    dates = [d for d in find_dates(text, plan_year) if d.kind == DateKind.DEADLINE]
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
    continuing = any(word in text for word in CONTINUING_WORDS) or has_cadence(text)
    return Deadline(text=text, continuing=continuing, dates=plain, per_target=tuple(per_target))
