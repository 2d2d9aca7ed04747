"""Sample parameters of the indicator ledger's templates (/indicators, /indicator N, the chart, the notice's
and the weekly summary's sections): the sample ledger of `tests.indicator_samples`, judged on its day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from ledger.indicator_board import Reading, board, mark_corrections
from ledger.indicators import IndicatorValue
from services.indicator_views import IndicatorDetail
from tests.indicator_samples import MONTHLY, PM25, SPECS, month

_DAY = date(2026, 11, 20)
_VALUES = {
    spec.name: [IndicatorValue(month(m), v) for m, v in enumerate(MONTHLY.get(spec.name, ()), 1)]
    for spec in SPECS
}
BOARD = board(_DAY, ((spec, _VALUES[spec.name]) for spec in SPECS))
_READINGS = mark_corrections(
    [Reading(datetime(2026, 11, 5, tzinfo=UTC), v, "王芳") for v in _VALUES[PM25.name]]
    + [Reading(datetime(2026, 11, 10, tzinfo=UTC), IndicatorValue(month(10), 26, source="复核更正"), None)]
)
# A line named in Latin letters, for the templates whose English text is mostly the indicator's words.
PLAIN_LINE = board(
    _DAY,
    [(replace(PM25, name="PM2.5", category="air", unit="ug/m3", responsible_unit="EEB"), _VALUES[PM25.name])],
).lines[0]
_DETAIL = IndicatorDetail(BOARD.lines[0], _READINGS, tuple(_VALUES[PM25.name]))

INDICATOR_SAMPLES: dict[str, dict[str, Any]] = {
    "chat/indicators/list": {"board": BOARD},
    "chat/indicators/detail": {"detail": _DETAIL},
    "chat/indicators/usage": {},
    "errors/indicator_unknown": {"asked": "臭氧", "count": 6},
    "errors/indicator_ambiguous": {"asked": "颗粒物", "candidates": [(1, "PM2.5"), (2, "PM10")], "more": 0},
    "reports/indicator_chart": {"spec": PM25, "as_of": _DAY},
    "cli/indicator_sheet_row": {"line": PLAIN_LINE},
    "cli/indicator_ledger_heading": {"office": "嘉峪关市督察整改办", "as_of": _DAY},
}
