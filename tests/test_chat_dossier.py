"""The sign-off dossier (销号材料) end to end: the reviewer's opinion with an approval (asked under 同意销号,
or `/approve N 意见`), then `/dossier N` in chat and `duban dossier N` on the command line, whose zip is read
back (zipfile, python-docx, openpyxl): the documents' wording and layout, every evidence file listed once
with the hash of the stored file, nothing but the item's own evidence, safe names; and every refusal, which
changes nothing."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

import handlers.dossier
from ledger.dossier import MAX_STEM, safe_file_name
from loopback import SentMessage
from reports.dossier import chinese_text
from storage.models import EvidenceFile
from storage.review import ReviewDecision, SignOffStatus
from tests.conftest import CliRunner
from tests.harness import ADMIN_ID, BotHarness
from tests.test_chat_signoff import (
    LEADER,
    OFFICER,
    OTHER_LEADER,
    OTHER_REVIEWER,
    PHOTO,
    REVIEWER,
    REVIEWER_2,
    STRANGER,
    add_evidence,
    confirm,
    file_request,
    requests,
    reviews,
    setup,
    state,
    tap_for_reply,
    text,
)

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
HALF_WIDTH_NEXT_TO_HAN = re.compile(r"[\u3400-\u9fff][,;:()]|[,;:()][\u3400-\u9fff]")
FOLDER = "第1项销号材料"
OPINION = "经现场核查,铬渣已全部规范贮存(2026-11-20),同意销号"


# ---- pure rules -----------------------------------------------------------------------------------


def test_uploaded_names_lose_their_folders_and_unsafe_characters() -> None:
    assert safe_file_name(3, "检测报告.PDF", "application/pdf") == "03-检测报告.pdf"
    assert safe_file_name(1, "../../etc/passwd", "application/octet-stream", "佐证材料") == "01-passwd.bin"
    assert safe_file_name(2, "C:\\Users\\张伟\\现场.docx", "x") == "02-现场.docx"
    assert safe_file_name(4, "..", "image/jpeg", "2号池/清淤完成", "佐证材料") == "04-2号池_清淤完成.jpg"
    assert safe_file_name(5, None, "image/jpeg", None, "佐证材料") == "05-佐证材料.jpg"
    assert safe_file_name(6, "con.txt", "text/plain", "佐证材料") == "06-佐证材料.txt"
    assert safe_file_name(7, "a<b>|c?.pdf", "application/pdf") == "07-a_b_c.pdf"


@given(st.text(), st.text())
def test_any_uploaded_name_is_one_safe_component(name: str, caption: str) -> None:
    safe = safe_file_name(12, name, "application/pdf", caption, "佐证材料")
    assert safe.startswith("12-")
    assert "/" not in safe
    assert "\\" not in safe
    assert "\x00" not in safe
    assert not safe.startswith(".")
    assert ".." not in safe.split(".", 1)[0]
    assert len(safe) <= len("12-") + MAX_STEM + 9
    assert zipfile.ZipInfo(f"佐证材料/{safe}").filename.count("/") == 1


def test_chinese_text_gets_full_width_punctuation_and_chinese_dates() -> None:
    assert chinese_text("整改到位,同意销号(2026-11-20)") == "整改到位，同意销号（2026年11月20日）"
    assert chinese_text("共2,000平方米, 3.5吨") == "共2,000平方米，3.5吨"
    assert chinese_text("Done, approved (OK)") == "Done, approved (OK)"


# ---- reading what the bot sends ---------------------------------------------------------------------


def opened(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def word(archive: zipfile.ZipFile, name: str) -> docx.document.Document:
    return docx.Document(io.BytesIO(archive.read(f"{FOLDER}/{name}")))


def paragraphs(document: docx.document.Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def index_rows(archive: zipfile.ZipFile, name: str) -> list[tuple[object, ...]]:
    workbook = openpyxl.load_workbook(io.BytesIO(archive.read(f"{FOLDER}/{name}")))
    sheet = workbook.active
    assert sheet is not None
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.page_setup.orientation == "landscape"
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


async def dossier_of(bot: BotHarness, user: int, number: str = "1") -> SentMessage:
    (reply,) = await bot.send(user, f"/dossier {number}")
    assert reply.method == "sendDocument", reply.text
    assert reply.document is not None
    return reply


async def approved_item(bot: BotHarness) -> None:
    """Item 1: a photo for measure 1, a file uploaded as `../../etc/passwd.pdf` for measure 2, a photo for
    nothing; the officer asks, the leader confirms, the reviewer approves with an opinion."""
    await setup(bot)
    await add_evidence(bot, "1", [1])
    assert (await bot.send_document(OFFICER, b"%PDF-1.4 evil", "../../etc/passwd.pdf", caption="1")).replies
    assert "已对应整改措施" in await text(bot, OFFICER, "/evidence 1 2")
    assert (await bot.send_photo(OFFICER, PHOTO + b"unlinked", "1 现场全景,2026-11-19")).replies
    assert (await bot.send_photo(OFFICER, PHOTO + b"item two", "2")).replies  # another item's evidence
    request = await file_request(bot)
    await confirm(bot, request)
    await bot.deliver()
    asked = await tap_for_reply(bot, REVIEWER, f"so:a:{request.id}")
    assert "验收意见" in asked
    assert reviews(bot) == []  # asking for the opinion decides nothing yet
    assert "已同意销号" in await text(bot, REVIEWER, OPINION)


# ---- the flows ------------------------------------------------------------------------------------


async def test_the_dossier_of_an_approved_item(bot: BotHarness) -> None:
    await approved_item(bot)
    (review,) = reviews(bot)
    assert (review.decision, review.opinion) == (ReviewDecision.APPROVE, OPINION)
    assert requests(bot)[0].status == SignOffStatus.APPROVED

    reply = await dossier_of(bot, OFFICER)
    assert reply.filename == f"{FOLDER}.zip"
    assert "销号申请" in (reply.text or "")
    assert "佐证材料3份" in (reply.text or "")
    assert reply.document is not None
    archive = opened(reply.document)
    documents = ["1-整改情况报告.docx", "2-验收意见.docx", "3-销号申请.docx", "4-佐证材料清单.xlsx"]
    names = archive.namelist()
    assert names[:4] == [f"{FOLDER}/{name}" for name in documents]
    evidence = names[4:]
    assert all(name.startswith(f"{FOLDER}/佐证材料/") and name.count("/") == 2 for name in evidence)
    assert f"{FOLDER}/佐证材料/02-passwd.pdf" in evidence

    # Every file of the item once, with the hash of the stored file; nothing of item 2.
    with bot.services.sessions() as session:
        stored = session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)).all()
    own = [row for row in stored if row.item_id == stored[0].item_id]
    assert len(own) == 3
    assert len(stored) == 4
    data_dir = bot.settings.data_dir
    for row, name in zip(own, evidence, strict=True):
        content = archive.read(name)
        assert hashlib.sha256(content).hexdigest() == row.sha256
        assert hashlib.sha256((data_dir / row.path).read_bytes()).hexdigest() == row.sha256
    rows = index_rows(archive, "4-佐证材料清单.xlsx")
    assert rows[0][0] == "第1项“事项1”佐证材料清单（截至2026年11月20日）"
    assert rows[1][:4] == ("序号", "文件名", "原文件名", "SHA-256校验值")
    listed = rows[2:]
    assert [r[0] for r in listed] == [1, 2, 3]
    assert [r[3] for r in listed] == [row.sha256 for row in own]
    assert [f"{FOLDER}/佐证材料/{r[1]}" for r in listed] == evidence
    assert [r[2] for r in listed] == ["—", "../../etc/passwd.pdf", "—"]
    assert [r[5] for r in listed] == ["张伟"] * 3
    assert [r[7] for r in listed] == ["措施1", "措施2", "—"]
    assert listed[2][8] == "现场全景，2026年11月19日"  # the caption printed the Chinese way
    assert all(r[9] in (None, "") for r in listed)

    report = word(archive, "1-整改情况报告.docx")
    text_of_report = paragraphs(report)
    assert text_of_report[0] == "关于第1项问题整改情况的报告"
    assert text_of_report[1] == "整改办："
    assert "已完成整改，经第三方检测达标" in text_of_report
    assert "1. 措施一。佐证材料：第1份。" in text_of_report
    assert "2. 措施二。佐证材料：第2份。" in text_of_report
    assert "1. 目标1（时限：2026年12月31日）。佐证材料：第1、2、3份。" in text_of_report
    assert "其中未对应具体整改措施或目标的：第3份。" in text_of_report
    assert "本报告经单位主要负责人李局长于2026年11月20日10时00分审核确认。" in text_of_report
    assert text_of_report[-2:] == ["市住建局", "2026年11月20日"]
    section = report.sections[0]
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(margin.mm) for margin in margins if margin is not None] == [37, 35, 28, 26]
    assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", section.footer._element.xml)
    title_run = report.paragraphs[0].runs[0]
    assert title_run.font.size is not None
    assert title_run.font.size.pt == 22
    title_properties = title_run.element.rPr
    assert title_properties is not None
    assert title_properties.rFonts is not None
    assert title_properties.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) == "方正小标宋简体"

    opinion = paragraphs(word(archive, "2-验收意见.docx"))
    assert opinion[0] == "关于第1项问题销号申请的验收意见"
    assert (
        "1. 整改办（审核人：王督导，2026年11月20日）：同意销号。"
        "验收意见：经现场核查，铬渣已全部规范贮存（2026年11月20日），同意销号" in opinion
    )
    assert "经整改办审核，第1项整改任务已完成，同意销号。" in opinion

    application = paragraphs(word(archive, "3-销号申请.docx"))
    assert application[0] == "关于第1项问题整改销号的申请"
    assert application[1] == "上级督察整改工作领导小组办公室："  # DUBAN_SUPERIOR_OFFICE
    assert any("经单位主要负责人李局长确认" in p and "验收意见：经现场核查" in p for p in application)

    for name in documents[:3]:
        for paragraph in paragraphs(word(archive, name)):
            assert not ISO_DATE.search(paragraph), (name, paragraph)
            assert not HALF_WIDTH_NEXT_TO_HAN.search(paragraph), (name, paragraph)

    # The stored opinion is as the reviewer typed it: only the documents print it the Chinese way.
    assert reviews(bot)[0].opinion == OPINION
    for user in (LEADER, REVIEWER):
        assert (await dossier_of(bot, user)).filename == f"{FOLDER}.zip"


async def test_before_the_decision_the_dossier_says_what_is_still_awaited(bot: BotHarness) -> None:
    await setup(bot)
    await add_evidence(bot, "1", [1, 2])
    await file_request(bot)
    reply = await dossier_of(bot, OFFICER)
    assert reply.document is not None
    archive = opened(reply.document)
    assert not any(name.endswith("销号申请.docx") for name in archive.namelist())
    assert "本报告尚待单位主要负责人审核确认。" in paragraphs(word(archive, "1-整改情况报告.docx"))
    opinion = paragraphs(word(archive, "2-验收意见.docx"))
    assert "督导单位尚未作出审核决定。" in opinion
    assert "销号申请正在审核中，尚未作出验收结论。" in opinion


async def test_approving_as_is_and_by_command_with_an_opinion(bot: BotHarness) -> None:
    await setup(bot)
    await add_evidence(bot, "2", [])
    request = await file_request(bot, "2")
    await confirm(bot, request)
    await bot.deliver()
    await tap_for_reply(bot, REVIEWER, f"so:a:{request.id}")
    # Under the question, 直接同意 approves without an opinion and ends the question.
    decided = await tap_for_reply(bot, REVIEWER, f"so:p:{request.id}")
    assert "仍待以下督导单位审核：市生态环境局" in decided
    assert "无需取消" in await text(bot, REVIEWER, "/cancel")
    assert "已同意销号" in await text(bot, REVIEWER_2, "/approve 2")  # no opinion: none stored
    assert [(r.opinion, r.decision) for r in reviews(bot)] == [
        (None, ReviewDecision.APPROVE),
        (None, ReviewDecision.APPROVE),
    ]
    assert requests(bot)[0].status == SignOffStatus.APPROVED


async def test_approve_by_command_takes_the_opinion(bot: BotHarness) -> None:
    await setup(bot)
    await add_evidence(bot, "1", [1, 2])
    request = await file_request(bot)
    before = state(bot)
    assert "不在审核中" in await text(bot, REVIEWER, "/approve 1 同意")  # still awaiting the leader
    assert state(bot) == before
    await confirm(bot, request)
    before = state(bot)
    assert "该操作需要以下角色之一" in await text(bot, OFFICER, "/approve 1 同意")
    assert "未找到您可查看的第1项" in await text(bot, OTHER_REVIEWER, "/approve 1 同意")
    assert (await text(bot, REVIEWER, "/approve")).startswith("用法：/approve 编号")
    assert state(bot) == before
    assert "已同意销号" in await text(bot, REVIEWER, "/approve 1 资料齐全，同意销号")
    assert [r.opinion for r in reviews(bot)] == ["资料齐全，同意销号"]
    history = await text(bot, OFFICER, "/history 1")
    assert "王督导：审核意见：同意销号（验收意见：资料齐全，同意销号）" in history


async def test_refusals_name_the_roles_and_change_nothing(bot: BotHarness) -> None:
    await setup(bot)
    await add_evidence(bot, "1", [1, 2])
    await file_request(bot)
    before = state(bot)
    files_before = sorted(p.name for p in bot.settings.data_dir.rglob("*"))
    refused_role = await text(bot, ADMIN_ID, "/dossier 1")
    assert refused_role.startswith("该操作需要以下角色之一")
    assert "督导" in refused_role
    assert "仅供" in await text(bot, STRANGER, "/dossier 1")
    assert "未找到您可查看的第1项" in await text(bot, OTHER_LEADER, "/dossier 1")
    assert "未找到您可查看的第1项" in await text(bot, OTHER_REVIEWER, "/dossier 1")
    assert await text(bot, OFFICER, "/dossier") == "用法：/dossier 编号，如 /dossier 24.1"
    assert "未找到您可查看的第99项" in await text(bot, OFFICER, "/dossier 99")
    assert "第2项尚未申请销号，没有销号材料" in await text(bot, OFFICER, "/dossier 2")
    assert await text(bot, OFFICER, "/dossier 全部") == "“全部”不是事项编号。编号如 24 或 24.1。"
    assert state(bot) == before
    assert sorted(p.name for p in bot.settings.data_dir.rglob("*")) == files_before


async def test_a_dossier_too_big_for_the_chat_says_how_to_write_it(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await approved_item(bot)
    monkeypatch.setattr(handlers.dossier, "MAX_SENT_BYTES", 1000)
    (reply,) = await bot.send(OFFICER, "/dossier 1")
    assert reply.method == "sendMessage"
    assert (reply.text or "").startswith("第1项销号材料（佐证材料3份）超过50 MB，无法通过聊天发送")
    assert "duban dossier 1 --out" in (reply.text or "")


async def test_english_dossier_for_an_english_speaker(bot: BotHarness) -> None:
    await approved_item(bot)
    await text(bot, LEADER, "/lang en")
    reply = await dossier_of(bot, LEADER)
    assert reply.filename == "item-1-sign-off-dossier.zip"
    assert reply.document is not None
    archive = opened(reply.document)
    assert "item-1-sign-off-dossier/3-sign-off-application.docx" in archive.namelist()


async def test_the_command_line_writes_the_same_dossier(
    bot: BotHarness, cli: CliRunner, tmp_path: Path
) -> None:
    await approved_item(bot)
    out = tmp_path / "out.zip"
    cli.env(DUBAN_SUPERIOR_OFFICE="省生态环境保护督察整改工作领导小组办公室")
    result = cli("dossier", "1", "--out", str(out))
    assert result.code == 0, result.err
    assert result.out.startswith(f"已写入第1项销号材料：{out}")
    archive = zipfile.ZipFile(out)
    assert f"{FOLDER}/3-销号申请.docx" in archive.namelist()
    # The application goes to the office above, as the setting names it.
    assert paragraphs(word(archive, "3-销号申请.docx"))[1] == "省生态环境保护督察整改工作领导小组办公室："
    assert len([n for n in archive.namelist() if "/佐证材料/" in n]) == 3
    missing = cli("dossier", "2", "--out", str(tmp_path / "two.zip"))
    assert (missing.code, missing.err.strip()) == (
        1,
        "第2项尚未申请销号，没有销号材料。责任人员可发送 /signoff 2 完成情况 申请销号。",
    )
    assert not (tmp_path / "two.zip").exists()
    bad = cli("dossier", "全部")
    assert (bad.code, bad.err.strip()) == (1, "“全部”不是事项编号。编号如 24 或 24.1。")
