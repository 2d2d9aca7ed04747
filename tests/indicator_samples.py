"""An indicator ledger (指标台账) for the tests of what shows it: six indicators of a 2025–2030 plan in three
categories, with monthly values of 2026 reported by an officer and by the command line, one of them
corrected, so that on 20 November 2026 (the harness clock's day) one is off track, one on track, one
unreported, one binding without a number, and two are not binding (one expected, one without attribute).

The tests never write the expected states down: they ask `judge` what the store's values say."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from ledger.actor import Actor
from ledger.indicator_progress import Verdict, judge
from ledger.indicators import (
    Aggregation,
    Attribute,
    Direction,
    Frequency,
    IndicatorSpec,
    IndicatorValue,
    Period,
)
from ledger.model import ParsedLedger
from services.container import Services
from storage import indicator_queries
from storage.indicator_tables import Indicator, IndicatorReading

UNIT = "市生态环境局"
PM25 = IndicatorSpec(
    name="细颗粒物(PM2.5)浓度", category="环境质量", unit="微克/立方米", attribute=Attribute.BINDING,
    direction=Direction.CEILING, baseline=24, baseline_year=2025, target=21, target_year=2030,
    responsible_unit=UNIT, aggregation=Aggregation.ANNUAL_MEAN,
)  # fmt: skip
PM10 = IndicatorSpec(
    name="可吸入颗粒物(PM10)浓度", category="环境质量", unit="微克/立方米", attribute=Attribute.EXPECTED,
    direction=Direction.CEILING, baseline=60, baseline_year=2025, target=55, target_year=2030,
    responsible_unit=UNIT, aggregation=Aggregation.ANNUAL_MEAN,
)  # fmt: skip
GOOD_DAYS = IndicatorSpec(
    name="优良天数比率", category="环境质量", unit="%", attribute=Attribute.BINDING, direction=Direction.FLOOR,
    baseline=84, baseline_year=2025, target=90, target_year=2030, responsible_unit=UNIT,
    aggregation=Aggregation.ANNUAL_MEAN,
)  # fmt: skip
WATER = IndicatorSpec(
    name="地表水优良水体比例", category="环境质量", unit="%", attribute=Attribute.BINDING,
    direction=Direction.FLOOR, baseline=80, baseline_year=2025, target=85, target_year=2030,
    responsible_unit="市水务局",
)  # fmt: skip
CARBON = IndicatorSpec(
    name="单位地区生产总值二氧化碳排放降低", category="绿色低碳", unit="%", attribute=Attribute.BINDING,
    target_text="完成上级下达目标", target_year=2030,
)  # fmt: skip
FOREST = IndicatorSpec(
    name="森林覆盖率", category="生态保护", unit="%", direction=Direction.FLOOR, baseline=12.5,
    baseline_year=2025, target=13, target_year=2030,
)  # fmt: skip
SPECS = (PM25, PM10, GOOD_DAYS, WATER, CARBON, FOREST)

# Monthly values of 2026, January first; PM2.5's October is corrected (27 first, then 26).
MONTHLY = {
    PM25.name: (40, 35, 28, 24, 20, 18, 17, 19, 23, 27),
    PM10.name: (70, 66, 60, 55, 50, 48, 45, 47, 52, 58),
    GOOD_DAYS.name: (80, 83, 88, 90, 92, 93, 95, 94, 91, 86),
    WATER.name: (82, 82, 83, 83, 84, 84, 85, 85),  # nothing since August: unreported in November
    FOREST.name: (12.6, 12.6, 12.7),
}
CORRECTION = (PM25.name, 10, 26.0)
OFFICER_NAME = "王芳"


def month(m: int, year: int = 2026) -> Period:
    return Period.of(Frequency.MONTHLY, date(year, m, 1))


def reported_at(m: int) -> datetime:
    """A month's value came on the 5th of the month after it."""
    return datetime(2026 + m // 12, m % 12 + 1, 5, 2, 0, tzinfo=UTC)


def indicator_ledger(services: Services, officer: Actor) -> None:
    """Import the six indicators and store their values: the officer reports PM2.5 and 优良天数比率, the
    command line the rest (a clerk's spreadsheet); the PM2.5 correction comes on 10 November."""
    services.ledger.import_ledger(
        ParsedLedger(indicators=list(SPECS)), actor=Actor.system("test"), dry_run=False
    )
    with services.sessions() as session, session.begin():
        rows = indicator_queries.indicators_by_name(session, [spec.name for spec in SPECS])
        for name, values in MONTHLY.items():
            actor = officer if name in (PM25.name, GOOD_DAYS.name) else Actor.system("cli")
            for m, value in enumerate(values, start=1):
                indicator_queries.add_reading(
                    session,
                    rows[name],
                    IndicatorValue(month(m), value, source="市环境监测站"),
                    actor,
                    reported_at(m),
                )
        name, m, value = CORRECTION
        indicator_queries.add_reading(
            session, rows[name], IndicatorValue(month(m), value, source="复核更正"), officer,
            datetime(2026, 11, 10, 2, 0, tzinfo=UTC),
        )  # fmt: skip


def stored_values(services: Services, name: str, until: datetime | None = None) -> list[IndicatorValue]:
    """The values the store holds for the indicator (those stored before `until`), in the order they came,
    read from its table here rather than through the code under test."""
    statement = (
        select(IndicatorReading)
        .join(Indicator, Indicator.id == IndicatorReading.indicator_id)
        .where(Indicator.name == name)
        .order_by(IndicatorReading.created_at, IndicatorReading.id)
    )
    if until is not None:
        statement = statement.where(IndicatorReading.created_at < until)
    with services.sessions() as session:
        return [
            IndicatorValue(Period(row.period_start, row.period_end), row.value, row.reported_by, row.source)
            for row in session.scalars(statement)
        ]


def verdicts(services: Services, on: date, until: datetime | None = None) -> dict[str, Verdict]:
    """What `judge` says of each indicator on the day, from the store's values."""
    return {spec.name: judge(spec, stored_values(services, spec.name, until), on) for spec in SPECS}
