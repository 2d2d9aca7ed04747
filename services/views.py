"""What officers, leaders and supervisors see about items: their lines, one item in full, a unit's
items, the overdue and the stalled ones. Read only; every answer is plain data, as of today in the
office's time zone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from ledger.access import Viewer
from ledger.errors import DubanError
from ledger.model import ItemSpec, ItemStatus, Role, UnitRole
from ledger.schedule import DeadlineState, urgency_key
from ledger.status import StatusCounts, count_statuses
from services.items import ItemService
from services.signoff import SignOffView, signoff_view
from services.standing import Standing, Standings
from storage import ladder_queries, queries
from storage.models import Item, Unit

RECENT_REPORTS = 3
_OWN_ITEM_ROLES = (UnitRole.RESPONSIBLE, UnitRole.LEAD)


@dataclass(frozen=True)
class ItemLine:
    """One item in a list: what it is, where it stands, how urgent it is."""

    number: str
    title: str
    status: ItemStatus
    percent: int
    deadline: date | None
    state: DeadlineState
    last_report: date | None
    stalled: bool = False  # still chased, no progress report in its dispatch period
    expected_percent: int | None = None  # 序时进度 today; None without one


@dataclass(frozen=True)
class ReportView:
    at: datetime
    who: str | None
    percent: int | None
    text: str


@dataclass(frozen=True)
class EscalationView:
    """One step of the ladder on the item: when, which level, why, and whether it was acknowledged."""

    at: datetime
    level: int
    reason: str
    note: str | None
    acknowledged: bool
    conditions: list[dict[str, Any]]  # what held, with its numbers (`scheduler.reasons`); [] on old rows


@dataclass(frozen=True)
class ItemDetail:
    """One item in full: the plan's fields, its standing, its latest reports and its evidence count."""

    line: ItemLine
    spec: ItemSpec
    reports: tuple[ReportView, ...]
    evidence: int
    escalations: tuple[EscalationView, ...] = ()
    signoff: SignOffView | None = None  # the open or last sign-off request


@dataclass(frozen=True)
class UnitView:
    """A unit's items, most urgent first, with how many there are of each status (each item once)."""

    name: str
    counts: StatusCounts
    lines: tuple[ItemLine, ...]


@dataclass(frozen=True)
class UnitGroup:
    """Items under one responsible unit (`name` None: items without one), most urgent first."""

    name: str | None
    lines: tuple[ItemLine, ...]


@dataclass(frozen=True)
class StalledView:
    """Items with no report since `since`, the start of the current dispatch period."""

    since: date
    groups: tuple[UnitGroup, ...]


