"""Reading a plan's indicators (指标): its indicator table (主要指标表) and the targets stated in its sentences.

The table comes as rows of cells — a Word or spreadsheet table, the indicator template, or the lines of a
text whose cells are separated by spaces — and its column order is taken from its header: 类别, 序号,
指标, 单位, 属性, then year columns (2020年 / 2020年基期值 … 2025年目标值), the first the baseline and the last
the target. A category written once for its group (a merged cell) holds for the rows under it.

A careful clerk's flags come back as warnings: a row without its attribute (约束性/预期性), a value whose
own year (`22（2019年）`) disagrees with its column's header year, a target in the text that disagrees with
the table.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from ledger.indicators import (
    Aggregation,
    Attribute,
    Direction,
    Frequency,
    IndicatorSpec,
    inferred_aggregation,
    inferred_direction,
    is_reduction,
    number_text,
)
from ledger.model import ImportNote, Location
from ledger.tabular import match_header

# The notes this reader emits and their params: each has a template in messages/templates/<locale>/import/.
INDICATOR_NOTE_PARAMS: Final[dict[str, tuple[str, ...]]] = {
    "indicator_without_attribute": ("name",),
    "indicator_year_mismatch": ("name", "header_year", "value_year"),
    "indicator_text_disagrees": ("name", "text_target", "table_target"),
}

# Column titles of an indicator table, and of the template (`duban export --indicator-template`).
INDICATOR_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "category": ("类别", "指标类别", "领域", "类型", "Category"),
    "number": ("序号", "编号", "No."),
    "name": ("指标", "指标名称", "主要指标", "指标内容", "具体指标", "Indicator"),
    "unit": ("单位", "计量单位", "Unit"),
    "attribute": ("属性", "指标属性", "指标性质", "性质", "Attribute"),
    "direction": ("方向", "指标方向", "Direction"),
    "baseline": ("基期值", "基准值", "现状值", "基数", "Baseline"),
    "baseline_year": ("基期年份", "基准年", "Baseline year"),
    "target": ("目标值", "规划目标", "Target"),
    "target_year": ("目标年份", "目标年", "Target year"),
    "target_text": ("目标说明", "Target text"),
    "responsible_unit": ("责任单位", "牵头单位", "责任部门", "Responsible unit"),
    "frequency": ("监测频次", "频次", "监测频率", "Frequency"),
    "aggregation": ("统计方式", "Aggregation"),
}
# The template's header (`duban export --indicator-template`), one title per column, in its order.
TEMPLATE_TITLES: Final = {
    "category": "类别",
    "name": "指标名称",
    "unit": "计量单位",
    "attribute": "指标属性",
    "direction": "方向",
    "baseline": "基期值",
    "baseline_year": "基期年份",
    "target": "目标值",
    "target_year": "目标年份",
    "target_text": "目标说明",
    "responsible_unit": "责任单位",
    "frequency": "监测频次",
    "aggregation": "统计方式",
}

ATTRIBUTE_WORDS: Final = {"约束性": Attribute.BINDING, "预期性": Attribute.EXPECTED}
DIRECTION_WORDS: Final = {"≤": Direction.CEILING, "≥": Direction.FLOOR}
FREQUENCY_WORDS: Final = {"每月": Frequency.MONTHLY, "每季度": Frequency.QUARTERLY, "每年": Frequency.YEARLY}
AGGREGATION_WORDS: Final = {"最新值": Aggregation.LATEST, "年均值": Aggregation.ANNUAL_MEAN}

_YEAR_COLUMN_RE: Final = re.compile(r"^(?P<year>(?:19|20)\d\d)年?(?P<kind>.*)$")
_BASELINE_WORDS: Final = ("基期", "基准", "现状", "基数", "实际")
_TARGET_WORDS: Final = ("目标", "规划", "预期")
_NUMBER_RE: Final = re.compile(r"[-+]?\d+(?:\.\d+)?")
_VALUE_YEAR_RE: Final = re.compile(r"\(((?:19|20)\d\d)年?\)")
_CEILING_WORDS_RE: Final = re.compile(r"≤|<=|<|以下|以内|不高于|不超过|低于")
_FLOOR_WORDS_RE: Final = re.compile(r"≥|>=|>|以上|不低于|不少于|高于")
_NO_VALUE: Final = frozenset({"", "—", "-", "–", "——", "/", "／", "无", "—-"})
# A unit at the end of a name, "(%)", "(微克/立方米)"; "(PM2.5)" is none.
_NAME_UNIT_RE: Final = re.compile(
    r"\((?P<unit>[%‰]|[^()]*/[^()]*|(?:万|亿|千)?(?:吨|元|公顷|亩|个|天|千米|公里|米)[^()]{0,6})\)$"
)


def _clean(text: str) -> str:
    """A cell as compared: full-width letters, digits and punctuation folded (NFKC: （％ → (%), inner
    whitespace dropped; the water classes Ⅲ, Ⅴ stay as plans write them."""
    folded = "".join(ch if ch in "ⅠⅡⅢⅣⅤ" else unicodedata.normalize("NFKC", ch) for ch in text)
    return "".join(folded.split())


@dataclass(frozen=True)
class _Value:
    number: float | None
    direction: Direction | None
    year: int | None
    text: str | None  # the words of a value without a number: 完成上级下达目标


def _value(cell: str) -> _Value:
    text = _clean(cell)
    if text in _NO_VALUE:
        return _Value(None, None, None, None)
    year_match = _VALUE_YEAR_RE.search(text)
    year = int(year_match.group(1)) if year_match else None
    bare = _VALUE_YEAR_RE.sub("", text)
    number = _NUMBER_RE.search(bare.strip("[]〔〕"))
    direction = None
    if _CEILING_WORDS_RE.search(bare):
        direction = Direction.CEILING
    elif _FLOOR_WORDS_RE.search(bare):
        direction = Direction.FLOOR
    if number is None:
        return _Value(None, None, year, bare)
    return _Value(float(number.group()), direction, year, None)


@dataclass(frozen=True)
class IndicatorHeader:
    """Where an indicator table's columns are: keys by position, and the year columns."""

    positions: dict[int, str]
    baseline_year: int | None
    target_year: int | None


def indicator_header(row: Sequence[str]) -> IndicatorHeader | None:
    """The header of an indicator table: a name column and a target (a 目标值 column or a year column)."""
    cells = [_clean(cell) for cell in row]
    positions, _ = match_header(cells, INDICATOR_COLUMNS)
    years: list[tuple[int, int, str]] = []
    for index, cell in enumerate(cells):
        m = _YEAR_COLUMN_RE.match(cell)
        if m and index not in positions:
            years.append((index, int(m.group("year")), m.group("kind")))
    if "name" not in positions.values() or not (years or "target" in positions.values()):
        return None
    baseline_year = target_year = None
    if years:
        baseline = next((y for y in years if y[2].startswith(_BASELINE_WORDS)), None)
        target = next((y for y in reversed(years) if y[2].startswith(_TARGET_WORDS)), None)
        if target is None:
            target = years[-1]
        if baseline is None and len(years) > 1 and years[0] is not target:
            baseline = years[0]
        positions[target[0]] = "target"
        target_year = target[1]
        if baseline is not None:
            positions[baseline[0]] = "baseline"
            baseline_year = baseline[1]
    return IndicatorHeader(positions, baseline_year, target_year)


def _category_carried(header: IndicatorHeader, cells: Sequence[str], category: str | None) -> list[str]:
    """A text row one cell short of its header lacks its category (written once for its group)."""
    keys = [header.positions[i] for i in sorted(header.positions)]
    if len(cells) == len(keys) - 1 and keys and keys[0] == "category":
        return [category or "", *cells]
    return list(cells)


def _year(text: str) -> int | None:
    m = re.fullmatch(r"((?:19|20)\d\d)年?", _clean(text))
    return int(m.group(1)) if m else None


def _number(value: float | None) -> str:
    return "" if value is None else number_text(value)


class IndicatorRows:
    """Reads the rows under an indicator header, keeping what the rows carry from one to the next."""

    def __init__(self, header: IndicatorHeader, warnings: list[ImportNote], *, carry_category: bool) -> None:
        self.header = header
        self.warnings = warnings
        # A text's table writes a group's category once; a document's or sheet's merged cell is in every row.
        self.carry_category = carry_category
        self.category: str | None = None
        self.keys = [header.positions[i] for i in sorted(header.positions)]

    def cells_by_key(self, row: Sequence[str], *, by_position: bool) -> dict[str, str] | None:
        """The row's cells by key: a table row by its columns' positions, a text row by its order."""
        if by_position:
            return {key: row[i].strip() if i < len(row) else "" for i, key in self.header.positions.items()}
        cells = _category_carried(self.header, row, self.category)
        if len(cells) > len(self.keys) and not any(c.strip() for c in cells[len(self.keys) :]):
            cells = cells[: len(self.keys)]
        if len(cells) != len(self.keys):
            return None
        return dict(zip(self.keys, (c.strip() for c in cells), strict=True))

    def read(self, cells: dict[str, str], location: Location) -> IndicatorSpec | None:
        name = _clean(cells.get("name", ""))
        if not name:
            return None
        if cells.get("category") or not self.carry_category:
            self.category = cells.get("category", "").strip() or None
        unit = cells.get("unit", "").strip() or None
        unit_in_name = _NAME_UNIT_RE.search(name)
        if unit is None and unit_in_name:
            unit, name = unit_in_name.group("unit"), name[: unit_in_name.start()]
        baseline, target = _value(cells.get("baseline", "")), _value(cells.get("target", ""))
        spec = IndicatorSpec(
            name=name,
            category=self.category,
            unit=None if unit in _NO_VALUE else unit,
            attribute=ATTRIBUTE_WORDS.get(_clean(cells.get("attribute", ""))),
            baseline=baseline.number,
            # A "—" baseline has no year, unless the template gives it one.
            baseline_year=None
            if baseline.number is None and "baseline_year" not in cells
            else self._year(name, "baseline_year", cells, baseline, self.header.baseline_year, location),
            target=target.number,
            target_year=self._year(name, "target_year", cells, target, self.header.target_year, location),
            target_text=target.text or _clean(cells.get("target_text", "")) or None,
            responsible_unit=cells.get("responsible_unit", "").strip() or None,
            frequency=FREQUENCY_WORDS.get(_clean(cells.get("frequency", "")), Frequency.MONTHLY),
            location=location,
        )
        stated = _clean(cells.get("direction", ""))
        if stated and stated in _NO_VALUE:
            spec.direction = None  # the template's "—": no direction (完成上级下达目标)
        else:
            spec.direction = (
                DIRECTION_WORDS.get(stated)
                or target.direction
                or (None if spec.target is None else inferred_direction(name, spec.baseline, spec.target))
            )
        spec.aggregation = AGGREGATION_WORDS.get(
            _clean(cells.get("aggregation", ""))
        ) or inferred_aggregation(name)
        if spec.attribute is None:
            self.warnings.append(
                ImportNote("indicator_without_attribute", location, params=(("name", name),))
            )
        return spec

    def _year(
        self,
        name: str,
        key: str,
        cells: dict[str, str],
        value: _Value,
        header_year: int | None,
        location: Location,
    ) -> int | None:
        """The year of a baseline or target: its own column (the template), the value's own year
        (flagged when the header says another), or the header's."""
        if key in cells:
            return _year(cells[key])
        if value.year is not None and header_year is not None and value.year != header_year:
            self.warnings.append(
                ImportNote(
                    "indicator_year_mismatch",
                    location,
                    params=(
                        ("name", name),
                        ("header_year", str(header_year)),
                        ("value_year", str(value.year)),
                    ),
                )
            )
        return value.year or header_year


def read_indicator_table(
    rows: Sequence[Sequence[str]], warnings: list[ImportNote], *, first_row: int = 1
) -> list[IndicatorSpec]:
    """The indicators of a table (a document's or a sheet's rows of cells), under its first header."""
    for index, row in enumerate(rows[:10]):
        header = indicator_header(row)
        if header is None:
            continue
        reader = IndicatorRows(header, warnings, carry_category=False)
        specs = []
        for offset, cells_row in enumerate(rows[index + 1 :], start=first_row + index + 1):
            if indicator_header(cells_row) is not None:
                continue  # the header repeated after a page break
            cells = reader.cells_by_key(cells_row, by_position=True)
            spec = reader.read(cells, Location(row=offset)) if cells else None
            if spec is not None:
                specs.append(spec)
        return specs
    return []


def _text_cells(line: str) -> list[str]:
    """A line of a text table: cells separated by tabs (a table copied out of Word: an empty cell, such as
    a merged category's, stays in place), else by runs of spaces (full-width ones too)."""
    if "\t" in line:
        return [cell.strip() for cell in line.rstrip(" \r\n").split("\t")]
    return [cell for cell in re.split(r"[\s\u3000]+", line.strip()) if cell]


@dataclass(frozen=True)
class TextTable:
    """The indicators of a text's indicator table, and the lines it takes (no sentence is read there)."""

    indicators: list[IndicatorSpec]
    lines: frozenset[int]  # 1-based


def read_text_table(text: str, warnings: list[ImportNote]) -> TextTable:
    """The indicator table of a plan's text: a header line, then the rows that fit it, one a line."""
    lines = text.splitlines()
    specs: list[IndicatorSpec] = []
    taken: set[int] = set()
    reader: IndicatorRows | None = None
    for number, line in enumerate(lines, start=1):
        cells = _text_cells(line)
        header = indicator_header(cells) if len(cells) >= 3 else None
        if header is not None:
            reader = IndicatorRows(header, warnings, carry_category=True)
            taken.add(number)
            continue
        if reader is None:
            continue
        by_key = reader.cells_by_key(cells, by_position=False)
        spec = reader.read(by_key, Location(line=number)) if by_key else None
        if spec is None:
            reader = None  # the first line that does not fit ends the table
            continue
        specs.append(spec)
        taken.add(number)
    return TextTable(specs, frozenset(taken))


# Targets stated in sentences: "优良天数比例达到84%以上", "细颗粒物浓度控制在25微克/立方米",
# "地表水达到或好于Ⅲ类水体占比95%以上", "细颗粒物(PM2.5)浓度值较2015年下降10%以上".
_UNIT_WORDS: Final = r"%|‰|微克/立方米|毫克/立方米|万吨标准煤|万吨|吨|公顷|万亩|亩|天|个"
_INDICATOR_NOUN: Final = r"(?:比例|比率|占比|比重|浓度值?|天数|率|强度|总量|指数|面积)"
_SENTENCE_TARGET_RE: Final = re.compile(
    rf"(?P<name>[^,;:。!?]{{2,40}}?{_INDICATOR_NOUN})"
    rf"(?:较(?P<since>(?:19|20)\d\d)年(?P<change>下降|降低|减少|提高|增长|上升))?"
    r"(?P<verb>达到|控制在|保持在|稳定在|提高到|提高至|提升到|提升至|降至|降到|下降到|下降至|不低于|不高于|低于|高于)?"
    rf"(?P<number>\d+(?:\.\d+)?)(?P<unit>{_UNIT_WORDS})(?P<bound>以上|以下|以内|左右)?"
)
_LEADING_TIME_RE: Final = re.compile(
    r"^(?:(?:到|至|截至)?(?:19|20)\d\d年(?:底|末)?(?:前)?|其中|并|且|确保|力争|全年)+"
)
# "整改任务完成率达到79%" measures the office's own work, which the items track: no indicator.
_WORK_RE: Final = re.compile(r"任务|整改|工作")
_TARGET_YEAR_RE: Final = re.compile(
    r"(?:到|至)(?P<year>(?:19|20)\d\d)年|(?P<plan>十[二三四五六]五)”?(?:期)?末"
)
# The last year of a five-year plan period: "“十四五”末" is the end of 2025.
_PLAN_PERIOD_END: Final = {"十二五": 2015, "十三五": 2020, "十四五": 2025, "十五五": 2030, "十六五": 2035}


def read_sentence_targets(
    text: str, skip_lines: frozenset[int], default_year: int | None
) -> list[IndicatorSpec]:
    """The indicators a plan's sentences state, first statement of each name; no attribute (the text
    gives none), the target year the sentence's "到2025年" or "“十四五”末", else the plan's."""
    specs: dict[str, IndicatorSpec] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if number in skip_lines:
            continue
        line = _clean(raw)
        for sentence in re.split(r"(?<=[。!?])", line):
            stated = _TARGET_YEAR_RE.search(sentence)
            sentence_year = default_year
            if stated:
                sentence_year = int(stated["year"]) if stated["year"] else _PLAN_PERIOD_END[stated["plan"]]
            for m in _SENTENCE_TARGET_RE.finditer(sentence):
                spec = _sentence_spec(m, sentence_year, Location(line=number))
                if spec is not None:
                    specs.setdefault(spec.name, spec)
    return list(specs.values())


def _sentence_spec(m: re.Match[str], year: int | None, location: Location) -> IndicatorSpec | None:
    name = _LEADING_TIME_RE.sub("", m.group("name"))
    bound, verb = m.group("bound") or "", m.group("verb") or ""
    if len(name) < 2 or not (bound or verb) or _WORK_RE.search(name):
        return None  # "2020年PM2.5年均浓度22微克/立方米" states where it stands, not a target
    since, change = m.group("since"), m.group("change")
    if since:
        name = f"{name}较{since}年{change}"
    direction = (
        Direction.CEILING
        if bound in ("以下", "以内")
        or verb in ("控制在", "不高于", "低于", "降至", "降到", "下降到", "下降至")
        else Direction.FLOOR
        if bound == "以上" or verb in ("不低于", "高于", "提高到", "提高至", "提升到", "提升至")
        else inferred_direction(name, None, None)
    )
    return IndicatorSpec(
        name=name,
        unit=m.group("unit"),
        direction=direction,
        baseline_year=int(since) if since else None,
        target=float(m.group("number")),
        target_year=year,
        aggregation=inferred_aggregation(name),
        location=location,
    )


_SAME_THING: Final = (
    ("细颗粒物", "PM2.5"),
    ("可吸入颗粒物", "PM10"),
    ("优良天数",),
    ("Ⅲ类",),
    ("劣Ⅴ类", "劣V类"),
    ("臭氧",),
    ("森林覆盖率",),
    ("非化石能源",),
)


def _subject(name: str) -> str:
    """What a name measures, as the table and the text may both call it."""
    for words in _SAME_THING:
        if any(word in name for word in words):
            return words[0] + ("下降" if is_reduction(name) else "")
    return re.sub(r"\([^()]*\)|值$", "", name)


def _same_subject(table_name: str, text_name: str) -> bool:
    """Whether two names measure the same: one subject, or one name within the other."""
    a, b = _subject(table_name), _subject(text_name)
    return a == b or a in b or b in a


def merge_text_targets(
    table: list[IndicatorSpec], stated: list[IndicatorSpec], warnings: list[ImportNote]
) -> list[IndicatorSpec]:
    """The table's indicators, then the text's that neither the table nor an earlier sentence has; a text
    target that disagrees with the table's for the same year is flagged (the table is the plan's word)."""
    result = list(table)
    for spec in stated:
        same = next((t for t in result if _same_subject(t.name, spec.name)), None)
        if same is None:
            result.append(spec)
            continue
        same_year = spec.target_year is None or same.target_year in (None, spec.target_year)
        # A milestone of another year ("到2023年…达到18%") is the path's, not a second target.
        if (
            same in table
            and same_year
            and same.target is not None
            and spec.target is not None
            and same.target != spec.target
        ):
            warnings.append(
                ImportNote(
                    "indicator_text_disagrees",
                    spec.location,
                    params=(
                        ("name", same.name),
                        ("text_target", _number(spec.target) + (spec.unit or "")),
                        ("table_target", _number(same.target) + (same.unit or "")),
                    ),
                )
            )
    return result


def template_cells(spec: IndicatorSpec) -> tuple[str | float | int | None, ...]:
    """One row of the indicator template, in `TEMPLATE_TITLES` order: what reads back as the same spec."""
    words: dict[str, Callable[[IndicatorSpec], str | float | int | None]] = {
        "category": lambda s: s.category,
        "name": lambda s: s.name,
        "unit": lambda s: s.unit,
        "attribute": lambda s: _word(ATTRIBUTE_WORDS, s.attribute),
        "direction": lambda s: _word(DIRECTION_WORDS, s.direction) or "—",
        "baseline": lambda s: s.baseline,
        "baseline_year": lambda s: s.baseline_year,
        "target": lambda s: s.target,
        "target_year": lambda s: s.target_year,
        "target_text": lambda s: s.target_text,
        "responsible_unit": lambda s: s.responsible_unit,
        "frequency": lambda s: _word(FREQUENCY_WORDS, s.frequency),
        "aggregation": lambda s: _word(AGGREGATION_WORDS, s.aggregation),
    }
    return tuple(words[key](spec) for key in TEMPLATE_TITLES)


def _word(words: Mapping[str, object], value: object) -> str | None:
    return next((word for word, v in words.items() if v == value), None)
