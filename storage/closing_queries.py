"""The queries of the closing loop: pending extensions, spot-checks due, sign-off requests and their reviews,
and everything that makes up one item's history (reports, evidence, escalations, sign-off, extensions,
spot-checks, the audit log)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.chunks import scalars_in
from storage.models import AuditEntry, EvidenceFile, Item, Person, ProgressReport
from storage.review import (
    OPEN_SIGNOFF_STATUSES,
    DeadlineExtension,
    ExtensionStatus,
    ReviewDecision,
    SignOffRequest,
    SignOffReview,
    SignOffStatus,
    SpotCheck,
    SpotCheckStatus,
)

# The audit entries of an item its history shows (the rest have rows of their own, shown from those).
HISTORY_ACTIONS = ("create", "update", "reopen")


def pending_extension(session: Session, item_id: int) -> DeadlineExtension | None:
    statement = select(DeadlineExtension).where(
        DeadlineExtension.item_id == item_id, DeadlineExtension.status == ExtensionStatus.PENDING
    )
    return session.scalars(statement).first()


def spot_checks_due(session: Session, today: date) -> Sequence[tuple[SpotCheck, Item]]:
    """Checks due by `today` and not decided, on items still signed off, oldest first."""
    statement = (
        select(SpotCheck, Item)
        .join(Item, Item.id == SpotCheck.item_id)
        .where(
            SpotCheck.status == SpotCheckStatus.DUE,
            SpotCheck.due_on <= today,
            Item.signed_off_at.is_not(None),
        )
        .order_by(SpotCheck.due_on, SpotCheck.id)
    )
    return [(check, item) for check, item in session.execute(statement)]


def first_check_due(session: Session, item_id: int, today: date) -> SpotCheck | None:
    statement = (
        select(SpotCheck)
        .where(
            SpotCheck.item_id == item_id, SpotCheck.status == SpotCheckStatus.DUE, SpotCheck.due_on <= today
        )
        .order_by(SpotCheck.due_on)
    )
    return session.scalars(statement).first()


def reports_of(session: Session, item_id: int) -> Sequence[ProgressReport]:
    return session.scalars(select(ProgressReport).where(ProgressReport.item_id == item_id)).all()


def evidence_of(session: Session, item_id: int) -> Sequence[EvidenceFile]:
    statement = select(EvidenceFile).where(EvidenceFile.item_id == item_id).order_by(EvidenceFile.id)
    return session.scalars(statement).all()


def signoffs_of(session: Session, item_id: int) -> Sequence[tuple[SignOffRequest, Sequence[SignOffReview]]]:
    requests = session.scalars(select(SignOffRequest).where(SignOffRequest.item_id == item_id)).all()
    reviews = session.scalars(
        select(SignOffReview)
        .join(SignOffRequest, SignOffRequest.id == SignOffReview.request_id)
        .where(SignOffRequest.item_id == item_id)
        .order_by(SignOffReview.id)
    ).all()
    return [(request, [r for r in reviews if r.request_id == request.id]) for request in requests]


def approved_extensions(session: Session, item_ids: Iterable[int]) -> dict[int, list[tuple[date, date]]]:
    """For each item, its approved extensions as (old deadline, new deadline), in the order decided."""
    statement = (
        select(DeadlineExtension)
        .where(DeadlineExtension.status == ExtensionStatus.APPROVED)
        .order_by(DeadlineExtension.decided_at, DeadlineExtension.id)
    )
    found: dict[int, list[tuple[date, date]]] = {}
    for extension in scalars_in(session, statement, DeadlineExtension.item_id, item_ids):
        found.setdefault(extension.item_id, []).append((extension.old_deadline, extension.new_deadline))
    return found


def extensions_of(session: Session, item_id: int) -> Sequence[DeadlineExtension]:
    return session.scalars(select(DeadlineExtension).where(DeadlineExtension.item_id == item_id)).all()


def decided_spot_checks_of(session: Session, item_id: int) -> Sequence[SpotCheck]:
    statement = select(SpotCheck).where(SpotCheck.item_id == item_id, SpotCheck.decided_at.is_not(None))
    return session.scalars(statement).all()


def audit_of_item(
    session: Session, item: Item, actions: Sequence[str] = HISTORY_ACTIONS
) -> Sequence[AuditEntry]:
    """The item's audit entries of `actions` (imports, changes and reopenings name an item by number)."""
    statement = select(AuditEntry).where(
        AuditEntry.entity == "item", AuditEntry.entity_id == item.number, AuditEntry.action.in_(actions)
    )
    return session.scalars(statement).all()


