"""The China work calendar: public holidays and make-up working days (调休), with the office's overrides.

Holidays come from the `chinese_calendar` package, which knows each year once the State Council has
announced it. For a year it does not know, weekdays are used and the year is remembered in
`missing_years`, so the caller can tell the admins instead of guessing silently.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date, timedelta

import chinese_calendar

WEEKEND = (5, 6)


@functools.lru_cache(maxsize=4096)
def package_working_day(day: date) -> bool | None:
    """Whether the package says `day` is a working day; None for a year it has no data for.

    Cached: the package is slow, and counting working days asks it about the same days again and again.
    """
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


class WorkCalendar:
    """Working days: an admin override first, then the package, then plain weekdays."""

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        source: Callable[[date], bool | None] = package_working_day,
    ) -> None:
        self._overrides = dict(overrides or {})
        self._source = source
        self.missing_years: set[int] = set()

    def is_working_day(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        known = self._source(day)
        if known is None:
            self.missing_years.add(day.year)
            return day.weekday() not in WEEKEND
        return known

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """The working day `count` working days after `day` (before it when negative).

        `add_working_days(d, 0)` is `d` moved forward to a working day.
        """
        if count == 0:
            return self.next_working_day(day)
        step = timedelta(days=1 if count > 0 else -1)
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count
