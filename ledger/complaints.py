"""Public complaints (群众举报件): the complaint spreadsheet, complaint item numbers, and the rule that tells
a repeated complaint about the same matter from a new one. Pure: no session, no clock.

The rule of "the same matter" (重复举报): an earlier complaint (received on or before the new one) with the
same responsible unit whose reported text is similar enough. Texts are compared after normalization
(full-width folded to half-width, lower case, spaces and punctuation removed) with difflib's
`SequenceMatcher.ratio()`; the reported text carries the place (小区, 村, 路…), so the place counts too.
A ratio of at least `threshold` (default 0.6) is the same matter. Of several matches the most similar
wins, then the earliest received. A match that is itself a repeat stands for its original: repeats are
counted on the first complaint of the chain.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Final

from ledger.dates import parse_chinese_date
from ledger.model import ImportNote, Location
from ledger.tabular import (
    UnreadableTableError,
    find_header,
    match_header,
    read_rows,
    table_rows,
    unknown_column_notes,
)
from ledger.units import split_units

COMPLAINT_PREFIX: Final = "J"
ITEM_NUMBER_MAX: Final = 20  # the size of the item number column, prefix included
DEFAULT_REPEAT_THRESHOLD: Final = 0.6

_COMPLAINT_NUMBER = re.compile(rf"^[0-9A-Za-z][0-9A-Za-z_-]{{0,{ITEM_NUMBER_MAX - 2}}}$")
_ITEM_NUMBER = re.compile(rf"^[Jj]\s*([0-9A-Za-z][0-9A-Za-z_-]{{0,{ITEM_NUMBER_MAX - 2}}})$")
_NOISE = re.compile(r"[\W_]+", re.UNICODE)

# Column keys are the field names import notes show (`_labels.j2` field macro).
COMPLAINT_COLUMNS: dict[str, tuple[str, ...]] = {
    "complaint_number": ("举报件编号", "举报编号", "编号", "number", "complaint number", "complaint no."),
    "reported": ("举报内容", "反映问题", "举报问题", "reported", "content", "complaint"),
    "responsible_units": ("责任单位", "责任主体", "responsible unit", "responsible", "unit"),
    "supervising_units": ("督导单位", "supervising unit", "supervising"),
    "deadline": ("办理时限", "整改时限", "截止日期", "deadline"),
    "received": ("受理日期", "交办日期", "received", "received on"),
}


def complaint_item_number(complaint_number: str) -> str | None:
    """The item number of a complaint: `J` + its number (`2024-017` → `J2024-017`); None when the complaint
    number is not letters, digits, `-` and `_` or too long for an item number."""
    text = complaint_number.strip()
    if not _COMPLAINT_NUMBER.match(text):
        return None
    return COMPLAINT_PREFIX + text.upper()


def parse_complaint_item_number(text: str) -> str | None:
    """`J2024-017` or `j2024-017` → `J2024-017`; None when the text is not a complaint's item number."""
    match = _ITEM_NUMBER.match(text.strip())
    return COMPLAINT_PREFIX + match.group(1).upper() if match else None


