"""Values reported on the indicators (指标台账) and what the store says of them: the verdicts every view reads
(`services.indicators.verdicts`), `/value` (checked, recorded, audited, corrected; every refusal changes
nothing), the values read as officials write them, the day's rule that asks for them once per period, and
the indicator's ladder (督办提醒 → 预警 → 通报) with the verdict's numbers, on both stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ledger.access import Viewer
from ledger.actor import Actor
from ledger.errors import DubanError
from ledger.indicator_progress import TrackState, judge
from ledger.indicator_values import read_number, read_period
from ledger.indicators import (
    Aggregation,
    Attribute,
    Direction,
    Frequency,
    IndicatorSpec,
    IndicatorValue,
    Period,
)
from ledger.model import ParsedLedger, Role
from scheduler.rules import Level
from services.accounts import TelegramUser
from services.container import Services
from services.indicators import verdicts
from storage import indicator_queries
from storage.indicator_tables import IndicatorEscalation, IndicatorReading
from storage.models import AuditEntry, Person
from storage.scheduling import OutboxMessage

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEST = Actor.system("test")
UNIT, OTHER_UNIT, OFFICE = "市生态环境局", "市住建局", "市生态环境保护督察整改办公室"
OFFICER, OTHER_OFFICER, LEADER, SUPERVISOR = 1001, 1005, 2001, 3001
PEOPLE = {
    OFFICER: ("王芳", UNIT, Role.OFFICER),
    OTHER_OFFICER: ("刘洋", OTHER_UNIT, Role.OFFICER),
    LEADER: ("孙局长", UNIT, Role.LEADER),
    SUPERVISOR: ("马督导", OFFICE, Role.SUPERVISOR),
}
GOOD_DAYS = IndicatorSpec(
    name="全市空气质量优良天数比例",
    unit="%",
    attribute=Attribute.BINDING,
    direction=Direction.FLOOR,
    target=84,
    target_year=2020,
    responsible_unit=UNIT,
    aggregation=Aggregation.ANNUAL_MEAN,
)
PM25 = IndicatorSpec(
    name="细颗粒物(PM2.5)浓度",
    unit="微克/立方米",
    attribute=Attribute.BINDING,
    direction=Direction.CEILING,
    baseline=24,
    baseline_year=2020,
    target=21,
    target_year=2025,
    responsible_unit=UNIT,
    aggregation=Aggregation.ANNUAL_MEAN,
)
WATER = IndicatorSpec(
    name="水质优良比例", unit="%", attribute=Attribute.EXPECTED, target=100, target_year=2025
)
JANUARY = Period(date(2021, 1, 1), date(2021, 1, 31))
FEBRUARY = Period(date(2021, 2, 1), date(2021, 2, 28))


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI).astimezone(UTC)


def import_indicators(services: Services, *specs: IndicatorSpec) -> None:
    outcome = services.ledger.import_ledger(ParsedLedger(indicators=list(specs)), actor=TEST, dry_run=False)
    assert outcome.errors == []


def office(services: Services, clock: Any, day: date = date(2020, 12, 16)) -> dict[int, Viewer]:
    """The three indicators imported on `day`, and the people bound: {telegram id: viewer}."""
    clock.set(at(day))
    import_indicators(services, GOOD_DAYS, PM25, WATER)
    for unit in (OTHER_UNIT, OFFICE):
        services.roster.add_unit(unit, actor=TEST)
    viewers = {}
    for user, (name, unit, role) in PEOPLE.items():
        services.roster.add_person(name, unit=unit, role=role, actor=TEST, telegram_user_id=user)
        viewers[user] = services.accounts.viewer(TelegramUser(user, name))
    return viewers


def stored(services: Services) -> tuple[list[tuple[str, date, float, str]], int]:
    """The readings (indicator, period start, value, reporter) and the count of value audit entries."""
    with services.sessions() as session:
        rows = session.execute(
            select(IndicatorReading.indicator_id, IndicatorReading.period_start, IndicatorReading.value,
                   IndicatorReading.reported_by).order_by(IndicatorReading.id)
        )  # fmt: skip
        names = {i.id: i.name for i in indicator_queries.all_indicators(session)}
        readings = [(names[i], start, value, by) for i, start, value, by in rows]
        audits = session.scalar(select(func.count()).where(AuditEntry.action == "report_value"))
    return readings, audits or 0


def test_verdicts_judge_every_indicator_on_the_values_stored(services: Services) -> None:
    import_indicators(services, GOOD_DAYS, PM25, WATER)
    with services.sessions() as session, session.begin():
        good_days = indicator_queries.indicators_by_name(session, [GOOD_DAYS.name])[GOOD_DAYS.name]
        indicator_queries.add_reading(
            session, good_days, IndicatorValue(JANUARY, 80.6), TEST, at(date(2021, 2, 2))
        )
    with services.sessions() as session:
        found = verdicts(session, date(2021, 2, 3))
    assert [(i.name, v.state) for i, v in found] == [
        (GOOD_DAYS.name, TrackState.OFF_TRACK),
        (PM25.name, TrackState.UNREPORTED),
        (WATER.name, TrackState.NOT_JUDGED),
    ]
    assert (found[0][1].value, found[0][1].path) == (80.6, 84)


# ---- /value: the service ---------------------------------------------------------------------------


def test_an_officer_reports_a_value_recorded_audited_and_judged(services: Services, clock: Any) -> None:
    viewers = office(services, clock)
    clock.set(at(date(2021, 2, 2)))
    reported = services.indicators.report(viewers[OFFICER], ["1", "80.6%", "2021年1月 市环境监测站月报"])
    assert (reported.number, reported.name, reported.period, reported.value) == (
        1,
        GOOD_DAYS.name,
        JANUARY,
        80.6,
    )
    assert (reported.replaced, reported.unchanged) == (None, False)
    assert (reported.verdict.state, reported.verdict.value, reported.verdict.path) == (
        TrackState.OFF_TRACK,
        80.6,
        84,
    )
    readings, audits = stored(services)
    person = str(viewers[OFFICER].actor)
    assert readings == [(GOOD_DAYS.name, JANUARY.start, 80.6, person)]
    assert audits == 1
    with services.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "report_value")).one()
        source = session.scalars(select(IndicatorReading.source)).one()
    assert (entry.actor, entry.entity, entry.after) == (
        person,
        "indicator",
        {"period": ["2021-01-01", "2021-01-31"], "value": 80.6, "source": "市环境监测站月报"},
    )
    assert source == "市环境监测站月报"


def test_a_second_value_for_the_period_is_a_correction_and_the_same_value_changes_nothing(
    services: Services, clock: Any
) -> None:
    viewers = office(services, clock)
    clock.set(at(date(2021, 2, 2)))
    services.indicators.report(viewers[OFFICER], ["PM2.5", "25"])  # the default period: January
    corrected = services.indicators.report(viewers[OFFICER], ["PM2.5", "23微克/立方米", "1月"])
    assert (corrected.period, corrected.value, corrected.replaced) == (JANUARY, 23, 25)
    again = services.indicators.report(viewers[SUPERVISOR], ["2", "23", "2021-01"])
    assert again.unchanged
    readings, audits = stored(services)
    assert [(name, value) for name, _start, value, _by in readings] == [(PM25.name, 25), (PM25.name, 23)]
    assert audits == 2
    with services.sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "report_value").order_by(AuditEntry.id.desc())
        ).first()
    assert entry is not None
    assert entry.before == {"value": 25}


@pytest.mark.parametrize(
    ("user", "arguments", "code"),
    [
        (OFFICER, ["1"], "indicator/usage"),
        (OFFICER, ["9", "80"], "indicator/unknown"),
        (OFFICER, ["臭氧", "80"], "indicator/unknown"),
        (OFFICER, ["优良", "80"], "indicator/ambiguous"),
        (OFFICER, ["1", "八十"], "indicator/bad_value"),
        (OFFICER, ["1", "80微克/立方米"], "indicator/wrong_unit"),
        (OFFICER, ["2", "23%"], "indicator/wrong_unit"),
        (OFFICER, ["2", "-3"], "indicator/negative"),
        (OFFICER, ["1", "120%"], "indicator/above_100"),
        (OFFICER, ["2", "230"], "indicator/far_from_plan"),
        (OFFICER, ["1", "80", "2021年13月"], "indicator/bad_period"),
        (OFFICER, ["1", "80", "2021年第一季度"], "indicator/bad_period"),  # a monthly indicator
        (OFFICER, ["1", "80", "2021年1月 2021年2月"], "indicator/period_twice"),
        (OFFICER, ["1", "80", "2021年2月"], "indicator/period_not_ended"),  # the running month
        (OFFICER, ["1", "80", "2030年1月"], "indicator/period_not_ended"),
        (OTHER_OFFICER, ["1", "80"], "indicator/not_responsible"),
        (OFFICER, ["3", "90"], "indicator/not_responsible"),  # no responsible unit: the office reports it
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    services: Services, clock: Any, user: int, arguments: list[str], code: str
) -> None:
    viewers = office(services, clock)
    clock.set(at(date(2021, 2, 2)))
    with pytest.raises(DubanError) as refused:
        services.indicators.report(viewers[user], arguments)
    assert refused.value.code == code
    assert stored(services) == ([], 0)
    text = services.renderer.render("zh_CN", f"errors/{code}", refused.value.params)
    assert text
    assert "{" not in text


def test_a_value_far_from_the_plan_is_taken_once_confirmed(services: Services, clock: Any) -> None:
    viewers = office(services, clock)
    clock.set(at(date(2021, 2, 2)))
    reported = services.indicators.report(viewers[OFFICER], ["2", "230", "2021年1月 确认"])
    assert (reported.value, reported.period) == (230, JANUARY)
    assert stored(services)[0] == [(PM25.name, JANUARY.start, 230, str(viewers[OFFICER].actor))]


def test_a_ledger_without_indicators_says_so(services: Services, clock: Any) -> None:
    clock.set(at(date(2021, 2, 2)))
    services.roster.add_unit(UNIT, actor=TEST)
    services.roster.add_person("王芳", unit=UNIT, role=Role.OFFICER, actor=TEST, telegram_user_id=OFFICER)
    viewer = services.accounts.viewer(TelegramUser(OFFICER, "王芳"))
    with pytest.raises(DubanError) as refused:
        services.indicators.report(viewer, ["1", "80"])
    assert refused.value.code == "indicator/none"


@pytest.mark.parametrize(
    ("text", "frequency", "want"),
    [
        ("2024年3月", Frequency.MONTHLY, Period(date(2024, 3, 1), date(2024, 3, 31))),
        ("2024-03", Frequency.MONTHLY, Period(date(2024, 3, 1), date(2024, 3, 31))),
        ("2024.3", Frequency.MONTHLY, Period(date(2024, 3, 1), date(2024, 3, 31))),
        ("２０２４年３月份", Frequency.MONTHLY, Period(date(2024, 3, 1), date(2024, 3, 31))),
        ("3月", Frequency.MONTHLY, Period(date(2024, 3, 1), date(2024, 3, 31))),
        ("三月", Frequency.MONTHLY, Period(date(2024, 3, 1), date(2024, 3, 31))),
        ("5月", Frequency.MONTHLY, Period(date(2023, 5, 1), date(2023, 5, 31))),  # not begun: last year's
        ("2024年第一季度", Frequency.QUARTERLY, Period(date(2024, 1, 1), date(2024, 3, 31))),
        ("一季度", Frequency.QUARTERLY, Period(date(2024, 1, 1), date(2024, 3, 31))),
        ("2023Q4", Frequency.QUARTERLY, Period(date(2023, 10, 1), date(2023, 12, 31))),
        ("2023年", Frequency.YEARLY, Period(date(2023, 1, 1), date(2023, 12, 31))),
        ("2024年13月", Frequency.MONTHLY, None),
        ("2023年", Frequency.MONTHLY, None),
        ("3月", Frequency.YEARLY, None),
    ],
)
def test_periods_are_read_as_officials_write_them(
    text: str, frequency: Frequency, want: Period | None
) -> None:
    assert read_period(text, frequency, date(2024, 4, 10)) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [("23", 23.0), ("23.5", 23.5), ("２３．５", 23.5), ("23微克/立方米", 23.0), ("23 μg/m3", 23.0)],
)
def test_numbers_are_read_with_their_unit(text: str, want: float) -> None:
    assert read_number(text, PM25) == want


# ---- the day's rule: asking, and the ladder -----------------------------------------------------


def run_day(services: Services, clock: Any, day: date) -> list[OutboxMessage]:
    """The day's run on `day`; the messages it queued."""
    with services.sessions() as session:
        before = session.scalar(select(func.max(OutboxMessage.id))) or 0
    clock.set(at(day, 0))
    services.daily_run.tick()
    with services.sessions() as session:
        return list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.id > before).order_by(OutboxMessage.id))
        )


