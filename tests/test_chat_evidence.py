"""Evidence end to end: photos and documents by caption, by reply, in albums and in the guided report;
stored once by content hash, linked per report; every refusal stores nothing, neither row nor file."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ledger.model import ItemStatus
from storage.models import AuditEntry, EvidenceFile
from tests.harness import BotHarness, text_of
from tests.test_chat_report import (
    OFFICER_ID,
    OTHER_OFFICER_ID,
    STRANGER_ID,
    item_state,
    press,
    remember_reminder,
    reports,
    setup_ledger,
)

PHOTO = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x04\x00\x00\x00\x03\x00" + b"site photo 1" * 100


def photo(n: int) -> bytes:
    return PHOTO + f"#{n}".encode()


def evidence_rows(bot: BotHarness) -> list[EvidenceFile]:
    with bot.services.sessions() as session:
        return list(session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)))


def stored_files(bot: BotHarness) -> list[Path]:
    """Every file under the evidence folder, staging included."""
    root = bot.settings.data_dir / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def assert_nothing_stored(bot: BotHarness) -> None:
    assert evidence_rows(bot) == []
    assert reports(bot) == []
    assert stored_files(bot) == []
    assert item_state(bot) == (0, ItemStatus.NOT_STARTED)


async def push(
    bot: BotHarness, user_id: int, push: Any, *args: Any, replies: int = 1, **kwargs: Any
) -> list[str]:
    """The user sends a photo or document (`push` is `bot.api.push_photo` or `push_document`); the texts of
    the bot's replies (at least `replies` of them) once it has handled it."""
    handled = await bot.act(lambda: push(user_id, *args, **kwargs))
    assert len(handled.replies) >= replies, [m.text for m in handled.replies]
    return [m.text or "" for m in handled.replies]


@pytest.mark.http  # a file end to end: getFile and the download over HTTP
async def test_photo_with_the_item_number_as_caption(bot: BotHarness) -> None:
    await setup_ledger(bot)
    (saved,) = await push(bot, OFFICER_ID, bot.api.push_photo, photo(1), caption="24")
    assert saved.startswith("已记录第24项进展")
    assert "佐证材料：1 个" in saved
    (row,) = evidence_rows(bot)
    digest = hashlib.sha256(photo(1)).hexdigest()
    assert row.sha256 == digest
    assert row.path == f"evidence/{digest[:2]}/{digest}"
    assert (row.size, row.media_type, row.original_name) == (len(photo(1)), "image/jpeg", None)
    assert row.created_at == bot.clock.now()
    (report,) = reports(bot)
    assert (row.report_id, report.percent, report.text) == (report.id, None, "")
    on_disk = bot.settings.data_dir / row.path
    assert hashlib.sha256(on_disk.read_bytes()).hexdigest() == digest
    assert stored_files(bot) == [on_disk]  # no staging file left behind
    assert item_state(bot) == (0, ItemStatus.IN_PROGRESS)
    with bot.services.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "add_evidence")).one()
        assert entry.after is not None
        assert entry.after["sha256"] == digest


async def test_the_same_file_twice_is_stored_once_and_linked_twice(bot: BotHarness) -> None:
    await setup_ledger(bot)
    await push(bot, OFFICER_ID, bot.api.push_photo, photo(1), caption="24")
    (saved,) = await push(
        bot, OFFICER_ID, bot.api.push_photo, photo(1), caption="/report 24 50% 同一现场复拍"
    )
    assert "0% → 50%" in saved
    rows = evidence_rows(bot)
    assert len(rows) == 2
    assert rows[0].sha256 == rows[1].sha256
    assert rows[0].report_id != rows[1].report_id
    assert len(stored_files(bot)) == 1
    assert item_state(bot) == (50, ItemStatus.IN_PROGRESS)


@pytest.mark.http  # a document end to end: getFile and the download over HTTP
async def test_document_keeps_its_name_and_type(bot: BotHarness) -> None:
    await setup_ledger(bot)
    data = b"%PDF-1.7 rectification report"
    await push(
        bot, OFFICER_ID, bot.api.push_document, data, "整改报告.pdf", caption="/report 24 80% 验收报告"
    )
    (row,) = evidence_rows(bot)
    assert (row.original_name, row.media_type, row.size) == ("整改报告.pdf", "application/pdf", len(data))


