"""The indicator ledger (指标台账) as the services read and change it: the verdicts of the indicators on a
day (the one place every view, digest and rule reads them from).

The off-track rule itself is pure (`ledger.indicator_progress.judge`); this module feeds it the store.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ledger.indicator_progress import Verdict, judge
from storage import indicator_queries
from storage.indicator_tables import Indicator


def verdicts(session: Session, on: date) -> list[tuple[Indicator, Verdict]]:
    """Every indicator, in the order of the plan's table, with its state on the day `on` as the values
    stored now decide it (`judge`): what `/indicators`, the notice, the weekly summary and the ladder say."""
    indicators = indicator_queries.all_indicators(session)
    values = indicator_queries.readings_of(session, [i.id for i in indicators])
    return [
        (indicator, judge(indicator_queries.indicator_to_spec(indicator), values[indicator.id], on))
        for indicator in indicators
    ]
