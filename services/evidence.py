"""The evidence file store: files under `DATA_DIR/evidence/<aa>/<sha256>`, one copy per content.

A download lands in a staging file first; `put` hashes it, flushes it to disk and renames it under its
hash, so a crash never leaves half a file under a hash name, and the same content sent twice is kept once.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ledger.evidence import blob_path, is_executable

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    """A file in the store: `path` is relative to the data folder (what an EvidenceFile row keeps)."""

    path: str
    sha256: str
    size: int


class EvidenceStore:
    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self._root = data_dir / "evidence"
        self._staging = self._root / "staging"

    def staging_path(self) -> Path:
        """A fresh path for a download in progress (on the same disk as the store, so renaming is atomic)."""
        self._staging.mkdir(parents=True, exist_ok=True)
        return self._staging / f"{uuid.uuid4().hex}.part"

    def is_executable(self, staged: Path) -> bool:
        with staged.open("rb") as handle:
            return is_executable(handle.read(4))

    def put(self, staged: Path) -> StoredBlob:
        """Move a complete staged file under its hash; an identical file already there is kept as is."""
        digest = hashlib.sha256()
        size = 0
        with staged.open("rb+") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
            os.fsync(handle.fileno())
        sha256 = digest.hexdigest()
        relative = PurePosixPath("evidence") / blob_path(sha256)
        target = self._data_dir / relative
        if target.exists():
            staged.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
            _fsync_directory(target.parent)
        return StoredBlob(relative.as_posix(), sha256, size)

    def discard(self, staged: Path) -> None:
        staged.unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    # The rename itself must survive a crash: flush the directory entry (POSIX only).
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
