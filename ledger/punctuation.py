"""Full-width punctuation in Chinese text (全角标点), for the documents that leave the office.

Plans are copied from PDFs and Word files with half-width marks in Chinese sentences ("工作有差距,整改不到位").
A document printed under GB/T 9704 uses the full-width ones（，。：；？！“”（））. The store keeps what was
imported, as it was written; `full_width_punctuation` is applied when a document is written, never to the
stored text (a re-import of an exported ledger must find the same text). Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import Final

# Han characters and the full-width marks: a half-width mark touching one of them is in Chinese text.
_CHINESE: Final = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff5e"
_MARKS: Final = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
# A mark with a Chinese character on either side (spaces around it dropped): `差距, 整改` → `差距，整改`.
_MARK_AFTER: Final = re.compile(rf"(?<=[{_CHINESE}])\s*([,;:?!])\s*")
_MARK_BEFORE: Final = re.compile(rf"\s*([,;:?!])\s*(?=[{_CHINESE}])")
# A full stop after a Chinese character that ends the sentence (not `1.` of a list, not `24.1`).
_STOP: Final = re.compile(rf"(?<=[{_CHINESE}])\.(?=\s|$|[{_CHINESE}])")
# Brackets and quotes around Chinese text, or opened right after it: `(责任单位:市住建局)`.
_BRACKETS: Final = re.compile(rf"(?:(?<=[{_CHINESE}])\s*)?\(([^()]*)\)")
_QUOTES: Final = re.compile(r'"([^"]*)"')
_HAS_CHINESE: Final = re.compile(rf"[{_CHINESE}]")


def full_width_punctuation(text: str) -> str:
    """`text` with the half-width punctuation of its Chinese sentences in full width; numbers (`2,000`,
    `24.1`, `1.`) and text without Chinese characters stay as they are. Applying it twice changes nothing."""
    # Until nothing changes: a mark made full width makes its neighbours Chinese text (`位::`, `((位))`).
    while True:
        marked = _BRACKETS.sub(_bracket, text)
        marked = _QUOTES.sub(_quote, marked)
        marked = _MARK_BEFORE.sub(_full, _MARK_AFTER.sub(_full, marked))
        if marked == text:
            return _STOP.sub("。", text)
        text = marked


def _quote(match: re.Match[str]) -> str:
    return f"“{match.group(1)}”" if _HAS_CHINESE.search(match.group(1)) else match.group(0)


def _full(match: re.Match[str]) -> str:
    return _MARKS[match.group(1)]


def _bracket(match: re.Match[str]) -> str:
    inner = match.group(1)
    after_chinese = match.group(0)[0] != "("
    if after_chinese or _HAS_CHINESE.search(inner):
        return f"（{inner.strip()}）"
    return match.group(0)
