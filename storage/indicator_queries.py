"""The queries of the indicator ledger (指标台账) and the mapping between its rows and `IndicatorSpec`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.indicators import IndicatorSpec
from storage.indicator_tables import Indicator
from storage.models import Unit


def all_indicators(session: Session) -> list[Indicator]:
    """Every indicator, in the order of the plan's table."""
    return list(session.scalars(select(Indicator).order_by(Indicator.position, Indicator.id)))


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
