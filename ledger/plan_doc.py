"""What both readers of a plan's text share: the normalized text, its numbered markers, its sections, the
plan's own date and year, the plan-wide deadline, and the notes (warnings, errors) with their places.

The text is matched on a normalized copy: whitespace and PDF page numbers removed, full-width punctuation
folded, so a list whose line breaks were lost reads the same as the original; offsets map back to the
original lines for locations, and output is cut from the original characters at the same offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Final

from ledger.dates import (
    PLACEHOLDER_DATE_RE,
    DateKind,
    DateMatch,
    chinese_number,
    find_dates,
    parse_chinese_date,
)
from ledger.model import ImportNote, ItemSpec, Location, Target

FOLD: Final = str.maketrans(
    {"（": "(", "）": ")", "：": ":", "；": ";", "，": ",", "．": ".", "！": "!", "？": "?"}
    | {chr(0xFF10 + i): str(i) for i in range(10)}
)
_PAGE_NUMBER_RE: Final = re.compile(
    r"[-–－]+[ \t\u3000\u00a0]+\d{1,4}[ \t\u3000\u00a0]+[-–－]+"
    r"|[—―]+[ \t\u3000\u00a0]*\d{1,4}[ \t\u3000\u00a0]*[—―]+"
)
# A numbered marker only starts something after one of these, at the start of a line, or after a space.
_BOUNDARY_BEFORE: Final = frozenset('。;!?:)」”"』】')
CN_DIGITS: Final = "一二三四五六七八九十百千零〇两"
TRIM: Final = " 、,，;；"


class Style:
    """The numbering styles of plans, outermost first as officials nest them: 一、 (一) 1. (1) ①."""

    ORDINAL = 0  # 一、
    PAREN_CN = 1  # （一）
    ARABIC = 2  # 1. or 1、
    PAREN_ARABIC = 3  # （1）
    CIRCLED = 4  # ①


MARKER_STYLES: Final[tuple[re.Pattern[str], ...]] = (
    re.compile(rf"(?P<n>[{CN_DIGITS}]{{1,3}})、"),
    re.compile(rf"\((?P<n>[{CN_DIGITS}]{{1,3}})\)"),
    re.compile(r"(?<![\d.])(?P<n>\d{1,2})[.、](?!\d)"),
    re.compile(r"\((?P<n>\d{1,2})\)"),
    re.compile("(?P<n>[\u2460-\u2473])"),
)

# The headings of a plan's own sections that hold no items: what the plan is for, how it is run.
_NON_TASK_HEADING_RE: Final = re.compile(
    r"(?:指导思想|总体要求|总体思路|基本原则|工作原则|整改原则|工作目标|主要目标|总体目标|目标任务|发展基础|"
    r"发展形势|面临形势|保障措施|组织保障|保障机制|工作要求|有关要求|实施步骤|进度安排|工作安排|组织领导|"
    r"工作机制|职责分工|适用范围|编制依据|背景)"
)
# The headings of the sections that hold the tasks.
_TASK_HEADING_RE: Final = re.compile(r"任务|措施|重点工作|整改|工作内容|问题清单")
_PLAN_DATE_LABEL_RE: Final = re.compile(r"(?:发布时间|发布日期|生成日期|成文日期|印发日期|发文日期):?")
_DAY_DATE_RE: Final = re.compile(
    rf"[\d〇零○{CN_DIGITS}]{{4}}年[\d{CN_DIGITS}]{{1,2}}月[\d{CN_DIGITS}]{{1,3}}[日号]|\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}"
)
_TITLE_YEAR_RE: Final = re.compile(r"(?<!\d)(20\d{2})\s*(?:年|[-—–~～至]\s*20\d{2}\s*年)")
# "原则上所有问题必须于2018年底前整改到位", "力争到2020年底前完成全部整改任务", "各项任务全部完成".
_ALL_RE: Final = re.compile(r"全部|所有|全面|各项|一律")
_DONE_RE: Final = re.compile(r"整改到位|完成整改|整改完成|整改任务|全部完成|办结销号|任务完成|完成任务")


@dataclass(frozen=True)
class Doc:
    """The normalized text: `text` for matching, `display` (same offsets) for output."""

    text: str
    display: str
    line_of: tuple[int, ...]
    line_starts: frozenset[int]
    spaced: frozenset[int]  # offsets where whitespace (a lost line break, a gap) stood before the character

    def line(self, pos: int) -> int | None:
        if not self.line_of:
            return None
        return self.line_of[min(max(pos, 0), len(self.line_of) - 1)]

    def cut(self, start: int, end: int) -> str:
        return self.display[start:end].strip(TRIM)

    def at_boundary(self, pos: int) -> bool:
        return (
            pos == 0
            or pos in self.line_starts
            or pos in self.spaced
            or self.text[pos - 1] in _BOUNDARY_BEFORE
        )


def _ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def normalize(text: str) -> Doc:
    chars: list[str] = []
    lines: list[int] = []
    starts: set[int] = set()
    spaced: set[int] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        starts.add(len(chars))
        space, line_break = False, True
        for ch in _PAGE_NUMBER_RE.sub(" ", raw):
            if ch.isspace():
                space = True
                continue
            # Only Latin words keep a space between them; PDFs break lines inside words and numbers.
            latin = bool(chars) and _ascii_word(chars[-1]) and _ascii_word(ch)
            if latin and (space or (line_break and chars[-1].isalpha() and ch.isalpha())):
                chars.append(" ")
                lines.append(number)
            elif space:
                spaced.add(len(chars))
            space = line_break = False
            chars.append(ch)
            lines.append(number)
    display = "".join(chars)
    return Doc(display.translate(FOLD), display, tuple(lines), frozenset(starts), frozenset(spaced))


@dataclass
class Notes:
    doc: Doc
    warnings: list[ImportNote] = field(default_factory=list)
    errors: list[ImportNote] = field(default_factory=list)

    def warn(self, code: str, pos: int | None, item: str | None, key: str | None, /, **params: str) -> None:
        """A warning at offset `pos` of the normalized text, about field `key` of item `item`."""
        self.warnings.append(self._note(code, pos, item, key, params))

    def error(self, code: str, pos: int | None, /, **params: str) -> None:
        self.errors.append(self._note(code, pos, None, None, params))

    def _note(
        self, code: str, pos: int | None, item: str | None, key: str | None, params: dict[str, str]
    ) -> ImportNote:
        line = self.doc.line(pos) if pos is not None else None
        return ImportNote(code, Location(line=line), item, key, tuple(params.items()))


def excerpt(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def marker_number(m: re.Match[str]) -> int | None:
    n = m.group("n")
    if "\u2460" <= n <= "\u2473":
        return ord(n) - 0x2460 + 1
    return chinese_number(n)


@dataclass(frozen=True)
class Marker:
    """A numbered marker at a boundary: where it is, where its words begin, its style and number."""

    pos: int
    end: int
    style: int
    number: int


def markers(
    doc: Doc,
    start: int,
    end: int,
    styles: tuple[int, ...] = tuple(range(5)),
    also: frozenset[int] = frozenset(),
) -> list[Marker]:
    """The numbered markers of these styles between `start` and `end` that stand at a boundary (or at one
    of the offsets `also`, such as right after a section's heading run on without a line break)."""
    found = []
    for style in styles:
        for m in MARKER_STYLES[style].finditer(doc.text, start, end):
            number = marker_number(m)
            if number is not None and (doc.at_boundary(m.start()) or m.start() in also):
                found.append(Marker(m.start(), m.end(), style, number))
    return sorted(found, key=lambda marker: marker.pos)


_HEADING_STOP_RE: Final = re.compile(rf"[。;:!?]|\((?:[{CN_DIGITS}]{{1,3}}|\d{{1,2}})\)")


def heading_of(doc: Doc, marker: Marker) -> str:
    """The words after a marker up to the end of its sentence or line, or up to a numbered marker run on
    after it ("三、主要措施（一）…"): a section's or a group's heading."""
    limit = min(len(doc.text), marker.end + 40)
    stop = _HEADING_STOP_RE.search(doc.text, marker.end, limit)
    end = stop.start() if stop is not None else limit
    breaks = [pos for pos in doc.line_starts if marker.end < pos < end]
    return doc.text[marker.end : min([end, *breaks])]


@dataclass(frozen=True)
class Section:
    """A top-level section of the plan (一、指导思想 …): its span and whether it may hold items."""

    start: int
    end: int
    heading: str  # its words; the section's text begins after them
    non_task: bool  # 指导思想, 工作目标, 保障措施 …: never items
    holds_tasks: bool  # 主要任务, 重点任务, 整改措施 …: its numbered blocks are items


def sections(doc: Doc) -> list[Section]:
    """The plan's top-level sections 一、二、… (a numbering restarting at 一 begins a new list, such as the
    appendix). A section is not for items when its heading names the plan's aims or arrangements."""
    found: list[Marker] = []
    for marker in markers(doc, 0, len(doc.text), (Style.ORDINAL,)):
        # An excerpt may begin at its third section: a first heading on a line of its own counts too.
        first = not found and marker.pos in doc.line_starts
        if marker.number == 1 or first or (found and marker.number == found[-1].number + 1):
            found.append(marker)
    result = []
    for index, marker in enumerate(found):
        end = found[index + 1].pos if index + 1 < len(found) else len(doc.text)
        heading = heading_of(doc, marker)
        non_task = is_non_task_heading(heading)
        holds = not non_task and _TASK_HEADING_RE.search(heading) is not None
        result.append(Section(marker.pos, end, heading, non_task, holds))
    return result


def is_non_task_heading(heading: str) -> bool:
    return _NON_TASK_HEADING_RE.match(heading) is not None


@dataclass(frozen=True)
class PlanDates:
    """The plan's own date, the year that completes dates written without one, and the plan-wide deadline."""

    plan_date: date | None
    year: int | None
    plan_wide: DateMatch | None
    placeholder: re.Match[str] | None  # a date written 20XX年9月11日, when the plan has no real one


def plan_dates(doc: Doc, text: str, list_start: int | None) -> PlanDates:
    """Read the plan's date (成文日期, 发布时间, a date alone on a line before the list), its year (that
    date's, the title's, or the earliest year its deadlines name) and its plan-wide deadline."""
    body_end = len(doc.text) if list_start is None else list_start
    placeholder = PLACEHOLDER_DATE_RE.search(doc.text, 0, body_end)
    plan_date = _plan_date(doc, text, list_start)
    year = plan_date.year if plan_date else _title_year(text) or _deadline_year(doc)
    # The plan-wide deadline is the plan's word, not a task's: its text before the list, or its own sections.
    spans = [(0, body_end), *((s.start, s.end) for s in sections(doc) if s.non_task and s.start >= body_end)]
    return PlanDates(plan_date, year, _plan_wide(doc, year, spans), None if plan_date else placeholder)


def _plan_date(doc: Doc, text: str, list_start: int | None) -> date | None:
    for m in _PLAN_DATE_LABEL_RE.finditer(doc.text):
        found = find_dates(doc.text[m.end() : m.end() + 24])
        if found and found[0].start == 0:
            return found[0].value
    # A date alone on a line under the title or above the signature; lines inside the list hold dates
    # of targets, not this.
    last_line = doc.line(list_start) if list_start is not None else None
    for number, line in enumerate(text.splitlines(), start=1):
        if last_line is not None and number >= last_line:
            break
        alone = re.sub(r"\s", "", line).strip("()（）")
        value = parse_chinese_date(alone) if _DAY_DATE_RE.fullmatch(alone) else None
        if value is not None:
            return value
    return None


def _title_year(text: str) -> int | None:
    for line in text.strip().splitlines()[:2]:
        m = _TITLE_YEAR_RE.search(line)
        if m is not None:
            return int(m.group(1))
    return None


def _deadline_year(doc: Doc) -> int | None:
    """The earliest year of a deadline ("2017年10月底前", "整改时限:2018年6月"): a plan sets its deadlines
    from its own year on, so "9月底前" without a year is in that year."""
    years = [
        d.value.year
        for d in find_dates(doc.text)
        if d.kind == DateKind.DEADLINE and re.match(r"\d{4}", d.text) and _reads_as_deadline(doc.text, d)
    ]
    return min(years) if years else None


def _reads_as_deadline(text: str, d: DateMatch) -> bool:
    after = text[d.end : d.end + 3]
    before = text[max(0, d.start - 6) : d.start]
    return bool(re.match(r"前|以前|之前|完成", after) or re.search(r"(?:时限|期限|到|于):?$", before))


def _plan_wide(doc: Doc, year: int | None, spans: list[tuple[int, int]]) -> DateMatch | None:
    """The latest deadline of a sentence (within `spans`) saying that all problems or tasks are done by it."""
    latest: DateMatch | None = None
    for begin, end in _sentences(doc):
        words = doc.text[begin:end]
        if not (_ALL_RE.search(words) and _DONE_RE.search(words)):
            continue
        for d in find_dates(words, year):
            inside = any(start <= begin + d.start < stop for start, stop in spans)
            if inside and d.kind == DateKind.DEADLINE and (latest is None or d.value > latest.value):
                latest = DateMatch(begin + d.start, begin + d.end, d.value, d.text, d.kind)
    return latest


def _sentences(doc: Doc) -> list[tuple[int, int]]:
    """The spans of the text's sentences, a line break ending one too."""
    cuts = sorted({0, len(doc.text), *doc.line_starts, *(m.end() for m in re.finditer(r"[。;!?]", doc.text))})
    return [(a, b) for a, b in pairwise(cuts) if b > a]


def deadline_words(doc: Doc, d: DateMatch, offset: int) -> str:
    """How the plan wrote a date found at `offset + d.start`, with its 前 when it has one."""
    start, end = offset + d.start, offset + d.end
    tail = "前" if doc.text[end : end + 1] == "前" else ""
    return doc.display[start:end] + tail


@dataclass(frozen=True)
class PlanText:
    """What both readers start from: the normalized text, its notes, its sections and its dates."""

    doc: Doc
    notes: Notes
    sections: tuple[Section, ...]
    dates: PlanDates
    start: date
    year: int

    def in_non_task_section(self, pos: int) -> bool:
        return any(s.non_task and s.start <= pos < s.end for s in self.sections)


@dataclass(frozen=True)
class Part:
    """The span of one numbered part of a text (a target, a measure), without its marker."""

    start: int
    end: int


def numbered_parts(doc: Doc, start: int, end: int) -> list[Part]:
    """Split a span on the marker style (（一） 1. ① …) whose run 1, 2, 3 … starts first.

    Counting up from 1 keeps references inside the text ("第(二)款", "2.1亿元") from splitting it.
    """
    best: list[re.Match[str]] = []
    for style in MARKER_STYLES:
        run: list[re.Match[str]] = []
        for m in style.finditer(doc.text, start, end):
            if marker_number(m) == len(run) + 1 and doc.at_boundary(m.start()):
                run.append(m)
        if run and (not best or run[0].start() < best[0].start()):
            best = run
    if not best:
        return [Part(start, end)]
    parts = [
        Part(m.end(), best[index + 1].start() if index + 1 < len(best) else end)
        for index, m in enumerate(best)
    ]
    if doc.cut(start, best[0].start()):
        # Words before "1." introduce the list: keep them with the first part rather than lose them.
        parts[0] = Part(start, parts[0].end)
    return parts


def apply_plan_wide(plan: PlanText, item: ItemSpec, targets: list[str], pos: int) -> bool:
    """Give an item without a deadline of its own the plan-wide one ("原则上所有问题必须于…前整改到位")."""
    plan_wide = plan.dates.plan_wide
    if plan_wide is None:
        return False
    item.deadline_text = deadline_words(plan.doc, plan_wide, 0)
    item.targets = [Target(text, plan_wide.value) for text in targets or [item.problem]]
    plan.notes.warn("plan_wide_deadline", pos, item.number, "deadline", deadline=plan_wide.value.isoformat())
    return True
