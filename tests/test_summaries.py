"""Every summary partitions the total, as data and as the text people read: the month's notice, the public
page, the weekly summary, the digest and a unit's counts, over generated ledgers and days (Hypothesis,
database-free: the pure functions and the templates). The weekly summary's indicator section too: its counts
partition the binding indicators over generated indicator sets, and, end to end, what the leadership reads
(/digest and the Monday summary) is what `judge` says of the store's values."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.wiring import build_renderer
from ledger.actor import Actor
from ledger.digest import Activity, DigestItem, build_digest, weekly_summary
from ledger.indicator_board import board
from ledger.indicator_progress import TrackState, judge
from ledger.indicators import (
    Aggregation,
    Attribute,
    Direction,
    Frequency,
    IndicatorSpec,
    IndicatorValue,
    Period,
    number_text,
)
from ledger.model import ItemStatus, Role
from ledger.reporting import Issuer, Month, NoticeContext, PublicReport, ReportItem, month_report, summary_of
from ledger.status import COMPLETED_STATUSES, ItemFacts, count_statuses, is_stalled, item_status
from reports.month import month_notice
from services.views import UnitView
from tests.harness import BotHarness
from tests.indicator_samples import OFFICER_NAME, PM25, SPECS, WATER, indicator_ledger, verdicts
from tests.test_digests import LEADERSHIP, MONDAY, digest_ledger, digests, tick_at
from tests.test_scheduler import at
from tests.test_status import DAYS, item_facts

RENDERER = build_renderer(ZoneInfo("Asia/Shanghai"))
UNITS = ("市住建局", "市水务局", "市生态环境局", "市发展改革委")
LABELS = {RENDERER.label("zh_CN", "status", s.value): s for s in ItemStatus}


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[date, list[tuple[ItemFacts, tuple[str, ...], bool, date | None]]]:
    """A day and items: facts, responsible units (none, one or several: co-responsible), whether a
    finding (else a public complaint), and the day of the last report."""
    today = draw(DAYS)
    items = draw(
        st.lists(
            st.tuples(
                item_facts(),
                st.lists(st.sampled_from(UNITS), max_size=3, unique=True).map(tuple),
                st.booleans(),
                st.none() | st.integers(0, 60).map(lambda n: today - timedelta(days=n)),
            ),
            max_size=30,
        )
    )
    return today, items


def _report_items(
    today: date, items: list[tuple[ItemFacts, tuple[str, ...], bool, date | None]]
) -> list[ReportItem]:
    period = today - timedelta(days=today.day % 15)
    result = []
    for n, (facts, units, finding, last) in enumerate(items, start=1):
        status = item_status(facts, today, 10)
        overdue = (today - facts.deadline).days if status == ItemStatus.OVERDUE and facts.deadline else 0
        result.append(
            ReportItem(
                str(n), f"事项{n}", units, facts.deadline, None, facts.continuing, status, facts.percent, last,
                overdue, finding=finding, stalled=is_stalled(status, last, period), period_start=period,
            )
        )  # fmt: skip
    return result


def _partition(sentence: str) -> Counter[ItemStatus]:
    """`已销号1项，基本完成2项，…` → the counts it states, by status."""
    found: Counter[ItemStatus] = Counter()
    for label, count in re.findall(r"([^\d，；：（）]+?)(\d+)项", sentence):
        found[LABELS[label]] += int(count)
    return found


def _check_rate(text: str, items: list[ReportItem]) -> None:
    findings = [item for item in items if item.finding]
    match = re.search(
        r"总体任务完成率(\d+)%（已销号、已完成、基本完成、达到序时进度的\S+?共(\d+)项，占(\d+)项）", text
    )
    if not findings:
        assert "不计算总体任务完成率" in text
        return
    assert match is not None, text
    rate, completed, total = map(int, match.groups())
    assert total == len(findings)
    assert completed == sum(1 for item in findings if item.status in COMPLETED_STATUSES)
    assert rate == (200 * completed + total) // (2 * total)


def _check_summary_sentence(text: str, items: list[ReportItem], lead: str) -> Counter[ItemStatus]:
    """`<lead>N项（…）<sep>…各状态…；rate`: the stated counts add up to N = the items, each status right."""
    match = re.search(
        lead + r"(\d+)项(?:（督察反馈问题(\d+)项，群众举报件(\d+)项）)?[，：](?:其中)?(.*?)[；。]", text
    )
    assert match is not None, text
    total = int(match.group(1))
    assert total == len(items)
    if match.group(2):
        assert int(match.group(2)) + int(match.group(3)) == total
        assert int(match.group(2)) == sum(1 for item in items if item.finding)
    stated = _partition(match.group(4))
    assert sum(stated.values()) == total
    assert stated == Counter(item.status for item in items)
    _check_rate(text, items)
    return stated


CONTEXT = NoticeContext(Issuer("整改办", "各责任单位"), (), date(2026, 12, 1), date(2026, 12, 4), UNITS)


@settings(max_examples=120, deadline=None)
@given(ledger=ledgers())
def test_the_month_notice_partitions_the_total(ledger: tuple[date, list]) -> None:  # type: ignore[type-arg]
    today, rows = ledger
    items = _report_items(today, rows)
    report = month_report(Month.of(today), today, today, items, CONTEXT)
    counts = report.summary.counts
    assert counts.total == len(items) == sum(n for _, n in counts.listed)
    assert report.overdue_count == sum(1 for item in items if item.status == ItemStatus.OVERDUE)
    assert report.stalled_count == sum(1 for item in items if item.stalled)
    # Each overdue item listed once, under its first unit, units in the office's order.
    listed = [(group.unit, item.number) for group in report.overdue for item in group.items]
    wanted = {
        (item.units[0] if item.units else "", item.number)
        for item in items
        if item.status == ItemStatus.OVERDUE
    }
    assert len(listed) == len(set(listed)) == report.overdue_count
    assert set(listed) == wanted
    order = [group.unit for group in report.overdue]
    assert order == sorted(order, key=lambda unit: (not unit, UNITS.index(unit) if unit else 0))
    body = RENDERER.render("zh_CN", "reports/month_body", report=report)
    stated = _check_summary_sentence(body, items, "整改任务共")
    assert f"## （一）逾期未完成整改的问题（{report.overdue_count}项）" in body.splitlines()
    # The overdue heading and the opening say the same number.
    assert stated[ItemStatus.OVERDUE] == report.overdue_count
    assert RENDERER.render("en", "reports/month_body", report=report)


@settings(max_examples=25, deadline=None)
@given(ledger=ledgers())
def test_the_notice_document_partitions_the_total(ledger: tuple[date, list]) -> None:  # type: ignore[type-arg]
    """As the office reads it: the counts in the .docx add up to the total, and the annex lists each item once."""
    today, rows = ledger
    items = _report_items(today, rows)
    document = Document(
        io.BytesIO(month_notice(month_report(Month.of(today), today, today, items, CONTEXT), RENDERER))
    )
    (overall,) = [p.text for p in document.paragraphs if p.text.startswith("截至") and "整改任务共" in p.text]
    stated = _check_summary_sentence(overall, items, "整改任务共")
    assert sum(stated.values()) == len(items)
    (table,) = document.tables
    assert [row.cells[0].text for row in table.rows[1:]] == [item.number for item in items]


@settings(max_examples=80, deadline=None)
@given(ledger=ledgers())
def test_the_public_page_partitions_the_total(ledger: tuple[date, list]) -> None:  # type: ignore[type-arg]
    today, rows = ledger
    items = _report_items(today, rows)
    page = RENDERER.render(
        "zh_CN", "reports/public", report=PublicReport(today, summary_of(items), tuple(items))
    )
    (summary,) = re.findall(r'<p class="summary">(.*?)</p>', page)
    _check_summary_sentence(summary, items, "整改任务共")
    assert page.count('<td class="status-') == len(items)
    assert page.count("已逾期") == sum(1 for item in items if item.status == ItemStatus.OVERDUE)


@settings(max_examples=80, deadline=None)
@given(ledger=ledgers())
def test_the_weekly_summary_partitions_the_total(ledger: tuple[date, list]) -> None:  # type: ignore[type-arg]
    today, rows = ledger
    items = _report_items(today, rows)
    digest_items = [
        DigestItem(i.number, i.title, i.units, i.status, i.percent, i.deadline, i.last_report,
                   kind="finding" if i.finding else "complaint", days_overdue=i.days_overdue, stalled=i.stalled)
        for i in items
    ]  # fmt: skip
    summary = weekly_summary(digest_items, today)
    text = RENDERER.render("zh_CN", "notify/digest_weekly", summary=summary)
    _check_summary_sentence(text, items, "整改事项共")
    # The worst units: per unit, the items 逾期未完成 of which it is a responsible unit.
    for unit, count in summary.worst:
        assert count == sum(1 for i in items if i.status == ItemStatus.OVERDUE and unit in i.units)

    digest = build_digest(digest_items, Activity(), today, today)
    overdue = [entry.number for unit in digest.units for entry in unit.overdue]
    stalled = [entry.number for unit in digest.units for entry in unit.stalled]
    # Each item once (an item of several units under all of them together), overdue or stalled, not both.
    assert sorted(overdue) == sorted(i.number for i in items if i.status == ItemStatus.OVERDUE)
    assert sorted(stalled) == sorted(i.number for i in items if i.stalled and i.status != ItemStatus.OVERDUE)


@settings(max_examples=80, deadline=None)
@given(ledger=ledgers())
def test_a_units_counts_partition_its_items(ledger: tuple[date, list]) -> None:  # type: ignore[type-arg]
    today, rows = ledger
    items = _report_items(today, rows)
    counts = count_statuses(item.status for item in items)
    line = RENDERER.render("zh_CN", "chat/items/unit", views=[UnitView("市住建局", counts, ())]).splitlines()[
        0
    ]
    match = re.fullmatch(r"【市住建局】共 (\d+) 项(?:：(.*))?", line)
    assert match is not None, line
    assert int(match.group(1)) == len(items)
    assert sum(_partition(match.group(2) or "").values()) == len(items)


# ---- the weekly summary's indicator section ----------------------------------------------------------

_INDICATOR_COUNTS = re.compile(
    r"约束性指标(\d+)项：符合序时进度(\d+)项，偏离序时进度(\d+)项，未报送(\d+)项，不评价(\d+)项"
)
_EN_INDICATOR_COUNTS = re.compile(
    r"Binding indicators: (\d+); on track (\d+), off track (\d+), not reported (\d+), not judged (\d+)"
)
_FREQUENCIES = st.sampled_from([Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.YEARLY])


@st.composite
def indicator_sets(draw: st.DrawFn) -> tuple[date, list[tuple[IndicatorSpec, list[IndicatorValue]]]]:
    """A day and indicators of every kind (binding or not, with a number or only words, ceilings and
    floors, monthly to yearly, latest or mean), each with values for some of the periods before the day,
    some corrected."""
    today = draw(st.dates(date(2022, 1, 1), date(2026, 12, 31)))
    entries = []
    for n in range(draw(st.integers(0, 8))):
        numeric = draw(st.booleans()) or draw(st.booleans())
        frequency = draw(_FREQUENCIES)
        spec = IndicatorSpec(
            name=f"指标{n + 1}",
            unit=draw(st.sampled_from(["%", "微克/立方米", None])),
            attribute=draw(st.sampled_from([Attribute.BINDING, Attribute.BINDING, Attribute.EXPECTED, None])),
            direction=draw(st.sampled_from(Direction)) if numeric else None,
            baseline=draw(st.none() | st.integers(10, 90).map(float)),
            baseline_year=2020,
            target=draw(st.integers(10, 90).map(float)) if numeric else None,
            target_year=draw(st.integers(2021, 2030)),
            target_text=None if numeric else "完成上级下达目标",
            responsible_unit=draw(st.none() | st.sampled_from(UNITS)),
            frequency=frequency,
            aggregation=draw(st.sampled_from(Aggregation)),
        )
        periods = [Period.of(frequency, today)]
        for _ in range(6):
            periods.append(periods[-1].previous(frequency))
        values = [
            IndicatorValue(period, draw(st.integers(0, 1000)) / 10)
            for period in draw(st.lists(st.sampled_from(periods[1:]), max_size=8))
        ]
        entries.append((spec, values))
    return today, entries


@settings(max_examples=150, deadline=None)
@given(drawn=indicator_sets())
def test_the_weekly_indicator_section_partitions_the_binding_indicators(
    drawn: tuple[date, list[tuple[IndicatorSpec, list[IndicatorValue]]]],
) -> None:
    today, entries = drawn
    found = board(today, entries)
    summary = weekly_summary([], today, found)
    text = RENDERER.render("zh_CN", "notify/digest_weekly", summary=summary)
    english = RENDERER.render("en", "notify/digest_weekly", summary=summary)
    if not entries:
        assert summary.indicators is None
        assert "指标" not in text
        assert "ndicator" not in english
        return
    binding = [
        (n, spec, values) for n, (spec, values) in enumerate(entries, 1) if spec.attribute == "binding"
    ]
    if not binding:
        assert f"指标台账共{len(entries)}项指标，均非约束性指标，不作序时评价。" in text
        assert _INDICATOR_COUNTS.search(text) is None
        return
    states = Counter(judge(spec, values, today).state for _, spec, values in binding)
    for pattern, rendered in ((_INDICATOR_COUNTS, text), (_EN_INDICATOR_COUNTS, english)):
        (match,) = pattern.findall(rendered)
        total, on_track, off_track, unreported, not_judged = map(int, match)
        assert total == len(binding) == on_track + off_track + unreported + not_judged
        assert (on_track, off_track, unreported, not_judged) == (
            states[TrackState.ON_TRACK],
            states[TrackState.OFF_TRACK],
            states[TrackState.UNREPORTED],
            states[TrackState.NOT_JUDGED],
        )
    # Each binding indicator off track or unreported is listed once, under its state; no other is.
    off = re.findall(r"^第(\d+)项指标偏离序时进度", text, re.MULTILINE)
    missing = re.findall(r"^第(\d+)项指标未报送", text, re.MULTILINE)
    assert [int(n) for n in off] == [
        n for n, spec, values in binding if judge(spec, values, today).state == TrackState.OFF_TRACK
    ]
    assert [int(n) for n in missing] == [
        n for n, spec, values in binding if judge(spec, values, today).state == TrackState.UNREPORTED
    ]
    expected = len(entries) - len(binding)
    assert (f"另有预期性等指标{expected}项" in text) == bool(expected)


async def _ledger_with_indicators(bot: BotHarness) -> None:
    await digest_ledger(bot)
    officer = bot.services.roster.add_person(
        OFFICER_NAME, unit="市住建局", role=Role.OFFICER, actor=Actor.system("test")
    )
    indicator_ledger(bot.services, Actor.person(officer.id))


async def test_the_leadership_reads_the_indicators_as_judge_says_them(bot: BotHarness) -> None:
    await _ledger_with_indicators(bot)
    bot.clock.set(at(MONDAY, 11))
    summary, _chart = await bot.send(LEADERSHIP, "/digest", replies=2)
    text = summary.text or ""
    judged = verdicts(bot.services, MONDAY)
    binding = [judged[spec.name].state for spec in SPECS if spec.attribute == "binding"]
    assert (
        f"约束性指标{len(binding)}项：符合序时进度{binding.count(TrackState.ON_TRACK)}项，"
        f"偏离序时进度{binding.count(TrackState.OFF_TRACK)}项，未报送{binding.count(TrackState.UNREPORTED)}项，"
        f"不评价{binding.count(TrackState.NOT_JUDGED)}项；另有预期性等指标2项，不作序时评价。"
    ) in text.splitlines()
    assert sum(binding.count(state) for state in TrackState) == len(binding) == 4
    # The off-track one with its numbers (the October value as corrected), the unreported one with its period.
    pm25 = judged[PM25.name]
    assert pm25.state == TrackState.OFF_TRACK
    assert pm25.value is not None
    assert pm25.path is not None
    assert (
        f"第1项指标偏离序时进度（市生态环境局）：{PM25.name}，最新值26微克/立方米（2026年10月），"
        f"2026年均值{number_text(pm25.value)}微克/立方米，序时目标{number_text(pm25.path)}微克/立方米，"
        "目标值≤21微克/立方米（2030年）。"
    ) in text.splitlines()
    assert judged[WATER.name].state == TrackState.UNREPORTED
    assert f"第4项指标未报送（市水务局）：{WATER.name}2026年10月的数据未报送。" in text.splitlines()
    off_or_missing = [line for line in text.splitlines() if re.match(r"第\d+项指标", line)]
    assert len(off_or_missing) == binding.count(TrackState.OFF_TRACK) + binding.count(TrackState.UNREPORTED)

    # The Monday summary says the same, and so does the English one.
    await tick_at(bot, at(MONDAY))
    (queued,) = digests(bot, "digest_weekly")
    assert queued.text == text
    await bot.send(LEADERSHIP, "/lang en")
    english, _chart = await bot.send(LEADERSHIP, "/digest", replies=2)
    assert (
        f"Binding indicators: {len(binding)}; on track {binding.count(TrackState.ON_TRACK)}, "
        f"off track {binding.count(TrackState.OFF_TRACK)}, not reported {binding.count(TrackState.UNREPORTED)}, "
        f"not judged {binding.count(TrackState.NOT_JUDGED)}; "
        "2 more indicators (expected or without attribute) are not judged."
    ) in (english.text or "").splitlines()
    assert f"Indicator 4 not reported (市水务局): {WATER.name}, no value for 2026-10." in (english.text or "")


async def test_no_indicator_section_without_indicators(bot: BotHarness) -> None:
    await digest_ledger(bot)
    bot.clock.set(at(MONDAY, 11))
    summary, _chart = await bot.send(LEADERSHIP, "/digest", replies=2)
    assert "整改事项共3项" in (summary.text or "")
    assert "指标" not in (summary.text or "")
