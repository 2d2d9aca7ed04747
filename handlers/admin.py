"""The admin's roster commands: /units, /unit_add, /unit_merge, /people, /person_add, /role, /deactivate,
/invite."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext, DubanApp
from handlers.common import Command, answer, requires, run
from ledger.access import Viewer
from ledger.model import Role
from ledger.roster import parse_role
from services.errors import DubanError
from services.invites import deep_link, qr_png

# `/invite PERSON new` replaces a lost code; the old one stops working.
RENEW_WORDS = ("new", "新", "新码")


def actor_of(viewer: Viewer) -> str:
    """How the audit log names a person acting through Telegram."""
    return f"tg:{viewer.telegram_user_id}"


def _args(context: BotContext) -> list[str]:
    return list(context.args or [])


def _role(text: str) -> Role:
    role = parse_role(text)
    if role is None:
        raise DubanError("unknown_role", role=text)
    return role


async def usage(update: Update, context: BotContext, viewer: Viewer, command: str) -> None:
    await answer(update, context, viewer.locale, "chat/admin/usage", {"command": command})


@requires(Role.ADMIN)
async def units(update: Update, context: BotContext, viewer: Viewer) -> None:
    summaries = await run(context.services.roster.units)
    await answer(update, context, viewer.locale, "chat/admin/units", {"units": summaries})


@requires(Role.ADMIN)
async def unit_add(update: Update, context: BotContext, viewer: Viewer) -> None:
    name = " ".join(_args(context))
    if not name:
        await usage(update, context, viewer, "unit_add")
        return
    unit = await run(context.services.roster.add_unit, name, actor=actor_of(viewer))
    await answer(update, context, viewer.locale, "chat/admin/unit_added", {"name": unit.name})


@requires(Role.ADMIN)
async def unit_merge(update: Update, context: BotContext, viewer: Viewer) -> None:
    """`/unit_merge A B`: unit A (or the name A) is unit B from now on."""
    args = _args(context)
    if len(args) != 2:
        await usage(update, context, viewer, "unit_merge")
        return
    merged = await run(context.services.units.merge, args[0], args[1], actor=actor_of(viewer))
    await answer(update, context, viewer.locale, "chat/admin/units_merged", {"merged": merged})


@requires(Role.ADMIN)
async def people(update: Update, context: BotContext, viewer: Viewer) -> None:
    unit = " ".join(_args(context)) or None
    listed = await run(context.services.roster.people, unit)
    await answer(update, context, viewer.locale, "chat/admin/people", {"people": listed, "unit": unit})


@requires(Role.ADMIN)
async def person_add(update: Update, context: BotContext, viewer: Viewer) -> None:
    args = _args(context)
    if len(args) not in (2, 3):
        await usage(update, context, viewer, "person_add")
        return
    # NAME UNIT ROLE, or NAME ROLE for the roles without a unit (leadership, admin).
    name, unit, role_text = (args[0], args[1], args[2]) if len(args) == 3 else (args[0], None, args[1])
    person = await run(
        context.services.roster.add_person, name, unit=unit, role=_role(role_text), actor=actor_of(viewer)
    )
    link = deep_link(context.bot.username, person.invite_code) if person.invite_code else None
    await answer(update, context, viewer.locale, "chat/admin/person_added", {"person": person, "link": link})


@requires(Role.ADMIN)
async def role(update: Update, context: BotContext, viewer: Viewer) -> None:
    args = _args(context)
    if len(args) not in (2, 3):
        await usage(update, context, viewer, "role")
        return
    person_ref, role_text, unit = args[0], args[1], (args[2] if len(args) == 3 else None)
    person = await run(
        context.services.roster.grant_role, person_ref, _role(role_text), unit, actor=actor_of(viewer)
    )
    await answer(update, context, viewer.locale, "chat/admin/role_granted", {"person": person})


@requires(Role.ADMIN)
async def deactivate(update: Update, context: BotContext, viewer: Viewer) -> None:
    args = _args(context)
    if len(args) != 1:
        await usage(update, context, viewer, "deactivate")
        return
    person = await run(
        context.services.roster.deactivate,
        args[0],
        actor=actor_of(viewer),
        actor_person_id=viewer.person_id,
    )
    await answer(update, context, viewer.locale, "chat/admin/deactivated", {"person": person})


@requires(Role.ADMIN)
async def invite(update: Update, context: BotContext, viewer: Viewer) -> None:
    args = _args(context)
    message = update.effective_message
    if message is None:
        return
    if len(args) not in (1, 2) or (len(args) == 2 and args[1].lower() not in RENEW_WORDS):
        await usage(update, context, viewer, "invite")
        return
    person = await run(context.services.roster.invite, args[0], renew=len(args) == 2, actor=actor_of(viewer))
    assert person.invite_code is not None
    link = deep_link(context.bot.username, person.invite_code)
    caption = context.services.renderer.render(
        viewer.locale, "chat/admin/invite", {"person": person, "link": link, "renewed": len(args) == 2}
    )
    await message.reply_photo(await run(qr_png, link), caption=caption)


def register(app: DubanApp) -> None:
    app.add_handler(CommandHandler("units", units))
    app.add_handler(Command("unit_add", unit_add, fields=0))
    app.add_handler(Command("unit_merge", unit_merge, fields=2))
    app.add_handler(Command("people", people, fields=0))
    app.add_handler(Command("person_add", person_add, fields=3))
    app.add_handler(Command("role", role, fields=3))
    app.add_handler(Command("deactivate", deactivate, fields=1))
    app.add_handler(Command("invite", invite, fields=1))
