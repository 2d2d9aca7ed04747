"""The bot token never reaches a log line or a traceback, even with every library logging at DEBUG."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.logs import REDACTED, RedactingFilter, configure_logging
from bot.telegram.context import BotContext
from loopback import DEFAULT_TOKEN
from tests.harness import ADMIN_ID as ADMIN
from tests.harness import BotHarness, text_of

USER, BLOCKED = 820_001, 820_002
NOISY = ("httpx", "httpcore", "telegram", "telegram.ext", "alembic")


@pytest.fixture
def log() -> Iterator[io.StringIO]:
    """What `duban run` sets up, but at DEBUG for every library, written to a buffer."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {name: logging.getLogger(name).level for name in NOISY}
    buffer = io.StringIO()
    configure_logging([DEFAULT_TOKEN], logging.DEBUG, stream=buffer)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield buffer
    root.handlers, root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


async def leak(update: Update, context: BotContext) -> None:
    """A handler failing with the token in its message, as an HTTP library's error might."""
    raise RuntimeError(f"request to /bot{context.bot.token}/sendMessage failed")


@pytest.mark.http  # httpx logs every request's URL, token and all: the filter must catch those too
async def test_token_is_redacted_from_requests_errors_and_tracebacks(
    bot: BotHarness, log: io.StringIO
) -> None:
    assert bot.api.token == DEFAULT_TOKEN
    bot.app.add_handler(CommandHandler("leak", leak), group=-1)

    await bot.send(USER, "/help")  # plain requests: httpx logs each URL, which holds the token

    bot.api.block(BLOCKED)  # 403 Forbidden on the reply
    bot.api.push_text(BLOCKED, "/help")
    await bot.idle()

    bot.api.inject_429(retry_after=1)  # the rate limiter waits and retries
    await bot.send(USER, "/help")

    bot.api.inject_5xx(status=502)  # a server error: the reply is lost, the error logged
    bot.api.push_text(USER, "/help")
    await bot.idle()
    bot.api.inject_5xx(status=502, methods=["getUpdates"])  # polling itself fails once, then recovers
    await bot.send(USER, "/help")

    # The failing handler's user is told; the feature handlers, in a later group, still answer too.
    failed, answered = await bot.send(USER, "/leak")
    assert text_of(failed).startswith("抱歉，处理您的消息时出错")
    assert text_of(answered).startswith("您好！督办机器人仅供已登记的整改工作人员使用")

    text = log.getvalue()
    assert DEFAULT_TOKEN not in text
    assert DEFAULT_TOKEN.split(":")[1] not in text
    assert f"/bot{REDACTED}/sendMessage" in text  # the filter did work on the request lines
    assert f"chat {BLOCKED} refused a message: Forbidden: bot was blocked by the user" in text
    assert "telegram.error.NetworkError: Bad Gateway" in text
    assert f"RuntimeError: request to /bot{REDACTED}/sendMessage failed" in text
    assert text.count("Traceback (most recent call last)") >= 2
    assert [m.text for m in bot.api.sent(BLOCKED)] == []


def test_filter_redacts_arguments_tracebacks_and_stacks() -> None:
    secret = "123:SECRET-token_value"
    redactor = RedactingFilter([secret, ""])
    try:
        raise ValueError(f"bad {secret}")
    except ValueError as error:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "url %s", (f"/bot{secret}/x",), None)
        record.exc_info = (type(error), error, error.__traceback__)
    record.stack_info = f"stack {secret}"
    assert redactor.filter(record)
    formatted = logging.Formatter().format(record)
    assert secret not in formatted
    assert "url /bot<token>/x" in formatted
    assert "ValueError: bad <token>" in formatted
    assert "stack <token>" in formatted


@pytest.mark.http
async def test_a_group_robots_key_and_secret_are_redacted(bot: BotHarness, log: io.StringIO) -> None:
    """A robot's key is in its URL (httpx logs it) and in the admin's /robot_add (the chat library logs the
    update at DEBUG); its 加签 secret in the latter."""
    token, secret = "0f" * 32, "SEC" + "ab" * 32
    robot = bot.robots.add_dingtalk(token, secret)
    await bot.send(ADMIN, f"/robot_add 钉钉 {robot.url('https://oapi.dingtalk.com')} {secret} 群")
    bot.robots.fail_next(robot, status=502)
    await bot.post_robots()  # a server error: logged with the request
    await bot.post_robots()
    hook = bot.robots.add_feishu("9c1e6f8a-1b2c-4d5e-8f90-a1b2c3d4e5f6")
    await bot.send(ADMIN, f"/robot_add 飞书 {hook.url('https://open.feishu.cn')}")
    await bot.post_robots()
    written = log.getvalue()
    assert "oapi.dingtalk.com/robot/send?access_token=<token>" in written
    assert token not in written
    assert secret not in written
    assert hook.address not in written
