"""Item numbers as officials write them: `24.1`, `第24项`, `第二十四项`, `２４．１`, a complaint's `J2024-017`.

One reading for every place a number is given: a command's argument (the whole text is the number) and
the start of a caption or a reply ("16 闭水试验现场", "第24.1项：清淤完成"). Pure: no session, no chat.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from ledger.complaints import parse_complaint_item_number
from ledger.dates import chinese_number

# Items and their aspects: `24`, `24.1`, `24.1.2`.
_ARABIC: Final = r"\d{1,4}(?:\.\d{1,3}){0,2}"
_CHINESE: Final = r"[〇零一二两三四五六七八九十百]{1,6}"
_NUMBER: Final = re.compile(rf"^第?\s*({_ARABIC})\s*项?$")
_CHINESE_NUMBER: Final = re.compile(rf"^第\s*({_CHINESE})\s*项$")
# At the start of a longer text the number must end there: 第…项 ends itself; a bare number or a complaint
# number is followed by a space or a separator ("16 闭水", "16、闭水", "J2024-017：…"), never by more words
# ("2号池", "3处现场" are not item numbers).
_SEPARATORS: Final = r"\s、，,:：;；。"
_LEADING: Final = re.compile(
    rf"^\s*(?:第\s*(?P<ordinal>{_ARABIC}|{_CHINESE})\s*项"
    rf"|(?P<bare>{_ARABIC}|[Jj]\s*\d[0-9A-Za-z_-]*)(?=[{_SEPARATORS}]|\.(?:\s|$)|$))"
    rf"(?:\.(?=\s|$))?[{_SEPARATORS}]*",
)


def _fold(text: str) -> str:
    """Full-width digits, letters and punctuation as their ASCII forms (`２４．１` → `24.1`)."""
    return unicodedata.normalize("NFKC", text)


def normalize_number(text: str) -> str | None:
    """`24.1`, `第24项`, `第二十四项`, `２４．１` → the ledger's number (`24.1`, `24`); a complaint's
    `j2024-017` → `J2024-017`; None when the whole text is not an item number."""
    folded = _fold(text.strip())
    match = _NUMBER.match(folded)
    if match:
        return match.group(1)
    chinese = _CHINESE_NUMBER.match(folded)
    if chinese:
        value = chinese_number(chinese.group(1))
        return None if value is None or value == 0 else str(value)
    return parse_complaint_item_number(folded)


def leading_item_number(text: str) -> tuple[str, str] | None:
    """The item number a text starts with, and the rest as written ("16 闭水试验现场" → ("16", "闭水试验现场"));
    None when the text does not start with one."""
    folded = _fold(text)
    match = _LEADING.match(folded)
    if match is None:
        return None
    ordinal = match.group("ordinal")
    number = normalize_number(f"第{ordinal}项" if ordinal else match.group("bare"))
    return None if number is None else (number, text[_written_length(text, match.end()) :].strip())


def _written_length(text: str, folded_length: int) -> int:
    """How much of `text` its first `folded_length` folded characters come from: the longest start of it
    that folds to no more (folding may write one character as several, "¸" as a space and a cedilla; the
    rest is cut from the text as written, never inside a character)."""
    length = 0
    while length < len(text) and len(_fold(text[: length + 1])) <= folded_length:
        length += 1
    return length
