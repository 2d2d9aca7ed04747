"""The corpus of plan shapes: each imports field by field as its expected file (written by reading the
document) says, and comes back unchanged through the ledger spreadsheet."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.actor import Actor
from ledger.importer import parse_ledger_file
from services.container import Services
from services.ledger import ChangeKind
from tests.corpus import IMPORT_DAY, corpus, expected, score

DOCUMENTS = corpus()


def test_the_corpus_has_every_shape() -> None:
    suffixes = {document.suffix for document in DOCUMENTS}
    assert suffixes == {".txt", ".docx", ".xlsx", ".xls", ".pdf"}
    assert len(DOCUMENTS) >= 12


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_import_scores_at_least_095(document: Path) -> None:
    result = score(document)
    assert result.missing == ()
    assert result.extra == ()
    assert result.value >= 0.95, result.misses


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_import_export_import_changes_nothing(document: Path, services: Services, tmp_path: Path) -> None:
    first = services.ledger.import_ledger(
        parse_ledger_file(document, default_start=IMPORT_DAY), actor=Actor.system("test"), dry_run=False
    )
    assert first.errors == []
    assert first.count(ChangeKind.NEW) == len(expected(document)["items"])
    ledger = tmp_path / "ledger.xlsx"
    services.ledger_files.write(ledger)
    again = services.ledger.import_ledger(
        parse_ledger_file(ledger, default_start=IMPORT_DAY), actor=Actor.system("test"), dry_run=False
    )
    assert again.errors == []
    assert [(c.number, c.fields) for c in again.changes if c.kind != ChangeKind.UNCHANGED] == []
    assert again.new_units == []
    assert again.count(ChangeKind.UNCHANGED) == len(expected(document)["items"])
