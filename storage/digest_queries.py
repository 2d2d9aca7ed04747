"""The queries of the digests: the items a digest covers, what happened to them in the window since the
previous digest (reports, evidence, escalations, sign-offs), the requests waiting for review and the
registered work groups."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ledger.model import UnitRole
from storage.models import EvidenceFile, Item, ItemUnit, ProgressReport, Unit
from storage.queries import ItemRow, item_rows
from storage.review import GroupChat, ReviewDecision, SignOffRequest, SignOffReview, SignOffStatus
from storage.scheduling import Escalation


def _within(
    column: InstrumentedAttribute[datetime] | InstrumentedAttribute[datetime | None],
    since: datetime,
    until: datetime,
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """After `since` (the previous digest), up to and including `until` (now)."""
    return (column > since, column <= until)


@dataclass(frozen=True)
class DigestLedger:
    """The items a digest covers, as columns, in plan order, with their units: (unit id, role) of each
    item in the plan's order, and the units' names."""

    items: list[ItemRow]
    links: dict[int, list[tuple[int, UnitRole]]]
    unit_names: dict[int, str]

    def responsible(self, item_id: int) -> tuple[str, ...]:
        """The names of the item's responsible units (责任单位), in the plan's order."""
        return tuple(
            self.unit_names[unit]
            for unit, role in self.links.get(item_id, ())
            if role == UnitRole.RESPONSIBLE
        )


def items_for_digest(session: Session, where: ColumnElement[bool]) -> DigestLedger:
    """The items matching `where` with their units (all a digest says of an item): three statements
    however many items, read as columns (a province's ledger as ORM objects would be most of the day's
    run)."""
    links: dict[int, list[tuple[int, UnitRole]]] = {}
    statement = (
        select(ItemUnit.item_id, ItemUnit.unit_id, ItemUnit.role)
        .join(Item, Item.id == ItemUnit.item_id)
        .where(where)
        .order_by(ItemUnit.item_id, ItemUnit.position)
    )
    for item_id, unit_id, role in session.execute(statement):
        links.setdefault(item_id, []).append((unit_id, role))
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    return DigestLedger(item_rows(session, where), links, names)


def supervised_by(unit_ids: Iterable[int]) -> ColumnElement[bool]:
    """The items these units supervise (督导单位)."""
    supervised = select(ItemUnit.item_id).where(
        ItemUnit.unit_id.in_(list(unit_ids)), ItemUnit.role == UnitRole.SUPERVISING
    )
    return Item.id.in_(supervised)


def active_groups(session: Session) -> Sequence[GroupChat]:
    """The registered work groups still active, by chat id."""
    return session.scalars(
        select(GroupChat).where(GroupChat.active.is_(True)).order_by(GroupChat.chat_id)
    ).all()


def escalations_at_level(
    session: Session, level: int, since: datetime, until: datetime
) -> Sequence[tuple[int, int]]:
    """(escalation id, item id) of the escalations to `level` issued in the window, oldest first."""
    statement = (
        select(Escalation.id, Escalation.item_id)
        .where(Escalation.level == level, *_within(Escalation.issued_at, since, until))
        .order_by(Escalation.id)
    )
    return session.execute(statement).all()


def signoffs_approved(session: Session, since: datetime, until: datetime) -> Sequence[tuple[int, int]]:
    """(request id, item id) of the sign-off requests approved in the window, oldest first."""
    statement = (
        select(SignOffRequest.id, SignOffRequest.item_id)
        .where(
            SignOffRequest.status == SignOffStatus.APPROVED, *_within(SignOffRequest.decided_at, since, until)
        )
        .order_by(SignOffRequest.id)
    )
    return session.execute(statement).all()


def reports_within(
    session: Session, where: ColumnElement[bool], since: datetime, until: datetime
) -> Sequence[tuple[int, int | None]]:
    """(item id, percent) of each progress report made in the window on the items matching `where`."""
    statement = (
        select(ProgressReport.item_id, ProgressReport.percent)
        .join(Item, Item.id == ProgressReport.item_id)
        .where(where, *_within(ProgressReport.created_at, since, until))
    )
    return session.execute(statement).all()


def evidence_within(
    session: Session, where: ColumnElement[bool], since: datetime, until: datetime
) -> Sequence[int]:
    """The item id of each evidence file uploaded in the window on the items matching `where`."""
    statement = (
        select(EvidenceFile.item_id)
        .join(Item, Item.id == EvidenceFile.item_id)
        .where(where, *_within(EvidenceFile.created_at, since, until))
    )
    return session.scalars(statement).all()


def escalations_within(
    session: Session, where: ColumnElement[bool], since: datetime, until: datetime
) -> Sequence[Escalation]:
    """The escalations issued in the window on the items matching `where`, oldest first."""
    statement = (
        select(Escalation)
        .join(Item, Item.id == Escalation.item_id)
        .where(where, *_within(Escalation.issued_at, since, until))
        .order_by(Escalation.issued_at, Escalation.id)
    )
    return session.scalars(statement).all()


def signed_off_within(
    session: Session, where: ColumnElement[bool], since: datetime, until: datetime
) -> Sequence[int]:
    """The item id of each sign-off request approved in the window on the items matching `where`."""
    statement = (
        select(SignOffRequest.item_id)
        .join(Item, Item.id == SignOffRequest.item_id)
        .where(
            where,
            SignOffRequest.status == SignOffStatus.APPROVED,
            *_within(SignOffRequest.decided_at, since, until),
        )
    )
    return session.scalars(statement).all()


def requests_under_review(
    session: Session, where: ColumnElement[bool], decisions: Sequence[ReviewDecision]
) -> list[tuple[SignOffRequest, set[int]]]:
    """The sign-off requests the supervising units are reviewing on the items matching `where`, each with
    the units whose review of it is one of `decisions`: two statements however many requests."""
    under_review = (
        select(SignOffRequest)
        .join(Item, Item.id == SignOffRequest.item_id)
        .where(where, SignOffRequest.status == SignOffStatus.UNDER_REVIEW)
        .order_by(SignOffRequest.id)
    )
    requests = session.scalars(under_review).all()
    if not requests:
        return []
    decided_by: dict[int, set[int]] = {request.id: set() for request in requests}
    decided = (
        select(SignOffReview.request_id, SignOffReview.unit_id)
        .join(SignOffRequest, SignOffRequest.id == SignOffReview.request_id)
        .join(Item, Item.id == SignOffRequest.item_id)
        .where(
            where,
            SignOffRequest.status == SignOffStatus.UNDER_REVIEW,
            SignOffReview.decision.in_(decisions),
        )
    )
    for request_id, unit_id in session.execute(decided):
        decided_by.setdefault(request_id, set()).add(unit_id)
    return [(request, decided_by[request.id]) for request in requests]


def move_group(session: Session, old_chat_id: int, new_chat_id: int) -> None:
    """A group that became a supergroup keeps its registration under its new id."""
    group = session.get(GroupChat, old_chat_id)
    if group is None or session.get(GroupChat, new_chat_id) is not None:
        return
    session.add(
        GroupChat(
            chat_id=new_chat_id, title=group.title, active=group.active, registered_by=group.registered_by,
            registered_at=group.registered_at,
        )
    )  # fmt: skip
    session.delete(group)
