"""Sign-off (验收销号) as plain rules: the office's evidence rule, what the evidence covers, who may ask,
confirm and review, how the reviews of several supervising units add up, and when spot-checks fall due.
No Telegram, no session, no clock."""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ledger.access import Viewer
from ledger.model import Role, UnitRole

# The units whose officers ask for sign-off and whose leaders confirm it (the item's own units).
OWN_UNIT_ROLES = (UnitRole.RESPONSIBLE, UnitRole.LEAD)

Links = Iterable[tuple[int, UnitRole]]


class EvidenceRule(enum.StrEnum):
    """How much evidence a sign-off request needs (the office's rule, `/signoff_rule`)."""

    NONE = "none"  # no evidence required
    ITEM = "item"  # at least one file on the item
    MEASURE = "measure"  # every measure backed by at least one file (每项措施有支撑依据和证据)


DEFAULT_EVIDENCE_RULE = EvidenceRule.MEASURE
_RULE_WORDS = {
    EvidenceRule.NONE: ("none", "不要求", "无"),
    EvidenceRule.ITEM: ("item", "每项", "事项"),
    EvidenceRule.MEASURE: ("measure", "每条措施", "措施"),
}


def parse_rule(text: str) -> EvidenceRule | None:
    wanted = text.strip().lower()
    for rule, words in _RULE_WORDS.items():
        if wanted in words:
            return rule
    return None


@dataclass(frozen=True)
class Part:
    """A target or measure of the item (numbered from 1) and how many evidence files back it."""

    position: int
    text: str
    files: int

    @property
    def covered(self) -> bool:
        return self.files > 0


@dataclass(frozen=True)
class Coverage:
    """What the item's evidence covers. A file backs the measure and the target it is linked to
    (`/evidence N 措施2`, `/evidence N 目标1`); an item's only target is backed by every file of the item."""

    targets: tuple[Part, ...]
    measures: tuple[Part, ...]
    files: int  # all evidence files of the item
    unlinked: int  # files linked to no target and no measure

    def missing(self, rule: EvidenceRule) -> tuple[Part, ...]:
        """The measures still without evidence under `rule` (MEASURE only)."""
        if rule != EvidenceRule.MEASURE:
            return ()
        return tuple(part for part in self.measures if not part.covered)

    def satisfies(self, rule: EvidenceRule) -> bool:
        """Whether the evidence is enough; an item without measures needs one file under MEASURE."""
        if rule == EvidenceRule.NONE:
            return True
        if rule == EvidenceRule.MEASURE and self.measures:
            return not self.missing(rule)
        return self.files > 0


@dataclass(frozen=True)
class EvidenceLink:
    """What one evidence file is linked to: a target, a measure, both or neither (their ids)."""

    target_id: int | None = None
    measure_id: int | None = None


def coverage(
    targets: Sequence[tuple[int, str]], measures: Sequence[tuple[int, str]], files: Sequence[EvidenceLink]
) -> Coverage:
    """`targets` and `measures`: (id, text) in order; `files`: the links of each evidence file."""
    per_target = {target_id: 0 for target_id, _ in targets}
    per_measure = {measure_id: 0 for measure_id, _ in measures}
    unlinked = 0
    for link in files:
        if link.target_id in per_target:
            per_target[link.target_id] += 1
        if link.measure_id in per_measure:
            per_measure[link.measure_id] += 1
        if link.target_id not in per_target and link.measure_id not in per_measure:
            unlinked += 1
    if len(per_target) == 1:
        per_target = dict.fromkeys(per_target, len(files))
    return Coverage(
        targets=tuple(Part(n, text, per_target[tid]) for n, (tid, text) in enumerate(targets, start=1)),
        measures=tuple(Part(n, text, per_measure[mid]) for n, (mid, text) in enumerate(measures, start=1)),
        files=len(files),
        unlinked=unlinked,
    )


class PartKind(enum.StrEnum):
    """What an evidence file can be linked to."""

    TARGET = "target"  # 整改目标
    MEASURE = "measure"  # 整改措施


_PART = re.compile(r"(目标|措施|t|m)?\s*(\d{1,4})", re.IGNORECASE)


def parse_part(text: str) -> tuple[PartKind, int] | None:
    """`/evidence N` 's second word: `2`, `措施2` or `m2` is measure 2; `目标1` or `t1` is target 1."""
    match = _PART.fullmatch(text.strip())
    if match is None:
        return None
    kind = PartKind.TARGET if (match.group(1) or "").lower() in ("目标", "t") else PartKind.MEASURE
    return kind, int(match.group(2))


def _own_units(viewer: Viewer, links: Links, role: Role) -> set[int]:
    mine = viewer.unit_ids(role)
    return {unit for unit, unit_role in links if unit_role in OWN_UNIT_ROLES and unit in mine}


def can_request(viewer: Viewer, links: Links) -> bool:
    """The item's officers (of a responsible or lead unit) ask for sign-off."""
    return bool(_own_units(viewer, links, Role.OFFICER))


def can_confirm(viewer: Viewer, links: Links) -> bool:
    """The leaders of the item's own units confirm the request before it goes up (一把手签字)."""
    return bool(_own_units(viewer, links, Role.LEADER))


def reviewing_units(mine: frozenset[int], links: Links, decided: Iterable[int]) -> frozenset[int]:
    """The item's supervising units that a supervisor of the units `mine` reviews for (a viewer's
    `unit_ids(Role.SUPERVISOR)`) and that have not decided yet."""
    done = set(decided)
    return frozenset(
        unit for unit, role in links if role == UnitRole.SUPERVISING and unit in mine and unit not in done
    )


class Outcome(enum.StrEnum):
    OPEN = "open"  # some supervising unit has not decided
    APPROVED = "approved"  # every supervising unit approved
    RETURNED = "returned"  # a supervising unit sent it back


def outcome(supervising: Iterable[int], approved: Iterable[int], returned: Iterable[int]) -> Outcome:
    """A return by any unit sends the request back; it is approved once every supervising unit approved."""
    if any(True for _ in returned):
        return Outcome.RETURNED
    return Outcome.APPROVED if set(supervising) <= set(approved) else Outcome.OPEN


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Aug + 6 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def spot_check_days(signed_off: date, months: Iterable[int]) -> list[date]:
    return sorted({add_months(signed_off, m) for m in months if m > 0})


def signoff_state(request_status: str | None, signed_off: bool, reopened_after_request: bool) -> str:
    """销号状态 of an item as the exported ledger shows it: `signed_off` (已销号); `reopened` (重新纳入整改,
    signed off once and reopened since, no new request); else its latest request's status
    (`awaiting_leader`, `under_review`, `returned`, `withdrawn`); else `not_requested` (未申请)."""
    if signed_off:
        return "signed_off"
    if reopened_after_request:
        return "reopened"
    return request_status or "not_requested"
