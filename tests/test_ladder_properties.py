"""Properties of the ladder's rule over generated items, histories and days (hypothesis): what a level
states held in the state it was computed from, and nothing is stated that did not happen."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.model import ItemStatus
from scheduler.calendar import WorkCalendar
from scheduler.reasons import Condition, stated_missed_dispatches
from scheduler.rules import Dispatch, LadderState, Level, Rules, next_escalation, unanswered_in_row

CAL = WorkCalendar()
RULES = Rules()
FIRST = date(2026, 9, 1)
days = st.integers(min_value=0, max_value=150).map(lambda n: FIRST + timedelta(days=n))


@st.composite
def dispatches(draw: st.DrawFn) -> tuple[Dispatch, ...]:
    asked = sorted(draw(st.sets(days, max_size=6)))
    return tuple(
        Dispatch(
            day, CAL.add_working_days(day, RULES.answer_within), draw(st.booleans()), draw(st.booleans())
        )
        for day in asked
    )


@st.composite
def ladder_states(draw: st.DrawFn) -> tuple[LadderState, date]:
    today = draw(days)
    level = draw(st.sampled_from(list(Level)))
    percent = draw(st.integers(min_value=0, max_value=100))
    state = LadderState(
        status=draw(
            st.sampled_from([ItemStatus.IN_PROGRESS, ItemStatus.BEHIND, ItemStatus.OVERDUE, ItemStatus.DONE])
        ),
        deadline=draw(st.none() | days),
        percent=percent,
        level=level,
        level_since=draw(st.none() | days.filter(lambda d: d <= today)) if level else None,
        yellow_count=draw(st.integers(min_value=0, max_value=3)),
        dispatches=draw(dispatches()),
        last_report=draw(st.none() | days),
        last_progress=draw(st.none() | days),
        behind_schedule=draw(st.booleans()),
        expected_percent=draw(st.none() | st.integers(min_value=0, max_value=100)),
        summons_held=draw(st.none() | days),
        reachable=draw(st.booleans()),
    )
    return state, today


def missed(state: LadderState, today: date) -> int:
    """Dispatches that reached the unit, went unanswered, and whose answer time is out."""
    return sum(1 for d in state.dispatches if d.reached and not d.answered and d.due < today)


def held(condition: Condition, state: LadderState, today: date) -> bool:
    """Whether what `condition` states is true of `state` on `today`."""
    key = condition.key
    if key == "dispatch_unanswered":
        return 1 <= condition.count() <= missed(state, today)
    if key == "unanswered_dispatches":
        return (
            condition.count() == unanswered_in_row(state.dispatches, today) >= RULES.yellow_unanswered_in_row
        )
    if key == "behind_schedule":
        return (
            state.behind_schedule
            and condition.fact("actual") == state.percent
            and condition.fact("expected") == state.expected_percent
        )
    if key in ("deadline_passed", "long_overdue"):
        return (
            state.deadline is not None
            and today > state.deadline
            and state.percent < 100
            and condition.fact("days") == CAL.working_days_between(state.deadline, today)
        )
    if key == "deadline_near_low_progress":
        return (
            state.deadline is not None
            and today <= state.deadline
            and condition.fact("days")
            == CAL.working_days_between(today, state.deadline)
            <= RULES.blue_deadline_within
            and state.percent < RULES.blue_percent_below
        )
    if key == "repeated_warnings":
        return condition.count() == state.yellow_count >= RULES.red_yellow_count
    if key == "no_report_at_red":
        since = state.level_since
        return (
            state.level == Level.RED
            and since is not None
            and condition.fact("since") == since.isoformat()
            and condition.fact("days") == CAL.working_days_between(since, today) >= RULES.summons_after
            and not (state.last_report is not None and state.last_report >= since)
        )
    if key == "no_progress_after_summons":
        held_on = state.summons_held
        return (
            held_on is not None
            and held_on <= today
            and condition.fact("held") == held_on.isoformat()
            and condition.fact("days") == CAL.working_days_between(held_on, today) >= RULES.referral_after
            and not (state.last_progress is not None and state.last_progress >= held_on)
        )
    return False


@settings(max_examples=400, deadline=None)
@given(ladder_states())
def test_every_stated_condition_held_and_nothing_more_is_claimed(case: tuple[LadderState, date]) -> None:
    state, today = case
    step = next_escalation(state, today, CAL, RULES)
    if step is None:
        return
    assert step.level > state.level
    assert step.conditions, "a level is issued with the conditions that held"
    for condition in step.conditions:
        assert held(condition, state, today), condition
    # No message states more missed dispatches than reached the unit and went unanswered.
    assert stated_missed_dispatches(step.conditions) <= missed(state, today)
    # No referral without a 约谈 recorded as held before it; no level for an item nobody receives.
    if step.level == Level.REFERRAL:
        assert state.summons_held is not None
        assert state.summons_held <= today
    assert state.reachable
