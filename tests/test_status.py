"""The one status of an item (`ledger.status`): its precedence at chosen facts, and properties over
generated facts and days (Hypothesis): every item in exactly one status, no overdue item on schedule, the
completion rate counted as the plans count it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.model import ItemStatus
from ledger.status import (
    COMPLETED_STATUSES,
    ItemFacts,
    count_statuses,
    expected_percent,
    is_chased,
    item_status,
)

START = date(2026, 1, 1)
DEADLINE = date(2026, 12, 31)
TOLERANCE = 10


def facts(**changes: object) -> ItemFacts:
    base: dict[str, object] = {
        "percent": 0, "reported": False, "start": START, "deadline": DEADLINE, "continuing": False,
        "signoff_open": False, "signed_off": False, "reopened": False,
    }  # fmt: skip
    base.update(changes)
    return ItemFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "today", "expected"),
    [
        ({}, date(2026, 1, 2), ItemStatus.NOT_STARTED),
        ({}, date(2026, 3, 1), ItemStatus.BEHIND),  # 16 % of the time gone, 0 % done: behind, started or not
        # Two days in, 0 → 50 %: on schedule (the answer used to say 进度滞后).
        ({"percent": 50, "reported": True}, date(2026, 1, 3), ItemStatus.ON_SCHEDULE),
        ({"percent": 45, "reported": True}, date(2026, 7, 2), ItemStatus.ON_SCHEDULE),  # 45 ≥ 50 − 10
        ({"percent": 39, "reported": True}, date(2026, 7, 2), ItemStatus.BEHIND),
        ({"percent": 95, "reported": True}, DEADLINE, ItemStatus.ON_SCHEDULE),  # the deadline day itself
        # The day after the deadline, at 95 % (or 99 %): overdue, never on schedule.
        ({"percent": 95, "reported": True}, DEADLINE + timedelta(days=1), ItemStatus.OVERDUE),
        ({"percent": 99, "reported": True}, date(2027, 3, 15), ItemStatus.OVERDUE),
        ({"percent": 100, "reported": True}, date(2027, 3, 15), ItemStatus.BASICALLY_DONE),
        ({"percent": 100, "signoff_open": True}, date(2027, 3, 15), ItemStatus.DONE),
        ({"percent": 100, "signed_off": True}, date(2027, 3, 15), ItemStatus.SIGNED_OFF),
        # A returned or withdrawn sign-off of a 100 % item: basically done again, not in progress.
        ({"percent": 100, "reported": True, "signoff_open": False}, date(2026, 6, 1), ItemStatus.BASICALLY_DONE),
        ({"percent": 30, "reopened": True, "deadline": date(2027, 6, 30)}, date(2027, 3, 1), ItemStatus.REOPENED),
        ({"percent": 30, "reopened": True, "deadline": date(2027, 6, 30)}, date(2027, 7, 1), ItemStatus.OVERDUE),
        ({"percent": 100, "reopened": True}, date(2027, 3, 1), ItemStatus.BASICALLY_DONE),
        # Continuing (长期坚持): no 序时进度, whatever the day.
        ({"continuing": True, "deadline": None}, date(2030, 1, 1), ItemStatus.NOT_STARTED),
        ({"continuing": True, "deadline": None, "percent": 5, "reported": True}, date(2030, 1, 1),
         ItemStatus.IN_PROGRESS),
        ({"deadline": None, "reported": True}, date(2030, 1, 1), ItemStatus.IN_PROGRESS),
        # An extension moves the deadline: the same item is on schedule again.
        ({"percent": 80, "reported": True, "deadline": date(2027, 6, 30)}, date(2027, 1, 15), ItemStatus.ON_SCHEDULE),
    ],
)  # fmt: skip
def test_the_precedence(changes: dict[str, object], today: date, expected: ItemStatus) -> None:
    assert item_status(facts(**changes), today, TOLERANCE) == expected


def test_the_office_tolerance_is_a_rule() -> None:
    halfway = facts(percent=45, reported=True)
    assert item_status(halfway, date(2026, 7, 2), 10) == ItemStatus.ON_SCHEDULE
    assert item_status(halfway, date(2026, 7, 2), 0) == ItemStatus.BEHIND


def test_expected_percent() -> None:
    assert expected_percent(START, DEADLINE, False, date(2026, 7, 1)) == 49  # 181 of 364 days, rounded down
    assert expected_percent(START, DEADLINE, False, date(2025, 6, 1)) == 0
    assert expected_percent(START, DEADLINE, False, date(2028, 1, 1)) == 100
    assert expected_percent(START, START, False, START) == 100
    assert expected_percent(START, None, False, START) is None
    assert expected_percent(START, DEADLINE, True, START) is None


def test_the_jiayuguan_completion_rate() -> None:
    # "已完成18项，基本完成22项…达到序时进度9项，总体任务完成率达到79%" of 62 tasks.
    counts = count_statuses(
        [ItemStatus.SIGNED_OFF] * 18 + [ItemStatus.BASICALLY_DONE] * 22 + [ItemStatus.ON_SCHEDULE] * 9
        + [ItemStatus.BEHIND] * 5 + [ItemStatus.OVERDUE] * 8
    )  # fmt: skip
    assert (counts.total, counts.completed, counts.rate) == (62, 49, 79)
    assert count_statuses([]).rate is None


# ---- properties over generated facts and days ----------------------------------------------------------

DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2031, 12, 31))


@st.composite
def item_facts(draw: st.DrawFn) -> ItemFacts:
    start = draw(DAYS)
    continuing = draw(st.booleans())
    deadline = draw(st.none() | st.integers(-30, 800).map(lambda n: start + timedelta(days=n)))
    percent = draw(st.integers(0, 100) | st.sampled_from([0, 100]))
    signed_off = draw(st.booleans())
    return ItemFacts(
        percent=percent,
        reported=draw(st.booleans()) or percent > 0,
        start=start,
        deadline=deadline,
        continuing=continuing,
        signoff_open=not signed_off and draw(st.booleans()),
        signed_off=signed_off,
        reopened=draw(st.booleans()),
    )


@settings(max_examples=300, deadline=None)
@given(item=item_facts(), today=DAYS, tolerance=st.integers(0, 30))
def test_no_open_item_past_its_deadline_is_anything_but_overdue(
    item: ItemFacts, today: date, tolerance: int
) -> None:
    status = item_status(item, today, tolerance)
    open_item = item.percent < 100 and not item.signed_off and not item.signoff_open
    if open_item and item.deadline is not None and today > item.deadline:
        assert status == ItemStatus.OVERDUE
    if status == ItemStatus.ON_SCHEDULE:
        assert item.deadline is not None
        assert today <= item.deadline
        assert not item.continuing
    if status == ItemStatus.OVERDUE:
        assert item.deadline is not None
        assert today > item.deadline
        assert item.percent < 100
    if status in (ItemStatus.ON_SCHEDULE, ItemStatus.BEHIND):
        assert not item.continuing  # 长期坚持 has no 序时进度
    if item.percent == 100 and not item.signoff_open and not item.signed_off:
        assert status == ItemStatus.BASICALLY_DONE
    assert is_chased(status) == (not item.signed_off and not item.signoff_open)


@settings(max_examples=200, deadline=None)
@given(item=item_facts(), today=DAYS, tolerance=st.integers(0, 30), more=st.integers(1, 100))
def test_more_done_is_never_further_behind(item: ItemFacts, today: date, tolerance: int, more: int) -> None:
    before = item_status(item, today, tolerance)
    raised = ItemFacts(**{**item.__dict__, "percent": min(100, item.percent + more), "reported": True})
    after = item_status(raised, today, tolerance)
    if before == ItemStatus.ON_SCHEDULE:
        assert after in (ItemStatus.ON_SCHEDULE, ItemStatus.BASICALLY_DONE)


@settings(max_examples=200, deadline=None)
@given(items=st.lists(item_facts(), max_size=40), today=DAYS)
def test_the_counts_partition_the_items_and_the_rate_is_the_plans(
    items: list[ItemFacts], today: date
) -> None:
    statuses = [item_status(item, today, TOLERANCE) for item in items]
    counts = count_statuses(statuses)
    assert counts.total == len(items) == sum(count for _, count in counts.listed)
    for status in ItemStatus:
        assert counts.count(status) == statuses.count(status)
    completed = sum(1 for status in statuses if status in COMPLETED_STATUSES)
    assert counts.completed == completed
    if items:
        # Rounded half up, as the plans round (79 % from 49 of 62).
        assert counts.rate == int(100 * completed / len(items) + 0.5 + 1e-9)
    else:
        assert counts.rate is None
