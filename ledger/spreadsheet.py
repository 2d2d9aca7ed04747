"""A ledger kept as a spreadsheet (.xlsx or .csv): one row per item, Chinese or English headers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ledger.columns import LEDGER_COLUMNS, parse_numbered
from ledger.dates import parse_chinese_date, parse_deadline_expression
from ledger.model import ImportNote, ItemSpec, Location, Measure, ParsedLedger, Target
from ledger.tabular import UnreadableTableError, find_header, match_header, read_rows, table_rows
from ledger.text import short_title
from ledger.units import split_units

KNOWN = {column.key: column.headers() for column in LEDGER_COLUMNS}
IMPORTABLE = {column.key for column in LEDGER_COLUMNS if column.importable}
_YES = {"是", "yes", "y", "true", "1", "长期坚持", "持续"}
_NO = {"否", "no", "n", "false", "0", ""}


def parse_ledger_table(path: Path, *, default_start: date) -> ParsedLedger:
    result = ParsedLedger()
    try:
        rows = read_rows(path)
    except UnreadableTableError as exc:
        result.errors.append(ImportNote("unreadable_file", params=(("reason", str(exc)),)))
        return result
    header = find_header(rows, KNOWN, "number")
    if header is None:
        result.errors.append(ImportNote("ledger_no_header", Location(row=1), field="header"))
        return result
    positions, unknown = match_header(rows[header], KNOWN)
    for title in unknown:
        # Text in a column we do not know would be lost: say so rather than drop it silently.
        result.warnings.append(
            ImportNote(
                "unknown_column", Location(row=header + 1), field="header", params=(("column", title),)
            )
        )
    positions = {i: key for i, key in positions.items() if key in IMPORTABLE}
    for row in table_rows(rows, header, positions):
        spec = _row_spec(row.cells, Location(row=row.row), default_start, result)
        if spec is not None:
            result.items.append(spec)
    if not result.items and not result.errors:
        result.errors.append(ImportNote("no_items"))
    return result


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


def _row_spec(
    cells: dict[str, str], where: Location, default_start: date, result: ParsedLedger
) -> ItemSpec | None:
    number = cells.get("number", "").strip().removeprefix("第").removesuffix("项")
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
        stated = parse_deadline_expression(deadline_text, (start or default_start).year)
        continuing = stated.continuing
        deadline = max(stated.dates) if stated.dates else None
    targets = [Target(text, due or deadline) for text, due in parse_numbered(cells.get("targets", ""))]
    if not targets and deadline is not None:
        targets = [Target(problem, deadline)]
    return ItemSpec(
        number=number,
        title=cells.get("title") or short_title(problem),
        problem=problem,
        start=start or default_start,
        continuing=continuing,
        category=cells.get("category") or None,
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
