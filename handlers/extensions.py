"""Deadline extensions: `/extend N DATE reason…` by the item's officer or leader, and the supervisors'
Approve / Refuse buttons under the request."""

from __future__ import annotations

from handlers.common import Turn, requires, run
from handlers.routes import OnCommand, OnPress, Route
from ledger.access import Viewer
from ledger.buttons import ApproveExtension, RefuseExtension
from ledger.errors import DubanError
from ledger.model import Role


@requires(Role.OFFICER, Role.LEADER)
async def extend(turn: Turn, viewer: Viewer) -> None:
    arguments = " ".join(turn.args)
    if not arguments:
        raise DubanError("extension/usage")
    view = await run(turn.services.extensions.request, viewer, arguments)
    await turn.answer(viewer.locale, "chat/extension/requested", {"extension": view})


@requires(Role.SUPERVISOR)
async def decide(turn: Turn, viewer: Viewer, press: ApproveExtension | RefuseExtension) -> None:
    approve = isinstance(press, ApproveExtension)
    view = await run(turn.services.extensions.decide, viewer, press.extension_id, approve)
    await turn.close_buttons()
    await turn.answer(viewer.locale, "chat/extension/decided", {"extension": view})


ROUTES: tuple[Route, ...] = (
    OnCommand(("extend",), extend, fields=0),
    OnPress(ApproveExtension, decide),
    OnPress(RefuseExtension, decide),
)
