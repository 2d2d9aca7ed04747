"""The queries of the documents: the month's events for the dispatch notice, the office's units in their
order, and what the exported ledger shows beside the plan (the latest progress text, the ladder level, the
sign-off state)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.rules import Level
from storage.chunks import scalars_in
from storage.models import AuditEntry, Item, ProgressReport, Unit
from storage.review import SignOffRequest, SignOffStatus
from storage.scheduling import Escalation, ItemLadder, SummonsRecord

_ESCALATION_KINDS = {Level.YELLOW: "warning", Level.RED: "notice", Level.SUMMONS: "summons_proposal"}
_REOPEN_ACTION = "reopen"


def month_events(
    session: Session, since: datetime, until: datetime, days: tuple[date, date]
) -> list[tuple[str, str]]:
    """(kind, item number) of each event in [since, until): 预警 (warning) and 通报 (notice) issued, 约谈
    proposed (summons_proposal: by the rules or by a supervisor's /summon, a proposal either way), a 约谈
    held on one of the office's `days` [first, last) and recorded (summons), sign-offs approved (signed_off)
    and items reopened (reopened); see `ledger.reporting.EVENT_KINDS`."""
    events: list[tuple[str, str]] = []
    escalations = session.execute(
        select(Escalation.level, Item.number)
        .join(Item, Item.id == Escalation.item_id)
        .where(Escalation.issued_at >= since, Escalation.issued_at < until)
        .order_by(Escalation.id)
    )
    for level, number in escalations:
        if level in _ESCALATION_KINDS:
            events.append((_ESCALATION_KINDS[Level(level)], number))
    held = session.scalars(
        select(Item.number)
        .join(SummonsRecord, SummonsRecord.item_id == Item.id)
        .where(SummonsRecord.held_on >= days[0], SummonsRecord.held_on < days[1])
        .order_by(SummonsRecord.held_on, SummonsRecord.id)
    )
    events.extend(("summons", number) for number in held)
    approved = session.scalars(
        select(Item.number)
        .join(SignOffRequest, SignOffRequest.item_id == Item.id)
        .where(
            SignOffRequest.status == SignOffStatus.APPROVED,
            SignOffRequest.decided_at >= since,
            SignOffRequest.decided_at < until,
        )
        .order_by(SignOffRequest.id)
    )
    events.extend(("signed_off", number) for number in approved)
    reopened = session.scalars(
        select(AuditEntry.entity_id).where(
            AuditEntry.action == _REOPEN_ACTION,
            AuditEntry.entity == "item",
            AuditEntry.at >= since,
            AuditEntry.at < until,
        )
    )
    events.extend(("reopened", number) for number in reopened if number)
    return events


def unit_order(session: Session) -> tuple[str, ...]:
    """The office's units in the order they were set up (imported or added)."""
    return tuple(session.scalars(select(Unit.name).order_by(Unit.id)))


def latest_report_texts(session: Session) -> dict[int, str]:
    """The text of each item's latest progress report that has one (整改进展情况)."""
    found: dict[int, str] = {}
    statement = (
        select(ProgressReport.item_id, ProgressReport.text)
        .where(ProgressReport.text != "")
        .order_by(ProgressReport.created_at, ProgressReport.id)
    )
    for item_id, text in session.execute(statement):
        found[item_id] = text
    return found


def ladder_levels(session: Session) -> dict[int, int]:
    """Each item's level on the ladder now (督办等级); items never escalated are left out."""
    statement = select(ItemLadder.item_id, ItemLadder.level).where(ItemLadder.level > 0)
    return {int(item_id): int(level) for item_id, level in session.execute(statement)}


def latest_signoffs(session: Session, item_ids: Sequence[int]) -> dict[int, SignOffRequest]:
    """Each item's latest sign-off request; items never asked for are left out."""
    found: dict[int, SignOffRequest] = {}
    statement = select(SignOffRequest).order_by(SignOffRequest.created_at, SignOffRequest.id)
    for request in scalars_in(session, statement, SignOffRequest.item_id, item_ids):
        found[request.item_id] = request
    return found
