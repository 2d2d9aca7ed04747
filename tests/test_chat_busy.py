"""The chat on a store another writer holds locked (the day's run, a long import): an action waits a
fraction of a second at most, then is answered "busy, try again", saying nothing changed, and changes
nothing; what only reads goes on. On SQLite (a second connection holding the write lock) and PostgreSQL (a
second connection holding the item's row)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.wiring import Overrides, build
from ledger.actor import Actor
from ledger.clock import ManualClock
from ledger.model import ItemSpec, ParsedLedger, Role, Target
from services import busy
from services.accounts import TelegramUser
from services.container import Services
from storage.db import create_db_engine
from storage.models import AuditEntry, Item, ProgressReport
from tests.fake_chat import FakeChat
from tests.harness import migrated

OFFICER = 740_001
BUSY = "系统正忙，刚才的操作没有执行，台账没有任何改动。请稍后再试。"
BUSY_EN = (
    "The system is busy: nothing was done and nothing in the ledger changed. Please try again in a moment."
)
FAILED = "处理您的消息时出错"


@pytest.fixture
def chat(db_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[FakeChat]:
    migrated(db_url)
    services = build(
        Settings(database_url=db_url, data_dir=tmp_path / "data"), Overrides(clock=clock)
    ).services
    services.roster.add_unit("市住建局", actor=Actor.system("test"))
    services.roster.add_person(
        "张伟", unit="市住建局", role=Role.OFFICER, actor=Actor.system("test"), telegram_user_id=OFFICER
    )
    services.ledger.import_ledger(
        ParsedLedger(
            [ItemSpec("16", "事项16", "问题。", date(2026, 1, 1), targets=[Target("目标", date(2027, 6, 30))],
                      responsible_units=["市住建局"])]
        ),
        actor=Actor.system("test"),
        dry_run=False,
    )  # fmt: skip
    yield FakeChat(services)
    services.close()


@contextmanager
def locked(url: str) -> Iterator[None]:
    """Another writer holding the store: SQLite's write lock, or on PostgreSQL item 16's row."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        other = sqlite3.connect(str(parsed.database), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection, connection.begin():
            connection.execute(text("SELECT id FROM items WHERE number = '16' FOR UPDATE"))
            yield
    finally:
        engine.dispose()


def reports_and_entries(services: Services) -> tuple[int, int, int]:
    with services.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(ProgressReport)) or 0,
            session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
            session.scalars(select(Item.percent).where(Item.number == "16")).one(),
        )


async def test_a_report_on_a_locked_store_is_answered_busy_quickly_and_changes_nothing(
    chat: FakeChat, db_url: str
) -> None:
    before = reports_and_entries(chat.services)
    with locked(db_url):
        began = time.perf_counter()
        said = await chat.send(OFFICER, "/report 16 60% 已完成清淤")
        waited = time.perf_counter() - began
        # Reading does not wait for the writer: the officer's list still comes.
        (mine,) = await chat.send(OFFICER, "/my")
    assert [s.text for s in said] == [BUSY]
    assert FAILED not in said[0].text
    # One statement's wait (half a second), not SQLite's 30-second busy timeout.
    assert waited < 5
    assert reports_and_entries(chat.services) == before
    assert "16 事项16" in mine.text
    # Once the writer is done, the same report goes through.
    (saved,) = await chat.send(OFFICER, "/report 16 60% 已完成清淤")
    assert saved.text.startswith("已记录第16项进展")
    assert reports_and_entries(chat.services)[0] == before[0] + 1


async def test_the_busy_answer_is_in_the_persons_language(chat: FakeChat, db_url: str) -> None:
    await chat.send(OFFICER, "/lang en")
    with locked(db_url):
        (said,) = await chat.send(OFFICER, "/report 16 60% done")
    assert said.text == BUSY_EN


def test_a_lock_after_a_change_of_the_same_action_says_part_was_done(chat: FakeChat, db_url: str) -> None:
    """A change committed earlier in the same update is not denied: the answer says only part was done."""
    services = chat.services
    viewer = services.accounts.viewer(TelegramUser(OFFICER, "张伟"))
    with busy.chat_visit():
        receipt = busy.call(services.reports.submit, viewer, "16", 60, "已完成清淤")
        with locked(db_url), pytest.raises(busy.StoreBusyError) as raised:
            busy.call(services.reports.remember_message, OFFICER, 99, [receipt.item_id], "report")
    assert raised.value.changed
    rendered = services.renderer.render("zh_CN", "errors/store_busy", {"changed": True})
    assert "只完成了一部分" in rendered
    assert "没有任何改动" not in rendered
