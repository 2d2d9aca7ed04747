"""Reports: the progress chart (PNG, CJK font shipped by mplfonts), the month's dispatch notice (.docx read
back with python-docx), the public page (no names of people), `duban report …` and `/report_month`."""

from __future__ import annotations

import io
import warnings
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from matplotlib.colors import to_rgb
from PIL import Image
from sqlalchemy import select

from bot.wiring import build_renderer
from ledger.access import Viewer
from ledger.actor import Actor
from ledger.clock import ManualClock
from ledger.errors import DubanError
from ledger.importer import parse_ledger_file
from ledger.model import ItemSpec, ItemStatus, ParsedLedger, Role, Target
from ledger.reporting import Month, UnitProgress, parse_month
from reports.chart import BAR_COLOR, FONT_PATH, progress_chart, progress_figure
from reports.month import BODY_FONT
from services.accounts import TelegramUser
from services.container import Services
from storage.models import Item, Person
from storage.review import SignOffRequest, SignOffStatus
from tests.conftest import JIAYUGUAN, CliRunner
from tests.harness import ADMIN_ID, BotHarness
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


def _bar_pixels(png: bytes, row: int) -> int:
    """How many pixels of the bar colour one row of the image holds."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    color = tuple(round(channel * 255) for channel in to_rgb(BAR_COLOR))
    return sum(1 for x in range(image.width) if image.getpixel((x, row)) == color)


def test_chart_draws_each_unit_with_the_shipped_cjk_font() -> None:
    rows = [UnitProgress("市住建局", 3, 20.0), UnitProgress("市生态环境局", 5, 80.0)]
    assert FONT_PATH.is_file()
    assert FONT_PATH.parent.parent.name == "mplfonts"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" would fail here
        figure = progress_figure(rows, RENDERER)
        png = progress_chart(rows, RENDERER)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    assert image.width == 800
    assert image.height == 250  # 1.6 in of margins and 0.45 in a bar, at 100 dpi

    axes = figure.axes[0]
    chinese = [t for t in figure.findobj(match=lambda o: hasattr(o, "get_text")) if _has_cjk(t.get_text())]
    assert {t.get_text() for t in chinese} >= {"市住建局", "市生态环境局", "各责任单位整改进度", "20%（3项）"}
    assert {Path(t.get_fontproperties().get_file()) for t in chinese} == {FONT_PATH}

    # The 80% bar is four times as long as the 20% one, in the PNG itself.
    figure.canvas.draw()
    lengths = []
    for bar in axes.patches:
        extent = bar.get_window_extent()
        row = image.height - round((extent.y0 + extent.y1) / 2)
        lengths.append(_bar_pixels(png, row))
    short, long = lengths
    assert short > 20
    assert long / short == pytest.approx(4, rel=0.05)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_chart_in_english_and_with_no_unit() -> None:
    figure = progress_figure([UnitProgress("市住建局", 1, 100.0)], RENDERER, locale="en")
    texts = {t.get_text() for t in figure.findobj(match=lambda o: hasattr(o, "get_text"))}
    assert {"Progress by responsible unit", "100% (1 item)"} <= texts
    assert progress_chart([], RENDERER).startswith(b"\x89PNG")


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
    end = next((i for i, text in enumerate(rest) if text[:2] in ("一、", "二、", "三、", "四、")), len(rest))
    return rest[:end]


def _unit_line(lines: list[str], unit: str) -> str:
    (line,) = [text for text in lines if text.startswith(f"{unit}（")]
    return line


def test_month_notice_counts_table_and_named_units(services: Services, clock: ManualClock) -> None:
    _jiayuguan_with_reports(services, clock)
    report, data = services.reporting.month_notice(Month(2026, 11), "zh_CN")
    assert (report.as_of, report.period_start) == (date(2026, 11, 30), date(2026, 11, 16))
    document = Document(io.BytesIO(data))
    paragraphs = _paragraphs(document)

    assert paragraphs[0] == "关于2026年11月整改工作调度情况的通报"
    # Each item counted once, as it stood on 11-30: 31's report of 12-01 does not count yet.
    assert paragraphs[1] == (
        "截至2026年11月30日，整改任务共18项，其中已完成1项，基本完成1项，推进中1项，逾期未完成11项，未启动4项；"
        "总体任务完成率11%（已销号、已完成、基本完成、达到序时进度的整改任务共2项，占18项）。现将本月调度情况通报如下。"
    )

    (table,) = document.tables
    assert [cell.text for cell in table.rows[0].cells] == [
        "编号", "问题", "责任单位", "整改时限", "状态", "完成进度", "最近报告",
    ]  # fmt: skip
    body = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert [row[0] for row in body] == ["1", "2", "3", "4", "5", "14", "16", "24.1", "24.2", "25", "30",
                                        "31", "37", "38", "39", "42", "43", "45"]  # fmt: skip
    rows = {row[0]: row for row in body}
    assert rows["16"][2:] == ["市住建局", "2021年12月底前", "基本完成", "100%", "2026-11-10"]
    assert rows["24.2"][4:6] == ["已完成", "100%"]
    assert rows["1"][3] == "立行立改、持续加强、长期坚持"
    assert rows["45"][4:] == ["逾期未完成", "0%", "—"]  # past its deadline: never 未启动 or 达到序时进度
    assert rows["31"][4:6] == ["逾期未完成", "0%"]  # as it stood on 11-30
    assert rows["1"][4] == "未启动"

    overdue = _section(paragraphs, "二、逾期未完成整改的问题（11项）")
    assert not any("第16项" in line for line in overdue)  # 100 %: 基本完成, not overdue
    ecology = _unit_line(overdue, "市生态环境局")
    assert "第24.1项" in ecology
    assert "第25项" in ecology
    assert "第24.2项" not in ecology  # done: not overdue
    assert not any("第1项" in line or "第3项" in line for line in overdue)  # continuing: no deadline

    stalled = _section(paragraphs, "三、调度期内未报送整改进展的问题（15项）")
    assert stalled[0] == (
        "2026年11月16日至2026年11月30日调度期内，以下单位未报送整改进展（同一问题涉及多个责任单位的，在每个单位下分别列出）："
    )
    assert "第16项" in _unit_line(stalled, "市住建局")  # its report came before the period
    assert "第31项" in _unit_line(stalled, "市发展改革委")  # its report came after the month
    ecology = _unit_line(stalled, "市生态环境局")
    assert "第24.1项" not in ecology
    assert "第24.2项" not in ecology
    assert "第25项" in ecology
    assert not any("第3项" in line for line in stalled)

    assert paragraphs[-2:] == ["督察整改工作领导小组办公室", "2026年11月30日"]
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.left_margin.cm, 1) == 2.5
    fonts = document.paragraphs[1].runs[0].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == BODY_FONT


def test_month_notice_of_the_current_month_and_refusals(services: Services, clock: ManualClock) -> None:
    _jiayuguan_with_reports(services, clock)
    report = services.reporting.month()  # December, as of 12-03: the first dispatch period
    assert (report.month, report.as_of, report.period_start) == (
        Month(2026, 12),
        date(2026, 12, 3),
        date(2026, 12, 1),
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
    assert paragraphs[0] == "Dispatch notice on the rectification work of 2026-11"
    assert any(p.startswith("2. Items overdue (11)") for p in paragraphs)


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
    assert document.paragraphs[0].text == f"关于{month.year}年{month.month}月整改工作调度情况的通报"
    assert len(document.tables[0].rows) == 19

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
    assert document.paragraphs[0].text == "关于2026年11月整改工作调度情况的通报"
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
    assert "进度：0% → 50%" in saved.text
    # 16 runs from 2026-11-01 to 2021年12月底前: long past its deadline, so 逾期未完成 at any percent under 100.
    assert state_of(bot.services, "16") == (50, ItemStatus.OVERDUE)
