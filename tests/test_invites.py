"""Invites: deep links, QR codes, and `duban people invites PATH.xlsx` (one row per person not yet bound)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Protocol, cast

import pytest
from openpyxl import load_workbook
from openpyxl.drawing.image import Image
from openpyxl.drawing.spreadsheet_drawing import OneCellAnchor, TwoCellAnchor
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image as PilImage

from services.invites import deep_link, qr_png
from tests.conftest import CliRunner

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _ImageData(Protocol):
    """openpyxl's `Image._data` (the image's bytes as written into the workbook), which its stubs omit."""

    def _data(self) -> bytes: ...


def test_deep_link_opens_the_bot_with_the_code() -> None:
    assert deep_link("duban_bot", "ABCDEFGH23") == "https://t.me/duban_bot?start=ABCDEFGH23"
    assert deep_link("@duban_bot", "ABCDEFGH23") == "https://t.me/duban_bot?start=ABCDEFGH23"


def test_qr_png_is_a_square_png() -> None:
    data = qr_png("https://t.me/duban_bot?start=ABCDEFGH23")
    assert data.startswith(PNG_MAGIC)
    with PilImage.open(io.BytesIO(data)) as image:
        assert image.width == image.height
        assert image.width >= 100


@pytest.fixture
def roster(cli: CliRunner) -> dict[str, dict[str, object]]:
    """Two people waiting for their invite, one already bound; their `people list --json` records by name."""
    assert cli("db", "upgrade").code == 0
    assert cli("units", "add", "市住建局").code == 0
    assert cli("units", "add", "市水务局").code == 0
    for argv in (
        ("张伟", "--unit", "市住建局", "--role", "责任人员"),
        ("李娜", "--unit", "市水务局", "--role", "leader"),
        ("王强", "--unit", "市住建局", "--role", "officer", "--telegram-id", "4242"),
        ("赵敏", "--role", "领导小组"),
    ):
        assert cli("people", "add", *argv).code == 0
    return {p["name"]: p for p in json.loads(cli("people", "list", "--json").out)}


def test_invites_workbook_has_one_row_per_unbound_person_with_a_qr_image(
    cli: CliRunner, roster: dict[str, dict[str, object]], tmp_path: Path
) -> None:
    cli.env(DUBAN_BOT_USERNAME="duban_bot")
    path = tmp_path / "out" / "invites.xlsx"
    result = cli("people", "invites", str(path))
    assert result.code == 0, result.err
    assert result.out.strip() == f"已写出 3 名未绑定人员的邀请（邀请码、绑定链接、二维码）：{path}"

    sheet = load_workbook(path).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "单位", "角色", "邀请码", "绑定链接", "二维码")
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"张伟", "李娜", "赵敏"}
    for name, row in by_name.items():
        assert isinstance(name, str)
        code, link = row[3:5]
        assert code == roster[name]["invite_code"]
        assert link == f"https://t.me/duban_bot?start={code}"
    assert by_name["张伟"][1:3] == ("市住建局", "责任人员")
    assert by_name["李娜"][1:3] == ("市水务局", "责任领导")
    assert by_name["赵敏"][1:3] == (None, "领导小组")

    images: list[Image] = sheet._images  # type: ignore[attr-defined]
    assert len(images) == 3
    anchors = [image.anchor for image in images]
    assert all(isinstance(anchor, OneCellAnchor | TwoCellAnchor) for anchor in anchors), anchors
    markers = [anchor._from for anchor in anchors if isinstance(anchor, OneCellAnchor | TwoCellAnchor)]
    anchored_rows = sorted(marker.row + 1 for marker in markers)
    assert anchored_rows == [2, 3, 4]
    assert all(marker.col == 5 for marker in markers)
    for image in images:
        assert cast(_ImageData, image)._data().startswith(PNG_MAGIC)


def test_invites_without_the_bot_username_say_which_setting_to_set(
    cli: CliRunner, roster: dict[str, dict[str, object]], tmp_path: Path
) -> None:
    path = tmp_path / "invites.xlsx"
    result = cli("people", "invites", str(path))
    assert result.code == 1
    assert result.out == ""
    assert result.err.strip().splitlines() == [
        "未设置 DUBAN_BOT_USERNAME：请设置为机器人的用户名（如 duban_bot），才能生成绑定链接。"
    ]
    assert not path.exists()
