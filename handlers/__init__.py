"""Chat handlers, one module per feature, each with `register(app)`."""

from __future__ import annotations

from bot.context import DubanApp
from handlers import account, fallback

# The fallback answers what nobody else took, so it is registered last.
FEATURES = (account, fallback)


def register_all(app: DubanApp) -> None:
    for feature in FEATURES:
        feature.register(app)
