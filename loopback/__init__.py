"""Loopback fakes of the chat platforms for Duban's tests, benchmarks and demo: test and demo infrastructure.

Both import nothing of Duban. The Bot API emulator behaves like Telegram where it matters for a bot's
correctness — long polling, files, 429 with retry_after, 403 for a blocked user, the 4,096-character text
and 64-byte callback data limits, getFile's 20 MB limit. Its parts:

- `loopback.core`: the transport-free core (`LoopbackBotApi`): the bot's state, users and chats, the
  methods, limits, injected faults and files; what tests push as users and read back;
- `loopback.inprocess`: the in-process front, a python-telegram-bot request class that routes every
  request straight to the core (the demo and most chat tests);
- `loopback.http`: the HTTP front, an aiohttp server on 127.0.0.1 (the `loopback` extra: subprocess,
  webhook, rate-limit and file tests, benchmarks);
- `loopback.acting`: users acting on a running application, each act returning once it is handled.

The robot fake answers the group robots' webhooks — WeCom 群机器人, DingTalk and Feishu 自定义机器人 — as
their documentation says: addresses, signatures, message types and sizes, rate limits, error codes. Its parts:

- `loopback.robots`: the transport-free core (`LoopbackRobots`, `FakeRobot`): the robots, what each accepted,
  the refusals, injected faults;
- `loopback.robots_inprocess`: the in-process front, an httpx transport (`robot_transport`);
- `loopback.robots_http`: the HTTP front, an aiohttp server on 127.0.0.1 (`RobotsHttpFront`, the `loopback`
  extra).
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
from loopback.robots import AnswerLost, FakeRobot, LoopbackRobots, Platform
from loopback.robots_inprocess import robot_transport

__all__ = [
    "DEFAULT_TOKEN",
    "AnswerLost",
    "AnsweredCallback",
    "ApiCall",
    "FakeRobot",
    "FloodLimits",
    "LoopbackBotApi",
    "LoopbackRobots",
    "LoopbackStats",
    "Platform",
    "RateWindow",
    "SentMessage",
    "StoredFile",
    "WebhookState",
    "robot_transport",
]
