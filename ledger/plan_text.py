"""Parser of a plan's item list (整改措施清单) as officials paste it (.txt) or upload it (.docx, .pdf).

Two shapes: a labelled list (第N项 / 一、 / （一）/ 1. … with 整改目标:, 整改时限:, 责任单位: …), read here, and
a plan whose tasks are numbered blocks of its own task sections, read by `ledger.plan_outline`. Both work on
the normalized text of `ledger.plan_doc`, and both skip the plan's own sections (指导思想, 保障措施 …).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from ledger.dates import DateKind, chinese_number, find_dates, parse_chinese_date, parse_deadline_expression
from ledger.indicator_import import (
    merge_text_targets,
    read_indicator_table,
    read_sentence_targets,
    read_text_table,
)
from ledger.indicators import IndicatorSpec
from ledger.model import ItemSpec, Location, Measure, ParsedLedger, Target
from ledger.plan_doc import (
    CN_DIGITS,
    FOLD,
    MARKER_STYLES,
    Doc,
    Notes,
    Part,
    PlanText,
    Style,
    apply_plan_wide,
    excerpt,
    is_non_task_heading,
    marker_number,
    normalize,
    numbered_parts,
    plan_dates,
    sections,
)
from ledger.plan_outline import outline_items
from ledger.text import short_title
from ledger.units import split_units

# The notes the plan readers emit and their params: each has a template in messages/templates/<locale>/import/.
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
    "plan_wide_deadline": ("deadline",),
    "placeholder_date": ("text", "start"),
    "no_plan_year": ("year",),
}

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
    "整改任务": "problem",
    "配合单位": None,
    "协办单位": None,
    "整改完成情况": None,
    "整改进展情况": None,
}
# An item has at least one of these; the first of them in a document marks where the list begins.
_ANCHOR_FIELDS: Final = frozenset({"targets", "deadline_text", "lead_units", "responsible_units"})
# After these a unit list or a name ends, and the next item's "二、" may follow without a boundary.
_NAME_FIELDS: Final = frozenset(
    {"lead_units", "responsible_units", "supervising_units", "responsible_leader", "responsible_person"}
)
_NAME_END: Final = frozenset("局委办府会院队室心司所站厅处部组行社团馆校区县市镇乡导")
_LABEL_RE: Final = re.compile("(" + "|".join(sorted(_LABELS, key=len, reverse=True)) + "):")
_STRONG_START_RE: Final = re.compile(
    rf"(?:(?P<ord>[{CN_DIGITS}]{{1,8}})、)?第(?P<num>[\d{CN_DIGITS}]{{1,6}})项(?P<sep>[,:、.]?)"
)
_CATEGORY_BEFORE_RE: Final = re.compile(
    r"\(?(?P<cat>(?:第[一二三四五六七八九十]+[类轮批]|回头看)[^()\d、,;:。]{0,24})\)?$"
)
_ASPECT_SPLIT_RE: Final = re.compile(rf"(?:以上问题)?分(?P<n>\d+|[{CN_DIGITS}]+)个方面(?:进行)?整改:?")
_ASPECT_MARKER_RE: Final = re.compile(rf"\((?P<n>[{CN_DIGITS}]+|\d{{1,2}})\)")
_SERIAL_RE: Final = re.compile(rf"序号\s*(?P<n>[\d{CN_DIGITS}]{{1,6}})")
_DUE_RE: Final = re.compile(r"\((?P<d>[^()]{4,24})\)")
_ITEM_STYLES: Final = (Style.ORDINAL, Style.PAREN_CN, Style.ARABIC, Style.PAREN_ARABIC)


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
    soft: bool = False  # right after a unit list, without a boundary: an item only where one is expected


def _in_parentheses(text: str, pos: int) -> bool:
    window = text[max(0, pos - 80) : pos]
    return window.rfind("(") > max(window.rfind(")"), window.rfind("。"))


def _labels(doc: Doc, start: int, end: int) -> list[_Label]:
    return [
        _Label(m.start(), m.end(), m.group(1))
        for m in _LABEL_RE.finditer(doc.text, start, end)
        if not _in_parentheses(doc.text, m.start())
    ]


def read_plan(text: str, default_start: date) -> PlanText:
    doc = normalize(text)
    notes = Notes(doc)
    anchors = [lb.start for lb in _labels(doc, 0, len(doc.text)) if lb.field in _ANCHOR_FIELDS]
    found = tuple(sections(doc))
    tasks = [s.start for s in found if s.holds_tasks]
    list_start = anchors[0] if anchors else (tasks[0] if tasks else None)
    dates = plan_dates(doc, text, list_start)
    start = dates.plan_date or default_start
    if dates.placeholder is not None:
        placeholder = dates.placeholder
        notes.warn(
            "placeholder_date", placeholder.start(), None, None, text=placeholder.group(), start=str(start)
        )
    year = dates.year or start.year
    if dates.year is None:
        with_year = {d.start for d in find_dates(doc.text)}
        yearless = [d for d in find_dates(doc.text, year) if d.start not in with_year]
        if yearless:
            notes.warn("no_plan_year", yearless[0].start, None, None, year=str(year))
    return PlanText(doc, notes, found, dates, start, year)


class _LabelledList:
    """The labelled list: 第N项 (or 一、 / （一）/ 1. …) … 整改目标: … 整改时限: … 责任单位: …"""

    def __init__(self, plan: PlanText) -> None:
        self.plan = plan
        self.doc = plan.doc
        self.notes = plan.notes
        self.all_labels = _labels(self.doc, 0, len(self.doc.text))
        self.anchors = [
            lb.start
            for lb in self.all_labels
            if lb.field in _ANCHOR_FIELDS and not plan.in_non_task_section(lb.start)
        ]

    def items(self) -> list[ItemSpec]:
        if not self.anchors:
            return []
        best: list[_Start] = []
        # Beside the inspectors' 第N项 the plan's own order is 一、二、…; without them, the numbering whose
        # run holds the most labelled items is the list's.
        strong = _STRONG_START_RE.search(self.doc.text) is not None
        for style in (Style.ORDINAL,) if strong else _ITEM_STYLES:
            starts = self._accepted(self._starts(style))
            if len(starts) > len(best):
                best = starts
        if not best:
            return self._single()
        items: list[ItemSpec] = []
        category: str | None = None
        for i, s in enumerate(best):
            heading = self._category_before(s.pos)
            if heading is not None:
                category = heading.group("cat")
            end = len(self.doc.text)
            if i + 1 < len(best):
                end = best[i + 1].pos
                following = self._category_before(end)
                if following is not None:
                    end = following.start()
            end = min([end, *(sec.start for sec in self.plan.sections if s.pos < sec.start and sec.non_task)])
            number = str(s.num if s.num is not None else s.ord)
            items.extend(self._finding(number, s, end, category))
        return items

    def _single(self) -> list[ItemSpec]:
        """A text of one finding without a number ("整改任务:… 整改目标:…", a notice about one item): the
        item begins at its first label and takes the number the text gives it ("序号十"), else 1."""
        first = next(lb for lb in self.all_labels if not self.plan.in_non_task_section(lb.start))
        stated = _SERIAL_RE.search(self.doc.text, 0, first.start)
        number = chinese_number(stated.group("n")) if stated else None
        end = min([len(self.doc.text), *(s.start for s in self.plan.sections if s.start > first.start)])
        return [self._item(str(number or 1), first.start, first.start, end, None)]

    def _starts(self, style: int) -> list[_Start]:
        text, doc = self.doc.text, self.doc
        starts: dict[int, _Start] = {}
        for m in _STRONG_START_RE.finditer(text):
            # Without its "八、" a 第N项 must stand alone: "第4项目标…" inside a deadline is no item.
            if m.group("ord") is None and not (m.group("sep") and doc.at_boundary(m.start())):
                continue
            ordinal = chinese_number(m.group("ord")) if m.group("ord") else None
            starts[m.start()] = _Start(m.start(), m.end(), ordinal, chinese_number(m.group("num")))
        for m in MARKER_STYLES[style].finditer(text):
            number = marker_number(m)
            if m.start() in starts or number is None or self.plan.in_non_task_section(m.start()):
                continue
            boundary = doc.at_boundary(m.start())
            soft = not boundary and style == Style.ORDINAL and self._after_names(m.start())
            if (boundary or soft) and not is_non_task_heading(text[m.end() : m.end() + 8]):
                starts[m.start()] = _Start(m.start(), m.end(), number, None, soft)
        return [starts[pos] for pos in sorted(starts)]

    def _after_names(self, pos: int) -> bool:
        """Whether `pos` follows a unit list or a name ("…市环保局二、…"): the list's line break was lost."""
        if pos == 0 or self.doc.text[pos - 1] not in _NAME_END:
            return False
        before = [lb for lb in self.all_labels if lb.end <= pos]
        return (
            bool(before)
            and before[-1].field in _NAME_FIELDS
            and "。" not in self.doc.text[before[-1].end : pos]
        )

    def _category_before(self, pos: int) -> re.Match[str] | None:
        return _CATEGORY_BEFORE_RE.search(self.doc.text, max(0, pos - 40), pos)

    def _has_anchor(self, start: int, end: int) -> bool:
        return any(start <= lb.start < end and lb.field in _ANCHOR_FIELDS for lb in self.all_labels)

    def _accepted(self, candidates: list[_Start]) -> list[_Start]:
        # The list begins at the nearest item-one (or 第N项) start before its first label.
        firsts = [
            c
            for c in candidates
            if c.pos < self.anchors[0] and not c.soft and (c.num is not None or c.ord == 1)
        ]
        if not firsts:
            return []
        accepted = [firsts[-1]]
        expected = (firsts[-1].ord or 1) + 1
        for c in candidates:
            if c.pos <= accepted[0].pos:
                continue
            restart = c.ord == 1 and not c.soft and self._category_before(c.pos) is not None
            if (c.num is not None and not c.soft) or c.ord == expected or restart:
                accepted.append(c)
                expected = (c.ord or expected) + 1
        # A start whose text has no label of its own ("三、" or "第2项," at a wrapped line's start inside a
        # measure) is part of the item before it; only "八、第二十四项" is certain on its own.
        return [
            s
            for i, s in enumerate(accepted)
            if (s.num is not None and s.ord is not None)
            or i == 0
            or self._has_anchor(s.pos, accepted[i + 1].pos if i + 1 < len(accepted) else len(self.doc.text))
        ]

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
            found = [
                m
                for m in _ASPECT_MARKER_RE.finditer(self.doc.text, bound, lb.start)
                if self.doc.at_boundary(m.start())
            ]
            if found:
                begins.append(found[-1])
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
            self.notes.warn("unassigned_text", split.end(), number, None, text=excerpt(stray))
        items = []
        for index, m in enumerate(begins):
            aspect_end = begins[index + 1].start() if index + 1 < len(begins) else end
            items.append(self._item(f"{number}.{index + 1}", m.start(), m.end(), aspect_end, category))
        return items

    def _fields(self, body: int, end: int) -> list[_Label]:
        """The item's field labels, found by structure: a label inside the measures (a measure's own
        "责任单位:…") or a label the item already has is text of the field it stands in."""
        result: list[_Label] = []
        labels = _labels(self.doc, body, end)
        measures = next((lb for lb in labels if lb.field == "measures"), None)
        inside = (end, end)
        if measures is not None:
            later = [lb for lb in labels if lb.start > measures.start]
            fields_after = [
                lb for lb in later if lb.name not in {x.name for x in labels if x.start < lb.start}
            ]
            bound = fields_after[0].start if fields_after else end
            parts = numbered_parts(self.doc, measures.end, bound)
            inside = (measures.end, parts[-1].start if len(parts) > 1 else measures.end)
        seen: set[str] = set()
        for lb in labels:
            in_measures = inside[0] <= lb.start < inside[1]
            repeated = measures is not None and lb.start > measures.start and lb.name in seen
            if in_measures or repeated:
                continue
            seen.add(lb.name)
            result.append(lb)
        return result

    def _item(self, number: str, pos: int, body: int, end: int, category: str | None) -> ItemSpec:
        doc, notes = self.doc, self.notes
        labels = self._fields(body, end)
        problem = doc.cut(body, labels[0].start if labels else end)
        values: dict[str, tuple[int, int]] = {}
        for index, lb in enumerate(labels):
            value_end = labels[index + 1].start if index + 1 < len(labels) else end
            value = doc.cut(lb.end, value_end)
            if lb.field is None:
                notes.warn("unsupported_field", lb.start, number, None, label=lb.name, text=excerpt(value))
            elif lb.field == "problem":
                problem = "".join(p for p in (problem, value) if p)
            elif not value:
                notes.warn("missing_value", lb.start, number, lb.field)
            elif lb.field in values:
                notes.warn("duplicate_field", lb.start, number, lb.field, text=excerpt(value))
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
            start=self.plan.start,
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
            targets = [doc.cut(p.start, p.end) for p in numbered_parts(doc, *values["targets"])]
        else:
            targets = []
        if "deadline_text" in values:
            self._apply_deadline(item, targets, values["deadline_text"][0], doc.cut(*values["deadline_text"]))
        elif not apply_plan_wide(self.plan, item, targets, pos):
            item.targets = [Target(t) for t in targets]
            notes.warn("missing_value", pos, number, "deadline_text")
        if "measures" in values:
            item.measures = [self._measure(p) for p in numbered_parts(doc, *values["measures"])]
        return item

    def _apply_deadline(self, item: ItemSpec, targets: list[str], pos: int, raw: str) -> None:
        notes, number, label = self.notes, item.number, "deadline_text"
        item.deadline_text = raw
        deadline = parse_deadline_expression(raw.translate(FOLD), self.plan.year)
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

    def _measure(self, part: Part) -> Measure:
        doc = self.doc
        due: date | None = None
        tail: tuple[int, int] | None = None
        for m in _DUE_RE.finditer(doc.text, part.start, part.end):
            value = parse_chinese_date(m.group("d"), self.plan.year)
            if value is not None:
                due = value
                # A date closing the measure is its due date, not its words: `due` keeps it.
                tail = (m.start(), m.end()) if not doc.cut(m.end(), part.end).strip("。.") else None
        if due is None:
            # "9月底前完成并网改造": a date the measure is to be done by, in its words.
            due = max(
                (
                    d.value
                    for d in find_dates(doc.text[part.start : part.end], self.plan.year)
                    if d.kind == DateKind.DEADLINE
                    and doc.text[part.start + d.end : part.start + d.end + 1] == "前"
                ),
                default=None,
            )
        if tail is None:
            return Measure(doc.cut(part.start, part.end), due)
        text = doc.display[part.start : tail[0]] + doc.display[tail[1] : part.end]
        return Measure(text.strip(" 、,，;；"), due)


