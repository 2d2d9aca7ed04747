"""The Telegram application: typed context, resources opened in post_init and closed in post_shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import BotCommand
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes

from bot.config import Settings
from bot.context import BotContext, BotData, DubanApp
from bot.processing import PerChatUpdateProcessor
from bot.wiring import build_services
from handlers import register_all
from ledger.clock import Clock
from messages.render import LOCALES, Renderer


def menu(renderer: Renderer, locale: str) -> list[BotCommand]:
    """The command menu of one language, from the `chat/menu` template (`command - description` lines)."""
    commands = []
    for line in renderer.render(locale, "chat/menu").splitlines():
        name, _, description = line.partition(" - ")
        commands.append(BotCommand(name.strip(), description.strip()))
    return commands


def build_application(settings: Settings, *, clock: Clock | None = None) -> DubanApp:
    """The bot for `duban run`: Bot API root from the settings, rate limits, per-chat ordering."""
    if settings.telegram_token is None:
        raise ValueError("DUBAN_TELEGRAM_TOKEN is not set")

    async def post_init(application: DubanApp) -> None:
        services = build_services(settings, clock=clock)
        application.bot_data.attach(services)
        for locale in LOCALES:
            await application.bot.set_my_commands(
                menu(services.renderer, locale), language_code=None if locale == "zh_CN" else "en"
            )

    async def post_shutdown(application: DubanApp) -> None:
        services = application.bot_data.detach()
        if services is not None:
            services.close()

    context_types = ContextTypes(context=BotContext, bot_data=BotData)
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .context_types(context_types)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    application: DubanApp = builder.build()
    register_all(application)
    return application


@asynccontextmanager
async def polling(application: DubanApp, *, poll_timeout: int = 10) -> AsyncIterator[DubanApp]:
    """Run the application with long polling inside the caller's event loop, then stop it cleanly.

    `duban run` and the end-to-end tests both use this, so the tests drive the very code that runs.
    Stopping lets the updates in hand finish before resources close.
    """
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        updater = application.updater
        assert updater is not None
        await updater.start_polling(timeout=poll_timeout, drop_pending_updates=False)
        await application.start()
        try:
            yield application
        finally:
            await updater.stop()
            await application.stop()
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
