"""Rendering of the message templates in `messages/templates/<locale>/`.

Both locales hold the same keys; a missing variable is an error (StrictUndefined), never a blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ledger.clock import Clock, SystemClock
from ledger.indicators import number_text
from ledger.model import ImportNote

LOCALES: Final = ("zh_CN", "en")
DEFAULT_LOCALE: Final = "zh_CN"
TEMPLATE_DIR: Final = Path(__file__).parent / "templates"


def normalize_locale(value: str | None) -> str:
    """Map what a user or a Telegram client says (`zh`, `zh-hans`, `en-US`) to a supported locale."""
    if not value:
        return DEFAULT_LOCALE
    lowered = value.replace("-", "_").lower()
    if lowered.startswith("en"):
        return "en"
    return DEFAULT_LOCALE


def build_environment() -> Environment:
    """The one Jinja2 environment of the process."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["isodate"] = _isodate
    env.filters["number"] = number_text
    return env


def _isodate(value: date | None) -> str:
    return value.isoformat() if value is not None else "—"


class Renderer:
    """Renders a message key in a locale; `tz` is the zone instants are shown in. Every template may use
    `today` (the clock's day in `tz`): examples of dates are of this year, never a year written in."""

    def __init__(self, env: Environment, tz: ZoneInfo, clock: Clock | None = None) -> None:
        self._env = env
        self._tz = tz
        self._clock = clock or SystemClock()
        env.filters["localtime"] = self._localtime

    def render(self, locale: str, key: str, params: Mapping[str, Any] | None = None, /, **kw: Any) -> str:
        template = self._env.get_template(f"{normalize_locale(locale)}/{key}.j2")
        today = self._clock.now().astimezone(self._tz).date()
        return template.render({"today": today, **(params or {}), **kw}).strip()

    def label(self, locale: str, kind: str, key: str) -> str:
        """A short label from the locale's `_labels.j2` (`status`, `field`, `role`, `unit_role`)."""
        module = self._env.get_template(f"{normalize_locale(locale)}/_labels.j2").module
        return str(getattr(module, kind)(key)).strip()

    def note(self, locale: str, note: ImportNote) -> str:
        """An import warning or error, with its place in the file, in the user's language."""
        return self.render(
            locale,
            f"import/{note.code}",
            dict(note.params),
            location_line=note.location.line,
            location_row=note.location.row,
            item=note.item,
            field=self.label(locale, "field", note.field) if note.field else None,
        )

    def _localtime(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        return value.astimezone(self._tz).strftime("%Y-%m-%d %H:%M")


def template_keys(locale: str) -> set[str]:
    """Every template key of a locale (`import/unknown_field`, `cli/import_summary`, ...)."""
    root = TEMPLATE_DIR / locale
    # Files starting with "_" hold shared macros, not messages.
    return {
        p.relative_to(root).with_suffix("").as_posix()
        for p in root.rglob("*.j2")
        if not p.name.startswith("_")
    }