class ItemViews:
    def __init__(
        self, session_factory: sessionmaker[Session], items: ItemService, standings: Standings
    ) -> None:
        self._sessions = session_factory
        self._items = items
        self._standings = standings

    def mine(self, viewer: Viewer) -> list[ItemLine]:
        """The items of the units the viewer is officer or leader of, most urgent first."""
        own = viewer.unit_ids(Role.OFFICER, Role.LEADER)
        with self._sessions() as session:
            items = queries.item_lines_linked_to(
                session, own, _OWN_ITEM_ROLES, queries.visible_items_filter(viewer)
            )
            return [line for _, line in self._lines(session, items)]

    def detail(self, viewer: Viewer, text: str) -> ItemDetail:
        """The item numbered `text` in full, if the viewer may see it (else the same refusal as unknown)."""
        with self._sessions() as session:
            item = self._items.find(session, viewer, text)
            reports = tuple(
                ReportView(report.created_at, who, report.percent, report.text)
                for report, who in queries.recent_reports(session, item.id, RECENT_REPORTS)
            )
            return ItemDetail(
                line=_line(item, self._standings.one(session, item)),
                spec=queries.item_to_spec(item),
                reports=reports,
                evidence=queries.evidence_counts(session, [item.id]).get(item.id, 0),
                escalations=tuple(
                    EscalationView(
                        e.issued_at, e.level, e.reason, e.note, e.acknowledged_at is not None, e.facts or []
                    )
                    for e in ladder_queries.escalations_of(session, item.id)
                ),
                signoff=signoff_view(session, item.id),
            )

    def units(self, viewer: Viewer, name: str | None) -> list[UnitView]:
        """The items of the unit named `name` (None: of the viewer's own units) that the viewer may see.

        A unit the viewer may not ask for is refused like an unknown one, listing those they may ask for.
        """
        where = queries.visible_items_filter(viewer)
        with self._sessions() as session:
            allowed = self._askable_units(session, viewer)
            names = [unit.name for unit in allowed]
            if name is None:
                own = {unit for _, unit in viewer.roles if unit is not None}
                chosen = [unit for unit in allowed if unit.id in own]
                if not chosen:
                    raise DubanError("unit_name_needed", units=names)
            else:
                chosen = _match_unit(allowed, name)
                if not chosen:
                    raise DubanError("unit_not_visible", unit=name[:50], units=names)
            views = []
            for unit in chosen:
                items = queries.item_lines_linked_to(session, [unit.id], UnitRole, where)
                lines = tuple(line for _, line in self._lines(session, items))
                views.append(UnitView(unit.name, count_statuses(line.status for line in lines), lines))
            return views

    def overdue(self, viewer: Viewer) -> list[UnitGroup]:
        """The items 逾期未完成 (under 100 % and past their deadline), by responsible unit, most days overdue
        first."""
        with self._sessions() as session:
            lines = self._lines(session, queries.visible_items(session, viewer))
            return _by_responsible_unit(
                (item, line) for item, line in lines if line.status == ItemStatus.OVERDUE
            )

    def stalled(self, viewer: Viewer) -> StalledView:
        """Items still chased with no progress report in their current dispatch period, by unit; `since`:
        the office's period (an item with a cadence of its own counts from its own)."""
        with self._sessions() as session:
            lines = self._lines(session, queries.visible_items(session, viewer))
            stalled = ((item, line) for item, line in lines if line.stalled)
            since = self._standings.day(session).period_start()
            return StalledView(since, tuple(_by_responsible_unit(stalled)))

    def _askable_units(self, session: Session, viewer: Viewer) -> Sequence[Unit]:
        """Every unit for admins and leadership; else the viewer's own units and the units whose items
        they may see."""
        if viewer.sees_everything:
            units = queries.all_units(session)
        else:
            own = queries.units_by_id(session, {unit for _, unit in viewer.roles if unit is not None})
            linked = queries.units_linked_to_items(
                session, queries.visible_items_filter(viewer), _OWN_ITEM_ROLES
            )
            units = list({unit.id: unit for unit in (*own, *linked)}.values())
        # Sorted here, not in SQL, so that the order does not depend on the database's collation.
        return sorted(units, key=lambda unit: unit.name)

    def _lines(self, session: Session, items: Sequence[Item]) -> list[tuple[Item, ItemLine]]:
        """Each item with its line, most urgent first."""
        standings = self._standings.of(session, items)
        lines = [(item, _line(item, standings[item.id])) for item in items]
        return sorted(lines, key=lambda pair: urgency_key(pair[1].state, pair[0].sort_key))


def _line(item: Item, standing: Standing) -> ItemLine:
    return ItemLine(
        number=item.number,
        title=item.title,
        status=standing.status,
        percent=item.percent,
        deadline=item.deadline,
        state=standing.state,
        last_report=standing.last_report,
        stalled=standing.stalled,
        expected_percent=standing.expected_percent,
    )


def _match_unit(units: Sequence[Unit], name: str) -> list[Unit]:
    """The unit of exactly this name, else the only one whose name contains it; none otherwise."""
    wanted = name.strip()
    exact = [unit for unit in units if unit.name == wanted]
    if exact:
        return exact
    partial = [unit for unit in units if wanted and wanted in unit.name]
    return partial if len(partial) == 1 else []


def _by_responsible_unit(lines: Iterable[tuple[Item, ItemLine]]) -> list[UnitGroup]:
    """Lines grouped under each of their responsible units; the groups ordered by their most urgent
    line (the lines come most urgent first), an item with several responsible units under each."""
    groups: dict[str | None, list[ItemLine]] = {}
    for item, line in lines:
        names: list[str | None] = [
            link.unit.name for link in item.unit_links if link.role == UnitRole.RESPONSIBLE
        ]
        for name in names or [None]:
            groups.setdefault(name, []).append(line)
    return [UnitGroup(name, tuple(group)) for name, group in groups.items()]
