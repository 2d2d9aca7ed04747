"""Splitting long texts under Telegram's limit of 4,096 characters, counted as Telegram counts them: in
UTF-16 code units (a character outside the Basic Multilingual Plane, such as 𠀀 or an emoji, counts two);
or under another platform's limit as it counts (a group robot's in UTF-8 bytes: `utf8_length`).

Pieces break at line breaks where possible; a single line longer than the limit is cut between
characters, never inside a surrogate pair. Together the pieces carry every line of the text.
"""

from __future__ import annotations

from collections.abc import Callable

TELEGRAM_LIMIT = 4096


def utf16_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def utf8_length(text: str) -> int:
    """The length the Chinese platforms' robots count: UTF-8 bytes (a Chinese character counts three)."""
    return len(text.encode())


def _cut(line: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    """A line longer than `limit` in pieces of at most `limit` units, cut between characters."""
    pieces: list[str] = []
    start = used = 0
    for index, char in enumerate(line):
        width = measure(char)
        if used + width > limit:
            pieces.append(line[start:index])
            start, used = index, 0
        used += width
    pieces.append(line[start:])
    return pieces


def split_message(
    text: str, limit: int = TELEGRAM_LIMIT, measure: Callable[[str], int] = utf16_length
) -> list[str]:
    """Pieces of at most `limit` units each (UTF-16 units, or as `measure` counts); lines are kept whole
    unless one line alone is too long.

    Blank pieces are dropped (Telegram refuses an empty message); a text with no visible character at all
    comes back as it is, for the caller to refuse.
    """
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for line in text.split("\n"):
        width = measure(line)
        if width > limit:
            if current:
                pieces.append("\n".join(current))
                current, used = [], 0
            *whole, rest = _cut(line, limit, measure)
            pieces += whole
            current, used = [rest], measure(rest)
            continue
        extra = width + (1 if current else 0)
        if current and used + extra > limit:
            pieces.append("\n".join(current))
            current, used = [line], width
        else:
            current.append(line)
            used += extra
    if current:
        pieces.append("\n".join(current))
    kept = [piece for piece in pieces if piece.strip()]
    return kept or [text]
