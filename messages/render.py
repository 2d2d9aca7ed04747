"""Rendering of the message templates in `messages/templates/<locale>/`.

Both locales hold the same keys; a missing variable is an error (StrictUndefined), never a blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, nodes

from ledger.clock import Clock, SystemClock
from ledger.indicators import number_text
from ledger.model import ImportNote

LOCALES: Final = ("zh_CN", "en")
DEFAULT_LOCALE: Final = "zh_CN"
TEMPLATE_DIR: Final = Path(__file__).parent / "templates"
_STAND_IN: Final = "\ue000"  # a private-use character: no item number holds it


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
        # The templates are package data: they do not change while the process runs, so a template is
        # not checked against its file (a stat per render) each time it is used.
        auto_reload=False,
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
        self._labels: dict[tuple[str, str, str], str] = {}
        # `numbered`'s templates as rendered with a stand-in, for one day (`today` may be in them).
        self._numbered_day: date | None = None
        self._numbered: dict[tuple[str, str, tuple[tuple[str, str], ...]], tuple[str, str] | tuple[()]] = {}
        env.filters["localtime"] = self._localtime

    def render(self, locale: str, key: str, params: Mapping[str, Any] | None = None, /, **kw: Any) -> str:
        template = self._env.get_template(f"{normalize_locale(locale)}/{key}.j2")
        today = self._clock.now().astimezone(self._tz).date()
        return template.render({"today": today, **(params or {}), **kw}).strip()

    def numbered(self, locale: str, key: str, number: str, **params: str) -> str:
        """A short template that names an item by its number ("第24.1项 立即报送"), as `render` would give it.

        Such labels go under thousands of messages a day. A template that prints the number once, as given
        (`{{ number }}`, no filter, test or branch on it, nothing included), is rendered once per locale, key
        and other parameters with a stand-in for the number, which is then filled in; any other is rendered
        each time."""
        today = self._clock.now().astimezone(self._tz).date()
        if today != self._numbered_day:
            self._numbered_day = today
            self._numbered.clear()
        cache_key = (locale, key, tuple(sorted(params.items())))
        parts = self._numbered.get(cache_key)
        if parts is None:
            template = f"{normalize_locale(locale)}/{key}.j2"
            pieces = self.render(locale, key, params, number=_STAND_IN).split(_STAND_IN)
            plain = len(pieces) == 2 and _prints_once_as_given(self._env, template, "number")
            parts = self._numbered[cache_key] = (pieces[0], pieces[1]) if plain else ()
        if not parts:
            return self.render(locale, key, params, number=number)
        # `render` strips the whole text: the same, whatever the number.
        return f"{parts[0]}{number}{parts[1]}".strip()

    def label(self, locale: str, kind: str, key: str) -> str:
        """A short label from the locale's `_labels.j2` (`status`, `field`, `role`, `unit_role`)."""
        cached = self._labels.get((locale, kind, key))
        if cached is None:
            module = self._env.get_template(f"{normalize_locale(locale)}/_labels.j2").module
            cached = self._labels[(locale, kind, key)] = str(getattr(module, kind)(key)).strip()
        return cached

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


def _prints_once_as_given(env: Environment, template: str, variable: str) -> bool:
    """Whether the template's source uses `variable` only once, as a plain `{{ variable }}`, and includes,
    imports or calls nothing that could use it elsewhere."""
    assert env.loader is not None
    source, _name, _uptodate = env.loader.get_source(env, template)
    tree = env.parse(source)
    if any(
        True
        for _node in tree.find_all(
            (
                nodes.Include,
                nodes.Import,
                nodes.FromImport,
                nodes.Extends,
                nodes.Macro,
                nodes.CallBlock,
                nodes.Call,
            )
        )
    ):
        return False
    uses = [name for name in tree.find_all(nodes.Name) if name.name == variable]
    printed = [
        child
        for output in tree.find_all(nodes.Output)
        for child in output.nodes
        if isinstance(child, nodes.Name) and child.name == variable
    ]
    return len(uses) == 1 and len(printed) == 1


def template_keys(locale: str) -> set[str]:
    """Every template key of a locale (`import/unknown_field`, `cli/import_summary`, ...)."""
    root = TEMPLATE_DIR / locale
    # Files starting with "_" hold shared macros, not messages.
    return {
        p.relative_to(root).with_suffix("").as_posix()
        for p in root.rglob("*.j2")
        if not p.name.startswith("_")
    }
