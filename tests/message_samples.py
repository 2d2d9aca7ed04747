"""Sample parameters for every message template, so each one is rendered in both locales by a test.

A new template without a sample here fails `test_every_template_has_a_sample`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.model import ItemSpec, ItemStatus, LedgerRow, Role, Target
from services.roster import PersonView, RoleView, RosterOutcome, UnitSummary

_SPEC = ItemSpec(
    number="24.1", title="铬污染场地修复推进缓慢", problem="……", start=date(2020, 12, 16),
    targets=[Target("完成修复", date(2020, 12, 31))],
)  # fmt: skip
_ROW = LedgerRow(_SPEC, ItemStatus.BEHIND, 40, 12, date(2021, 1, 3), 2)
_PERSON = PersonView(1, "张伟", None, True, "ABCDEFGH23", (RoleView(Role.OFFICER, "市住建局"),))

# Every import note gets all parameters any note uses; each template picks its own.
IMPORT_PARAMS: dict[str, Any] = {
    "location_line": 12, "location_row": None, "item": "24.1", "field": "整改时限", "text": "年内", "chosen": "2020-12-31",
    "target": "2", "label": "配合单位", "expected": "2", "found": "1", "reason": "binary", "path": "x.txt",
    "column": "备注",
}  # fmt: skip

SAMPLES: dict[str, dict[str, Any]] = {
    "cli/settings_error": {"line": "DUBAN_TIMEZONE: unknown"},
    "cli/not_migrated": {"current": None, "head": "0001"},
    "cli/db_upgraded": {"before": None, "after": "0001"},
    "cli/import_summary": {
        "path": "plan.txt",
        "dry_run": True,
        "applied": False,
        "new": 1,
        "changed": [("16", ["截止日期"])],
        "unchanged": 2,
        "new_units": ["市住建局"],
        "not_in_file": ["99"],
        "warnings": ["w"],
        "errors": [],
    },
    "cli/ledger_sheet_title": {},
    "cli/template_written": {"path": "t.xlsx"},
    "cli/export_written": {"path": "l.xlsx", "count": 18},
    "cli/items_table": {"rows": [(_ROW, "进度滞后")]},
    "cli/units_table": {"units": [UnitSummary(1, "市住建局", 2)]},
    "cli/unit_added": {"name": "市住建局"},
    "cli/people_table": {"people": [_PERSON], "role_label": lambda role: role.value},
    "cli/person_added": {"person": _PERSON, "role": "责任人员", "unit": "市住建局"},
    "cli/roster_summary": {"outcome": RosterOutcome(created=["a"]), "dry_run": False, "errors": []},
    "cli/demo_imported": {"path": "plan.txt", "items": 18, "units": ["市住建局"]},
    "cli/demo_done": {"folder": "data/demo", "workbook": "data/demo/ledger.xlsx"},
    "chat/menu": {},
    "chat/stranger": {},
    "chat/needs_role": {"roles": ["管理员"]},
    "chat/bind_unknown_code": {},
    "chat/bind_used_code": {},
    "chat/bind_other_account": {},
    "chat/bind_done": {"name": "张伟", "roles": [("责任人员", "市住建局")], "already": False},
    "chat/whoami": {"name": "张伟", "roles": [("责任人员", "市住建局")], "telegram_id": 42, "already": False},
    "chat/lang_usage": {"locales": ("zh_CN", "en")},
    "chat/lang_set": {},
    "chat/unknown": {},
    "chat/help": {"welcome": True, "name": "张伟", "officer": True, "overseer": True, "admin": True},
    "errors/empty_unit_name": {},
    "errors/unit_exists": {"unit": "市住建局"},
    "errors/empty_person_name": {},
    "errors/telegram_id_taken": {"telegram_id": 42},
    "errors/role_needs_unit": {"role": "officer"},
    "errors/unknown_unit": {"unit": "市住建局"},
    "errors/unknown_role": {"role": "boss"},
    "errors/bad_item_number": {"text": "abc"},
    "errors/unknown_item": {"number": "24.1"},
}
