"""Chat handlers, one module per feature, each with its `ROUTES` (and a dialog's `DIALOG`), in Duban's
terms only: no chat platform is imported here (`bot/telegram/` is Telegram's adapter)."""

from __future__ import annotations

from handlers import (
    account,
    admin,
    complaints,
    digests,
    dossier,
    extensions,
    fallback,
    history,
    indicator_values,
    indicator_views,
    items,
    ledger_files,
    reminders,
    replies,
    report,
    reports,
    robots,
    settings,
    signoff,
    spotchecks,
    summonses,
)
from handlers.routes import Router

# The fallback answers what nobody else took, so it comes last. `ledger_files` comes before any handler
# of documents: a file captioned /import is an import, not evidence.
FEATURES = (
    account,
    admin,
    ledger_files,
    items,
    indicator_views,
    report,
    reminders,
    settings,
    complaints,
    signoff,
    dossier,
    extensions,
    spotchecks,
    summonses,
    indicator_values,
    history,
    digests,
    robots,
    reports,
    replies,
    fallback,
)
DIALOGS = (report.DIALOG, replies.DIALOG, signoff.DIALOG, spotchecks.DIALOG, summonses.DIALOG)
ROUTER = Router(
    tuple(route for feature in FEATURES for route in feature.ROUTES),
    {dialog.topic: dialog for dialog in DIALOGS},
)
