"""An indicator's chart as a PNG (/indicator N): the values reported, one point per period at its end;
for an indicator judged on its annual mean, the running mean of each year; the target as a level line; and
the straight path from the baseline to the target (序时目标), as `ledger.indicator_progress` reads it.
Chinese labels in the Noto Sans CJK SC font of `mplfonts`, as the progress chart (`reports.chart`)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from ledger.indicator_progress import running_mean
from ledger.indicators import Aggregation, IndicatorSpec, IndicatorValue
from messages.render import DEFAULT_LOCALE, Renderer
from reports.chart import FONT_PATH
from reports.texts import lines

VALUE_COLOR, MEAN_COLOR, TARGET_COLOR, PATH_COLOR = "#1f5fa8", "#7a9cc6", "#c0392b", "#888888"
_WIDTH_INCHES, _HEIGHT_INCHES, _DPI = 8.0, 4.5, 100


def _year_end(year: int) -> date:
    return date(year, 12, 31)


def path_points(spec: IndicatorSpec) -> list[tuple[date, float]]:
    """The straight path from the baseline (at its year's end) to the target (at the target year's end);
    none without both numbers and years, or when the baseline is not before the target year."""
    if (
        spec.baseline is None
        or spec.baseline_year is None
        or spec.target is None
        or spec.target_year is None
        or spec.baseline_year >= spec.target_year
    ):
        return []
    return [(_year_end(spec.baseline_year), spec.baseline), (_year_end(spec.target_year), spec.target)]


def running_means(values: Sequence[IndicatorValue]) -> list[list[tuple[date, float]]]:
    """Each year's running mean at the end of each of its periods (weighted by their days, as judged),
    one line per year."""
    years: dict[int, list[IndicatorValue]] = {}
    for value in values:
        years.setdefault(value.period.end.year, []).append(value)
    return [
        [(entries[i].period.end, running_mean(entries[: i + 1])) for i in range(len(entries))]
        for entries in years.values()
    ]


def indicator_chart(
    spec: IndicatorSpec,
    values: Sequence[IndicatorValue],
    as_of: date,
    renderer: Renderer,
    *,
    locale: str = DEFAULT_LOCALE,
) -> bytes | None:
    """The chart of `values` (one per period, oldest first) as PNG bytes; None when there is nothing to
    draw: no value and no numeric target."""
    if not values and spec.target is None:
        return None
    # matplotlib is imported here, not with the module, as in `reports.chart`: it is slow to import.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    font = FontProperties(fname=FONT_PATH)
    title, subtitle, axis, value_label, mean_label, target_label, path_label = lines(
        renderer, locale, "indicator_chart", spec=spec, as_of=as_of
    )
    figure = Figure(figsize=(_WIDTH_INCHES, _HEIGHT_INCHES), dpi=_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    path = path_points(spec)
    days = [v.period.end for v in values] + [day for day, _ in path]
    if spec.target_year is not None:
        days.append(_year_end(spec.target_year))
    # Days as their ordinals, the axis ticked at each year's first day with the year.
    if path:
        axes.plot(
            [day.toordinal() for day, _ in path],
            [level for _, level in path],
            color=PATH_COLOR,
            linestyle="--",
            label=path_label,
        )
    if spec.target is not None and days:
        first, last = min(days).toordinal(), max(days).toordinal()
        axes.hlines(spec.target, first, last, colors=TARGET_COLOR, label=target_label)
    if values:
        axes.plot(
            [v.period.end.toordinal() for v in values],
            [v.value for v in values],
            color=VALUE_COLOR,
            marker="o",
            markersize=4,
            label=value_label,
        )
    if spec.aggregation == Aggregation.ANNUAL_MEAN:
        for index, year in enumerate(running_means(values)):
            axes.plot(
                [day.toordinal() for day, _ in year],
                [level for _, level in year],
                color=MEAN_COLOR,
                linestyle=":",
                label=mean_label if index == 0 else None,
            )
    if days:
        years = range(min(days).year, max(days).year + 2)
        axes.set_xticks([date(year, 1, 1).toordinal() for year in years], labels=[str(y) for y in years])
    axes.set_ylabel(axis, fontproperties=font)
    figure.suptitle(title, fontproperties=font, fontsize=13)
    axes.set_title(subtitle, fontproperties=font, fontsize=9, loc="right")
    axes.legend(prop=font, fontsize=9, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