def to(rows: list[OutboxMessage], kind: str) -> list[tuple[int | None, str]]:
    return [(row.person_id, row.text) for row in rows if row.kind == kind]


def person_ids(services: Services) -> dict[int, int]:
    with services.sessions() as session:
        return {p.telegram_user_id: p.id for p in session.scalars(select(Person)) if p.telegram_user_id}


def test_officers_are_asked_once_per_period_after_it_ended_and_only_while_it_has_no_value(
    services: Services, clock: Any
) -> None:
    viewers = office(services, clock)
    ids = person_ids(services)
    assert to(run_day(services, clock, date(2020, 12, 31)), "indicator_ask") == []  # December not over
    first = to(run_day(services, clock, date(2021, 1, 4)), "indicator_ask")  # the first working day after it
    assert first == [
        (ids[OFFICER], "【指标调度】第1个指标 全市空气质量优良天数比例\n请于 2021-01-07 前报送2020年12月的数值（单位：%）：/value 1 数值 2020年12月"),
        (ids[OFFICER], "【指标调度】第2个指标 细颗粒物(PM2.5)浓度\n请于 2021-01-07 前报送2020年12月的数值（单位：微克/立方米）：/value 2 数值 2020年12月"),
    ]  # fmt: skip
    assert to(run_day(services, clock, date(2021, 1, 5)), "indicator_ask") == []  # once
    clock.set(at(date(2021, 2, 1), 9))
    services.indicators.report(viewers[OFFICER], ["1", "86%", "2021年1月"])  # reported before it is asked
    asked = to(run_day(services, clock, date(2021, 2, 2)), "indicator_ask")
    assert [text.splitlines()[0] for _p, text in asked] == ["【指标调度】第2个指标 细颗粒物(PM2.5)浓度"]


