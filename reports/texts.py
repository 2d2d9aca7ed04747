"""The wording of the documents, rendered from `messages/templates/<locale>/reports/` with the process's one
renderer (passed in by the caller, never built here)."""

from __future__ import annotations

from typing import Any

from messages.render import Renderer


def text(renderer: Renderer, locale: str, key: str, **params: Any) -> str:
    """The text of `reports/<key>` in `locale`."""
    return renderer.render(locale, f"reports/{key}", params)


def lines(renderer: Renderer, locale: str, key: str, **params: Any) -> list[str]:
    """The text of `reports/<key>` in `locale`, one entry a line."""
    return text(renderer, locale, key, **params).splitlines()


def status_label(renderer: Renderer, locale: str, status: str) -> str:
    return renderer.label(locale, "status", status)
