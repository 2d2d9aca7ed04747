"""Sample parameters of the report templates (`reports/…`, `/report_month`, `duban report …`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.model import ItemStatus
from ledger.reporting import Month, PublicReport, ReportItem, UnitProgress, month_report, summary_of

_ITEMS = (
    ReportItem("24.1", "铬污染", ("市住建局",), date(2026, 10, 31), "2026年10月底前", False,
               ItemStatus.OVERDUE, 60, date(2026, 11, 3), 30, stalled=True, period_start=date(2026, 11, 16)),
    ReportItem("25", "黑臭水体", ("市水务局", "市住建局"), None, None, True, ItemStatus.IN_PROGRESS, 40, None, 0,
               stalled=True, period_start=date(2026, 11, 20)),
    ReportItem("26", "<扬尘> & “治理”", (), None, None, False, ItemStatus.SIGNED_OFF, 100, date(2026, 9, 1), 0,
               finding=False),
    ReportItem("27", "无单位", (), date(2026, 10, 1), None, False, ItemStatus.OVERDUE, 0, None, 60, stalled=True),
)  # fmt: skip
_REPORT = month_report(Month(2026, 11), date(2026, 11, 30), date(2026, 11, 16), _ITEMS)
_QUIET = month_report(Month(2026, 11), date(2026, 11, 30), date(2026, 11, 16), _ITEMS[2:3])
_PUBLIC = PublicReport(date(2026, 11, 20), summary_of(_ITEMS), _ITEMS)

REPORT_DOC_SAMPLES: dict[str, dict[str, Any]] = {
    "reports/chart": {"rows": [UnitProgress("市住建局", 3, 62.5), UnitProgress("市水务局", 1, 0.0)]},
    "reports/month_title": {"report": _REPORT},
    "reports/month_opening": {"report": _REPORT},
    "reports/month_table": {},
    "reports/month_row": {"item": _ITEMS[0], "status": "behind"},
    "reports/month_overdue": {"report": _REPORT},
    "reports/month_stalled": {"report": _QUIET},
    "reports/month_closing": {"report": _REPORT},
    "reports/public": {"report": _PUBLIC},
    "chat/reports/month_file_name": {"report": _REPORT},
    "chat/reports/month_caption": {"report": _REPORT},
    "cli/report_month_written": {"path": "通报.docx", "report": _REPORT},
    "cli/report_public_written": {"path": "public.html", "report": _PUBLIC},
    "errors/bad_month": {"value": "2026-13"},
    "errors/report_month_future": {"month": "2027-01"},
}
