"""`duban demo` runs the whole job offline and ends with the files it names."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from ledger.actor import Actor


def run_demo(tmp_path: Path, *arguments: str) -> str:
    """`python -m bot demo …` as a fresh process, offline; returns its transcript."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(tmp_path / "demo"), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "DUBAN_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)},
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_demo_plays_90_days_and_writes_the_files(tmp_path: Path) -> None:
    transcript = run_demo(tmp_path)
    folder = tmp_path / "demo"
    # Officers are asked for progress and answer, one with photos.
    assert "【进展调度】" in transcript
    assert "← 王芳（市生态环境局）：[照片] /report" in transcript
    # The officer who never answers climbs the ladder to a summons proposal, each level with its reason.
    for step in ("【督办提醒】", "【预警】", "【通报】", "【约谈建议】"):
        assert step in transcript, step
    assert "原因：调度逾期未报送1次，且进度滞后：序时进度应达40%，实际0%。" in transcript
    # The supervisor taps 记录约谈 under the proposal and answers; the unit's leader is told; only then,
    # ten working days after the day it was held without progress, the referral, saying so.
    story = [
        "→ 马督导（市生态环境保护督察整改办公室）：【约谈建议】",
        "→ 马督导（市生态环境保护督察整改办公室）：[文件] 第39项约谈通知（草稿）.docx",
        "← 马督导（市生态环境保护督察整改办公室）：[按钮] 记录约谈",
        "→ 马督导（市生态环境保护督察整改办公室）：记录约谈：第39项",
        "← 马督导（市生态环境保护督察整改办公室）：2月1日",
        "← 马督导（市生态环境保护督察整改办公室）：市市场监管局 郑局长、陈静",
        "→ 马督导（市生态环境保护督察整改办公室）：已记录第39项 民用散煤污染控制不力 的约谈：2021-02-01 举行",
        "→ 郑局长（市市场监管局）：【约谈记录】第39项",
        "2021-02-19 08:30  → 马督导（市生态环境保护督察整改办公室）：【问责移送建议】第39项",
        "原因：约谈（2021-02-01）后10个工作日仍无进展。",
        "→ 马督导（市生态环境保护督察整改办公室）：[文件] 第39项问题线索移送函（草稿）.docx",
    ]
    places = [transcript.find(line) for line in story]
    assert -1 not in places, [line for line, at in zip(story, places, strict=True) if at < 0]
    assert places == sorted(places)
    assert transcript.count("【问责移送建议】") == 1  # the other proposals were never held: no referral
    assert_the_ladder_stated_only_what_happened(folder / "demo.db")
    assert_the_work_group_was_told_what_happened(transcript, folder / "demo.db")
    # The officer of 市生态环境局 reports two indicators' monthly values; the good days run off track in
    # January (督办提醒) and stay off in February (预警, to the leader too), each with its numbers.
    indicators = [
        "← 王芳（市生态环境局）：/value 1 86.7% 2020年12月",
        "→ 王芳（市生态环境局）：已记录第1个指标 全市空气质量优良天数比例 2020年12月 的数值：86.7%。",
        "← 王芳（市生态环境局）：/value 1 79% 2021年1月 市环境监测站月报",
        "2021-02-02 08:30  → 王芳（市生态环境局）：【督办提醒】第1个指标 全市空气质量优良天数比例",
        "原因：2021年全市空气质量优良天数比例年均值79%，低于目标值84%。",
        "2021-03-02 08:30  → 王芳（市生态环境局）：【预警】第1个指标 全市空气质量优良天数比例",
        "原因：连续2期偏离序时进度：2021年全市空气质量优良天数比例年均值79.71%，低于目标值84%。",
        "2021-03-02 08:30  → 孙局长（市生态环境局）：【预警】第1个指标 全市空气质量优良天数比例",
    ]
    places = [transcript.find(line) for line in indicators]
    assert -1 not in places, [line for line, at in zip(indicators, places, strict=True) if at < 0]
    assert places == sorted(places)
    for level in ("【督办提醒】", "【预警】", "【通报】"):
        assert f"{level}第2个指标" not in transcript  # the PM2.5 reduction stays on track: never warned
    # One sign-off approved, one returned, and a spot-check that reopens the approved item.
    assert "【已销号】第24.2项" in transcript
    assert "【销号申请退回】第31项" in transcript
    assert "已重新纳入整改" in transcript
    # Supervisors get their daily digest, leadership its weekly summary.
    assert "督办日报" in transcript
    assert "领导小组周报" in transcript
    # The files it names exist and hold the ledger.
    sheet = load_workbook(folder / "ledger.xlsx").active
    assert sheet is not None
    assert sheet.max_row == 3 + 18  # the title rows, the header, the items
    (notice,) = folder.glob("dispatch-*.docx")
    document = Document(str(notice))
    assert "调度" in "\n".join(p.text for p in document.paragraphs)
    # The notice's counts add up to its items and say what the table says (seen on main: 7 + 5 + 9 of 18).
    (opening,) = [p.text for p in document.paragraphs if p.text.startswith("截至") and "整改任务共" in p.text]
    total = re.search(r"整改任务共(\d+)项", opening)
    stated = re.search(r"其中(.*?)；", opening)
    assert total is not None
    assert stated is not None
    counts = {label: int(n) for label, n in re.findall(r"([^\d，]+?)(\d+)项", stated.group(1))}
    table = [[cell.text for cell in row.cells] for row in document.tables[0].rows[1:]]
    assert int(total.group(1)) == len(table) == sum(counts.values()) == 18
    assert counts == dict(Counter(row[5] for row in table))
    # Played to 2021-03-15: whatever was due by 2020-12-31 and is under 100 % is overdue, never on schedule.
    for row in table:
        if row[4] == "2020年12月底前" and row[6] != "100%":
            assert row[5] in ("逾期未完成", "重新纳入整改", "已完成", "已销号"), row
    chart = folder / "progress.png"
    assert chart.read_bytes().startswith(b"\x89PNG")
    for path in (folder / "ledger.xlsx", notice, chart):
        assert str(path) in transcript
    assert_one_audit_convention(folder / "demo.db")


