"""Import a generated 2,000-item ledger: time and peak memory, against a bare bulk insert of the same rows.

Up to 1,000 items the ledger is a plan's text, its findings numbered 一、 … 一千、 as documents number them;
a larger one is the table a province keeps its ledger in (CSV, the ledger's own columns), since no plan
numbers ten thousand findings in Chinese ordinals. The baseline is the least the store must do for these
items (SQLAlchemy Core executemany of the same rows: no parsing, no comparing, no audit), measured in the
same run on the same machine, so the ratio says what parsing, comparing and auditing cost on top of
writing. Each step runs twice on a fresh, migrated database (the migration is not timed): once timed, once
under tracemalloc for its peak memory (tracing slows Python down).
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bot.config import Settings
from bot.wiring import Overrides, build
from ledger.actor import Actor
from ledger.clock import ManualClock
from ledger.importer import parse_ledger_file
from ledger.model import ParsedLedger
from storage.db import create_db_engine, upgrade
from storage.models import Item, ItemMeasure, ItemTarget, ItemUnit, Unit

UNITS = ["市生态环境局", "市住建局", "市水务局", "市工信局", "市发展改革委", "工业园区管委会", "市农业农村局"]
NUMERALS = "一二三四五六七八九"
START = date(2026, 1, 15)
TEXT_PLAN_ITEMS = 1000  # 一、 … 一千、: beyond, a ledger of that size is a table
NOW = datetime(2026, 1, 15, tzinfo=UTC)


def chinese(n: int) -> str:
    """Chinese numeral for 1..9999 as plans write them (第二十四项)."""
    out = ""
    rest = n
    for value, name in ((1000, "千"), (100, "百"), (10, "十")):
        count, rest = divmod(rest, value)
        if count:
            out += ("" if value == 10 and count == 1 and not out else NUMERALS[count - 1]) + name
        elif out and rest and not out.endswith("零"):
            out += "零"
    if rest:
        out += NUMERALS[rest - 1]
    return out


def responsible_units(n: int) -> str:
    return "、".join(UNITS[(n + k) % len(UNITS)] for k in range(1 + n % 3))


def deadline_text(n: int) -> str:
    return "立行立改、长期坚持" if n % 7 == 0 else f"{2026 + n % 2}年{1 + n % 12}月底前"


def generate_table(count: int) -> str:
    """The same findings as `generate_plan`, as a ledger table (CSV with the ledger's column headers)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "编号",
            "问题描述",
            "整改目标",
            "整改时限",
            "责任单位",
            "责任领导",
            "责任人员",
            "督导单位",
            "整改措施",
        ]
    )
    for n in range(1, count + 1):
        units = responsible_units(n)
        writer.writerow(
            [
                n, f"第{n}个问题的描述。相关工作推进不力,存在风险隐患。", f"完成第{n}项问题整改,达到预期治理目标。",
                deadline_text(n), units, f"{units}主要领导", f"{units}分管领导", "市生态环境保护督察整改办公室",
                f"1. 制定第{n}项整改方案,明确责任分工（时限：2026-03-31）\n2. 按月调度第{n}项进展,加强督导检查。",
            ]
        )  # fmt: skip
    return out.getvalue()


def generate_plan(count: int) -> str:
    lines = ["嘉峪关市督察反馈问题整改实施方案", "发布时间:2026年1月15日", "", "附件", "整改措施清单", ""]
    for n in range(1, count + 1):
        units, deadline = responsible_units(n), deadline_text(n)
        lines += [
            f"{chinese(n)}、第{chinese(n)}项,第{n}个问题的描述。相关工作推进不力,存在风险隐患。",
            "",
            f"整改目标:完成第{n}项问题整改,达到预期治理目标。",
            f"整改时限:{deadline}",
            f"责任单位:{units}",
            f"责任领导:{units}主要领导",
            f"责任人员:{units}分管领导",
            "督导单位:市生态环境保护督察整改办公室",
            "整改措施:",
            f"(一)制定第{n}项整改方案,明确责任分工(2026年3月31日)。",
            f"(二)按月调度第{n}项进展,加强督导检查。",
            "",
        ]
    return "\n".join(lines)