@pytest.mark.parametrize(
    ("push_kind", "args", "kwargs", "expected"),
    [
        ("photo", (photo(1),), {"caption": "24", "file_size": 30 * 1024 * 1024}, "超过 20 MB"),
        ("document", (b"MZ\x90\x00", "setup.exe"), {"caption": "24"}, "不支持该文件类型（“setup.exe”）"),
        ("document", (b"MZ\x90\x00program", "报告.pdf"), {"caption": "24"}, "不支持该文件类型（“报告.pdf”）"),
        ("photo", (photo(1),), {}, "未注明事项编号"),
        ("photo", (photo(1),), {"caption": "现场照片"}, "未注明事项编号"),
        ("photo", (photo(1),), {"caption": "99"}, "第99项不是您可报送进展的事项，未保存"),
        ("photo", (photo(1),), {"caption": "/report 24 150% 照片"}, "进度“150”无效"),
    ],
)
async def test_refusals_store_nothing(
    bot: BotHarness, push_kind: str, args: tuple[Any, ...], kwargs: dict[str, Any], expected: str
) -> None:
    await setup_ledger(bot)
    sender = bot.api.push_photo if push_kind == "photo" else bot.api.push_document
    (reply,) = await push(bot, OFFICER_ID, sender, *args, **kwargs)
    assert expected in reply
    assert_nothing_stored(bot)


async def test_a_big_file_is_refused_before_anything_is_downloaded(bot: BotHarness) -> None:
    await setup_ledger(bot)
    await push(bot, OFFICER_ID, bot.api.push_photo, photo(1), caption="24", file_size=30 * 1024 * 1024)
    assert bot.api.calls("getFile") == []


@pytest.mark.http  # getFile's 20 MB refusal through PTB's HTTP stack
async def test_file_is_too_big_from_getfile_is_refused(bot: BotHarness) -> None:
    """A client that does not announce the size: Telegram's own refusal at getFile is answered the same."""
    await setup_ledger(bot)
    # A 30 MB file on the server (pushed by a stranger, who is refused), then sent again without its size.
    refused = await bot.send_photo(STRANGER_ID, photo(9), file_size=30 * 1024 * 1024)
    assert refused.replies
    big = refused.update["message"]["photo"][-1]
    message = {
        "message_id": 500, "date": 0, "caption": "24",
        "from": {"id": OFFICER_ID, "is_bot": False, "first_name": "张伟", "language_code": "zh-hans"},
        "chat": {"id": OFFICER_ID, "type": "private", "first_name": "张伟"},
        "photo": [{"file_id": big["file_id"], "file_unique_id": big["file_unique_id"], "width": 9, "height": 9}],
    }  # fmt: skip
    reply = (await bot.act(lambda: bot.api.push_update({"message": message}))).reply
    assert "超过 20 MB" in (reply.text or "")
    assert len(bot.api.calls("getFile")) == 1
    assert_nothing_stored(bot)


async def test_officer_of_another_unit_cannot_add_evidence(bot: BotHarness) -> None:
    await setup_ledger(bot)
    (reply,) = await push(bot, OTHER_OFFICER_ID, bot.api.push_photo, photo(1), caption="24")
    # The same answer as for an item that does not exist: other units' numbers do not leak.
    assert (
        reply
        == "第24项不是您可报送进展的事项，未保存。请在说明开头写上正确的事项编号。\n您可报送的事项：\n第25项 黑臭水体整治"
    )
    assert bot.api.calls("getFile") == []
    assert_nothing_stored(bot)


async def test_stranger_photo_is_refused(bot: BotHarness) -> None:
    await setup_ledger(bot)
    (reply,) = await push(bot, STRANGER_ID, bot.api.push_photo, photo(1), caption="24")
    assert reply.startswith("您好！")
    assert_nothing_stored(bot)


@pytest.mark.http  # an album of downloads over HTTP
async def test_an_album_is_one_report_answered_once(bot: BotHarness) -> None:
    await setup_ledger(bot)
    before = len(bot.api.sent(OFFICER_ID))
    bot.api.push_photo(OFFICER_ID, photo(1), caption="/report 24 30% 三处现场照片", media_group_id="g-1")
    bot.api.push_photo(OFFICER_ID, photo(2), media_group_id="g-1")
    bot.api.push_photo(OFFICER_ID, photo(3), media_group_id="g-1")
    await bot.idle()
    (answer,) = bot.api.sent(OFFICER_ID)[before:]
    assert "同一组的其他照片将一并归入本次报送" in (answer.text or "")
    (report,) = reports(bot)
    assert (report.percent, report.text, report.media_group_id) == (30, "三处现场照片", "g-1")
    rows = evidence_rows(bot)
    assert [row.report_id for row in rows] == [report.id] * 3
    assert {row.sha256 for row in rows} == {hashlib.sha256(photo(n)).hexdigest() for n in (1, 2, 3)}
    assert len(stored_files(bot)) == 3
    assert item_state(bot) == (30, ItemStatus.IN_PROGRESS)


