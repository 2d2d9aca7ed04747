"""Evidence files as plain rules: what may be kept (size, type) and where it lives (by content hash)."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final

# The biggest file the bot takes (evidence, a ledger to import): what a Telegram bot may download (getFile).
MAX_FILE_MEGABYTES: Final = 20
MAX_FILE_BYTES: Final = MAX_FILE_MEGABYTES * 1024 * 1024
PHOTO_MEDIA_TYPE: Final = "image/jpeg"  # Telegram re-encodes photos as JPEG
GENERIC_MEDIA_TYPE: Final = "application/octet-stream"

# What an office submits as supporting evidence (整改资料): pictures, scans, office documents (including
# WPS and the OFD e-document format of Chinese public bodies), plain text, archives, short videos.
ALLOWED_EXTENSIONS: Final = frozenset(
    {
        "jpg", "jpeg", "png", "gif", "webp", "bmp", "tif", "tiff", "heic", "heif",
        "pdf", "ofd",
        "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "wps", "et", "dps",
        "txt", "csv",
        "zip", "rar", "7z",
        "mp4", "mov",
    }
)  # fmt: skip
ALLOWED_MEDIA_TYPE_PREFIXES: Final = ("image/", "text/plain", "text/csv", "application/pdf", "video/mp4")
# Programs, whatever they are named: Windows PE ("MZ") and ELF binaries.
_EXECUTABLE_MAGIC: Final = (b"MZ", b"\x7fELF")


@dataclass(frozen=True)
class IncomingFile:
    """A photo or document as Telegram announces it, before it is downloaded."""

    file_id: str
    file_unique_id: str
    size: int | None
    media_type: str
    name: str | None


def incoming_document(
    file_id: str, file_unique_id: str, size: int | None, mime_type: str | None, name: str | None
) -> IncomingFile:
    """A document, its media type taken from the client or else guessed from its name."""
    media_type = mime_type if mime_type and mime_type != GENERIC_MEDIA_TYPE else None
    guessed, _ = mimetypes.guess_type(name or "")
    return IncomingFile(file_id, file_unique_id, size, media_type or guessed or GENERIC_MEDIA_TYPE, name)


def incoming_photo(file_id: str, file_unique_id: str, size: int | None) -> IncomingFile:
    return IncomingFile(file_id, file_unique_id, size, PHOTO_MEDIA_TYPE, None)


def refusal(file: IncomingFile) -> str | None:
    """Why this file cannot be evidence (`evidence/too_big`, `evidence/unsupported`), or None.

    A named file is judged by its extension (a client's media type is only a claim); a file without a
    name (a photo) by its media type.
    """
    if file.size is not None and file.size > MAX_FILE_BYTES:
        return "evidence/too_big"
    extension = PurePosixPath(file.name).suffix.lower().lstrip(".") if file.name else ""
    if extension:
        allowed = extension in ALLOWED_EXTENSIONS
    else:
        allowed = file.media_type.startswith(ALLOWED_MEDIA_TYPE_PREFIXES)
    return None if allowed else "evidence/unsupported"


def is_executable(head: bytes) -> bool:
    """Whether the first bytes of a downloaded file are those of a program (refused whatever its name)."""
    return head.startswith(_EXECUTABLE_MAGIC)


def blob_path(sha256: str) -> PurePosixPath:
    """Where a file lives under the evidence folder: `<first two hex digits>/<sha256>`."""
    return PurePosixPath(sha256[:2]) / sha256
