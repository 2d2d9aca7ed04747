"""The columns of the ledger spreadsheet: one definition shared by the export, the template and the import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ledger.model import Measure, Target


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    width: int
    importable: bool = True
    aliases: tuple[str, ...] = ()

    def headers(self) -> tuple[str, ...]:
        return (self.zh, self.en, *self.aliases)


LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("number", "编号", "Number", 8, aliases=("序号", "问题编号", "No.")),
    Column("category", "类别", "Category", 16, aliases=("督察类别",)),
    Column("title", "标题", "Title", 28, aliases=("问题标题",)),
    Column(
        "problem",
        "问题描述",
        "Problem",
        44,
        aliases=("问题", "反馈问题", "存在问题", "督察反馈问题", "问题内容"),
    ),
    Column("cause", "原因分析", "Cause", 24),
    Column("targets", "整改目标", "Targets", 36, aliases=("整改任务", "目标任务")),
    Column(
        "deadline_text",
        "整改时限",
        "Deadline as written",
        20,
        aliases=("完成时限", "完成期限", "整改期限", "完成时间"),
    ),
    Column("deadline", "截止日期", "Deadline", 12),
    Column("continuing", "长期坚持", "Continuing", 10),
    Column("start", "开始日期", "Start", 12),
    Column("lead_units", "牵头单位", "Lead units", 20, aliases=("牵头部门",)),
    Column("responsible_units", "责任单位", "Responsible units", 30, aliases=("责任部门", "责任主体")),
    Column("responsible_leader", "责任领导", "Responsible leader", 20, aliases=("责任领导人",)),
    Column("responsible_person", "责任人员", "Responsible person", 20, aliases=("责任人",)),
    Column("supervising_units", "督导单位", "Supervising units", 24, aliases=("督办单位",)),
    Column("measures", "整改措施", "Measures", 48, aliases=("具体措施", "工作措施")),
    Column("status", "整改状态", "Status", 12, importable=False),
    Column("percent", "完成进度(%)", "Percent done", 10, importable=False),
    Column("progress_text", "整改进展情况", "Progress", 40, importable=False),
    Column("level", "督办等级", "Escalation level", 10, importable=False),
    Column("days_overdue", "逾期天数", "Days overdue", 10, importable=False),
    Column("last_report", "最近报告日期", "Last report", 16, importable=False),
    Column("signoff_state", "销号状态", "Sign-off", 12, importable=False),
    Column("signed_off_on", "销号日期", "Signed off on", 16, importable=False),
    Column("evidence_count", "佐证材料数", "Evidence files", 10, importable=False),
)
DATE_COLUMNS = frozenset({"deadline", "start", "last_report", "signed_off_on"})
# The exported ledger's sheet of indicators (指标台账): written, never read back (the indicator template,
# `duban export --indicator-template`, is what imports).
INDICATOR_SHEET_COLUMNS: tuple[Column, ...] = (
    Column("number", "序号", "No.", 6, importable=False),
    Column("category", "类别", "Category", 12, importable=False),
    Column("name", "指标名称", "Indicator", 30, importable=False),
    Column("unit", "单位", "Unit", 12, importable=False),
    Column("attribute", "属性", "Attribute", 8, importable=False),
    Column("baseline", "基期值(年)", "Baseline (year)", 14, importable=False),
    Column("target", "目标值(年)", "Target (year)", 18, importable=False),
    Column("latest", "最新值", "Latest value", 10, importable=False),
    Column("period", "期间", "Period", 12, importable=False),
    Column("mean", "当年累计均值", "Running mean of the year", 12, importable=False),
    Column("path", "序时目标", "Path", 10, importable=False),
    Column("state", "状态", "State", 16, importable=False),
    Column("responsible_unit", "责任单位", "Responsible unit", 18, importable=False),
)

UNIT_SEPARATOR = "、"
YES = "是"
NO = "否"

_NUMBERED_LINE = re.compile(r"^\s*(\d+)\s*[.．、]\s*")
_DUE_SUFFIX = re.compile(r"（时限：(\d{4}-\d{2}-\d{2})）\s*$")


def format_numbered(entries: list[tuple[str, date | None]]) -> str:
    """Targets or measures as one cell: `1. text（时限：2020-12-31）`, one per line."""
    lines = []
    for index, (text, due) in enumerate(entries, start=1):
        suffix = f"（时限：{due.isoformat()}）" if due else ""
        lines.append(f"{index}. {text}{suffix}")
    return "\n".join(lines)


def parse_numbered(cell: str) -> list[tuple[str, date | None]]:
    """The inverse of `format_numbered`; a cell without numbers is one entry."""
    entries: list[tuple[str, date | None]] = []
    for raw in cell.splitlines():
        line = raw.strip()
        if not line:
            continue
        numbered = _NUMBERED_LINE.match(line)
        if numbered is None and entries:
            # A line break inside one entry: it continues the previous one.
            text, due = entries[-1]
            entries[-1] = (text + line, due)
            continue
        body = line[numbered.end() :] if numbered else line
        due_match = _DUE_SUFFIX.search(body)
        due = date.fromisoformat(due_match.group(1)) if due_match else None
        entries.append((body[: due_match.start()] if due_match else body, due))
    return entries


def targets_cell(targets: list[Target]) -> str:
    return format_numbered([(t.text, t.deadline) for t in targets])


def measures_cell(measures: list[Measure]) -> str:
    return format_numbered([(m.text, m.due) for m in measures])
