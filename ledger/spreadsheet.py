"""A ledger kept as a table: a spreadsheet (.xlsx, .xls, .csv) or a Word table, one finding per row or over
several rows, Chinese or English headers.

The header is the row (of the first ten) that names the most known columns; a second header row under it
("责任单位" over "牵头单位 | 配合单位") refines it. A header repeated further down (each page of a printed
table) is skipped, a row whose cells all say the same (a merged heading row) is the category of the rows
under it, and a row without its own number and problem (merged cells, or left blank) continues the finding
above it: its targets, measures and units are added to it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from ledger.columns import LEDGER_COLUMNS, parse_numbered
from ledger.dates import chinese_number, parse_chinese_date, parse_deadline_expression
from ledger.model import ImportNote, ItemSpec, Location, Measure, ParsedLedger, Target
from ledger.plan_doc import normalize, plan_dates
from ledger.tabular import known_header, match_header, unknown_column_notes
from ledger.text import short_title
from ledger.units import split_units

KNOWN: Final = {column.key: column.headers() for column in LEDGER_COLUMNS}
IMPORTABLE: Final = {column.key for column in LEDGER_COLUMNS if column.importable}
_YES: Final = {"是", "yes", "y", "true", "1", "长期坚持", "持续"}
_NO: Final = {"否", "no", "n", "false", "0", ""}
_NUMBER_RE: Final = re.compile(
    r"^第?\s*[(（]?\s*(?P<n>[\d.]+|[一二三四五六七八九十百零〇两]+)\s*[)）]?\s*[项条.、]?$"
)


@dataclass(frozen=True)
class _Header:
    index: int  # the last header row
    rows: int  # 1 or 2
    positions: dict[int, str]
    raw: tuple[tuple[str, ...], ...]  # the header row or rows as the file has them


def _header(rows: list[list[str]]) -> tuple[_Header | None, list[str]]:
    """The header (one or two rows) and the titles of its unknown columns."""
    best: tuple[int, int] | None = None
    for index, row in enumerate(rows[:10]):
        positions, _ = match_header(row, KNOWN)
        keys = set(positions.values())
        if (
            ("number" in keys or "problem" in keys)
            and len(keys) >= 2
            and (best is None or len(keys) > best[1])
        ):
            best = (index, len(keys))
    if best is None:
        return None, []
    index = best[0]
    upper = rows[index]
    lower = rows[index + 1] if index + 1 < len(rows) else []
    # "责任单位" merged over two columns, "牵头单位 | 配合单位" under it: the lower title names the column.
    two_rows = any(
        cell and cell != upper[i] and known_header(cell, KNOWN) for i, cell in enumerate(lower[: len(upper)])
    )
    titles = [
        lower[i] if two_rows and i < len(lower) and lower[i] and lower[i] != title else title
        for i, title in enumerate(upper)
    ]
    positions, unknown = match_header(titles, KNOWN)
    raw = tuple(tuple(cell.strip() for cell in r) for r in ([upper, lower] if two_rows else [upper]))
    header = _Header(index + (1 if two_rows else 0), 2 if two_rows else 1, positions, raw)
    return header, unknown


def _number(text: str) -> str:
    """`24`, `24.1`, `第24项`, `二十四`, `（三）` → the number as officials use it in the chat."""
    folded = unicodedata.normalize("NFKC", text).strip()
    m = _NUMBER_RE.match(folded)
    if m is None:
        return folded
    value = m.group("n")
    if value.replace(".", "").isdigit():
        return value.strip(".")
    number = chinese_number(value)
    return str(number) if number is not None else folded


@dataclass
class _Table:
    header: _Header
    default_start: date
    year: int  # of dates written without one
    result: ParsedLedger
    category: str | None = None
    last: ItemSpec | None = None
    last_cells: dict[str, str] = field(default_factory=dict)
    count: int = 0


def _stated(lines: list[str], default_start: date) -> tuple[date, int]:
    """The table's own date from the lines above its header (a date under its title), else `default_start`;
    and the year of its dates written without one (that date's, the title's "…台账（2021年）")."""
    text = "\n".join(lines)
    dates = plan_dates(normalize(text), text, None)
    start = dates.plan_date or default_start
    return start, dates.year or start.year


def parse_ledger_rows(
    rows: list[list[str]], *, default_start: date, preamble: list[str] | None = None
) -> ParsedLedger:
    """The items of a table's rows (row numbers in notes are those a spreadsheet shows, from 1); `preamble`:
    the document's lines above the table, which may give its date."""
    result = ParsedLedger()
    header, unknown = _header(rows)
    if header is None:
        result.errors.append(ImportNote("ledger_no_header", Location(row=1), field="header"))
        return result
    above = [" ".join(cell for cell in row if cell) for row in rows[: header.index - header.rows + 1]]
    default_start, year = _stated([*(preamble or []), *above], default_start)
    result.warnings += unknown_column_notes(header.index, unknown)
    table = _Table(header, default_start, year, result)
    positions = {i: key for i, key in header.positions.items() if key in IMPORTABLE}
    for offset, row in enumerate(rows[header.index + 1 :], start=header.index + 2):
        cells = {key: row[i].strip() if i < len(row) else "" for i, key in positions.items()}
        if any(cells.values()):
            _row(table, row, cells, Location(row=offset))
    if not result.items and not result.errors:
        result.errors.append(ImportNote("no_items"))
    return result


