"""A Bot API emulator for Duban's tests, benchmarks and offline demo: test and demo infrastructure, not the bot.

It behaves like Telegram where it matters for a bot's correctness — long polling, files, 429 with
retry_after, 403 for a blocked user, the 4,096-character text and 64-byte callback data limits, getFile's
20 MB limit — and imports nothing of Duban. Its parts:

- `loopback.core`: the transport-free core (`LoopbackBotApi`): the bot's state, users and chats, the
  methods, limits, injected faults and files; what tests push as users and read back;
- `loopback.inprocess`: the in-process front, a python-telegram-bot request class that routes every
  request straight to the core (the demo and most chat tests);
- `loopback.http`: the HTTP front, an aiohttp server on 127.0.0.1 (the `loopback` extra: subprocess,
  webhook, rate-limit and file tests, benchmarks);
- `loopback.acting`: users acting on a running application, each act returning once it is handled.
"""

from loopback.core import LoopbackBotApi
from loopback.records import (
    DEFAULT_TOKEN,
    AnsweredCallback,
    ApiCall,
    FloodLimits,
    LoopbackStats,
    RateWindow,
    SentMessage,
    StoredFile,
    WebhookState,
)

__all__ = [
    "DEFAULT_TOKEN",
    "AnsweredCallback",
    "ApiCall",
    "FloodLimits",
    "LoopbackBotApi",
    "LoopbackStats",
    "RateWindow",
    "SentMessage",
    "StoredFile",
    "WebhookState",
]
