"""The office's settings as stored (the rules edited with /rules, the cadences, the tick's last day)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storage.scheduling import (
    SchedulerSetting,
)


def setting(session: Session, key: str) -> Any:
    row = session.get(SchedulerSetting, key)
    return None if row is None else row.value


def set_setting(session: Session, key: str, value: Any) -> None:
    row = session.get(SchedulerSetting, key)
    if row is None:
        session.add(SchedulerSetting(key=key, value=value))
    else:
        row.value = value