def test_off_track_climbs_a_level_each_period_it_stays_off_and_states_the_numbers(
    services: Services, clock: Any
) -> None:
    viewers = office(services, clock)
    ids = person_ids(services)
    run_day(services, clock, date(2021, 1, 4))
    clock.set(at(date(2021, 1, 4)))
    services.indicators.report(viewers[OFFICER], ["1", "86%"])  # December: on track
    services.indicators.report(viewers[OFFICER], ["2", "22"])  # on the path (24 → 23.4 at the end of 2021)
    assert to(run_day(services, clock, date(2021, 1, 5)), "indicator_warning") == []

    clock.set(at(date(2021, 2, 1), 9))
    services.indicators.report(viewers[OFFICER], ["1", "80.6%"])  # January: off track
    services.indicators.report(viewers[OFFICER], ["2", "22"])
    blue = to(run_day(services, clock, date(2021, 2, 2)), "indicator_warning")
    assert blue == [
        (ids[OFFICER], "【督办提醒】第1个指标 全市空气质量优良天数比例\n原因：2021年全市空气质量优良天数比例年均值80.6%，低于目标值84%。\n责任单位：市生态环境局。请分析原因、落实措施。"),
    ]  # fmt: skip
    assert to(run_day(services, clock, date(2021, 2, 3)), "indicator_warning") == []  # one level per period

    clock.set(at(date(2021, 3, 1), 9))
    services.indicators.report(viewers[OFFICER], ["1", "82%"])  # February: the year's mean still below 84
    services.indicators.report(viewers[OFFICER], ["2", "22"])
    yellow = to(run_day(services, clock, date(2021, 3, 2)), "indicator_warning")
    mean = (80.6 * 31 + 82 * 28) / 59
    assert [p for p, _ in yellow] == [ids[OFFICER], ids[LEADER]]
    assert yellow[0][1].splitlines()[:2] == [
        "【预警】第1个指标 全市空气质量优良天数比例",
        f"原因：连续2期偏离序时进度：2021年全市空气质量优良天数比例年均值{round(mean, 2):g}%，低于目标值84%。",
    ]

    clock.set(at(date(2021, 4, 1), 9))
    services.indicators.report(viewers[OFFICER], ["1", "83%"])
    services.indicators.report(viewers[OFFICER], ["2", "22"])
    red = to(run_day(services, clock, date(2021, 4, 2)), "indicator_warning")
    assert [p for p, _ in red] == [ids[LEADER], ids[SUPERVISOR]]
    assert red[0][1].startswith("【通报】第1个指标 全市空气质量优良天数比例\n原因：连续3期偏离序时进度：")
    with services.sessions() as session:
        levels = [
            (e.period_start.month, e.level, e.facts["streak"])
            for e in session.scalars(select(IndicatorEscalation).order_by(IndicatorEscalation.id))
        ]
    assert levels == [(1, Level.BLUE, 1), (2, Level.YELLOW, 2), (3, Level.RED, 3)]


