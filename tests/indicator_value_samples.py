"""Sample parameters of the templates of indicator values, their dispatch and their ladder (merged into
`tests.message_samples.SAMPLES`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.indicator_progress import TrackState, Verdict
from ledger.indicators import Direction, IndicatorValue, Period
from services.indicators import RowRefusal, ValueImported, ValueReported, ValuesImport

MARCH = Period(date(2024, 3, 1), date(2024, 3, 31))
OFF = Verdict(TrackState.OFF_TRACK, "PM2.5", "微克/立方米", 2024, 23, True, 21.6, 21, 2025, Direction.CEILING)
UNREPORTED = Verdict(TrackState.UNREPORTED, "优良天数比例", "%", target=84, target_year=2020, due=MARCH)
_NAMED = {"name": "PM2.5浓度", "value": "230", "unit": "微克/立方米"}

# A values sheet as a dry run reads it: a new value, a correction, and one already recorded.
_IMPORTED = ValuesImport(
    dry_run=True,
    values=[
        ValueImported(2, 1, "PM2.5", "微克/立方米", IndicatorValue(MARCH, 23, source="监测站"), None, False),
        ValueImported(3, 2, "优良天数比例", "%", IndicatorValue(MARCH, 84), 80.6, False),
        ValueImported(4, 3, "森林覆盖率", "%", IndicatorValue(MARCH, 12.6), 12.6, True),
    ],
    refused=[RowRefusal(5, "indicator/bad_value", {"text": "abc", "unit": "%"})],
)

INDICATOR_VALUE_SAMPLES: dict[str, dict[str, Any]] = {
    "chat/indicator/recorded": {
        "r": ValueReported(1, "PM2.5浓度", "微克/立方米", MARCH, 23, 24.5, False, OFF)
    },
    "errors/indicator/usage": {},
    "errors/indicator/none": {},
    "errors/indicator/unknown": {"text": "臭氧", "count": 2},
    "errors/indicator/ambiguous": {"text": "比例", "names": ["1 优良天数比例", "3 水质优良比例"]},
    "errors/indicator/not_responsible": {"name": "PM2.5浓度", "unit": "市生态环境局"},
    "errors/indicator/bad_value": {"text": "二十三", "unit": "微克/立方米"},
    "errors/indicator/wrong_unit": {"name": "PM2.5浓度", "unit": "微克/立方米", "written": "%"},
    "errors/indicator/bad_period": {"text": "2024年13月", "frequency": "monthly", "today": date(2024, 4, 2)},
    "errors/indicator/period_twice": {"first": MARCH, "second": "4月"},
    "errors/indicator/period_not_ended": {"period": MARCH, "frequency": "monthly"},
    "errors/indicator/negative": _NAMED,
    "errors/indicator/above_100": {"name": "优良天数比例", "value": "120"},
    "errors/indicator/far_from_plan": {**_NAMED, "baseline": "24", "target": "21", "factor": 3},
    "errors/indicator/duplicate_in_sheet": {"number": 1, "name": "PM2.5浓度", "period": MARCH, "first": 2},
    "cli/values_sheet_title": {},
    "cli/values_template_written": {"path": "values.xlsx", "count": 19},
    "cli/values_summary": {
        "outcome": _IMPORTED, "errors": [], "warnings": ["第1行（表头）：表格中有未识别的列“备注”"],
    },
    "notify/indicator_ask": {
        "number": 1, "name": "优良天数比例", "unit": "%", "period": MARCH, "due": date(2024, 4, 5)
    },
    "notify/indicator_warning": {
        "number": 2, "name": "PM2.5浓度", "level": 2, "unit_name": "市生态环境局", "verdict": OFF,
        "streak": 2, "unreported": 0, "period": MARCH,
    },
}  # fmt: skip
