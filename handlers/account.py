"""Everyone's commands: /start (with an invite code: binding), /help, /lang, /whoami."""

from __future__ import annotations

from handlers.common import Turn, refuse_stranger, requires, run, telegram_user, viewer_of
from handlers.routes import OnCommand, Route
from ledger.access import Viewer
from ledger.model import Role
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
        return
    result, bound = await run(turn.services.accounts.bind, user, code)
    if bound is None:
        await turn.answer(viewer.locale, f"chat/bind_{result.value}")
        return
    await turn.answer(bound.locale, "chat/bind_done", await run(_identity, turn, bound, result))


def _identity(turn: Turn, viewer: Viewer, result: BindResult | None = None) -> dict[str, object]:
    units = turn.services.roster.unit_names()
    roles = [
        (
            turn.services.renderer.label(viewer.locale, "role", role.value),
            units.get(unit_id) if unit_id else None,
        )
        for role, unit_id in sorted(viewer.roles, key=lambda r: (r[0].value, r[1] or 0))
    ]
    return {"name": viewer.name, "roles": roles, "already": result == BindResult.ALREADY_BOUND}


async def _help(turn: Turn, viewer: Viewer, *, welcome: bool = False) -> None:
    await turn.answer(
        viewer.locale,
        "chat/help",
        {
            "welcome": welcome,
            "name": viewer.name,
            "officer": viewer.has(Role.OFFICER, Role.LEADER, Role.ADMIN),
            "overseer": viewer.has(Role.LEADER, Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN),
            "admin": viewer.has(Role.ADMIN),
        },
    )


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