async def test_an_album_without_item_is_refused_once(bot: BotHarness) -> None:
    await setup_ledger(bot)
    before = len(bot.api.sent(OFFICER_ID))
    for n in (1, 2, 3):
        bot.api.push_photo(OFFICER_ID, photo(n), media_group_id="g-2")
    await bot.idle()
    (answer,) = bot.api.sent(OFFICER_ID)[before:]
    assert "未注明事项编号" in (answer.text or "")
    assert_nothing_stored(bot)


async def test_a_photo_replying_to_a_reminder(bot: BotHarness) -> None:
    await setup_ledger(bot)
    reminder = await remember_reminder(bot, OFFICER_ID)
    (saved,) = await push(
        bot, OFFICER_ID, bot.api.push_photo, photo(1), caption="清淤完成 100%", reply_to=reminder
    )
    assert "状态：未启动 → 基本完成" in saved
    (report,) = reports(bot)
    assert (report.percent, report.text) == (100, "清淤完成 100%")
    assert len(evidence_rows(bot)) == 1
    assert item_state(bot) == (100, ItemStatus.BASICALLY_DONE)


async def test_guided_report_with_an_album_and_a_document(bot: BotHarness) -> None:
    await setup_ledger(bot)
    (ask,) = await bot.send(OFFICER_ID, "/report 24")
    await press(bot, OFFICER_ID, ask.message_id, "rp:24:70")
    await bot.send(OFFICER_ID, "2号、3号池完成清淤")
    before = len(bot.api.sent(OFFICER_ID))
    bot.api.push_photo(OFFICER_ID, photo(1), media_group_id="g-3")
    bot.api.push_photo(OFFICER_ID, photo(2), media_group_id="g-3")
    bot.api.push_document(OFFICER_ID, b"monitoring data", "监测数据.xlsx")
    bot.api.push_document(OFFICER_ID, b"MZ", "tool.exe")
    await bot.idle()
    answers = [m.text or "" for m in bot.api.sent(OFFICER_ID)[before:]]
    assert answers[0].startswith("已收到佐证材料（共 1 个）")  # the album, once
    assert answers[1].startswith("已收到佐证材料（共 3 个）")
    assert "不支持该文件类型" in answers[2]
    assert len(answers) == 3
    assert bot.api.calls("getFile") == []  # nothing downloaded before Confirm
    (summary,) = await bot.send(OFFICER_ID, "/done")
    assert "佐证材料：3 个" in text_of(summary)
    saved = await press(bot, OFFICER_ID, summary.message_id, "rc:24")
    assert "佐证材料：3 个" in text_of(saved)
    (report,) = reports(bot)
    assert [row.report_id for row in evidence_rows(bot)] == [report.id] * 3
    assert [row.original_name for row in evidence_rows(bot)] == [None, None, "监测数据.xlsx"]
    assert item_state(bot) == (70, ItemStatus.IN_PROGRESS)


async def test_guided_report_cancelled_after_files_keeps_no_file(bot: BotHarness) -> None:
    await setup_ledger(bot)
    (ask,) = await bot.send(OFFICER_ID, "/report 24")
    await press(bot, OFFICER_ID, ask.message_id, "rp:24:70")
    await bot.send(OFFICER_ID, "说明")
    await push(bot, OFFICER_ID, bot.api.push_photo, photo(1))
    await bot.send(OFFICER_ID, "/done")
    (cancelled,) = await bot.send(OFFICER_ID, "/cancel")
    assert text_of(cancelled).startswith("已取消")
    assert_nothing_stored(bot)


async def test_a_bad_file_inside_an_album_is_refused_once_and_the_rest_kept(bot: BotHarness) -> None:
    await setup_ledger(bot)
    before = len(bot.api.sent(OFFICER_ID))
    bot.api.push_photo(OFFICER_ID, photo(1), caption="24", media_group_id="g-4")
    bot.api.push_document(OFFICER_ID, b"MZ", "a.exe", media_group_id="g-4")
    bot.api.push_document(OFFICER_ID, b"MZ", "b.exe", media_group_id="g-4")
    bot.api.push_photo(OFFICER_ID, photo(2), media_group_id="g-4")
    await bot.idle()
    answers = [m.text or "" for m in bot.api.sent(OFFICER_ID)[before:]]
    assert len(answers) == 2
    assert answers[0].startswith("已记录第24项进展")
    assert "不支持该文件类型（“a.exe”）" in answers[1]
    assert len(evidence_rows(bot)) == 2
