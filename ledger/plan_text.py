"""Parser of a plan's item list (整改措施清单) as officials paste it (.txt) or upload it (.docx).

The parser works on a normalized copy of the text: whitespace and PDF page numbers removed, full-width
punctuation folded, so a list whose line breaks were lost reads the same as the original. The labels
(整改目标:, 整改时限:, 责任单位: …) drive it; offsets map back to the original lines for locations and notes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Final

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from ledger.dates import chinese_number, find_dates, parse_chinese_date, parse_deadline_expression
from ledger.model import ImportNote, ItemSpec, Location, Measure, ParsedLedger, Target
from ledger.text import short_title
from ledger.units import split_units

# The notes this parser emits and their params: each has a template in messages/templates/<locale>/import/.
NOTE_PARAMS: Final[dict[str, tuple[str, ...]]] = {
    "no_items": (),
    "missing_value": (),
    "unknown_deadline": ("text",),
    "multiple_deadlines": ("text", "chosen"),
    "target_deadline_unmatched": ("target",),
    "target_without_deadline": ("target",),
    "duplicate_field": ("text",),
    "unsupported_field": ("label", "text"),
    "unassigned_text": ("text",),
    "aspect_count_mismatch": ("expected", "found"),
    "no_deadline": (),
}

# Matching runs on folded punctuation; output is cut from the original characters at the same offsets.
_FOLD: Final = str.maketrans(
    {"（": "(", "）": ")", "：": ":", "；": ";", "，": ",", "．": ".", "！": "!", "？": "?"}
    | {chr(0xFF10 + i): str(i) for i in range(10)}
)
_PAGE_NUMBER_RE: Final = re.compile(
    r"[-–－]+[ \t\u3000\u00a0]+\d{1,4}[ \t\u3000\u00a0]+[-–－]+"
    r"|[—―]+[ \t\u3000\u00a0]*\d{1,4}[ \t\u3000\u00a0]*[—―]+"
)
# A numbered marker only starts something after one of these (or at the start of a line).
_BOUNDARY_BEFORE: Final = frozenset('。;!?:)」”"』】')
_CN: Final = "一二三四五六七八九十百千零〇两"

# Source label → ItemSpec field; None marks labels the ledger has no field for (reported, never dropped).
_LABELS: Final[dict[str, str | None]] = {
    "整改目标": "targets",
    "整改时限": "deadline_text",
    "完成时限": "deadline_text",
    "整改期限": "deadline_text",
    "牵头单位": "lead_units",
    "责任单位": "responsible_units",
    "责任领导": "responsible_leader",
    "责任人员": "responsible_person",
    "责任人": "responsible_person",
    "督导单位": "supervising_units",
    "督办单位": "supervising_units",
    "整改措施": "measures",
    "原因分析": "cause",
    "问题描述": "problem",
    "配合单位": None,
    "协办单位": None,
}
# An item has at least one of these; the first of them in a document marks where the list begins.
_ANCHOR_FIELDS: Final = frozenset({"targets", "deadline_text", "lead_units", "responsible_units"})
_LABEL_RE: Final = re.compile("(" + "|".join(sorted(_LABELS, key=len, reverse=True)) + "):")
_STRONG_START_RE: Final = re.compile(
    rf"(?:(?P<ord>[{_CN}]{{1,8}})、)?第(?P<num>[\d{_CN}]{{1,6}})项(?P<sep>[,:、.]?)"
)
_WEAK_START_RE: Final = re.compile(rf"(?P<ord>[{_CN}]{{1,8}})、")
_CATEGORY_BEFORE_RE: Final = re.compile(
    r"\(?(?P<cat>(?:第[一二三四五六七八九十]+[类轮批]|回头看)[^()\d、,;:。]{0,24})\)?$"
)
_ASPECT_SPLIT_RE: Final = re.compile(rf"(?:以上问题)?分(?P<n>\d+|[{_CN}]+)个方面(?:进行)?整改:?")
_ASPECT_MARKER_RE: Final = re.compile(rf"\((?P<n>[{_CN}]+|\d{{1,2}})\)")
_MARKER_STYLES: Final = (
    re.compile(rf"\((?P<n>[{_CN}]{{1,3}})\)"),
    re.compile(r"\((?P<n>\d{1,2})\)"),
    re.compile(r"(?<!\d)(?P<n>\d{1,2})[.、](?!\d)"),
    re.compile(rf"(?P<n>[{_CN}]{{1,3}})、"),
    re.compile("(?P<n>[\u2460-\u2473])"),
)
_DUE_RE: Final = re.compile(r"\((?P<d>[^()]{4,24})\)")
_UNIT_PAREN_RE: Final = re.compile(r"\((?=(?:牵头单位|牵头部门|责任单位|责任部门):)")
_UNIT_PAREN_LABELS: Final[dict[str, str | None]] = {
    "牵头单位": "lead_units",
    "牵头部门": "lead_units",
    "责任单位": "responsible_units",
    "责任部门": "responsible_units",
    "配合单位": None,
}
_PLAN_DATE_LABEL_RE: Final = re.compile(r"(?:发布时间|发布日期|生成日期|成文日期|印发日期|发文日期):?")
_DAY_DATE_RE: Final = re.compile(
    rf"[\d〇零○{_CN}]{{4}}年[\d{_CN}]{{1,2}}月[\d{_CN}]{{1,3}}[日号]|\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}"
)
_TRIM: Final = " 、,，;；"


@dataclass(frozen=True)
class _Doc:
    """The normalized text: `text` for matching, `display` (same offsets) for output."""

    text: str
    display: str
    line_of: tuple[int, ...]
    line_starts: frozenset[int]

    def line(self, pos: int) -> int | None:
        if not self.line_of:
            return None
        return self.line_of[min(max(pos, 0), len(self.line_of) - 1)]

    def cut(self, start: int, end: int) -> str:
        return self.display[start:end].strip(_TRIM)

    def at_boundary(self, pos: int) -> bool:
        return pos == 0 or pos in self.line_starts or self.text[pos - 1] in _BOUNDARY_BEFORE


def _ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _normalize(text: str) -> _Doc:
    chars: list[str] = []
    lines: list[int] = []
    starts: set[int] = set()
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
            space = line_break = False
            chars.append(ch)
            lines.append(number)
    display = "".join(chars)
    return _Doc(display.translate(_FOLD), display, tuple(lines), frozenset(starts))


@dataclass(frozen=True)
class _Label:
    start: int
    end: int
    name: str

    @property
    def field(self) -> str | None:
        return _LABELS[self.name]


@dataclass(frozen=True)
class _Start:
    pos: int
    end: int
    ord: int | None
    num: int | None


@dataclass(frozen=True)
class _Part:
    """The span of one numbered part of a text (a target, a measure), without its marker."""

    start: int
    end: int


@dataclass
class _Notes:
    doc: _Doc
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


def _excerpt(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _in_parentheses(text: str, pos: int) -> bool:
    window = text[max(0, pos - 80) : pos]
    return window.rfind("(") > max(window.rfind(")"), window.rfind("。"))


def _labels(doc: _Doc, start: int, end: int) -> list[_Label]:
    return [
        _Label(m.start(), m.end(), m.group(1))
        for m in _LABEL_RE.finditer(doc.text, start, end)
        if not _in_parentheses(doc.text, m.start())
    ]


def _marker_number(m: re.Match[str]) -> int | None:
    n = m.group("n")
    if "\u2460" <= n <= "\u2473":
        return ord(n) - 0x2460 + 1
    return chinese_number(n)


def _numbered_parts(doc: _Doc, start: int, end: int) -> list[_Part]:
    """Split a span on the marker style (（一） 1. ① …) whose run 1, 2, 3 … starts first.

    Counting up from 1 keeps references inside the text ("第(二)款", "2.1亿元") from splitting it.
    """
    best: list[re.Match[str]] = []
    for style in _MARKER_STYLES:
        run: list[re.Match[str]] = []
        for m in style.finditer(doc.text, start, end):
            if _marker_number(m) == len(run) + 1 and doc.at_boundary(m.start()):
                run.append(m)
        if run and (not best or run[0].start() < best[0].start()):
            best = run
    if not best:
        return [_Part(start, end)]
    parts = [
        _Part(m.end(), best[index + 1].start() if index + 1 < len(best) else end)
        for index, m in enumerate(best)
    ]
    if doc.cut(start, best[0].start()):
        # Words before "1." introduce the list: keep them with the first part rather than lose them.
        parts[0] = _Part(start, parts[0].end)
    return parts


class _Parser:
    def __init__(self, text: str, default_start: date) -> None:
        self.doc = _normalize(text)
        self.notes = _Notes(self.doc)
        self.all_labels = _labels(self.doc, 0, len(self.doc.text))
        self.plan_date = self._plan_date(text)
        self.start = self.plan_date or default_start
        self.year = self.start.year

    # ---- the plan's own date

    def _plan_date(self, text: str) -> date | None:
        for m in _PLAN_DATE_LABEL_RE.finditer(self.doc.text):
            found = find_dates(self.doc.text[m.end() : m.end() + 24])
            if found and found[0].start == 0:
                return found[0].value
        # A date alone on a line under the title; lines inside the list hold target dates, not this.
        anchors = [lb.start for lb in self.all_labels if lb.field in _ANCHOR_FIELDS]
        last_line = self.doc.line(anchors[0]) if anchors else None
        for number, line in enumerate(text.splitlines(), start=1):
            if last_line is not None and number >= last_line:
                break
            alone = re.sub(r"\s", "", line).strip("()（）")
            value = parse_chinese_date(alone) if _DAY_DATE_RE.fullmatch(alone) else None
            if value is not None:
                return value
        return None

    # ---- the labelled list (第N项 … 整改目标: … 整改时限: …)

    def _starts(self) -> list[_Start]:
        text = self.doc.text
        starts: dict[int, _Start] = {}
        for m in _STRONG_START_RE.finditer(text):
            # Without its "八、" a 第N项 must stand alone: "第4项目标…" inside a deadline is no item.
            if m.group("ord") is None and not (m.group("sep") and self.doc.at_boundary(m.start())):
                continue
            ordinal = chinese_number(m.group("ord")) if m.group("ord") else None
            starts[m.start()] = _Start(m.start(), m.end(), ordinal, chinese_number(m.group("num")))
        for m in _WEAK_START_RE.finditer(text):
            if m.start() not in starts and self.doc.at_boundary(m.start()):
                starts[m.start()] = _Start(m.start(), m.end(), chinese_number(m.group("ord")), None)
        return [starts[pos] for pos in sorted(starts)]

    def _category_before(self, pos: int) -> re.Match[str] | None:
        return _CATEGORY_BEFORE_RE.search(self.doc.text, max(0, pos - 40), pos)

    def _has_anchor(self, start: int, end: int) -> bool:
        return any(start <= lb.start < end and lb.field in _ANCHOR_FIELDS for lb in self.all_labels)

    def labelled_items(self) -> list[ItemSpec]:
        anchors = [lb for lb in self.all_labels if lb.field in _ANCHOR_FIELDS]
        if not anchors:
            return []
        candidates = self._starts()
        # The list begins at the nearest item-one (or 第N项) start before its first label.
        firsts = [c for c in candidates if c.pos < anchors[0].start and (c.num is not None or c.ord == 1)]
        if not firsts:
            return []
        accepted = [firsts[-1]]
        expected = (firsts[-1].ord or 1) + 1
        for c in candidates:
            if c.pos <= accepted[0].pos:
                continue
            restart = c.ord == 1 and self._category_before(c.pos) is not None
            if c.num is not None or c.ord == expected or restart:
                accepted.append(c)
                expected = (c.ord or expected) + 1
        # A start whose text has no label of its own ("三、" or "第2项," at a wrapped line's start inside a
        # measure) is part of the item before it; only "八、第二十四项" is certain on its own.
        starts = [
            s
            for i, s in enumerate(accepted)
            if (s.num is not None and s.ord is not None)
            or i == 0
            or self._has_anchor(s.pos, accepted[i + 1].pos if i + 1 < len(accepted) else len(self.doc.text))
        ]
        items: list[ItemSpec] = []
        category: str | None = None
        for i, s in enumerate(starts):
            heading = self._category_before(s.pos)
            if heading is not None:
                category = heading.group("cat")
            end = len(self.doc.text)
            if i + 1 < len(starts):
                end = starts[i + 1].pos
                following = self._category_before(end)
                if following is not None:
                    end = following.start()
            number = str(s.num if s.num is not None else s.ord)
            items.extend(self._finding(number, s, end, category))
        return items

    def _finding(self, number: str, s: _Start, end: int, category: str | None) -> list[ItemSpec]:
        labels = _labels(self.doc, s.end, end)
        first_label = labels[0].start if labels else end
        split = _ASPECT_SPLIT_RE.search(self.doc.text, s.end, first_label)
        if split is not None:
            aspects = self._aspects(number, split, end, category)
            if aspects:
                return aspects
        return [self._item(number, s.pos, s.end, end, category)]

    def _aspects(self, number: str, split: re.Match[str], end: int, category: str | None) -> list[ItemSpec]:
        """Aspects (以上问题分2个方面进行整改:(一)…整改目标:…(二)…): an aspect starts at the last
        numbered marker before each of its anchor labels, since measures are numbered (一)(二) too."""
        labels = _labels(self.doc, split.end(), end)
        if not labels:
            return []
        anchor = labels[0].name
        begins: list[re.Match[str]] = []
        bound = split.end()
        for lb in labels:
            if lb.name != anchor:
                continue
            markers = [
                m
                for m in _ASPECT_MARKER_RE.finditer(self.doc.text, bound, lb.start)
                if self.doc.at_boundary(m.start())
            ]
            if markers:
                begins.append(markers[-1])
            bound = lb.end
        if not begins:
            return []
        expected = chinese_number(split.group("n"))
        if expected != len(begins):
            self.notes.warn(
                "aspect_count_mismatch",
                split.start(),
                number,
                None,
                expected=split.group("n"),
                found=str(len(begins)),
            )
        stray = self.doc.cut(split.end(), begins[0].start())
        if stray:
            self.notes.warn("unassigned_text", split.end(), number, None, text=_excerpt(stray))
        items = []
        for index, m in enumerate(begins):
            aspect_end = begins[index + 1].start() if index + 1 < len(begins) else end
            items.append(self._item(f"{number}.{index + 1}", m.start(), m.end(), aspect_end, category))
        return items

    def _item(self, number: str, pos: int, body: int, end: int, category: str | None) -> ItemSpec:
        doc, notes = self.doc, self.notes
        labels = _labels(doc, body, end)
        problem = doc.cut(body, labels[0].start if labels else end)
        values: dict[str, tuple[int, int]] = {}
        for index, lb in enumerate(labels):
            value_end = labels[index + 1].start if index + 1 < len(labels) else end
            value = doc.cut(lb.end, value_end)
            if lb.field is None:
                notes.warn("unsupported_field", lb.start, number, None, label=lb.name, text=_excerpt(value))
            elif lb.field == "problem":
                problem = "".join(p for p in (problem, value) if p)
            elif not value:
                notes.warn("missing_value", lb.start, number, lb.field)
            elif lb.field in values:
                notes.warn("duplicate_field", lb.start, number, lb.field, text=_excerpt(value))
            else:
                values[lb.field] = (lb.end, value_end)

        def text(key: str) -> str | None:
            return doc.cut(*values[key]) if key in values else None

        def units(key: str) -> list[str]:
            value = text(key)
            return split_units(value) if value else []

        item = ItemSpec(
            number=number,
            title=short_title(problem) or number,
            problem=problem,
            start=self.start,
            category=category,
            cause=text("cause"),
            lead_units=units("lead_units"),
            responsible_units=units("responsible_units"),
            supervising_units=units("supervising_units"),
            responsible_leader=text("responsible_leader"),
            responsible_person=text("responsible_person"),
            location=Location(line=doc.line(pos)),
        )
        if not problem:
            notes.warn("missing_value", pos, number, "problem")
        if not item.responsible_units and not item.lead_units:
            notes.warn("missing_value", pos, number, "responsible_units")
        if "targets" in values:
            targets = [doc.cut(p.start, p.end) for p in _numbered_parts(doc, *values["targets"])]
        else:
            targets = []
        if "deadline_text" in values:
            self._apply_deadline(item, targets, values["deadline_text"][0], doc.cut(*values["deadline_text"]))
        else:
            item.targets = [Target(t) for t in targets]
            notes.warn("missing_value", pos, number, "deadline_text")
        if "measures" in values:
            item.measures = [self._measure(p) for p in _numbered_parts(doc, *values["measures"])]
        return item

    def _apply_deadline(self, item: ItemSpec, targets: list[str], pos: int, raw: str) -> None:
        notes, number, label = self.notes, item.number, "deadline_text"
        item.deadline_text = raw
        deadline = parse_deadline_expression(raw.translate(_FOLD), self.year)
        # "持续推进，2021年6月底前完成" has an end date: continuing means no date at all.
        item.continuing = deadline.continuing and not deadline.dates and not deadline.per_target
        texts = targets or [item.problem]
        latest = max(deadline.dates) if deadline.dates else None
        if deadline.per_target:
            by_number = dict(deadline.per_target)
            for target_number in sorted(set(by_number) - set(range(1, len(texts) + 1))):
                notes.warn("target_deadline_unmatched", pos, number, label, target=str(target_number))
            item.targets = []
            for index, text in enumerate(texts, start=1):
                due = by_number.get(index, latest)
                if due is None:
                    notes.warn("target_without_deadline", pos, number, label, target=str(index))
                item.targets.append(Target(text, due))
        elif latest is not None:
            if len(set(deadline.dates)) > 1:
                notes.warn("multiple_deadlines", pos, number, label, text=raw, chosen=latest.isoformat())
            item.targets = [Target(text, latest) for text in texts]
        else:
            item.targets = [Target(t) for t in targets]
            if not deadline.continuing:
                # Unknown words: keep the item under periodic dispatch rather than give it a made-up date.
                notes.warn("unknown_deadline", pos, number, label, text=raw)
                item.continuing = True

    def _measure(self, part: _Part) -> Measure:
        doc = self.doc
        due: date | None = None
        tail: tuple[int, int] | None = None
        for m in _DUE_RE.finditer(doc.text, part.start, part.end):
            value = parse_chinese_date(m.group("d"), self.year)
            if value is not None:
                due = value
                # A date closing the measure is its due date, not its words: `due` keeps it.
                tail = (m.start(), m.end()) if not doc.cut(m.end(), part.end).strip("。.") else None
        if tail is None:
            return Measure(doc.cut(part.start, part.end), due)
        text = doc.display[part.start : tail[0]] + doc.display[tail[1] : part.end]
        return Measure(text.strip(_TRIM), due)

    # ---- paragraphs that end in (责任单位:…)

    def paragraph_items(self) -> list[ItemSpec]:
        doc = self.doc
        items: list[ItemSpec] = []
        numbers: list[int | None] = []
        starts: list[int] = []
        previous_end = 0
        previous_style: int | None = None
        for m in _UNIT_PAREN_RE.finditer(doc.text):
            if m.start() < previous_end:
                continue
            close = self._closing(m.start())
            start, style, own = self._task_start(previous_end, m.start(), previous_style, numbers)
            if items:
                stray = doc.cut(previous_end, start).strip("。.")
                if stray:
                    self.notes.warn("unassigned_text", previous_end, None, None, text=_excerpt(stray))
            item = self._task(str(len(items) + 1), start, m.start(), close)
            items.append(item)
            starts.append(start)
            numbers.append(own)
            previous_style = style
            previous_end = close + 1
            while previous_end < len(doc.text) and doc.text[previous_end] in "。.;,":
                previous_end += 1
        if len(set(numbers)) == len(numbers) and None not in numbers:
            for item, own in zip(items, numbers, strict=True):
                item.number = str(own)
        for item, start in zip(items, starts, strict=True):
            if item.deadline is None:
                self.notes.warn("no_deadline", start, item.number, "deadline")
        return items

    def _closing(self, open_pos: int) -> int:
        depth = 0
        for pos in range(open_pos, len(self.doc.text)):
            ch = self.doc.text[pos]
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0:
                return pos
        return len(self.doc.text)

    def _task_start(
        self, lower: int, upper: int, previous_style: int | None, numbers: list[int | None]
    ) -> tuple[int, int | None, int | None]:
        """Where the task that ends at `upper` begins: its numbered marker, else its paragraph."""
        doc = self.doc
        markers = [
            (index, m)
            for index, style in enumerate(_MARKER_STYLES)
            for m in style.finditer(doc.text, lower, upper)
            if doc.at_boundary(m.start())
        ]
        if previous_style is not None and numbers and numbers[-1] is not None:
            following = [
                m for index, m in markers if index == previous_style and _marker_number(m) == numbers[-1] + 1
            ]
            if following:
                return following[0].start(), previous_style, numbers[-1] + 1
        ones = sorted((m.start(), index) for index, m in markers if _marker_number(m) == 1)
        if ones:
            return ones[-1][0], ones[-1][1], 1
        paragraphs = [p for p in doc.line_starts if lower < p < upper and doc.text[p - 1] in _BOUNDARY_BEFORE]
        return (max(paragraphs) if paragraphs else lower), None, None

    def _task(self, number: str, start: int, paren: int, close: int) -> ItemSpec:
        doc = self.doc
        for style in _MARKER_STYLES:
            marker = style.match(doc.text, start, paren)
            if marker is not None and _marker_number(marker) is not None:
                body = marker.end()
                break
        else:
            body = start
        problem = doc.cut(body, paren)
        item = ItemSpec(
            number=number,
            title=short_title(problem) or number,
            problem=problem,
            start=self.start,
            location=Location(line=doc.line(start)),
        )
        for part in re.finditer(r"[^;]+", doc.text[paren + 1 : close]):
            # Units come from the original characters: "县能源（煤炭）中心" keeps its brackets.
            shown = doc.display[paren + 1 + part.start() : paren + 1 + part.end()]
            label_match = re.match(r"([^:]{2,6}):", part.group())
            if label_match is None:
                item.responsible_units += split_units(shown)
                continue
            key = _UNIT_PAREN_LABELS.get(label_match.group(1))
            value = shown[label_match.end() :]
            if key == "lead_units":
                item.lead_units += split_units(value)
            elif key == "responsible_units":
                item.responsible_units += split_units(value)
            else:
                self.notes.warn(
                    "unsupported_field", paren, number, None, label=label_match.group(1), text=_excerpt(value)
                )
        dates = [
            d
            for d in find_dates(doc.text[body:paren], self.year)
            if not re.search(r"(?:截至|截止)$", doc.text[max(body, body + d.start - 3) : body + d.start])
        ]
        if dates:
            chosen = max(dates, key=lambda d: d.value)
            tail = "前" if doc.text[body + chosen.end : body + chosen.end + 1] == "前" else ""
            item.deadline_text = doc.display[body + chosen.start : body + chosen.end] + tail
            item.targets = [Target(problem, chosen.value)]
        return item


def parse_plan_text(text: str, *, default_start: date) -> ParsedLedger:
    """The ledger entries of a plan's text; every item starts on the plan's date, else `default_start`."""
    parser = _Parser(text, default_start)
    items = parser.labelled_items() or parser.paragraph_items()
    if not items:
        parser.notes.warnings.clear()
        parser.notes.error("no_items", None)
    return ParsedLedger(
        items=items, warnings=parser.notes.warnings, errors=parser.notes.errors, plan_date=parser.plan_date
    )


def looks_like_plan(text: str) -> bool:
    """Whether a text has the labels or the (责任单位:…) endings of a plan's item list."""
    folded = text.translate(_FOLD)
    return _LABEL_RE.search(folded) is not None or _UNIT_PAREN_RE.search(folded) is not None


def read_docx_text(path: Path) -> str:
    """The text of a .docx: paragraphs and table cells in document order, one paragraph a line."""
    lines: list[str] = []
    _collect(docx.Document(str(path)).iter_inner_content(), lines)
    return "\n".join(lines)


def _collect(blocks: Iterable[Paragraph | Table], lines: list[str]) -> None:
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
            continue
        # A merged cell comes back for every grid position it spans: read its <w:tc> once. The set holds
        # the elements, so lxml keeps handing out the same proxy objects.
        seen: set[object] = set()
        for row in block.rows:
            for cell in row.cells:
                if cell._tc not in seen:
                    seen.add(cell._tc)
                    _collect(cell.iter_inner_content(), lines)
