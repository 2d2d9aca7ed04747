"""Reports: the progress chart (PNG, CJK font shipped by mplfonts), the month's dispatch notice (.docx read
back with python-docx), the public page (no names of people), `duban report …` and `/report_month`."""

from __future__ import annotations

import io
import re
import warnings
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Length, Mm, RGBColor
from docx.text.run import Run
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.colors import to_rgb
from matplotlib.text import Text
from PIL import Image
from pydantic import ValidationError
from sqlalchemy import select

from bot.config import Settings
from bot.wiring import build_renderer
from ledger.access import Viewer
from ledger.actor import Actor
from ledger.clock import ManualClock
from ledger.errors import DubanError
from ledger.importer import parse_ledger_file
from ledger.model import ItemSpec, ItemStatus, ParsedLedger, Role, Target
from ledger.punctuation import full_width_punctuation
from ledger.reporting import Issuer, Month, ReportItem, UnitProgress, by_progress, parse_month, unit_progress
from reports.chart import FONT_PATH, TONE_COLORS, progress_chart, progress_figure
from reports.gongwen import CHARACTER_SPACING_TWIPS, LINES, text_width
from services.accounts import TelegramUser
from services.container import Services
from storage.models import AuditEntry, Item, Person
from storage.review import SignOffRequest, SignOffStatus
from storage.scheduling import Escalation, SummonsRecord
from tests.conftest import JIAYUGUAN, CliRunner
from tests.harness import ADMIN_ID, BotHarness, text_of
from tests.status_helpers import state_of

RENDERER = build_renderer(ZoneInfo("Asia/Shanghai"))

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORTER_ID = 730_001
SUPERVISOR_ID = 730_002
OFFICER_ID = 730_003


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI).astimezone(UTC)


# ---- pure rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "month"),
    [("2026-11", Month(2026, 11)), ("2026-1", Month(2026, 1)), ("2026/02", Month(2026, 2)),
     ("2026年12月", Month(2026, 12)), ("2026-13", None), ("2026-00", None), ("11", None), ("", None),
     ("2026-11-01", None), ("abc", None)],
)  # fmt: skip
def test_parse_month(text: str, month: Month | None) -> None:
    assert parse_month(text) == month


def test_month_days() -> None:
    assert (Month(2026, 2).first, Month(2026, 2).last) == (date(2026, 2, 1), date(2026, 2, 28))
    assert Month(2026, 12).last == date(2026, 12, 31)


# ---- the chart ------------------------------------------------------------------------------------


