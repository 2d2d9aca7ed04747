"""Sign-off (验收销号): the officer's request with its completion statement and evidence, the leader's
confirmation, each supervising unit's review (approve, return with a reason, inspect on site), and the
sign-off itself: the item closed, its ladder ended, its spot-checks scheduled. One transaction per step,
every change audited, every message to another person written to the outbox."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ledger.access import Viewer, can_see_item
from ledger.actor import Actor
from ledger.buttons import SignOffAction, SignOffPress
from ledger.dates import read_date
from ledger.errors import DubanError
from ledger.evidence import PHOTO_MEDIA_TYPE
from ledger.model import ItemStatus, Role, UnitRole
from ledger.progress import ProgressInputError, can_report, stated_percent
from ledger.signoff import (
    DEFAULT_EVIDENCE_RULE,
    OWN_UNIT_ROLES,
    Coverage,
    EvidenceLink,
    EvidenceRule,
    Outcome,
    PartKind,
    can_confirm,
    can_request,
    coverage,
    outcome,
    parse_rule,
    reviewing_units,
    spot_check_days,
)
from messages.render import Renderer
from scheduler.calendar import WorkCalendar
from scheduler.rules import Rules
from services import audit
from services.closing_common import ClosingService
from services.items import ItemService
from services.ladder import Ladder
from services.office import Office
from services.outbox import Button, Outbox
from services.reports import ReportService
from services.standing import Standings
from storage import closing_queries as cq
from storage import outbox_queries, people_queries, queries, setting_queries
from storage.models import Item, ItemMeasure, ItemTarget, Person
from storage.review import (
    ReviewDecision,
    SignOffRequest,
    SignOffReview,
    SignOffStatus,
    SpotCheck,
    SpotCheckStatus,
)

EVIDENCE_RULE = "signoff_evidence"
FINAL_DECISIONS = (ReviewDecision.APPROVE, ReviewDecision.RETURN)
# The buttons under a request for review, and under the reminder of an inspection date.
REVIEW_ACTIONS = (SignOffAction.APPROVE, SignOffAction.RETURN, SignOffAction.INSPECT, SignOffAction.FILES)
REMINDED_ACTIONS = (SignOffAction.APPROVE, SignOffAction.RETURN, SignOffAction.FILES)


@dataclass(frozen=True)
class Preview:
    """What a request would carry: shown while the officer writes the completion statement."""

    number: str
    title: str
    coverage: Coverage
    rule: EvidenceRule


@dataclass(frozen=True)
class Filed:
    request_id: int
    number: str
    title: str
    coverage: Coverage
    rule: EvidenceRule
    leaders: tuple[str, ...]


@dataclass(frozen=True)
class EvidenceCopy:
    """A stored evidence file to send to a reviewer: photos go as an album, the rest as documents."""

    path: Path
    name: str | None
    photo: bool


@dataclass(frozen=True)
class Packet:
    """The evidence of a request and the chats to send it to, each with its language."""

    request_id: int
    number: str
    chats: tuple[tuple[int, str], ...]
    files: tuple[EvidenceCopy, ...]


@dataclass(frozen=True)
class Decision:
    """What a reviewer's tap did: `outcome` approved / returned / open (others still to decide) / inspect."""

    number: str
    title: str
    outcome: str
    waiting: tuple[str, ...] = ()
    inspect_on: date | None = None
    spot_checks: tuple[date, ...] = ()
    status: ItemStatus | None = None  # the item's status after an approval or a return
    by_leader: bool = False  # returned by the unit's leader before it reached the reviewers


@dataclass(frozen=True)
class PendingRequest:
    request_id: int
    number: str
    title: str
    status: SignOffStatus
    requested_by: str
    created_at: datetime


@dataclass(frozen=True)
class PendingView:
    """For the viewer: requests waiting for their review, and (leaders) for their confirmation."""

    to_review: tuple[PendingRequest, ...]
    to_confirm: tuple[PendingRequest, ...]


