"""What an import did (or would do), as template parameters in the reader's language.

The command line (`cli/import_summary`) and the chat (`chat/admin/import_summary`) show the same facts.
"""

from __future__ import annotations

from typing import Any

from messages.render import Renderer
from services.ledger import ChangeKind, ImportOutcome


def import_summary_params(renderer: Renderer, locale: str, outcome: ImportOutcome) -> dict[str, Any]:
    return {
        "applied": outcome.applied,
        "new": outcome.count(ChangeKind.NEW),
        "new_numbers": [c.number for c in outcome.changes if c.kind == ChangeKind.NEW],
        "changed": [
            (c.number, [renderer.label(locale, "field", f) for f in c.fields])
            for c in outcome.changes
            if c.kind == ChangeKind.CHANGED
        ],
        "unchanged": outcome.count(ChangeKind.UNCHANGED),
        "new_units": outcome.new_units,
        "not_in_file": outcome.not_in_file,
        "warnings": [renderer.note(locale, n) for n in outcome.warnings],
        "errors": [renderer.note(locale, n) for n in outcome.errors],
        "read": outcome.read,
        "imported": len(outcome.changes),
        "merged": [renderer.note(locale, n) for n in outcome.merged],
        "skipped": [renderer.note(locale, n) for n in outcome.skipped],
        "unassigned": outcome.unassigned,
        "unreached": outcome.unreached,
        "kept_extensions": outcome.kept_extensions,
        "indicators": {
            "new": outcome.count_indicators(ChangeKind.NEW),
            "changed": [c.name for c in outcome.indicator_changes if c.kind == ChangeKind.CHANGED],
            "unchanged": outcome.count_indicators(ChangeKind.UNCHANGED),
        },
    }
