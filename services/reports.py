"""Progress reports and their evidence: one transaction per report, the item's percent updated and its
status (decided from the facts, `ledger.status`) stated as it is after the report, everything audited;
and the bot's messages about items, so that a reply to one is a report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from ledger.access import Viewer
from ledger.clock import Clock
from ledger.errors import DubanError
from ledger.evidence import IncomingFile
from ledger.model import ItemStatus
from ledger.progress import (
    ProgressInputError,
    can_report,
    check_report,
)
from services import audit
from services.evidence import EvidenceStore
from services.items import ItemService
from services.standing import Standings
from storage import queries
from storage.models import EvidenceFile, Item, ProgressReport


@dataclass(frozen=True)
class ItemBrief:
    """An item as a report needs it: what to show while the report is written."""

    number: str
    title: str
    percent: int


@dataclass(frozen=True)
class Evidence:
    """A downloaded file waiting in the store's staging area, what the platform said about it, and what
    the sender wrote with it (its caption, the item's number left out; empty when nothing)."""

    staged: Path
    file: IncomingFile
    caption: str = ""


@dataclass(frozen=True)
class ReportReceipt:
    """What a stored report did."""

    report_id: int
    item_id: int
    number: str
    title: str
    percent_before: int
    percent_after: int
    status_before: ItemStatus
    status_after: ItemStatus
    files: int


ReportListener = Callable[[Session, Item, int, int], None]
"""Called inside the report's transaction with the item and its percent before and after (the ladder)."""


class ReportService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        items: ItemService,
        store: EvidenceStore,
        standings: Standings,
        on_report: ReportListener,
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._items = items
        self._store = store
        self._standings = standings
        self._on_report = on_report

    def _reportable(self, session: Session, viewer: Viewer, number: str) -> Item:
        item, links = self._items.find_row(session, viewer, number)
        if not can_report(viewer, links):
            raise DubanError("report/not_yours", number=item.number)
        if item.signed_off_at is not None:
            # Sign-off owns a signed-off item: only a reopening (回头看) puts it back under reports.
            raise DubanError("report/signed_off", number=item.number)
        return item

    def brief(self, viewer: Viewer, number: str) -> ItemBrief:
        """The item if this viewer may report on it; a `DubanError` saying why not otherwise."""
        with self._sessions() as session:
            item = self._reportable(session, viewer, number)
            return ItemBrief(item.number, item.title, item.percent)

    def reportable(self, viewer: Viewer, numbers: Sequence[str] | None = None) -> list[ItemBrief]:
        """The items this viewer may report on now, in plan order (of `numbers`, in their order, if given)."""
        with self._sessions() as session:
            if numbers is None:
                items: Sequence[Item] = queries.visible_items(session, viewer)
            else:
                found = queries.items_by_number(session, numbers)
                items = [found[number] for number in numbers if number in found]
            return [
                ItemBrief(item.number, item.title, item.percent)
                for item in items
                if can_report(viewer, [(link.unit_id, link.role) for link in item.unit_links])
                and item.signed_off_at is None  # sign-off owns a signed-off item (see `_reportable`)
            ]

    def album_reported(self, media_group_id: str) -> bool:
        """Whether an album (media group) already has its report: its later files join it."""
        with self._sessions() as session:
            return queries.report_by_media_group(session, media_group_id) is not None

    def submit(
        self,
        viewer: Viewer,
        number: str,
        percent: int | None,
        text: str,
        evidence: Sequence[Evidence] = (),
        *,
        media_group_id: str | None = None,
    ) -> ReportReceipt:
        """Store a report (percent None keeps the current one) with its evidence, in one transaction.

        The staged files are moved into the store only once the report is known to be valid; whatever
        happens, none stays in the staging area.
        """
        try:
            with self._sessions() as session, session.begin():
                item = self._reportable(session, viewer, number)
                return self._record(session, viewer, item, percent, text, evidence, media_group_id)
        finally:
            self._discard(evidence)

    def record_completion(self, session: Session, viewer: Viewer, item: Item, text: str) -> ReportReceipt:
        """Inside the caller's transaction: a report that sets the item to 100 % (an officer confirming
        completion as they ask for sign-off, `/signoff N 100% …`)."""
        self._reportable(session, viewer, item.number)
        return self._record(session, viewer, item, 100, text, (), None)

    def _record(
        self,
        session: Session,
        viewer: Viewer,
        item: Item,
        percent: int | None,
        text: str,
        evidence: Sequence[Evidence],
        media_group_id: str | None,
    ) -> ReportReceipt:
        now = self._clock.now()
        text = text.strip()
        today = self._standings.day(session)
        status_before = self._standings.one(session, item, today).status
        try:
            check_report(
                item.percent,
                percent,
                text,
                evidence=len(evidence),
                signoff_open=status_before == ItemStatus.DONE,
            )
        except ProgressInputError as error:
            raise DubanError(error.code, **{"number": item.number, **error.params}) from None
        self._refuse_programs(evidence)
        percent_before = item.percent
        item.percent = item.percent if percent is None else percent
        item.updated_at = now
        report = ProgressReport(
            item_id=item.id, person_id=viewer.person_id, percent=percent, text=text, created_at=now,
            media_group_id=media_group_id,
        )  # fmt: skip
        session.add(report)
        session.flush()
        status_after = self._standings.one(session, item, today).status
        audit.record(
            session, at=now, actor=viewer.actor, action="report", entity="item", entity_id=item.number,
            before={"percent": percent_before, "status": status_before.value},
            after={"percent": item.percent, "status": status_after.value, "report_id": report.id},
        )  # fmt: skip
        self._add_evidence(session, viewer, item, report, evidence)
        self._on_report(session, item, percent_before, item.percent)
        return ReportReceipt(
            report.id, item.id, item.number, item.title, percent_before, item.percent, status_before,
            status_after, len(evidence),
        )  # fmt: skip

    def attach_to_album(self, viewer: Viewer, media_group_id: str, evidence: Sequence[Evidence]) -> bool:
        """Add later files of an album to the album's report; False when the album has no report yet.
        None of the staged files stays in the staging area."""
        try:
            with self._sessions() as session, session.begin():
                report = queries.report_by_media_group(session, media_group_id)
                if report is None:
                    return False
                item = session.get(Item, report.item_id)
                assert item is not None
                self._reportable(session, viewer, item.number)
                self._refuse_programs(evidence)
                # The album's caption, written on its first file, is every file's.
                caption = queries.first_caption_of_report(session, report.id)
                album = [
                    piece if piece.caption else replace(piece, caption=caption or "") for piece in evidence
                ]
                self._add_evidence(session, viewer, item, report, album)
                return True
        finally:
            self._discard(evidence)

    def _discard(self, evidence: Sequence[Evidence]) -> None:
        for piece in evidence:
            self._store.discard(piece.staged)

    def _refuse_programs(self, evidence: Sequence[Evidence]) -> None:
        for piece in evidence:
            if self._store.is_executable(piece.staged):
                raise DubanError("evidence/unsupported", name=piece.file.name or "")

    def _add_evidence(
        self,
        session: Session,
        viewer: Viewer,
        item: Item,
        report: ProgressReport,
        evidence: Sequence[Evidence],
    ) -> None:
        now = self._clock.now()
        for piece in evidence:
            blob = self._store.put(piece.staged)
            row = EvidenceFile(
                item_id=item.id, report_id=report.id, path=blob.path, sha256=blob.sha256, size=blob.size,
                media_type=piece.file.media_type, original_name=piece.file.name,
                caption=piece.caption.strip() or None, uploader_id=viewer.person_id, created_at=now,
            )  # fmt: skip
            session.add(row)
            session.flush()
            audit.record(
                session, at=now, actor=viewer.actor, action="add_evidence", entity="evidence_file",
                entity_id=row.id,
                after={"item": item.number, "report_id": report.id, "sha256": blob.sha256, "size": blob.size,
                       "media_type": row.media_type, "name": row.original_name, "caption": row.caption},
            )  # fmt: skip

    def remember_message(self, chat_id: int, message_id: int, item_ids: Sequence[int], kind: str) -> None:
        """Note that the bot's message `message_id` in `chat_id` is about these items (`kind`: "item",
        "reminder", "report", …): a reply to it is a progress report on the item (asked which, if several)."""
        with self._sessions() as session, session.begin():
            queries.remember_bot_message(session, chat_id, message_id, item_ids, kind, self._clock.now())

    def remember_item_message(self, chat_id: int, message_id: int, number: str) -> None:
        """`remember_message` for an item known by its number."""
        with self._sessions() as session, session.begin():
            item = queries.item_by_number(session, number)
            if item is not None:
                queries.remember_bot_message(
                    session, chat_id, message_id, [item.id], "item", self._clock.now()
                )

    def items_of_message(self, chat_id: int, message_id: int) -> list[str]:
        """The numbers of the items a message of the bot is about, in its order (none: about no item)."""
        with self._sessions() as session:
            return queries.items_of_bot_message(session, chat_id, message_id)
