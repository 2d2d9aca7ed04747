"""The queries of the digests: the items a digest covers, what happened to them in the window since the
previous digest (reports, evidence, escalations, sign-offs), the requests waiting for review and the
registered work groups."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from ledger.model import UnitRole
from storage import queries
from storage.models import EvidenceFile, Item, ProgressReport
from storage.review import GroupChat, ReviewDecision, SignOffRequest, SignOffReview, SignOffStatus
from storage.scheduling import Escalation


def _within(
    column: InstrumentedAttribute[datetime] | InstrumentedAttribute[datetime | None],
    since: datetime,
    until: datetime,
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """After `since` (the previous digest), up to and including `until` (now)."""
    return (column > since, column <= until)


def all_items(session: Session) -> Sequence[Item]:
    """Every item, with its targets, measures and units, in plan order."""
    return queries.items_where(session, true())


def items_with_ids(session: Session, item_ids: Sequence[int]) -> Sequence[Item]:
    """The items of these ids, with their targets, measures and units, in plan order."""
    return queries.items_where(session, Item.id.in_(item_ids))


def supervised_items(session: Session, unit_ids: Iterable[int]) -> Sequence[Item]:
    """The items these units supervise, with their targets, measures and units, in plan order."""
    return queries.items_linked_to(session, unit_ids, [UnitRole.SUPERVISING], true())


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
    session: Session, item_ids: Sequence[int], since: datetime, until: datetime
) -> Sequence[tuple[int, int | None]]:
    """(item id, percent) of each progress report on these items made in the window."""
    statement = select(ProgressReport.item_id, ProgressReport.percent).where(
        ProgressReport.item_id.in_(item_ids), *_within(ProgressReport.created_at, since, until)
    )
    return session.execute(statement).all()


def evidence_within(
    session: Session, item_ids: Sequence[int], since: datetime, until: datetime
) -> Sequence[int]:
    """The item id of each evidence file on these items uploaded in the window."""
    statement = select(EvidenceFile.item_id).where(
        EvidenceFile.item_id.in_(item_ids), *_within(EvidenceFile.created_at, since, until)
    )
    return session.scalars(statement).all()


def escalations_within(
    session: Session, item_ids: Sequence[int], since: datetime, until: datetime
) -> Sequence[Escalation]:
    """The escalations of these items issued in the window, oldest first."""
    statement = (
        select(Escalation)
        .where(Escalation.item_id.in_(item_ids), *_within(Escalation.issued_at, since, until))
        .order_by(Escalation.issued_at, Escalation.id)
    )
    return session.scalars(statement).all()


def signed_off_within(
    session: Session, item_ids: Sequence[int], since: datetime, until: datetime
) -> Sequence[int]:
    """The item id of each sign-off request on these items approved in the window."""
    statement = select(SignOffRequest.item_id).where(
        SignOffRequest.item_id.in_(item_ids),
        SignOffRequest.status == SignOffStatus.APPROVED,
        *_within(SignOffRequest.decided_at, since, until),
    )
    return session.scalars(statement).all()


def requests_under_review(session: Session, item_ids: Sequence[int]) -> Sequence[SignOffRequest]:
    """The sign-off requests on these items that the supervising units are reviewing."""
    statement = select(SignOffRequest).where(
        SignOffRequest.item_id.in_(item_ids), SignOffRequest.status == SignOffStatus.UNDER_REVIEW
    )
    return session.scalars(statement).all()


def units_decided(session: Session, request_id: int, decisions: Sequence[ReviewDecision]) -> Sequence[int]:
    """The units whose review of the request is one of `decisions`."""
    statement = select(SignOffReview.unit_id).where(
        SignOffReview.request_id == request_id, SignOffReview.decision.in_(decisions)
    )
    return session.scalars(statement).all()


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
