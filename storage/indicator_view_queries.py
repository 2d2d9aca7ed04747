"""The one reader of the indicator ledger (指标台账) and its readings, for its views and documents
(/indicators, /indicator N, the month's notice, the weekly summary, the export) and for the services that
change or judge it (`storage.indicator_queries` reads through here): the indicators and their readings as
the store holds them now or held them at an instant, each reading with when it came and who reported it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.indicators import IndicatorValue, Period
from storage.indicator_tables import Indicator, IndicatorReading


@dataclass(frozen=True)
class StoredReading:
    """A reading as stored: its value (the reporter as the audit log names them) and when it came."""

    indicator_id: int
    at: datetime
    value: IndicatorValue


def indicators_known(session: Session, until: datetime | None = None) -> list[Indicator]:
    """Every indicator in the ledger's order (the plan's table), or those already in it before `until`."""
    statement = select(Indicator).order_by(Indicator.position, Indicator.id)
    if until is not None:
        statement = statement.where(Indicator.created_at < until)
    return list(session.scalars(statement))


def readings_known(
    session: Session, indicators: Sequence[Indicator], until: datetime | None = None
) -> dict[int, list[StoredReading]]:
    """The readings of each indicator in the order they came (a later one of a period corrects it), or
    those that came before `until`."""
    return readings_of_ids(session, [indicator.id for indicator in indicators], until)


def readings_of_ids(
    session: Session, indicator_ids: Sequence[int], until: datetime | None = None
) -> dict[int, list[StoredReading]]:
    """`readings_known` of the indicators with these ids."""
    found: dict[int, list[StoredReading]] = {indicator_id: [] for indicator_id in indicator_ids}
    if not found:
        return found
    statement = (
        select(IndicatorReading)
        .where(IndicatorReading.indicator_id.in_(list(found)))
        .order_by(IndicatorReading.created_at, IndicatorReading.id)
    )
    if until is not None:
        statement = statement.where(IndicatorReading.created_at < until)
    for row in session.scalars(statement):
        value = IndicatorValue(
            Period(row.period_start, row.period_end), row.value, row.reported_by, row.source
        )
        found[row.indicator_id].append(StoredReading(row.indicator_id, row.created_at, value))
    return found
