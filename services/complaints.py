"""Public complaints (群众举报件): imported from a spreadsheet or added by an admin, linked to the earlier
complaint about the same matter (which it raises one level on the ladder), and taken on personally by the
responsible unit's leader (领导包案) once open longer than the office allows.

Two rules (`/rules`, the rules file) set it: `complaint_repeat_percent`, the text similarity at or above
which a complaint repeats an earlier one (see `ledger.complaints`), and `complaint_leader_after_days`,
after which a leader takes a complaint on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from ledger.access import Viewer
from ledger.actor import SCHEDULER, Actor
from ledger.complaints import (
    ComplaintSpec,
    KnownComplaint,
    ParsedComplaints,
    complaint_item_number,
    find_repeat_of,
)
from ledger.dates import read_date
from ledger.errors import DubanError
from ledger.model import ImportNote, Role, UnitRole
from ledger.schedule import DeadlineState
from ledger.status import is_chased
from ledger.text import short_title
from scheduler.calendar import WorkCalendar
from scheduler.rules import Rules
from services import audit
from services.ladder import Ladder
from services.office import Office
from services.outbox import Delivery, Outbox, delivery
from services.standing import Standings
from storage import complaint_queries, people_queries, queries
from storage.models import Item, ItemTarget, ItemUnit, Unit
from storage.review import Complaint

REPEAT_REASON = "repeated_complaint"  # the escalation's reason (`_labels.j2` reason macro)
TITLE_MAX = 200  # the item title column's size


@dataclass(frozen=True)
class RepeatLink:
    """A complaint found to repeat an earlier one: the earlier one now counts `repeats` repeats."""

    number: str
    original: str
    repeats: int


@dataclass
class ComplaintImportOutcome:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    repeats: list[RepeatLink] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)
    warnings: list[ImportNote] = field(default_factory=list)
    errors: list[ImportNote] = field(default_factory=list)
    applied: bool = False


@dataclass(frozen=True)
class ComplaintAdded:
    number: str
    title: str
    unit: str
    deadline: date
    repeat: RepeatLink | None
    told: Delivery | None = None  # a repeat: what became of the messages to the earlier one's supervisors


@dataclass(frozen=True)
class ComplaintView:
    """One open complaint as `/complaints` lists it."""

    number: str
    title: str
    unit: str
    received_on: date
    deadline: date | None
    state: DeadlineState
    repeats: int
    repeat_of: str | None
    leader: str | None


def _responsible_name(item: Item) -> str:
    return next((link.unit.name for link in item.unit_links if link.role == UnitRole.RESPONSIBLE), "")


def _record(spec: ComplaintSpec) -> dict[str, str]:
    return {
        "complaint_number": spec.complaint_number,
        "reported": spec.reported,
        "unit": spec.unit,
        "deadline": spec.deadline.isoformat(),
        "received": spec.received_on.isoformat(),
    }


class _Intake:
    """Adds complaints within one transaction: matches each against those before it (those of the same
    file included) and queues the supervisors' messages."""

    def __init__(self, service: ComplaintService, session: Session, now: datetime, actor: Actor) -> None:
        self._service = service
        self._session = session
        self._now = now
        self._actor = actor
        rules = service.office.rules(session)
        self.outbox = service.office.outbox(session, now)
        self._threshold = rules.complaint_repeat_percent / 100
        self._known = [
            KnownComplaint(
                c.item_id,
                item.number,
                c.reported,
                _responsible_name(item),
                c.received_on,
                c.repeat_of_item_id,
            )
            for c, item in complaint_queries.complaints_with_items(session)
        ]
        self._default_supervising: list[int] | None = None

    def create(self, spec: ComplaintSpec, units: dict[str, Unit], issued_by: int | None) -> RepeatLink | None:
        session = self._session
        item = Item(
            number=spec.item_number, sort_key=queries.sort_key(spec.item_number),
            title=short_title(spec.reported)[:TITLE_MAX], problem=spec.reported, start_date=spec.received_on,
            deadline=spec.deadline, continuing=False, kind=complaint_queries.COMPLAINT, percent=0, created_at=self._now,
            updated_at=self._now,
        )  # fmt: skip
        # One target, what was reported, carries the deadline: the ledger's lists and export read it there.
        item.targets = [ItemTarget(position=0, text=spec.reported, deadline=spec.deadline)]
        item.unit_links = [ItemUnit(unit=units[spec.unit], role=UnitRole.RESPONSIBLE, position=0)] + [
            ItemUnit(unit_id=unit_id, role=UnitRole.SUPERVISING, position=i)
            for i, unit_id in enumerate(self._supervising(spec, units))
        ]
        session.add(item)
        session.flush()
        original = find_repeat_of(spec.reported, spec.unit, spec.received_on, self._known, self._threshold)
        session.add(
            Complaint(
                item_id=item.id, complaint_number=spec.complaint_number, reported=spec.reported,
                received_on=spec.received_on, repeat_of_item_id=original, repeats=0,
            )
        )  # fmt: skip
        self._known.append(
            KnownComplaint(item.id, item.number, spec.reported, spec.unit, spec.received_on, original)
        )
        audit.record(
            session, at=self._now, actor=self._actor, action="create", entity="item", entity_id=item.number,
            after={**_record(spec), "kind": complaint_queries.COMPLAINT},
        )  # fmt: skip
        return None if original is None else self._raise(original, item, issued_by)

    def _supervising(self, spec: ComplaintSpec, units: dict[str, Unit]) -> list[int]:
        """The named supervising units; none named: the units where people hold the supervisor role."""
        if spec.supervising_units:
            return list(dict.fromkeys(units[name].id for name in spec.supervising_units))
        if self._default_supervising is None:
            self._default_supervising = complaint_queries.supervisor_unit_ids(self._session)
        return self._default_supervising

    def _raise(self, original_id: int, repeat: Item, issued_by: int | None) -> RepeatLink:
        """The earlier complaint counts one more repeat, climbs one level while open, and its supervisors
        are told."""
        session = self._session
        complaint = session.get(Complaint, original_id)
        original = session.get(Item, original_id)
        assert complaint is not None
        assert original is not None
        complaint.repeats += 1
        audit.record(
            session, at=self._now, actor=self._actor, action="repeat", entity="item", entity_id=original.number,
            before={"repeats": complaint.repeats - 1}, after={"repeats": complaint.repeats, "repeat": repeat.number},
        )  # fmt: skip
        chased = is_chased(self._service.standings.one(session, original).status)
        if chased:
            self._service.ladder.raise_one_level(session, original, REPEAT_REASON, issued_by)
        params = {
            "number": original.number, "title": original.title, "repeat": repeat.number,
            "reported": repeat.problem, "repeats": complaint.repeats, "closed": not chased,
        }  # fmt: skip
        supervisors = people_queries.recipients(
            session, [original.id], UnitRole.SUPERVISING, (Role.SUPERVISOR,)
        )
        for person in supervisors.get(original.id, []):
            self.outbox.add(f"crp:{repeat.id}", person, "complaint_repeat", params, item=original)
        return RepeatLink(repeat.number, original.number, complaint.repeats)


