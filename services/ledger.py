"""Importing a parsed ledger (one transaction, audited, idempotent), listing and exporting items."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from ledger.actor import Actor
from ledger.clock import Clock
from ledger.closing import extended
from ledger.indicators import IndicatorSpec
from ledger.model import ImportNote, ItemSpec, ItemStatus, LedgerRow, ParsedLedger
from ledger.signoff import signoff_state
from ledger.units import apply_naming, known_pairs, name_units, unit_names
from services import audit
from services.standing import Standings
from storage import closing_queries, indicator_queries, queries, report_queries
from storage.complaint_queries import COMPLAINT
from storage.indicator_tables import Indicator
from storage.models import Item, Unit


class ChangeKind(enum.StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ItemChange:
    number: str
    kind: ChangeKind
    fields: tuple[str, ...]
    before: dict[str, Any] | None
    after: dict[str, Any]


@dataclass(frozen=True)
class KeptExtension:
    """An item whose deadline was extended in Duban and whose plan still has the date before: the import
    keeps the extension (已延期，保留)."""

    number: str
    plan_deadline: date | None
    deadline: date | None

    def record(self) -> dict[str, str | None]:
        return {
            "number": self.number,
            "plan_deadline": _iso(self.plan_deadline),
            "deadline": _iso(self.deadline),
        }


def keep_extensions(spec: ItemSpec, item: Item, extensions: Sequence[tuple[date, date]]) -> ItemSpec:
    """The spec with the item's approved extensions applied: target deadlines the plan still gives as they
    were before an extension are the extended ones, and the plan's deadline words give way to the date
    (as when the extension was approved). A plan that sets a deadline of its own (neither the old nor the
    extended one) is the office's new decision and is taken as it is."""
    targets = [replace(t, deadline=extended(t.deadline, extensions)) for t in spec.targets]
    if targets == spec.targets:
        return spec
    return replace(spec, targets=targets, deadline_text=item.deadline_text)


@dataclass(frozen=True)
class IndicatorChange:
    """What an import did to one indicator (指标), named by its name."""

    name: str
    kind: ChangeKind
    fields: tuple[str, ...]


@dataclass
class ImportOutcome:
    """What an import did, or would do with `--dry-run`."""

    changes: list[ItemChange] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)
    warnings: list[ImportNote] = field(default_factory=list)
    errors: list[ImportNote] = field(default_factory=list)
    applied: bool = False
    read: int = 0
    merged: list[ImportNote] = field(default_factory=list)
    skipped: list[ImportNote] = field(default_factory=list)
    unassigned: list[str] = field(default_factory=list)  # items without any unit: 责任单位待分解
    unreached: list[str] = field(default_factory=list)  # responsible units nobody receives for: 无人接收

    kept_extensions: list[KeptExtension] = field(default_factory=list)  # 已延期，保留

    indicator_changes: list[IndicatorChange] = field(default_factory=list)

    def count(self, kind: ChangeKind) -> int:
        return sum(1 for change in self.changes if change.kind == kind)

    def count_indicators(self, kind: ChangeKind) -> int:
        return sum(1 for change in self.indicator_changes if change.kind == kind)


