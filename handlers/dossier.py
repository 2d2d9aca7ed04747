"""`/dossier N`: the sign-off dossier (销号材料) of an item as one .zip, answered as the command's reply (as
`/export` answers with the ledger): the 整改情况报告, the 验收意见, the 销号申请 once approved, the index of
the evidence and the files themselves. For the item's officers, leaders and supervisors."""

from __future__ import annotations

from handlers.common import Turn, requires, run
from handlers.routes import OnCommand, Route
from ledger.access import Viewer
from ledger.errors import DubanError
from ledger.model import Role


@requires(Role.OFFICER, Role.LEADER, Role.SUPERVISOR)
async def dossier(turn: Turn, viewer: Viewer) -> None:
    if len(turn.args) != 1:
        raise DubanError("dossier/usage")
    written, data = await run(turn.services.dossiers.as_bytes, viewer, turn.args[0], viewer.locale)
    await turn.port.reply_document(
        data, written.file_name, turn.render(viewer.locale, "chat/dossier/caption", {"written": written})
    )


ROUTES: tuple[Route, ...] = (OnCommand(("dossier",), dossier),)
