"""Why a level of the ladder was issued: the conditions that held, each with its facts (the one home of a
reason; 理由须写明实际发生的情形及其数字).

A reason is not a label but what was true on the day: "调度逾期未报送1次，且进度滞后：序时进度应达40%，实际0%",
"超过整改时限12个工作日", "约谈（2021-02-01）后10个工作日仍无进展". The pure rules (`scheduler.rules`) return the
conditions with the level; the services store them with the escalation (`escalations.facts`, as JSON), and
every message that states the reason later (the notice itself, `/history`, `/item`, the referral draft)
renders the same conditions with `messages/templates/<locale>/_labels.j2` (`why`).

The condition keys and their facts:

| key | facts | says |
| --- | --- | --- |
| `dispatch_unanswered` | `count` | 调度逾期未报送N次 (dispatches that reached the unit and went unanswered past their due day) |
| `unanswered_dispatches` | `count` | 连续N次调度未报送 (in a row, each of them reached the unit) |
| `behind_schedule` | `expected`, `actual` | 进度滞后：序时进度应达X%，实际Y% |
| `deadline_near_low_progress` | `days`, `percent`, `below` | 距整改时限N个工作日，进度Y%，不足Z% |
| `deadline_passed`, `long_overdue` | `days`, `deadline` | 超过整改时限N个工作日 |
| `repeated_warnings` | `count` | 已预警N次仍未整改到位 |
| `no_report_at_red` | `since`, `days` | 通报（日期）后N个工作日未报送进展 |
| `no_progress_after_summons` | `held`, `days` | 约谈（日期）后N个工作日仍无进展 (only after a recorded 约谈) |
| `by_hand`, `repeated_complaint` | — | 督导单位决定, 群众重复举报 |

An escalation stored before the facts were kept (`facts` NULL) is rendered from its reason key alone,
without numbers (`conditions_from_json` gives no conditions; the template falls back to the key).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

Fact = int | str  # a count, a percent, a number of working days, or a day (ISO)


@dataclass(frozen=True)
class Condition:
    """One condition that held when a level was issued, with the facts the message states."""

    key: str
    facts: tuple[tuple[str, Fact], ...] = ()

    @classmethod
    def of(cls, key: str, **facts: Fact | date | None) -> Condition:
        """A condition with its facts; days are kept as ISO text, facts not known (None) are left out."""
        kept = tuple(
            (name, value.isoformat() if isinstance(value, date) else value)
            for name, value in facts.items()
            if value is not None
        )
        return cls(key, kept)

    def fact(self, name: str) -> Fact | None:
        return dict(self.facts).get(name)

    def count(self, name: str = "count") -> int:
        value = self.fact(name)
        return value if isinstance(value, int) else 0

    def as_json(self) -> dict[str, Fact]:
        return {"key": self.key, **dict(self.facts)}


def conditions_json(conditions: Iterable[Condition]) -> list[dict[str, Fact]]:
    """The conditions as stored (`escalations.facts`) and as templates read them."""
    return [condition.as_json() for condition in conditions]


def conditions_from_json(data: Sequence[Mapping[str, Any]] | None) -> tuple[Condition, ...]:
    """The stored conditions back; none for an escalation stored before facts were kept."""
    found: list[Condition] = []
    for entry in data or ():
        facts = tuple((name, value) for name, value in entry.items() if name != "key")
        found.append(Condition(str(entry.get("key", "")), facts))
    return tuple(found)


def stated_missed_dispatches(conditions: Iterable[Condition]) -> int:
    """The largest count of missed dispatches the conditions state (for the property: never more than the
    dispatches that reached the unit)."""
    counted = ("dispatch_unanswered", "unanswered_dispatches")
    return max((c.count() for c in conditions if c.key in counted), default=0)
