"""`duban run`: the bot in the foreground, by long polling or behind a webhook, until SIGTERM or SIGINT.

On either signal it stops receiving updates, finishes the ones in hand, closes the store and exits 0.
The bot token and the webhook secret never reach a log line or an error message.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import signal
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from telegram.error import InvalidToken, TelegramError

from bot.app import build_application, polling, runtime_of, webhook
from bot.config import Settings
from bot.logs import configure_logging
from bot.telegram.context import DubanApp

_LOGGER = logging.getLogger(__name__)

Say = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class Listen:
    """Where the webhook's HTTP server listens (behind the reverse proxy that holds the public URL)."""

    host: str
    port: int


DEFAULT_LISTEN = Listen("127.0.0.1", 8443)


def parse_listen(value: str) -> Listen:
    """`HOST:PORT` (`[::1]:8443` for IPv6), for argparse."""
    host, _, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return Listen(host, int(port))


def serve(settings: Settings, *, webhook_url: str | None, listen: Listen, say: Say, complain: Say) -> int:
    """Run the bot until a signal; the exit code. `say` and `complain` print a template (stdout, stderr)."""
    if settings.telegram_token is None:
        complain("cli/no_token", {})
        return 2
    token = settings.telegram_token.get_secret_value()
    # Without a configured secret, a fresh one per start: it is handed to Telegram with setWebhook.
    secret = (
        settings.webhook_secret.get_secret_value() if settings.webhook_secret else secrets.token_urlsafe(32)
    )
    redactor = configure_logging([token, secret])
    try:
        asyncio.run(_serve_until_signal(settings, webhook_url, listen, secret, say))
    except InvalidToken:
        complain("cli/bad_token", {})
        return 2
    except TelegramError as error:
        complain("cli/telegram_failed", {"error": redactor.redact(str(error))})
        return 1
    say("cli/stopped", {})
    return 0


async def _serve_until_signal(
    settings: Settings, webhook_url: str | None, listen: Listen, secret: str, say: Say
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    try:
        application = build_application(settings)
        async with _receiving(application, webhook_url, listen, secret):
            say("cli/running", {"webhook": webhook_url})
            await stop.wait()
            _LOGGER.info("stop requested: finishing the updates in hand")
            # The day's run in hand stops after its current transaction (it goes on at the next start).
            jobs = runtime_of(application).jobs
            if jobs is not None:
                jobs.stop()
    finally:
        for number in signals:
            loop.remove_signal_handler(number)


def _receiving(
    application: DubanApp, webhook_url: str | None, listen: Listen, secret: str
) -> AbstractAsyncContextManager[DubanApp]:
    if webhook_url is None:
        return polling(application)
    return webhook(application, url=webhook_url, host=listen.host, port=listen.port, secret=secret)
