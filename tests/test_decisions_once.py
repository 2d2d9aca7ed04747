"""Two decisions on one request at the same moment apply exactly once, on SQLite and on PostgreSQL.

Each pair runs in two threads released together, many times over. To make the race real rather than lucky,
every audit entry (written between a decision's reads and its commit) takes a little while: without the lock
at the start of the decision, both would read "still open" and both apply. With it, the second reads what the
first did and is refused, naming that it was decided.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from ledger.access import Viewer
from ledger.errors import DubanError
from ledger.model import Role
from services import audit
from services.accounts import TelegramUser
from services.container import Services
from storage.models import Item
from storage.review import (
    DeadlineExtension,
    ExtensionStatus,
    SignOffRequest,
    SignOffReview,
    SignOffStatus,
    SpotCheck,
    SpotCheckStatus,
)
from tests.closing_helpers import one_supervised_item

OFFICER, LEADER, REVIEWER, SECOND_REVIEWER = 1, 2, 3, 4
ROUNDS = 6
Decision = Callable[[], object]


@dataclass
class Office:
    services: Services
    item_number: str

    def viewer(self, user: int) -> Viewer:
        return self.services.accounts.viewer(TelegramUser(user, str(user), None))

    def file(self) -> int:
        """A new sign-off request of the item, awaiting the leader; its id."""
        self.services.reports.submit(self.viewer(OFFICER), self.item_number, 100, "已完成")
        return self.services.signoff.request(self.viewer(OFFICER), self.item_number, "已完成整改").request_id

    def under_review(self) -> int:
        request_id = self.file()
        self.services.signoff.confirm(self.viewer(LEADER), request_id)
        return request_id

    def request(self, request_id: int) -> SignOffRequest:
        with self.services.sessions() as session:
            found = session.get(SignOffRequest, request_id)
            assert found is not None
            return found

    def reviews(self, request_id: int) -> int:
        with self.services.sessions() as session:
            statement = select(func.count()).where(SignOffReview.request_id == request_id)
            return session.scalar(statement) or 0


@pytest.fixture
def office(services: Services, monkeypatch: pytest.MonkeyPatch) -> Office:
    one_supervised_item(
        services,
        date(2027, 12, 31),
        [
            (OFFICER, "张伟", Role.OFFICER, "市住建局"),
            (LEADER, "李局长", Role.LEADER, "市住建局"),
            (REVIEWER, "王督导", Role.SUPERVISOR, "整改办"),
            (SECOND_REVIEWER, "赵督导", Role.SUPERVISOR, "整改办"),
        ],
    )
    record = audit.record

    def slow_record(*args: object, **kwargs: object) -> None:
        time.sleep(0.02)  # between a decision's reads and its commit: wide enough for the other to read
        record(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audit, "record", slow_record)
    return Office(services, "1")


def at_once(first: Decision, second: Decision) -> list[object]:
    """Run both together; what each returned, or the code of the refusal it raised."""
    gate = threading.Barrier(2)
    results: list[object] = [None, None]

    def run(index: int, decision: Decision) -> None:
        gate.wait()
        try:
            results[index] = decision()
        except DubanError as error:
            results[index] = error.code

    threads = [threading.Thread(target=run, args=(n, d)) for n, d in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def refused(results: list[object]) -> list[str]:
    return [r for r in results if isinstance(r, str)]


def test_a_withdrawal_and_an_approval_at_once(office: Office) -> None:
    signoff = office.services.signoff
    for _ in range(ROUNDS):
        request_id = office.under_review()
        results = at_once(
            lambda: signoff.withdraw(office.viewer(OFFICER), "1", "补充材料"),
            partial(signoff.approve, office.viewer(REVIEWER), request_id),
        )
        assert len(refused(results)) == 1, results
        status = office.request(request_id).status
        if results[0] == "signoff/nothing_to_withdraw":
            assert status == SignOffStatus.APPROVED
            assert office.reviews(request_id) == 1
            return  # signed off: nothing more to ask for on this item
        assert results[1] == "signoff/not_under_review"
        assert status == SignOffStatus.WITHDRAWN
        assert office.reviews(request_id) == 0


def test_two_reviewers_of_one_unit_approve_and_return_at_once(office: Office) -> None:
    signoff = office.services.signoff
    for _ in range(ROUNDS):
        request_id = office.under_review()
        results = at_once(
            partial(signoff.approve, office.viewer(REVIEWER), request_id),
            partial(signoff.send_back, office.viewer(SECOND_REVIEWER), request_id, "缺检测报告"),
        )
        assert len(refused(results)) == 1, results
        assert office.reviews(request_id) == 1  # one unit, one decision
        status = office.request(request_id).status
        assert status in (SignOffStatus.APPROVED, SignOffStatus.RETURNED)
        if status == SignOffStatus.APPROVED:
            return


def test_the_leader_confirms_while_the_officer_withdraws(office: Office) -> None:
    """Both may apply, one after the other (a request under review can still be withdrawn), never crossed:
    the request ends withdrawn either way, and a confirmation refused is one the withdrawal came before."""
    signoff = office.services.signoff
    for _ in range(ROUNDS):
        request_id = office.file()
        results = at_once(
            lambda: signoff.withdraw(office.viewer(OFFICER), "1", ""),
            partial(signoff.confirm, office.viewer(LEADER), request_id),
        )
        assert not isinstance(results[0], str), results
        assert results[1] in ("signoff/not_awaiting_leader",) or not isinstance(results[1], str), results
        assert office.request(request_id).status == SignOffStatus.WITHDRAWN


def test_two_requests_of_one_item_at_once_file_one(office: Office) -> None:
    signoff = office.services.signoff
    office.services.reports.submit(office.viewer(OFFICER), "1", 100, "已完成")
    for _ in range(ROUNDS):
        results = at_once(
            lambda: signoff.request(office.viewer(OFFICER), "1", "已完成整改"),
            lambda: signoff.request(office.viewer(OFFICER), "1", "已完成整改"),
        )
        assert refused(results) == ["signoff/already_open"], results
        signoff.withdraw(office.viewer(OFFICER), "1", "")
    with office.services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SignOffRequest)) == ROUNDS


def test_an_extension_approved_and_refused_at_once(office: Office) -> None:
    extensions = office.services.extensions
    deadline = date(2027, 12, 31)
    for n in range(ROUNDS):
        later = deadline + timedelta(days=30 * (n + 1))
        view = extensions.request(office.viewer(OFFICER), f"1 {later.isoformat()} 汛期施工受阻")
        results = at_once(
            partial(extensions.decide, office.viewer(REVIEWER), view.id, True),
            partial(extensions.decide, office.viewer(SECOND_REVIEWER), view.id, False),
        )
        assert refused(results) == ["extension/decided"], results
        with office.services.sessions() as session:
            extension = session.get(DeadlineExtension, view.id)
            item = session.scalars(select(Item)).one()
            assert extension is not None
            approved = extension.status == ExtensionStatus.APPROVED
            assert approved == (not isinstance(results[0], str))
            assert item.deadline == (later if approved else deadline)  # moved exactly when approved
            deadline = item.deadline


def test_a_spot_check_confirmed_and_reopened_at_once(office: Office, services: Services) -> None:
    spotchecks = services.spotchecks
    request_id = office.under_review()
    services.signoff.approve(office.viewer(REVIEWER), request_id)
    today = services.office.today()
    for n in range(ROUNDS):
        with services.sessions() as session, session.begin():
            item = session.scalars(select(Item)).one()
            check = SpotCheck(item_id=item.id, due_on=today - timedelta(days=n), status=SpotCheckStatus.DUE)
            session.add(check)
            session.flush()
            check_id = check.id
        reopen_on = today + timedelta(days=90 + n)
        results = at_once(
            partial(spotchecks.confirm, office.viewer(REVIEWER), check_id),
            partial(
                spotchecks.reopen_on_check,
                office.viewer(SECOND_REVIEWER),
                check_id,
                f"{reopen_on.isoformat()} 问题反弹",
            ),
        )
        assert len(refused(results)) == 1, results
        with services.sessions() as session:
            check_row = session.get(SpotCheck, check_id)
            item = session.scalars(select(Item)).one()
            assert check_row is not None
            reopened = check_row.status == SpotCheckStatus.REOPENED
            assert reopened == isinstance(results[0], str)
            assert (item.signed_off_at is None) == reopened  # reopened exactly when the reopening won
        if reopened:
            return