def _bar_pixels(png: bytes, row: int, color_name: str) -> int:
    """How many pixels of a bar colour one row of the image holds."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    color = tuple(round(channel * 255) for channel in to_rgb(color_name))
    return sum(1 for x in range(image.width) if image.getpixel((x, row)) == color)


AS_OF = date(2026, 11, 20)


def test_chart_draws_each_unit_with_the_shipped_cjk_font_coloured_by_status() -> None:
    rows = [
        UnitProgress("市住建局", 3, 20.0, "overdue"),
        UnitProgress("市生态环境局", 5, 80.0, "on_track"),
        UnitProgress("市水务局", 2, 95.0, "behind"),
    ]
    assert FONT_PATH.is_file()
    assert FONT_PATH.parent.parent.name == "mplfonts"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" would fail here
        figure = progress_figure(rows, AS_OF, RENDERER)
        png = progress_chart(rows, AS_OF, RENDERER)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    assert image.width == 800
    assert image.height == 355  # 2.2 in of margins and 0.45 in a bar, at 100 dpi

    chinese = [t for t in figure.findobj(match=Text) if _has_cjk(t.get_text())]
    texts = {t.get_text() for t in chinese}
    assert texts >= {"市住建局", "市生态环境局", "各责任单位整改进度", "截至2026年11月20日", "20%（3项）"}
    assert texts >= {"达到序时进度或已完成", "有事项进度滞后", "有事项逾期未完成"}  # the legend
    assert {_font_file(t) for t in chinese} == {FONT_PATH}

    # Each bar in its status's colour, as long as its percent, in the PNG itself: red 20 %, green 80 %,
    # yellow 95 % (never red for a unit that is only behind).
    figure.canvas.draw()
    axes = figure.axes[0]
    lengths = []
    for bar, row in zip(axes.patches, rows, strict=True):
        extent = bar.get_window_extent()
        y = image.height - round((extent.y0 + extent.y1) / 2)
        lengths.append(_bar_pixels(png, y, TONE_COLORS[row.tone]))
        assert to_rgb(bar.get_facecolor()) == to_rgb(TONE_COLORS[row.tone])
    short, long, longest = lengths
    assert short > 20
    assert long / short == pytest.approx(4, rel=0.05)
    assert longest / short == pytest.approx(4.75, rel=0.05)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_chart_in_english_and_with_no_unit() -> None:
    figure = progress_figure([UnitProgress("市住建局", 1, 100.0, "on_track")], AS_OF, RENDERER, locale="en")
    texts = {
        t.get_text() for t in figure.findobj(match=lambda o: hasattr(o, "get_text")) if isinstance(t, Text)
    }
    assert {"Progress by responsible unit", "100% (1 item)", "As of 2026-11-20"} <= texts
    assert progress_chart([], AS_OF, RENDERER).startswith(b"\x89PNG")


def _item(number: str, units: tuple[str, ...], status: ItemStatus, percent: int) -> ReportItem:
    return ReportItem(number, f"事项{number}", units, None, None, False, status, percent, None, 0)


def test_chart_rows_leave_out_collective_and_unnamed_units_in_the_offices_order() -> None:
    items = [
        _item("1", ("市水务局", "各成员单位"), ItemStatus.ON_SCHEDULE, 40),
        _item("2", ("市住建局",), ItemStatus.BEHIND, 10),
        _item("3", ("市住建局", "市水务局"), ItemStatus.SIGNED_OFF, 100),
        _item("4", (), ItemStatus.OVERDUE, 0),
        _item("5", ("市生态环境局",), ItemStatus.OVERDUE, 50),
    ]
    rows = unit_progress(items, ("市水务局", "市住建局", "市生态环境局"))
    assert [(r.unit, r.items, r.average_percent, r.tone) for r in rows] == [
        ("市水务局", 2, 70.0, "on_track"),
        ("市住建局", 2, 55.0, "behind"),
        ("市生态环境局", 1, 50.0, "overdue"),
    ]
    assert [r.unit for r in by_progress(rows)] == ["市生态环境局", "市住建局", "市水务局"]
    assert [r.unit for r in unit_progress(items)] == [
        "市住建局",
        "市水务局",
        "市生态环境局",
    ]  # unknown: by name


# ---- the month's notice ---------------------------------------------------------------------------


def _admin(services: Services) -> Viewer:
    services.roster.add_person(
        "周敏", unit=None, role=Role.ADMIN, actor=Actor.system("test"), telegram_user_id=REPORTER_ID
    )
    return services.accounts.viewer(TelegramUser(REPORTER_ID, "周敏", "zh"))


def _jiayuguan_with_reports(services: Services, clock: ManualClock) -> None:
    """The Jiayuguan plan (18 items, all deadlines long past) with reports in and around November 2026:
    16 reported 100% on 11-10 (basically done, but before the second dispatch period), 24.1 60% on 11-18,
    3 (continuing) on 11-20, 24.2 100% on 11-25 with its sign-off requested (done), 31 on 12-01 (after
    the month)."""
    clock.set(at(date(2026, 11, 2)))
    parsed = parse_ledger_file(JIAYUGUAN, default_start=date(2026, 11, 2))
    services.ledger.import_ledger(parsed, actor=Actor.system("test"), dry_run=False)
    admin = _admin(services)
    for day, number, percent in [
        (date(2026, 11, 10), "16", 100),
        (date(2026, 11, 18), "24.1", 60),
        (date(2026, 11, 20), "3", 50),
        (date(2026, 11, 25), "24.2", 100),
        (date(2026, 12, 1), "31", 30),
    ]:
        clock.set(at(day))
        services.reports.submit(admin, number, percent, f"第{number}项进展")
    with services.sessions() as session, session.begin():
        item = session.scalars(select(Item).where(Item.number == "24.2")).one()
        person = session.scalars(select(Person).where(Person.telegram_user_id == REPORTER_ID)).one()
        session.add(
            SignOffRequest(
                item_id=item.id, requested_by=person.id, statement="已完成", status=SignOffStatus.AWAITING_LEADER,
                created_at=at(date(2026, 11, 25), 11),
            )
        )  # fmt: skip
    clock.set(at(date(2026, 12, 3)))


def _paragraphs(document: DocumentObject) -> list[str]:
    return [p.text for p in document.paragraphs]


def _section(paragraphs: list[str], heading: str) -> list[str]:
    """The paragraphs after the heading that starts with `heading`, up to the next heading."""
    start = next(i for i, text in enumerate(paragraphs) if text.startswith(heading))
    rest = paragraphs[start + 1 :]
    end = next(
        (i for i, text in enumerate(rest) if re.match(r"^[一二三四]、|^（[一二三]）", text)), len(rest)
    )
    return rest[:end]


def _unit_line(lines: list[str], unit: str) -> str:
    (line,) = [text for text in lines if text.startswith(f"{unit}（")]
    return line


def _events(services: Services) -> None:
    """The ladder and sign-off in November 2026: 预警 on 14 and 39, 通报 on 39, a 约谈 proposal on 14 (by the
    rules) and on 39 (by a supervisor's /summon: a proposal too), the 约谈 on 39 held on 11-30 and recorded,
    24.2 signed off, 3 reopened; and a 预警 on 25 in October and a 约谈 held on 12-01 (not counted)."""
    with services.sessions() as session, session.begin():
        ids: dict[str, int] = dict(session.execute(select(Item.number, Item.id)).all())
        person = session.scalars(select(Person).where(Person.telegram_user_id == REPORTER_ID)).one()
        for number, level, day, by in [
            ("14", 2, date(2026, 11, 3), None), ("39", 2, date(2026, 11, 4), None), ("39", 3, date(2026, 11, 18), None),
            ("14", 4, date(2026, 11, 19), None), ("39", 4, date(2026, 11, 27), person.id),
            ("25", 2, date(2026, 10, 30), None),
        ]:  # fmt: skip
            session.add(
                Escalation(item_id=ids[number], level=level, reason="test", issued_at=at(day), issued_by=by)
            )
        for held_on in (date(2026, 11, 30), date(2026, 12, 1)):
            session.add(
                SummonsRecord(
                    item_id=ids["39"],
                    held_on=held_on,
                    attendees="市市场监管局局长",
                    recorded_by=person.id,
                    recorded_at=at(held_on),
                )
            )
        session.add(
            SignOffRequest(
                item_id=ids["24.2"], requested_by=person.id, statement="已完成", status=SignOffStatus.APPROVED,
                created_at=at(date(2026, 11, 5)), decided_at=at(date(2026, 11, 6)),
            )
        )  # fmt: skip
        session.add(
            AuditEntry(at=at(date(2026, 11, 9)), actor="test", action="reopen", entity="item", entity_id="3")
        )


def _font_file(text: Text) -> Path:
    """The font file matplotlib draws `text` with."""
    file = text.get_fontproperties().get_file()
    assert isinstance(file, str), file
    return Path(file)


def _mm(length: Length | None) -> int:
    """A page dimension or margin that is set, in whole millimetres."""
    assert length is not None
    millimetres: float = length.mm
    return round(millimetres)


def _run_fonts(run: Run) -> tuple[str | None, float | None]:
    properties = run._r.rPr
    assert properties is not None
    fonts = properties.rFonts
    assert fonts is not None
    return fonts.get(qn("w:eastAsia")), run.font.size.pt if run.font.size else None


def _role(document: DocumentObject, starts: str) -> tuple[str | None, float | None]:
    (paragraph,) = [p for p in document.paragraphs if p.text.startswith(starts)][:1]
    return _run_fonts(paragraph.runs[0])


_CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff01-\uff5e]"


def _all_texts(document: DocumentObject) -> list[str]:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return [*_paragraphs(document), *cells]


def test_month_notice_counts_events_and_problems_by_unit(services: Services, clock: ManualClock) -> None:
    _jiayuguan_with_reports(services, clock)
    _events(services)
    report, data = services.reporting.month_notice(Month(2026, 11), "zh_CN")
    assert (report.as_of, report.period_start) == (date(2026, 11, 30), date(2026, 11, 16))
    document = Document(io.BytesIO(data))
    paragraphs = _paragraphs(document)

    # The masthead: the office (a setting), the issue (numbered within the year), the red line; the title, 主送.
    assert paragraphs[:5] == [
        "督察整改工作领导小组办公室", "2026年第11期", "", "关于2026年11月整改工作调度情况的通报", "各责任单位：",
    ]  # fmt: skip
    overall = _section(paragraphs, "一、总体情况")
    # Each item counted once, as it stood on 11-30: 31's report of 12-01 does not count yet.
    assert overall[0] == (
        "截至2026年11月30日，整改任务共18项，其中已销号1项，基本完成1项，逾期未完成11项，重新纳入整改1项，未启动4项；"
        "总体任务完成率11%（已销号、已完成、基本完成、达到序时进度的整改任务共2项，占18项）。"
    )  # 24.2 approved on 11-06, 3 reopened on 11-09
    # The month's events from the store, October's left out.
    assert overall[1] == (
        "本月预警2次（第14项、第39项），通报1次（第39项），约谈建议2次（第14项、第39项），约谈1次（第39项），"
        "销号1项（第24.2项），重新纳入整改1项（第3项）。"
    )

    overdue = _section(paragraphs, "（一）逾期未完成整改的问题（11项）")
    assert not any("第16项" in line for line in overdue)  # 100 %: 基本完成, not overdue
    ecology = _unit_line(overdue, "市生态环境局")
    assert "第24.1项" in ecology
    assert "第24.2项" not in ecology  # signed off: not overdue
    # 25 once, under its first unit (市工信局), not again under 市生态环境局, which is named beside it.
    assert "第25项" not in ecology
    assert re.search(r"第25项“[^”]+”（共同责任单位：[^）]*市生态环境局", _unit_line(overdue, "市工信局"))
    assert not any("第1项" in line or "第3项" in line for line in overdue)  # continuing: no deadline
    # Each item once, under its first unit, the others named beside it.
    listed = re.findall(r"第(\d+(?:\.\d+)?)项“", "".join(overdue))
    assert len(listed) == len(set(listed)) == 11
    (item_38,) = [line for line in overdue if "第38项" in line]
    assert item_38.startswith("市发展改革委（")
    assert "（共同责任单位：市工信局）" in item_38
    # Full titles: never cut with "…".
    assert not any("…" in text for text in paragraphs)
    assert (
        "第37项“15台供电煤耗远高于全省均值的小火电机组还有10台未淘汰或改造，其中，窑街电厂4台机组"
        in "".join(overdue)
    )

    stalled = _section(paragraphs, "（二）调度期内未报送整改进展的问题（15项）")
    assert stalled[0] == "2026年11月16日至2026年11月30日调度期内，以下问题未报送整改进展："
    assert "第16项" in _unit_line(stalled, "市住建局")  # its report came before the period
    assert "最近报告：2026年11月10日" in _unit_line(stalled, "市住建局")  # a Chinese date, never ISO
    assert "第31项" in _unit_line(stalled, "市发展改革委")  # its report came after the month
    assert not any("第24.1项" in line or "第3项" in line for line in stalled)

    # The next dispatch: 12-01 (a Tuesday), its report due 3 working days later.
    required = _section(paragraphs, "（一）按时报送进展")
    assert required == [
        "下一调度期自2026年12月1日起，请各责任单位于12月4日前报送整改进展及佐证材料，经单位主要负责同志审核后报送。"
    ]

    note = paragraphs.index("附件：2026年11月整改任务台账")
    assert paragraphs[note + 2 : note + 4] == ["督察整改工作领导小组办公室", "2026年11月30日"]
    assert paragraphs[-2:] == ["附件", "2026年11月整改任务台账"]


def test_month_notice_is_laid_out_as_gbt_9704(services: Services, clock: ManualClock) -> None:
    _jiayuguan_with_reports(services, clock)
    _, data = services.reporting.month_notice(Month(2026, 11), "zh_CN")
    document = Document(io.BytesIO(data))

    # A4, margins 37/35/28/26 mm, 22 lines of 28 characters.
    first, annex = document.sections
    assert (_mm(first.page_width), _mm(first.page_height)) == (210, 297)
    assert [_mm(m) for m in (first.top_margin, first.bottom_margin, first.left_margin, first.right_margin)] == [
        37, 35, 28, 26,
    ]  # fmt: skip
    (grid,) = first._sectPr.findall(qn("w:docGrid"))
    # 22 lines fit the 225 mm type area, 23 do not (Word counts whole lines: 580 would give 21).
    line_pitch = int(grid.get(qn("w:linePitch")))
    assert line_pitch * LINES <= Mm(225).pt * 20 < line_pitch * (LINES + 1)
    assert line_pitch == 579
    pitch = 16 + CHARACTER_SPACING_TWIPS / 20  # each 三号 character, as drawn
    assert int(Mm(156).pt // pitch) == 28
    body = next(p for p in document.paragraphs if p.text.startswith("截至"))
    body_properties = body.runs[0]._r.rPr
    assert body_properties is not None
    spacing = body_properties.find(qn("w:spacing"))
    assert spacing is not None
    assert spacing.get(qn("w:val")) == str(CHARACTER_SPACING_TWIPS)
    assert body.paragraph_format.line_spacing.pt * 20 == int(grid.get(qn("w:linePitch")))

    # Fonts and sizes by role, as the standard names them.
    assert _role(document, "关于2026年11月") == ("方正小标宋简体", 22.0)
    assert _role(document, "一、总体情况") == ("黑体", 16.0)
    assert _role(document, "（一）逾期未完成") == ("楷体_GB2312", 16.0)
    assert _role(document, "截至2026年11月30日") == ("仿宋_GB2312", 16.0)
    assert _role(document, "各责任单位：") == ("仿宋_GB2312", 16.0)
    masthead = document.paragraphs[0].runs[0]
    assert masthead.font.color.rgb == RGBColor(0xFF, 0, 0)
    assert _run_fonts(masthead)[0] == "方正小标宋简体"
    # Each font declared with the system font that stands in for it, for WPS and LibreOffice.
    font_table = next(
        part for part in document.part.package.iter_parts() if part.partname == "/word/fontTable.xml"
    )
    declared = {
        font.get(qn("w:name")): font.find(qn("w:altName")).get(qn("w:val"))
        for font in parse_xml(font_table.blob).findall(qn("w:font"))
        if font.find(qn("w:altName")) is not None
    }
    assert declared.items() >= {("仿宋_GB2312", "仿宋"), ("楷体_GB2312", "楷体"), ("方正小标宋简体", "宋体")}
    # Laid out as current Word lays out, not opened in 兼容模式 (Word 2010's rules).
    modes = [
        setting.get(qn("w:val"))
        for setting in document.settings.element.iter(qn("w:compatSetting"))
        if setting.get(qn("w:name")) == "compatibilityMode"
    ]
    assert modes == ["15"]

    # Page numbers "— 1 —" in 四号宋体: a PAGE field, odd pages right, even pages left.
    assert document.settings.odd_and_even_pages_header_footer
    for footer, align in (
        (first.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (first.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        (paragraph,) = footer.paragraphs
        assert paragraph.alignment == align
        assert paragraph.text.replace(" ", "") == "—1—"  # the field's number as last computed
        (instruction,) = paragraph._p.iter(qn("w:instrText"))
        assert instruction.text == " PAGE "
        kinds = [char.get(qn("w:fldCharType")) for char in paragraph._p.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        assert {_run_fonts(run) for run in paragraph.runs} == {("宋体", 14.0)}
    assert annex.footer.is_linked_to_previous

    # The table is the annex: a landscape section of its own after "附件", its header repeated, rows whole.
    assert annex.orientation == WD_ORIENT.LANDSCAPE
    assert (_mm(annex.page_width), _mm(annex.page_height)) == (297, 210)
    body_xml = document.element.body
    (table,) = document.tables
    children = list(body_xml)
    annex_label = next(p for p in document.paragraphs if p.text == "附件")
    breaks = [
        i for i, child in enumerate(children) if child.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None
    ]
    assert breaks
    assert breaks[0] < children.index(annex_label._p) < children.index(table._tbl)
    assert [cell.text for cell in table.rows[0].cells] == [
        "编号", "问题", "牵头单位", "责任单位", "整改时限", "整改状态", "完成进度", "最近报告",
    ]  # fmt: skip
    header_properties = table.rows[0]._tr.trPr
    assert header_properties is not None
    assert header_properties.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
    assert _run_fonts(table.rows[0].cells[0].paragraphs[0].runs[0]) == ("黑体", 10.5)
    assert _run_fonts(table.rows[1].cells[1].paragraphs[0].runs[0]) == ("仿宋_GB2312", 10.5)
    rows = {row.cells[0].text: [cell.text for cell in row.cells] for row in table.rows[1:]}
    assert list(rows) == ["1", "2", "3", "4", "5", "14", "16", "24.1", "24.2", "25", "30", "31", "37", "38", "39",
                          "42", "43", "45"]  # fmt: skip
    assert rows["16"][3:] == ["市住建局", "2021年12月底前", "基本完成", "100%", "2026年11月10日"]
    assert rows["24.2"][5:7] == ["已完成", "100%"]
    assert rows["45"][5:] == ["逾期未完成", "0%", "—"]  # past its deadline: never 未启动 or 达到序时进度
    # Widths by content, within the landscape type area: the problem's column the widest, a date whole.
    widths = [column.width.mm for column in table.columns]
    assert sum(widths) == pytest.approx(225, abs=1)
    assert max(widths) == widths[1]
    assert widths[7] * 72 / 25.4 >= text_width("2026年11月10日") * 10.5

    # Chinese dates and full-width punctuation everywhere (the plan's "不到位,工作有差距" as "不到位，工作有差距").
    texts = _all_texts(document)
    assert not any(re.search(r"\d{4}-\d{2}-\d{2}", text) for text in texts)
    assert not any(re.search(rf"{_CJK},|,{_CJK}", text) for text in texts)
    assert any("认识不到位，工作有差距" in text for text in texts)
    with services.sessions() as session:  # the stored text is as imported
        assert session.scalars(select(Item.title).where(Item.number == "3")).one().count(",") == 1


@pytest.mark.parametrize(
    ("name", "value"), [("office_name", " "), ("notice_recipients", ""), ("notice_first_month", "2026-13")]
)
def test_a_wrong_document_setting_is_refused(name: str, value: str) -> None:
    wrong: dict[str, Any] = {name: value}  # any setting, given as text (as the environment gives it)
    with pytest.raises(ValidationError):
        Settings(**wrong)


def test_the_document_settings_make_the_issuer() -> None:
    settings = Settings(
        office_name="嘉峪关市整改办", notice_recipients="各县区、各部门", notice_first_month="2026-09"
    )
    assert settings.issuer == Issuer("嘉峪关市整改办", "各县区、各部门", Month(2026, 9))
    assert settings.issuer.issue(Month(2026, 11)) == 3


def test_notice_issues_are_numbered_from_the_first_month() -> None:
    first = Issuer("某市整改办", "各县区", Month(2025, 11))
    assert (first.issue(Month(2025, 11)), first.issue(Month(2026, 2)), first.issue(Month(2025, 1))) == (
        1,
        4,
        1,
    )
    assert Issuer("某市整改办", "各县区").issue(Month(2026, 2)) == 2


@pytest.mark.parametrize(
    ("text", "normalized"),
    [("认识不到位,工作有差距", "认识不到位，工作有差距"), ("(责任单位:市住建局、城管局)", "（责任单位：市住建局、城管局）"),
     ("完成整改(2017 年 12 月 31 日)", "完成整改（2017 年 12 月 31 日）"), ("占地约2000多平方米,2,000吨", "占地约2000多平方米，2,000吨"),
     ("第24.1项. 1. 整改", "第24.1项。 1. 整改"), ('他说"要整改"', "他说“要整改”"), ("Hello, world (ok).", "Hello, world (ok).")],
)  # fmt: skip
def test_full_width_punctuation_in_chinese_text(text: str, normalized: str) -> None:
    assert full_width_punctuation(text) == normalized


@given(st.text(alphabet='整改到位工作123 ,.;:?!()"abc'))
def test_full_width_punctuation_is_idempotent_and_leaves_no_half_width_mark_by_chinese(text: str) -> None:
    once = full_width_punctuation(text)
    assert full_width_punctuation(once) == once
    assert not re.search(rf"{_CJK}\s*[,;:?!]|[,;:?!]\s*{_CJK}", once)


def test_month_notice_of_the_current_month_and_refusals(services: Services, clock: ManualClock) -> None:
    _jiayuguan_with_reports(services, clock)
    report = services.reporting.month()  # December, as of 12-03: the first dispatch period
    assert (report.month, report.as_of, report.period_start) == (
        Month(2026, 12),
        date(2026, 12, 3),
        date(2026, 12, 1),
    )
    assert (report.context.next_dispatch, report.context.answer_due) == (
        date(2026, 12, 16),
        date(2026, 12, 21),
    )
    stalled = {item.number for group in report.stalled for item in group.items}
    assert "31" not in stalled
    assert "16" in stalled
    with pytest.raises(DubanError) as refused:
        services.reporting.month(Month(2027, 1))
    assert (refused.value.code, refused.value.params) == ("report_month_future", {"month": "2027-01"})


def test_month_notice_in_english(services: Services, clock: ManualClock) -> None:
    _jiayuguan_with_reports(services, clock)
    _, data = services.reporting.month_notice(Month(2026, 11), "en")
    paragraphs = _paragraphs(Document(io.BytesIO(data)))
    assert paragraphs[1] == "2026 No. 11"
    assert paragraphs[3] == "Dispatch notice on the rectification work of 2026-11"
    assert "To: 各责任单位" in paragraphs
    assert any(p.startswith("(1) Items overdue (11)") for p in paragraphs)


# ---- the public page ------------------------------------------------------------------------------

NAMES = ("王建国", "李明", "赵刚", "周敏")


def _named_ledger(services: Services) -> None:
    """Two items whose leaders and officers are named, people named in the roster, a report by one."""
    items = [
        ItemSpec("7", "<script>alert(1)</script> 扬尘 & 噪声", "问题描述", date(2026, 1, 1),
                 targets=[Target("完成", date(2026, 6, 30))], deadline_text="2026年6月底前",
                 responsible_units=["市住建局"], responsible_leader="李明", responsible_person="赵刚"),
        ItemSpec("8", "黑臭水体整治", "问题描述", date(2026, 1, 1), continuing=True,
                 responsible_units=["市水务局"], responsible_leader="市水务局主要领导 王建国"),
    ]  # fmt: skip
    services.ledger.import_ledger(ParsedLedger(items), actor=Actor.system("test"), dry_run=False)
    services.roster.add_person("王建国", unit="市水务局", role=Role.LEADER, actor=Actor.system("test"))
    services.roster.add_person("赵刚", unit="市住建局", role=Role.OFFICER, actor=Actor.system("test"))
    admin = _admin(services)
    services.reports.submit(admin, "8", 40, "周敏报送：完成清淤")


def test_public_page_has_items_and_status_but_no_names(services: Services) -> None:
    _named_ledger(services)
    report, page = services.reporting.public_page("zh_CN")
    assert report.as_of == date(2026, 11, 20)
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page
    assert "<style>" in page
    assert "<link" not in page
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 扬尘 &amp; 噪声" in page
    assert "市住建局" in page
    assert "市水务局" in page
    assert "2026年6月底前（已逾期143天）" in page
    assert '<td class="status-overdue">逾期未完成</td>' in page  # past its deadline at 0 %: not 未启动
    assert "整改任务共2项：推进中1项，逾期未完成1项；总体任务完成率0%" in page
    assert '<td class="status-in_progress">推进中</td>' in page
    assert "40%" in page
    assert "长期坚持" in page
    assert "信息截至2026年11月20日" in page
    for name in NAMES:
        assert name not in page
    assert "完成清淤" not in page  # report texts are not published


def test_public_page_in_english(services: Services) -> None:
    _named_ledger(services)
    _, page = services.reporting.public_page("en")
    assert '<html lang="en">' in page
    assert "2026-06-30 (143 days overdue)" in page
    assert '<td class="status-overdue">overdue</td>' in page
    assert "2 items: in progress: 1; overdue: 1; overall completion rate 0%" in page
    for name in NAMES:
        assert name not in page


# ---- the command line -----------------------------------------------------------------------------


def test_cli_writes_the_notice_and_the_page(cli: CliRunner, tmp_path: Path) -> None:
    assert cli("db", "upgrade").code == 0
    assert cli("import", str(JIAYUGUAN)).code == 0
    month = Month.of(datetime.now(SHANGHAI).date())
    label = f"{month.year}-{month.month:02d}"

    notice = tmp_path / "通报.docx"
    result = cli("report", "month", label, str(notice))
    assert result.code == 0, result.err
    assert f"已写入{month.year}年{month.month}月调度通报：{notice}（共18项" in result.out
    document = Document(str(notice))
    assert document.paragraphs[3].text == f"关于{month.year}年{month.month}月整改工作调度情况的通报"
    assert len(document.tables[0].rows) == 19

    chart = tmp_path / "进度.png"
    result = cli("report", "chart", str(chart), "--by-progress")
    assert result.code == 0, result.err
    assert result.out.strip() == f"已写入整改进度图：{chart}"
    assert chart.read_bytes().startswith(b"\x89PNG")

    page = tmp_path / "public.html"
    result = cli("report", "public", str(page))
    assert result.code == 0, result.err
    assert f"已写入信息公开页面：{page}（共18项" in result.out
    html = page.read_text(encoding="utf-8")
    assert html.count("<tr>") == 19
    assert "分管领导" not in html
    assert "主要领导" not in html


def test_cli_refuses_a_bad_or_future_month(cli: CliRunner, tmp_path: Path) -> None:
    assert cli("db", "upgrade").code == 0
    path = tmp_path / "x.docx"
    result = cli("report", "month", "2026-13", str(path))
    # The example is this month, never a month written into the message.
    this_month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    assert (result.code, result.err.strip()) == (
        1,
        f"无法识别月份“2026-13”，请按 YYYY-MM 填写，例如 {this_month}。",
    )
    result = cli("report", "month", "2999-01", str(path))
    assert (result.code, result.err.strip()) == (1, "2999-01 尚未开始，无法生成该月调度通报。")
    assert not path.exists()


# ---- the chat -------------------------------------------------------------------------------------


async def _enrol(bot: BotHarness, user_id: int, name: str, unit: str, role: Role) -> None:
    person = bot.services.roster.add_person(name, unit=unit, role=role, actor=Actor.system("test"))
    await bot.send(user_id, f"/start {person.invite_code}")


async def _chat_setup(bot: BotHarness) -> None:
    parsed = parse_ledger_file(JIAYUGUAN, default_start=date(2026, 11, 1))
    bot.services.ledger.import_ledger(parsed, actor=Actor.system("test"), dry_run=False)
    await _enrol(bot, SUPERVISOR_ID, "孙丽", "市生态环境局", Role.SUPERVISOR)
    await _enrol(bot, OFFICER_ID, "刘洋", "市住建局", Role.OFFICER)


@pytest.mark.http  # a multipart upload over HTTP
async def test_report_month_sends_the_notice_as_a_document(bot: BotHarness) -> None:
    await _chat_setup(bot)
    (sent,) = await bot.send(SUPERVISOR_ID, "/report_month")
    assert sent.method == "sendDocument"
    assert sent.filename == "2026年11月调度通报.docx"
    assert sent.text is not None
    assert sent.text.startswith("2026年11月调度通报：整改任务共18项，逾期未完成13项")
    assert sent.document is not None
    document = Document(io.BytesIO(sent.document))
    assert document.paragraphs[3].text == "关于2026年11月整改工作调度情况的通报"
    assert len(document.tables[0].rows) == 19

    (earlier,) = await bot.send(ADMIN_ID, "/report_month 2026-10")
    assert earlier.filename == "2026年10月调度通报.docx"


async def test_report_month_refusals(bot: BotHarness) -> None:
    await _chat_setup(bot)
    (refused,) = await bot.send(OFFICER_ID, "/report_month")
    assert refused.text == "该操作需要以下角色之一：督导、领导小组、管理员。如有疑问请联系管理员。"
    (bad,) = await bot.send(SUPERVISOR_ID, "/report_month 十一月")
    assert bad.text == "无法识别月份“十一月”，请按 YYYY-MM 填写，例如 2026-11。"
    (future,) = await bot.send(SUPERVISOR_ID, "/report_month 2027-01")
    assert future.text == "2027-01 尚未开始，无法生成该月调度通报。"


async def test_report_is_still_the_officers_progress_report(bot: BotHarness) -> None:
    await _chat_setup(bot)
    (saved,) = await bot.send(OFFICER_ID, "/report 16 50% 完成管网改造一半")
    assert "进度：0% → 50%" in text_of(saved)
    # 16 runs from 2026-11-01 to 2021年12月底前: long past its deadline, so 逾期未完成 at any percent under 100.
    assert state_of(bot.services, "16") == (50, ItemStatus.OVERDUE)