class ComplaintService:
    def __init__(self, office: Office, ladder: Ladder, standings: Standings) -> None:
        self.office = office
        self.ladder = ladder
        self.standings = standings
        self._sessions = office.sessions
        self._clock = office.clock
        self.tz = office.tz

    def _today(self) -> date:
        return self._clock.now().astimezone(self.tz).date()

    def import_complaints(
        self, parsed: ParsedComplaints, *, actor: Actor, dry_run: bool
    ) -> ComplaintImportOutcome:
        """Add the file's complaints in one transaction (oldest received first, so a repeat in the same file
        finds its original); a complaint already there is updated when its row changed, else left alone."""
        outcome = ComplaintImportOutcome(warnings=list(parsed.warnings), errors=list(parsed.errors))
        if outcome.errors:
            return outcome
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            names = [c.unit for c in parsed.complaints] + [
                n for c in parsed.complaints for n in c.supervising_units
            ]
            units, outcome.new_units = queries.ensure_units(session, names, now)
            for name in outcome.new_units:
                audit.record(
                    session, at=now, actor=actor, action="create", entity="unit", entity_id=units[name].id,
                    after={"name": name},
                )  # fmt: skip
            intake = _Intake(self, session, now, actor)
            for spec in sorted(parsed.complaints, key=lambda c: (c.received_on, c.row or 0)):
                item = queries.item_by_number(session, spec.item_number)
                if item is None:
                    link = intake.create(spec, units, issued_by=None)
                    outcome.created.append(spec.item_number)
                    outcome.repeats += [link] if link else []
                elif self._update(session, item, spec, units, now, actor):
                    outcome.updated.append(spec.item_number)
                else:
                    outcome.unchanged.append(spec.item_number)
            intake.outbox.write()
            if dry_run:
                session.rollback()
                return outcome
            outcome.applied = True
        return outcome

    def _update(
        self,
        session: Session,
        item: Item,
        spec: ComplaintSpec,
        units: dict[str, Unit],
        now: datetime,
        actor: Actor,
    ) -> bool:
        """Bring a complaint in line with its row again; False when nothing differs."""
        complaint = session.get(Complaint, item.id)
        if complaint is None:
            raise DubanError("complaints/not_a_complaint", number=item.number)
        before = {
            "complaint_number": complaint.complaint_number,
            "reported": complaint.reported,
            "unit": _responsible_name(item),
            "deadline": item.deadline.isoformat() if item.deadline else "",
            "received": complaint.received_on.isoformat(),
        }
        after = _record(spec)
        changed = [key for key in after if before[key] != after[key]]
        if not changed:
            return False
        complaint.reported = item.problem = spec.reported
        item.title = short_title(spec.reported)[:TITLE_MAX]
        complaint.received_on = item.start_date = spec.received_on
        item.deadline = spec.deadline
        target = item.targets[0]  # a complaint's one target (see `_Intake.create`)
        target.text, target.deadline = spec.reported, spec.deadline
        item.updated_at = now
        if "unit" in changed:
            others = [link for link in item.unit_links if link.role != UnitRole.RESPONSIBLE]
            item.unit_links = [
                ItemUnit(unit=units[spec.unit], role=UnitRole.RESPONSIBLE, position=0),
                *others,
            ]
        audit.record(
            session, at=now, actor=actor, action="update", entity="item", entity_id=item.number,
            before={k: before[k] for k in changed}, after={k: after[k] for k in changed},
        )  # fmt: skip
        return True

    def add(
        self, viewer: Viewer, number: str, unit: str, deadline_text: str, reported: str
    ) -> ComplaintAdded:
        """An admin adds one complaint (`/complaint_add`), received today; nothing changes on a refusal."""
        item_number = complaint_item_number(number)
        if item_number is None:
            raise DubanError("complaints/bad_number", text=number[:30])
        today = self._today()
        deadline = read_date(deadline_text, today)
        if deadline is None:
            raise DubanError("complaints/bad_deadline", text=deadline_text[:30])
        if deadline < today:
            raise DubanError("complaints/deadline_past", deadline=deadline, today=today)
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            if queries.item_by_number(session, item_number) is not None:
                raise DubanError("complaints/exists", number=item_number)
            units = queries.units_by_name(session, [unit])
            if unit not in units:
                raise DubanError("unknown_unit", unit=unit)
            spec = ComplaintSpec(item_number[1:], item_number, reported, unit, deadline, today)
            intake = _Intake(self, session, now, viewer.actor)
            link = intake.create(spec, units, issued_by=viewer.person_id)
            intake.outbox.write()
            created = queries.item_by_number(session, item_number)
            assert created is not None
            told = delivery(session, f"crp:{created.id}:", now, self.office.tz) if link else None
            return ComplaintAdded(item_number, short_title(reported), unit, deadline, link, told)

    def open_complaints(self, viewer: Viewer) -> list[ComplaintView]:
        """The open complaints the viewer may see, nearest deadline first."""
        with self._sessions() as session:
            rows = complaint_queries.open_complaints(session, queries.visible_items_filter(viewer))
            standings = self.standings.of(session, [item for _, item in rows])
            people = people_queries.persons(
                session, {c.leader_id for c, _ in rows if c.leader_id is not None}
            )
            originals = {c.repeat_of_item_id for c, _ in rows if c.repeat_of_item_id is not None}
            numbers = {i: item.number for i in originals if (item := session.get(Item, i)) is not None}
            views = []
            for complaint, item in rows:
                leader = people.get(complaint.leader_id) if complaint.leader_id is not None else None
                view = ComplaintView(
                    number=item.number, title=item.title, unit=_responsible_name(item),
                    received_on=complaint.received_on, deadline=item.deadline,
                    state=standings[item.id].state, repeats=complaint.repeats,
                    repeat_of=numbers.get(complaint.repeat_of_item_id or 0), leader=leader.name if leader else None,
                )  # fmt: skip
                views.append(view)
            return views

    def assign_leaders(
        self, session: Session, outbox: Outbox, today: date, calendar: WorkCalendar, rules: Rules
    ) -> int:
        """The daily rule of 领导包案: a complaint open more than "complaint_leader_after_days" days is taken
        on by its responsible unit's leader (the first bound one), who is told, as are its supervisors; from
        then on the leader gets its reminders and escalations too. Without a leader to assign, the
        supervisors and admins are told once. Returns how many messages it queued."""
        days = rules.complaint_leader_after_days
        now = self._clock.now()
        queued = 0
        for complaint, item in complaint_queries.complaints_without_leader(
            session, today - timedelta(days=days)
        ):
            supervisors = people_queries.recipients(
                session, [item.id], UnitRole.SUPERVISING, (Role.SUPERVISOR,)
            )
            leaders = people_queries.people_with_role(
                session, Role.LEADER, complaint_queries.unit_ids_of(item, UnitRole.RESPONSIBLE)
            )
            params = {
                "number": item.number, "title": item.title, "unit": _responsible_name(item),
                "received": complaint.received_on, "days": (today - complaint.received_on).days,
                "deadline": item.deadline, "repeats": complaint.repeats, "leader": leaders[0].name if leaders else "",
            }  # fmt: skip
            if not leaders:
                told = supervisors.get(item.id, []) + people_queries.admins(session)
                for person in told:
                    outbox.add(f"cnl:{item.id}", person, "complaint_no_leader", params, item=item)
                queued += len(told)
                continue
            leader = leaders[0]
            complaint.leader_id = leader.person_id
            complaint.leader_assigned_at = now
            audit.record(
                session, at=now, actor=SCHEDULER, action="assign_leader", entity="item", entity_id=item.number,
                before={"leader_id": None}, after={"leader_id": leader.person_id, "leader": leader.name},
            )  # fmt: skip
            outbox.add(
                f"cld:{item.id}", leader, "complaint_leader", params, item=item,
                buttons=self.ladder.item_buttons(leader, item),
            )  # fmt: skip
            for person in supervisors.get(item.id, []):
                outbox.add(f"cld:{item.id}", person, "complaint_leader_assigned", params, item=item)
            queued += 1 + len(supervisors.get(item.id, []))
        return queued
