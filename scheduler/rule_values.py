"""The rules' values as people write them: `/rules NAME VALUE` in the chat, `NAME = VALUE` in the rules file.

Each rule has a kind and a sane range; a value outside it is refused with the rule's name, so a typo
never reaches the tick. Lists are stored sorted and without repeats; times are `HH:MM`.
"""

from __future__ import annotations

import enum
import re
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import time
from pathlib import Path
from typing import Any

from scheduler.rules import Rules

RuleValue = int | tuple[int, ...] | time

_LIST_SEPARATORS = re.compile(r"[\s,，、;；]+")
_TIME = re.compile(r"(\d{1,2})[:：](\d{2})")


class Kind(enum.StrEnum):
    NUMBER = "number"  # a whole number in [low, high]
    LIST = "list"  # one or more whole numbers in [low, high]
    TIME = "time"  # HH:MM


@dataclass(frozen=True)
class RuleSpec:
    name: str
    kind: Kind
    low: int = 0
    high: int = 0
    descending: bool = False  # the order a list is kept in

    def describe(self) -> str:
        """What a value must be, in English: for the one-line start-up error."""
        if self.kind == Kind.NUMBER:
            return f"must be a whole number from {self.low} to {self.high}"
        if self.kind == Kind.LIST:
            return f"must be whole numbers from {self.low} to {self.high}, separated by commas"
        return "must be a time of day as HH:MM, e.g. 21:00"


# In the order `/rules` shows them. Reminder offsets stop at 30 working days: the tick looks for
# deadlines up to 60 days ahead. Dispatch days stop at the 28th, which every month has.
SPECS: tuple[RuleSpec, ...] = (
    RuleSpec("reminder_offsets", Kind.LIST, 0, 30, descending=True),
    RuleSpec("dispatch_days", Kind.LIST, 1, 28),
    RuleSpec("answer_within", Kind.NUMBER, 1, 30),
    RuleSpec("blue_unanswered_after", Kind.NUMBER, 0, 30),
    RuleSpec("blue_deadline_within", Kind.NUMBER, 1, 60),
    RuleSpec("blue_percent_below", Kind.NUMBER, 1, 100),
    RuleSpec("yellow_unanswered_in_row", Kind.NUMBER, 1, 10),
    RuleSpec("red_overdue", Kind.NUMBER, 1, 60),
    RuleSpec("red_yellow_count", Kind.NUMBER, 1, 10),
    RuleSpec("summons_after", Kind.NUMBER, 1, 60),
    RuleSpec("referral_after", Kind.NUMBER, 1, 60),
    RuleSpec("schedule_tolerance", Kind.NUMBER, 0, 100),
    RuleSpec("quiet_start", Kind.TIME),
    RuleSpec("quiet_end", Kind.TIME),
    RuleSpec("snooze_max", Kind.NUMBER, 0, 10),
    RuleSpec("spot_check_months", Kind.LIST, 1, 36),
    RuleSpec("complaint_leader_after_days", Kind.NUMBER, 1, 365),
    RuleSpec("complaint_repeat_percent", Kind.NUMBER, 1, 100),
)
SPEC_BY_NAME = {spec.name: spec for spec in SPECS}


class UnknownRuleError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"{name}: unknown rule (known: {', '.join(SPEC_BY_NAME)})")
        self.name = name


class BadRuleValueError(ValueError):
    def __init__(self, spec: RuleSpec, text: str) -> None:
        super().__init__(f"{spec.name}: {spec.describe()}, not {text!r}")
        self.spec = spec
        self.text = text


def spec_of(name: str) -> RuleSpec:
    spec = SPEC_BY_NAME.get(name.strip().lower())
    if spec is None:
        raise UnknownRuleError(name)
    return spec


def parse_value(spec: RuleSpec, text: str) -> RuleValue:
    """A value as written (`5`, `30,14,7`, `21:00`), checked against the rule's range."""
    text = text.strip()
    if spec.kind == Kind.TIME:
        match = _TIME.fullmatch(text)
        if match is None or int(match[1]) > 23 or int(match[2]) > 59:
            raise BadRuleValueError(spec, text)
        return time(int(match[1]), int(match[2]))
    parts = [part for part in _LIST_SEPARATORS.split(text) if part]
    if not parts or not all(part.isdecimal() for part in parts):
        raise BadRuleValueError(spec, text)
    numbers = [int(part) for part in parts]
    if not all(spec.low <= number <= spec.high for number in numbers):
        raise BadRuleValueError(spec, text)
    if spec.kind == Kind.NUMBER:
        if len(numbers) != 1:
            raise BadRuleValueError(spec, text)
        return numbers[0]
    return tuple(sorted(set(numbers), reverse=spec.descending))


def format_value(value: RuleValue) -> str:
    """A value as `/rules` shows it and as it would be typed back."""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, tuple):
        return ",".join(str(number) for number in value)
    return str(value)


def _toml_text(spec: RuleSpec, raw: object) -> str:
    """A value of the rules file as the text `parse_value` reads: TOML numbers, arrays, times or strings."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, time) and not raw.second and not raw.microsecond:
        return format_value(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in raw):
        return ",".join(str(v) for v in raw)
    raise BadRuleValueError(spec, repr(raw))


def rules_from_mapping(values: Mapping[str, object], base: Rules) -> Rules:
    """`base` with the values of a rules file; the first wrong name or value raises, naming it."""
    changes: dict[str, RuleValue] = {}
    for name, raw in values.items():
        spec = spec_of(name)
        changes[spec.name] = parse_value(spec, _toml_text(spec, raw))
    return with_values(base, changes)


def with_values(base: Rules, changes: Mapping[str, RuleValue]) -> Rules:
    """`base` with some rules changed (names and values already checked)."""
    return replace(base, **changes)  # type: ignore[arg-type]


def office_rules(path: Path | None) -> Rules:
    """The rules the office starts from: the rules file's, else the built-in ones."""
    return Rules() if path is None else load_rules_file(path)


def load_rules_file(path: Path) -> Rules:
    """The office's default rules: the built-in ones with the values of a TOML file.

    Raises ValueError with one line naming the file and the wrong key.
    """
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not valid TOML: {exc}") from exc
    try:
        return rules_from_mapping(values, Rules())
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def stored_rules(value: Mapping[str, Any] | None, base: Rules) -> Rules:
    """The rules as edited and stored (a JSON object of the fields that differ from `base`); a field this
    version no longer knows is skipped, so an old store still starts."""
    if not value:
        return base
    known = {f.name for f in fields(Rules)}
    changes: dict[str, RuleValue] = {}
    for name, raw in value.items():
        if name not in known:
            continue
        if name in ("quiet_start", "quiet_end"):
            changes[name] = time.fromisoformat(raw)
        elif isinstance(raw, list):
            changes[name] = tuple(int(v) for v in raw)
        else:
            changes[name] = int(raw)
    return with_values(base, changes)


def rules_to_store(rules: Rules) -> dict[str, Any]:
    """The rules as JSON: times as `HH:MM`, lists as lists."""
    result: dict[str, Any] = {}
    for name, value in asdict(rules).items():
        result[name] = value.isoformat(timespec="minutes") if isinstance(value, time) else value
    return result
