"""Refusals a service gives: a message key and its parameters, rendered in the user's language."""

from __future__ import annotations

from typing import Any


class DubanError(Exception):
    """A request that cannot be done as asked; `code` names the template `errors/<code>`."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
