"""The closing loop's plain rules: reading `/extend N DATE reason…` and `/reopen N DATE reason…`, when a
deadline may be extended, when an item may be reopened, who decides, what an extension does to the ladder,
and the order of an item's history. No Telegram, no session, no clock: callers pass `today`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ledger.access import Viewer
from ledger.dates import read_date
from ledger.errors import DubanError
from ledger.model import Role, UnitRole
from ledger.text import split_arguments

# The reasons of a ladder level that the deadline alone brought about: moving the deadline undoes them.
DEADLINE_REASONS = frozenset({"deadline_passed", "long_overdue", "deadline_near_low_progress"})


class ClosingInputError(DubanError):
    """Input or a state the closing loop refuses; `code` names the message (`errors/<code>`)."""


@dataclass(frozen=True)
class DateLine:
    """What `/extend N DATE reason…` or `/reopen N DATE reason…` says."""

    number: str
    day: date
    reason: str


DateReader = Callable[[str, date], date | None]


def read_past_date(text: str, today: date) -> date | None:
    """A day that has been (a 约谈 held), as officials write it (`ledger.dates.read_date`): a date without
    a year (2月1日) is the latest such day up to today, not the next one."""
    return read_date(text, today - timedelta(days=364))


def parse_date_line(arguments: str, command: str, today: date, reader: DateReader = read_date) -> DateLine:
    """Read `N DATE reason…` (spaces or ，、：； between them); refusals are the messages
    `errors/<command>/…`."""
    parts = split_arguments(arguments, 1)
    if len(parts) < 2:
        raise ClosingInputError(f"{command}/usage")
    day, reason = parse_reason_line(parts[1], command, today, reader)
    return DateLine(parts[0], day, reason)


def parse_reason_line(
    text: str, command: str, today: date, reader: DateReader = read_date
) -> tuple[date, str]:
    """Read `DATE reason…` (also the answer to the bot's question after Reopen); the date as officials
    write it (`ledger.dates.read_date`, or `reader` built on it)."""
    day_text, *rest = split_arguments(text, 1) or [""]
    reason = rest[0] if rest else ""
    day = reader(day_text, today)
    if day is None:
        raise ClosingInputError(f"{command}/bad_date", text=day_text[:20])
    if not reason.strip():
        raise ClosingInputError(f"{command}/needs_reason")
    return day, reason.strip()


def is_responsible(viewer: Viewer, links: Iterable[tuple[int, UnitRole]]) -> bool:
    """The officers and leaders of a responsible or lead unit of the item."""
    own = viewer.unit_ids(Role.OFFICER, Role.LEADER)
    return any(role in (UnitRole.RESPONSIBLE, UnitRole.LEAD) and unit in own for unit, role in links)


def is_supervisor(viewer: Viewer, links: Iterable[tuple[int, UnitRole]]) -> bool:
    """The supervisors (督导) of a supervising unit of the item."""
    supervised = viewer.unit_ids(Role.SUPERVISOR)
    return any(role == UnitRole.SUPERVISING and unit in supervised for unit, role in links)


def check_extension(deadline: date | None, new_deadline: date, today: date) -> None:
    """An extension is asked before the deadline passes (today ≤ deadline) and only to a later date."""
    if deadline is None:
        raise ClosingInputError("extension/no_deadline")
    if today > deadline:
        raise ClosingInputError("extension/deadline_passed", deadline=deadline)
    if new_deadline <= deadline:
        raise ClosingInputError("extension/not_later", deadline=deadline, new_deadline=new_deadline)


def check_reopen(signed_off: bool, new_deadline: date, today: date) -> None:
    """Only a signed-off item is reopened, and with a deadline still ahead."""
    if not signed_off:
        raise ClosingInputError("spotcheck/not_signed_off")
    if new_deadline <= today:
        raise ClosingInputError("spotcheck/deadline_not_ahead", new_deadline=new_deadline)


def level_after_extension(level: int, reason: str | None) -> int:
    """An approved extension takes the item off a level the old deadline put it on; other levels stay."""
    return 0 if level > 0 and reason in DEADLINE_REASONS else level


def moved_deadlines(deadlines: Iterable[date | None], old: date, new: date) -> list[date | None]:
    """Target deadlines after an extension: those equal to the old deadline move with it."""
    return [new if deadline == old else deadline for deadline in deadlines]


def extended(deadline: date | None, extensions: Iterable[tuple[date, date]]) -> date | None:
    """A deadline as the item's approved extensions moved it (`(old, new)` in the order approved): the plan's
    or a queued reminder's date, followed to the one that holds now."""
    for old, new in extensions:
        if deadline == old:
            deadline = new
    return deadline


def extended_from(deadline: date, extensions: Sequence[tuple[date, date]]) -> date | None:
    """The deadline the approved extensions moved to `deadline` started from (the plan's), or None when no
    extension led to it."""
    first = None
    for old, new in reversed(extensions):
        if new == deadline:
            first = deadline = old
    return first


# The order of entries of one instant: what happened first in a flow comes first.
HISTORY_KINDS = (
    "created",
    "updated",
    "report",
    "evidence",
    "escalation",
    "summons_held",
    "signoff_request",
    "signoff_leader",
    "signoff_review",
    "signoff_decided",
    "signoff_withdrawn",
    "extension_request",
    "extension_decided",
    "spotcheck",
    "reopened",
)


@dataclass(frozen=True)
class HistoryEntry:
    """One event in an item's story: when, what kind (a template macro), who, and what it says."""

    at: datetime
    kind: str
    who: str | None
    details: dict[str, Any] = field(default_factory=dict)


def in_story_order(entries: Iterable[HistoryEntry]) -> list[HistoryEntry]:
    """Oldest first; entries of one instant in the order of a flow (a report before its evidence)."""
    return sorted(entries, key=lambda e: (e.at, HISTORY_KINDS.index(e.kind)))
