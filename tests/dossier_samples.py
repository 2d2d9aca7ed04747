"""Sample parameters of the approval's opinion (`/approve`, the question under 同意销号)."""

from __future__ import annotations

from typing import Any

DOSSIER_SAMPLES: dict[str, dict[str, Any]] = {
    "chat/signoff/ask_opinion": {"number": "24.1"},
    "errors/signoff/approve_usage": {},
}
