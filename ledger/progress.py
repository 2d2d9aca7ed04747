"""Progress reports as plain rules: reading `/report` arguments, who may report, what a report may do to
an item's percent (its status follows from its facts: `ledger.status`), and the guided report's draft.
No Telegram, no session, no clock."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ledger.access import Viewer
from ledger.errors import DubanError
from ledger.evidence import IncomingFile
from ledger.item_numbers import leading_item_number
from ledger.model import Role, UnitRole
from ledger.text import split_arguments

PERCENT_CHOICES = tuple(range(0, 101, 10))

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．％＋－", "0123456789.%+-")
# The token after the item number is a percent when it looks like a number: `60`, `60%`, `60 ％`, `-5`.
_PERCENT_TOKEN = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*%?")
_PERCENT_IN_TEXT = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*%")


class ProgressInputError(DubanError):
    """Input a report cannot take; `code` names the message (`errors/<code>`), `params` fill it."""


@dataclass(frozen=True)
class ReportLine:
    """What `/report N 60% text` (or a caption `N`, `/report N …`) says; percent None keeps the current one."""

    number: str
    percent: int | None
    text: str


def _percent(value: str) -> int:
    try:
        percent = int(value)
    except ValueError:
        raise ProgressInputError("report/bad_percent", value=value) from None
    if not 0 <= percent <= 100:
        raise ProgressInputError("report/bad_percent", value=value)
    return percent


def parse_report_line(arguments: str) -> ReportLine:
    """`N [P[%]] [text]`: the item number, then an optional percent (0–100; full-width digits and ％
    accepted), then free text (which may span lines). Empty arguments or a bad percent are refused."""
    # Folding full-width characters is for reading numbers; the text is kept as the person wrote it.
    if not arguments.strip():
        raise ProgressInputError("report/usage")
    number, *others = split_arguments(arguments, 1)
    rest = others[0] if others else ""
    first, *after = split_arguments(rest, 1) or [""]
    match = _PERCENT_TOKEN.fullmatch(first.translate(_FULL_WIDTH))
    if match is None:
        return ReportLine(number.translate(_FULL_WIDTH), None, rest)
    # "60 %": the sign may stand apart from the number.
    text = re.sub(r"^[%％]\s*", "", after[0]) if after else ""
    return ReportLine(number.translate(_FULL_WIDTH), _percent(match.group(1)), text)


def stated_percent(text: str) -> tuple[int | None, str]:
    """`100% 说明` → (100, "说明"): a percent stated with its sign at the start of a text (a sign-off
    statement, where "3 处堆场已清理" is a statement, not 3 %); otherwise (None, text)."""
    folded = text.translate(_FULL_WIDTH).strip()
    match = _PERCENT_IN_TEXT.match(folded)
    if match is None:
        return None, text.strip()
    return _percent(match.group(1)), _original_text(text, folded[match.end() :].strip())


def _original_text(text: str, folded_text: str) -> str:
    # Folding full-width characters is for reading numbers; the text is kept as the person wrote it.
    if not folded_text:
        return ""
    original = text.strip()
    return original[len(original) - len(folded_text) :]


def percent_in_text(text: str) -> int | None:
    """The first `60%` (or `６０％`) inside free text, as in a reply to a reminder; None when there is none."""
    match = _PERCENT_IN_TEXT.search(text.translate(_FULL_WIDTH))
    return None if match is None else _percent(match.group(1))


def caption_line(text: str) -> ReportLine | None:
    """A caption (or a reply) that starts with an item number, in any numbering officials use: "16 闭水试验
    现场" → item 16, text "闭水试验现场"; the percent is the first `60%` in the rest. None when it does not
    start with an item number."""
    found = leading_item_number(text)
    if found is None:
        return None
    number, rest = found
    return ReportLine(number, percent_in_text(rest), rest)


def line_about(text: str, replied: Sequence[str]) -> ReportLine | None:
    """The report a caption or a reply makes, `replied` being the items of the bot's message it answers.

    A text that starts with an item number is about that item, its rest the text, unless it answers a
    message about other items; an answer to a message about one item is about that item, the whole text
    its text; an answer to a message about several that names none of them is undecided (None: the person
    is asked which), as is a caption that names no item and answers nothing."""
    line = caption_line(text)
    if line is not None and (not replied or line.number in replied):
        return line
    if len(replied) == 1:
        return ReportLine(replied[0], percent_in_text(text), text)
    return None


def check_report(
    current_percent: int, percent: int | None, text: str, *, evidence: int, signoff_open: bool = False
) -> None:
    """A report says something: text, or at least one piece of evidence. A percent (0–100) lower than
    the current one is allowed (a correction) but must say why, in text; while a sign-off request is open
    (the item 已完成, at 100 %) it may not go under 100 %: the request must be withdrawn first."""
    if percent is not None and not 0 <= percent <= 100:
        raise ProgressInputError("report/bad_percent", value=str(percent))
    if not text.strip() and not evidence:
        raise ProgressInputError("report/needs_text")
    if percent is not None and percent < 100 and signoff_open:
        raise ProgressInputError("report/signoff_open", percent=percent)
    if percent is not None and percent < current_percent and not text.strip():
        raise ProgressInputError("report/lower_needs_text", current=current_percent, percent=percent)


def can_report(viewer: Viewer, links: Iterable[tuple[int, UnitRole]]) -> bool:
    """Officers and leaders of a responsible or lead unit of the item report on it, and admins."""
    if viewer.has(Role.ADMIN):
        return True
    own = viewer.unit_ids(Role.OFFICER, Role.LEADER)
    return any(role in (UnitRole.RESPONSIBLE, UnitRole.LEAD) and unit in own for unit, role in links)


class Step(enum.StrEnum):
    """Where a guided report stands: what it waits for."""

    PERCENT = "percent"
    TEXT = "text"
    EVIDENCE = "evidence"
    CONFIRM = "confirm"


@dataclass(frozen=True)
class Draft:
    """A guided report being written: nothing is stored until it is confirmed."""

    number: str
    title: str
    current_percent: int
    step: Step = Step.PERCENT
    percent: int | None = None
    text: str = ""
    files: tuple[IncomingFile, ...] = field(default_factory=tuple)
    last_media_group: str | None = None
    captions: tuple[str, ...] = ()  # what was written with each file, in the order of `files`
