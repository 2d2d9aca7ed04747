"""`duban demo` runs the whole job offline and ends with the files it names."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from docx import Document
from openpyxl import load_workbook


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
    # The officer who never answers climbs the ladder to a summons proposal.
    for step in ("【督办提醒】", "【预警】", "【通报】", "【约谈建议】"):
        assert step in transcript, step
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


def test_demo_speaks_english_on_request(tmp_path: Path) -> None:
    transcript = run_demo(tmp_path, "--lang", "en")
    assert "Demo finished." in transcript
    assert "Progress dispatch: item" in transcript
    assert "【进展调度】" not in transcript
