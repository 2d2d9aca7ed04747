"""The queries of the digests: the items a digest covers, what happened to them in the window since the
previous digest (reports, evidence, escalations, sign-offs), the requests waiting for review and the
registered work groups."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session, defer, joinedload

from ledger.model import UnitRole
from storage.chunks import scalars_in
from storage.models import EvidenceFile, Item, ItemUnit, ProgressReport
from storage.review import GroupChat, ReviewDecision, SignOffRequest, SignOffReview, SignOffStatus
from storage.scheduling import Escalation


def _within(
    column: InstrumentedAttribute[datetime] | InstrumentedAttribute[datetime | None],
    since: datetime,
    until: datetime,
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """After `since` (the previous digest), up to and including `until` (now)."""
    return (column > since, column <= until)


def items_for_digest(session: Session, where: ColumnElement[bool]) -> Sequence[Item]:
    """The items matching `where`, with their units (all a digest says of an item), in plan order: one
    statement however many items."""
    statement = (
        select(Item)
        .where(where)
        .options(joinedload(Item.unit_links), *_NOT_IN_A_DIGEST)
        .order_by(Item.sort_key)
    )
    return session.scalars(statement).unique().all()


# The long texts of an item, which no digest shows: not read for a whole ledger (loaded if ever asked for).
_NOT_IN_A_DIGEST = tuple(
    defer(column) for column in (Item.problem, Item.cause, Item.responsible_leader, Item.responsible_person)
)


def items_with_ids(session: Session, item_ids: Iterable[int]) -> Sequence[Item]:
    """The items of these ids, with their units, in plan order."""
    statement = select(Item).options(joinedload(Item.unit_links))
    found = scalars_in(session, statement, Item.id, item_ids, unique=True)
    return sorted(found, key=lambda item: item.sort_key)


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
