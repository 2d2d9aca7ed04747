"""What people and documents see of the indicator ledger (指标台账): the board of every indicator on a day
(/indicators, the month's notice, the weekly summary, the export), and one indicator in full (/indicator N:
its history of values, its verdict, its chart). Read only; every number is what `judge` says of the values
the store holds (for a past day: held then).

Everyone bound sees the whole ledger: it is the office's own, set by the plan for the whole city, and a
number quoted in a meeting must read the same for the officer who reports it, the supervisor and the
leadership.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from ledger.actor import Actor, ActorKind
from ledger.indicator_board import IndicatorBoard, IndicatorLine, Reading, board, find_line, mark_corrections
from ledger.indicator_progress import latest_per_period
from ledger.indicators import IndicatorValue
from reports.indicator_chart import indicator_chart
from services.office import Office
from storage import indicator_view_queries as ivq
from storage import people_queries
from storage.indicator_queries import indicator_to_spec
from storage.indicator_tables import Indicator


@dataclass(frozen=True)
class JudgedLedger:
    """The indicators as stored (in the ledger's order), their readings as stored, and the board they make
    on a day: each row and its line share a place (`rows[n - 1]` is line number n)."""

    rows: tuple[Indicator, ...]
    readings: dict[int, list[ivq.StoredReading]]
    board: IndicatorBoard


def judged_ledger(session: Session, on: date, until: datetime | None = None) -> JudgedLedger:
    """The one reading of the indicators with their values, judged on the day `on` (`judge`, through the
    board): from what the store holds now, or held before the instant `until` (a past month's notice: the
    indicators then in the ledger and the values then reported). Every view, document and summary, and
    `services.indicators.verdicts`, read the indicators' states from here."""
    rows = ivq.indicators_known(session, until)
    readings = ivq.readings_known(session, rows, until)
    found = board(on, ((indicator_to_spec(row), [r.value for r in readings[row.id]]) for row in rows))
    return JudgedLedger(tuple(rows), readings, found)


def indicator_board(session: Session, on: date, until: datetime | None = None) -> IndicatorBoard:
    """The board on the day `on` (see `judged_ledger`)."""
    return judged_ledger(session, on, until).board


@dataclass(frozen=True)
class IndicatorDetail:
    """One indicator in full: its line on the day, every value reported in the order it came (corrections
    marked), and the values it stands on, one per period, oldest first (what the chart draws)."""

    line: IndicatorLine
    readings: tuple[Reading, ...]
    values: tuple[IndicatorValue, ...]


class IndicatorViews:
    def __init__(self, office: Office) -> None:
        self._office = office

    def board(self) -> IndicatorBoard:
        """Every indicator today, in the ledger's order."""
        with self._office.sessions() as session:
            return indicator_board(session, self._office.today())

    def detail(self, asked: str) -> IndicatorDetail:
        """The indicator `asked` names (its number or name) today; refused when none or several match."""
        today = self._office.today()
        with self._office.sessions() as session:
            judged = judged_ledger(session, today)
            line = find_line(judged.board.lines, asked)
            stored = judged.readings[judged.rows[line.number - 1].id]
            actors = [Actor.parse(r.value.reporter or "") if r.value.reporter else None for r in stored]
            names = people_queries.people_names(session, [a.person_id for a in actors if a is not None])
        history = mark_corrections(
            Reading(r.at, r.value, _who(actor, names)) for r, actor in zip(stored, actors, strict=True)
        )
        per_period = latest_per_period((r.value for r in stored), today)
        return IndicatorDetail(line, history, tuple(per_period[p] for p in sorted(per_period)))

    def chart(self, detail: IndicatorDetail, locale: str) -> bytes | None:
        """The indicator's chart (.png): its values, its target and the straight path from baseline to
        target; None when there is nothing to draw (no value and no numeric target)."""
        return indicator_chart(
            detail.line.spec, detail.values, self._office.today(), self._office.renderer, locale=locale
        )


def _who(actor: Actor | None, names: dict[int, str]) -> str | None:
    """A reporter as people know them: a person's name; the bot's part or tool by its name (cli, demo)."""
    if actor is None:
        return None
    if actor.kind is ActorKind.PERSON and actor.person_id in names:
        return names[actor.person_id]
    return str(actor)