@dataclass(frozen=True)
class SignOffView:
    """The item's open or last sign-off request as `/item N` shows it."""

    status: SignOffStatus
    statement: str
    requested_by: str
    created_at: datetime
    return_reason: str | None
    approved_by: tuple[str, ...]  # supervising units that approved
    inspect_on: date | None


@dataclass(frozen=True)
class RuleChange:
    before: EvidenceRule
    after: EvidenceRule


@dataclass(frozen=True)
class Withdrawn:
    number: str
    title: str
    told: tuple[str, ...]  # the names of those who had been asked to act on the request
    status: ItemStatus  # the item's status after it


@dataclass(frozen=True)
class Linked:
    number: str
    kind: PartKind
    position: int
    text: str  # of the target or measure
    files: int


def _links(item: Item) -> list[tuple[int, UnitRole]]:
    return [(link.unit_id, link.role) for link in item.unit_links]


def _unit_ids(item: Item, *roles: UnitRole) -> list[int]:
    return [link.unit_id for link in item.unit_links if link.role in roles]


def _unit_names(session: Session, unit_ids: Iterable[int]) -> tuple[str, ...]:
    return tuple(unit.name for unit in queries.units_by_id(session, unit_ids))


def evidence_rule(session: Session) -> EvidenceRule:
    return parse_rule(str(setting_queries.setting(session, EVIDENCE_RULE) or "")) or DEFAULT_EVIDENCE_RULE


def item_coverage(session: Session, item: Item) -> Coverage:
    links = cq.evidence_links(session, item.id)
    return coverage(
        [(t.id, t.text) for t in item.targets],
        [(m.id, m.text) for m in item.measures],
        [EvidenceLink(target_id, measure_id) for target_id, measure_id in links],
    )


def signoff_view(session: Session, item_id: int) -> SignOffView | None:
    """The item's latest sign-off request, for the item card."""
    request = cq.latest_signoff_request(session, item_id)
    if request is None:
        return None
    reviews = cq.signoff_reviews(session, request.id)
    who = session.get(Person, request.requested_by)
    inspections = [r.inspect_on for r in reviews if r.decision == ReviewDecision.INSPECT and r.inspect_on]
    return SignOffView(
        status=request.status,
        statement=request.statement,
        requested_by=who.name if who else "—",
        created_at=request.created_at,
        return_reason=request.return_reason,
        approved_by=_unit_names(
            session, [r.unit_id for r in reviews if r.decision == ReviewDecision.APPROVE]
        ),
        inspect_on=max(inspections) if inspections else None,
    )


def _decided_units(reviews: Iterable[SignOffReview]) -> set[int]:
    return {review.unit_id for review in reviews if review.decision in FINAL_DECISIONS}


def _recipient(person: Person | None) -> people_queries.Recipient | None:
    if person is None or not person.active or person.telegram_user_id is None:
        return None
    return people_queries.Recipient(person.id, person.telegram_user_id, person.locale, person.name)


