"""One name per unit: the plan's prefix, full and short names, group entries, alike names; merging two units."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ledger.actor import Actor
from ledger.errors import DubanError
from ledger.model import ItemSpec, ParsedLedger, Role
from ledger.plan_text import parse_plan_text
from ledger.units import is_collective, known_pairs, name_units, split_units
from services.container import Services
from storage.models import AuditEntry, Unit, UnitAlias

START = date(2020, 6, 1)


def test_split_units_keeps_parentheses_and_joins_broken_lines() -> None:
    assert split_units("县市场监管局、县能源（煤炭）中心；县委宣传部") == [
        "县市场监管局",
        "县能源（煤炭）中心",
        "县委宣传部",
    ]
    assert split_units("工业园区\n管委会，市住建局、市住建局") == ["工业园区管委会", "市住建局"]


@pytest.mark.parametrize(
    "name",
    ["各成员单位", "各县区政府", "涉及问题整改工作责任单位", "市生态环境保护委员会成员单位", "有关部门", "市直有关部门",
     "各乡镇人民政府", "县直各部门", "相关单位"],
)  # fmt: skip
def test_group_entries_are_collective(name: str) -> None:
    assert is_collective(name)


@pytest.mark.parametrize(
    "name", ["市住建局", "市市场监管局", "工业园区管委会", "县能源（煤炭）中心", "酒钢(集团)公司"]
)
def test_units_are_not_collective(name: str) -> None:
    assert not is_collective(name)


def test_the_plans_prefix_and_common_short_names_make_one_unit() -> None:
    written = ["市住建局", "住建局", "市住房和城乡建设局", "工信局", "市工信局", "市市场监管局", "市场监管局",
               "市发展和改革委员会", "市发改委", "市发展改革委", "各成员单位"]  # fmt: skip
    naming = name_units(written, {}, known_pairs())
    assert naming.names["住建局"] == naming.names["市住房和城乡建设局"] == "市住建局"
    assert naming.names["工信局"] == "市工信局"
    # 市场监管局 begins with 市 without being prefixed by it: its plan's unit is 市市场监管局.
    assert naming.names["市场监管局"] == "市市场监管局"
    assert naming.names["市发改委"] == naming.names["市发展改革委"] == "市发展和改革委员会"
    assert naming.collective == ("各成员单位",)
    assert ("住建局", "市住建局") in naming.renamed
    assert len(set(naming.names.values())) == 4


def test_the_stores_name_and_aliases_win() -> None:
    naming = name_units(["县住建局", "住建局"], {"县住房和城乡建设局": "县住房和城乡建设局"}, known_pairs())
    assert naming.names == {"县住建局": "县住房和城乡建设局", "住建局": "县住房和城乡建设局"}
    aliased = name_units(["城管大队"], {"城管大队": "县城市管理局"}, known_pairs())
    assert aliased.names == {"城管大队": "县城市管理局"}


def test_alike_names_are_reported_not_merged() -> None:
    naming = name_units(["市自然资源局", "市自然资源和规划局", "市水务局"], {}, known_pairs())
    assert naming.similar == (("市自然资源和规划局", "市自然资源局"),)
    assert naming.names["市自然资源局"] == "市自然资源局"


def _plan(units: str) -> ParsedLedger:
    text = f"某县整改方案\n成文日期：2020年6月1日\n二、整改任务\n1.清理河道垃圾，年底前完成。（责任单位：{units}）\n"
    return parse_plan_text(text, default_start=START)


def test_import_files_items_under_one_unit_and_lists_what_needs_assignment(services: Services) -> None:
    services.roster.add_unit("县住房和城乡建设局", actor=Actor.system("test"))
    text = (
        "某县整改方案\n成文日期：2020年6月1日\n二、整改任务\n"
        "1.清理河道垃圾，年底前完成。（责任单位：住建局、各乡镇人民政府）\n"
        "2.开展宣传教育，长期坚持。（责任单位：各成员单位）\n"
        "3.治理城区扬尘，9月底前完成。（责任单位：县住建局、县自然资源局、县自然资源和规划局）\n"
    )
    outcome = services.ledger.import_ledger(
        parse_plan_text(text, default_start=START), actor=Actor.system("test"), dry_run=True
    )
    codes = [(n.code, dict(n.params)) for n in outcome.warnings]
    assert ("collective_unit", {"unit": "各乡镇人民政府", "items": "1"}) in codes
    assert ("collective_unit", {"unit": "各成员单位", "items": "2"}) in codes
    assert ("unit_renamed", {"name": "住建局", "into": "县住房和城乡建设局"}) in codes
    assert ("similar_units", {"names": "县自然资源和规划局、县自然资源局"}) in codes
    assert outcome.unassigned == ["2"]
    assert outcome.new_units == ["县自然资源局", "县自然资源和规划局"]
    with services.sessions() as session:
        assert "各成员单位" not in set(session.scalars(select(Unit.name)))


def test_merge_moves_people_items_and_history_and_remembers_the_name(services: Services) -> None:
    services.ledger.import_ledger(_plan("住建局、县水务局"), actor=Actor.system("test"), dry_run=False)
    # Made by hand beside the plan's 住建局: the importer itself would have filed the plan under this one.
    services.roster.add_unit("县住建局", actor=Actor.system("test"))
    services.roster.add_person("张伟", unit="住建局", role=Role.OFFICER, actor=Actor.system("test"))
    services.roster.add_person("李强", unit="县住建局", role=Role.OFFICER, actor=Actor.system("test"))
    services.roster.add_person("王芳", unit="住建局", role=Role.LEADER, actor=Actor.system("test"))
    services.roster.grant_role("王芳", Role.LEADER, "县住建局", actor=Actor.system("test"))

    merged = services.units.merge("住建局", "县住建局", actor=Actor.system("admin"))

    assert (merged.source, merged.target, merged.people, merged.items, merged.was_unit) == (
        "住建局", "县住建局", 2, ("1",), True,
    )  # fmt: skip
    rows = {row.spec.number: row for row in services.ledger.rows()}
    assert rows["1"].spec.responsible_units == ["县住建局", "县水务局"]
    units = {u.name: u.items for u in services.roster.units()}
    assert "住建局" not in units
    assert units["县住建局"] == 1
    people = {p.name: p for p in services.roster.people("县住建局")}
    assert set(people) == {"张伟", "李强", "王芳"}
    assert [r.role for r in people["王芳"].roles] == [Role.LEADER]
    with services.sessions() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.actor == "admin")).all()
        merge = next(e for e in entries if e.action == "merge")
        assert merge.before is not None
        assert merge.before["name"] == "住建局"
        assert merge.after is not None
        assert merge.after["items"] == ["1"]
        item_change = next(e for e in entries if e.entity == "item")
        assert item_change.entity_id == "1"
        assert item_change.before is not None
        assert "住建局" in item_change.before["responsible_units"]
        assert session.get(UnitAlias, "住建局") is not None
    # The merged name files the next import's items under the unit that stayed; nothing is recreated.
    again = services.ledger.import_ledger(
        _plan("住建局、县水务局"), actor=Actor.system("test"), dry_run=False
    )
    assert again.new_units == []
    assert [c.kind.value for c in again.changes] == ["unchanged"]


def test_merge_refusals_change_nothing(services: Services) -> None:
    services.roster.add_unit("县住建局", actor=Actor.system("test"))
    with pytest.raises(DubanError) as same:
        services.units.merge("县住建局", "县住建局", actor=Actor.system("admin"))
    assert same.value.code == "units/merge_same"
    with pytest.raises(DubanError) as unknown:
        services.units.merge("住建局", "县规划局", actor=Actor.system("admin"))
    assert unknown.value.code == "unknown_unit"
    alias = services.units.merge("住建局", "县住建局", actor=Actor.system("admin"))
    assert not alias.was_unit
    with pytest.raises(DubanError) as twice:
        services.units.merge("住建局", "县住建局", actor=Actor.system("admin"))
    assert twice.value.code == "units/already_alias"
    with services.sessions() as session:
        assert [a.name for a in session.scalars(select(UnitAlias))] == ["住建局"]


def test_items_spec_units_are_deduplicated_after_naming(services: Services) -> None:
    parsed = _plan("住建局、县住建局、县住房和城乡建设局")
    services.ledger.import_ledger(parsed, actor=Actor.system("test"), dry_run=True)
    spec: ItemSpec = parsed.items[0]
    assert spec.responsible_units == ["县住建局"]
