"""Chat handlers, one module per feature, each with `register(app)`."""

from __future__ import annotations

from bot.context import DubanApp
from handlers import account, admin, evidence, fallback, items, ledger_files, reminders, report

# The fallback answers what nobody else took, so it is registered last. `ledger_files` comes before any
# handler of documents: a file captioned /import is an import, not evidence.
FEATURES = (account, admin, ledger_files, items, report, reminders, evidence, fallback)


def register_all(app: DubanApp) -> None:
    for feature in FEATURES:
        feature.register(app)
