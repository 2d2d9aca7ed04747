"""The queries of the indicator ledger (指标台账) and the mapping between its rows and `IndicatorSpec`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.actor import Actor
from ledger.indicators import IndicatorSpec, IndicatorValue, Period
from storage import indicator_view_queries as ivq
from storage.indicator_tables import Indicator, IndicatorEscalation, IndicatorReading
from storage.models import Unit


def all_indicators(session: Session) -> list[Indicator]:
    """Every indicator, in the order of the plan's table (`indicator_view_queries.indicators_known`)."""
    return ivq.indicators_known(session)


def indicators_by_name(session: Session, names: list[str]) -> dict[str, Indicator]:
    if not names:
        return {}
    return {i.name: i for i in session.scalars(select(Indicator).where(Indicator.name.in_(names)))}


def indicator_to_spec(row: Indicator) -> IndicatorSpec:
    return IndicatorSpec(
        name=row.name,
        category=row.category,
        unit=row.unit,
        attribute=row.attribute,
        direction=row.direction,
        baseline=row.baseline,
        baseline_year=row.baseline_year,
        target=row.target,
        target_year=row.target_year,
        target_text=row.target_text,
        responsible_unit=row.responsible_unit.name if row.responsible_unit else None,
        frequency=row.frequency,
        aggregation=row.aggregation,
    )


def write_indicator(row: Indicator, spec: IndicatorSpec, unit: Unit | None, position: int) -> None:
    """Set the row's fields to what the spec says (its name is its identity and stays)."""
    row.name = spec.name
    row.position = position
    row.category = spec.category
    row.unit = spec.unit
    row.attribute = spec.attribute
    row.direction = spec.direction
    row.baseline = spec.baseline
    row.baseline_year = spec.baseline_year
    row.target = spec.target
    row.target_year = spec.target_year
    row.target_text = spec.target_text
    row.responsible_unit = unit
    row.frequency = spec.frequency
    row.aggregation = spec.aggregation


def add_reading(
    session: Session, indicator: Indicator, value: IndicatorValue, actor: Actor, now: datetime
) -> None:
    """Record a value reported for one of the indicator's periods, by whom (as the audit log names them)."""
    session.add(
        IndicatorReading(
            indicator_id=indicator.id,
            period_start=value.period.start,
            period_end=value.period.end,
            value=value.value,
            reported_by=str(actor),
            source=value.source,
            created_at=now,
        )
    )


def readings(session: Session, indicator: Indicator) -> list[IndicatorValue]:
    """The values reported on the indicator, in the order they came: a later one for a period corrects it."""
    return readings_of(session, [indicator.id])[indicator.id]


def readings_of(session: Session, indicator_ids: list[int]) -> dict[int, list[IndicatorValue]]:
    """The values reported on each of the indicators, in the order they came (see `readings`), as
    `indicator_view_queries` reads them."""
    return {
        indicator_id: [reading.value for reading in stored]
        for indicator_id, stored in ivq.readings_of_ids(session, indicator_ids).items()
    }


def escalated_periods(session: Session, indicator_ids: list[int]) -> dict[int, set[Period]]:
    """For each indicator, the periods a level of its ladder was issued for (one per period)."""
    found: dict[int, set[Period]] = {i: set() for i in indicator_ids}
    if not indicator_ids:
        return found
    rows = session.execute(
        select(
            IndicatorEscalation.indicator_id, IndicatorEscalation.period_start, IndicatorEscalation.period_end
        ).where(IndicatorEscalation.indicator_id.in_(indicator_ids))
    )
    for indicator_id, start, end in rows:
        found[indicator_id].add(Period(start, end))
    return found
