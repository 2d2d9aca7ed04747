"""Small text rules shared by the importers."""

from __future__ import annotations

import re
from typing import Final

TITLE_MAX: Final = 30


def short_title(problem: str) -> str:
    """The first sentence of the problem, shortened to whole clauses within TITLE_MAX characters."""
    first = re.split(r"[。;；!！?？]|\.(?=\s|$)", problem.strip(), maxsplit=1)[0].strip()
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
