"""`duban simulate`: the rules over virtual days on a copy of the store, with simulated officers."""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select

from bot.config import Settings
from bot.simulate import copy_rows, copy_store, read_options, simulate
from bot.wiring import build
from ledger.actor import Actor
from ledger.model import ItemSpec, ParsedLedger, Role, Target
from scheduler.calendar import WorkCalendar
from scheduler.rules import dispatch_days_between
from storage.db import create_db_engine
from storage.schema import metadata
from tests.conftest import CliRunner
from tests.harness import migrated

START = date(2026, 12, 1)
# Two items far from their deadline but behind schedule (0% done after most of the time), one overdue.
ON_TIME = [("1", "污水处理厂提标改造进展缓慢。", "2027-06-30"), ("2", "扬尘管控不到位。", "2027-06-30")]
OVERDUE = [("3", "黑臭水体整治滞后。", "2026-11-02")]
OFFICER, LEADER, SUPERVISOR = "张伟", "李局长", "王督导"


def _url() -> str:
    return os.environ["DUBAN_DATABASE_URL"]


def _ledger(cli: CliRunner, tmp_path: Path, rows: list[tuple[str, str, str]]) -> CliRunner:
    assert cli("db", "upgrade").code == 0
    path = tmp_path / "ledger.csv"
    lines = ["编号,问题描述,截止日期,责任单位,督导单位,开始日期"]
    lines += [
        f"{number},{problem},{deadline},市住建局,整改办,2026-01-01" for number, problem, deadline in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli("import", str(path)).code == 0
    for telegram_id, name, role, unit in (
        ("9001", OFFICER, "officer", "市住建局"),
        ("9002", LEADER, "leader", "市住建局"),
        ("9003", SUPERVISOR, "supervisor", "整改办"),
    ):
        assert (
            cli("people", "add", name, "--unit", unit, "--role", role, "--telegram-id", telegram_id).code == 0
        )
    return cli


@pytest.fixture
def ledger(cli: CliRunner, tmp_path: Path) -> CliRunner:
    return _ledger(cli, tmp_path, ON_TIME)


def _run(cli: CliRunner, *options: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    result = cli("simulate", "--start", START.isoformat(), "--json", *options)
    assert result.code == 0, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    *events, last = lines
    assert set(last) == {"summary"}
    return events, last["summary"]


def _local(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["at"])


def test_no_answers_the_ladder_climbs_and_dispatches_go_out_on_dispatch_days(
    cli: CliRunner, tmp_path: Path
) -> None:
    _ledger(cli, tmp_path, ON_TIME + OVERDUE)
    events, summary = _run(cli, "--days", "60", "--answer-rate", "0", "--seed", "1")

    assert all(set(e) == {"at", "to", "unit", "kind", "item"} for e in events)
    assert all(e["at"].endswith("+08:00") for e in events)
    assert [_local(e) for e in events] == sorted(_local(e) for e in events)
    dispatches = [e for e in events if e["kind"] == "dispatch"]
    assert {(e["to"], e["unit"]) for e in dispatches} == {(OFFICER, "市住建局")}
    days = dispatch_days_between(
        START - timedelta(days=1), START + timedelta(days=59), (1, 16), WorkCalendar()
    )
    assert days[:2] == [date(2026, 12, 1), date(2026, 12, 16)]
    assert sorted({_local(e).date() for e in dispatches}) == days
    assert {_local(e).time().isoformat() for e in dispatches} == {"08:00:00"}
    assert {e["item"] for e in dispatches if _local(e).date() == START} == {"1", "2", "3"}

    def first(kind: str, item: str) -> datetime:
        return min(_local(e) for e in events if e["kind"] == kind and e["item"] == item)

    # Behind schedule: blue on the first day, yellow once a dispatch went unanswered.
    assert first("blue", "1") < first("yellow", "1")
    assert {e["to"] for e in events if e["kind"] == "yellow"} == {OFFICER, LEADER}
    # Long overdue: straight to red, then the summons proposal while nothing moves; no referral, since no
    # 约谈 is ever recorded in a simulation (a referral follows a recorded 约谈, never a mere proposal).
    assert first("red", "3") < first("summons", "3")
    assert not [e for e in events if e["kind"] == "referral"]
    assert {e["to"] for e in events if e["kind"] == "summons"} == {SUPERVISOR}
    assert summary["reports"] == 0
    assert summary["events"] == len(events)
    assert [kind for kind in summary["by_kind"] if kind != "digest"] == [
        "dispatch", "blue", "yellow", "red", "summons",
    ]  # fmt: skip
    assert summary["by_kind"]["digest"] > 0  # the supervisor's daily digest
    assert summary["by_kind"]["dispatch"] == len(dispatches)
    assert (summary["start"], summary["end"]) == ("2026-12-01", "2027-01-29")


def test_officers_who_always_answer_get_no_warning(ledger: CliRunner) -> None:
    events, summary = _run(ledger, "--days", "60", "--answer-rate", "1", "--seed", "1")
    kinds = {e["kind"] for e in events}
    assert "dispatch" in kinds
    assert "yellow" not in kinds
    assert "red" not in kinds
    assert summary["reports"] > 0


def test_the_same_seed_gives_the_same_timeline(ledger: CliRunner) -> None:
    argv = (
        "simulate",
        "--start",
        "2026-12-01",
        "--days",
        "45",
        "--json",
        "--answer-rate",
        "0.5",
        "--seed",
        "7",
    )
    first = ledger(*argv)
    second = ledger(*argv)
    assert first.code == second.code == 0
    assert first.out == second.out
    assert '"kind": "dispatch"' in first.out


def _dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: [tuple(row) for row in connection.execute(select(table))]
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_the_real_database_is_not_changed(ledger: CliRunner) -> None:
    before = _dump(_url())
    _run(ledger, "--days", "60", "--answer-rate", "0.5", "--seed", "3")
    after = _dump(_url())
    assert after == before
    assert after["outbox"] == []
    assert after["progress_reports"] == []
    assert after["escalations"] == []
    assert after["scheduler_settings"] == []


def test_text_timeline_in_chinese_and_english(ledger: CliRunner) -> None:
    result = ledger("simulate", "--start", "2026-12-01", "--days", "20", "--answer-rate", "0", "--seed", "1")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert "2026-12-01 08:00 → 张伟（市住建局）进展调度 第1项" in lines
    assert "2026-12-01 08:00 → 张伟（市住建局）督办提醒（蓝） 第1项" in lines
    assert any(line.startswith("模拟 2026-12-01 至 2026-12-20") for line in lines)
    assert "  进展调度：4" in lines
    assert "真实数据库未作任何改动" in lines[-1]

    ledger.env(DUBAN_LOCALE="en")
    result = ledger("simulate", "--start", "2026-12-01", "--days", "20", "--answer-rate", "0", "--seed", "1")
    lines = result.out.splitlines()
    assert "2026-12-01 08:00 → 张伟 (市住建局): progress dispatch, item 1" in lines
    assert "  progress dispatch: 4" in lines


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--days", "-1"),
        ("--days", "0"),
        ("--days", "ten"),
        ("--days", "99999"),
        ("--answer-rate", "1.5"),
        ("--answer-rate", "-0.1"),
        ("--answer-rate", "half"),
        ("--answer-rate", "nan"),
        ("--start", "2026-02-30"),
        ("--start", "tomorrow"),
        ("--seed", "x"),
    ],
)
def test_bad_arguments_get_one_clear_line(ledger: CliRunner, option: str, value: str) -> None:
    argv = {"--start": "2026-12-01", "--days": "10", "--answer-rate": "0.5", "--seed": "1"}
    argv[option] = value
    result = ledger("simulate", *[part for pair in argv.items() for part in pair])
    assert result.code == 2
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1
    assert f"{option} 的值“{value}”无效" in result.err


