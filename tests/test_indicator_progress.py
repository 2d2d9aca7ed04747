"""The off-track rule of binding indicators (约束性指标), at chosen dates: ≤ and ≥ indicators, annual means and
ratios judged on the year's running mean, latest values on the path, unreported periods; and its general
properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.indicator_progress import TrackState, judge, path_value, running_mean
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
from messages.render import Renderer, build_environment

RENDERER = Renderer(build_environment(), ZoneInfo("Asia/Shanghai"))

# The Jiayuguan shape: PM2.5 from 24 (2020) to 21 (2025): the path stands at 21.6 at the end of 2024.
PM25 = IndicatorSpec(
    name="PM2.5年均浓度",
    unit="微克/立方米",
    attribute=Attribute.BINDING,
    direction=Direction.CEILING,
    baseline=24,
    baseline_year=2020,
    target=21,
    target_year=2025,
    aggregation=Aggregation.ANNUAL_MEAN,
)
GOOD_DAYS = IndicatorSpec(
    name="优良天数比率",
    unit="%",
    attribute=Attribute.BINDING,
    direction=Direction.FLOOR,
    baseline=84,
    baseline_year=2020,
    target=90,
    target_year=2025,
    aggregation=Aggregation.ANNUAL_MEAN,
)
FOREST = IndicatorSpec(
    name="森林覆盖率",
    unit="%",
    attribute=Attribute.BINDING,
    direction=Direction.FLOOR,
    baseline=44,
    baseline_year=2020,
    target=46,
    target_year=2025,
)


def monthly(year: int, *values: float) -> list[IndicatorValue]:
    """Values for January, February, … of the year."""
    return [
        IndicatorValue(Period.of(Frequency.MONTHLY, date(year, m, 1)), v) for m, v in enumerate(values, 1)
    ]


def test_the_path_runs_straight_from_baseline_to_target() -> None:
    assert path_value(PM25, date(2020, 12, 31), whole_years=True) == 24
    assert round(path_value(PM25, date(2024, 12, 31), whole_years=True), 6) == 21.6
    assert path_value(PM25, date(2025, 12, 31), whole_years=True) == 21
    assert path_value(PM25, date(2027, 6, 30), whole_years=True) == 21  # after the target year: the target
    half = date(2020, 12, 31) + (date(2025, 12, 31) - date(2020, 12, 31)) / 2
    assert path_value(FOREST, half, whole_years=False) == 45


def test_a_ceiling_above_its_path_is_off_track_with_the_numbers() -> None:
    values = monthly(2024, 25, 24, 23, 23, 22, 21, 21, 22, 23, 24, 25, 23)
    verdict = judge(PM25, values, date(2025, 1, 10))
    assert verdict.state == TrackState.OFF_TRACK
    assert (verdict.year, verdict.mean, verdict.target) == (2024, True, 21)
    assert number_text(verdict.path or 0) == "21.6"
    assert verdict.value is not None
    assert round(verdict.value, 1) == 23.0  # the year's mean, weighted by the months' days (22.99)


@pytest.mark.parametrize(
    ("locale", "reason"),
    [
        ("zh_CN", "2024年PM2.5年均值23微克/立方米，高于序时目标21.6，目标值21"),
        ("en", "PM2.5, annual mean of 2024: 23 微克/立方米, above the path's 21.6 (target 21)"),
    ],
)
def test_the_reason_states_the_numbers(locale: str, reason: str) -> None:
    verdict = judge(replace(PM25, name="PM2.5"), monthly(2024, *[23] * 12), date(2025, 1, 10))
    assert RENDERER.render(locale, "indicators/verdict", v=verdict).strip() == reason


def test_an_unreported_reason_names_the_period() -> None:
    verdict = judge(GOOD_DAYS, [], date(2024, 6, 10))
    text = RENDERER.render("zh_CN", "indicators/verdict", v=verdict).strip()
    assert text == "优良天数比率：2024-05-01至2024-05-31的数据未报送"


def test_a_ceiling_below_its_path_is_on_track() -> None:
    verdict = judge(PM25, monthly(2024, *[21.5] * 12), date(2025, 1, 10))
    assert verdict.state == TrackState.ON_TRACK


def test_the_running_mean_of_the_year_so_far_decides_not_the_last_month() -> None:
    # March alone is fine (21), but January–March average 23.0 > 21.6.
    verdict = judge(PM25, monthly(2024, 25, 23, 21), date(2024, 4, 5))
    assert verdict.state == TrackState.OFF_TRACK
    assert verdict.value is not None
    assert round(verdict.value, 2) == round((25 * 31 + 23 * 29 + 21 * 31) / 91, 2)


def test_a_ratio_is_weighted_by_days_like_good_days_are_counted() -> None:
    # 30 good days of 31 in January, 14 of 29 in February: 44 of 60 days, 73.3 %, below the path (88.8).
    values = monthly(2024, 30 / 31 * 100, 14 / 29 * 100)
    verdict = judge(GOOD_DAYS, values, date(2024, 3, 3))
    assert verdict.state == TrackState.OFF_TRACK
    assert verdict.value is not None
    assert round(verdict.value, 3) == round(44 / 60 * 100, 3)
    assert number_text(verdict.path or 0) == "88.8"


def test_a_floor_above_its_path_is_on_track() -> None:
    verdict = judge(GOOD_DAYS, monthly(2024, 95, 92), date(2024, 3, 3))
    assert verdict.state == TrackState.ON_TRACK


def test_a_latest_value_is_held_against_the_path_at_its_period_end() -> None:
    quarterly = replace(FOREST, frequency=Frequency.QUARTERLY)
    value = IndicatorValue(Period.of(Frequency.QUARTERLY, date(2023, 6, 1)), 45.0)
    verdict = judge(quarterly, [value], date(2023, 7, 15))
    # The path on 2023-06-30 stands at 44 + 2 × 911 / 1826 ≈ 44.998: 45.0 is just above it.
    assert verdict.path is not None
    assert round(verdict.path, 3) == 44.998
    assert (verdict.state, verdict.mean, verdict.value) == (TrackState.ON_TRACK, False, 45.0)
    below = IndicatorValue(value.period, 44.5)
    assert judge(quarterly, [below], date(2023, 7, 15)).state == TrackState.OFF_TRACK


def test_once_the_target_year_is_reached_the_target_itself_is_the_mark() -> None:
    verdict = judge(PM25, monthly(2025, 21.4), date(2025, 2, 3))
    assert (verdict.state, verdict.path) == (TrackState.OFF_TRACK, 21)
    assert judge(PM25, monthly(2025, 21.0), date(2025, 2, 3)).state == TrackState.ON_TRACK


def test_no_value_for_the_last_period_is_unreported() -> None:
    # Values up to April; on 10 June May's is due and missing.
    verdict = judge(PM25, monthly(2024, 20, 20, 20, 20), date(2024, 6, 10))
    assert verdict.state == TrackState.UNREPORTED
    assert verdict.due == Period(date(2024, 5, 1), date(2024, 5, 31))
    assert judge(PM25, [], date(2024, 6, 10)).state == TrackState.UNREPORTED
    # A quarterly one is due for the last quarter.
    quarterly = replace(FOREST, frequency=Frequency.QUARTERLY)
    assert judge(quarterly, [], date(2024, 5, 10)).due == Period(date(2024, 1, 1), date(2024, 3, 31))


def test_a_value_reported_early_for_the_running_month_counts() -> None:
    verdict = judge(PM25, monthly(2024, 20, 20, 20, 20, 20, 20), date(2024, 6, 10))
    assert verdict.state == TrackState.ON_TRACK


def test_a_later_report_for_the_same_period_corrects_the_earlier() -> None:
    period = Period.of(Frequency.MONTHLY, date(2024, 1, 1))
    values = [IndicatorValue(period, 30), IndicatorValue(period, 20)]
    assert judge(PM25, values, date(2024, 2, 2)).value == 20


def test_values_of_periods_not_begun_are_not_known_yet() -> None:
    values = monthly(2024, 20, 40)
    assert judge(PM25, values, date(2024, 1, 15)).value == 20  # February has not begun
    later = judge(PM25, values, date(2024, 2, 1)).value  # it has: (20 × 31 + 40 × 29) / 60
    assert later is not None
    assert round(later, 2) == 29.67


def test_expected_indicators_and_targets_without_a_number_are_not_judged() -> None:
    assert (
        judge(replace(PM25, attribute=Attribute.EXPECTED), [], date(2024, 6, 1)).state
        == TrackState.NOT_JUDGED
    )
    assert judge(replace(PM25, attribute=None), [], date(2024, 6, 1)).state == TrackState.NOT_JUDGED
    no_number = replace(PM25, target=None, direction=None, target_text="完成上级下达目标")
    assert judge(no_number, [], date(2024, 6, 1)).state == TrackState.NOT_JUDGED


_values = st.floats(min_value=0, max_value=500, allow_nan=False)
_years = st.integers(min_value=2015, max_value=2030)


@given(baseline=_values, target=_values, start=_years, span=st.integers(1, 10), year=_years)
def test_the_path_stays_between_baseline_and_target(
    baseline: float, target: float, start: int, span: int, year: int
) -> None:
    spec = replace(PM25, baseline=baseline, target=target, baseline_year=start, target_year=start + span)
    value = path_value(spec, date(year, 12, 31), whole_years=True)
    assert min(baseline, target) - 1e-9 <= value <= max(baseline, target) + 1e-9


@given(level=_values, months=st.integers(1, 12))
def test_the_running_mean_of_a_constant_is_that_constant(level: float, months: int) -> None:
    assert abs(running_mean(monthly(2024, *[level] * months)) - level) <= 1e-9 * max(1.0, level)


@given(value=_values, higher=st.floats(min_value=0, max_value=100, allow_nan=False))
def test_a_higher_value_never_brings_a_ceiling_back_on_track(value: float, higher: float) -> None:
    on = date(2024, 2, 5)
    before = judge(PM25, monthly(2024, value), on).state
    after = judge(PM25, monthly(2024, value + higher), on).state
    assert not (before == TrackState.OFF_TRACK and after == TrackState.ON_TRACK)
    floor_before = judge(GOOD_DAYS, monthly(2024, value), on).state
    floor_after = judge(GOOD_DAYS, monthly(2024, value + higher), on).state
    assert not (floor_before == TrackState.ON_TRACK and floor_after == TrackState.OFF_TRACK)


@given(value=_values)
def test_a_value_on_the_path_is_on_track(value: float) -> None:
    spec = replace(PM25, baseline=value + 3, target=value, baseline_year=2020, target_year=2025)
    path = path_value(spec, date(2024, 12, 31), whole_years=True)
    verdict = judge(spec, monthly(2024, *[path] * 12), date(2025, 1, 3))
    assert verdict.state == TrackState.ON_TRACK or abs((verdict.value or 0) - path) < 1e-9
