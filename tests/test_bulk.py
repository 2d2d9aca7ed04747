"""Rows written in bulk (`storage.bulk`): each once by its key, with buttons that name the row's own id, the ids
drawn first from the store's own numbering, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from services.container import Services
from services.outbox import Button, GroupRecipient
from storage import bulk
from storage.db import StoreVisit, is_lock_timeout, visiting
from storage.scheduling import OutboxMessage

NOW = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)


def acknowledge(row_id: int) -> list[Button]:
    return [Button("已知悉", f"na:{row_id}")]


def queue(services: Services, keys: list[int], *, buttons: bool = True) -> int:
    """Queue a message per key to a group chat of its own, in one transaction; how many were stored."""
    with services.sessions() as session, session.begin():
        outbox = services.office.outbox(session, NOW)
        for n in keys:
            outbox.add(
                f"t:{n}", GroupRecipient(-100 - n, "zh_CN"), "digest_group_red", {},
                buttons=acknowledge if buttons else None, rendered=f"消息{n}",
            )  # fmt: skip
        return outbox.write()


def stored(services: Services) -> list[OutboxMessage]:
    with services.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_each_row_goes_in_once_with_buttons_that_name_its_own_id(services: Services) -> None:
    assert queue(services, [0, 1, 2]) == 3
    assert queue(services, [0, 9]) == 1  # the key already stored is skipped, its drawn id left unused
    assert queue(services, [10], buttons=False) == 1  # no ids drawn: the store numbers the row itself
    rows = stored(services)
    assert [row.key for row in rows] == ["t:0:c-100", "t:1:c-101", "t:2:c-102", "t:9:c-109", "t:10:c-110"]
    assert len({row.id for row in rows}) == len(rows)
    for row in rows[:4]:
        assert row.buttons == [[{"text": "已知悉", "data": f"na:{row.id}"}]], row.key
    assert rows[4].buttons is None
    assert [row.text for row in rows] == ["消息0", "消息1", "消息2", "消息9", "消息10"]


def test_ids_drawn_on_sqlite_hold_the_write_lock_until_the_rows_are_in(services: Services) -> None:
    """Another writer cannot take the drawn ids meanwhile: it waits for the lock (here: gives up)."""
    if services.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL draws from a sequence: no lock is needed")
    with services.sessions() as session, session.begin():
        ids = bulk.reserve_ids(session, OutboxMessage, 2)
        assert ids == [1, 2]
        with visiting(StoreVisit(lock_wait=0.05)), services.engine.connect() as other:
            with pytest.raises(OperationalError, match="locked") as raised:
                other.execute(text("UPDATE scheduler_settings SET value = value WHERE 0"))
            assert is_lock_timeout(raised.value)
