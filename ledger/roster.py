"""The roster file (`duban people import`): who works for which unit in which role."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ledger.model import ImportNote, Location, Role
from ledger.tabular import UnreadableTableError, find_header, match_header, read_rows, table_rows

ROLE_NAMES: dict[str, Role] = {
    "责任人员": Role.OFFICER,
    "责任人": Role.OFFICER,
    "officer": Role.OFFICER,
    "责任领导": Role.LEADER,
    "leader": Role.LEADER,
    "督导": Role.SUPERVISOR,
    "督导人员": Role.SUPERVISOR,
    "supervisor": Role.SUPERVISOR,
    "领导小组": Role.LEADERSHIP,
    "leadership": Role.LEADERSHIP,
    "管理员": Role.ADMIN,
    "admin": Role.ADMIN,
}

ROSTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "unit": ("单位", "unit"),
    "role": ("角色", "role"),
    "telegram_id": ("telegram id", "telegram_id", "telegram user id", "telegram"),
    "phone": ("电话", "手机", "phone"),
}


def parse_role(text: str) -> Role | None:
    return ROLE_NAMES.get(text.strip().lower())


@dataclass(frozen=True)
class RosterEntry:
    name: str
    unit: str | None
    role: Role
    telegram_id: int | None
    phone: str | None
    row: int


@dataclass
class ParsedRoster:
    entries: list[RosterEntry] = field(default_factory=list)
    errors: list[ImportNote] = field(default_factory=list)


def parse_roster(path: Path) -> ParsedRoster:
    result = ParsedRoster()
    try:
        rows = read_rows(path)
    except UnreadableTableError as exc:
        result.errors.append(ImportNote("unreadable_file", params=(("reason", str(exc)),)))
        return result
    header = find_header(rows, ROSTER_COLUMNS, "name")
    if header is None:
        result.errors.append(ImportNote("roster_no_header"))
        return result
    positions, _ = match_header(rows[header], ROSTER_COLUMNS)
    for row in table_rows(rows, header, positions):
        entry = _entry(row.cells, row.row, result.errors)
        if entry is not None:
            result.entries.append(entry)
    return result


def _entry(cells: dict[str, str], row: int, errors: list[ImportNote]) -> RosterEntry | None:
    where = Location(row=row)
    name = cells.get("name", "")
    role = parse_role(cells.get("role", ""))
    unit = cells.get("unit") or None
    telegram_text = cells.get("telegram_id", "")
    if not name:
        errors.append(ImportNote("missing_value", where, field="name"))
        return None
    if role is None:
        errors.append(
            ImportNote("unknown_role", where, field="role", params=(("text", cells.get("role", "")),))
        )
        return None
    if unit is None and role not in (Role.LEADERSHIP, Role.ADMIN):
        errors.append(ImportNote("missing_value", where, field="unit"))
        return None
    if telegram_text and not telegram_text.isdigit():
        errors.append(
            ImportNote("bad_telegram_id", where, field="telegram_id", params=(("text", telegram_text),))
        )
        return None
    return RosterEntry(
        name=name,
        unit=unit,
        role=role,
        telegram_id=int(telegram_text) if telegram_text else None,
        phone=cells.get("phone") or None,
        row=row,
    )
