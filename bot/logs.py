"""Logging set-up that never lets the bot token reach a log line."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TextIO

REDACTED = "<token>"
# The group robots' credentials are in the store, not known when logging starts: they are redacted by their
# form (WeCom's `key=`, DingTalk's `access_token=` and its signature, Feishu's hook id, DingTalk's SEC… 加签
# secret), wherever a request URL or a message's text carries them.
ROBOT_SECRETS = re.compile(
    r"([?&](?:key|access_token|sign)=|/open-apis/bot/v2/hook/)[^&/?\s\"'`]+|\bSEC[0-9A-Za-z]{16,}"
)


class RedactingFilter(logging.Filter):
    """Replaces secrets in the message and the traceback of every record a handler emits.

    httpx logs each request URL at INFO, and Telegram URLs carry the token (`/bot<token>/sendMessage`); a
    group robot's URL carries its key (`ROBOT_SECRETS`).
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return ROBOT_SECRETS.sub(lambda found: (found.group(1) or "") + REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = self.redact(text), None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configure_logging(
    secrets: Iterable[str], level: int = logging.INFO, stream: TextIO | None = None
) -> RedactingFilter:
    """Log to `stream` (stderr) with the secrets redacted; request-by-request httpx lines and
    alembic's schema check are silenced."""
    redactor = RedactingFilter(secrets)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redactor)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for chatty in ("httpx", "httpcore", "alembic"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    return redactor
