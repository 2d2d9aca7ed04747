"""Sample parameters of the report templates (`reports/…`, `/report_month`, `duban report …`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.model import ItemStatus
from ledger.reporting import (
    Issuer,
    Month,
    MonthEvent,
    NoticeContext,
    PublicReport,
    ReportItem,
    UnitProgress,
    month_report,
    summary_of,
)
from ledger.xlsx import LedgerLabels
from tests.indicator_message_samples import BOARD, PLAIN_LINE

_ITEMS = (
    ReportItem("24.1", "铬污染", ("市住建局",), date(2026, 10, 31), "2026年10月底前", False,
               ItemStatus.OVERDUE, 60, date(2026, 11, 3), 30, stalled=True, period_start=date(2026, 11, 16)),
    ReportItem("25", "黑臭水体", ("市水务局", "市住建局"), None, None, True, ItemStatus.IN_PROGRESS, 40, None, 0,
               stalled=True, period_start=date(2026, 11, 20)),
    ReportItem("26", "<扬尘> & “治理”", (), None, None, False, ItemStatus.SIGNED_OFF, 100, date(2026, 9, 1), 0,
               finding=False),
    ReportItem("27", "无单位", (), date(2026, 10, 1), None, False, ItemStatus.OVERDUE, 0, None, 60, stalled=True),
)  # fmt: skip
_CONTEXT = NoticeContext(
    Issuer("Rectification Office 整改办", "the responsible units 各责任单位", Month(2026, 1)),
    (MonthEvent("warning", 2, ("24.1", "27")), MonthEvent("signed_off", 1, ("26",))),
    date(2026, 12, 1),
    date(2026, 12, 4),
    ("市水务局", "市住建局"),
    BOARD,
)
_REPORT = month_report(Month(2026, 11), date(2026, 11, 30), date(2026, 11, 16), _ITEMS, _CONTEXT)

_PUBLIC = PublicReport(date(2026, 11, 20), summary_of(_ITEMS), _ITEMS)

REPORT_DOC_SAMPLES: dict[str, dict[str, Any]] = {
    "reports/chart": {
        "rows": [UnitProgress("市住建局", 3, 62.5, "behind"), UnitProgress("市水务局", 1, 0.0, "overdue")],
        "as_of": date(2026, 11, 20),
    },
    "reports/month_masthead": {"report": _REPORT},
    "reports/month_title": {"report": _REPORT},
    "reports/month_recipients": {"report": _REPORT},
    "reports/month_body": {"report": _REPORT},
    "reports/month_annex": {"report": _REPORT},
    "reports/month_annex_note": {"report": _REPORT},
    "reports/month_indicator_annex": {"report": _REPORT},
    "reports/month_indicator_row": {"line": PLAIN_LINE},
    "reports/month_row": {"item": _ITEMS[0], "status": "behind"},
    "reports/month_signature": {"report": _REPORT},
    "cli/ledger_heading": {"office": "嘉峪关市督察整改办", "as_of": date(2026, 11, 20)},
    "cli/chart_written": {"path": "progress.png"},
    "reports/public": {"report": _PUBLIC},
    "chat/reports/month_file_name": {"report": _REPORT},
    "chat/reports/month_caption": {"report": _REPORT},
    "cli/report_month_written": {"path": "通报.docx", "report": _REPORT},
    "cli/report_public_written": {"path": "public.html", "report": _PUBLIC},
    "errors/bad_month": {"value": "2026-13"},
    "errors/report_month_future": {"month": "2027-01"},
}

# The exported ledger's words as keys, for tests of its layout.
PLAIN_LABELS = LedgerLabels("整改台账", lambda status: status.value, str, str)
