"""Sample parameters for every message template, so each one is rendered in both locales by a test.

A new template without a sample here fails `test_every_template_has_a_sample`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot.simulate import Event
from handlers.menus import CommandLine
from ledger.closing import HistoryEntry
from ledger.digest import Digest, UnitDigest, WeeklySummary
from ledger.digest import Entry as DigestEntry
from ledger.drafts import LadderDraft, SummonsHeld
from ledger.indicator_board import IndicatorBoard
from ledger.indicator_progress import TrackState, Verdict
from ledger.indicators import Direction
from ledger.model import ItemSpec, ItemStatus, LedgerRow, Role, Target
from ledger.robots import RobotPlatform
from ledger.schedule import DeadlineState, Timing
from ledger.signoff import EvidenceLink, EvidenceRule, PartKind, coverage
from ledger.status import count_statuses, summarize
from services.complaints import ComplaintAdded, ComplaintImportOutcome, ComplaintView, RepeatLink
from services.escalations import IssuedEscalation
from services.extensions import ExtensionView
from services.history import ItemHistory
from services.ledger import KeptExtension
from services.outbox import Delivery
from services.reports import ItemBrief
from services.robots import RobotView
from services.roster import PersonView, RoleView, RosterOutcome, UnitSummary
from services.settings import Cadence, CalendarView, DayChange, DayOverride, RuleChange, RuleView
from services.signoff import (
    Decision,
    Filed,
    Linked,
    Packet,
    PendingRequest,
    PendingView,
    Preview,
    SignOffView,
    Withdrawn,
)
from services.spotchecks import SpotCheckView
from services.summonses import SummonsView
from services.units import MergedUnits
from services.views import EscalationView, ItemDetail, ItemLine, ReportView, StalledView, UnitGroup, UnitView
from storage.review import ExtensionStatus, SignOffStatus, SpotCheckStatus
from tests.dossier_samples import DOSSIER_SAMPLES
from tests.indicator_message_samples import BOARD, INDICATOR_SAMPLES
from tests.indicator_value_samples import INDICATOR_VALUE_SAMPLES
from tests.report_samples import REPORT_DOC_SAMPLES

_SPEC = ItemSpec(
    number="24.1", title="铬污染场地修复推进缓慢", problem="……", start=date(2020, 12, 16),
    targets=[Target("完成修复", date(2020, 12, 31))],
)  # fmt: skip
_ROW = LedgerRow(_SPEC, ItemStatus.OVERDUE, 40, 12, date(2021, 1, 3), 2)
_PERSON = PersonView(1, "张伟", None, True, "ABCDEFGH23", (RoleView(Role.OFFICER, "市住建局"),))
_LINES = (
    ItemLine("24.1", "铬污染场地修复推进缓慢", ItemStatus.OVERDUE, 40, date(2020, 12, 31), DeadlineState(Timing.OVERDUE, 12), date(2021, 1, 3)),
    ItemLine("3", "扬尘治理", ItemStatus.BEHIND, 10, date(2021, 1, 3), DeadlineState(Timing.DUE, 0), None),
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
        EscalationView(
            datetime(2021, 1, 5, 2, 0, tzinfo=UTC),
            2,
            "deadline_passed",
            None,
            True,
            [{"key": "deadline_passed", "days": 3, "deadline": "2020-12-31"}],
        ),
        EscalationView(datetime(2021, 1, 20, 2, 0, tzinfo=UTC), 3, "by_hand", "约谈前通报", False, []),
    ),
    signoff=SignOffView(
        SignOffStatus.RETURNED,
        "已完成修复并通过验收",
        "张伟",
        datetime(2021, 2, 1, 2, 0, tzinfo=UTC),
        "缺少第三方检测报告",
        ("整改办",),
        date(2021, 2, 10),
    ),
)

# Every import note gets all parameters any note uses; each template picks its own.
IMPORT_PARAMS: dict[str, Any] = {
    "location_line": 12, "location_row": None, "item": "24.1", "field": "整改时限", "text": "年内", "chosen": "2020-12-31",
    "target": "2", "label": "配合单位", "expected": "2", "found": "1", "reason": "binary", "path": "x.txt",
    "column": "备注", "deadline": "2018-12-31", "start": "2026-12-02", "year": "2026", "suffix": ".doc",
    "unit": "各成员单位", "names": "住建局、市住建局", "name": "住建局", "into": "市住建局", "items": "1、3",
    "current": "0005", "head": "0006",
    "header_year": "2020", "value_year": "2019", "text_target": "90%", "table_target": "88.5%",
}  # fmt: skip

_BOUND = PersonView(
    2, "张伟", 4242, False, None, (RoleView(Role.OFFICER, "市住建局"), RoleView(Role.ADMIN, None))
)
_SUMMARY: dict[str, Any] = {
    "applied": False, "new": 1, "new_numbers": ["1"], "changed": [("16", ["截止日期"])], "unchanged": 2,
    "new_units": ["市住建局"], "not_in_file": ["99"], "warnings": ["w"], "errors": [],
    "read": 5, "imported": 3, "merged": ["第4行：续接上一行"], "skipped": ["第6行：重复的表头行"], "unassigned": ["2"],
    "unreached": ["市水务局"], "kept_extensions": [KeptExtension("24", date(2026, 12, 31), date(2027, 3, 31))],
    "indicators": {"new": 18, "changed": ["森林覆盖率"], "unchanged": 1},
}  # fmt: skip
_MERGED = MergedUnits("住建局", "市住建局", 2, ("3", "16"), 1, True)
# The digests (ledger/digest.py, services/digests.py, handlers/digests.py).
_DIGEST = Digest(
    date(2021, 1, 18),
    date(2021, 1, 16),
    (
        UnitDigest(
            "市住建局",
            reports=(DigestEntry("24.1", "铬污染场地修复推进缓慢", 60, 2),),
            evidence=(DigestEntry("24.1", "铬污染场地修复推进缓慢", 60, 3),),
            waiting_review=(DigestEntry("25", "黑臭水体", 100),),
            overdue=(DigestEntry("26", "扬尘", 40, 12),),
            stalled=(DigestEntry("27", "垃圾填埋场渗滤液处理", 10),),
            escalations=(DigestEntry("26", "扬尘", 40, 3),),
            signed_off=(DigestEntry("28", "油烟", 100),),
        ),
        UnitDigest(None, overdue=(DigestEntry("29", "秸秆焚烧", 0, 1),)),
    ),
)
_WEEKLY = WeeklySummary(
    date(2021, 1, 18),
    summarize([(s, n != 1) for n, s in enumerate(ItemStatus) for _ in range(n + 1)]),
    (("市住建局", 3), ("市水务局", 1)),
    BOARD,  # an indicator ledger with every state: one off track, one unreported
)
# No item, and indicators none of which is binding (none judged).
_WEEKLY_EMPTY = WeeklySummary(
    date(2021, 1, 18),
    summarize([]),
    (),
    IndicatorBoard(BOARD.as_of, tuple(line for line in BOARD.lines if not line.binding)),
)
_GROUP_ITEM = {"number": "24.1", "title": "铬污染场地修复推进缓慢", "units": ("市住建局", "市水务局")}
DIGEST_SAMPLES: dict[str, dict[str, Any]] = {
    "notify/digest": {"digest": _DIGEST},
    "notify/digest_long": {
        "digest": _DIGEST, "file_name": "督办日报-2021-01-18.xlsx",
        "labels": {"waiting_review": "待审核销号", "escalations": "今日升级", "overdue": "逾期", "reports": "新报送进展",
                   "evidence": "新增佐证材料", "stalled": "未报送", "signed_off": "已销号"},
    },
    "notify/digest_file_name": {"digest": _DIGEST},
    "reports/digest_sheet": {"digest": _DIGEST},
    "notify/item_button": {"number": "24.1", "label": "立即报送"},
    "notify/digest_weekly": {"summary": _WEEKLY},
    "notify/digest_group_weekly": {"summary": _WEEKLY_EMPTY},
    "notify/digest_group_red": _GROUP_ITEM,
    "notify/digest_group_signoff": {**_GROUP_ITEM, "units": ()},
    "chat/digest/button": {"number": "24.1"},
    "chat/digest/nothing": {},
    "chat/digest/group_on": {"title": "整改办工作群", "already": False},
    "chat/digest/group_off": {"title": None},
    "errors/digest/not_a_group": {},
    "errors/digest/group_unknown": {},
    "errors/digest/group_usage": {},
}  # fmt: skip
# The group robots (handlers/robots.py, bot/robot_sender.py).
_ROBOT = RobotView(
    3, RobotPlatform.DINGTALK, "整改办钉钉群", "oapi.dingtalk.com/robot/send…a1b2", True, True, None
)
_STOPPED = RobotView(
    4,
    RobotPlatform.FEISHU,
    "飞书群",
    "open.feishu.cn/open-apis/bot/v2/hook/…4321",
    False,
    False,
    "19021 sign match fail or timestamp is not within one hour from current time",
)
ROBOT_SAMPLES: dict[str, dict[str, Any]] = {
    "notify/robot_hello": {"name": "整改办钉钉群"},
    "notify/robot_refused": {"name": "整改办钉钉群", "platform": "dingtalk", "id": 3, "error": "310000 sign not match"},
    "chat/robot/registered": {"robot": _ROBOT},
    "chat/robot/list": {"robots": [_ROBOT, _STOPPED]},
    "chat/robot/stopped": {"robot": _ROBOT},
    "chat/robot/default_name": {},
    "errors/robot/unknown_platform": {"word": "微博"},
    "errors/robot/bad_address": {"platform": "wecom"},
    "errors/robot/bad_secret": {"platform": "dingtalk"},
    "errors/robot/no_secret_needed": {},
    "errors/robot/bad_name": {"limit": 100},
    "errors/robot/unknown": {"id": 9},
    "errors/robot/usage": {},
    "errors/robot/private_only": {},
    "cli/robot_registered": {"robot": _ROBOT},
    "cli/robots_table": {"robots": [_ROBOT, _STOPPED]},
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
    "errors/store_busy": {"changed": False},
}

_DRAFT = {
    "number": "24.1",
    "title": "铬污染场地修复",
    "current": 40,
    "percent": 30,
    "text": "纠正：复核后下调",
    "files": 2,
}
_BRIEF = ItemBrief("24.1", "铬污染场地修复推进缓慢，涉及多个地块", 40)
REPORT_SAMPLES: dict[str, dict[str, Any]] = {
    "chat/report/ask_percent": _DRAFT,
    "chat/report/ask_text": _DRAFT,
    "chat/report/ask_evidence": _DRAFT,
    "chat/report/file_added": {**_DRAFT, "step": "evidence"},
    "chat/report/which_item": {"items": [_BRIEF, _BRIEF], "files": 1, "text": "闭水试验现场"},
    "chat/report/which_button": {"brief": ItemBrief("24.1", "河道整治", 10)},
    "chat/report/which_expired": {},
    "chat/report/which_cancelled": {},
    "chat/report/summary": {**_DRAFT, "percent": None},
    "chat/report/cancelled": _DRAFT,
    "chat/report/expired": {},
    "chat/button_expired": {},
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
    "errors/report/signoff_open": {"number": "24.1", "percent": 80},
    "errors/report/not_item_message": {},
    "errors/evidence/too_big": {"name": "scan.pdf", "megabytes": 20},
    "errors/evidence/unsupported": {"name": "setup.exe"},
    "errors/evidence/no_item": {"items": [("24.1", "铬污染场地修复"), ("3", "扬尘治理")], "total": 12},
    "errors/evidence/not_reportable": {"number": "99", "items": [], "total": 0},
}  # fmt: skip

_NOTIFY_ITEM: dict[str, Any] = {
    "number": "24.1",
    "title": "铬污染场地修复",
    "percent": 40,
    "deadline": date(2026, 12, 31),
}
_HISTORY = [
    (date(2026, 10, 9), "3", "long_overdue", [{"key": "long_overdue", "days": 12, "deadline": "2026-09-22"}]),
    (
        date(2026, 10, 23),
        "4",
        "no_report_at_red",
        [{"key": "no_report_at_red", "since": "2026-10-09", "days": 10}],
    ),
    (date(2026, 9, 1), "1", "behind_schedule", []),  # stored before facts were kept: said by its key
]
_LADDER_DRAFT = LadderDraft(
    "39", "民用散煤污染控制不力", ("市市场监管局", "市工信局"), ("市生态环境保护督察整改办公室",), date(2026, 9, 22),
    0, date(2026, 11, 20), "督察整改工作领导小组办公室", tuple(_HISTORY),
    SummonsHeld(date(2026, 11, 2), "市市场监管局局长、分管副局长"),
)  # fmt: skip
DRAFT_SAMPLES: dict[str, dict[str, Any]] = {
    "reports/draft_names": {"number": "39"},
    "reports/draft_summons": {"draft": _LADDER_DRAFT},
    "reports/draft_referral": {"draft": _LADDER_DRAFT},
}
NOTIFY_SAMPLES: dict[str, dict[str, Any]] = {
    "notify/reminder": {
        **_NOTIFY_ITEM,
        "days": 7,
        "late": 0,
        "ref": "t12",
        "extended_from": date(2026, 11, 30),
    },
    "notify/dispatch": {**_NOTIFY_ITEM, "due": date(2026, 11, 19)},
    **{
        f"notify/{kind}": {
            **_NOTIFY_ITEM,
            "reason": "long_overdue",
            "conditions": [
                {"key": "dispatch_unanswered", "count": 1},
                {"key": "behind_schedule", "expected": 40, "actual": 0},
                {"key": "long_overdue", "days": 12, "deadline": "2026-09-22"},
                {"key": "no_progress_after_summons", "held": "2026-11-18", "days": 10},
            ],
            "level": level,
            "history": _HISTORY,
            "note": "渣土苫盖被大风掀开，立即处置",
            "received": 1,
        }
        for kind, level in (("blue", 1), ("yellow", 2), ("red", 3), ("summons", 4), ("referral", 5))
    },
    "notify/calendar_missing": {"years": [2027]},
    "notify/chat_state_damaged": {
        "reason": "JSONDecodeError: Expecting value",
        "set_aside": "chat_state.json.damaged-20261120T003000Z",
    },
    "notify/unreachable": {"name": "张伟"},
    "chat/reminder/acknowledged": {"number": "24.1"},
    "chat/settings/cadences": {"cadences": [Cadence("24.1", (5, 20))]},
    "chat/settings/cadence_set": {"cadence": Cadence("24.1", (5, 20))},
    "errors/settings/bad_cadence": {"text": "32"},
    "chat/reminder/snoozed": {"number": "24.1", "until": datetime(2026, 12, 14, 1, 0, tzinfo=UTC)},
    "chat/reminder/issued": {
        "issued": IssuedEscalation(
            "24.1",
            "铬污染场地修复",
            3,
            Delivery(("张伟", "李局长"), datetime(2026, 12, 15, 8, 0, tzinfo=UTC)),
        )
    },
    "errors/reminder/not_yours": {},
    "errors/reminder/not_snoozable": {},
    "errors/reminder/snooze_limit": {"limit": 2},
    "errors/reminder/snooze_past_deadline": {"deadline": date(2026, 12, 31)},
    "errors/reminder/hand_usage": {"command": "warn"},
    "errors/reminder/not_supervisor": {"number": "24.1"},
    "errors/reminder/urgent_admin_only": {},
}

_RULE = RuleView("reminder_offsets", "list", 0, 30, "30,14,7", "30,14,7,3,1,0", "30,14,7,3,1,0")
_DAY = DayOverride(date(2026, 10, 10), True, "国庆调休上班")
SETTINGS_SAMPLES: dict[str, dict[str, Any]] = {
    "chat/settings/rules": {
        "rules": [_RULE, RuleView("quiet_start", "time", 0, 0, "22:00", "22:00", "21:00")]
    },
    "chat/settings/rule_set": {"change": RuleChange(_RULE, "30,14,7,3,1,0")},
    "chat/settings/rule_reset": {"change": RuleChange(_RULE, "30,14,7")},
    "chat/settings/calendar": {"calendar": CalendarView([_DAY], [(2026, True), (2027, False)])},
    "chat/settings/day_set": {"change": DayChange(_DAY, DayOverride(_DAY.day, False, None))},
    "chat/settings/day_cleared": {"override": _DAY},
    "chat/settings/usage": {"command": "rules", "names": ["reminder_offsets", "snooze_max"]},
    "errors/settings/unknown_rule": {"name": "reminder", "names": ["reminder_offsets", "snooze_max"]},
    "errors/settings/bad_value": {
        "name": "snooze_max",
        "value": "99",
        "kind": "number",
        "low": 0,
        "high": 10,
    },
    "errors/settings/bad_date": {"text": "2026-13-01"},
    "errors/settings/no_override": {"day": date(2026, 10, 10)},
    "errors/settings/note_too_long": {"limit": 200},
}

_COVERAGE = coverage(
    [(1, "完成修复"), (2, "通过验收")],
    [(1, "编制方案"), (2, "开展修复")],
    [EvidenceLink(target_id=1, measure_id=1), EvidenceLink()],
)
_PENDING = PendingRequest(
    7,
    "24.1",
    "铬污染场地修复推进缓慢",
    SignOffStatus.UNDER_REVIEW,
    "张伟",
    datetime(2021, 2, 1, 2, 0, tzinfo=UTC),
)
_SIGNOFF_ITEM = {
    "number": "24.1",
    "title": "铬污染场地修复推进缓慢",
    "statement": "已完成修复",
    "requester": "张伟",
}
SIGNOFF_SAMPLES: dict[str, dict[str, Any]] = {
    "chat/signoff/buttons": {},
    "chat/signoff/ask_statement": {"preview": Preview("24.1", "铬污染场地修复推进缓慢", _COVERAGE, EvidenceRule.MEASURE)},
    "chat/signoff/filed": {"filed": Filed(7, "24.1", "铬污染场地修复推进缓慢", _COVERAGE, EvidenceRule.ITEM, ("李局长",))},
    "chat/signoff/confirmed": {"packet": Packet(7, "24.1", ((42, "zh_CN"),), ())},
    "chat/signoff/decided": {
        "decision": Decision("24.1", "铬污染场地修复推进缓慢", "returned", status=ItemStatus.BASICALLY_DONE, by_leader=True)
    },
    "chat/signoff/ask_reason": {"number": "24.1"},
    "chat/signoff/ask_date": {"number": "24.1"},
    "chat/signoff/cancelled": {},
    "chat/signoff/no_files": {"number": "24.1"},
    "chat/signoff/evidence_caption": {"number": "24.1"},
    "chat/signoff/pending": {"view": PendingView((_PENDING,), (_PENDING,))},
    "chat/signoff/rule": {"rule": "measure"},
    "chat/signoff/rule_set": {"before": "measure", "after": "item"},
    "chat/signoff/withdrawn": {
        "withdrawn": Withdrawn("24.1", "铬污染场地修复", ("李局长",), ItemStatus.BASICALLY_DONE)
    },
    "chat/signoff/linked": {"linked": Linked("24.1", PartKind.MEASURE, 2, "开展修复", 3)},
    "notify/signoff_confirm": {**_SIGNOFF_ITEM, "coverage": _COVERAGE},
    "notify/signoff_review": {**_SIGNOFF_ITEM, "coverage": _COVERAGE, "leader": "李局长"},
    "notify/signoff_decision": {
        **_SIGNOFF_ITEM, "status": "returned", "reason": "缺少检测报告", "decider": "孙局长", "by_leader": True,
        "item_status": "basically_done",
    },
    "notify/signoff_inspect": {**_SIGNOFF_ITEM, "inspect_on": date(2021, 2, 10)},
    "notify/signoff_withdrawn": {**_SIGNOFF_ITEM, "reason": "补充材料后再申请"},
    "errors/signoff/usage": {},
    "errors/signoff/rule_usage": {"value": "all"},
    "errors/signoff/link_usage": {},
    "errors/signoff/withdraw_usage": {},
    "errors/signoff/nothing_to_withdraw": {"number": "24.1"},
    "errors/signoff/not_own_request": {"number": "24.1"},
    "errors/signoff/not_officer": {"number": "24.1"},
    "errors/signoff/already_signed_off": {"number": "24.1"},
    "errors/signoff/already_open": {"number": "24.1"},
    "errors/signoff/missing_evidence": {"number": "24.1", "coverage": _COVERAGE, "rule": "measure"},
    "errors/signoff/empty_statement": {},
    "errors/signoff/not_complete": {"number": "24.1", "percent": 30},
    "errors/signoff/claimed_incomplete": {"number": "24.1", "percent": 90},
    "errors/signoff/no_supervising_unit": {"number": "24.1"},
    "errors/signoff/no_reviewer": {"units": ["整改办"]},
    "errors/signoff/no_leader": {"number": "24.1"},
    "errors/signoff/not_awaiting_leader": {"number": "24.1"},
    "errors/signoff/not_leader": {"number": "24.1"},
    "errors/signoff/own_request": {"number": "24.1"},
    "errors/signoff/not_under_review": {"number": "24.1"},
    "errors/signoff/already_decided": {"number": "24.1"},
    "errors/signoff/not_reviewer": {"number": "24.1"},
    "errors/signoff/unknown_request": {},
    "errors/signoff/empty_reason": {},
    "errors/signoff/bad_date": {"text": "明天"},
    "errors/signoff/past_date": {"day": date(2021, 1, 1)},
    "errors/signoff/bad_part": {"number": "24.1", "kind": "target", "count": 1},
    "errors/signoff/no_files": {"number": "24.1"},
}  # fmt: skip

_EXTENSION = ExtensionView(
    7,
    "24.1",
    "铬污染场地修复",
    date(2026, 12, 31),
    date(2027, 6, 30),
    "汛期无法施工",
    ExtensionStatus.APPROVED,
    2,
    Delivery(("张伟", "李局长"), None),
)
_CHECK = SpotCheckView(
    3,
    "24.1",
    "铬污染场地修复",
    date(2027, 3, 31),
    SpotCheckStatus.REOPENED,
    date(2027, 9, 30),
    "问题反弹",
    Delivery(("张伟",), None),
)
_AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
_ENTRIES = (
    HistoryEntry(_AT, "created", None),
    HistoryEntry(_AT, "updated", "管理员", {"fields": ["deadline", "targets"]}),
    HistoryEntry(_AT, "report", "张伟", {"percent": 60, "text": "完成方案", "files": ["scan.pdf", "image/jpeg"]}),
    HistoryEntry(_AT, "evidence", "张伟", {"file": "photo.jpg"}),
    HistoryEntry(
        _AT, "escalation", None, {"level": "2", "reason": "deadline_passed", "conditions": [{"key": "unanswered_dispatches", "count": 2}], "note": "尽快", "acknowledged_at": _AT}
    ),
    HistoryEntry(_AT, "signoff_request", "张伟", {"statement": "已完成全部措施"}),
    HistoryEntry(_AT, "signoff_leader", "李局长"),
    HistoryEntry(_AT, "signoff_review", "王督导", {"decision": "inspect", "reason": "现场看", "opinion": None, "inspect_on": date(2026, 12, 5)}),
    HistoryEntry(_AT, "signoff_review", "王督导", {"decision": "approve", "reason": None, "opinion": "资料齐全", "inspect_on": None}),
    HistoryEntry(_AT, "signoff_decided", None, {"status": "returned", "reason": "证据不足"}),
    HistoryEntry(_AT, "signoff_withdrawn", "张伟", {"reason": "补充材料后再申请"}),
    HistoryEntry(_AT, "extension_request", "张伟", {"old": date(2026, 12, 31), "new": date(2027, 6, 30), "reason": "汛期", "status": "approved"}),
    HistoryEntry(_AT, "extension_decided", "王督导", {"old": date(2026, 12, 31), "new": date(2027, 6, 30), "reason": "汛期", "status": "approved"}),
    HistoryEntry(_AT, "spotcheck", "王督导", {"due_on": date(2027, 3, 31)}),
    HistoryEntry(_AT, "reopened", "王督导", {"reason": "问题反弹", "deadline": "2027-09-30"}),
    HistoryEntry(_AT, "summons_held", "王督导", {"held_on": date(2026, 11, 17), "attendees": "李局长、张伟"}),
)  # fmt: skip
_SUMMONS = SummonsView(
    "24.1", "铬污染场地修复推进缓慢", date(2026, 11, 17), "市住建局 李局长、张伟", ("李局长",)
)
_EXTENSION_PARAMS: dict[str, Any] = {
    **_NOTIFY_ITEM, "old_deadline": date(2026, 12, 31), "new_deadline": date(2027, 6, 30), "reason": "汛期无法施工",
    "status": "approved", "requester": "张伟", "decider": "王督导",
}  # fmt: skip
# Deadline extensions, spot-checks and reopening, history (handlers/extensions.py, spotchecks.py, history.py).
CLOSING_SAMPLES: dict[str, dict[str, Any]] = {
    "chat/extension/buttons": {},
    "chat/extension/requested": {"extension": _EXTENSION},
    "chat/extension/decided": {"extension": _EXTENSION},
    "chat/spotcheck/buttons": {},
    "chat/spotcheck/confirmed": {"check": _CHECK},
    "chat/spotcheck/ask_reopen": {"check": _CHECK},
    "chat/spotcheck/reopened": {"check": _CHECK},
    "chat/spotcheck/cancelled": {"number": "24.1"},
    "chat/summons/ask_day": {"summons": _SUMMONS},
    "chat/summons/ask_attendees": {"held_on": date(2026, 11, 17)},
    "chat/summons/recorded": {"summons": _SUMMONS},
    "chat/summons/cancelled": {"number": "24.1"},
    "errors/summons/usage": {},
    "errors/reminder/nobody_receives": {"number": "14"},
    "errors/summons/bad_date": {"text": "上周"},
    "errors/summons/needs_reason": {},
    "errors/summons/too_long": {"limit": 500},
    "errors/summons/already": {"number": "24.1", "held_on": date(2026, 11, 17)},
    "errors/summons/not_supervisor": {"number": "24.1"},
    "errors/summons/future_date": {"held_on": date(2026, 11, 20), "today": date(2026, 11, 18)},
    "notify/summons_held": {**_NOTIFY_ITEM, "held_on": date(2026, 11, 17), "attendees": "李局长、张伟", "recorder": "王督导"},
    "chat/history/usage": {},
    "chat/history/story": {"history": ItemHistory("24.1", "铬污染场地修复", _ENTRIES)},
    "notify/extension_request": _EXTENSION_PARAMS,
    "notify/extension_decided": _EXTENSION_PARAMS,
    "notify/spotcheck_due": {**_NOTIFY_ITEM, "due_on": date(2027, 3, 31), "signed_off_at": _AT},
    "notify/reopened": {**_NOTIFY_ITEM, "reason": "问题反弹", "decider": "王督导"},
    **{
        f"errors/{command}/{code}": {
            "text": "2027-13-01", "number": "24.1", "status": "approved" if command == "extension" else "confirmed",
            "deadline": date(2026, 12, 31), "new_deadline": date(2026, 12, 1),
        }
        for command, codes in (
            ("extension", ("usage", "bad_date", "needs_reason", "not_responsible", "already_pending", "no_deadline",
                           "deadline_passed", "not_later", "gone", "not_supervisor", "decided")),
            ("spotcheck", ("usage", "bad_date", "needs_reason", "gone", "not_supervisor", "decided", "not_signed_off",
                           "deadline_not_ahead")),
        )
        for code in codes
    },
}  # fmt: skip

_REPEAT = RepeatLink("J2024-031", "J2024-017", 2)
_COMPLAINT_NOTICE: dict[str, Any] = {
    "number": "J2024-017", "title": "砂石厂夜间生产噪声扰民", "unit": "市住建局", "received": date(2026, 9, 1),
    "days": 61, "deadline": date(2026, 12, 31), "repeats": 2, "leader": "李局长",
}  # fmt: skip
COMPLAINT_SAMPLES: dict[str, dict[str, Any]] = {
    "chat/complaints/list": {
        "complaints": [
            ComplaintView("J2024-017", "砂石厂夜间生产噪声扰民", "市住建局", date(2026, 9, 1), date(2026, 10, 31),
                          DeadlineState(Timing.OVERDUE, 20), 2, None, "李局长"),
            ComplaintView("J2024-031", "砂石厂噪声", "市住建局", date(2026, 11, 2), date(2026, 12, 31),
                          DeadlineState(Timing.DUE, 41), 0, "J2024-017", None),
            ComplaintView("J2024-040", "河道垃圾", "", date(2026, 11, 20), date(2026, 11, 20),
                          DeadlineState(Timing.DUE, 0), 0, None, None),
        ]
    },
    "chat/complaints/add_usage": {},
    "chat/complaints/added": {
        "added": ComplaintAdded(
            "J2024-031", "砂石厂噪声", "市住建局", date(2026, 12, 31), _REPEAT, Delivery(("王督导",), None)
        )
    },
    "errors/complaints/bad_number": {"text": "2024/017"},
    "errors/complaints/bad_deadline": {"text": "年底"},
    "errors/complaints/deadline_past": {"deadline": date(2026, 1, 1), "today": date(2026, 11, 20)},
    "errors/complaints/exists": {"number": "J2024-017"},
    "errors/complaints/not_a_complaint": {"number": "J2024-017"},
    "notify/complaint_repeat": {
        "number": "J2024-017", "title": "砂石厂夜间生产噪声扰民", "repeat": "J2024-031", "reported": "砂石厂噪声",
        "repeats": 2, "closed": False,
    },
    "notify/complaint_leader": _COMPLAINT_NOTICE,
    "notify/complaint_leader_assigned": _COMPLAINT_NOTICE,
    "notify/complaint_no_leader": _COMPLAINT_NOTICE,
    "cli/complaints_summary": {
        "outcome": ComplaintImportOutcome(created=["J2024-031"], repeats=[_REPEAT], new_units=["市水务局"]),
        "dry_run": False, "errors": [], "warnings": ["第1行（表头）：无法识别的列“备注”"],
    },
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
        "read": 5,
        "imported": 3,
        "merged": ["第4行：续接上一行"],
        "skipped": [],
        "unassigned": ["2"],
        "unreached": ["市水务局"],
        "kept_extensions": [KeptExtension("24", date(2026, 12, 31), date(2027, 3, 31))],
        "indicators": {"new": 18, "changed": ["森林覆盖率"], "unchanged": 1},
    },
    "cli/units_merged": {"merged": _MERGED},
    "chat/admin/units_merged": {"merged": _MERGED},
    "errors/units/merge_same": {"unit": "市住建局"},
    "errors/units/already_alias": {"unit": "住建局"},
    "cli/ledger_sheet_title": {},
    "cli/template_written": {"path": "t.xlsx"},
    "cli/indicator_sheet_title": {},
    "indicators/verdict": {
        "v": Verdict(
            TrackState.OFF_TRACK, "PM2.5", "微克/立方米", 2024, 23, True, 21.6, 21, 2025, Direction.CEILING
        )
    },
    "cli/indicator_template_written": {"path": "indicators.xlsx", "count": 19},
    "cli/export_written": {"path": "l.xlsx", "count": 18},
    "cli/items_table": {"rows": [(_ROW, "逾期未完成")], "counts": count_statuses([_ROW.status])},
    "cli/units_table": {"units": [UnitSummary(1, "市住建局", 2)]},
    "cli/unit_added": {"name": "市住建局"},
    "cli/people_table": {"people": [_PERSON], "role_label": lambda role: role.value},
    "cli/person_added": {"person": _PERSON, "role": "责任人员", "unit": "市住建局"},
    "cli/roster_summary": {"outcome": RosterOutcome(created=["a"]), "dry_run": False, "errors": []},
    "cli/demo_input_missing": {"path": "bot/demo_data/roster.csv", "reason": "missing"},
    "cli/demo_imported": {"path": "plan.txt", "items": 18, "units": ["市住建局"]},
    "cli/demo_done": {"folder": "data/demo", "files": ["data/demo/ledger.xlsx", "data/demo/progress.png"]},
    "cli/demo_message": {
        "at": datetime(2020, 12, 16, 0, 0, tzinfo=UTC),
        "to": "王芳（市生态环境局）",
        "text": "【督办提醒】第24.1项",
        "more": 2,
        "kind": "sendMessage",
        "reason": "原因：调度逾期未报送1次。当前进度 40%。",
    },
    "cli/demo_action": {
        "at": datetime(2020, 12, 16, 2, 0, tzinfo=UTC),
        "who": "王芳（市生态环境局）",
        "text": "/report 24.1 30%",
    },
    "cli/no_token": {},
    "cli/bad_token": {},
    "cli/telegram_failed": {"error": "Bad webhook: an HTTPS URL must be provided for webhook"},
    "cli/running": {"webhook": "https://duban.example/hook"},
    "cli/stopped": {},
    "cli/simulate_bad_argument": {"option": "--days", "value": "-1"},
    "cli/simulate_empty": {},
    "cli/simulate_report_text": {"percent": 40},
    "cli/simulate_timeline": {
        "events": [
            Event(datetime(2026, 12, 1, 0, 0, tzinfo=UTC), "张伟", "市住建局", "dispatch", "24.1"),
            Event(datetime(2026, 12, 5, 0, 0, tzinfo=UTC), "王督导", None, "digest", None),
        ],
        "summary": {
            "start": "2026-12-01",
            "end": "2027-01-29",
            "answer_rate": 0.5,
            "seed": 1,
            "events": 2,
            "by_kind": {"dispatch": 1, "digest": 1},
            "reports": 1,
        },
    },
    "errors/listen_needs_webhook": {},
    "chat/commands": {},
    "chat/help_group": {"link": "https://t.me/duban_bot"},
    "chat/private_sent": {"name": "张伟", "link": "https://t.me/duban_bot"},
    "chat/private_needed": {"name": "张伟", "link": "https://t.me/duban_bot"},
    "chat/stranger": {},
    "chat/needs_role": {"roles": ["管理员"]},
    "chat/bind_unknown_code": {},
    "chat/bind_used_code": {},
    "chat/bind_other_account": {},
    "chat/bind_done": {
        "name": "张伟",
        "roles": [("责任人员", "市住建局")],
        "already": False,
        "allowed": {"my", "report", "pending", "overdue", "digest", "import"},
        "role_names": {"leadership"},
    },
    "chat/whoami": {"name": "张伟", "roles": [("责任人员", "市住建局")], "telegram_id": 42, "already": False},
    "chat/lang_usage": {"locales": ("zh_CN", "en")},
    "chat/lang_set": {},
    "chat/failed": {},
    "chat/unknown": {},
    "chat/nothing_to_cancel": {},
    "chat/edited": {},
    "chat/help": {
        "welcome": True,
        "name": "张伟",
        "roles": [("责任人员", "市住建局")],
        "already": False,
        "allowed": {"my", "report", "pending", "overdue", "digest", "import"},
        "role_names": {"officer"},
        "commands": [
            CommandLine("my", "/my", "我的整改事项"),
            CommandLine("report", "/report 编号", "报送进展"),
        ],
    },
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
        "views": [UnitView("市住建局", count_statuses(line.status for line in _LINES), _LINES)]
    },
    "chat/items/overdue": {"groups": [UnitGroup("市住建局", _LINES[:1]), UnitGroup(None, _LINES[:1])]},
    "chat/items/stalled": {"view": StalledView(date(2021, 1, 1), (UnitGroup("市住建局", _LINES[:2]),))},
    "errors/unit_not_visible": {"unit": "市水务局", "units": ["市住建局"]},
    "errors/unit_name_needed": {"units": ["市住建局"]},
    **ADMIN_SAMPLES,
    **REPORT_SAMPLES,
    **NOTIFY_SAMPLES,
    **COMPLAINT_SAMPLES,
    **SETTINGS_SAMPLES,
    **CLOSING_SAMPLES,
    **SIGNOFF_SAMPLES,
    **REPORT_DOC_SAMPLES,
    **INDICATOR_SAMPLES,
    **DOSSIER_SAMPLES,
    **DRAFT_SAMPLES,
    **DIGEST_SAMPLES,
    **ROBOT_SAMPLES,
    **INDICATOR_VALUE_SAMPLES,
}
