"""The queries of the ledger and the roster, and the mapping between ORM rows and ledger dataclasses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, or_, select, true
from sqlalchemy.orm import Session, joinedload, load_only, raiseload, selectinload

from ledger.access import Viewer
from ledger.model import ItemSpec, Measure, Role, Target, UnitRole
from ledger.status import ItemFacts
from storage.chunks import rows_in, scalars_in
from storage.models import (
    AuditEntry,
    BotMessage,
    EvidenceFile,
    Item,
    ItemMeasure,
    ItemTarget,
    ItemUnit,
    Person,
    ProgressReport,
    RoleAssignment,
    Unit,
    UnitAlias,
)
from storage.review import OPEN_SIGNOFF_STATUSES, SignOffRequest, SignOffStatus

# The audit entries of an item that change a fact its status depends on (`ItemFacts`): a report sets the
# percent; an import or a complaint update, a reopening and an extension set the start, the deadline,
# continuing and, a reopening, the percent. Their `before` says what the fact was until then.
_FACT_ACTIONS = ("report", "update", "reopen", "extend_deadline")
_REOPEN_ACTION = "reopen"


def sort_key(number: str) -> str:
    """`24.1` → `00024.00001`, so that item numbers sort as numbers in SQL."""
    parts = number.split(".")
    return ".".join(part.zfill(5) if part.isdigit() else part for part in parts)


def units_by_name(session: Session, names: Iterable[str]) -> dict[str, Unit]:
    wanted = set(names)
    if not wanted:
        return {}
    return {u.name: u for u in scalars_in(session, select(Unit), Unit.name, wanted)}


def known_unit_names(session: Session) -> dict[str, str]:
    """Every name a unit goes by (its own and its aliases) → the unit's name."""
    names = {name: name for name in session.scalars(select(Unit.name))}
    aliases = select(UnitAlias.name, Unit.name).join(Unit, Unit.id == UnitAlias.unit_id)
    names.update((alias, unit) for alias, unit in session.execute(aliases))
    return names


def ensure_units(session: Session, names: Iterable[str], now: datetime) -> tuple[dict[str, Unit], list[str]]:
    """The units of these names, creating the unknown ones; returns them and the names created."""
    wanted = list(dict.fromkeys(names))
    found = units_by_name(session, wanted)
    created = [name for name in wanted if name not in found]
    for name in created:
        unit = Unit(name=name, created_at=now)
        session.add(unit)
        found[name] = unit
    if created:
        session.flush()
    return found, created


def _with_children(statement: Select[Item]) -> Select[Item]:
    return statement.options(
        selectinload(Item.targets), selectinload(Item.measures), selectinload(Item.unit_links)
    )


def items_by_number(session: Session, numbers: Iterable[str]) -> dict[str, Item]:
    statement = _with_children(select(Item))
    return {item.number: item for item in scalars_in(session, statement, Item.number, numbers)}


def all_item_numbers(session: Session) -> list[str]:
    return list(session.scalars(select(Item.number).order_by(Item.sort_key)))


def item_to_spec(item: Item) -> ItemSpec:
    def names(role: UnitRole) -> list[str]:
        return [link.unit.name for link in item.unit_links if link.role == role]

    return ItemSpec(
        number=item.number,
        title=item.title,
        problem=item.problem,
        start=item.start_date,
        continuing=item.continuing,
        category=item.category,
        cause=item.cause,
        targets=[Target(t.text, t.deadline) for t in item.targets],
        deadline_text=item.deadline_text,
        lead_units=names(UnitRole.LEAD),
        responsible_units=names(UnitRole.RESPONSIBLE),
        supervising_units=names(UnitRole.SUPERVISING),
        responsible_leader=item.responsible_leader,
        responsible_person=item.responsible_person,
        measures=[Measure(m.text, m.due) for m in item.measures],
    )


_Part = TypeVar("_Part", ItemTarget, ItemMeasure)


