"""`/dossier N`: the sign-off dossier (销号材料) of an item as one .zip, answered as the command's reply (as
`/export` answers with the ledger): the 整改情况报告, the 验收意见, the 销号申请 once approved, the index of
the evidence and the files themselves. For the item's officers, leaders and supervisors. A dossier bigger
than a bot may send is refused, saying how to write it on the command line."""

from __future__ import annotations

from handlers.common import Turn, requires, run
from handlers.routes import OnCommand, Route
from ledger.access import Viewer
from ledger.dossier import MAX_SENT_BYTES, MAX_SENT_MEGABYTES
from ledger.errors import DubanError
from ledger.model import Role


@requires(Role.OFFICER, Role.LEADER, Role.SUPERVISOR)
async def dossier(turn: Turn, viewer: Viewer) -> None:
    if len(turn.args) != 1:
        raise DubanError("dossier/usage")
    written, data = await run(turn.services.dossiers.as_bytes, viewer, turn.args[0], viewer.locale)
    if len(data) > MAX_SENT_BYTES:
        megabytes = {"written": written, "megabytes": MAX_SENT_MEGABYTES}
        await turn.answer(viewer.locale, "chat/dossier/too_big", megabytes)
        return
    await turn.port.reply_document(
        data, written.file_name, turn.render(viewer.locale, "chat/dossier/caption", {"written": written})
    )


ROUTES: tuple[Route, ...] = (OnCommand(("dossier",), dossier),)
