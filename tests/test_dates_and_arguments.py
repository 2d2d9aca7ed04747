"""One date reader for every command and question, and arguments separated as officials type them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from ledger.closing import ClosingInputError, parse_date_line
from ledger.dates import DateKind, find_dates, read_date
from ledger.progress import parse_report_line
from ledger.text import split_arguments
from storage.models import AuditEntry
from storage.scheduling import CalendarOverride
from tests.harness import ADMIN_ID, BotHarness, text_of
from tests.test_scheduler import OFFICER, SUPERVISOR, setup_ledger

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2020-12-18", date(2020, 12, 18)),
        ("2020年12月18日", date(2020, 12, 18)),
        ("2020.12.18", date(2020, 12, 18)),
        ("2020/12/18", date(2020, 12, 18)),
        ("２０２０年１２月１８日", date(2020, 12, 18)),
        ("２０２０－１２－１８", date(2020, 12, 18)),
        ("二〇二〇年十二月十八日", date(2020, 12, 18)),
        ("12月18日", date(2026, 12, 18)),  # the next 18 December from today
        ("11月20日", date(2026, 11, 20)),  # today itself
        ("11月19日", date(2027, 11, 19)),
        ("2月29日", date(2028, 2, 29)),
        (" 2027年6月30日。", date(2027, 6, 30)),
    ],
)
def test_read_date(text: str, day: date) -> None:
    assert read_date(text, TODAY) == day


@pytest.mark.parametrize(
    "text", ["", "明天", "2020-13-01", "2020年2月30日", "12月", "2020年底", "18日", "abc"]
)
def test_read_date_refuses_what_is_not_a_day(text: str) -> None:
    assert read_date(text, TODAY) is None


def test_plan_dates_against_the_plans_year() -> None:
    kinds = {
        d.text: (d.value, d.kind) for d in find_dates("年底前完成；上半年；第三季度；汛期前；9月底前", 2020)
    }
    assert kinds == {
        "年底": (date(2020, 12, 31), DateKind.DEADLINE),
        "上半年": (date(2020, 6, 30), DateKind.DEADLINE),
        "第三季度": (date(2020, 9, 30), DateKind.DEADLINE),
        "汛期前": (date(2020, 5, 31), DateKind.DEADLINE),
        "9月底": (date(2020, 9, 30), DateKind.DEADLINE),
    }
    (start,) = find_dates("从2020年7月1日起，全面禁止", 2020)
    assert start.kind == DateKind.START
    assert find_dates("每月18日前报送进展", 2020) == []
    (cadence,) = find_dates("每年6月底前开展评估", 2020)
    assert cadence.kind == DateKind.CADENCE
    assert find_dates("去年年底", 2020) == []
    assert find_dates("明年年底前", 2020)[0].value == date(2021, 12, 31)


def test_split_arguments() -> None:
    assert split_arguments("16，70%，现场整改照片，已完成", 2) == ["16", "70%", "现场整改照片，已完成"]
    assert split_arguments("  16 进度偏慢，请加快 ", 1) == ["16", "进度偏慢，请加快"]
    assert split_arguments("，16；２０２７年６月３０日：汛期影响\n第二行", 2) == [
        "16",
        "２０２７年６月３０日",
        "汛期影响\n第二行",
    ]
    assert split_arguments("", 2) == []
    assert split_arguments("张伟", 3) == ["张伟"]


def test_report_and_date_lines_take_full_width_separators() -> None:
    line = parse_report_line("16，70%，现场整改照片，已完成")
    assert (line.number, line.percent, line.text) == ("16", 70, "现场整改照片，已完成")
    dated = parse_date_line("16，２０２７年６月３０日，汛期影响施工", "extension", TODAY)
    assert (dated.number, dated.day, dated.reason) == ("16", date(2027, 6, 30), "汛期影响施工")
    with pytest.raises(ClosingInputError) as bad:
        parse_date_line("16 明年夏天 汛期影响施工", "extension", TODAY)
    assert (bad.value.code, bad.value.params) == ("extension/bad_date", {"text": "明年夏天"})


def _changes(bot: BotHarness) -> tuple[int, int]:
    with bot.services.sessions() as session:
        overrides = session.scalar(select(func.count()).select_from(CalendarOverride)) or 0
        audit = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        return overrides, audit


async def test_calendar_reads_dates_as_officials_write_them(bot: BotHarness) -> None:
    (set_day,) = await bot.send(ADMIN_ID, "/calendar 12月26日，上班，调休")
    assert set_day.text == "已设定 2026-12-26 为上班日（调休）。"
    (full_width,) = await bot.send(ADMIN_ID, "/calendar ２０２６年１２月２３日 off")
    assert full_width.text == "已设定 2026-12-23 为休息日。"
    before = _changes(bot)
    (bad,) = await bot.send(ADMIN_ID, "/calendar 下周三 off")
    assert text_of(bad).startswith("“下周三”不是有效的日期，未作修改。")
    assert "2026-10-10" in text_of(bad)  # the example is of this year
    assert _changes(bot) == before
    (english,) = await bot.send(ADMIN_ID, "/lang en")
    assert english.text
    before = _changes(bot)
    (refused,) = await bot.send(ADMIN_ID, "/calendar 2026-02-30 off")
    assert text_of(refused).startswith('"2026-02-30" is not a valid date; nothing changed.')
    assert _changes(bot) == before


async def test_report_and_extend_with_full_width_separators(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2027, 6, 30), percent=10)
    (report,) = await bot.send(OFFICER, "/report 1，70%，现场整改照片，已完成")
    assert text_of(report).startswith("已记录第1项进展")
    assert "70%" in text_of(report)
    (extend,) = await bot.send(OFFICER, "/extend 1，２０２７年９月３０日，汛期影响施工")
    assert "2027-09-30" in text_of(extend)
    (bad,) = await bot.send(OFFICER, "/extend 1 明年秋天 汛期影响施工")
    assert "明年秋天" in text_of(bad)
    assert bot.services.ledger.rows()[0].spec.deadline == date(2027, 6, 30)
    # Read, then refused for what it asks, not for how it is written: the item is not signed off.
    (reopen,) = await bot.send(SUPERVISOR, "/reopen 1，12月31日，群众再次反映")
    assert reopen.text == "该事项目前不是已销号状态，无需重新纳入整改。"
