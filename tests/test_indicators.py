"""The indicator ledger (指标台账): indicators read from a plan's table (text, Word, spreadsheet), from targets
stated in sentences and from the template; a careful clerk's flags; the import (one transaction, audited,
re-import changes nothing) and the template's round trip, on both stores; `duban import --dry-run --json`;
`/import` in chat."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ledger.actor import Actor
from ledger.importer import parse_ledger_file
from ledger.indicator_import import (
    INDICATOR_NOTE_PARAMS,
    read_indicator_table,
    read_sentence_targets,
    read_text_table,
)
from ledger.indicator_progress import TrackState, judge
from ledger.indicators import (
    Aggregation,
    Attribute,
    Direction,
    Frequency,
    IndicatorSpec,
    IndicatorValue,
    Period,
)
from ledger.model import ImportNote
from ledger.xlsx import write_indicator_template
from messages.render import Renderer, build_environment
from services.container import Services
from services.ledger import ChangeKind
from storage import indicator_queries
from storage.models import AuditEntry
from tests.conftest import SAMPLES, CliRunner
from tests.corpus import IMPORT_DAY, corpus, expected
from tests.harness import ADMIN_ID, BotHarness

RENDERER = Renderer(build_environment(), ZoneInfo("Asia/Shanghai"))
PLAN = SAMPLES / "district-2021-ecology-indicators.txt"
WITH_INDICATORS = [d for d in corpus() if "indicators" in expected(d)]
_TABLE_KEYS: tuple[str, ...] = (
    "name",
    "category",
    "unit",
    "attribute",
    "direction",
    "baseline",
    "baseline_year",
    "target",
)
_TABLE_KEYS += ("target_year", "target_text")


def _records(specs: list[IndicatorSpec], keys: tuple[str, ...] = _TABLE_KEYS) -> list[dict[str, object]]:
    return [{key: spec.record()[key] for key in keys} for spec in specs]


def test_the_corpus_has_a_plan_with_an_indicator_table_and_one_with_targets_in_sentences() -> None:
    assert PLAN in WITH_INDICATORS
    assert SAMPLES / "gansu-2024-rectification-plan.txt" in WITH_INDICATORS


@pytest.mark.parametrize("document", WITH_INDICATORS, ids=lambda p: p.name)
def test_every_row_attribute_baseline_and_target_is_right(document: Path) -> None:
    want = expected(document)
    parsed = parse_ledger_file(document, default_start=IMPORT_DAY)
    assert parsed.errors == []
    assert _records(parsed.indicators) == want["indicators"]
    flags = [
        {"code": n.code, "line": n.location.line, "name": dict(n.params)["name"]}
        for n in parsed.warnings
        if n.code in INDICATOR_NOTE_PARAMS
    ]
    assert flags == want["indicator_warnings"]
    for note in parsed.warnings:
        if note.code in INDICATOR_NOTE_PARAMS:
            assert tuple(k for k, _ in note.params) == INDICATOR_NOTE_PARAMS[note.code]


def test_the_flags_read_as_a_clerk_would_say_them() -> None:
    parsed = parse_ledger_file(PLAN, default_start=IMPORT_DAY)
    notes = {n.code: n for n in parsed.warnings if n.code in INDICATOR_NOTE_PARAMS}
    assert RENDERER.note("zh_CN", notes["indicator_text_disagrees"]) == (
        "第9行（指标“中心城区空气质量优良天数比率”）：正文目标为90%，指标表为88.5%，按指标表计，请核对。"
    )
    assert RENDERER.note("zh_CN", notes["indicator_year_mismatch"]) == (
        "第29行（指标“建设用地安全利用率”）：表头年份为2020年，数值注明为2019年，按2019年计，请核对。"
    )
    assert "no attribute" in RENDERER.note("en", notes["indicator_without_attribute"])


def test_a_table_in_spaces_takes_its_column_order_from_its_header() -> None:
    text = (
        "指标 单位 属性 2020年 2025年\n"
        "中心城区细颗粒物(PM2.5)浓度 微克/立方米 约束性 22 21\n"
        "优良天数比率 % 预期性 86 ≥88\n"
        "以上指标由区生态环境局负责监测。\n"
    )
    warnings: list[ImportNote] = []
    table = read_text_table(text, warnings)
    assert _records(table.indicators, ("name", "unit", "attribute", "direction", "baseline", "target")) == [
        {"name": "中心城区细颗粒物(PM2.5)浓度", "unit": "微克/立方米", "attribute": "binding", "direction": "le",
         "baseline": 22, "target": 21},
        {"name": "优良天数比率", "unit": "%", "attribute": "expected", "direction": "ge", "baseline": 86, "target": 88},
    ]  # fmt: skip
    assert table.lines == frozenset({1, 2, 3})
    assert warnings == []


def test_a_header_with_named_year_columns_and_units_in_the_names() -> None:
    rows = [
        ["序号", "指标名称", "2025年目标值", "指标属性", "2020年基期值", "2023年"],
        ["1", "细颗粒物(PM2.5)浓度降低(%)", "10", "约束性", "—", "6"],
        ["2", "森林覆盖率(%)", "45.5", "", "44.6", "45"],
    ]
    warnings: list[ImportNote] = []
    specs = read_indicator_table(rows, warnings)
    assert _records(specs, ("name", "unit", "direction", "baseline", "baseline_year", "target", "target_year")) == [
        {"name": "细颗粒物(PM2.5)浓度降低", "unit": "%", "direction": "ge", "baseline": None, "baseline_year": None,
         "target": 10, "target_year": 2025},
        {"name": "森林覆盖率", "unit": "%", "direction": "ge", "baseline": 44.6, "baseline_year": 2020,
         "target": 45.5, "target_year": 2025},
    ]  # fmt: skip
    assert specs[0].aggregation == Aggregation.LATEST  # a reduction is judged on its latest value
    assert [(n.code, n.location.row) for n in warnings] == [("indicator_without_attribute", 3)]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "优良天数比例达到84%以上，细颗粒物(PM2.5)浓度值较2015年下降10%以上",
            [
                ("优良天数比例", "%", "ge", None, 84, Aggregation.ANNUAL_MEAN),
                ("细颗粒物(PM2.5)浓度值较2015年下降", "%", "ge", 2015, 10, Aggregation.LATEST),
            ],
        ),
        (
            "细颗粒物浓度控制在25微克/立方米，优良天数比率达到93.8%，地表水达到或好于Ⅲ类水体占比95%以上",
            [
                ("细颗粒物浓度", "微克/立方米", "le", None, 25, Aggregation.ANNUAL_MEAN),
                ("优良天数比率", "%", "ge", None, 93.8, Aggregation.ANNUAL_MEAN),
                ("地表水达到或好于Ⅲ类水体占比", "%", "ge", None, 95, Aggregation.ANNUAL_MEAN),
            ],
        ),
    ],
)
def test_targets_stated_in_sentences(text: str, want: list[tuple[object, ...]]) -> None:
    specs = read_sentence_targets(text, frozenset(), 2024)
    got = [(s.name, s.unit, s.direction, s.baseline_year, s.target, s.aggregation) for s in specs]
    assert got == want
    assert {s.target_year for s in specs} == {2024}
    assert {s.attribute for s in specs} == {None}


def test_a_sentence_that_states_where_things_stand_sets_no_target() -> None:
    text = "2020年全区细颗粒物年均浓度22微克/立方米，整改任务完成率达到79%。到2025年，森林覆盖率达到45.5%。"
    specs = read_sentence_targets(text, frozenset(), 2021)
    assert [(s.name, s.target, s.target_year) for s in specs] == [("森林覆盖率", 45.5, 2025)]


def test_a_plan_of_indicators_without_items_is_not_refused(tmp_path: Path) -> None:
    plan = tmp_path / "indicators.txt"
    plan.write_text(
        "××区生态环境保护主要指标\n指标\t单位\t属性\t2020年\t2025年\n中心城区细颗粒物(PM2.5)浓度\t微克/立方米\t约束性\t22\t21\n",
        "utf-8",
    )
    parsed = parse_ledger_file(plan, default_start=IMPORT_DAY)
    assert parsed.errors == []
    assert parsed.items == []
    assert [s.name for s in parsed.indicators] == ["中心城区细颗粒物(PM2.5)浓度"]
    nothing = tmp_path / "nothing.txt"
    nothing.write_text("一、指导思想\n坚持生态优先。\n", "utf-8")
    assert [n.code for n in parse_ledger_file(nothing, default_start=IMPORT_DAY).errors] == ["no_items"]


def test_a_word_plan_with_an_indicator_table(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("××区“十四五”生态环境保护规划")
    document.add_paragraph("到2025年，中心城区细颗粒物(PM2.5)浓度控制在20微克/立方米。")
    table = document.add_table(rows=3, cols=6)
    for r, row in enumerate(
        [
            ["类别", "指标", "单位", "2020年", "2025年", "属性"],
            ["环境质量", "中心城区细颗粒物(PM2.5)浓度", "微克/立方米", "22", "21", "约束性"],
            ["", "优良天数比率", "%", "86.3", "88.5", "约束性"],
        ]
    ):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(1, 0).merge(table.cell(2, 0))
    path = tmp_path / "plan.docx"
    document.save(str(path))
    parsed = parse_ledger_file(path, default_start=IMPORT_DAY)
    assert parsed.errors == []
    assert _records(parsed.indicators, ("name", "category", "baseline", "target", "target_year")) == [
        {"name": "中心城区细颗粒物(PM2.5)浓度", "category": "环境质量", "baseline": 22, "target": 21, "target_year": 2025},
        {"name": "优良天数比率", "category": "环境质量", "baseline": 86.3, "target": 88.5, "target_year": 2025},
    ]  # fmt: skip
    assert [n.code for n in parsed.warnings] == ["indicator_text_disagrees"]


def test_an_indicator_table_with_ledger_columns_is_no_list_of_findings(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("主要指标")
    rows = [
        ["序号", "类别", "指标名称", "单位", "2020年", "2025年", "属性", "责任单位"],
        ["1", "生态保护", "森林覆盖率", "%", "44.6", "45.5", "约束性", "区林业局"],
    ]
    table = document.add_table(rows=2, cols=8)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    path = tmp_path / "indicators.docx"
    document.save(str(path))
    parsed = parse_ledger_file(path, default_start=IMPORT_DAY)
    assert (parsed.items, parsed.errors) == ([], [])
    assert [(s.name, s.responsible_unit, s.target) for s in parsed.indicators] == [
        ("森林覆盖率", "区林业局", 45.5)
    ]


def _template(path: Path, specs: list[IndicatorSpec]) -> Path:
    write_indicator_template(path, sheet_title="指标台账", indicators=specs, notes=[("类别", "说明")])
    return path


_names = st.text(alphabet="细颗粒物浓度优良天数比率森林覆盖PM25()Ⅲ类", min_size=2, max_size=20).filter(
    lambda s: s.strip() == s and s not in ("类别",)
)
_numbers = st.one_of(st.none(), st.decimals(0, 1000, places=2).map(float))
_years = st.one_of(st.none(), st.integers(2010, 2035))
_specs = st.builds(
    IndicatorSpec,
    name=_names,
    category=st.one_of(st.none(), st.sampled_from(["环境质量", "污染减排"])),
    unit=st.one_of(st.none(), st.sampled_from(["%", "微克/立方米", "吨"])),
    attribute=st.sampled_from(Attribute),
    direction=st.one_of(st.none(), st.sampled_from(Direction)),
    baseline=_numbers,
    baseline_year=_years,
    target=_numbers,
    target_year=_years,
    target_text=st.one_of(st.none(), st.just("完成上级下达目标")),
    responsible_unit=st.one_of(st.none(), st.just("区生态环境局")),
    frequency=st.sampled_from(Frequency),
    aggregation=st.sampled_from(Aggregation),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(_specs, min_size=1, max_size=5, unique_by=lambda s: s.name))
def test_the_template_reads_back_as_it_was_written(specs: list[IndicatorSpec], tmp_path: Path) -> None:
    parsed = parse_ledger_file(_template(tmp_path / "t.xlsx", specs), default_start=IMPORT_DAY)
    assert parsed.errors == []
    assert [s.record() for s in parsed.indicators] == [s.record() for s in specs]
    assert [n.code for n in parsed.warnings] == []


def _import(services: Services, path: Path) -> Any:
    return services.ledger.import_ledger(
        parse_ledger_file(path, default_start=IMPORT_DAY), actor=Actor.system("test"), dry_run=False
    )


def test_import_stores_audits_and_reimports_unchanged_and_the_template_round_trips(
    services: Services, tmp_path: Path
) -> None:
    first = _import(services, PLAN)
    assert first.errors == []
    assert first.count_indicators(ChangeKind.NEW) == 19
    stored = services.ledger.indicators()
    assert _records(stored) == expected(PLAN)["indicators"]
    with services.sessions() as session:
        audited = session.scalars(select(AuditEntry).where(AuditEntry.entity == "indicator")).all()
    assert len(audited) == 19
    assert {entry.action for entry in audited} == {"create"}
    again = _import(services, PLAN)
    assert [c.kind for c in again.indicator_changes] == [ChangeKind.UNCHANGED] * 19
    template = _template(tmp_path / "indicators.xlsx", stored)
    back = _import(services, template)
    assert back.errors == []
    assert back.not_in_file == []  # a sheet of indicators says nothing of the items
    assert [c.kind for c in back.indicator_changes] == [ChangeKind.UNCHANGED] * 19
    with services.sessions() as session:
        assert len(session.scalars(select(AuditEntry).where(AuditEntry.entity == "indicator")).all()) == 19


def test_a_changed_target_is_an_audited_update(services: Services, tmp_path: Path) -> None:
    _import(services, PLAN)
    specs = services.ledger.indicators()
    specs[13].target = 46.0  # 森林覆盖率
    specs[13].responsible_unit = "区林业局"
    outcome = _import(services, _template(tmp_path / "t.xlsx", specs))
    changed = [(c.name, c.fields) for c in outcome.indicator_changes if c.kind == ChangeKind.CHANGED]
    assert changed == [("森林覆盖率", ("target", "responsible_unit"))]
    assert outcome.new_units == ["区林业局"]
    assert services.ledger.indicators()[13].target == 46.0
    with services.sessions() as session:
        update = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "indicator", AuditEntry.action == "update")
        ).one()
    assert update.before == {"target": 45.5, "responsible_unit": None}
    assert update.after == {"target": 46.0, "responsible_unit": "区林业局"}


def test_a_name_twice_in_a_file_is_refused_and_nothing_is_stored(services: Services, tmp_path: Path) -> None:
    spec = IndicatorSpec(
        name="森林覆盖率", unit="%", attribute=Attribute.BINDING, target=45.5, target_year=2025
    )
    outcome = _import(services, _template(tmp_path / "t.xlsx", [spec, spec]))
    assert [n.code for n in outcome.errors] == ["duplicate_indicator"]
    assert services.ledger.indicators() == []


def test_dry_run_json_lists_the_indicators_beside_the_items(cli: CliRunner) -> None:
    assert cli("db", "upgrade").code == 0
    result = cli("import", str(PLAN), "--dry-run", "--json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert [item["number"] for item in document["items"]] == ["1", "2", "3", "4", "5"]
    indicators = document["indicators"]
    assert len(indicators) == 19
    assert indicators[0] == {
        "name": "中心城区细颗粒物(PM2.5)浓度", "unit": "微克/立方米", "attribute": "binding", "direction": "le",
        "baseline": 22, "baseline_year": 2020, "target": 21, "target_year": 2025, "category": "环境质量",
    }  # fmt: skip
    assert any("正文目标为90%" in line for line in document["warnings"])
    assert cli("export", "x.xlsx", "--indicator-template").code == 0  # nothing imported: an empty template
    assert parse_ledger_file(Path("x.xlsx"), default_start=date(2026, 1, 1)).indicators == []


def test_import_then_template_then_import_on_the_command_line(cli: CliRunner) -> None:
    assert cli("db", "upgrade").code == 0
    imported = cli("import", str(PLAN))
    assert imported.code == 0, imported.err
    assert "指标：新增 19 个，更新 0 个，未变 0 个。" in imported.out
    assert "正文目标为90%" in imported.out
    written = cli("export", "indicators.xlsx", "--indicator-template")
    assert written.code == 0
    assert "19 个指标" in written.out
    again = cli("import", "indicators.xlsx")
    assert again.code == 0, again.err
    assert "指标：新增 0 个，更新 0 个，未变 19 个。" in again.out
    assert "不在本文件中" not in again.out


def test_reported_values_are_stored_with_period_reporter_and_source(services: Services) -> None:
    _import(services, PLAN)
    now = datetime(2024, 2, 3, 9, 0, tzinfo=UTC)
    january = Period.of(Frequency.MONTHLY, date(2024, 1, 1))
    with services.sessions() as session, session.begin():
        pm25 = indicator_queries.indicators_by_name(session, ["中心城区细颗粒物(PM2.5)浓度"])[
            "中心城区细颗粒物(PM2.5)浓度"
        ]
        indicator_queries.add_reading(
            session, pm25, IndicatorValue(january, 23.4, source="区环境监测站月报"), Actor.person(7), now
        )
        indicator_queries.add_reading(session, pm25, IndicatorValue(january, 22.9), Actor.person(7), now)
    with services.sessions() as session:
        pm25 = indicator_queries.indicators_by_name(session, ["中心城区细颗粒物(PM2.5)浓度"])[
            "中心城区细颗粒物(PM2.5)浓度"
        ]
        values = indicator_queries.readings(session, pm25)
        spec = indicator_queries.indicator_to_spec(pm25)
    assert values == [
        IndicatorValue(january, 23.4, "person:7", "区环境监测站月报"),
        IndicatorValue(january, 22.9, "person:7", None),
    ]
    # The correction counts: 22.9 against the path of 2024 (21.2) is off track.
    verdict = judge(spec, values, date(2024, 2, 3))
    assert (verdict.state, verdict.value) == (TrackState.OFF_TRACK, 22.9)


async def test_an_admin_imports_the_indicators_in_chat(bot: BotHarness, tmp_path: Path) -> None:
    preview = (await bot.send_document(ADMIN_ID, PLAN.read_bytes(), PLAN.name, caption="/import")).reply
    assert preview.text is not None
    lines = preview.text.splitlines()
    assert lines[0] == "导入预览（尚未写入）：将新增 5 项，更新 0 项，未变 0 项。"
    assert "· 指标：新增 19 个，更新 0 个，未变 0 个。" in lines
    assert any("正文目标为90%，指标表为88.5%" in line for line in lines)
    assert bot.services.ledger.indicators() == []
    apply, _ = preview.button_data()
    before = len(bot.api.sent(ADMIN_ID))
    await bot.press(ADMIN_ID, preview, apply)
    (done,) = await bot.replies(ADMIN_ID, before)
    assert done.text is not None
    assert "· 指标：新增 19 个，更新 0 个，未变 0 个。" in done.text.splitlines()
    assert len(bot.services.ledger.indicators()) == 19

    # The template with one target changed: a sheet of indicators alone is something to apply.
    specs = bot.services.ledger.indicators()
    specs[13].target = 46.0
    template = _template(tmp_path / "indicators.xlsx", specs)
    changed = (
        await bot.send_document(ADMIN_ID, template.read_bytes(), "指标台账.xlsx", caption="/import")
    ).reply
    assert changed.text is not None
    assert "· 指标：新增 0 个，更新 1 个，未变 18 个（更新：森林覆盖率）。" in changed.text.splitlines()
    assert "不在本文件中" not in changed.text
    assert [b["text"] for b in changed.buttons()] == ["确认导入", "取消"]
    # The plan again: the same indicators, nothing to apply.
    again = (await bot.send_document(ADMIN_ID, PLAN.read_bytes(), PLAN.name, caption="/import")).reply
    assert again.text is not None
    assert again.text.startswith("文件与台账一致")
    assert again.button_data() == []
