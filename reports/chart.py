"""Progress by responsible unit as a PNG: one horizontal bar of average percent per unit, Chinese labels
in the Noto Sans CJK SC font the `mplfonts` package ships (never a system font)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.reporting import UnitProgress
from messages.render import DEFAULT_LOCALE, Renderer
from reports.texts import lines

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FONT_PATH = Path(str(resources.files("mplfonts") / "fonts" / "NotoSansCJKsc-Regular.otf"))
BAR_COLOR = "#c0392b"
_WIDTH_INCHES, _BAR_INCHES, _MARGIN_INCHES, _DPI = 8.0, 0.45, 1.6, 100


def progress_figure(
    rows: Sequence[UnitProgress], renderer: Renderer, *, locale: str = DEFAULT_LOCALE
) -> Figure:
    """The chart as a figure, units top to bottom in the order given."""
    # matplotlib is imported here, not with the module: it is a quarter of `duban`'s start-up time, and
    # only the weekly summary, the demo and `duban report` draw a chart.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    font = FontProperties(fname=FONT_PATH)
    title, axis, *labels = lines(renderer, locale, "chart", rows=rows)
    figure = Figure(figsize=(_WIDTH_INCHES, _MARGIN_INCHES + _BAR_INCHES * max(len(rows), 1)), dpi=_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(rows)))
    bars = axes.barh(positions, [row.average_percent for row in rows], color=BAR_COLOR, height=0.6)
    axes.bar_label(bars, labels=labels, padding=4, fontproperties=font, fontsize=9)
    axes.set_yticks(positions, labels=[row.unit for row in rows], fontproperties=font, fontsize=10)
    axes.invert_yaxis()
    axes.set_xlim(0, 115)  # room for the labels right of a full bar
    axes.set_xticks(range(0, 101, 20))
    axes.set_xlabel(axis, fontproperties=font)
    axes.set_title(title, fontproperties=font, fontsize=13)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def progress_chart(
    rows: Sequence[UnitProgress], renderer: Renderer, *, locale: str = DEFAULT_LOCALE
) -> bytes:
    """The chart as PNG bytes."""
    buffer = io.BytesIO()
    progress_figure(rows, renderer, locale=locale).savefig(buffer, format="png")
    return buffer.getvalue()
