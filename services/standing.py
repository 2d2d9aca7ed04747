"""Where items stand on a day: the one place the services turn stored rows into statuses.

Every list, card, count, digest, notice, page, export and the ladder asks `Standings.of` (or `one`): it
reads the facts the status depends on (percent, reports, start, deadline, continuing, sign-off requests,
sign-off, reopening), asks `ledger.status.item_status` with the office's tolerance, and adds what goes
with the status: the item's timing against its deadline and its dispatch period (调度期), from the
office's `dispatch_days` or the item's own cadence (`/cadence`), on the work calendar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from ledger.model import ItemStatus
from ledger.schedule import DeadlineState, Timing, deadline_state
from ledger.status import expected_percent, is_stalled, item_status
from scheduler.calendar import WorkCalendar
from scheduler.rules import Rules, dispatch_period_start
from services.office import CADENCE, Office
from storage import queries, setting_queries
from storage.models import Item
from storage.queries import ItemFactColumns


@dataclass(frozen=True)
class Standing:
    """An item on a day: its status, its timing, its last report and its dispatch period."""

    status: ItemStatus
    percent: int  # on the day (today: the row's own)
    state: DeadlineState  # against its deadline on the day, as extended
    last_report: date | None  # the day of its latest progress report, in the office's zone
    period_start: date  # the first day of its current dispatch period
    expected_percent: int | None  # 序时进度 on the day; None without one (continuing, no deadline)

    @property
    def stalled(self) -> bool:
        """未报送: still chased, and no progress report since its dispatch period began."""
        return is_stalled(self.status, self.last_report, self.period_start)

    @property
    def days_overdue(self) -> int:
        return self.state.days if self.state.timing == Timing.OVERDUE else 0


class OfficeDay:
    """A day as the office's rules see it: the schedule tolerance, and the dispatch periods (the office's
    `dispatch_days`, and the items' own cadences) on the work calendar. Read once, used for every item."""

    def __init__(
        self, today: date, rules: Rules, cadences: dict[str, tuple[int, ...]], calendar: WorkCalendar
    ) -> None:
        self.today = today
        self.tolerance = rules.schedule_tolerance
        self._office_days = tuple(rules.dispatch_days)
        self._cadences = cadences
        self._calendar = calendar
        self._starts: dict[tuple[int, ...], date] = {}

    def period_start(self, number: str | None = None) -> date:
        """The first day of the dispatch period `today` falls in, for the item numbered `number` (its own
        cadence, else the office's dispatch days), or for the office (None)."""
        days = self._cadences.get(number, self._office_days) if number is not None else self._office_days
        if days not in self._starts:
            self._starts[days] = dispatch_period_start(self.today, days, self._calendar)
        return self._starts[days]


class Standings:
    def __init__(self, office: Office) -> None:
        self._office = office

    def today(self) -> date:
        return self._office.today()

    def day(
        self,
        session: Session,
        day: date | None = None,
        *,
        rules: Rules | None = None,
        calendar: WorkCalendar | None = None,
    ) -> OfficeDay:
        """`day` (default: today) as the office's rules and calendar see it (`rules`, `calendar`: when the
        caller has read them already, as the day's run has)."""
        cadences: dict[str, list[int]] = setting_queries.setting(session, CADENCE) or {}
        return OfficeDay(
            day or self.today(),
            rules or self._office.rules(session),
            {number: tuple(days) for number, days in cadences.items()},
            calendar or self._office.calendar(session),
        )

    def of(
        self, session: Session, items: Sequence[ItemFactColumns], day: date | OfficeDay | None = None
    ) -> dict[int, Standing]:
        """Each item's standing, by item id: today (default) from the rows' facts; on a past day, as it
        stood at that day's end, from the store's history (`queries.item_facts_as_of`). The items are
        `Item`s or, where a whole ledger is judged, `queries.ItemRow`s."""
        office_day = day if isinstance(day, OfficeDay) else self.day(session, day)
        today, day = self.today(), office_day.today
        ids = [item.id for item in items]
        if day >= today:
            reports = queries.last_report_dates(session, ids)
            open_signoff = queries.items_with_open_signoff(session, ids)
            facts = {
                item.id: queries.item_facts(
                    item, reported=item.id in reports, signoff_open=item.id in open_signoff
                )
                for item in items
            }
        else:
            until = datetime.combine(day + timedelta(days=1), time(), self._office.tz)
            reports = queries.last_report_dates(session, ids, before=until)
            facts = queries.item_facts_as_of(session, items, until)
        result: dict[int, Standing] = {}
        for item in items:
            fact = facts[item.id]
            status = item_status(fact, day, office_day.tolerance)
            reported = reports.get(item.id)
            result[item.id] = Standing(
                status=status,
                percent=fact.percent,
                state=deadline_state(fact.deadline, status, day),
                last_report=self._office.local_day(reported) if reported is not None else None,
                period_start=office_day.period_start(item.number),
                expected_percent=expected_percent(fact.start, fact.deadline, fact.continuing, day),
            )
        return result

    def one(self, session: Session, item: Item, day: OfficeDay | None = None) -> Standing:
        """The item's standing today (`day`: today as read already, when the caller asks more than once)."""
        return self.of(session, [item], day)[item.id]