def spec_record(spec: ItemSpec) -> dict[str, Any]:
    """The comparable, JSON-ready form of an item: what the audit log stores as before / after."""
    return {
        "number": spec.number,
        "title": spec.title,
        "category": spec.category,
        "problem": spec.problem,
        "cause": spec.cause,
        "start": spec.start.isoformat(),
        "deadline": spec.deadline.isoformat() if spec.deadline else None,
        "deadline_text": spec.deadline_text,
        "continuing": spec.continuing,
        "targets": [{"text": t.text, "deadline": _iso(t.deadline)} for t in spec.targets],
        "lead_units": list(spec.lead_units),
        "responsible_units": list(spec.responsible_units),
        "supervising_units": list(spec.supervising_units),
        "responsible_leader": spec.responsible_leader,
        "responsible_person": spec.responsible_person,
        "measures": [{"text": m.text, "due": _iso(m.due)} for m in spec.measures],
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _duplicate_numbers(parsed: ParsedLedger) -> list[ImportNote]:
    seen: set[str] = set()
    notes = []
    for spec in parsed.items:
        if spec.number in seen:
            notes.append(ImportNote("duplicate_number", spec.location, item=spec.number, field="number"))
        seen.add(spec.number)
    names: set[str] = set()
    for indicator in parsed.indicators:
        if indicator.name in names:
            notes.append(
                ImportNote("duplicate_indicator", indicator.location, params=(("name", indicator.name),))
            )
        names.add(indicator.name)
    return notes


class LedgerService:
    def __init__(
        self, session_factory: sessionmaker[Session], clock: Clock, tz: ZoneInfo, standings: Standings
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._tz = tz
        self._standings = standings

    def import_ledger(
        self,
        parsed: ParsedLedger,
        *,
        actor: Actor,
        dry_run: bool,
        progress: Callable[[int], None] | None = None,
    ) -> ImportOutcome:
        """Compare the parsed ledger with the store; unless `dry_run` or in error, apply it all at once."""
        outcome = ImportOutcome(
            warnings=list(parsed.warnings),
            errors=[*parsed.errors, *_duplicate_numbers(parsed)],
            read=parsed.read,
            merged=list(parsed.merged),
            skipped=list(parsed.skipped),
        )
        if outcome.errors:
            return outcome
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            naming = name_units(unit_names(parsed.items), queries.known_unit_names(session), known_pairs())
            outcome.warnings += apply_naming(parsed.items, naming)
            outcome.unassigned = [s.number for s in parsed.items if not (s.responsible_units or s.lead_units)]
            existing = queries.items_by_number(session, [spec.number for spec in parsed.items])
            file_numbers = {spec.number for spec in parsed.items}
            if parsed.items:  # a sheet of indicators says nothing of the items
                outcome.not_in_file = [n for n in queries.all_item_numbers(session) if n not in file_numbers]
            known = queries.known_unit_names(session)
            for indicator in parsed.indicators:
                if indicator.responsible_unit:
                    indicator.responsible_unit = known.get(
                        indicator.responsible_unit, indicator.responsible_unit
                    )
            indicator_units = [i.responsible_unit for i in parsed.indicators if i.responsible_unit]
            units, outcome.new_units = queries.ensure_units(
                session, [*unit_names(parsed.items), *indicator_units], now
            )
            extensions = closing_queries.approved_extensions(session, [item.id for item in existing.values()])
            for spec in parsed.items:
                item = existing.get(spec.number)
                if item is not None and item.id in extensions:
                    kept = keep_extensions(spec, item, extensions[item.id])
                    if kept is not spec:
                        outcome.kept_extensions.append(
                            KeptExtension(spec.number, spec.deadline, kept.deadline)
                        )
                    spec = kept
                outcome.changes.append(self._apply_one(session, spec, item, units, now, actor))
                if progress is not None:
                    progress(1)
            receiving = queries.receiving_units(session)
            responsible = dict.fromkeys(name for spec in parsed.items for name in spec.responsible_units)
            outcome.unreached = [n for n in responsible if n in units and units[n].id not in receiving]
            outcome.indicator_changes = self._apply_indicators(session, parsed.indicators, units, now, actor)
            if dry_run:
                session.rollback()
                return outcome
            for name in outcome.new_units:
                audit.record(
                    session,
                    at=now,
                    actor=actor,
                    action="create",
                    entity="unit",
                    entity_id=units[name].id,
                    after={"name": name},
                )
            outcome.applied = True
        return outcome

    def _apply_one(
        self,
        session: Session,
        spec: ItemSpec,
        item: Item | None,
        units: dict[str, Unit],
        now: datetime,
        actor: Actor,
    ) -> ItemChange:
        after = spec_record(spec)
        if item is None:
            item = Item(percent=0, created_at=now, updated_at=now)
            queries.write_spec(item, spec, units)
            session.add(item)
            audit.record(
                session,
                at=now,
                actor=actor,
                action="create",
                entity="item",
                entity_id=spec.number,
                after=after,
            )
            return ItemChange(spec.number, ChangeKind.NEW, (), None, after)
        before = spec_record(queries.item_to_spec(item))
        changed = tuple(key for key in after if before[key] != after[key])
        if not changed:
            return ItemChange(spec.number, ChangeKind.UNCHANGED, (), before, after)
        queries.write_spec(item, spec, units)
        item.updated_at = now
        audit.record(
            session,
            at=now,
            actor=actor,
            action="update",
            entity="item",
            entity_id=spec.number,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
        return ItemChange(spec.number, ChangeKind.CHANGED, changed, before, after)

    def _apply_indicators(
        self,
        session: Session,
        specs: list[IndicatorSpec],
        units: dict[str, Unit],
        now: datetime,
        actor: Actor,
    ) -> list[IndicatorChange]:
        """Create or update the file's indicators by name (each audited); the others stay as they are."""
        existing = indicator_queries.indicators_by_name(session, [spec.name for spec in specs])
        changes = []
        for position, spec in enumerate(specs):
            unit = units.get(spec.responsible_unit) if spec.responsible_unit else None
            after = spec.record()
            row = existing.get(spec.name)
            if row is None:
                row = Indicator(created_at=now, updated_at=now)
                indicator_queries.write_indicator(row, spec, unit, position)
                session.add(row)
                session.flush()
                audit.record(
                    session,
                    at=now,
                    actor=actor,
                    action="create",
                    entity="indicator",
                    entity_id=row.id,
                    after=after,
                )
                changes.append(IndicatorChange(spec.name, ChangeKind.NEW, ()))
                continue
            before = indicator_queries.indicator_to_spec(row).record()
            changed = tuple(key for key in after if before[key] != after[key])
            if not changed:
                changes.append(IndicatorChange(spec.name, ChangeKind.UNCHANGED, ()))
                continue
            indicator_queries.write_indicator(row, spec, unit, position)
            row.updated_at = now
            audit.record(
                session,
                at=now,
                actor=actor,
                action="update",
                entity="indicator",
                entity_id=row.id,
                before={k: before[k] for k in changed},
                after={k: after[k] for k in changed},
            )
            changes.append(IndicatorChange(spec.name, ChangeKind.CHANGED, changed))
        return changes

    def indicators(self) -> list[IndicatorSpec]:
        """The indicator ledger (指标台账), in the order of the plan's table."""
        with self._sessions() as session:
            return [
                indicator_queries.indicator_to_spec(row) for row in indicator_queries.all_indicators(session)
            ]

    def rows(
        self, *, unit_name: str | None = None, overdue_only: bool = False, as_of: date | None = None
    ) -> list[LedgerRow]:
        """The ledger in plan order, as of today in the office's time zone, or as it stood at the end of
        a past day `as_of` (the items then in it, their percents and statuses then); `overdue_only`: the
        items 逾期未完成 that day."""
        with self._sessions() as session:
            day = as_of or self._standings.today()
            until = datetime.combine(day + timedelta(days=1), time(), self._tz) if as_of else None
            items = queries.list_items(
                session,
                unit_name=unit_name,
                past_deadline_on=day if overdue_only and as_of is None else None,
                created_before=until,
            )
            ids = [item.id for item in items]
            standings = self._standings.of(session, items, day)
            evidence = queries.evidence_counts(session, ids, before=until)
            rows = [
                LedgerRow(
                    spec=queries.item_to_spec(item),
                    status=standings[item.id].status,
                    percent=standings[item.id].percent,
                    days_overdue=standings[item.id].days_overdue,
                    last_report=standings[item.id].last_report,
                    evidence_count=evidence.get(item.id, 0),
                    finding=item.kind != COMPLAINT,
                    stalled=standings[item.id].stalled,
                    period_start=standings[item.id].period_start,
                )
                for item in items
            ]
            return [row for row in rows if row.status == ItemStatus.OVERDUE or not overdue_only]

    def export_rows(self) -> list[LedgerRow]:
        """The ledger today (`rows`), each row with what the exported ledger shows beside the plan: the
        latest progress text (整改进展情况), the ladder's level (督办等级), the sign-off state and date."""
        rows = self.rows()
        with self._sessions() as session:
            items = {item.number: item for item in queries.list_items(session)}
            ids = [item.id for item in items.values()]
            texts = report_queries.latest_report_texts(session)
            levels = report_queries.ladder_levels(session)
            requests = report_queries.latest_signoffs(session, ids)
        result = []
        for row in rows:
            item = items[row.spec.number]
            request = requests.get(item.id)
            reopened = item.reopened_at is not None and (
                request is None or request.created_at < item.reopened_at
            )
            signed_off = row.status == ItemStatus.SIGNED_OFF and item.signed_off_at is not None
            state = signoff_state(request.status.value if request else None, signed_off, reopened)
            result.append(
                replace(
                    row,
                    progress_text=texts.get(item.id),
                    level=levels.get(item.id, 0),
                    signoff_state=state,
                    signed_off_on=(
                        item.signed_off_at.astimezone(self._tz).date()
                        if signed_off and item.signed_off_at
                        else None
                    ),
                )
            )
        return result
