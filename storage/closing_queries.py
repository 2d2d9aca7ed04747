"""The queries of the closing loop: pending extensions, spot-checks due, and everything that makes up one
item's history (reports, evidence, escalations, sign-off, extensions, spot-checks, the audit log)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.model import ItemStatus
from storage.models import AuditEntry, EvidenceFile, Item, Person, ProgressReport
from storage.review import (
    DeadlineExtension,
    ExtensionStatus,
    SignOffRequest,
    SignOffReview,
    SpotCheck,
    SpotCheckStatus,
)
from storage.scheduling import Escalation

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
            Item.status == ItemStatus.SIGNED_OFF,
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


def people_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    statement = select(Person.id, Person.name).where(Person.id.in_(wanted))
    return {row.id: row.name for row in session.execute(statement)}


def names_by_telegram_id(session: Session, telegram_ids: Iterable[int]) -> dict[int, str]:
    statement = select(Person.telegram_user_id, Person.name).where(
        Person.telegram_user_id.in_(set(telegram_ids))
    )
    return {tg: name for tg, name in session.execute(statement) if tg is not None}


def reports_of(session: Session, item_id: int) -> Sequence[ProgressReport]:
    return session.scalars(select(ProgressReport).where(ProgressReport.item_id == item_id)).all()


def evidence_of(session: Session, item_id: int) -> Sequence[EvidenceFile]:
    statement = select(EvidenceFile).where(EvidenceFile.item_id == item_id).order_by(EvidenceFile.id)
    return session.scalars(statement).all()


def escalations_of(session: Session, item_id: int) -> Sequence[Escalation]:
    return session.scalars(select(Escalation).where(Escalation.item_id == item_id)).all()


def signoffs_of(session: Session, item_id: int) -> Sequence[tuple[SignOffRequest, Sequence[SignOffReview]]]:
    requests = session.scalars(select(SignOffRequest).where(SignOffRequest.item_id == item_id)).all()
    reviews = session.scalars(
        select(SignOffReview).where(SignOffReview.request_id.in_([r.id for r in requests]))
    ).all()
    return [(request, [r for r in reviews if r.request_id == request.id]) for request in requests]


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
