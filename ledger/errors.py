"""Refusals: a request that cannot be done as asked, named by a message key and its parameters.

One base for every layer: the domain's rules raise it (or a subclass saying which rules refused), the
services raise it, and the chat handlers and the command line render `errors/<code>` with `params` in
the user's language. Nothing is changed by a refused request.
"""

from __future__ import annotations

from typing import Any


class DubanError(Exception):
    """A request that cannot be done as asked; `code` names the template `errors/<code>`, `params` fill it."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
