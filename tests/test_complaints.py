"""Public complaints (群众举报件): the matching rule, the spreadsheet, the import and `duban complaints import`."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from ledger.actor import Actor
from ledger.complaints import (
    KnownComplaint,
    complaint_item_number,
    find_repeat_of,
    parse_complaint_file,
    similarity,
)
from ledger.item_numbers import normalize_number
from ledger.model import ItemStatus, Role, UnitRole
from scheduler.rules import Level
from services.container import Services
from storage.models import AuditEntry, Item, ItemUnit, Unit
from storage.review import Complaint
from storage.scheduling import Escalation, ItemLadder, OutboxMessage
from tests.conftest import CliRunner

NOISE = "阳光小区东侧砂石厂夜间生产，噪声扰民，粉尘污染严重"
NOISE_AGAIN = "阳光小区东侧的砂石厂晚上还在生产，噪音扰民、粉尘大"
SEWAGE = "幸福村养殖场污水直排河道，臭味严重"
HEADER_ZH = ["举报件编号", "举报内容", "责任单位", "办理时限", "受理日期"]
HEADER_EN = ["Number", "Reported", "Responsible unit", "Deadline", "Received"]


# --- the pure rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("other", "same"),
    [
        (NOISE_AGAIN, True),  # other words for the same plant, same place: 0.70
        ("阳光小区东边砂石厂夜间生产噪声扰民，粉尘污染严重！", True),  # 0.96
        ("阳光小区东侧 砂石厂 夜间生产，噪声扰民，粉尘污染严重。", True),  # spaces and punctuation: 1.0
        (SEWAGE, False),  # another matter: 0.15
        ("红星路餐馆油烟直排，噪声扰民", False),  # the same nuisance elsewhere: 0.22
    ],
)
def test_similarity_tells_the_same_matter_at_the_default_threshold(other: str, same: bool) -> None:
    assert (similarity(NOISE, other) >= 0.6) is same


def test_a_repeat_needs_the_same_unit_an_earlier_date_and_points_to_the_original() -> None:
    earlier = [
        KnownComplaint(1, "J1", NOISE, "市住建局", date(2026, 9, 1)),
        KnownComplaint(2, "J2", NOISE_AGAIN, "市住建局", date(2026, 10, 1), repeat_of_item_id=1),
        KnownComplaint(3, "J3", NOISE, "市生态环境局", date(2026, 9, 1)),
        KnownComplaint(4, "J4", SEWAGE, "市住建局", date(2026, 8, 1)),
    ]
    # The most similar is J2, itself a repeat of J1: the repeat counts on J1.
    assert find_repeat_of(NOISE_AGAIN, "市住建局", date(2026, 11, 1), earlier) == 1
    assert find_repeat_of(NOISE, "市生态环境局", date(2026, 11, 1), earlier) == 3
    assert find_repeat_of(NOISE, "市水务局", date(2026, 11, 1), earlier) is None
    assert find_repeat_of(NOISE, "市住建局", date(2026, 8, 15), earlier) is None  # received before J1
    assert find_repeat_of(NOISE_AGAIN, "市住建局", date(2026, 11, 1), earlier[:1], threshold=0.9) is None


def test_complaint_item_numbers_are_distinct_from_findings() -> None:
    assert complaint_item_number("2024-017") == "J2024-017"
    assert complaint_item_number("x62-a1") == "JX62-A1"
    assert complaint_item_number("2024/017") is None
    assert complaint_item_number("1" * 20) is None  # J + 20 characters do not fit an item number
    assert normalize_number("J2024-017") == "J2024-017"
    assert normalize_number("ｊ２０２４－０１７") == "J2024-017"
    assert normalize_number("第２４．１项") == "24.1"
    assert normalize_number("2024-017") is None


def _csv(path: Path, header: list[str], *rows: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def _xlsx(path: Path, header: list[str], *rows: list[object]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2026年群众举报件交办清单"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_parse_reads_chinese_and_english_headers_and_reports_bad_rows(tmp_path: Path) -> None:
    good = parse_complaint_file(
        _xlsx(
            tmp_path / "c.xlsx", HEADER_EN, ["2024-017", NOISE, "市住建局", date(2026, 12, 31), "2026-09-01"]
        ),
        default_received=date(2026, 11, 20),
    )
    assert good.errors == []
    (spec,) = good.complaints
    assert (spec.item_number, spec.unit, spec.deadline, spec.received_on, spec.row) == (
        "J2024-017", "市住建局", date(2026, 12, 31), date(2026, 9, 1), 3,
    )  # fmt: skip
    bad = parse_complaint_file(
        _csv(
            tmp_path / "bad.csv",
            [*HEADER_ZH, "备注"],
            ["2024/1", NOISE, "市住建局", "2026-12-31", ""],
            ["2024-2", "", "市住建局、市水务局", "年底", ""],
            ["2024-3", SEWAGE, "市水务局", "2026年12月31日", ""],
            ["2024-3", SEWAGE, "市水务局", "2026-12-31", ""],
        ),
        default_received=date(2026, 11, 20),
    )
    notes = [(n.code, n.location.row, n.field) for n in bad.errors]
    assert notes == [
        ("complaints/bad_number", 2, "complaint_number"),
        ("missing_value", 3, "reported"),
        ("complaints/one_unit", 3, "responsible_units"),
        ("bad_date", 3, "deadline"),
        ("duplicate_number", 5, "complaint_number"),
    ]
    assert [(n.code, dict(n.params)) for n in bad.warnings] == [("unknown_column", {"column": "备注"})]
    assert bad.complaints[0].received_on == date(2026, 11, 20)  # no received date: the day of import


# --- the import -----------------------------------------------------------------------------------


def _counts(services: Services) -> dict[str, int]:
    with services.sessions() as session:
        return {
            model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Item, Complaint, Unit, ItemUnit, Escalation, OutboxMessage, AuditEntry)
        }


def _supervisor(services: Services) -> None:
    services.roster.add_unit("整改办", actor=Actor.system("test"))
    services.roster.add_person(
        "王督导", unit="整改办", role=Role.SUPERVISOR, actor=Actor.system("test"), telegram_user_id=7001
    )
    services.roster.add_unit("市住建局", actor=Actor.system("test"))
    services.roster.add_person(
        "张伟", unit="市住建局", role=Role.OFFICER, actor=Actor.system("test"), telegram_user_id=7002
    )


def test_import_adds_links_repeats_and_raises_the_earlier_complaint(
    services: Services, tmp_path: Path
) -> None:
    _supervisor(services)
    path = _csv(
        tmp_path / "c.csv",
        HEADER_ZH,
        [
            "2024-031",
            NOISE_AGAIN,
            "市住建局",
            "2026-12-31",
            "2026-11-02",
        ],  # the repeat comes first in the file
        ["2024-017", NOISE, "市住建局", "2026-11-30", "2026-09-01"],
        ["2024-018", SEWAGE, "市农业农村局", "2026-12-15", "2026-09-03"],
    )
    parsed = parse_complaint_file(path, default_received=date(2026, 11, 20))
    dry = services.complaints.import_complaints(parsed, actor=Actor.system("cli"), dry_run=True)
    assert dry.created == ["J2024-017", "J2024-018", "J2024-031"]
    assert not dry.applied
    assert _counts(services)["Complaint"] == 0

    outcome = services.complaints.import_complaints(parsed, actor=Actor.system("cli"), dry_run=False)
    assert outcome.applied
    assert outcome.new_units == ["市农业农村局"]
    assert [(r.number, r.original, r.repeats) for r in outcome.repeats] == [("J2024-031", "J2024-017", 1)]
    with services.sessions() as session:
        items = {i.number: i for i in session.scalars(select(Item))}
        assert {i.kind for i in items.values()} == {"complaint"}
        first = items["J2024-017"]
        assert (first.deadline, first.start_date) == (date(2026, 11, 30), date(2026, 9, 1))
        # Received 80 of its 90 days ago with nothing reported: behind schedule (序时进度), not 未启动.
        assert services.standings.one(session, first).status == ItemStatus.BEHIND
        # No supervising unit named: the units of the supervisors (整改办) supervise.
        assert {(link.unit.name, link.role) for link in first.unit_links} == {
            ("市住建局", UnitRole.RESPONSIBLE), ("整改办", UnitRole.SUPERVISING),
        }  # fmt: skip
        original = session.get(Complaint, first.id)
        repeat = session.get(Complaint, items["J2024-031"].id)
        assert original is not None
        assert repeat is not None
        assert (original.repeats, repeat.repeat_of_item_id, original.complaint_number) == (
            1,
            first.id,
            "2024-017",
        )
        ladder = session.get(ItemLadder, first.id)
        assert ladder is not None
        assert ladder.level == Level.BLUE
        (escalation,) = session.scalars(select(Escalation))
        assert (escalation.item_id, escalation.reason) == (first.id, "repeated_complaint")
        told = {(m.kind, m.chat_id) for m in session.scalars(select(OutboxMessage))}
        assert told == {("complaint_repeat", 7001), ("blue", 7002)}

    before = _counts(services)
    again = services.complaints.import_complaints(parsed, actor=Actor.system("cli"), dry_run=False)
    assert (again.created, again.updated, again.repeats) == ([], [], [])
    assert again.unchanged == ["J2024-017", "J2024-018", "J2024-031"]
    assert _counts(services) == before


def test_a_changed_row_updates_the_complaint_with_before_and_after(
    services: Services, tmp_path: Path
) -> None:
    row = ["2024-017", NOISE, "市住建局", "2026-11-30", "2026-09-01"]
    path = _csv(tmp_path / "c.csv", HEADER_ZH, row)
    services.complaints.import_complaints(
        parse_complaint_file(path, default_received=date(2026, 11, 20)),
        actor=Actor.system("cli"),
        dry_run=False,
    )
    _csv(path, HEADER_ZH, [*row[:3], "2027-01-31", row[4]])
    outcome = services.complaints.import_complaints(
        parse_complaint_file(path, default_received=date(2026, 11, 20)),
        actor=Actor.system("cli"),
        dry_run=False,
    )
    assert outcome.updated == ["J2024-017"]
    with services.sessions() as session:
        item = session.scalars(select(Item)).one()
        assert item.deadline == date(2027, 1, 31)
        assert [(t.text, t.deadline) for t in item.targets] == [(NOISE, date(2027, 1, 31))]
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
        assert (entry.before, entry.after) == ({"deadline": "2026-11-30"}, {"deadline": "2027-01-31"})


def test_a_file_with_bad_rows_changes_nothing(services: Services, tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "c.csv",
        HEADER_ZH,
        ["2024-017", NOISE, "市住建局", "2026-11-30", "2026-09-01"],
        ["2024-018", SEWAGE, "市住建局", "下个月", "2026-09-01"],
    )
    before = _counts(services)
    outcome = services.complaints.import_complaints(
        parse_complaint_file(path, default_received=date(2026, 11, 20)),
        actor=Actor.system("cli"),
        dry_run=False,
    )
    assert [(n.code, n.location.row, n.field) for n in outcome.errors] == [("bad_date", 3, "deadline")]
    assert not outcome.applied
    assert _counts(services) == before


# --- the command line -----------------------------------------------------------------------------


def test_cli_imports_complaints_and_refuses_a_bad_file(cli: CliRunner, tmp_path: Path) -> None:
    assert cli("db", "upgrade").code == 0
    good = _csv(tmp_path / "good.csv", HEADER_EN, ["2024-017", NOISE, "市住建局", "2026-11-30", "2026-09-01"])
    dry = cli("complaints", "import", str(good), "--dry-run")
    assert (dry.code, dry.out.splitlines()[0]) == (0, "试运行（未写入）：新增 1 件，更新 0 件，未变 0 件")
    done = cli("complaints", "import", str(good))
    assert done.out.splitlines() == ["举报件已导入：新增 1 件，更新 0 件，未变 0 件", "  新建单位：市住建局"]
    assert cli("complaints", "import", str(good)).out.startswith(
        "举报件已导入：新增 0 件，更新 0 件，未变 1 件"
    )
    bad = _csv(tmp_path / "bad.csv", HEADER_ZH, ["2024-018", "", "市住建局", "2026-11-30", ""])
    refused = cli("complaints", "import", str(bad))
    assert refused.code == 1
    assert refused.out.splitlines() == [
        "举报件导入失败，未作任何改动：",
        "  ✗ 第2行（举报内容）：必填项为空。",
    ]
    items = cli("items", "--json")
    assert '"number": "J2024-017"' in items.out
