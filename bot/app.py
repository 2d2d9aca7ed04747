"""The Telegram application: typed context, resources opened in post_init and closed in post_shutdown."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, Updater

from bot.chat_state import CHAT_STATE_FILE, ChatStateFile, SetAside
from bot.config import Settings
from bot.jobs import OutboxJobs
from bot.processing import PerChatUpdateProcessor
from bot.telegram.context import BotContext, BotData, DubanApp
from bot.telegram.routes import register
from bot.wiring import Duban, Overrides, build
from handlers import ROUTER
from handlers.common import run
from messages.render import LOCALES, Renderer, normalize_locale
from services.container import Services

_LOGGER = logging.getLogger(__name__)


def menu(renderer: Renderer, locale: str) -> list[BotCommand]:
    """The command menu of one language, from the `chat/menu` template (`command - description` lines)."""
    commands = []
    for line in renderer.render(locale, "chat/menu").splitlines():
        name, _, description = line.partition(" - ")
        commands.append(BotCommand(name.strip(), description.strip()))
    return commands


class RuntimeData(BotData):
    """The application's shared data as the bot layer sees it: the handlers' services, and the whole built
    process with its outbox jobs (the tick, the sender)."""

    def __init__(self) -> None:
        super().__init__()
        self.duban: Duban | None = None
        self.jobs: OutboxJobs | None = None


def runtime_of(application: DubanApp) -> RuntimeData:
    data = application.bot_data
    assert isinstance(data, RuntimeData)
    return data


def built(application: DubanApp) -> Duban:
    """The process an initialized application runs: services, sender, settings."""
    duban = runtime_of(application).duban
    if duban is None:
        raise RuntimeError("the application is not initialized")
    return duban


def build_application(
    settings: Settings,
    overrides: Overrides | None = None,
    *,
    rate_limited: bool = True,
    scheduled: bool = True,
) -> DubanApp:
    """The bot for `duban run`: Bot API root from the settings, rate limits, per-chat ordering; the
    services built by the composition root with `overrides` when the application initializes.

    `rate_limited=False` drops Telegram's limits (30 messages a second overall): only for measuring the
    bot's own capacity against the loopback server, which Telegram would not let through.
    `scheduled=False` leaves the tick and the drain jobs off: the demo and the tests drive them by hand
    (the outbox jobs are still opened, so `runtime_of(app).jobs.bot` sends what they drain).
    """
    if settings.telegram_token is None:
        raise ValueError("DUBAN_TELEGRAM_TOKEN is not set")

    async def post_init(application: DubanApp) -> None:
        runtime = runtime_of(application)
        duban = build(settings, overrides)
        runtime.duban = duban
        # What people are in the middle of (a guided report, the reason a reviewer was asked for, the
        # deadline a reopening waits for), kept under the data folder so that a restart does not drop it.
        memory, set_aside = ChatStateFile(settings.data_dir / CHAT_STATE_FILE).load(
            duban.services.office.now()
        )
        if set_aside is not None:
            await tell_admins_state_set_aside(duban.services, set_aside)
        runtime.attach(duban.services, memory)
        for locale in LOCALES:
            await application.bot.set_my_commands(
                menu(duban.services.renderer, locale), language_code=None if locale == "zh_CN" else "en"
            )
        runtime.jobs = OutboxJobs(duban)
        if scheduled:
            await runtime.jobs.start(application)
        else:
            await runtime.jobs.open()

    async def post_shutdown(application: DubanApp) -> None:
        runtime = runtime_of(application)
        if runtime.jobs is not None:
            await runtime.jobs.close()
        runtime.detach()
        if runtime.duban is not None:
            runtime.duban.close()
            runtime.duban = None

    context_types = ContextTypes(context=BotContext, bot_data=RuntimeData)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .context_types(context_types)
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if rate_limited:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    application: DubanApp = builder.build()
    register(application, ROUTER)
    application.add_error_handler(report_error)
    return application


async def tell_admins_state_set_aside(services: Services, set_aside: SetAside) -> None:
    """The admins learn (once: the file is gone from its place) that the conversations under way were lost."""
    name = set_aside.path.name if set_aside.path is not None else None
    await run(
        services.office.tell_admins,
        f"chat_state:{name or services.office.now().isoformat()}",
        "chat_state_damaged",
        {"reason": set_aside.reason[:200], "set_aside": name},
    )


async def report_error(update: object, context: BotContext) -> None:
    """Log what a handler raised (through the redacting log handler), and tell the user it failed.

    A user who blocked the bot (403) is no fault of ours and gets one line without a traceback; when
    Telegram cannot be reached the user cannot be told either.
    """
    error = context.error
    known = update if isinstance(update, Update) else None  # None for a failed job
    chat = known.effective_chat if known else None
    chat_id = chat.id if chat else None
    if isinstance(error, Forbidden):
        _LOGGER.info("chat %s refused a message: %s", chat_id, error)
        return
    _LOGGER.error("update %s in chat %s failed", known.update_id if known else None, chat_id, exc_info=error)
    message = known.effective_message if known else None
    if message is None or (isinstance(error, NetworkError) and not isinstance(error, BadRequest)):
        return
    user = known.effective_user if known else None
    try:
        await message.reply_text(
            context.services.renderer.render(
                normalize_locale(user.language_code if user else None), "chat/failed"
            )
        )
    except TelegramError as failure:
        _LOGGER.warning("could not tell chat %s that handling failed: %s", chat_id, failure)


@asynccontextmanager
async def _running(
    application: DubanApp,
    start: Callable[[Updater], Awaitable[object]],
    stop: Callable[[Updater], Awaitable[None]],
) -> AsyncIterator[DubanApp]:
    """Initialize, attach the services, start receiving updates; on leaving, stop receiving, let the
    updates in hand finish, and close the resources."""
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        updater = application.updater
        assert updater is not None
        await start(updater)
        await application.start()
        try:
            yield application
        finally:
            await stop(updater)
            await application.stop()
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


@asynccontextmanager
async def polling(application: DubanApp, *, poll_timeout: int = 10) -> AsyncIterator[DubanApp]:
    """Run the application with long polling inside the caller's event loop, then stop it cleanly.

    `duban run` and the end-to-end tests both use this, so the tests drive the very code that runs.
    Stopping lets the updates in hand finish before resources close.
    """

    async def start(updater: Updater) -> None:
        await updater.start_polling(timeout=poll_timeout, drop_pending_updates=False)

    async def stop(updater: Updater) -> None:
        await updater.stop()

    async with _running(application, start, stop):
        yield application


@asynccontextmanager
async def webhook(
    application: DubanApp, *, url: str, host: str, port: int, secret: str
) -> AsyncIterator[DubanApp]:
    """Run the application behind a webhook: Telegram posts updates to `url` (usually a reverse proxy in
    front of `host:port`); a request without the header `X-Telegram-Bot-Api-Secret-Token: <secret>` is
    refused with 403.

    On leaving, the webhook is deleted: Telegram then keeps the updates (for up to 24 hours) until the
    bot starts again, polling or behind a webhook, instead of retrying deliveries to a dead address.
    """

    async def start(updater: Updater) -> None:
        await updater.start_webhook(
            listen=host,
            port=port,
            url_path=urlsplit(url).path,
            webhook_url=url,
            secret_token=secret,
            drop_pending_updates=False,
        )

    async def stop(updater: Updater) -> None:
        await updater.stop()
        try:
            await updater.bot.delete_webhook(drop_pending_updates=False)
        except TelegramError as error:
            _LOGGER.warning("could not delete the webhook: %s", error)

    async with _running(application, start, stop):
        yield application
