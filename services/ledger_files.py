"""Ledger files sent through the chat: an upload is staged and previewed, then applied or cancelled;
the ledger workbook is written for sending back.

A staged upload lives under `DATA_DIR/imports/` as `<token>.pending<suffix>`; applying or cancelling it
renames it (`.applied`, `.cancelled`), so that exactly one press of a button acts on it and the file
stays as the record of what was imported.
"""

from __future__ import annotations

import re
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from ledger.actor import Actor
from ledger.buttons import IMPORT_TOKEN
from ledger.clock import Clock
from ledger.importer import parse_ledger_file
from ledger.indicator_board import IndicatorBoard
from ledger.xlsx import IndicatorSheet, LedgerHeading, LedgerLabels, write_ledger
from messages.render import Renderer
from services.ledger import ChangeKind, ImportOutcome, LedgerService

_PENDING, _APPLIED, _CANCELLED = "pending", "applied", "cancelled"
LOCALE = "zh_CN"  # the ledger goes upward in Chinese, whatever the language of who asked for it


@dataclass(frozen=True)
class StagedImport:
    """The dry run of an upload; `token` is None when there is nothing to apply (errors, or no change)."""

    token: str | None
    outcome: ImportOutcome


def _suffix(file_name: str) -> str:
    """The file's extension when it looks like one (the parser needs `.csv`), else none."""
    suffix = Path(file_name).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


def would_change(outcome: ImportOutcome) -> bool:
    kinds = [change.kind for change in outcome.changes] + [c.kind for c in outcome.indicator_changes]
    return any(kind != ChangeKind.UNCHANGED for kind in kinds)


class LedgerFileService:
    def __init__(
        self,
        ledger: LedgerService,
        renderer: Renderer,
        clock: Clock,
        tz: ZoneInfo,
        data_dir: Path,
        office_name: str,
        indicators: Callable[[], IndicatorBoard],
    ) -> None:
        self._ledger = ledger
        self._renderer = renderer
        self._clock = clock
        self._tz = tz
        self._folder = data_dir / "imports"
        self._office_name = office_name  # 填报单位 of the exported ledger
        self._indicators = indicators  # the indicator ledger today (its sheet in the exported ledger)

    def stage(self, data: bytes, file_name: str, *, actor: Actor) -> StagedImport:
        """Keep the upload and dry-run it; it stays pending only if applying it would change something."""
        self._folder.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(6)
        path = self._folder / f"{token}.{_PENDING}{_suffix(file_name)}"
        path.write_bytes(data)
        try:
            outcome = self._import(path, actor=actor, dry_run=True)
        except BaseException:
            # Whatever stopped the dry run, nothing is left pending for a button to apply.
            path.unlink()
            raise
        if outcome.errors or not would_change(outcome):
            path.unlink()
            return StagedImport(None, outcome)
        return StagedImport(token, outcome)

    def apply(self, token: str, *, actor: Actor) -> ImportOutcome | None:
        """Import a pending upload for real; None when it is not pending (applied, cancelled, unknown)."""
        claimed = self._claim(token, _APPLIED)
        if claimed is None:
            return None
        try:
            return self._import(claimed, actor=actor, dry_run=False)
        except BaseException:
            claimed.rename(self._renamed(claimed, _APPLIED, _PENDING))
            raise

    def cancel(self, token: str) -> bool:
        """Drop a pending upload; False when it was not pending."""
        return self._claim(token, _CANCELLED) is not None

    def export(self) -> tuple[bytes, int]:
        """The ledger workbook (as `duban export` writes it) and its number of items."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "ledger.xlsx"
            count = self.write(path)
            return path.read_bytes(), count

    def write(
        self, path: Path, *, by_unit: bool = False, progress: Callable[[int], None] | None = None
    ) -> int:
        """Write the ledger workbook as offices hand it upward (`ledger.xlsx`), in Chinese, with the sheet
        of the indicator ledger when it has indicators and a sheet per unit when `by_unit`; returns the
        number of items."""
        rows = self._ledger.export_rows()
        today = self._clock.now().astimezone(self._tz).date()
        title, office_line, date_line = self._renderer.render(
            LOCALE, "cli/ledger_heading", office=self._office_name, as_of=today
        ).splitlines()
        labels = LedgerLabels(
            sheet_title=self._renderer.render(LOCALE, "cli/ledger_sheet_title"),
            status=lambda status: self._renderer.label(LOCALE, "status", status.value),
            level=lambda level: self._renderer.label(LOCALE, "level", str(level)),
            signoff=lambda state: self._renderer.label(LOCALE, "signoff_state", state),
        )
        return write_ledger(
            path,
            rows,
            labels=labels,
            heading=LedgerHeading(title, office_line, date_line),
            by_unit=by_unit,
            progress=progress,
            indicators=self._indicator_sheet(today),
        )

    def _indicator_sheet(self, today: date) -> IndicatorSheet | None:
        """The 指标台账 sheet of the exported ledger: every indicator as `judge` says of it today."""
        board = self._indicators()
        if not board.lines:
            return None
        title, office_line, date_line = self._renderer.render(
            LOCALE, "cli/indicator_ledger_heading", office=self._office_name, as_of=today
        ).splitlines()
        return IndicatorSheet(
            sheet_title=self._renderer.render(LOCALE, "cli/indicator_sheet_title"),
            heading=LedgerHeading(title, office_line, date_line),
            lines=board.lines,
            texts=[
                self._renderer.render(LOCALE, "cli/indicator_sheet_row", line=line).splitlines()
                for line in board.lines
            ],
        )

    def _import(self, path: Path, *, actor: Actor, dry_run: bool) -> ImportOutcome:
        today = self._clock.now().astimezone(self._tz).date()
        return self._ledger.import_ledger(
            parse_ledger_file(path, default_start=today), actor=actor, dry_run=dry_run
        )

    def _claim(self, token: str, state: str) -> Path | None:
        """Rename the pending file of `token` to `state`; the rename is atomic, so one caller wins."""
        if not re.fullmatch(IMPORT_TOKEN.regex, token):
            return None
        for pending in self._folder.glob(f"{token}.{_PENDING}*"):
            target = self._renamed(pending, _PENDING, state)
            try:
                pending.rename(target)
            except FileNotFoundError:
                return None
            return target
        return None

    @staticmethod
    def _renamed(path: Path, old: str, new: str) -> Path:
        return path.with_name(path.name.replace(f".{old}", f".{new}", 1))