def evidence_links(session: Session, item_id: int) -> Sequence[tuple[int | None, int | None]]:
    """The (target id, measure id) each of the item's evidence files is linked to, oldest file first."""
    statement = (
        select(EvidenceFile.target_id, EvidenceFile.measure_id)
        .where(EvidenceFile.item_id == item_id)
        .order_by(EvidenceFile.id)
    )
    return session.execute(statement).all()


def files_of_last_report(session: Session, item_id: int, uploader_id: int | None) -> Sequence[EvidenceFile]:
    """The item's evidence files of the report that brought the uploader's latest file on it."""
    last_report = (
        select(EvidenceFile.report_id)
        .where(EvidenceFile.item_id == item_id, EvidenceFile.uploader_id == uploader_id)
        .order_by(EvidenceFile.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    statement = select(EvidenceFile).where(
        EvidenceFile.item_id == item_id, EvidenceFile.report_id == last_report
    )
    return session.scalars(statement).all()


def latest_signoff_request(session: Session, item_id: int) -> SignOffRequest | None:
    """The item's most recent sign-off request, whatever its status; None if it never had one."""
    statement = (
        select(SignOffRequest)
        .where(SignOffRequest.item_id == item_id)
        .order_by(SignOffRequest.created_at.desc(), SignOffRequest.id.desc())
    )
    return session.scalars(statement).first()


def open_signoff_request(session: Session, item_id: int, *, lock: bool = False) -> SignOffRequest | None:
    """The item's sign-off request still awaiting its leader or under review, if any; `lock` holds its
    row (PostgreSQL) until the transaction ends."""
    statement = select(SignOffRequest).where(
        SignOffRequest.item_id == item_id, SignOffRequest.status.in_(OPEN_SIGNOFF_STATUSES)
    )
    return session.scalars(statement.with_for_update() if lock else statement).first()


def open_signoff_requests(session: Session) -> Sequence[tuple[SignOffRequest, Item, str]]:
    """Requests awaiting a leader or under review, each with its item and requester's name, oldest first."""
    statement = (
        select(SignOffRequest, Item, Person.name)
        .join(Item, Item.id == SignOffRequest.item_id)
        .join(Person, Person.id == SignOffRequest.requested_by)
        .where(SignOffRequest.status.in_(OPEN_SIGNOFF_STATUSES))
        .order_by(SignOffRequest.created_at, SignOffRequest.id)
    )
    return session.execute(statement).all()


def signoff_reviews(session: Session, request_id: int) -> Sequence[SignOffReview]:
    """The units' reviews of a sign-off request, in the order they were given."""
    statement = select(SignOffReview).where(SignOffReview.request_id == request_id).order_by(SignOffReview.id)
    return session.scalars(statement).all()


def reviews_of_open_requests(session: Session) -> dict[int, list[SignOffReview]]:
    """The units' reviews of every request awaiting a leader or under review, by request id, each
    request's in the order they were given (one statement for them all)."""
    statement = (
        select(SignOffReview)
        .join(SignOffRequest, SignOffRequest.id == SignOffReview.request_id)
        .where(SignOffRequest.status.in_(OPEN_SIGNOFF_STATUSES))
        .order_by(SignOffReview.id)
    )
    found: dict[int, list[SignOffReview]] = {}
    for review in session.scalars(statement):
        found.setdefault(review.request_id, []).append(review)
    return found


def inspections_due(session: Session, today: date) -> Sequence[tuple[SignOffReview, SignOffRequest, Item]]:
    """Inspect reviews due by `today` on requests still under review, each with its request and item."""
    statement = (
        select(SignOffReview, SignOffRequest, Item)
        .join(SignOffRequest, SignOffRequest.id == SignOffReview.request_id)
        .join(Item, Item.id == SignOffRequest.item_id)
        .where(
            SignOffReview.decision == ReviewDecision.INSPECT,
            SignOffReview.inspect_on <= today,
            SignOffRequest.status == SignOffStatus.UNDER_REVIEW,
        )
    )
    return session.execute(statement).all()


def spot_check_days_taken(session: Session, item_id: int, days: Iterable[date]) -> set[date]:
    """Those of `days` on which the item already has a spot-check."""
    statement = select(SpotCheck.due_on).where(SpotCheck.item_id == item_id, SpotCheck.due_on.in_(days))
    return set(session.scalars(statement))
