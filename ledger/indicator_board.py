"""What the indicator ledger (指标台账) shows on a day: each indicator's line (its latest value and the
verdict of the off-track rule), the lines by category, the count of the binding ones by state, an
indicator's history of reported values with corrections marked, and finding an indicator by its number
or its name. Pure: the values come in, `judge` (`ledger.indicator_progress`) decides.

An indicator's number (序号) is its place in the ledger's order (the plan's table, as stored), from 1:
what `/indicators` lists, `/indicator N` takes and the exported sheet's 序号 column holds.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ledger.errors import DubanError
from ledger.indicator_progress import TrackState, Verdict, judge, latest_per_period
from ledger.indicators import Attribute, IndicatorSpec, IndicatorValue, Period

_QUOTED = 40  # characters of what was asked for, quoted back in a refusal
_CANDIDATES = 10  # names listed when a name matches several indicators


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator on a day: its number, what the plan says, its latest value known that day (the last
    period's, as corrected; None before any), and the verdict."""

    number: int
    spec: IndicatorSpec
    latest: IndicatorValue | None
    verdict: Verdict

    @property
    def binding(self) -> bool:
        return self.spec.attribute == Attribute.BINDING


def indicator_line(
    number: int, spec: IndicatorSpec, values: Iterable[IndicatorValue], on: date
) -> IndicatorLine:
    """The indicator's line on the day `on`, from the values reported on it in the order they came."""
    entries = list(values)
    known = latest_per_period(entries, on)
    latest = known[max(known)] if known else None
    return IndicatorLine(number, spec, latest, judge(spec, entries, on))


@dataclass(frozen=True)
class CategoryLines:
    """The indicators of one category (类别; None: the plan gives none), in the ledger's order."""

    category: str | None
    lines: tuple[IndicatorLine, ...]


def by_category(lines: Iterable[IndicatorLine]) -> tuple[CategoryLines, ...]:
    """The lines grouped by category, the categories in the order their first indicator comes."""
    groups: dict[str | None, list[IndicatorLine]] = {}
    for line in lines:
        groups.setdefault(line.spec.category, []).append(line)
    return tuple(CategoryLines(category, tuple(group)) for category, group in groups.items())


@dataclass(frozen=True)
class BindingCounts:
    """The binding indicators (约束性指标) by state, each once: they add up to `total`."""

    on_track: int
    off_track: int
    unreported: int
    not_judged: int  # binding, but without a number to hold it against (完成上级下达目标)

    @property
    def total(self) -> int:
        return self.on_track + self.off_track + self.unreported + self.not_judged


@dataclass(frozen=True)
class IndicatorBoard:
    """The whole indicator ledger on a day (`as_of`): every line in the ledger's order."""

    as_of: date
    lines: tuple[IndicatorLine, ...]

    @property
    def categories(self) -> tuple[CategoryLines, ...]:
        return by_category(self.lines)

    @property
    def binding(self) -> tuple[IndicatorLine, ...]:
        return tuple(line for line in self.lines if line.binding)

    @property
    def expected(self) -> int:
        """How many indicators are not binding (预期性, or without an attribute): never judged."""
        return len(self.lines) - len(self.binding)

    @property
    def counts(self) -> BindingCounts:
        states = [line.verdict.state for line in self.binding]
        return BindingCounts(
            on_track=states.count(TrackState.ON_TRACK),
            off_track=states.count(TrackState.OFF_TRACK),
            unreported=states.count(TrackState.UNREPORTED),
            not_judged=states.count(TrackState.NOT_JUDGED),
        )

    def binding_in(self, state: TrackState) -> tuple[IndicatorLine, ...]:
        return tuple(line for line in self.binding if line.verdict.state == state)


def board(as_of: date, entries: Iterable[tuple[IndicatorSpec, Sequence[IndicatorValue]]]) -> IndicatorBoard:
    """The board of the indicators given in the ledger's order, each with its values, numbered from 1."""
    return IndicatorBoard(
        as_of,
        tuple(
            indicator_line(number, spec, values, as_of) for number, (spec, values) in enumerate(entries, 1)
        ),
    )


@dataclass(frozen=True)
class Reading:
    """A value as it was reported: when, by whom (a person's name, else the part of the bot or the tool
    that recorded it), and the value it corrected, when an earlier one of the same period came before."""

    at: datetime
    value: IndicatorValue
    who: str | None
    corrects: float | None = None


def mark_corrections(readings: Iterable[Reading]) -> tuple[Reading, ...]:
    """The readings in the order they came, each later one of a period marked as correcting the one
    before it (更正)."""
    last: dict[Period, float] = {}
    marked = []
    for reading in readings:
        period = reading.value.period
        marked.append(
            Reading(reading.at, reading.value, reading.who, last.get(period))
            if period in last
            else Reading(reading.at, reading.value, reading.who)
        )
        last[period] = reading.value.value
    return tuple(marked)


def _folded(text: str) -> str:
    """A name as compared: full-width letters and digits folded, case and white space ignored."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def find_line(lines: Sequence[IndicatorLine], asked: str) -> IndicatorLine:
    """The indicator `asked` names: its number, its exact name, else the one name that contains it.
    Refused (`DubanError`) when none does (indicator_unknown) or several do (indicator_ambiguous)."""
    wanted = _folded(asked)
    quoted = asked.strip()[:_QUOTED]
    if not wanted:
        raise DubanError("indicator_unknown", asked=quoted, count=len(lines))
    if wanted.isdecimal():
        number = int(wanted)
        found = [line for line in lines if line.number == number]
    else:
        found = [line for line in lines if _folded(line.spec.name) == wanted]
        found = found or [line for line in lines if wanted in _folded(line.spec.name)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise DubanError("indicator_unknown", asked=quoted, count=len(lines))
    raise DubanError(
        "indicator_ambiguous",
        asked=quoted,
        candidates=[(line.number, line.spec.name) for line in found[:_CANDIDATES]],
        more=max(len(found) - _CANDIDATES, 0),
    )
