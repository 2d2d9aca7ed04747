"""Small text rules shared by the importers."""

from __future__ import annotations

import re
from typing import Final

TITLE_MAX: Final = 30


def first_sentence(problem: str) -> str:
    """The problem's first sentence, whole."""
    return re.split(r"[。;；!！?？]|\.(?=\s|$)", problem.strip(), maxsplit=1)[0].strip()


def short_title(problem: str) -> str:
    """The first sentence of the problem, shortened to whole clauses within TITLE_MAX characters."""
    first = first_sentence(problem)
    if len(first) <= TITLE_MAX:
        return first
    clauses = re.split(r"(?<=[,，])", first)
    title = clauses[0]
    for clause in clauses[1:]:
        if len(title) + len(clause) > TITLE_MAX:
            break
        title += clause
    title = title.rstrip(",，")
    if len(title) < TITLE_MAX // 3 or len(title) > TITLE_MAX:
        # A lead-in clause alone ("督察还发现") says nothing: cut the sentence instead.
        return first[: TITLE_MAX - 1] + "…"
    return title


def full_title(title: str, problem: str) -> str:
    """The title as a document prints it: a title cut with "…" (`short_title`) is the problem's whole first
    sentence again; a title of the plan's own stays as it is."""
    if title.endswith("…") and problem:
        return first_sentence(problem) or title
    return title


# Between the arguments of a command officials type spaces, or the full-width ，、：； of Chinese text.
_ARGUMENT_SEPARATOR_RE: Final = re.compile(r"[\s，、：；]+")
_ARGUMENT_TRIM: Final = " \t\r\n\u3000，、：；"


def split_arguments(text: str, fields: int) -> list[str]:
    """The first `fields` arguments of a command, then what follows them as one argument, as written:
    `16，70%，已完成` with 2 fields → ["16", "70%", "已完成"]; `/warn 16 进度偏慢，请加快` with 1 field keeps
    the note's comma."""
    rest = text.strip(_ARGUMENT_TRIM)
    arguments: list[str] = []
    while rest and len(arguments) < fields:
        separator = _ARGUMENT_SEPARATOR_RE.search(rest)
        if separator is None:
            arguments.append(rest)
            return arguments
        arguments.append(rest[: separator.start()])
        rest = rest[separator.end() :]
    if rest:
        arguments.append(rest)
    return arguments
