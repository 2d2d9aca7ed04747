"""Chat handlers, one module per feature, each with `register(app)`."""

from __future__ import annotations

from handlers import (
    account,
    admin,
    complaints,
    digests,
    evidence,
    extensions,
    fallback,
    history,
    items,
    ledger_files,
    reminders,
    report,
    reports,
    settings,
    signoff,
    spotchecks,
)
from handlers.context import DubanApp

# The fallback answers what nobody else took, so it is registered last. `ledger_files` comes before any
# handler of documents: a file captioned /import is an import, not evidence.
FEATURES = (
    account,
    admin,
    ledger_files,
    items,
    report,
    reminders,
    settings,
    complaints,
    signoff,
    extensions,
    spotchecks,
    history,
    digests,
    reports,
    evidence,
    fallback,
)


def register_all(app: DubanApp) -> None:
    for feature in FEATURES:
        feature.register(app)