def normalize_text(text: str) -> str:
    """What the similarity compares: full-width folded, lower case, no spaces or punctuation."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text).lower())


def similarity(first: str, second: str) -> float:
    """How alike two reported texts are, 0 to 1 (difflib ratio of the normalized texts)."""
    a, b = normalize_text(first), normalize_text(second)
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True)
class KnownComplaint:
    """An earlier complaint as the matching rule sees it."""

    item_id: int
    number: str
    reported: str
    unit: str
    received_on: date
    repeat_of_item_id: int | None = None


def find_repeat_of(
    reported: str,
    unit: str,
    received_on: date,
    earlier: Sequence[KnownComplaint],
    threshold: float = DEFAULT_REPEAT_THRESHOLD,
) -> int | None:
    """The item id of the original complaint a new one repeats, or None (see the module's rule)."""
    best: tuple[float, date, int] | None = None
    for known in earlier:
        if known.unit != unit or known.received_on > received_on:
            continue
        ratio = similarity(reported, known.reported)
        if ratio < threshold:
            continue
        original = known.repeat_of_item_id or known.item_id
        candidate = (-ratio, known.received_on, original)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else None


@dataclass(frozen=True)
class ComplaintSpec:
    """One complaint as the spreadsheet or `/complaint_add` states it."""

    complaint_number: str
    item_number: str
    reported: str
    unit: str
    deadline: date
    received_on: date
    supervising_units: tuple[str, ...] = ()
    row: int | None = None


@dataclass
class ParsedComplaints:
    complaints: list[ComplaintSpec] = field(default_factory=list)
    warnings: list[ImportNote] = field(default_factory=list)
    errors: list[ImportNote] = field(default_factory=list)


def parse_complaint_file(path: Path, *, default_received: date) -> ParsedComplaints:
    """Read a complaint spreadsheet (.xlsx, or .csv in UTF-8 or GB18030), Chinese or English headers.

    A row without a received date takes `default_received` (the day of import). Every bad cell is an
    error naming its row and field; an unknown column is a warning.
    """
    result = ParsedComplaints()
    try:
        rows = read_rows(path)
    except UnreadableTableError as exc:
        result.errors.append(ImportNote("unreadable_file", params=(("reason", str(exc)),)))
        return result
    header = find_header(rows, COMPLAINT_COLUMNS, "complaint_number")
    if header is None:
        result.errors.append(ImportNote("complaints/no_header", Location(row=1), field="header"))
        return result
    positions, unknown = match_header(rows[header], COMPLAINT_COLUMNS)
    result.warnings += unknown_column_notes(header, unknown)
    seen: set[str] = set()
    for row in table_rows(rows, header, positions):
        spec = _row_spec(row.cells, row.row, default_received, result.errors)
        if spec is None:
            continue
        if spec.item_number in seen:
            result.errors.append(
                ImportNote(
                    "duplicate_number", Location(row=row.row), item=spec.item_number, field="complaint_number"
                )
            )
            continue
        seen.add(spec.item_number)
        result.complaints.append(spec)
    if not result.complaints and not result.errors:
        result.errors.append(ImportNote("complaints/none"))
    return result


def _row_spec(
    cells: dict[str, str], row: int, default_received: date, errors: list[ImportNote]
) -> ComplaintSpec | None:
    where = Location(row=row)
    before = len(errors)
    number_text = cells.get("complaint_number", "")
    item_number = complaint_item_number(number_text) if number_text else None
    for key in ("complaint_number", "reported", "responsible_units", "deadline"):
        if not cells.get(key, ""):
            errors.append(ImportNote("missing_value", where, field=key))
    if number_text and item_number is None:
        errors.append(
            ImportNote(
                "complaints/bad_number", where, field="complaint_number", params=(("text", number_text),)
            )
        )
    units = split_units(cells.get("responsible_units", ""))
    if len(units) > 1:
        errors.append(
            ImportNote(
                "complaints/one_unit", where, field="responsible_units", params=(("text", ", ".join(units)),)
            )
        )
    dates: dict[str, date | None] = {}
    for key in ("deadline", "received"):
        text = cells.get(key, "")
        dates[key] = parse_chinese_date(text) if text else None
        if text and dates[key] is None:
            errors.append(ImportNote("bad_date", where, field=key, params=(("text", text),)))
    if len(errors) > before:
        return None
    deadline = dates["deadline"]
    assert item_number is not None
    assert deadline is not None
    return ComplaintSpec(
        complaint_number=number_text.strip(),
        item_number=item_number,
        reported=cells["reported"],
        unit=units[0],
        deadline=deadline,
        received_on=dates["received"] or default_received,
        supervising_units=tuple(split_units(cells.get("supervising_units", ""))),
        row=row,
    )
