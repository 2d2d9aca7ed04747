"""The data of the reports, as plain dataclasses: the month's dispatch notice (调度通报), the public page
(信息公开) and the progress of every unit (the chart). Read only; no names of people in any of them."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from ledger.clock import Clock
from ledger.errors import DubanError
from ledger.reporting import (
    Month,
    MonthReport,
    PublicReport,
    ReportItem,
    UnitProgress,
    month_report,
    report_item,
    summary_of,
    unit_progress,
)
from messages.render import DEFAULT_LOCALE, Renderer
from reports.chart import progress_chart
from reports.month import month_notice as notice_docx
from reports.public import public_page as page_html
from services.ledger import LedgerService
from services.standing import Standings


class ReportingService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        tz: ZoneInfo,
        ledger: LedgerService,
        standings: Standings,
        renderer: Renderer,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._tz = tz
        self._ledger = ledger
        self._standings = standings
        self._renderer = renderer

    def today(self) -> date:
        return self._clock.now().astimezone(self._tz).date()

    def month(self, month: Month | None = None) -> MonthReport:
        """The notice of `month` (default: the current one); a month that has not begun is refused."""
        today = self.today()
        month = month or Month.of(today)
        if month.first > today:
            raise DubanError("report_month_future", month=f"{month.year}-{month.month:02d}")
        as_of = min(month.last, today)
        with self._sessions() as session:
            start = self._standings.day(session, as_of).period_start()
        return month_report(month, as_of, start, self._items(as_of if as_of < today else None))

    def public(self) -> PublicReport:
        items = self._items()
        return PublicReport(as_of=self.today(), summary=summary_of(items), items=items)

    def unit_progress(self) -> list[UnitProgress]:
        """Every responsible unit's progress today, by name (what the chart shows)."""
        return unit_progress(self._items())

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

    def chart(self, locale: str = DEFAULT_LOCALE) -> bytes:
        """The progress chart of every unit today (.png)."""
        return progress_chart(self.unit_progress(), self._renderer, locale=locale)
