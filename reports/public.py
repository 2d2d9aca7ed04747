"""The public disclosure page (信息公开): one self-contained HTML file of the items, their units,
deadlines, status and percent; no names of people, every text escaped."""

from __future__ import annotations

from ledger.reporting import PublicReport
from messages.render import DEFAULT_LOCALE, Renderer
from reports.texts import text


def public_page(report: PublicReport, renderer: Renderer, *, locale: str = DEFAULT_LOCALE) -> str:
    return text(renderer, locale, "public", report=report) + "\n"
