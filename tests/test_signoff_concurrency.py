"""Two decisions on one sign-off request at the same moment, on PostgreSQL, where transactions run side by
side: the second waits for the first to end and then sees what it did, so a request is never both
withdrawn and approved. (`tests/test_decisions_once.py` runs every pair of decisions at once on both stores.)"""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select, text

from ledger.access import Viewer
from ledger.errors import DubanError
from ledger.model import Role
from services.accounts import TelegramUser
from services.container import Services
from storage.review import SignOffRequest, SignOffReview, SignOffStatus
from tests.closing_helpers import one_supervised_item

OFFICER, LEADER, REVIEWER = 1, 2, 3


def _under_review(services: Services) -> int:
    """Item 1 of 市住建局 supervised by 整改办, its request filed and confirmed; the request id."""
    one_supervised_item(
        services,
        date(2026, 12, 31),
        [
            (OFFICER, "张伟", Role.OFFICER, "市住建局"),
            (LEADER, "李局长", Role.LEADER, "市住建局"),
            (REVIEWER, "王督导", Role.SUPERVISOR, "整改办"),
        ],
    )
    request_id = services.signoff.request(_viewer(services, OFFICER), "1", "100% 已完成").request_id
    services.signoff.confirm(_viewer(services, LEADER), request_id)
    return request_id


def _viewer(services: Services, user: int) -> Viewer:
    return services.accounts.viewer(TelegramUser(user, str(user), None))


def _waiting_for_a_lock(services: Services) -> bool:
    with services.engine.connect() as connection:
        waiting = connection.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        ).scalar_one()
    return bool(waiting)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_an_approval_waits_for_a_withdrawal_under_way_and_then_finds_nothing_to_decide(
    services: Services,
) -> None:
    request_id = _under_review(services)
    reviewer = _viewer(services, REVIEWER)
    outcome: list[object] = []

    def approve() -> None:
        try:
            outcome.append(services.signoff.approve(reviewer, request_id))
        except DubanError as error:
            outcome.append(error.code)

    # A withdrawal under way: its transaction holds the request and has changed it, not yet committed.
    with services.sessions() as session, session.begin():
        request = session.get(SignOffRequest, request_id, with_for_update=True)
        assert request is not None
        request.status = SignOffStatus.WITHDRAWN
        session.flush()
        approving = threading.Thread(target=approve)
        approving.start()
        deadline = time.monotonic() + 10
        while not _waiting_for_a_lock(services):
            assert approving.is_alive(), f"the approval did not wait: {outcome}"
            assert time.monotonic() < deadline, "the approval never reached the request's lock"
            time.sleep(0.01)
    approving.join(timeout=10)
    assert outcome == ["signoff/not_under_review"]
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SignOffReview)) == 0
        withdrawn = session.get(SignOffRequest, request_id)
        assert withdrawn is not None
        assert withdrawn.status == SignOffStatus.WITHDRAWN
