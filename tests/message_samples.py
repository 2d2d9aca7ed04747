"""Sample parameters for every message template, so each one is rendered in both locales by a test.

A new template without a sample here fails `test_every_template_has_a_sample`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from ledger.model import ItemSpec, ItemStatus, LedgerRow, Role, Target
from ledger.schedule import DeadlineState, Timing
from services.escalations import IssuedEscalation
from services.roster import PersonView, RoleView, RosterOutcome, UnitSummary
from services.views import EscalationView, ItemDetail, ItemLine, ReportView, StalledView, UnitGroup, UnitView

_SPEC = ItemSpec(
    number="24.1", title="铬污染场地修复推进缓慢", problem="……", start=date(2020, 12, 16),
    targets=[Target("完成修复", date(2020, 12, 31))],
)  # fmt: skip
_ROW = LedgerRow(_SPEC, ItemStatus.BEHIND, 40, 12, date(2021, 1, 3), 2)
_PERSON = PersonView(1, "张伟", None, True, "ABCDEFGH23", (RoleView(Role.OFFICER, "市住建局"),))
_LINES = (
    ItemLine("24.1", "铬污染场地修复推进缓慢", ItemStatus.BEHIND, 40, date(2020, 12, 31), DeadlineState(Timing.OVERDUE, 12), date(2021, 1, 3)),
    ItemLine("3", "扬尘治理", ItemStatus.IN_PROGRESS, 10, date(2021, 1, 3), DeadlineState(Timing.DUE, 0), None),
    ItemLine("5", "河道整治", ItemStatus.ON_SCHEDULE, 60, date(2021, 3, 1), DeadlineState(Timing.DUE, 57), None),
    ItemLine("1", "绿色发展", ItemStatus.NOT_STARTED, 0, None, DeadlineState(Timing.CONTINUING), None),
    ItemLine("2", "水源地保护", ItemStatus.SIGNED_OFF, 100, date(2020, 6, 30), DeadlineState(Timing.CLOSED), None),
)  # fmt: skip
_DETAIL = ItemDetail(
    _LINES[0],
    _SPEC,
    (ReportView(datetime(2021, 1, 3, 2, 0, tzinfo=UTC), "张伟", 40, "完成方案编制"),),
    2,
    (
        EscalationView(datetime(2021, 1, 5, 2, 0, tzinfo=UTC), 2, "deadline_passed", None, True),
        EscalationView(datetime(2021, 1, 20, 2, 0, tzinfo=UTC), 3, "by_hand", "约谈前通报", False),
    ),
)

# Every import note gets all parameters any note uses; each template picks its own.
IMPORT_PARAMS: dict[str, Any] = {
    "location_line": 12, "location_row": None, "item": "24.1", "field": "整改时限", "text": "年内", "chosen": "2020-12-31",
    "target": "2", "label": "配合单位", "expected": "2", "found": "1", "reason": "binary", "path": "x.txt",
    "column": "备注",
}  # fmt: skip

_BOUND = PersonView(
    2, "张伟", 4242, False, None, (RoleView(Role.OFFICER, "市住建局"), RoleView(Role.ADMIN, None))
)
_SUMMARY: dict[str, Any] = {
    "applied": False, "new": 1, "new_numbers": ["1"], "changed": [("16", ["截止日期"])], "unchanged": 2,
    "new_units": ["市住建局"], "not_in_file": ["99"], "warnings": ["w"], "errors": [],
}  # fmt: skip
# The admin's chat commands (handlers/admin.py, handlers/ledger_files.py) and `duban people invites`.
ADMIN_SAMPLES: dict[str, dict[str, Any]] = {
    "chat/admin/usage": {"command": "person_add"},
    "chat/admin/units": {"units": [UnitSummary(1, "市住建局", 2)]},
    "chat/admin/unit_added": {"name": "市住建局"},
    "chat/admin/people": {"people": [_PERSON, _BOUND], "unit": None},
    "chat/admin/person_added": {"person": _PERSON, "link": "https://t.me/duban_bot?start=ABCDEFGH23"},
    "chat/admin/role_granted": {"person": _BOUND},
    "chat/admin/deactivated": {"person": _BOUND},
    "chat/admin/invite": {
        "person": _PERSON,
        "link": "https://t.me/duban_bot?start=ABCDEFGH23",
        "renewed": True,
    },
    "chat/admin/import_summary": _SUMMARY,
    "chat/admin/import_apply_button": {},
    "chat/admin/import_cancel_button": {},
    "chat/admin/import_cancelled": {},
    "chat/admin/import_gone": {},
    "chat/admin/file_too_big": {"megabytes": 20},
    "chat/admin/export_file_name": {"date": date(2026, 11, 20)},
    "chat/admin/export_caption": {"count": 18},
    "errors/bot_username_needed": {},
    "cli/invites_written": {"path": "invites.xlsx", "count": 3},
    "cli/invites_sheet": {},
    "errors/unknown_person": {"person": "王五"},
    "errors/ambiguous_person": {"person": "张伟", "candidates": [_PERSON, _BOUND]},
    "errors/role_already_held": {"person": "张伟", "role": "supervisor", "unit": "市住建局"},
    "errors/person_inactive": {"person": "张伟"},
    "errors/person_already_bound": {"person": "张伟"},
    "errors/cannot_deactivate_self": {},
}

_DRAFT = {
    "number": "24.1",
    "title": "铬污染场地修复",
    "current": 40,
    "percent": 30,
    "text": "纠正：复核后下调",
    "files": 2,
}
REPORT_SAMPLES: dict[str, dict[str, Any]] = {
    "chat/report/ask_percent": _DRAFT,
    "chat/report/ask_text": _DRAFT,
    "chat/report/ask_evidence": _DRAFT,
    "chat/report/file_added": _DRAFT,
    "chat/report/summary": {**_DRAFT, "percent": None},
    "chat/report/cancelled": _DRAFT,
    "chat/report/expired": {},
    "chat/report/buttons": {"current": 40},
    "chat/report/saved": {
        "number": "24.1", "title": "铬污染场地修复", "percent_before": 0, "percent_after": 60,
        "status_before": "未启动", "status_after": "推进中", "files": 3, "album": True,
    },
    "errors/report/usage": {},
    "errors/report/bad_percent": {"value": "150"},
    "errors/report/needs_text": {},
    "errors/report/lower_needs_text": {"current": 60, "percent": 40},
    "errors/report/not_yours": {"number": "24.1"},
    "errors/report/signed_off": {"number": "24.1"},
    "errors/report/not_item_message": {},
    "errors/evidence/too_big": {"name": "scan.pdf"},
    "errors/evidence/unsupported": {"name": "setup.exe"},
    "errors/evidence/no_item": {},
}  # fmt: skip

_NOTIFY_ITEM: dict[str, Any] = {
    "number": "24.1",
    "title": "铬污染场地修复",
    "percent": 40,
    "deadline": date(2026, 12, 31),
}
_HISTORY = [(date(2026, 10, 9), "3", "long_overdue"), (date(2026, 10, 23), "4", "no_report_at_red")]
NOTIFY_SAMPLES: dict[str, dict[str, Any]] = {
    "notify/reminder": {**_NOTIFY_ITEM, "days": 7, "ref": "t12"},
    "notify/dispatch": {**_NOTIFY_ITEM, "due": date(2026, 11, 19)},
    **{
        f"notify/{kind}": {**_NOTIFY_ITEM, "reason": "long_overdue", "level": level, "history": _HISTORY}
        for kind, level in (("blue", 1), ("yellow", 2), ("red", 3), ("summons", 4), ("referral", 5))
    },
    "notify/calendar_missing": {"years": [2027]},
    "notify/unreachable": {"name": "张伟"},
    "chat/reminder/acknowledged": {"number": "24.1"},
    "chat/reminder/snoozed": {"number": "24.1", "until": datetime(2026, 12, 14, 1, 0, tzinfo=UTC)},
    "chat/reminder/issued": {"issued": IssuedEscalation("24.1", "铬污染场地修复", 3)},
    "errors/reminder/not_yours": {},
    "errors/reminder/not_snoozable": {},
    "errors/reminder/snooze_limit": {"limit": 2},
    "errors/reminder/snooze_past_deadline": {"deadline": date(2026, 12, 31)},
    "errors/reminder/hand_usage": {"command": "warn"},
    "errors/reminder/not_supervisor": {"number": "24.1"},
}

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
    "cli/no_token": {},
    "cli/bad_token": {},
    "cli/telegram_failed": {"error": "Bad webhook: an HTTPS URL must be provided for webhook"},
    "cli/running": {"webhook": "https://duban.example/hook"},
    "cli/stopped": {},
    "errors/listen_needs_webhook": {},
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
    "chat/failed": {},
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
    "chat/items/my": {"lines": _LINES},
    "chat/items/item_usage": {},
    "chat/items/detail": {"item": _DETAIL},
    "chat/items/unit": {
        "views": [UnitView("市住建局", ((ItemStatus.BEHIND, 1), (ItemStatus.SIGNED_OFF, 1)), _LINES)]
    },
    "chat/items/overdue": {"groups": [UnitGroup("市住建局", _LINES[:1]), UnitGroup(None, _LINES[:1])]},
    "chat/items/stalled": {"view": StalledView(date(2021, 1, 1), (UnitGroup("市住建局", _LINES[:2]),))},
    "errors/unit_not_visible": {"unit": "市水务局", "units": ["市住建局"]},
    "errors/unit_name_needed": {"units": ["市住建局"]},
    **ADMIN_SAMPLES,
    **REPORT_SAMPLES,
    **NOTIFY_SAMPLES,
}
