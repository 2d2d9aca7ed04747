"""Values reported on the indicators (指标台账) and what the store says of them: the verdicts every view reads
(`services.indicators.verdicts`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ledger.actor import Actor
from ledger.indicator_progress import TrackState
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
from services.indicators import verdicts
from storage import indicator_queries

TEST = Actor.system("test")
GOOD_DAYS = IndicatorSpec(
    name="全市空气质量优良天数比例",
    unit="%",
    attribute=Attribute.BINDING,
    direction=Direction.FLOOR,
    target=84,
    target_year=2020,
    responsible_unit="市生态环境局",
    aggregation=Aggregation.ANNUAL_MEAN,
)
PM25 = IndicatorSpec(
    name="细颗粒物(PM2.5)浓度",
    unit="微克/立方米",
    attribute=Attribute.BINDING,
    direction=Direction.CEILING,
    baseline=24,
    baseline_year=2020,
    target=21,
    target_year=2025,
    responsible_unit="市生态环境局",
    aggregation=Aggregation.ANNUAL_MEAN,
)
FOREST = IndicatorSpec(name="森林覆盖率", unit="%", attribute=Attribute.EXPECTED, target=46, target_year=2025)


def import_indicators(services: Services, *specs: IndicatorSpec) -> None:
    outcome = services.ledger.import_ledger(ParsedLedger(indicators=list(specs)), actor=TEST, dry_run=False)
    assert outcome.errors == []


def test_verdicts_judge_every_indicator_on_the_values_stored(services: Services) -> None:
    import_indicators(services, GOOD_DAYS, PM25, FOREST)
    january = Period.of(Frequency.MONTHLY, date(2021, 1, 1))
    with services.sessions() as session, session.begin():
        good_days = indicator_queries.indicators_by_name(session, [GOOD_DAYS.name])[GOOD_DAYS.name]
        now = datetime(2021, 2, 2, 2, 0, tzinfo=UTC)
        indicator_queries.add_reading(session, good_days, IndicatorValue(january, 80.6), TEST, now)
    with services.sessions() as session:
        found = verdicts(session, date(2021, 2, 3))
    assert [(i.name, v.state) for i, v in found] == [
        (GOOD_DAYS.name, TrackState.OFF_TRACK),
        (PM25.name, TrackState.UNREPORTED),
        (FOREST.name, TrackState.NOT_JUDGED),
    ]
    assert (found[0][1].value, found[0][1].path) == (80.6, 84)
