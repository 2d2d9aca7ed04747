"""The 约谈通知 and 问题线索移送函 drafts (.docx), laid out as the dispatch notice is (GB/T 9704-2012, by
`reports.dossier.document`), from `ledger.drafts.LadderDraft`."""

from __future__ import annotations

from ledger.drafts import LadderDraft
from messages.render import Renderer
from reports.dossier import document
from reports.texts import lines

# The level's draft: which template, and which of the names in `reports/draft_names`.
_DRAFTS = {"summons": ("draft_summons", 0), "referral": ("draft_referral", 1)}


def ladder_draft(kind: str, draft: LadderDraft, renderer: Renderer, locale: str) -> tuple[str, bytes]:
    """The file name and the .docx of the draft for the proposal `kind` (`summons` or `referral`)."""
    key, position = _DRAFTS[kind]
    name = lines(renderer, locale, "draft_names", number=draft.number)[position]
    return name, document(lines(renderer, locale, key, draft=draft), locale)
