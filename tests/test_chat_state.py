"""The chat-state file (what people are in the middle of, kept across restarts): written atomically, and a
damaged one (empty, cut short, not JSON, of another version) set aside with a warning to the admins and a
log line; it never keeps the bot from starting."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.chat_state import CHAT_STATE_FILE, ChatStateFile, write_atomically
from handlers.chat import MessageRef
from handlers.conversation import FORMAT_VERSION, Conversation
from ledger.clock import ManualClock
from storage.scheduling import OutboxMessage
from tests.harness import ADMIN_ID, running_bot, text_of
from tests.test_chat_report import OFFICER_ID, press, setup_ledger

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
WARNING = "督办机器人启动时无法读取聊天状态文件"


def a_state() -> bytes:
    """A state file as the bot writes it, with one conversation."""
    memory = ChatStateFile(Path("/nonexistent/chat_state.json")).load(NOW)[0]
    memory.conversations[(1, 2)] = Conversation("report", "text", {"number": "24"}, NOW, MessageRef(1, 9))
    return json.dumps(memory.to_data(), ensure_ascii=False).encode()


DAMAGED = {
    "empty": b"",
    "cut short": a_state()[: len(a_state()) // 2],
    "garbage": bytes(range(256)),
    "not a state": b'["version", 1]',
    "an older version": json.dumps({"version": FORMAT_VERSION - 1, "user_data": {}}).encode(),
    "a newer version": a_state().replace(b'"version": 1', f'"version": {FORMAT_VERSION + 1}'.encode()),
    "a pickle of an earlier Duban": b"\x80\x05\x95\x1c\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x0breport_drafts\x94}\x94s.",
}


@pytest.mark.parametrize("content", DAMAGED.values(), ids=DAMAGED.keys())
async def test_a_damaged_state_is_set_aside_the_admins_are_told_once_and_the_bot_goes_on(
    tmp_path: Path, clock: ManualClock, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(tmp_path, clock) as bot:
        await setup_ledger(bot)
        await bot.send(ADMIN_ID, "/whoami")  # the admin of the settings is enrolled at first contact
    state = tmp_path / "data" / CHAT_STATE_FILE
    state.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="bot.chat_state"):
        async with running_bot(tmp_path, clock) as bot:
            (set_aside,) = state.parent.glob(f"{CHAT_STATE_FILE}.damaged-*")
            assert set_aside.read_bytes() == content  # kept for whoever looks into it
            assert any("could not be read" in record.message for record in caplog.records)
            bot.api.add_user(ADMIN_ID, "管理员")  # a chat this server instance knows
            await bot.deliver()
            assert text_of(bot.api.last_sent(ADMIN_ID)).startswith(f"【系统提示】{WARNING}")
            # The next writes work: a guided report is kept, and goes on after another restart.
            (ask,) = await bot.send(OFFICER_ID, "/report 24")
            await press(bot, OFFICER_ID, ask.message_id, "rp:24:60")
            assert json.loads(state.read_text())["conversations"][0]["step"] == "text"
    async with running_bot(tmp_path, clock) as bot:
        (ask_files,) = await bot.send(OFFICER_ID, "完成2号池清淤")
        assert "请发送照片或文件" in (ask_files.text or "")
        bot.api.add_user(ADMIN_ID, "管理员")
        await bot.deliver()
        assert not any(WARNING in (m.text or "") for m in bot.api.sent(ADMIN_ID))
        with bot.services.sessions() as session:
            told = session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "chat_state_damaged")
            ).all()
        assert len(told) == 1


async def test_no_state_file_is_a_start_without_conversations(tmp_path: Path) -> None:
    path = tmp_path / CHAT_STATE_FILE
    memory, set_aside = ChatStateFile(path).load(NOW)
    assert (memory.conversations, set_aside) == ({}, None)
    assert not path.exists()  # nothing to write until something changes


async def test_every_change_is_written_whole_and_a_failed_write_leaves_the_state_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / CHAT_STATE_FILE
    memory, _ = ChatStateFile(path).load(NOW)
    # Changes made at once are all on disk when the last write returns.
    await asyncio.gather(
        *(memory.put((1, user), Conversation("report", "text", {"n": user}, NOW)) for user in range(20))
    )
    assert len(json.loads(path.read_text())["conversations"]) == 20
    before = path.read_bytes()

    def failing_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    await memory.drop((1, 0))  # the write fails: logged, the conversations go on in memory
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [CHAT_STATE_FILE]  # no temporary file left behind
    monkeypatch.undo()
    await memory.drop((1, 1))
    assert len(json.loads(path.read_text())["conversations"]) == 18


def test_write_atomically_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    write_atomically(path, b"one")
    write_atomically(path, b"two")
    assert path.read_bytes() == b"two"
    assert list(tmp_path.iterdir()) == [path]
