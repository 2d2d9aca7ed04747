"""The sign-off dossier (销号材料) of an item: gathered from the store in one read (its latest sign-off request
that was not withdrawn, the reviews, the targets and measures, the item's own evidence files), each stored
file checked against its recorded SHA-256, then written as one .zip (`reports.dossier`).

Only the item's own evidence goes in, read from the store by its recorded path under the data folder; the
names the files take in the zip are made safe (`ledger.dossier.safe_file_name`), whatever was uploaded.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ledger.access import Viewer
from ledger.dossier import Dossier, DossierFile, DossierPart, DossierReview, safe_file_name
from ledger.errors import DubanError
from ledger.item_numbers import normalize_number
from ledger.model import UnitRole
from reports.dossier import write_dossier
from reports.texts import lines
from services.items import ItemService
from services.office import Office
from storage import closing_queries as cq
from storage import people_queries, queries
from storage.models import EvidenceFile, Item, ItemMeasure, ItemTarget
from storage.review import SignOffRequest, SignOffReview, SignOffStatus

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class DossierWritten:
    """What went into a dossier: its file name, the item, and how many evidence files it carries."""

    file_name: str
    number: str
    title: str
    files: int
    missing: int  # evidence files listed but not in the store (or not matching their hash)
    approved: bool  # the 销号申请 is in it


class DossierService:
    def __init__(self, office: Office, items: ItemService, data_dir: Path, superior_office: str) -> None:
        self._office = office
        self._items = items
        self._data_dir = data_dir
        self._superior_office = superior_office  # 主送 of the 销号申请

    def as_bytes(self, viewer: Viewer, number: str, locale: str) -> tuple[DossierWritten, bytes]:
        """The dossier of an item the viewer may see (`/dossier N`), as the bytes of its zip."""
        buffer = io.BytesIO()
        written = self.write(buffer, number, locale, viewer=viewer)
        return written, buffer.getvalue()

    def write(
        self, target: BinaryIO, number: str, locale: str, *, viewer: Viewer | None = None
    ) -> DossierWritten:
        """Write item `number`'s dossier to `target`; `viewer` None is the command line, which sees every
        item. An item without a sign-off request (or whose only requests were withdrawn) has none."""
        with self._office.sessions() as session:
            item = self._item(session, number, viewer)
            request = _latest_request(session, item)
            if request is None:
                raise DubanError("dossier/no_request", number=item.number)
            dossier, evidence = self._gather(session, item, request, locale)
        renderer = self._office.renderer
        write_dossier(target, dossier, evidence, renderer, locale, superior_office=self._superior_office)
        folder = lines(renderer, locale, "dossier_names", number=item.number)[0]
        missing = sum(1 for file in dossier.files if not file.present)
        return DossierWritten(
            f"{folder}.zip", item.number, item.title, len(dossier.files), missing, dossier.approved
        )

    def _item(self, session: Session, text: str, viewer: Viewer | None) -> Item:
        if viewer is not None:
            return self._items.find(session, viewer, text)
        number = normalize_number(text)
        if number is None:
            raise DubanError("bad_item_number", text=text[:20])
        item = queries.item_by_number(session, number)
        if item is None:
            raise DubanError("unknown_item", number=number)
        return item

    def _gather(
        self, session: Session, item: Item, request: SignOffRequest, locale: str
    ) -> tuple[Dossier, list[tuple[DossierFile, Path]]]:
        tz = self._office.tz
        rows = cq.evidence_of(session, item.id)
        reviews = cq.signoff_reviews(session, request.id)
        names = people_queries.people_names(
            session,
            [request.requested_by, request.leader_id, *(r.reviewer_id for r in reviews)]
            + [row.uploader_id for row in rows],
        )
        units = {unit.id: unit.name for unit in queries.units_by_id(session, [r.unit_id for r in reviews])}
        fallback = lines(self._office.renderer, locale, "dossier_names", number=item.number)[-1]  # 佐证材料
        # Numbered from 1 as officials number them (and `/evidence N M` takes them); stored from 0.
        measure_at = {m.id: number for number, m in enumerate(item.measures, start=1)}
        target_at = {t.id: number for number, t in enumerate(item.targets, start=1)}
        evidence = [
            (self._file(index, row, names, measure_at, target_at, fallback), self._data_dir / row.path)
            for index, row in enumerate(rows, start=1)
        ]
        files = tuple(file for file, _ in evidence)

        def local(moment: datetime | None) -> datetime | None:
            return moment.astimezone(tz) if moment is not None else None

        dossier = Dossier(
            number=item.number,
            title=item.title,
            problem=item.problem,
            deadline_text=item.deadline_text,
            deadline=item.deadline,
            continuing=item.continuing,
            responsible=_unit_names(item, UnitRole.LEAD, UnitRole.RESPONSIBLE),
            supervising=_unit_names(item, UnitRole.SUPERVISING),
            statement=request.statement,
            requested_by=names.get(request.requested_by, "—"),
            requested_at=request.created_at.astimezone(tz),
            leader=names.get(request.leader_id) if request.leader_id is not None else None,
            confirmed_at=local(request.leader_confirmed_at),
            status=request.status.value,
            decided_at=local(request.decided_at),
            return_reason=request.return_reason,
            targets=_parts(item.targets, files, "target", only=len(item.targets) == 1),
            measures=_parts(item.measures, files, "measure"),
            files=files,
            reviews=tuple(_review(r, units, names, tz) for r in reviews),
            made_on=self._office.today(),
        )
        return dossier, evidence

    def _file(
        self,
        index: int,
        row: EvidenceFile,
        names: dict[int, str],
        measure_at: dict[int, int],
        target_at: dict[int, int],
        fallback: str,
    ) -> DossierFile:
        return DossierFile(
            index=index,
            name=safe_file_name(index, row.original_name, row.media_type, row.caption, fallback),
            original_name=row.original_name,
            sha256=row.sha256,
            size=row.size,
            uploader=names.get(row.uploader_id, "—") if row.uploader_id is not None else "—",
            uploaded_at=row.created_at.astimezone(self._office.tz),
            measure=measure_at.get(row.measure_id) if row.measure_id is not None else None,
            target=target_at.get(row.target_id) if row.target_id is not None else None,
            caption=row.caption,
            present=_intact(self._data_dir / row.path, row.sha256),
        )


def _review(
    review: SignOffReview, units: dict[int, str], names: dict[int, str], tz: ZoneInfo
) -> DossierReview:
    return DossierReview(
        unit=units.get(review.unit_id, "—"),
        reviewer=names.get(review.reviewer_id, "—"),
        decision=review.decision.value,
        opinion=review.opinion,
        reason=review.reason,
        inspect_on=review.inspect_on,
        decided_at=review.decided_at.astimezone(tz),
    )


def _latest_request(session: Session, item: Item) -> SignOffRequest | None:
    """The item's latest sign-off request that was not withdrawn (a withdrawn one has nothing to bind)."""
    requests = [request for request, _ in cq.signoffs_of(session, item.id)]
    kept = [r for r in requests if r.status != SignOffStatus.WITHDRAWN]
    return max(kept, key=lambda r: (r.created_at, r.id), default=None)


def _intact(path: Path, sha256: str) -> bool:
    """Whether the stored file is there with the content its row recorded."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == sha256


def _unit_names(item: Item, *roles: UnitRole) -> tuple[str, ...]:
    """The item's units of `roles`, in the order of `roles` and then the plan's, each once."""
    names: list[str] = []
    for role in roles:
        for link in item.unit_links:
            if link.role == role and link.unit.name not in names:
                names.append(link.unit.name)
    return tuple(names)


def _parts(
    parts: Sequence[ItemTarget | ItemMeasure],
    files: tuple[DossierFile, ...],
    kind: str,
    *,
    only: bool = False,
) -> tuple[DossierPart, ...]:
    """Each target or measure with the files linked to it; an item's only target is backed by all its files
    (as the sign-off rule counts it, `ledger.signoff.coverage`)."""
    found: list[DossierPart] = []
    for number, part in enumerate(parts, start=1):
        backing = tuple(
            f.index for f in files if only or (f.target if kind == "target" else f.measure) == number
        )
        due = part.deadline if isinstance(part, ItemTarget) else part.due
        found.append(DossierPart(number, part.text, due, backing))
    return tuple(found)
