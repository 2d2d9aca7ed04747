"""The admin's roster commands: /units, /unit_add, /unit_merge, /people, /person_add, /role, /deactivate,
/invite. A role granted or a person deactivated changes what their chat's command menu shows."""

from __future__ import annotations

from handlers.common import Turn, requires, run
from handlers.menus import sync_menus
from handlers.routes import OnCommand, Route
from ledger.access import Viewer
from ledger.errors import DubanError
from ledger.model import Role
from ledger.roster import parse_role
from services.invites import qr_png

# `/invite PERSON new` replaces a lost code; the old one stops working.
RENEW_WORDS = ("new", "新", "新码")


def _role(text: str) -> Role:
    role = parse_role(text)
    if role is None:
        raise DubanError("unknown_role", role=text)
    return role


async def usage(turn: Turn, viewer: Viewer, command: str) -> None:
    await turn.answer(viewer.locale, "chat/admin/usage", {"command": command})


@requires(Role.ADMIN)
async def units(turn: Turn, viewer: Viewer) -> None:
    summaries = await run(turn.services.roster.units)
    await turn.answer(viewer.locale, "chat/admin/units", {"units": summaries})


@requires(Role.ADMIN)
async def unit_add(turn: Turn, viewer: Viewer) -> None:
    name = " ".join(turn.args)
    if not name:
        await usage(turn, viewer, "unit_add")
        return
    unit = await run(turn.services.roster.add_unit, name, actor=viewer.actor)
    await turn.answer(viewer.locale, "chat/admin/unit_added", {"name": unit.name})


@requires(Role.ADMIN)
async def unit_merge(turn: Turn, viewer: Viewer) -> None:
    """`/unit_merge A B`: unit A (or the name A) is unit B from now on."""
    args = turn.args
    if len(args) != 2:
        await usage(turn, viewer, "unit_merge")
        return
    merged = await run(turn.services.units.merge, args[0], args[1], actor=viewer.actor)
    await turn.answer(viewer.locale, "chat/admin/units_merged", {"merged": merged})


@requires(Role.ADMIN)
async def people(turn: Turn, viewer: Viewer) -> None:
    unit = " ".join(turn.args) or None
    listed = await run(turn.services.roster.people, unit)
    await turn.answer(viewer.locale, "chat/admin/people", {"people": listed, "unit": unit})


@requires(Role.ADMIN)
async def person_add(turn: Turn, viewer: Viewer) -> None:
    args = turn.args
    if len(args) not in (2, 3):
        await usage(turn, viewer, "person_add")
        return
    # NAME UNIT ROLE, or NAME ROLE for the roles without a unit (leadership, admin).
    name, unit, role_text = (args[0], args[1], args[2]) if len(args) == 3 else (args[0], None, args[1])
    person = await run(
        turn.services.roster.add_person, name, unit=unit, role=_role(role_text), actor=viewer.actor
    )
    link = turn.port.invite_link(person.invite_code) if person.invite_code else None
    await turn.answer(viewer.locale, "chat/admin/person_added", {"person": person, "link": link})


@requires(Role.ADMIN)
async def role(turn: Turn, viewer: Viewer) -> None:
    args = turn.args
    if len(args) not in (2, 3):
        await usage(turn, viewer, "role")
        return
    person_ref, role_text, unit = args[0], args[1], (args[2] if len(args) == 3 else None)
    person = await run(
        turn.services.roster.grant_role, person_ref, _role(role_text), unit, actor=viewer.actor
    )
    await turn.answer(viewer.locale, "chat/admin/role_granted", {"person": person})
    await sync_menus(turn.services, turn.port, [person.id])


@requires(Role.ADMIN)
async def deactivate(turn: Turn, viewer: Viewer) -> None:
    args = turn.args
    if len(args) != 1:
        await usage(turn, viewer, "deactivate")
        return
    person = await run(
        turn.services.roster.deactivate, args[0], actor=viewer.actor, actor_person_id=viewer.person_id
    )
    await turn.answer(viewer.locale, "chat/admin/deactivated", {"person": person})
    await sync_menus(turn.services, turn.port, [person.id])


@requires(Role.ADMIN)
async def invite(turn: Turn, viewer: Viewer) -> None:
    args = turn.args
    if len(args) not in (1, 2) or (len(args) == 2 and args[1].lower() not in RENEW_WORDS):
        await usage(turn, viewer, "invite")
        return
    person = await run(turn.services.roster.invite, args[0], renew=len(args) == 2, actor=viewer.actor)
    assert person.invite_code is not None
    link = turn.port.invite_link(person.invite_code)
    caption = turn.render(
        viewer.locale, "chat/admin/invite", {"person": person, "link": link, "renewed": len(args) == 2}
    )
    await turn.port.reply_photo(await run(qr_png, link), caption)


ROUTES: tuple[Route, ...] = (
    OnCommand(("units",), units),
    OnCommand(("unit_add",), unit_add, fields=0),
    OnCommand(("unit_merge",), unit_merge, fields=2),
    OnCommand(("people",), people, fields=0),
    OnCommand(("person_add",), person_add, fields=3),
    OnCommand(("role",), role, fields=3),
    OnCommand(("deactivate",), deactivate, fields=1),
    OnCommand(("invite",), invite, fields=1),
)
