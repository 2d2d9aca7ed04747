"""The drafts the ladder offers the supervisors with its proposals: the 约谈通知 with a 约谈建议, the 问题线索移送函
with a 问责移送建议. Plain data from the item's record; the wording is the templates'
(`messages/templates/<locale>/reports/draft_*.j2`), the layout the dispatch notice's (`reports.drafts`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class SummonsHeld:
    """The 约谈 a referral follows: the day it was held and who attended."""

    held_on: date
    attendees: str


@dataclass(frozen=True)
class LadderDraft:
    """What a draft says of an item: its units, deadline and percent today, the ladder so far (each level
    with what held), the 约谈 held (a referral's), and who signs it."""

    number: str
    title: str
    responsible: tuple[str, ...]
    supervising: tuple[str, ...]
    deadline: date | None
    percent: int
    today: date
    office: str
    # (day, level, reason key, conditions) oldest first, as the proposal's own message lists them.
    history: tuple[tuple[date, str, str, list[dict[str, Any]]], ...] = ()
    summons: SummonsHeld | None = None