def _by_position(
    parts: Sequence[_Part], wanted: Sequence[dict[str, object]], make: type[_Part]
) -> list[_Part]:
    """The numbered targets or measures as `wanted`, each kept in the row already at its position: evidence
    linked to 措施2 still backs 措施2 after a re-import edits its text. Rows past the end are dropped (their
    evidence is kept, unlinked)."""
    existing = {part.position: part for part in parts}
    result: list[_Part] = []
    for position, fields in enumerate(wanted):
        part = existing.get(position) or make(position=position)
        for name, value in fields.items():
            setattr(part, name, value)
        result.append(part)
    return result


def write_spec(item: Item, spec: ItemSpec, units: dict[str, Unit]) -> None:
    """Set every planned field of the item from the spec (progress fields are left alone)."""
    item.number = spec.number
    item.sort_key = sort_key(spec.number)
    item.title = spec.title
    item.problem = spec.problem
    item.category = spec.category
    item.cause = spec.cause
    item.start_date = spec.start
    item.deadline = spec.deadline
    item.deadline_text = spec.deadline_text
    item.continuing = spec.continuing
    item.responsible_leader = spec.responsible_leader
    item.responsible_person = spec.responsible_person
    item.targets = _by_position(
        item.targets, [{"text": t.text, "deadline": t.deadline} for t in spec.targets], ItemTarget
    )
    item.measures = _by_position(
        item.measures, [{"text": m.text, "due": m.due} for m in spec.measures], ItemMeasure
    )
    links: list[ItemUnit] = []
    for role, names in (
        (UnitRole.LEAD, spec.lead_units),
        (UnitRole.RESPONSIBLE, spec.responsible_units),
        (UnitRole.SUPERVISING, spec.supervising_units),
    ):
        links.extend(
            ItemUnit(unit=units[name], role=role, position=i) for i, name in enumerate(dict.fromkeys(names))
        )
    item.unit_links = links


def list_items(
    session: Session,
    *,
    unit_name: str | None = None,
    past_deadline_on: date | None = None,
    created_before: datetime | None = None,
) -> Sequence[Item]:
    """Items in plan order, optionally those of one unit (any role), those still chased and past their
    deadline on a day (the overdue ones among them are those under 100 %), or those already in the
    ledger at an instant."""
    statement = _with_children(select(Item)).order_by(Item.sort_key)
    if created_before is not None:
        statement = statement.where(Item.created_at < created_before)
    if unit_name is not None:
        statement = statement.where(
            Item.id.in_(select(ItemUnit.item_id).join(Unit).where(Unit.name == unit_name))
        )
    if past_deadline_on is not None:
        statement = statement.where(Item.deadline < past_deadline_on, chased_filter())
    return session.scalars(statement).all()


def signoff_open_filter() -> ColumnElement[bool]:
    """The item has a sign-off request still to be decided (`ItemFacts.signoff_open`)."""
    return exists().where(SignOffRequest.item_id == Item.id, SignOffRequest.status.in_(OPEN_SIGNOFF_STATUSES))


def chased_filter() -> ColumnElement[bool]:
    """The SQL condition matching `ledger.status.is_chased` of the item's status: neither signed off nor
    with a sign-off request open (the first two steps of the precedence, decided by these facts alone)."""
    return and_(Item.signed_off_at.is_(None), ~signoff_open_filter())


def items_with_open_signoff(session: Session, item_ids: Sequence[int]) -> set[int]:
    """Those of `item_ids` with a sign-off request still to be decided (one query: open requests are few)."""
    statement = select(SignOffRequest.item_id).where(SignOffRequest.status.in_(OPEN_SIGNOFF_STATUSES))
    return set(session.scalars(statement)) & set(item_ids)


class ItemFactColumns(Protocol):
    """What an item's status and timing are decided from: an `Item`, or an `ItemRow` read as columns."""

    @property
    def id(self) -> int: ...
    @property
    def number(self) -> str: ...
    @property
    def percent(self) -> int: ...
    @property
    def start_date(self) -> date: ...
    @property
    def deadline(self) -> date | None: ...
    @property
    def continuing(self) -> bool: ...
    @property
    def signed_off_at(self) -> datetime | None: ...
    @property
    def reopened_at(self) -> datetime | None: ...


