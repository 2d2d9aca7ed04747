"""The sign-off dossier (销号材料) of an item as plain data: what the 整改情况报告, the 验收意见, the index of
the evidence (佐证材料清单) and the 销号申请 are written from, and the safe names its files take in the zip.

Instants are the office's local time already (the service converts them), so the documents need no zone.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

# The biggest file a bot may send (Telegram's sendDocument): a bigger dossier is written on the command line.
MAX_SENT_MEGABYTES: Final = 50
MAX_SENT_BYTES: Final = MAX_SENT_MEGABYTES * 1024 * 1024
# Longest stem of an evidence file's name in the zip: the name must stay readable in WPS's file list and
# under the 255 bytes of most file systems (a Chinese character takes three in UTF-8).
MAX_STEM: Final = 60
# What no file name in the zip may hold: separators, Windows' reserved characters, control characters.
_UNSAFE: Final = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_SUFFIX: Final = re.compile(r"\.[A-Za-z0-9]{1,8}")
# Windows refuses these names whatever their extension.
_RESERVED: Final = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{p}{n}" for p in ("com", "lpt") for n in range(10)}
)


@dataclass(frozen=True)
class DossierFile:
    """One evidence file of the item, numbered as the index and the report list it (序号)."""

    index: int
    name: str  # its name in the zip's evidence folder: safe, unique by its number
    original_name: str | None  # as uploaded (a photo has none)
    sha256: str
    size: int
    uploader: str
    uploaded_at: datetime  # office time
    measure: int | None  # the position of the measure it backs (`/evidence N M`), None if none
    target: int | None  # the position of the target it is linked to, None if none
    caption: str | None
    present: bool  # the stored file was there and its content has the recorded hash


@dataclass(frozen=True)
class DossierPart:
    """A target (整改目标) or measure (整改措施) with the numbers of the files that back it."""

    position: int
    text: str
    due: date | None
    files: tuple[int, ...]


@dataclass(frozen=True)
class DossierReview:
    """One supervising unit's decision on the request: approve (with the reviewer's opinion), return (with
    the reason), or an on-site inspection set for a day."""

    unit: str
    reviewer: str
    decision: str  # "approve", "return", "inspect"
    opinion: str | None
    reason: str | None
    inspect_on: date | None
    decided_at: datetime


@dataclass(frozen=True)
class Dossier:
    """Everything the dossier's documents say about one item and its latest sign-off request."""

    number: str
    title: str
    problem: str
    deadline_text: str | None  # 整改时限 as the plan writes it
    deadline: date | None
    continuing: bool  # 长期坚持
    responsible: tuple[str, ...]  # 责任单位 (牵头单位 first)
    supervising: tuple[str, ...]  # 督导单位
    statement: str  # the request's completion statement (整改完成情况)
    requested_by: str
    requested_at: datetime
    leader: str | None  # the unit head who confirmed (主要负责人确认), None while awaiting them
    confirmed_at: datetime | None
    status: str  # of the request: awaiting_leader, under_review, approved, returned, withdrawn
    decided_at: datetime | None
    return_reason: str | None
    targets: tuple[DossierPart, ...]
    measures: tuple[DossierPart, ...]
    files: tuple[DossierFile, ...]
    reviews: tuple[DossierReview, ...]
    made_on: date  # the day the dossier is put together

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    @property
    def unlinked(self) -> tuple[int, ...]:
        """The numbers of the files that back no target or measure."""
        return tuple(f.index for f in self.files if f.measure is None and f.target is None)


def safe_file_name(index: int, original_name: str | None, media_type: str, *fallbacks: str | None) -> str:
    """The name of evidence file `index` in the zip: `03-检测报告.pdf`.

    Only the last component of the uploaded name is kept (`../../etc/passwd` and `C:\\x\\y.pdf` lose their
    folders), separators, reserved and control characters become `_`, leading dots go (no hidden file, no
    `..`), the stem is cut to `MAX_STEM` characters, and the number in front makes every name unique. A
    file without a usable name (a photo) takes the first usable of `fallbacks` (its caption, a generic word),
    made safe the same way, with the extension of its media type."""
    last = _last_component(original_name or "")
    stem, suffix = last, ""
    found = _SUFFIX.search(last)
    if found is not None and found.end() == len(last) and found.start() > 0:
        stem, suffix = last[: found.start()], found.group().lower()
    candidates = (_clean(stem), *(_clean(f or "") for f in fallbacks))
    stem = next((c for c in candidates if c and c.lower() not in _RESERVED), "file")
    if not suffix:
        suffix = mimetypes.guess_extension(media_type) or ""
        suffix = ".jpg" if suffix in (".jpe", ".jpeg") else suffix
    return f"{index:02d}-{stem}{suffix}"


def _last_component(name: str) -> str:
    """What follows the last `/` or `\\` of a name (a drive letter's colon is made safe later)."""
    return unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]


def _clean(stem: str) -> str:
    return _UNSAFE.sub("_", stem).strip(" ._")[:MAX_STEM].strip(" ._")
