"""Plans whose tasks are the numbered blocks of their own task sections (二、重点任务 → （一）… → （1）…):
an action plan's paragraphs ending in "(责任单位:…)", a five-year plan's 主要任务 without any unit.

The blocks under a task section form a tree by their numbering style. The items are the blocks of the
level that the plan uses throughout (a heading like "（一）调整优化产业结构" groups the tasks under it and
becomes their category); blocks numbered under an item are its measures. An item keeps the plan's own
number when the plan numbers its tasks straight through, else its group's number before it (`2.3`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from ledger.dates import DateKind, find_dates, states_continuing
from ledger.model import ItemSpec, Location, Measure, Target
from ledger.plan_doc import (
    Marker,
    PlanText,
    Section,
    Style,
    apply_plan_wide,
    deadline_words,
    excerpt,
    heading_of,
    markers,
)
from ledger.text import short_title
from ledger.units import split_units

_UNIT_PAREN_RE: Final = re.compile(
    r"\((?=(?:牵头单位|牵头部门|责任单位|责任部门|配合单位|协办单位):|[^()]{2,80}牵头[,、)])"
)
_UNIT_PAREN_LABELS: Final[dict[str, str | None]] = {
    "牵头单位": "lead_units",
    "牵头部门": "lead_units",
    "责任单位": "responsible_units",
    "责任部门": "responsible_units",
    "配合单位": None,
    "协办单位": None,
}
# "(市住建局牵头，市城管局、各区政府配合)" / "(市发改委牵头，各有关部门按职责分工负责)"
_LEAD_WORDS_RE: Final = re.compile(
    r"^(?P<lead>.+?)牵头(?:[,、](?P<rest>.+?)(?:配合|参与|按职责分工负责|负责))?$"
)
_OUTLINE_STYLES: Final = (Style.PAREN_CN, Style.ARABIC, Style.PAREN_ARABIC, Style.CIRCLED)
_HEADING_MAX: Final = 30


@dataclass
class _Node:
    marker: Marker
    parent: _Node | None
    children: list[_Node] = field(default_factory=list)
    end: int = 0


def _tree(plan: PlanText, section: Section, last: dict[int, int]) -> list[_Node]:
    """The numbered blocks of a section as a tree; a marker that does not continue its level's count is
    text ("3、4个乡镇" inside a sentence). `last` holds each style's last number: a plan may number its
    tasks straight through its sections."""
    roots: list[_Node] = []
    stack: list[_Node] = []
    flat: list[_Node] = []
    heading_end = (
        section.start + len(plan.doc.text[section.start :].split("、", 1)[0]) + 1 + len(section.heading)
    )
    for marker in markers(
        plan.doc, section.start + 1, section.end, _OUTLINE_STYLES, frozenset({heading_end})
    ):
        # On a line of its own a marker may skip numbers (a plan's excerpt, a task left out); inside a line
        # it must count on, or it is text.
        own_line = marker.pos in plan.doc.line_starts
        level = next((i for i, n in enumerate(stack) if n.marker.style == marker.style), None)
        if level is not None:
            previous = stack[level].marker.number
            if marker.number != previous + 1 and not (own_line and marker.number > previous):
                continue
            stack = stack[:level]
        elif marker.number not in (1, last.get(marker.style, 0) + 1) and not own_line:
            continue
        parent = stack[-1] if stack else None
        node = _Node(marker, parent)
        (parent.children if parent else roots).append(node)
        stack.append(node)
        flat.append(node)
        last[marker.style] = marker.number
    for index, node in enumerate(flat):
        depth = _depth(node)
        node.end = next((n.marker.pos for n in flat[index + 1 :] if _depth(n) <= depth), section.end)
    return roots


def _depth(node: _Node) -> int:
    return 0 if node.parent is None else 1 + _depth(node.parent)


def _item_level(roots: list[_Node]) -> list[_Node]:
    """Down the tree while most blocks of a level hold numbered blocks: those group the tasks."""
    level = roots
    while level:
        grouping = [n for n in level if n.children]
        if len(grouping) * 2 < len(level):
            return level
        level = [child for n in level for child in (n.children or [n])]
    return level


def _used(plan: PlanText, section: Section) -> bool:
    if section.non_task:
        return False
    return section.holds_tasks or _UNIT_PAREN_RE.search(plan.doc.text, section.start, section.end) is not None


def _numbers(blocks: list[tuple[_Node, Section, int]]) -> list[str]:
    """The plan's own numbers when they are unique, else prefixed by the group's (and section's) number."""

    def own(node: _Node, section_number: int, levels: int) -> str:
        chain = [node.marker.number]
        parent = node.parent
        while len(chain) < levels and parent is not None:
            chain.insert(0, parent.marker.number)
            parent = parent.parent
        if len(chain) < levels:
            chain.insert(0, section_number)
        return ".".join(str(n) for n in chain)

    for levels in (1, 2, 3):
        numbers = [own(node, section_number, levels) for node, _, section_number in blocks]
        if len(set(numbers)) == len(numbers):
            return numbers
    return [str(index) for index in range(1, len(blocks) + 1)]


def outline_items(plan: PlanText) -> list[ItemSpec]:
    """The tasks of the plan's task sections (or of the whole text, when it ends tasks in unit lists)."""
    used = [s for s in plan.sections if _used(plan, s)]
    if not plan.sections and _UNIT_PAREN_RE.search(plan.doc.text):
        used = [Section(0, len(plan.doc.text), "", False, True)]
    blocks: list[tuple[_Node, Section, int]] = []
    last: dict[int, int] = {}
    for section in used:
        ordinal = plan.sections.index(section) + 1 if section in plan.sections else 1
        blocks.extend((node, section, ordinal) for node in _item_level(_tree(plan, section, last)))
    items: list[ItemSpec] = []
    for (node, _, _), number in zip(blocks, _numbers(blocks), strict=True):
        items.extend(_Reader(plan, node, number).items())
    return items


class _Reader:
    """One block: its words, units, dates and measures; several unit lists make sub-items N.1, N.2."""

    def __init__(self, plan: PlanText, node: _Node, number: str) -> None:
        self.plan = plan
        self.doc = plan.doc
        self.node = node
        self.number = number

    def items(self) -> list[ItemSpec]:
        node, doc = self.node, self.doc
        body_end = node.children[0].marker.pos if node.children else node.end
        parens = self._parens(node.marker.end, node.end)
        if node.children or len(parens) <= 1:
            item = self._item(self.number, node.marker.end, body_end, parens)
            item.measures = [self._measure(child) for child in node.children]
            return [item]
        items = []
        start = node.marker.end
        for index, (open_pos, close) in enumerate(parens, start=1):
            items.append(self._item(f"{self.number}.{index}", start, open_pos, [(open_pos, close)]))
            start = close + 1
        stray = doc.cut(start, node.end).strip("。.")
        if stray:
            self.plan.notes.warn("unassigned_text", start, self.number, None, text=excerpt(stray))
        return items

    def _parens(self, start: int, end: int) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for m in _UNIT_PAREN_RE.finditer(self.doc.text, start, end):
            if found and m.start() < found[-1][1]:
                continue
            found.append((m.start(), self._closing(m.start(), end)))
        return found

    def _closing(self, open_pos: int, end: int) -> int:
        depth = 0
        for pos in range(open_pos, end):
            ch = self.doc.text[pos]
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0:
                return pos
        return end

    def _words(self, start: int, end: int, parens: list[tuple[int, int]]) -> str:
        """The block's words without its unit lists."""
        pieces, at = [], start
        for open_pos, close in parens:
            if open_pos >= end:
                break
            pieces.append(self.doc.display[at:open_pos])
            at = close + 1
        pieces.append(self.doc.display[at:end])
        return "".join(pieces).strip(" 、,，;；")

    def _item(self, number: str, start: int, end: int, parens: list[tuple[int, int]]) -> ItemSpec:
        plan, doc = self.plan, self.doc
        problem = self._words(start, end, parens)
        parent = self.node.parent
        category = heading_of(doc, parent.marker) if parent is not None else None
        item = ItemSpec(
            number=number,
            title=short_title(problem) or number,
            problem=problem,
            start=plan.start,
            category=category if category and len(category) <= _HEADING_MAX else None,
            location=Location(line=doc.line(self.node.marker.pos)),
        )
        for open_pos, close in parens:
            self._units(item, open_pos, close)
        self._dates(item, start, end)
        return item

    def _units(self, item: ItemSpec, open_pos: int, close: int) -> None:
        doc = self.doc
        inner = doc.text[open_pos + 1 : close]
        for part in re.finditer(r"[^;]+", inner):
            # Units come from the original characters: "县能源（煤炭）中心" keeps its brackets.
            shown = doc.display[open_pos + 1 + part.start() : open_pos + 1 + part.end()]
            label = re.match(r"([^:]{2,6}):", part.group())
            if label is None:
                words = _LEAD_WORDS_RE.match(shown.translate({0xFF0C: ","}))
                if words is not None:
                    item.lead_units += split_units(words.group("lead"))
                    item.responsible_units += split_units(words.group("rest") or "")
                else:
                    item.responsible_units += split_units(shown)
                continue
            key = _UNIT_PAREN_LABELS.get(label.group(1))
            value = shown[label.end() :]
            if key == "lead_units":
                item.lead_units += split_units(value)
            elif key == "responsible_units":
                item.responsible_units += split_units(value)
            else:
                self.plan.notes.warn(
                    "unsupported_field",
                    open_pos,
                    item.number,
                    None,
                    label=label.group(1),
                    text=excerpt(value),
                )

    def _dates(self, item: ItemSpec, start: int, end: int) -> None:
        plan = self.plan
        words = plan.doc.text[start:end]
        found = [d for d in find_dates(words, plan.year) if not self._in_paren(start + d.start)]
        deadlines = [d for d in found if d.kind == DateKind.DEADLINE]
        starts = [d.value for d in found if d.kind == DateKind.START and d.value > item.start]
        if starts:
            item.start = max(starts)
        if deadlines:
            chosen = max(deadlines, key=lambda d: d.value)
            item.deadline_text = deadline_words(plan.doc, chosen, start)
            item.targets = [Target(item.problem, chosen.value)]
        elif states_continuing(words):
            item.continuing = True
        elif not apply_plan_wide(plan, item, [], self.node.marker.pos):
            plan.notes.warn("no_deadline", self.node.marker.pos, item.number, "deadline")

    def _in_paren(self, pos: int) -> bool:
        return any(
            open_pos <= pos <= close for open_pos, close in self._parens(self.node.marker.end, self.node.end)
        )

    def _measure(self, child: _Node) -> Measure:
        doc = self.doc
        text = self._words(child.marker.end, child.end, self._parens(child.marker.end, child.end))
        due = max(
            (
                d.value
                for d in find_dates(doc.text[child.marker.end : child.end], self.plan.year)
                if d.kind == DateKind.DEADLINE
            ),
            default=None,
        )
        return Measure(text, due)