def parse_plan_text(
    text: str, *, default_start: date, tables: Sequence[Sequence[Sequence[str]]] = ()
) -> ParsedLedger:
    """The ledger entries of a plan's text and its indicators (those of its indicator table, one of its
    `tables` or lines of the text, and the targets its sentences state); every item starts on the plan's
    date, else `default_start`. A plan with indicators and no items is a plan of indicators."""
    plan = read_plan(text, default_start)
    items = _LabelledList(plan).items() or outline_items(plan)
    indicators = plan_indicators(plan, text, tables)
    if not items and not indicators:
        plan.notes.warnings.clear()
        plan.notes.error("no_items", None)
    return ParsedLedger(
        items=items,
        warnings=plan.notes.warnings,
        errors=plan.notes.errors,
        plan_date=plan.dates.plan_date,
        read=len(items),
        indicators=indicators,
    )


def plan_indicators(
    plan: PlanText, text: str, tables: Sequence[Sequence[Sequence[str]]]
) -> list[IndicatorSpec]:
    """The plan's indicator table (a document table, else lines of its text), then the targets its
    sentences state that the table lacks; their target year, when a sentence names none, is the year of
    the plan-wide deadline, else the plan's."""
    warnings = plan.notes.warnings
    table = next((found for rows in tables if (found := read_indicator_table(rows, warnings))), [])
    lines = frozenset[int]()
    if not table:
        text_table = read_text_table(text, warnings)
        table, lines = text_table.indicators, text_table.lines
    year = plan.dates.plan_wide.value.year if plan.dates.plan_wide else plan.year
    return merge_text_targets(table, read_sentence_targets(text, lines, year), warnings)


def looks_like_plan(text: str) -> bool:
    """Whether a text has the labels or the (责任单位:…) endings of a plan's item list."""
    folded = text.translate(FOLD)
    return (
        _LABEL_RE.search(folded) is not None
        or re.search(r"\((?:牵头单位|责任单位|责任部门):", folded) is not None
    )