def assert_one_audit_convention(store: Path) -> None:
    """Every audit entry names its actor as `Actor` does — a person of the roster always as that person,
    never by their chat account — and an item by its number."""
    with sqlite3.connect(store) as connection:
        entries = connection.execute("SELECT actor, entity, entity_id FROM audit_log").fetchall()
        accounts = {f"tg:{n}" for (n,) in connection.execute("SELECT telegram_user_id FROM people") if n}
        numbers = {n for (n,) in connection.execute("SELECT number FROM items")}
    actors = {actor for actor, _, _ in entries}
    assert {str(Actor.parse(actor)) for actor in actors} == actors
    assert {a for a in actors if a.startswith("person:")}, "the demo's officials act"
    assert not actors & accounts
    assert {entity_id for _, entity, entity_id in entries if entity == "item"} <= numbers


def assert_the_ladder_stated_only_what_happened(database: Path) -> None:
    """What the demo's store says of every level issued: its facts were kept; no count of missed
    dispatches exceeds the dispatches of the item that had reached someone by then; no referral without a 约谈 recorded
    before it; no level for an item nobody receives (item 14, of 各县区政府: seen on main, it climbed to a
    referral proposal)."""
    with sqlite3.connect(database) as db:
        held = dict(
            db.execute("SELECT item_id, MIN(recorded_at) FROM summons_records GROUP BY item_id").fetchall()
        )
        rows = db.execute(
            "SELECT e.item_id, i.number, e.level, e.facts, e.issued_at,"
            " (SELECT COUNT(DISTINCT d.id) FROM dispatch_requests d JOIN outbox o ON o.dispatch_id = d.id"
            "  WHERE d.item_id = e.item_id AND o.status IN ('sent', 'merged') AND o.sent_at < e.issued_at)"
            " FROM escalations e JOIN items i ON i.id = e.item_id"
        ).fetchall()
    assert rows
    for item_id, number, level, facts, issued_at, reached in rows:
        conditions = json.loads(facts)
        assert conditions, number
        for condition in conditions:
            if condition["key"] in ("dispatch_unanswered", "unanswered_dispatches"):
                assert condition["count"] <= reached, (number, condition)
        if level == 5:
            assert item_id in held, number
            assert held[item_id] < issued_at, number
        assert number != "14"


def assert_the_work_group_was_told_what_happened(transcript: str, database: Path) -> None:
    """The office's DingTalk work group, registered by the admin in chat, got through its robot the first
    line, each week's summary on the day leadership got theirs, one 通报 per red notice issued and one 销号公告
    per sign-off approved, each of the item the store names, and nothing twice."""
    group = "→ 市督查室钉钉工作群（钉钉）："
    posts = [line.split(group, 1)[1] for line in transcript.splitlines() if group in line]
    assert posts[0].startswith("【督办】本群机器人“市督查室钉钉工作群”已登记")
    weeks = re.findall(r"【整改工作周报】(\S+)", "\n".join(posts))
    assert weeks
    assert weeks == re.findall(r"→ 黄组长（leadership）：领导小组周报 (\S+)", transcript)
    with sqlite3.connect(database) as db:
        red = db.execute(
            "SELECT i.number FROM escalations e JOIN items i ON i.id = e.item_id WHERE e.level = 3"
        ).fetchall()
        approved = db.execute(
            "SELECT i.number FROM signoff_requests s JOIN items i ON i.id = s.item_id WHERE s.status = 'approved'"
        ).fetchall()
        accepted = db.execute(
            "SELECT COUNT(*) FROM outbox WHERE robot_id IS NOT NULL AND status = 'accepted'"
        )
        assert accepted.fetchone()[0] == len(posts)
    assert red
    assert approved
    noticed = re.findall(r"^【通报】第(\S+?)项", "\n".join(posts), re.MULTILINE)
    assert sorted(noticed) == sorted(number for (number,) in red)
    signed = re.findall(r"^【销号公告】第(\S+?)项", "\n".join(posts), re.MULTILINE)
    assert sorted(signed) == sorted(number for (number,) in approved)
    assert len(posts) == 1 + len(weeks) + len(red) + len(approved)


def test_demo_speaks_english_on_request(tmp_path: Path) -> None:
    transcript = run_demo(tmp_path, "--lang", "en")
    assert "Demo finished." in transcript
    assert "Progress dispatch: item" in transcript
    assert "【进展调度】" not in transcript