def test_an_unreported_period_counts_once_its_answer_time_is_over(services: Services, clock: Any) -> None:
    viewers = office(services, clock)
    ids = person_ids(services)
    run_day(services, clock, date(2021, 1, 4))  # asked, to answer by 7 January
    clock.set(at(date(2021, 1, 5)))
    services.indicators.report(viewers[OFFICER], ["1", "86%"])
    assert to(run_day(services, clock, date(2021, 1, 7)), "indicator_warning") == []  # still time
    late = to(run_day(services, clock, date(2021, 1, 8)), "indicator_warning")
    assert late == [
        (ids[OFFICER], "【督办提醒】第2个指标 细颗粒物(PM2.5)浓度\n原因：细颗粒物(PM2.5)浓度：2020-12-01至2020-12-31的数据未报送。\n责任单位：市生态环境局。请分析原因、落实措施，并尽快报送数值：/value 2 数值 2020年12月。"),
    ]  # fmt: skip


def test_nobody_bound_nobody_warned_and_nothing_recorded(services: Services, clock: Any) -> None:
    clock.set(at(date(2020, 12, 16)))
    import_indicators(services, GOOD_DAYS)
    assert run_day(services, clock, date(2021, 1, 4)) == []
    assert run_day(services, clock, date(2021, 1, 8)) == []
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(IndicatorEscalation)) == 0


def test_a_reason_is_what_judge_says_of_the_store_that_day(services: Services, clock: Any) -> None:
    viewers = office(services, clock)
    run_day(services, clock, date(2021, 1, 4))
    clock.set(at(date(2021, 1, 4)))
    services.indicators.report(viewers[OFFICER], ["2", "30"])
    services.indicators.report(viewers[OFFICER], ["2", "26"])  # corrected before the run: 26 is what is said
    run_day(services, clock, date(2021, 1, 5))
    with services.sessions() as session:
        (escalation,) = session.scalars(select(IndicatorEscalation))
        pm25 = indicator_queries.indicators_by_name(session, [PM25.name])[PM25.name]
        verdict = judge(
            indicator_queries.indicator_to_spec(pm25),
            indicator_queries.readings(session, pm25),
            date(2021, 1, 5),
        )
    assert (escalation.facts["value"], escalation.facts["path"]) == (verdict.value, verdict.path) == (26, 24)