def test_an_empty_ledger_is_said_plainly(cli: CliRunner) -> None:
    assert cli("db", "upgrade").code == 0
    result = cli("simulate", "--start", "2026-12-01", "--days", "10")
    assert result.code == 1
    assert result.out == ""
    assert (
        result.err.strip() == "台账中没有整改事项，无可模拟的内容。请先导入整改方案或台账：duban import 文件"
    )


def test_a_database_not_set_up_is_refused_and_not_created(cli: CliRunner) -> None:
    result = cli("simulate", "--start", "2026-12-01", "--days", "10")
    assert result.code == 2
    assert "duban db upgrade" in result.err
    assert not Path(_url().removeprefix("sqlite:///")).exists()


@pytest.fixture
def filled(db_url: str, tmp_path: Path) -> str:
    """A store (SQLite or PostgreSQL) with an item, a person and a report."""
    migrated(db_url)
    services = build(Settings(database_url=db_url, data_dir=tmp_path / "data")).services
    try:
        services.ledger.import_ledger(
            ParsedLedger(
                items=[
                    ItemSpec(
                        number="1", title="事项1", problem="问题1。", start=date(2026, 1, 1),
                        targets=[Target("目标1", date(2027, 6, 30))], responsible_units=["市住建局"],
                    )
                ]
            ),
            actor=Actor.system("test"),
            dry_run=False,
        )  # fmt: skip
        services.roster.add_person(
            OFFICER, unit="市住建局", role=Role.OFFICER, actor=Actor.system("test"), telegram_user_id=9001
        )
    finally:
        services.close()
    return db_url


def _copied(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {t.name: [tuple(r) for r in connection.execute(select(t))] for t in metadata.sorted_tables}


def test_copy_store_copies_every_row_of_either_backend(filled: str, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    copy_store(filled, copy)
    source, target = create_db_engine(filled), create_engine(f"sqlite:///{copy}")
    try:
        assert _copied(target) == _copied(source)
        assert _copied(target)["items"]
    finally:
        source.dispose()
        target.dispose()


def test_row_copy_from_sqlite_too(tmp_path: Path, sqlite_url: str) -> None:
    migrated(sqlite_url)
    services = build(Settings(database_url=sqlite_url, data_dir=tmp_path / "data")).services
    services.roster.add_person(
        OFFICER, unit=None, role=Role.LEADERSHIP, actor=Actor.system("test"), telegram_user_id=9001
    )
    services.close()
    source = create_db_engine(sqlite_url)
    copy = tmp_path / "rows.db"
    try:
        copy_rows(source, copy)
        target = create_engine(f"sqlite:///{copy}")
        assert _copied(target) == _copied(source)
        assert _copied(target)["people"]
        target.dispose()
    finally:
        source.dispose()


def test_simulate_on_either_backend_leaves_the_store_as_it_was(filled: str, tmp_path: Path) -> None:
    source = create_db_engine(filled)
    try:
        before = _copied(source)
        settings = Settings(database_url=filled, data_dir=tmp_path / "data")
        timeline = simulate(settings, read_options("2026-12-01", "20", "0", "1"))
        assert _copied(source) == before
    finally:
        source.dispose()
    first = timeline.events[0]
    assert (first.at.isoformat(), first.to, first.unit, first.kind, first.item) == (
        "2026-12-01T08:00:00+08:00", OFFICER, "市住建局", "dispatch", "1",
    )  # fmt: skip
    assert timeline.counts()["dispatch"] == 2
