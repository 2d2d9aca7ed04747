"""`/history N`: the item's whole story in time order, with who and when. Read only: nothing in it can be
edited or deleted through the bot; a correction is a new entry (a new report, a new decision)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from ledger.access import Viewer
from ledger.actor import Actor
from ledger.closing import HistoryEntry, in_story_order
from services.items import ItemService
from storage import closing_queries as cq
from storage import ladder_queries, people_queries
from storage.models import AuditEntry, Item
from storage.review import SignOffStatus, SpotCheckStatus

_AUDIT_KINDS = {"create": "created", "update": "updated", "reopen": "reopened"}


@dataclass(frozen=True)
class ItemHistory:
    number: str
    title: str
    entries: tuple[HistoryEntry, ...]


class HistoryService:
    def __init__(self, session_factory: sessionmaker[Session], items: ItemService) -> None:
        self._sessions = session_factory
        self._items = items

    def story(self, viewer: Viewer, number: str) -> ItemHistory:
        with self._sessions() as session:
            item = self._items.find(session, viewer, number)
            entries = [
                *_reports(session, item),
                *_escalations(session, item),
                *_summonses(session, item),
                *_signoffs(session, item),
                *_extensions(session, item),
                *_spot_checks(session, item),
                *_audit(session, item),
            ]
            return ItemHistory(item.number, item.title, tuple(in_story_order(entries)))


def _reports(session: Session, item: Item) -> list[HistoryEntry]:
    reports = cq.reports_of(session, item.id)
    files = cq.evidence_of(session, item.id)
    names = people_queries.people_names(
        session, [r.person_id for r in reports] + [f.uploader_id for f in files]
    )
    by_report: dict[int | None, list[str]] = {}
    for file in files:
        by_report.setdefault(file.report_id, []).append(file.original_name or file.media_type)
    entries = [
        HistoryEntry(
            r.created_at,
            "report",
            _name(names, r.person_id),
            {"percent": r.percent, "text": r.text, "files": by_report.get(r.id, [])},
        )
        for r in reports
    ]
    entries += [
        HistoryEntry(
            f.created_at, "evidence", _name(names, f.uploader_id), {"file": f.original_name or f.media_type}
        )
        for f in files
        if f.report_id is None
    ]
    return entries


def _escalations(session: Session, item: Item) -> list[HistoryEntry]:
    rows = ladder_queries.escalations_of(session, item.id)
    names = people_queries.people_names(session, [e.issued_by for e in rows])
    return [
        HistoryEntry(
            e.issued_at,
            "escalation",
            _name(names, e.issued_by),
            {
                "level": str(e.level),
                "reason": e.reason,
                "conditions": e.facts or [],
                "note": e.note,
                "acknowledged_at": e.acknowledged_at,
            },
        )
        for e in rows
    ]


def _summonses(session: Session, item: Item) -> list[HistoryEntry]:
    """约谈 held and recorded (the proposals are escalations)."""
    rows = ladder_queries.summonses_of(session, item.id)
    names = people_queries.people_names(session, [s.recorded_by for s in rows])
    return [
        HistoryEntry(
            s.recorded_at,
            "summons_held",
            _name(names, s.recorded_by),
            {"held_on": s.held_on, "attendees": s.attendees},
        )
        for s in rows
    ]


def _signoffs(session: Session, item: Item) -> list[HistoryEntry]:
    pairs = cq.signoffs_of(session, item.id)
    ids: list[int | None] = []
    for request, reviews in pairs:
        ids += [request.requested_by, request.leader_id, *(r.reviewer_id for r in reviews)]
    names = people_queries.people_names(session, ids)
    entries: list[HistoryEntry] = []
    for request, reviews in pairs:
        entries.append(
            HistoryEntry(
                request.created_at,
                "signoff_request",
                _name(names, request.requested_by),
                {"statement": request.statement},
            )
        )
        if request.leader_confirmed_at is not None:
            entries.append(
                HistoryEntry(request.leader_confirmed_at, "signoff_leader", _name(names, request.leader_id))
            )
        entries += [
            HistoryEntry(
                r.decided_at,
                "signoff_review",
                _name(names, r.reviewer_id),
                {
                    "decision": r.decision.value,
                    "reason": r.reason,
                    "opinion": r.opinion,
                    "inspect_on": r.inspect_on,
                },
            )
            for r in reviews
        ]
        if request.decided_at is not None:
            # A withdrawal is the requester's own (only they can withdraw); any other end is the system's.
            withdrawn = request.status == SignOffStatus.WITHDRAWN
            entries.append(
                HistoryEntry(
                    request.decided_at,
                    "signoff_withdrawn" if withdrawn else "signoff_decided",
                    _name(names, request.requested_by) if withdrawn else None,
                    {"status": request.status.value, "reason": request.return_reason},
                )
            )
    return entries


def _extensions(session: Session, item: Item) -> list[HistoryEntry]:
    rows = cq.extensions_of(session, item.id)
    names = people_queries.people_names(
        session, [x.requested_by for x in rows] + [x.decided_by for x in rows]
    )
    entries: list[HistoryEntry] = []
    for x in rows:
        details = {"old": x.old_deadline, "new": x.new_deadline, "reason": x.reason, "status": x.status.value}
        entries.append(HistoryEntry(x.created_at, "extension_request", _name(names, x.requested_by), details))
        if x.decided_at is not None:
            entries.append(
                HistoryEntry(x.decided_at, "extension_decided", _name(names, x.decided_by), details)
            )
    return entries


def _spot_checks(session: Session, item: Item) -> list[HistoryEntry]:
    """Confirmed checks; a reopening is told by the audit log (it may come without a check)."""
    rows = cq.decided_spot_checks_of(session, item.id)
    names = people_queries.people_names(session, [c.decided_by for c in rows])
    return [
        HistoryEntry(c.decided_at, "spotcheck", _name(names, c.decided_by), {"due_on": c.due_on})
        for c in rows
        if c.decided_at is not None and c.status == SpotCheckStatus.CONFIRMED
    ]


def _audit(session: Session, item: Item) -> list[HistoryEntry]:
    rows = cq.audit_of_item(session, item)
    actors = [Actor.parse(row.actor) for row in rows]
    people = people_queries.people_names(session, [actor.person_id for actor in actors])
    return [
        HistoryEntry(row.at, _AUDIT_KINDS[row.action], people.get(actor.person_id or 0), _audit_details(row))
        for row, actor in zip(rows, actors, strict=True)
    ]


def _audit_details(row: AuditEntry) -> dict[str, object]:
    after = row.after or {}
    if row.action == "update":
        return {"fields": sorted(after)}
    if row.action == "reopen":
        return {"reason": after.get("reason"), "deadline": after.get("deadline")}
    return {}


def _name(names: dict[int, str], person_id: int | None) -> str | None:
    return names.get(person_id) if person_id is not None else None