class ItemRow(NamedTuple):
    """An item as a list or a digest line shows it and its standing is decided from, read as columns: a
    whole ledger of these costs a fraction of the ORM objects (no identity map, no long texts)."""

    id: int
    number: str
    title: str
    kind: str
    percent: int
    start_date: date
    deadline: date | None
    continuing: bool
    signed_off_at: datetime | None
    reopened_at: datetime | None


_ITEM_ROW = select(
    Item.id, Item.number, Item.title, Item.kind, Item.percent, Item.start_date, Item.deadline,
    Item.continuing, Item.signed_off_at, Item.reopened_at,
)  # fmt: skip


def item_rows(session: Session, where: ColumnElement[bool]) -> list[ItemRow]:
    """The items matching `where` as columns, in plan order: one statement however many."""
    statement = _ITEM_ROW.where(where).order_by(Item.sort_key)
    return [ItemRow._make(row) for row in session.execute(statement)]


def item_facts_as_of(
    session: Session, items: Sequence[ItemFactColumns], until: datetime
) -> dict[int, ItemFacts]:
    """The facts of each item as they stood just before `until`, from the store's history: the audit
    log's `before` of every later change of the percent, start, deadline or continuing, the reports and
    the reopenings before `until`, and the sign-off requests filed and decided before it. At the present
    instant these are the rows' own facts (`item_facts`)."""
    by_id = {item.id: item for item in items}
    by_number = {item.number: item for item in items}
    earlier: dict[int, dict[str, Any]] = {item.id: {} for item in items}
    for entry in _fact_changes(session, by_number, after=until):
        item = by_number.get(entry.entity_id or "")
        if item is None:
            continue
        for key, value in (entry.before or {}).items():
            earlier[item.id].setdefault("start" if key == "received" else key, value)
    reopened = _reopenings_before(session, by_number, until)
    reported = last_report_dates(session, list(by_id), before=until)
    filed, approved = _signoffs_before(session, list(by_id), until)
    facts: dict[int, ItemFacts] = {}
    for item in items:
        was = earlier[item.id]
        reopen = reopened.get(item.id)
        approval = approved.get(item.id)
        facts[item.id] = ItemFacts(
            percent=int(was.get("percent", item.percent)),
            reported=item.id in reported,
            start=date.fromisoformat(was["start"]) if "start" in was else item.start_date,
            deadline=_day(was["deadline"]) if "deadline" in was else item.deadline,
            continuing=bool(was.get("continuing", item.continuing)),
            signoff_open=item.id in filed,
            signed_off=approval is not None and (reopen is None or reopen < approval),
            reopened=reopen is not None,
        )
    return facts


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _fact_changes(
    session: Session, by_number: dict[str, ItemFactColumns], *, after: datetime
) -> Sequence[AuditEntry]:
    """The audit entries at or after `after` that changed a fact of these items, oldest first."""
    statement = (
        select(AuditEntry)
        .where(AuditEntry.entity == "item", AuditEntry.at >= after, AuditEntry.action.in_(_FACT_ACTIONS))
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return list(scalars_in(session, statement, AuditEntry.entity_id, by_number))


def _reopenings_before(
    session: Session, by_number: dict[str, ItemFactColumns], until: datetime
) -> dict[int, datetime]:
    """The latest reopening (回头看) of each item before `until`."""
    statement = (
        select(AuditEntry.entity_id, func.max(AuditEntry.at))
        .where(AuditEntry.entity == "item", AuditEntry.action == _REOPEN_ACTION, AuditEntry.at < until)
        .group_by(AuditEntry.entity_id)
    )
    rows = rows_in(session, statement, AuditEntry.entity_id, by_number)
    return {by_number[number].id: at for number, at in rows if number in by_number}


def _signoffs_before(
    session: Session, item_ids: Sequence[int], until: datetime
) -> tuple[set[int], dict[int, datetime]]:
    """Of these items, those with a sign-off request filed before `until` and not decided by then, and the
    latest approval before `until` of each approved one."""
    statement = select(SignOffRequest).where(SignOffRequest.created_at < until)
    filed: set[int] = set()
    approved: dict[int, datetime] = {}
    for request in scalars_in(session, statement, SignOffRequest.item_id, item_ids):
        decided = request.decided_at
        if decided is None or decided >= until:
            filed.add(request.item_id)
        elif request.status == SignOffStatus.APPROVED:
            approved[request.item_id] = max(decided, approved.get(request.item_id, decided))
    return filed, approved


def item_facts(item: ItemFactColumns, *, reported: bool, signoff_open: bool) -> ItemFacts:
    """The facts of an item row its status is decided from (`ledger.status.item_status`)."""
    return ItemFacts(
        percent=item.percent,
        reported=reported,
        start=item.start_date,
        deadline=item.deadline,
        continuing=item.continuing,
        signoff_open=signoff_open,
        signed_off=item.signed_off_at is not None,
        reopened=item.reopened_at is not None,
    )


def last_report_dates(
    session: Session, item_ids: Sequence[int], before: datetime | None = None
) -> dict[int, datetime]:
    """The instant of each item's latest progress report (made before `before`, when given); items never
    reported on are left out."""
    statement = select(ProgressReport.item_id, func.max(ProgressReport.created_at)).group_by(
        ProgressReport.item_id
    )
    if before is not None:
        statement = statement.where(ProgressReport.created_at < before)
    rows = rows_in(session, statement, ProgressReport.item_id, item_ids)
    return {item_id: at for item_id, at in rows if at is not None}


def evidence_counts(
    session: Session, item_ids: Sequence[int], before: datetime | None = None
) -> dict[int, int]:
    """How many evidence files each item has (those uploaded before `before`, when given)."""
    statement = select(EvidenceFile.item_id, func.count(EvidenceFile.id)).group_by(EvidenceFile.item_id)
    if before is not None:
        statement = statement.where(EvidenceFile.created_at < before)
    return dict(rows_in(session, statement, EvidenceFile.item_id, item_ids))


def unit_names(session: Session, unit_ids: Iterable[int]) -> dict[int, str]:
    """The names of these units, by id."""
    return dict(rows_in(session, select(Unit.id, Unit.name), Unit.id, unit_ids))


def all_units(session: Session) -> Sequence[Unit]:
    return session.scalars(select(Unit).order_by(Unit.name)).all()


def receiving_units(session: Session) -> set[int]:
    """Units someone can receive messages for: a bound, active officer or leader (责任人员, 责任领导). The
    others are 无人接收: a reminder to them reaches no one."""
    statement = (
        select(RoleAssignment.unit_id)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(
            RoleAssignment.role.in_((Role.OFFICER, Role.LEADER)),
            RoleAssignment.unit_id.is_not(None),
            Person.active.is_(True),
            Person.telegram_user_id.is_not(None),
        )
        .distinct()
    )
    return {unit_id for unit_id in session.scalars(statement) if unit_id is not None}


def unit_item_counts(session: Session) -> dict[int, int]:
    statement = (
        select(ItemUnit.unit_id, func.count(func.distinct(ItemUnit.item_id)))
        .where(ItemUnit.role == UnitRole.RESPONSIBLE)
        .group_by(ItemUnit.unit_id)
    )
    return dict(session.execute(statement).all())


def all_people(session: Session) -> Sequence[Person]:
    statement = (
        select(Person)
        .options(selectinload(Person.roles).selectinload(RoleAssignment.unit))
        .order_by(Person.name, Person.id)
    )
    return session.scalars(statement).all()


def person_by_telegram_id(session: Session, telegram_user_id: int) -> Person | None:
    """The person bound to this chat account, with their roles (in one statement: every update asks)."""
    statement = (
        select(Person).options(joinedload(Person.roles)).where(Person.telegram_user_id == telegram_user_id)
    )
    return session.scalars(statement).unique().first()


def person_by_invite(session: Session, code: str) -> Person | None:
    return session.scalars(select(Person).where(Person.invite_code == code)).first()


def person_by_used_invite(session: Session, code: str) -> Person | None:
    return session.scalars(select(Person).where(Person.used_invite_code == code)).first()


def people_named(session: Session, name: str) -> Sequence[Person]:
    statement = select(Person).options(selectinload(Person.roles)).where(Person.name == name)
    return session.scalars(statement).all()


def has_role(person: Person, role: Role, unit_id: int | None) -> bool:
    return any(r.role == role and r.unit_id == unit_id for r in person.roles)


def visible_items_filter(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL condition matching `ledger.access.can_see_item` for this viewer."""
    if viewer.sees_everything:
        return true()
    own = viewer.unit_ids(Role.OFFICER, Role.LEADER)
    supervised = viewer.unit_ids(Role.SUPERVISOR)
    linked = select(ItemUnit.item_id).where(
        or_(
            and_(ItemUnit.unit_id.in_(own), ItemUnit.role.in_((UnitRole.RESPONSIBLE, UnitRole.LEAD))),
            and_(ItemUnit.unit_id.in_(supervised), ItemUnit.role == UnitRole.SUPERVISING),
        )
    )
    return Item.id.in_(linked)


def item_by_number(session: Session, number: str) -> Item | None:
    statement = _with_children(select(Item).where(Item.number == number))
    return session.scalars(statement).first()


def item_row_by_number(session: Session, number: str) -> tuple[Item, list[tuple[int, UnitRole]]] | None:
    """The item numbered `number` without its targets, measures and units, and its unit links as (unit id,
    role), for an access check (`ledger.access.can_see_item`, `ledger.progress.can_report`): one statement."""
    statement = (
        select(Item, ItemUnit.unit_id, ItemUnit.role)
        .outerjoin(ItemUnit, ItemUnit.item_id == Item.id)
        .where(Item.number == number)
        .order_by(ItemUnit.position)
    )
    rows = session.execute(statement).all()
    if not rows:
        return None
    return rows[0][0], [(unit_id, role) for _, unit_id, role in rows if unit_id is not None]


# What an item's line in a list shows and its status is decided from (`item_facts`, `Standings.of`): the
# lists load these columns only, not the plan's texts, targets, measures or units (anything else raises).
_LINE_COLUMNS = (
    load_only(
        Item.id, Item.number, Item.sort_key, Item.title, Item.percent, Item.start_date, Item.deadline,
        Item.continuing, Item.signed_off_at, Item.reopened_at, raiseload=True,
    ),
    raiseload("*"),
)  # fmt: skip


def item_lines_linked_to(
    session: Session, unit_ids: Iterable[int], roles: Iterable[UnitRole], where: ColumnElement[bool]
) -> Sequence[Item]:
    """`items_linked_to` with only what a line shows (`_LINE_COLUMNS`)."""
    statement = select(Item).options(*_LINE_COLUMNS).where(_linked_to(unit_ids, roles), where)
    return session.scalars(statement.order_by(Item.sort_key)).all()


def visible_items(session: Session, viewer: Viewer) -> Sequence[Item]:
    statement = _with_children(select(Item).where(visible_items_filter(viewer))).order_by(Item.sort_key)
    return session.scalars(statement).all()


def items_linked_to(
    session: Session, unit_ids: Iterable[int], roles: Iterable[UnitRole], where: ColumnElement[bool]
) -> Sequence[Item]:
    """Items attached to one of these units in one of these roles and matching `where`, in plan order."""
    statement = _with_children(select(Item).where(_linked_to(unit_ids, roles), where)).order_by(Item.sort_key)
    return session.scalars(statement).all()


def _linked_to(unit_ids: Iterable[int], roles: Iterable[UnitRole]) -> ColumnElement[bool]:
    """The item is attached to one of these units in one of these roles."""
    linked = select(ItemUnit.item_id).where(
        ItemUnit.unit_id.in_(list(unit_ids)), ItemUnit.role.in_(list(roles))
    )
    return Item.id.in_(linked)


def units_linked_to_items(
    session: Session, where: ColumnElement[bool], roles: Iterable[UnitRole]
) -> Sequence[Unit]:
    """The units attached in one of `roles` to the items matching `where`, by name."""
    linked = (
        select(ItemUnit.unit_id)
        .join(Item, Item.id == ItemUnit.item_id)
        .where(where, ItemUnit.role.in_(list(roles)))
    )
    return session.scalars(select(Unit).where(Unit.id.in_(linked)).order_by(Unit.name)).all()


def units_by_id(session: Session, unit_ids: Iterable[int]) -> Sequence[Unit]:
    """The units of these ids (a viewer's, a request's reviewers': a few), by name."""
    return session.scalars(select(Unit).where(Unit.id.in_(list(unit_ids))).order_by(Unit.name)).all()


def recent_reports(session: Session, item_id: int, limit: int) -> Sequence[tuple[ProgressReport, str | None]]:
    """The item's latest progress reports, newest first, each with its reporter's name."""
    statement = (
        select(ProgressReport, Person.name)
        .outerjoin(Person, Person.id == ProgressReport.person_id)
        .where(ProgressReport.item_id == item_id)
        .order_by(ProgressReport.created_at.desc(), ProgressReport.id.desc())
        .limit(limit)
    )
    return session.execute(statement).all()


def report_by_media_group(session: Session, media_group_id: str) -> ProgressReport | None:
    return session.scalars(
        select(ProgressReport).where(ProgressReport.media_group_id == media_group_id)
    ).first()


def first_caption_of_report(session: Session, report_id: int) -> str | None:
    """The caption of a report's first file that has one (an album's caption is on its first photo)."""
    statement = (
        select(EvidenceFile.caption)
        .where(EvidenceFile.report_id == report_id, EvidenceFile.caption.is_not(None))
        .order_by(EvidenceFile.id)
    )
    return session.scalars(statement).first()


def remember_bot_message(
    session: Session, chat_id: int, message_id: int, item_ids: Sequence[int], kind: str, now: datetime
) -> None:
    """Record (or re-point) a message of the bot as being about these items, in the order it names them."""
    session.execute(
        delete(BotMessage).where(BotMessage.chat_id == chat_id, BotMessage.message_id == message_id)
    )
    for position, item_id in enumerate(dict.fromkeys(item_ids)):
        session.add(
            BotMessage(
                chat_id=chat_id, message_id=message_id, item_id=item_id, position=position, kind=kind,
                created_at=now,
            )
        )  # fmt: skip


def items_of_bot_message(session: Session, chat_id: int, message_id: int) -> list[str]:
    """The numbers of the items a message of the bot is about, in the order it names them."""
    statement = (
        select(Item.number)
        .join(BotMessage, BotMessage.item_id == Item.id)
        .where(BotMessage.chat_id == chat_id, BotMessage.message_id == message_id)
        .order_by(BotMessage.position)
    )
    return list(session.scalars(statement))


def reported_item_numbers(session: Session, start: datetime, end: datetime) -> set[str]:
    """Numbers of the items with a progress report at or after `start` and before `end`."""
    statement = (
        select(Item.number)
        .join(ProgressReport, ProgressReport.item_id == Item.id)
        .where(ProgressReport.created_at >= start, ProgressReport.created_at < end)
        .distinct()
    )
    return set(session.scalars(statement))


def items_where(session: Session, where: ColumnElement[bool]) -> Sequence[Item]:
    """The items matching `where`, with their targets, measures and units, in plan order."""
    return session.scalars(_with_children(select(Item).where(where)).order_by(Item.sort_key)).all()
