"""Public complaints (群众举报件): /complaints for supervisors, leadership and admins; /complaint_add for admins."""

from __future__ import annotations

from handlers.common import Turn, requires, run
from handlers.routes import OnCommand, Route
from ledger.access import Viewer
from ledger.model import Role


@requires(Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN)
async def complaints(turn: Turn, viewer: Viewer) -> None:
    views = await run(turn.services.complaints.open_complaints, viewer)
    await turn.answer(viewer.locale, "chat/complaints/list", {"complaints": views})


@requires(Role.ADMIN)
async def complaint_add(turn: Turn, viewer: Viewer) -> None:
    """`/complaint_add NUMBER UNIT DEADLINE text…`"""
    if len(turn.args) < 4:
        await turn.answer(viewer.locale, "chat/complaints/add_usage")
        return
    number, unit, deadline, *words = turn.args
    added = await run(turn.services.complaints.add, viewer, number, unit, deadline, " ".join(words))
    await turn.answer(viewer.locale, "chat/complaints/added", {"added": added})


ROUTES: tuple[Route, ...] = (
    OnCommand(("complaints",), complaints),
    OnCommand(("complaint_add",), complaint_add, fields=3),
)