def _row(table: _Table, row: list[str], cells: dict[str, str], where: Location) -> None:
    result = table.result
    result.read += 1
    filled = [cell.strip() for cell in row if cell.strip()]
    if any(tuple(cell.strip() for cell in row[: len(raw)]) == raw for raw in table.header.raw):
        result.skipped.append(ImportNote("repeated_header", where))
        return
    if len(set(filled)) == 1 and len(filled) > 1:
        # One text across the whole row: a merged heading (第一类例行督察指出问题) over the rows below.
        table.category = filled[0]
        result.skipped.append(ImportNote("heading_row", where, params=(("text", filled[0][:40]),)))
        return
    last = table.last
    number, problem = cells.get("number", ""), cells.get("problem", "")
    same_number = not number or (last is not None and _number(number) == last.number)
    if last is not None and same_number and (not problem or problem == last.problem):
        _continue(table, last, cells, where)
        return
    if "number" not in table.header.positions.values():
        # A table without a number column: its findings are numbered in their order.
        cells = {**cells, "number": str(table.count + 1)}
    spec = _row_spec(cells, where, table, result)
    if spec is not None:
        result.items.append(spec)
        table.count += 1
        table.last, table.last_cells = spec, cells


def _continue(table: _Table, spec: ItemSpec, cells: dict[str, str], where: Location) -> None:
    """A row that goes on with the finding above: what it adds to its targets, measures and units."""
    table.result.merged.append(ImportNote("continued_row", where, item=spec.number))
    deadline = _deadline(cells, table.year)
    previous = table.last_cells
    if deadline is not None:
        # Each row's date is its measures' date: the row above keeps its own, the finding ends with the latest.
        first = _deadline(previous, table.year)
        written = cells.get("deadline_text")
        if written and spec.deadline_text and written not in spec.deadline_text:
            spec.deadline_text = f"{spec.deadline_text}；{written}"
        spec.measures = [Measure(m.text, m.due or first) for m in spec.measures]
    if cells.get("targets") and cells["targets"] != previous.get("targets"):
        spec.targets += [Target(text, due or deadline) for text, due in parse_numbered(cells["targets"])]
    elif deadline is not None:
        spec.targets = [
            Target(t.text, max(d for d in (t.deadline, deadline) if d)) for t in spec.targets
        ] or [Target(spec.problem, deadline)]
    if cells.get("measures") and cells["measures"] != previous.get("measures"):
        spec.measures += [Measure(text, due or deadline) for text, due in parse_numbered(cells["measures"])]
    for key, names in (
        ("lead_units", spec.lead_units),
        ("responsible_units", spec.responsible_units),
        ("supervising_units", spec.supervising_units),
    ):
        names.extend(name for name in split_units(cells.get(key, "")) if name not in names)
    table.last_cells = cells


def _deadline(cells: dict[str, str], year: int) -> date | None:
    text = cells.get("deadline") or cells.get("deadline_text") or ""
    if not text:
        return None
    stated = parse_deadline_expression(text, year)
    return max(stated.dates) if stated.dates else parse_chinese_date(text)


def _date_cell(
    cells: dict[str, str], key: str, where: Location, number: str, result: ParsedLedger
) -> tuple[bool, date | None]:
    """(ok, value) of a date cell; a cell that is not a date is an error, not a silent blank."""
    text = cells.get(key, "")
    if not text:
        return True, None
    value = parse_chinese_date(text)
    if value is None:
        result.errors.append(ImportNote("bad_date", where, item=number, field=key, params=(("text", text),)))
        return False, None
    return True, value


def _row_spec(cells: dict[str, str], where: Location, table: _Table, result: ParsedLedger) -> ItemSpec | None:
    number = _number(cells.get("number", "")) if cells.get("number") else ""
    problem = cells.get("problem", "")
    if not number:
        result.errors.append(ImportNote("missing_value", where, field="number"))
        return None
    if not problem:
        result.errors.append(ImportNote("missing_value", where, item=number, field="problem"))
        return None
    ok_deadline, deadline = _date_cell(cells, "deadline", where, number, result)
    ok_start, start = _date_cell(cells, "start", where, number, result)
    continuing_text = cells.get("continuing", "").strip().lower()
    if continuing_text not in _YES | _NO:
        result.errors.append(
            ImportNote(
                "bad_flag", where, item=number, field="continuing", params=(("text", continuing_text),)
            )
        )
        return None
    if not (ok_deadline and ok_start):
        return None
    deadline_text = cells.get("deadline_text") or None
    continuing = continuing_text in _YES
    if deadline is None and deadline_text and not continuing:
        stated = parse_deadline_expression(deadline_text, start.year if start else table.year)
        continuing = stated.continuing and not stated.dates
        deadline = max(stated.dates) if stated.dates else None
    targets = [Target(text, due or deadline) for text, due in parse_numbered(cells.get("targets", ""))]
    if not targets and deadline is not None:
        targets = [Target(problem, deadline)]
    return ItemSpec(
        number=number,
        title=cells.get("title") or short_title(problem),
        problem=problem,
        start=start or table.default_start,
        continuing=continuing,
        category=cells.get("category") or table.category,
        cause=cells.get("cause") or None,
        targets=targets,
        deadline_text=deadline_text,
        lead_units=split_units(cells.get("lead_units", "")),
        responsible_units=split_units(cells.get("responsible_units", "")),
        supervising_units=split_units(cells.get("supervising_units", "")),
        responsible_leader=cells.get("responsible_leader") or None,
        responsible_person=cells.get("responsible_person") or None,
        measures=[Measure(text, due) for text, due in parse_numbered(cells.get("measures", ""))],
        location=where,
    )
