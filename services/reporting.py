"""The data of the reports, as plain dataclasses: the month's dispatch notice (调度通报), the public page
(信息公开) and the progress of every unit (the chart). Read only; no names of people in any of them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from ledger.errors import DubanError
from ledger.reporting import (
    Issuer,
    Month,
    MonthReport,
    NoticeContext,
    PublicReport,
    ReportItem,
    UnitProgress,
    by_progress,
    month_events,
    month_report,
    report_item,
    summary_of,
    unit_progress,
)
from messages.render import DEFAULT_LOCALE, Renderer
from reports.chart import progress_chart
from reports.month import month_notice as notice_docx
from reports.public import public_page as page_html
from scheduler.rules import next_dispatch_day
from services.indicator_views import indicator_board
from services.ledger import LedgerService
from services.office import Office
from services.standing import Standings
from storage import report_queries


class ReportingService:
    def __init__(
        self,
        office: Office,
        ledger: LedgerService,
        standings: Standings,
        renderer: Renderer,
        issuer: Issuer,
    ) -> None:
        self._office = office
        self._ledger = ledger
        self._standings = standings
        self._renderer = renderer
        self._issuer = issuer

    def today(self) -> date:
        return self._office.today()

    def month(self, month: Month | None = None) -> MonthReport:
        """The notice of `month` (default: the current one); a month that has not begun is refused."""
        today = self.today()
        month = month or Month.of(today)
        if month.first > today:
            raise DubanError("report_month_future", month=f"{month.year}-{month.month:02d}")
        as_of = min(month.last, today)
        tz = self._office.tz
        # What was stored by the end of the notice's day: a past month's notice says what was known then.
        until = datetime.combine(as_of + timedelta(days=1), time(), tz)
        with self._office.sessions() as session:
            start = self._standings.day(session, as_of).period_start()
            rules = self._office.rules(session)
            calendar = self._office.calendar(session)
            happened = report_queries.month_events(
                session,
                datetime.combine(month.first, time(), tz),
                until,
                (month.first, as_of + timedelta(days=1)),
            )
            order = report_queries.unit_order(session)
            indicators = indicator_board(session, as_of, until)
        items = self._items(as_of if as_of < today else None)
        next_dispatch = next_dispatch_day(as_of, rules.dispatch_days, calendar)
        context = NoticeContext(
            issuer=self._issuer,
            events=month_events(happened, [item.number for item in items]),
            next_dispatch=next_dispatch,
            answer_due=calendar.add_working_days(next_dispatch, rules.answer_within),
            unit_order=order,
            indicators=indicators if indicators.lines else None,
        )
        return month_report(month, as_of, start, items, context)

    def public(self) -> PublicReport:
        items = self._items()
        return PublicReport(as_of=self.today(), summary=summary_of(items), items=items)

    def unit_progress(self, *, ordered_by_progress: bool = False) -> list[UnitProgress]:
        """Every responsible unit's progress today (what the chart shows), in the office's order of its
        units, or from the least advanced to the most."""
        with self._office.sessions() as session:
            order = report_queries.unit_order(session)
        rows = unit_progress(self._items(), order)
        return by_progress(rows) if ordered_by_progress else rows

    def _items(self, as_of: date | None = None) -> tuple[ReportItem, ...]:
        return tuple(report_item(row) for row in self._ledger.rows(as_of=as_of))

    def month_notice(self, month: Month | None, locale: str) -> tuple[MonthReport, bytes]:
        """The month's notice and its .docx."""
        report = self.month(month)
        return report, notice_docx(report, self._renderer, locale=locale)

    def public_page(self, locale: str) -> tuple[PublicReport, str]:
        """The public page's data and its HTML."""
        report = self.public()
        return report, page_html(report, self._renderer, locale=locale)

    def chart(self, locale: str = DEFAULT_LOCALE, *, ordered_by_progress: bool = False) -> bytes:
        """The progress chart of every unit today (.png)."""
        rows = self.unit_progress(ordered_by_progress=ordered_by_progress)
        return progress_chart(rows, self.today(), self._renderer, locale=locale)
