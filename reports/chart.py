"""Progress by responsible unit as a PNG: one horizontal bar of average percent per unit, coloured by how
the unit stands (green: on schedule or done, yellow: an item behind schedule, red: an item overdue), the
day it stands at under the title, Chinese labels in the Noto Sans CJK SC font the `mplfonts` package
ships (never a system font)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.reporting import TONES, UnitProgress
from messages.render import DEFAULT_LOCALE, Renderer
from reports.texts import lines

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FONT_PATH = Path(str(resources.files("mplfonts") / "fonts" / "NotoSansCJKsc-Regular.otf"))
TONE_COLORS = {"on_track": "#2e8b57", "behind": "#e0a800", "overdue": "#c0392b"}
_WIDTH_INCHES, _BAR_INCHES, _MARGIN_INCHES, _LEGEND_INCHES, _DPI = 8.0, 0.45, 2.2, 0.4, 100


def progress_figure(
    rows: Sequence[UnitProgress], as_of: date, renderer: Renderer, *, locale: str = DEFAULT_LOCALE
) -> Figure:
    """The chart as a figure, units top to bottom in the order given."""
    # matplotlib is imported here, not with the module: it is a quarter of `duban`'s start-up time, and
    # only the weekly summary, the demo and `duban report` draw a chart.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import Patch

    font = FontProperties(fname=FONT_PATH)
    title, subtitle, axis, *rest = lines(renderer, locale, "chart", rows=rows, as_of=as_of)
    legend, labels = rest[: len(TONES)], rest[len(TONES) :]
    height = _MARGIN_INCHES + _BAR_INCHES * max(len(rows), 1)
    figure = Figure(figsize=(_WIDTH_INCHES, height), dpi=_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(rows)))
    bars = axes.barh(
        positions,
        [row.average_percent for row in rows],
        color=[TONE_COLORS[row.tone] for row in rows],
        height=0.6,
    )
    axes.bar_label(bars, labels=labels, padding=4, fontproperties=font, fontsize=9)
    axes.set_yticks(positions, labels=[row.unit for row in rows], fontproperties=font, fontsize=10)
    axes.invert_yaxis()
    axes.set_xlim(0, 115)  # room for the labels right of a full bar
    axes.set_xticks(range(0, 101, 20))
    axes.set_xlabel(axis, fontproperties=font)
    figure.suptitle(title, fontproperties=font, fontsize=13)
    axes.set_title(subtitle, fontproperties=font, fontsize=9, loc="right")
    # The legend in a strip of its own at the foot of the figure, whatever the number of bars.
    figure.legend(
        handles=[
            Patch(color=TONE_COLORS[tone], label=text) for tone, text in zip(TONES, legend, strict=True)
        ],
        prop=font,
        loc="lower center",
        ncol=len(TONES),
        frameon=False,
    )
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout(rect=(0, _LEGEND_INCHES / height, 1, 1))
    return figure


def progress_chart(
    rows: Sequence[UnitProgress], as_of: date, renderer: Renderer, *, locale: str = DEFAULT_LOCALE
) -> bytes:
    """The chart as PNG bytes."""
    buffer = io.BytesIO()
    progress_figure(rows, as_of, renderer, locale=locale).savefig(buffer, format="png")
    return buffer.getvalue()
