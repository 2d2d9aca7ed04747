"""The work calendar at chosen dates: 国庆, make-up Saturdays, admin overrides, unknown years."""

from __future__ import annotations

from datetime import date

from scheduler.calendar import WorkCalendar


def test_national_day_and_make_up_days_2026() -> None:
    calendar = WorkCalendar()
    assert not calendar.is_working_day(date(2026, 10, 1))
    assert not calendar.is_working_day(date(2026, 10, 7))
    assert calendar.is_working_day(date(2026, 10, 8))
    # 调休: Sunday 20 September and Saturday 10 October 2026 are working days.
    assert calendar.is_working_day(date(2026, 9, 20))
    assert calendar.is_working_day(date(2026, 10, 10))
    assert not calendar.is_working_day(date(2026, 10, 11))
    assert calendar.missing_years == set()


def test_three_working_days_skip_national_day_and_count_the_make_up_saturday() -> None:
    calendar = WorkCalendar()
    # Tuesday 29 September + 3 working days: 30 Sep, then 8 Oct, 9 Oct.
    assert calendar.add_working_days(date(2026, 9, 29), 3) == date(2026, 10, 9)
    # Friday 9 October + 1: the make-up Saturday 10 October.
    assert calendar.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert calendar.add_working_days(date(2026, 10, 9), -3) == date(2026, 9, 29)
    assert calendar.working_days_between(date(2026, 9, 29), date(2026, 10, 9)) == 3
    assert calendar.working_days_between(date(2026, 10, 9), date(2026, 9, 29)) == -3


def test_next_working_day() -> None:
    calendar = WorkCalendar()
    assert calendar.next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)
    assert calendar.next_working_day(date(2026, 10, 8)) == date(2026, 10, 8)
    assert calendar.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 8)


def test_admin_overrides_win() -> None:
    calendar = WorkCalendar({date(2026, 10, 8): False, date(2026, 10, 11): True})
    assert not calendar.is_working_day(date(2026, 10, 8))
    assert calendar.is_working_day(date(2026, 10, 11))


def test_unknown_year_falls_back_to_weekdays_and_says_so() -> None:
    calendar = WorkCalendar()
    assert calendar.is_working_day(date(2031, 1, 6))  # a Monday
    assert not calendar.is_working_day(date(2031, 1, 5))  # a Sunday
    assert calendar.missing_years == {2031}
