"""Lists of units (责任单位, 牵头单位, …) as plans write them."""

from __future__ import annotations

import re
from typing import Final

_SEPARATORS: Final = frozenset("、,，;；")
_OPEN: Final = frozenset("(（")
_CLOSE: Final = frozenset(")）")
_TRIM: Final = " \t\u3000\u00a0、,，;；。.:："


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def join_broken_lines(text: str) -> str:
    """Join a text whose lines broke inside words ("工业园区\\n\\n管委会" → "工业园区管委会").

    Whitespace goes, except one space between two Latin words or numbers ("2x125 MW").
    """
    parts = re.split(r"\s+", text.strip())
    out = parts[0] if parts else ""
    for part in parts[1:]:
        if out and part and _is_ascii_word(out[-1]) and _is_ascii_word(part[0]):
            out += " "
        out += part
    return out


def split_units(text: str) -> list[str]:
    """The units of a list split on 、 , ， ; ；, never inside parentheses ("酒钢(集团)公司" stays one).

    Line breaks are not separators: PDFs break lines inside unit names. Duplicates are dropped.
    """
    units: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in join_broken_lines(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        if ch in _SEPARATORS and depth == 0:
            units.append("".join(current))
            current = []
        else:
            current.append(ch)
    units.append("".join(current))
    result: list[str] = []
    for unit in units:
        name = unit.strip(_TRIM)
        if name and name not in result:
            result.append(name)
    return result