class SignOffService(ClosingService):
    def __init__(
        self,
        office: Office,
        items: ItemService,
        ladder: Ladder,
        data_dir: Path,
        reports: ReportService,
        standings: Standings,
    ) -> None:
        super().__init__(office, items, ladder)
        self._data_dir = data_dir
        self._reports = reports
        self._standings = standings

    # --- the office's rule ------------------------------------------------------------------------

    def rule(self) -> EvidenceRule:
        with self._sessions() as session:
            return evidence_rule(session)

    def set_rule(self, text: str, *, actor: Actor) -> RuleChange:
        after = parse_rule(text)
        if after is None:
            raise DubanError("signoff/rule_usage", value=text[:20])
        with self._sessions() as session, session.begin():
            before = evidence_rule(session)
            if after != before:
                setting_queries.set_setting(session, EVIDENCE_RULE, after.value)
                audit.record(
                    session, at=self._clock.now(), actor=actor, action="set_signoff_rule",
                    entity="scheduler_setting", entity_id=EVIDENCE_RULE, before={"rule": before.value},
                    after={"rule": after.value},
                )  # fmt: skip
            return RuleChange(before, after)

    # --- evidence linked to a target or a measure ------------------------------------------------

    def link(self, viewer: Viewer, number: str, kind: PartKind, position: int) -> Linked:
        """Link the files of the viewer's last report with evidence on the item to target or measure
        `position`; each change of a link is audited."""
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            item = self._items.find(session, viewer, number)
            if not can_report(viewer, _links(item)):
                raise DubanError("report/not_yours", number=item.number)
            if item.signed_off_at is not None:
                raise DubanError("signoff/already_signed_off", number=item.number)
            parts: Sequence[ItemTarget | ItemMeasure] = (
                item.targets if kind == PartKind.TARGET else item.measures
            )
            if not 1 <= position <= len(parts):
                raise DubanError("signoff/bad_part", number=item.number, kind=kind.value, count=len(parts))
            part = parts[position - 1]
            files = cq.files_of_last_report(session, item.id, viewer.person_id)
            if not files:
                raise DubanError("signoff/no_files", number=item.number)
            targets = kind == PartKind.TARGET
            column = "target_id" if targets else "measure_id"
            for row in files:
                linked = row.target_id if targets else row.measure_id
                if linked == part.id:
                    continue
                audit.record(
                    session, at=now, actor=viewer.actor, action="link_evidence", entity="evidence_file",
                    entity_id=row.id, before={column: linked}, after={column: part.id},
                )  # fmt: skip
                if targets:
                    row.target_id = part.id
                else:
                    row.measure_id = part.id
            return Linked(item.number, kind, position, part.text, len(files))

    # --- the officer's request --------------------------------------------------------------------

    def _requestable(
        self,
        session: Session,
        viewer: Viewer,
        number: str,
        *,
        confirms_complete: bool = False,
        lock: bool = False,
    ) -> tuple[Item, Coverage, EvidenceRule]:
        """The item, if the viewer may ask for its sign-off now: complete (100 %, or `confirms_complete`:
        the officer states 100 % in the same step), not signed off, no request open, evidence enough.
        `lock` holds the item's row (PostgreSQL) before anything is checked: two requests at once, one
        after the other."""
        item = self._items.find(session, viewer, number)
        if lock:
            session.refresh(item, with_for_update=True)
        if not can_request(viewer, _links(item)):
            raise DubanError("signoff/not_officer", number=item.number)
        if item.signed_off_at is not None:
            raise DubanError("signoff/already_signed_off", number=item.number)
        if cq.open_signoff_request(session, item.id) is not None:
            raise DubanError("signoff/already_open", number=item.number)
        if item.percent < 100 and not confirms_complete:
            raise DubanError("signoff/not_complete", number=item.number, percent=item.percent)
        rule = evidence_rule(session)
        covered = item_coverage(session, item)
        if not covered.satisfies(rule):
            raise DubanError(
                "signoff/missing_evidence", number=item.number, coverage=covered, rule=rule.value
            )
        return item, covered, rule

    def preview(self, viewer: Viewer, number: str) -> Preview:
        """The request the viewer could file now; a `DubanError` saying why not otherwise."""
        with self._sessions() as session:
            item, covered, rule = self._requestable(session, viewer, number)
            return Preview(item.number, item.title, covered, rule)

    def request(self, viewer: Viewer, number: str, statement: str) -> Filed:
        """File the request: the item goes to 已完成 and its leaders are asked to confirm.

        Only a complete item may be signed off: at 100 %, or with the statement starting `100%` (the
        officer confirms completion in the same step: a 100 % report with the statement is stored with the
        request, in the same transaction). Any other percent, or an item under 100 % without it, is refused
        and nothing changes."""
        try:
            claimed, statement = stated_percent(statement)
        except ProgressInputError as error:
            raise DubanError(error.code, **error.params) from None
        if claimed is not None and claimed != 100:
            raise DubanError("signoff/claimed_incomplete", number=number[:20], percent=claimed)
        if not statement:
            raise DubanError("signoff/empty_statement")
        now = self._clock.now()
        with self._decision() as session:
            item, covered, rule = self._requestable(
                session, viewer, number, confirms_complete=claimed == 100, lock=True
            )
            assert viewer.person_id is not None  # a stranger never gets past `requires`
            supervising = _unit_ids(item, UnitRole.SUPERVISING)
            if not supervising:
                raise DubanError("signoff/no_supervising_unit", number=item.number)
            unreviewed = [
                u for u in supervising if not people_queries.people_with_role(session, Role.SUPERVISOR, [u])
            ]
            if unreviewed:
                raise DubanError("signoff/no_reviewer", units=list(_unit_names(session, unreviewed)))
            leaders = self._leaders(session, item)
            if not leaders:
                raise DubanError("signoff/no_leader", number=item.number)
            if item.percent < 100:
                self._reports.record_completion(session, viewer, item, statement)
            request = SignOffRequest(
                item_id=item.id, requested_by=viewer.person_id, statement=statement,
                status=SignOffStatus.AWAITING_LEADER, created_at=now,
            )  # fmt: skip
            session.add(request)
            session.flush()
            audit.record(
                session, at=now, actor=viewer.actor, action="request_signoff", entity="signoff_request",
                entity_id=request.id,
                after={"item": item.number, "statement": statement, "status": request.status.value,
                       "rule": rule.value, "files": covered.files},
            )  # fmt: skip
            outbox = self._outbox(session, self._clock.now())
            params = {**self._params(item, request, viewer.name), "coverage": covered}
            for leader in leaders:
                outbox.add(
                    f"so:{request.id}:confirm", leader, "signoff_confirm", params, item=item,
                    buttons=self._buttons(
                        leader, request.id, (SignOffAction.CONFIRM, SignOffAction.RETURN, SignOffAction.FILES)
                    ),
                )  # fmt: skip
            outbox.write()
            return Filed(request.id, item.number, item.title, covered, rule, tuple(p.name for p in leaders))

    def withdraw(self, viewer: Viewer, number: str, reason: str) -> Withdrawn:
        """The officer takes back their own request before it is decided: the item is no longer 已完成
        (at 100 %: 基本完成 again), and whoever was asked to act on it (the leaders, or the reviewers) is told, so that a button they
        still have is no longer expected of them."""
        now = self._clock.now()
        with self._decision() as session:
            item = self._items.find(session, viewer, number)
            if not can_request(viewer, _links(item)):
                raise DubanError("signoff/not_officer", number=item.number)
            request = cq.open_signoff_request(session, item.id, lock=True)
            if request is None:
                raise DubanError("signoff/nothing_to_withdraw", number=item.number)
            if request.requested_by != viewer.person_id:
                raise DubanError("signoff/not_own_request", number=item.number)
            awaiting_leader = request.status == SignOffStatus.AWAITING_LEADER
            asked = (
                self._leaders(session, item) if awaiting_leader else self._reviewers(session, item, request)
            )
            # A question still in the outbox is taken back: its person need not hear of the request at all.
            called_off = outbox_queries.call_off(
                session, f"so:{request.id}:{'confirm' if awaiting_leader else 'review'}:"
            )
            asked = [person for person in asked if person.person_id not in called_off]
            self._close_request(
                session, viewer, request, SignOffStatus.WITHDRAWN, reason.strip() or None, "withdraw_signoff"
            )
            outbox = self._outbox(session, now)
            params = {**self._params(item, request, viewer.name), "reason": request.return_reason}
            for person in asked:
                outbox.add(f"so:{request.id}:withdrawn", person, "signoff_withdrawn", params, item=item)
            outbox.write()
            status = self._standings.one(session, item).status
            return Withdrawn(item.number, item.title, tuple(person.name for person in asked), status)

    def _leaders(self, session: Session, item: Item) -> list[people_queries.Recipient]:
        found: list[people_queries.Recipient] = []
        for unit_role in OWN_UNIT_ROLES:
            for person in people_queries.recipients(session, [item.id], unit_role, (Role.LEADER,)).get(
                item.id, []
            ):
                if person not in found:
                    found.append(person)
        return found

    # --- the leader's confirmation ----------------------------------------------------------------

    def confirm(self, viewer: Viewer, request_id: int) -> Packet:
        """The leader confirms: the request goes to the supervising units' reviewers (text by the outbox;
        the evidence files, returned here, the handler sends at once)."""
        now = self._clock.now()
        with self._decision() as session:
            request, item = self._request(session, request_id, lock=True)
            self._check_leader(viewer, request, item)
            request.status = SignOffStatus.UNDER_REVIEW
            request.leader_id = viewer.person_id
            request.leader_confirmed_at = now
            audit.record(
                session, at=now, actor=viewer.actor, action="confirm_signoff", entity="signoff_request",
                entity_id=request.id, before={"status": SignOffStatus.AWAITING_LEADER.value},
                after={"status": request.status.value, "leader_id": viewer.person_id},
            )  # fmt: skip
            reviewers = self._reviewers(session, item, request)
            requester = session.get(Person, request.requested_by)
            params = {
                **self._params(item, request, requester.name if requester else "—"),
                "leader": viewer.name, "coverage": item_coverage(session, item),
            }  # fmt: skip
            outbox = self._outbox(session, self._clock.now())
            for person in reviewers:
                outbox.add(
                    f"so:{request.id}:review", person, "signoff_review", params, item=item,
                    buttons=self._buttons(person, request.id, REVIEW_ACTIONS),
                )  # fmt: skip
            outbox.write()
            return self._packet(session, item, request, [(p.chat_id, p.locale) for p in reviewers])

    @staticmethod
    def _check_leader(viewer: Viewer, request: SignOffRequest, item: Item) -> None:
        """Only a leader of the item's own units acts on a request awaiting them, and not on their own."""
        if request.status != SignOffStatus.AWAITING_LEADER:
            raise DubanError("signoff/not_awaiting_leader", number=item.number)
        if not can_confirm(viewer, _links(item)):
            raise DubanError("signoff/not_leader", number=item.number)
        if request.requested_by == viewer.person_id:
            raise DubanError("signoff/own_request", number=item.number)

    def _reviewers(
        self, session: Session, item: Item, request: SignOffRequest
    ) -> list[people_queries.Recipient]:
        units = _unit_ids(item, UnitRole.SUPERVISING)
        return people_queries.people_with_role(session, Role.SUPERVISOR, units, exclude=request.requested_by)

    def _packet(
        self, session: Session, item: Item, request: SignOffRequest, chats: Sequence[tuple[int, str]]
    ) -> Packet:
        rows = cq.evidence_of(session, item.id)
        files = tuple(
            EvidenceCopy(self._data_dir / row.path, row.original_name, row.media_type == PHOTO_MEDIA_TYPE)
            for row in rows
        )
        return Packet(request.id, item.number, tuple(chats), files)

    def evidence(self, viewer: Viewer, request_id: int) -> Packet:
        """The request's evidence again, for someone who may see the item (the reviewers' Evidence button)."""
        with self._sessions() as session:
            request, item = self._request(session, request_id)
            if not can_see_item(viewer, _links(item)):
                raise DubanError("signoff/unknown_request")
            return self._packet(session, item, request, [(viewer.telegram_user_id, viewer.locale)])

    # --- the supervising units' review ------------------------------------------------------------

    def check_reviewer(self, viewer: Viewer, request_id: int) -> str:
        """Refuse now (before asking for a date) whoever may not review; the item number."""
        with self._sessions() as session:
            request, item = self._request(session, request_id)
            self._units_to_decide(session, viewer, request, item)
            return item.number

    def check_return(self, viewer: Viewer, request_id: int) -> str:
        """Refuse now (before asking for a reason) whoever may not send the request back: its leader while
        it awaits their confirmation, a reviewer while it is under review; the item number."""
        with self._sessions() as session:
            request, item = self._request(session, request_id)
            if request.status == SignOffStatus.AWAITING_LEADER:
                self._check_leader(viewer, request, item)
            else:
                self._units_to_decide(session, viewer, request, item)
            return item.number

    def _units_to_decide(
        self, session: Session, viewer: Viewer, request: SignOffRequest, item: Item
    ) -> tuple[frozenset[int], Sequence[SignOffReview]]:
        if request.requested_by == viewer.person_id:
            raise DubanError("signoff/own_request", number=item.number)
        if request.status != SignOffStatus.UNDER_REVIEW:
            raise DubanError("signoff/not_under_review", number=item.number)
        reviews = cq.signoff_reviews(session, request.id)
        supervised = viewer.unit_ids(Role.SUPERVISOR)
        units = reviewing_units(supervised, _links(item), _decided_units(reviews))
        if not units:
            mine = reviewing_units(supervised, _links(item), ())
            raise DubanError(
                "signoff/already_decided" if mine else "signoff/not_reviewer", number=item.number
            )
        return units, reviews

    def approve(self, viewer: Viewer, request_id: int, opinion: str = "") -> Decision:
        """The reviewer's units approve, with the reviewer's opinion (验收意见) when one is given."""
        return self._decide(viewer, request_id, ReviewDecision.APPROVE, opinion=opinion.strip() or None)

    def request_under_review(self, viewer: Viewer, number: str) -> int:
        """The id of item `number`'s request under review (`/approve N 意见`), if the viewer may see it."""
        with self._sessions() as session:
            item = self._items.find(session, viewer, number)
            request = cq.open_signoff_request(session, item.id)
            if request is None or request.status != SignOffStatus.UNDER_REVIEW:
                raise DubanError("signoff/not_under_review", number=item.number)
            return request.id

    def send_back(self, viewer: Viewer, request_id: int, reason: str) -> Decision:
        """Return the request to the officer with a reason: by the unit's leader before confirming it, or
        by a reviewer. The item is no longer 已完成 (at 100 %: 基本完成 again)."""
        reason = reason.strip()
        if not reason:
            raise DubanError("signoff/empty_reason")
        with self._decision() as session:
            request, item = self._request(session, request_id, lock=True)
            if request.status == SignOffStatus.AWAITING_LEADER:
                self._check_leader(viewer, request, item)
                # Not yet with the reviewers: nobody else was asked, so only the officer hears of it.
                self._close_request(session, viewer, request, SignOffStatus.RETURNED, reason)
                self._tell_decision(session, item, request, viewer.name)
                status = self._standings.one(session, item).status
                return Decision(
                    item.number, item.title, Outcome.RETURNED.value, status=status, by_leader=True
                )
        return self._decide(viewer, request_id, ReviewDecision.RETURN, reason=reason)

    def inspect(self, viewer: Viewer, request_id: int, text: str) -> Decision:
        today = self._clock.now().astimezone(self._tz).date()
        day = read_date(text, today)
        if day is None:
            raise DubanError("signoff/bad_date", text=text[:20])
        if day < today:
            raise DubanError("signoff/past_date", day=day)
        return self._decide(viewer, request_id, ReviewDecision.INSPECT, inspect_on=day)

    def _decide(
        self,
        viewer: Viewer,
        request_id: int,
        decision: ReviewDecision,
        *,
        reason: str | None = None,
        inspect_on: date | None = None,
        opinion: str | None = None,
    ) -> Decision:
        now = self._clock.now()
        with self._decision() as session:
            request, item = self._request(session, request_id, lock=True)
            units, reviews = self._units_to_decide(session, viewer, request, item)
            assert viewer.person_id is not None
            for unit_id in sorted(units):
                review = SignOffReview(
                    request_id=request.id, unit_id=unit_id, reviewer_id=viewer.person_id, decision=decision,
                    reason=reason, opinion=opinion, inspect_on=inspect_on, decided_at=now,
                )  # fmt: skip
                session.add(review)
                session.flush()
                audit.record(
                    session, at=now, actor=viewer.actor, action="review_signoff", entity="signoff_review",
                    entity_id=review.id,
                    after={"request_id": request.id, "unit_id": unit_id, "decision": decision.value,
                           "reason": reason, "opinion": opinion,
                           "inspect_on": inspect_on.isoformat() if inspect_on else None},
                )  # fmt: skip
            if decision == ReviewDecision.INSPECT:
                return Decision(item.number, item.title, "inspect", inspect_on=inspect_on)
            reviews = cq.signoff_reviews(session, request.id)
            supervising = _unit_ids(item, UnitRole.SUPERVISING)
            result = outcome(
                supervising,
                [r.unit_id for r in reviews if r.decision == ReviewDecision.APPROVE],
                [r.unit_id for r in reviews if r.decision == ReviewDecision.RETURN],
            )
            if result == Outcome.OPEN:
                waiting = [u for u in supervising if u not in _decided_units(reviews)]
                return Decision(item.number, item.title, "open", waiting=_unit_names(session, waiting))
            checks: tuple[date, ...] = ()
            if result == Outcome.APPROVED:
                checks = self._sign_off(session, viewer, item, request)
            else:
                self._close_request(session, viewer, request, SignOffStatus.RETURNED, reason)
            self._tell_decision(session, item, request, viewer.name)
            status = self._standings.one(session, item).status
            return Decision(item.number, item.title, result.value, spot_checks=checks, status=status)

    def _sign_off(
        self, session: Session, viewer: Viewer, item: Item, request: SignOffRequest
    ) -> tuple[date, ...]:
        now = self._clock.now()
        self._close_request(session, viewer, request, SignOffStatus.APPROVED, None)
        item.signed_off_at = now
        item.updated_at = now
        self._ladder.end(session, item)
        months = self._office.rules(session).spot_check_months
        days = spot_check_days(now.astimezone(self._tz).date(), months)
        existing = cq.spot_check_days_taken(session, item.id, days)
        for day in days:
            if day in existing:
                continue
            check = SpotCheck(item_id=item.id, due_on=day, status=SpotCheckStatus.DUE)
            session.add(check)
            session.flush()
            audit.record(
                session, at=now, actor=viewer.actor, action="schedule_spot_check", entity="spot_check",
                entity_id=check.id, after={"item": item.number, "due_on": day.isoformat()},
            )  # fmt: skip
        return tuple(days)

    def _close_request(
        self,
        session: Session,
        viewer: Viewer,
        request: SignOffRequest,
        status: SignOffStatus,
        reason: str | None,
        action: str = "decide_signoff",
    ) -> None:
        now = self._clock.now()
        before = request.status
        request.status = status
        request.decided_at = now
        request.return_reason = reason
        audit.record(
            session, at=now, actor=viewer.actor, action=action, entity="signoff_request",
            entity_id=request.id, before={"status": before.value},
            after={"status": status.value, "reason": reason},
        )  # fmt: skip

    def _tell_decision(self, session: Session, item: Item, request: SignOffRequest, decider: str) -> None:
        """The decision reaches the officer who asked and the leader who confirmed, with the item's status
        after it."""
        outbox = self._outbox(session, self._clock.now())
        people = people_queries.persons(
            session, [p for p in (request.requested_by, request.leader_id) if p is not None]
        )
        params = {
            **self._params(item, request, ""),
            "status": request.status.value,
            "reason": request.return_reason,
            "decider": decider,
            "by_leader": request.leader_id is None,
            "item_status": self._standings.one(session, item).status.value,
        }
        for person in people.values():
            recipient = _recipient(person)
            if recipient is not None:
                outbox.add(f"so:{request.id}:decision", recipient, "signoff_decision", params, item=item)
        outbox.write()

    # --- what waits -------------------------------------------------------------------------------

    def pending(self, viewer: Viewer) -> PendingView:
        """Under review for the viewer's supervising units without their unit's decision; awaiting the
        viewer's confirmation as a leader. Leadership and admins see every open request."""
        with self._sessions() as session:
            rows = cq.open_signoff_requests(session)
            reviews = cq.reviews_of_open_requests(session)
            to_review: list[PendingRequest] = []
            to_confirm: list[PendingRequest] = []
            for request, item, name in rows:
                entry = PendingRequest(
                    request.id, item.number, item.title, request.status, name, request.created_at
                )
                links = _links(item)
                own = request.requested_by == viewer.person_id
                if own and not viewer.sees_everything:
                    continue
                if request.status == SignOffStatus.AWAITING_LEADER:
                    if viewer.sees_everything or can_confirm(viewer, links):
                        to_confirm.append(entry)
                elif viewer.sees_everything or reviewing_units(
                    viewer.unit_ids(Role.SUPERVISOR), links, _decided_units(reviews.get(request.id, []))
                ):
                    to_review.append(entry)
            return PendingView(tuple(to_review), tuple(to_confirm))

    # --- the daily rule: inspections due ----------------------------------------------------------

    def inspection_reminders(
        self, session: Session, outbox: Outbox, today: date, calendar: WorkCalendar, rules: Rules
    ) -> int:
        """Remind each reviewer of an on-site inspection on its day (once), with the decision buttons."""
        rows = cq.inspections_due(session, today)
        if not rows:
            return 0
        reviews = cq.reviews_of_open_requests(session)
        reviewers = people_queries.persons(session, [review.reviewer_id for review, _, _ in rows])
        queued = 0
        for review, request, item in rows:
            if review.unit_id in _decided_units(reviews.get(request.id, [])):
                continue
            recipient = _recipient(reviewers.get(review.reviewer_id))
            if recipient is None:
                continue
            params = {**self._params(item, request, ""), "inspect_on": review.inspect_on}
            outbox.add(
                f"so:{request.id}:inspect:{review.id}", recipient, "signoff_inspect", params, item=item,
                buttons=self._buttons(recipient, request.id, REMINDED_ACTIONS),
            )  # fmt: skip
            queued += 1
        return queued

    # --- shared -----------------------------------------------------------------------------------

    def _request(
        self, session: Session, request_id: int, *, lock: bool = False
    ) -> tuple[SignOffRequest, Item]:
        """The request and its item; `lock` holds the request's row (PostgreSQL) until the transaction
        ends, so that two decisions on it (two reviewers, a review and a withdrawal) run one after the
        other and the second sees what the first did."""
        request = session.get(SignOffRequest, request_id, with_for_update=lock)
        item = session.get(Item, request.item_id) if request is not None else None
        if request is None or item is None:
            raise DubanError("signoff/unknown_request")
        return request, item

    @staticmethod
    def _params(item: Item, request: SignOffRequest, requester: str) -> dict[str, Any]:
        return {
            "number": item.number,
            "title": item.title,
            "statement": request.statement,
            "requester": requester,
        }

    def _buttons(
        self, person: people_queries.Recipient, request_id: int, actions: Sequence[SignOffAction]
    ) -> list[Button]:
        labels = button_labels(self._office.renderer, person.locale)
        return [Button(labels[action], SignOffPress(action, request_id).pack()) for action in actions]


def button_labels(renderer: Renderer, locale: str) -> dict[str, str]:
    """The sign-off buttons' labels in a locale, from `chat/signoff/buttons` (`action=label` lines)."""
    text = renderer.render(locale, "chat/signoff/buttons")
    return dict(line.split("=", 1) for line in text.splitlines())
