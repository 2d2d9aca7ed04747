"""Everyone's commands: /start (with an invite code: binding), /help, /lang, /whoami. The welcome after
binding and /help say what the person's roles let them do; binding and a change of language set their
chat's command menu to match."""

from __future__ import annotations

from typing import Any

from handlers.common import Turn, refuse_stranger, requires, run, telegram_user, viewer_of
from handlers.menus import commands_for, sync_menus
from handlers.routes import OnCommand, Route
from ledger.access import Viewer
from messages.render import LOCALES, normalize_locale
from services.accounts import BindResult


async def start(turn: Turn) -> None:
    user = telegram_user(turn.event)
    viewer = await viewer_of(turn)
    if user is None or viewer is None:
        return
    code = turn.args[0] if turn.args else None
    if code is None:
        if viewer.is_stranger:
            await refuse_stranger(turn, viewer)
        else:
            await _help(turn, viewer, welcome=True)
            await _sync_menu(turn, viewer)
        return
    result, bound = await run(turn.services.accounts.bind, user, code)
    if bound is None:
        await turn.answer(viewer.locale, f"chat/bind_{result.value}")
        return
    identity = await run(_identity, turn, bound, result)
    await turn.answer(bound.locale, "chat/bind_done", {**identity, **_allowed(turn, bound)})
    await _sync_menu(turn, bound)


async def _sync_menu(turn: Turn, viewer: Viewer) -> None:
    """The person's chat shows the menu of their roles, in their language."""
    if viewer.person_id is not None:
        await sync_menus(turn.services, turn.port, [viewer.person_id])


def _identity(turn: Turn, viewer: Viewer, result: BindResult | None = None) -> dict[str, object]:
    units = turn.services.roster.unit_names(unit_id for _role, unit_id in viewer.roles if unit_id)
    roles = [
        (
            turn.services.renderer.label(viewer.locale, "role", role.value),
            units.get(unit_id) if unit_id else None,
        )
        for role, unit_id in sorted(viewer.roles, key=lambda r: (r[0].value, r[1] or 0))
    ]
    return {"name": viewer.name, "roles": roles, "already": result == BindResult.ALREADY_BOUND}


def _allowed(turn: Turn, viewer: Viewer) -> dict[str, Any]:
    """What the person's roles let them do: the commands (as the catalogue says them) and their names."""
    commands = commands_for(turn.services.renderer, viewer)
    return {
        "commands": commands,
        "allowed": {line.name for line in commands},
        "role_names": {role.value for role, _ in viewer.roles},
    }


async def _help(turn: Turn, viewer: Viewer, *, welcome: bool = False) -> None:
    chat = turn.event.chat
    if chat is not None and not chat.private:
        await turn.answer(viewer.locale, "chat/help_group", {"link": turn.port.bot_link()})
        return
    identity = await run(_identity, turn, viewer)
    await turn.answer(viewer.locale, "chat/help", {**identity, **_allowed(turn, viewer), "welcome": welcome})


@requires()
async def help_command(turn: Turn, viewer: Viewer) -> None:
    await _help(turn, viewer)


@requires()
async def lang(turn: Turn, viewer: Viewer) -> None:
    wanted = turn.args[0].lower() if turn.args else ""
    if wanted not in ("zh", "zh_cn", "cn", "中文", "en", "english"):
        await turn.answer(viewer.locale, "chat/lang_usage", {"locales": LOCALES})
        return
    locale = normalize_locale(wanted)
    updated = await run(turn.services.accounts.set_locale, viewer, locale)
    await turn.answer(updated.locale, "chat/lang_set")
    await _sync_menu(turn, updated)


@requires()
async def whoami(turn: Turn, viewer: Viewer) -> None:
    identity = await run(_identity, turn, viewer)
    await turn.answer(viewer.locale, "chat/whoami", {**identity, "telegram_id": viewer.telegram_user_id})


ROUTES: tuple[Route, ...] = (
    OnCommand(("start",), start, fields=1),
    OnCommand(("help",), help_command),
    OnCommand(("lang",), lang, fields=1),
    OnCommand(("whoami",), whoami),
)
