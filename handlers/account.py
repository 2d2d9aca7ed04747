"""Everyone's commands: /start (with an invite code: binding), /help, /lang, /whoami."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext, DubanApp
from handlers.common import Command, answer, refuse_stranger, requires, run, telegram_user, viewer_of
from ledger.access import Viewer
from ledger.model import Role
from messages.render import LOCALES, normalize_locale
from services.accounts import BindResult


async def start(update: Update, context: BotContext) -> None:
    user = telegram_user(update)
    viewer = await viewer_of(update, context)
    if user is None or viewer is None:
        return
    code = context.args[0] if context.args else None
    if code is None:
        if viewer.is_stranger:
            await refuse_stranger(update, context, viewer)
        else:
            await _help(update, context, viewer, welcome=True)
        return
    result, bound = await run(context.services.accounts.bind, user, code)
    if bound is None:
        await answer(update, context, viewer.locale, f"chat/bind_{result.value}")
        return
    await answer(
        update, context, bound.locale, "chat/bind_done", await run(_identity, context, bound, result)
    )


def _identity(context: BotContext, viewer: Viewer, result: BindResult | None = None) -> dict[str, object]:
    units = context.services.roster.unit_names()
    roles = [
        (
            context.services.renderer.label(viewer.locale, "role", role.value),
            units.get(unit_id) if unit_id else None,
        )
        for role, unit_id in sorted(viewer.roles, key=lambda r: (r[0].value, r[1] or 0))
    ]
    return {"name": viewer.name, "roles": roles, "already": result == BindResult.ALREADY_BOUND}


async def _help(update: Update, context: BotContext, viewer: Viewer, *, welcome: bool = False) -> None:
    await answer(
        update,
        context,
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
async def help_command(update: Update, context: BotContext, viewer: Viewer) -> None:
    await _help(update, context, viewer)


@requires()
async def lang(update: Update, context: BotContext, viewer: Viewer) -> None:
    wanted = context.args[0].lower() if context.args else ""
    if wanted not in ("zh", "zh_cn", "cn", "中文", "en", "english"):
        await answer(update, context, viewer.locale, "chat/lang_usage", {"locales": LOCALES})
        return
    locale = normalize_locale(wanted)
    updated = await run(context.services.accounts.set_locale, viewer, locale)
    await answer(update, context, updated.locale, "chat/lang_set")


@requires()
async def whoami(update: Update, context: BotContext, viewer: Viewer) -> None:
    identity = await run(_identity, context, viewer)
    await answer(
        update, context, viewer.locale, "chat/whoami", {**identity, "telegram_id": viewer.telegram_user_id}
    )


def register(app: DubanApp) -> None:
    app.add_handler(Command("start", start, fields=1))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(Command("lang", lang, fields=1))
    app.add_handler(CommandHandler("whoami", whoami))
