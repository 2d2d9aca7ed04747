"""Damaged and mutated inputs never raise: a bounded number of mutated plans and damaged Office and PDF
files, with a fixed seed. Each is read, or refused with one clear line; `duban import --json` prints one
JSON document for each; a refusal leaves the store as it was."""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from ledger.actor import Actor
from ledger.importer import parse_ledger_file
from ledger.plan_text import parse_plan_text
from services.container import Services
from storage.models import AuditEntry, Item, Unit, UnitAlias
from tests.conftest import CliRunner

PLANS = Path(__file__).resolve().parent / "data" / "plans"
SEED = 20261202
START = date(2026, 12, 2)
TEXTS = ("jiayuguan-2020-rectification-plan.txt", "county-2020-action-plan.txt", "city-2017-one-line.txt")
OFFICE = (
    "district-2021-table.docx",
    "county-2021-ledger.xlsx",
    "county-2021-ledger.xls",
    "city-2019-plan.pdf",
)
# Words plans are made of: a mutation that inserts them makes shapes no plan was written in.
PIECES = ("整改时限：", "责任单位：", "整改措施：", "第三项，", "一、", "（二）", "3.", "(4)", "（责任单位：", "）", "牵头",
          "20XX年", "年底前", "每月", "从2020年7月1日起", "\n", "- 7 -", "、", "；", "各成员单位")  # fmt: skip


def _mutate_text(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(text) + 1)
        kind = rng.randrange(4)
        if kind == 0:
            text = text[:at] + text[at + rng.randint(1, 400) :]
        elif kind == 1:
            text = text[:at] + rng.choice(PIECES) + text[at:]
        elif kind == 2:
            span = text[at : at + rng.randint(1, 300)]
            text = text[:at] + span + span + text[at:]
        else:
            text = text[:at] + "".join(chr(rng.randrange(0x20, 0x9FFF)) for _ in range(rng.randint(1, 30)))
    return text


def mutated_plans(count: int) -> Iterator[str]:
    rng = random.Random(SEED)
    sources = [(PLANS / name).read_text(encoding="utf-8") for name in TEXTS]
    for _ in range(count):
        yield _mutate_text(rng.choice(sources), rng)


def _rezip(data: bytes, change: Callable[[str, bytes], bytes], compression: int | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = change(info.filename, source.read(info.filename))
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.compress_type = info.compress_type if compression is None else compression
            target.writestr(copy, body)
    return out.getvalue()


def _damage(data: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(6)
    if kind == 0:
        return data[: rng.randrange(len(data))]
    if kind == 1:
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 40)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        return bytes(damaged)
    if kind == 2:
        at = rng.randrange(len(data))
        return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 200))) + data[at:]
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return data[::-1] if kind == 3 else data[: len(data) // 3] + data[len(data) // 2 :]
    if kind == 3:
        # Broken XML in one member.
        return _rezip(data, lambda name, body: body[: len(body) // 2] if name.endswith(".xml") else body)
    if kind == 4:
        # Wrong compression: the members say "deflated" but hold stored bytes.
        damaged = bytearray(_rezip(data, lambda name, body: body, zipfile.ZIP_STORED))
        signature = b"PK\x03\x04"
        at = damaged.find(signature)
        while at >= 0:
            damaged[at + 8 : at + 10] = (8).to_bytes(2, "little")
            at = damaged.find(signature, at + 4)
        return bytes(damaged)
    return _rezip(data, lambda name, body: body if rng.random() < 0.7 else b"<w:document><")


def damaged_files(folder: Path, count: int) -> Iterator[Path]:
    rng = random.Random(SEED + 1)
    for index in range(count):
        name = OFFICE[index % len(OFFICE)]
        path = folder / f"{index:02d}-{name}"
        path.write_bytes(_damage((PLANS / name).read_bytes(), rng))
        yield path


def test_mutated_plans_never_raise() -> None:
    for text in mutated_plans(60):
        result = parse_plan_text(text, default_start=START)
        assert result.items or result.indicators or [n.code for n in result.errors] == ["no_items"]


def test_damaged_office_files_are_read_or_refused_with_one_reason(tmp_path: Path) -> None:
    refused = 0
    for path in damaged_files(tmp_path, 48):
        result = parse_ledger_file(path, default_start=START)
        if not result.items:
            refused += 1
            assert len(result.errors) >= 1, path.name
    assert refused >= 24  # most damage is fatal; some leaves a readable file


def test_old_formats_are_refused_with_a_hint(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    for name in ("plan.doc", "plan.wps"):
        (tmp_path / name).write_bytes(ole)
        result = parse_ledger_file(tmp_path / name, default_start=START)
        assert [(n.code, dict(n.params)) for n in result.errors] == [("old_format", {"suffix": name[-4:]})]
    (tmp_path / "scan.pdf").write_bytes(
        (PLANS / "city-2019-plan.pdf").read_bytes().replace(b"/Contents", b"/Kontents")
    )
    assert [n.code for n in parse_ledger_file(tmp_path / "scan.pdf", default_start=START).errors] == [
        "pdf_without_text"
    ]


def _counts(url: str) -> tuple[int, ...]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return tuple(
                session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Item, Unit, UnitAlias, AuditEntry)
            )
    finally:
        engine.dispose()


@pytest.fixture
def ready(cli: CliRunner) -> CliRunner:
    assert cli("db", "upgrade").code == 0
    return cli


def test_import_json_is_one_document_and_a_refusal_changes_nothing(
    ready: CliRunner, tmp_path: Path, sqlite_url: str
) -> None:
    assert ready("import", str(PLANS / "county-2020-action-plan.txt")).code == 0
    before = _counts(sqlite_url)
    inputs = list(damaged_files(tmp_path, 12))
    for index, text in enumerate(mutated_plans(8)):
        path = tmp_path / f"mutated-{index}.txt"
        path.write_text(text, encoding="utf-8")
        inputs.append(path)
    for path in inputs:
        result = ready("import", str(path), "--json", "--dry-run")
        document = json.loads(result.out)
        assert set(document) == {"items", "indicators", "warnings", "errors", "summary"}
        assert result.code == (1 if document["errors"] else 0)
        assert "Traceback" not in result.err
    assert _counts(sqlite_url) == before  # dry runs
    refusals = 0
    for path in inputs[:12]:
        counts = _counts(sqlite_url)
        document = json.loads(ready("import", str(path), "--json").out)
        if document["errors"]:
            refusals += 1
            assert _counts(sqlite_url) == counts, path.name
    assert refusals >= 6
    counts = _counts(sqlite_url)
    result = ready("import", str(PLANS / "county-2020-action-plan.txt"), "--json", "--start", "明年某天")
    assert json.loads(result.out)["errors"]
    assert _counts(sqlite_url) == counts


def test_a_staged_upload_that_is_refused_or_fails_leaves_nothing_pending(
    services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "data" / "imports"  # the `services` fixture's data folder
    broken = (PLANS / "district-2021-table.docx").read_bytes()[:900]
    staged = services.ledger_files.stage(broken, "清单.docx", actor=Actor.system("test"))
    assert staged.token is None
    assert [n.code for n in staged.outcome.errors] == ["unreadable_file"]
    assert list(folder.iterdir()) == []

    def fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(services.ledger, "import_ledger", fails)
    with pytest.raises(RuntimeError):
        services.ledger_files.stage(
            (PLANS / "county-2020-action-plan.txt").read_bytes(), "plan.txt", actor=Actor.system("test")
        )
    assert list(folder.iterdir()) == []
