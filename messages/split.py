"""Splitting long answers under Telegram's 4,096-character limit, at line breaks where possible.

Telegram counts a text's length in UTF-16 code units: a character outside the Basic Multilingual Plane (most
emoji, the rarer CJK extensions, which a user's report may carry) counts two.
"""

from __future__ import annotations

TELEGRAM_LIMIT = 4096


def telegram_length(text: str) -> int:
    """The length of `text` as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def within_limit(text: str, limit: int = TELEGRAM_LIMIT) -> str:
    """The longest start of `text` that Telegram counts as at most `limit` long (never a split character)."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return text[:index]
    return text


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters; lines are kept whole unless one line alone is too long."""
    pieces: list[str] = []
    current = ""
    current_length = 0
    for line in text.split("\n"):
        line_length = telegram_length(line)
        while line_length > limit:
            if current:
                pieces.append(current)
                current, current_length = "", 0
            head = within_limit(line, limit) or line[0]  # a limit under 2 still moves on
            pieces.append(head)
            line = line[len(head) :]
            line_length = telegram_length(line)
        candidate_length = current_length + 1 + line_length if current else line_length
        if candidate_length > limit:
            pieces.append(current)
            current, current_length = line, line_length
        else:
            current = f"{current}\n{line}" if current else line
            current_length = candidate_length
    if current.strip():
        pieces.append(current)
    return pieces or [within_limit(text, limit)]
