"""The wording of the documents, rendered from `messages/templates/<locale>/reports/`."""

from __future__ import annotations

import functools
from typing import Any
from zoneinfo import ZoneInfo

from messages.render import Renderer, build_environment

# The documents show dates only, never instants: the zone is not used.
_ZONE = ZoneInfo("Asia/Shanghai")


@functools.cache
def _renderer() -> Renderer:
    return Renderer(build_environment(), _ZONE)


def text(locale: str, key: str, **params: Any) -> str:
    """The text of `reports/<key>` in `locale`."""
    return _renderer().render(locale, f"reports/{key}", params)


def lines(locale: str, key: str, **params: Any) -> list[str]:
    """The text of `reports/<key>` in `locale`, one entry a line."""
    return text(locale, key, **params).splitlines()


def status_label(locale: str, status: str) -> str:
    return _renderer().label(locale, "status", status)
