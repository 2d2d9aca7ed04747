"""Sample parameters of the sign-off dossier's templates (`reports/dossier_*`, `/dossier`, `duban dossier`)
and of the approval's opinion (`/approve`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ledger.dossier import Dossier, DossierFile, DossierPart, DossierReview
from services.dossier import DossierWritten

_AT = datetime(2026, 11, 20, 10, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
_FILES = (
    DossierFile(1, "01-现场照片.jpg", None, "a" * 64, 2048, "张伟", _AT, 1, None, "现场照片", True),
    DossierFile(2, "02-检测报告.pdf", "检测报告.pdf", "b" * 64, 4096, "张伟", _AT, None, 1, None, False),
    DossierFile(3, "03-佐证材料.jpg", None, "c" * 64, 1024, "—", _AT, None, None, "多行\n说明", True),
)
_REVIEWS = (
    DossierReview("整改办", "王督导", "approve", "资料齐全,同意销号", None, None, _AT),
    DossierReview("市生态环境局", "赵督导", "return", None, "缺少检测报告", None, _AT),
    DossierReview("市水务局", "孙督导", "inspect", None, None, date(2026, 11, 25), _AT),
)
_DOSSIER = Dossier(
    number="24.1", title="铬污染渣土", problem="露天堆放。\n占地约2000平方米。", deadline_text="2026年12月底前",
    deadline=date(2026, 12, 31), continuing=False, responsible=("市住建局", "市水务局"), supervising=("整改办",),
    statement="已完成整改", requested_by="张伟", requested_at=_AT, leader="李局长", confirmed_at=_AT,
    status="approved", decided_at=_AT, return_reason=None,
    targets=(DossierPart(1, "目标", date(2026, 12, 31), (1, 2, 3)),),
    measures=(DossierPart(1, "措施一", None, (1,)), DossierPart(2, "措施二", None, ())),
    files=_FILES, reviews=_REVIEWS, made_on=date(2026, 11, 20),
)  # fmt: skip
_WRITTEN = DossierWritten("第24.1项销号材料.zip", "24.1", "铬污染渣土", 3, 1, True)

DOSSIER_SAMPLES: dict[str, dict[str, Any]] = {
    "reports/dossier_report": {"dossier": _DOSSIER},
    "reports/dossier_opinion": {"dossier": _DOSSIER},
    "reports/dossier_application": {
        "dossier": _DOSSIER,
        "superior": "省生态环境保护督察整改工作领导小组办公室",
    },
    "reports/dossier_names": {"number": "24.1"},
    "reports/dossier_index": {"dossier": _DOSSIER},
    "reports/dossier_index_row": {"file": _FILES[1]},
    "chat/dossier/caption": {"written": _WRITTEN},
    "chat/dossier/too_big": {"written": _WRITTEN, "megabytes": 50},
    "cli/dossier_written": {"path": "第24.1项销号材料.zip", "written": _WRITTEN},
    "errors/dossier/no_request": {"number": "24.1"},
    "errors/dossier/usage": {},
    "chat/signoff/ask_opinion": {"number": "24.1"},
    "errors/signoff/approve_usage": {},
}