def fresh_db(root: Path) -> str:
    url = f"sqlite:///{root / f'db-{time.perf_counter_ns()}.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def measure(label: str, prepare: Callable[[], Callable[[], Any]]) -> tuple[float, float]:
    """Seconds of one untraced run and peak traced memory (MiB) of a second, each freshly prepared."""
    run = prepare()
    began = time.perf_counter()
    run()
    seconds = time.perf_counter() - began
    run = prepare()
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  {label:<40} {seconds:8.3f} s   peak {peak / 2**20:6.1f} MiB")
    return seconds, peak / 2**20


def baseline_rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": n, "number": str(n), "sort_key": f"{n:05d}", "title": "t", "category": None, "problem": "p",
            "cause": None, "start_date": START, "deadline": date(2026, 12, 31), "deadline_text": None,
            "continuing": False, "responsible_leader": None, "responsible_person": None,
            "percent": 0, "created_at": NOW, "updated_at": NOW,
        }
        for n in range(1, count + 1)
    ]  # fmt: skip


def bulk_insert(url: str, items: list[dict[str, Any]]) -> None:
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.execute(
            insert(Unit), [{"id": i + 1, "name": n, "created_at": NOW} for i, n in enumerate(UNITS)]
        )
        connection.execute(insert(Item), items)
        connection.execute(
            insert(ItemTarget),
            [{"item_id": i["id"], "position": 0, "text": "目标", "deadline": i["deadline"]} for i in items],
        )
        connection.execute(
            insert(ItemMeasure),
            [
                {"item_id": i["id"], "position": p, "text": "措施", "due": None}
                for i in items
                for p in range(2)
            ],
        )
        connection.execute(
            insert(ItemUnit),
            [{"item_id": i["id"], "unit_id": 1, "role": "responsible", "position": 0} for i in items],
        )
    engine.dispose()


def importer(url: str, parsed: ParsedLedger, *, twice: bool = False) -> Callable[[], Any]:
    data_dir = Path(url.removeprefix("sqlite:///")).parent / "data"
    service = build(
        Settings(database_url=url, data_dir=data_dir), Overrides(clock=ManualClock(NOW))
    ).services.ledger
    if twice:
        service.import_ledger(parsed, actor=Actor.system("bench"), dry_run=False)
    return lambda: service.import_ledger(parsed, actor=Actor.system("bench"), dry_run=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=2000)
    args, _ = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        as_text = args.items <= TEXT_PLAN_ITEMS
        plan = root / ("plan.txt" if as_text else "ledger.csv")
        plan.write_text(
            generate_plan(args.items) if as_text else generate_table(args.items), encoding="utf-8"
        )
        size = plan.stat().st_size / 2**20
        kind = "plan" if as_text else "ledger table"
        print(f"import of a generated {args.items}-item {kind} ({size:.1f} MiB of text) into SQLite")
        rows = baseline_rows(args.items)
        base_s, _ = measure(
            "baseline: bulk insert of the rows", lambda: functools.partial(bulk_insert, fresh_db(root), rows)
        )
        parse_s, _ = measure(
            f"parse the {kind}", lambda: lambda: parse_ledger_file(plan, default_start=START)
        )
        parsed = parse_ledger_file(plan, default_start=START)
        assert len(parsed.items) == args.items, (len(parsed.items), parsed.errors[:3])
        import_s, _ = measure("import into an empty ledger", lambda: importer(fresh_db(root), parsed))
        again_s, _ = measure(
            "re-import, nothing changed", lambda: importer(fresh_db(root), parsed, twice=True)
        )
        print(f"  parse + import = {parse_s + import_s:.2f} s = {(parse_s + import_s) / base_s:.1f} × baseline;"
              f" import alone = {import_s / base_s:.1f} × baseline; re-import = {again_s / base_s:.1f} × baseline")  # fmt: skip
        print(f"  process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
