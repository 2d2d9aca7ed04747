"""Invites: the deep link that binds a person in one tap, its QR code, and the workbook of all of them."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import qrcode
from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from qrcode.image.pil import PilImage

from ledger.model import Role
from ledger.xlsx import write_cell
from services.roster import PersonView

# A QR code of a t.me link is 29 modules plus a 2-module border: 31 × 4 px ≈ 124 px, readable on paper.
_QR_BOX_PIXELS = 4
_QR_BORDER = 2
# Row height is in points (3/4 of a pixel); the margin keeps neighbouring codes apart.
_POINTS_PER_PIXEL = 0.75
_ROW_MARGIN_POINTS = 6
_COLUMN_WIDTHS = (14, 24, 24, 14, 48, 20)


def deep_link(bot_username: str, code: str) -> str:
    """The link that opens the bot and sends `/start CODE`: one tap binds the person."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


def qr_png(text: str) -> bytes:
    """A PNG image of a QR code holding `text`."""
    code = qrcode.QRCode(box_size=_QR_BOX_PIXELS, border=_QR_BORDER, image_factory=PilImage)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass(frozen=True)
class InviteRow:
    """One person to invite: what the office prints and hands over."""

    name: str
    units: str
    roles: str
    code: str
    link: str


def write_invites_workbook(
    path: Path, rows: Sequence[InviteRow], *, title: str, headers: Sequence[str]
) -> int:
    """One row per person, the QR code of their link embedded in the last column; returns the row count.

    `headers` name the columns: name, units, roles, code, link, QR code.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = title
    for index, width in enumerate(_COLUMN_WIDTHS, start=1):
        if index <= len(headers):
            write_cell(sheet, 1, index, headers[index - 1]).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    qr_column = get_column_letter(len(_COLUMN_WIDTHS))
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate((row.name, row.units, row.roles, row.code, row.link), start=1):
            write_cell(sheet, number, column, value).alignment = Alignment(wrap_text=True, vertical="center")
        image = Image(io.BytesIO(qr_png(row.link)))
        sheet.add_image(image, f"{qr_column}{number}")
        sheet.row_dimensions[number].height = image.height * _POINTS_PER_PIXEL + _ROW_MARGIN_POINTS
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return len(rows)


def invite_row(person: PersonView, bot_username: str, role_label: Callable[[Role], str]) -> InviteRow:
    """The row of a person not yet bound (one who has an invite code)."""
    assert person.invite_code is not None
    units = dict.fromkeys(r.unit for r in person.roles if r.unit)
    return InviteRow(
        name=person.name,
        units="、".join(units),
        roles="、".join(role_label(r.role) for r in person.roles),
        code=person.invite_code,
        link=deep_link(bot_username, person.invite_code),
    )
