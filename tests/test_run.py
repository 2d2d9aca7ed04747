"""`duban run` as an operator starts it: a subprocess against the loopback Bot API, stopped by a signal."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from loopback import LoopbackBotApi
from tests.conftest import CliRunner
from tests.harness import migrated

USER_ID = 4242
STRANGER_REPLY = "您好！督办机器人仅供已登记的整改工作人员使用"
PUBLIC_URL = "https://duban.example/tg/hook"
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Finished:
    code: int
    out: str
    err: str


class BotProcess:
    """`python -m bot run …` in a subprocess, with the environment an operator would set."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def stop(self, number: signal.Signals = signal.SIGTERM) -> Finished:
        self.process.send_signal(number)
        return await self.finished()

    async def finished(self) -> Finished:
        async with asyncio.timeout(10):
            out, err = await self.process.communicate()
        assert self.process.returncode is not None
        return Finished(self.process.returncode, out.decode(), err.decode())


@asynccontextmanager
async def duban_run(tmp_path: Path, env: dict[str, str], *args: str) -> AsyncIterator[BotProcess]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        *args,
        env={**clean, "DUBAN_DATA_DIR": str(tmp_path / "data"), **env},
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield BotProcess(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'duban.db'}"
    migrated(url)
    return url


@pytest.fixture
def api() -> LoopbackBotApi:
    return LoopbackBotApi()


def bot_env(api: LoopbackBotApi, api_url: str, database: str) -> dict[str, str]:
    return {
        "DUBAN_TELEGRAM_TOKEN": api.token,
        "DUBAN_TELEGRAM_API_URL": api_url,
        "DUBAN_DATABASE_URL": database,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_polling_answers_then_stops_cleanly_on_sigterm(
    tmp_path: Path, api: LoopbackBotApi, api_url: str, database: str
) -> None:
    async with duban_run(tmp_path, bot_env(api, api_url, database)) as bot:
        await api.wait_polling(timeout=30)
        api.push_text(USER_ID, "/start")
        (reply,) = await api.wait_sent(USER_ID, 1, timeout=10)
        assert reply.text is not None
        assert reply.text.startswith(STRANGER_REPLY)
        finished = await bot.stop()
    assert finished.code == 0, finished.err
    assert "机器人已启动（长轮询）" in finished.out
    assert "机器人已停止" in finished.out
    assert "Traceback" not in finished.err
    assert api.token not in finished.err + finished.out
    chinese, english = api.commands(""), api.commands("en")
    assert chinese is not None
    assert english is not None
    assert [c["command"] for c in chinese] == [c["command"] for c in english]
    assert chinese != english
    assert not api.is_polling()
    assert not api.pending_updates()


async def test_sigint_stops_it_too(tmp_path: Path, api: LoopbackBotApi, api_url: str, database: str) -> None:
    async with duban_run(tmp_path, bot_env(api, api_url, database)) as bot:
        await api.wait_polling(timeout=30)
        finished = await bot.stop(signal.SIGINT)
    assert finished.code == 0, finished.err


async def post(port: int, update: dict[str, object], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"http://127.0.0.1:{port}/tg/hook", data=json.dumps(update), headers=headers
        ) as response,
    ):
        return response.status


async def post_when_listening(port: int, update: dict[str, object], secret: str) -> int:
    """setWebhook comes just before the server listens; retry the first connection for a moment."""
    for _ in range(100):
        try:
            return await post(port, update, secret)
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


async def test_webhook_checks_the_secret_header_and_deletes_the_webhook_on_stop(
    tmp_path: Path, api: LoopbackBotApi, api_url: str, database: str
) -> None:
    port = free_port()
    env = bot_env(api, api_url, database)
    async with duban_run(tmp_path, env, "--webhook", PUBLIC_URL, "--listen", f"127.0.0.1:{port}") as bot:
        hook = await api.wait_for(lambda: api.webhook() if api.webhook().url else None, timeout=30)
        assert hook.url == PUBLIC_URL
        secret = hook.secret_token
        assert secret is not None
        assert len(secret) >= 32

        # Same chat, so a forged update that got through would be answered first (and in English).
        forged = api.push_text(USER_ID, "/help", language_code="en")
        assert await post_when_listening(port, forged, secret + "x") == 403
        assert await post(port, forged, None) == 403
        genuine = api.push_text(USER_ID, "/start")
        assert await post(port, genuine, secret) == 200
        (reply,) = await api.wait_sent(USER_ID, 1, timeout=10)
        assert reply.text is not None
        assert reply.text.startswith(STRANGER_REPLY)
        assert not api.is_polling()

        finished = await bot.stop()
    assert finished.code == 0, finished.err
    assert f"机器人已启动（Webhook：{PUBLIC_URL}）" in finished.out
    assert len(api.sent(USER_ID)) == 1
    assert api.webhook().url == ""
    assert secret not in finished.err


async def test_webhook_secret_from_the_settings(
    tmp_path: Path, api: LoopbackBotApi, api_url: str, database: str
) -> None:
    env = {**bot_env(api, api_url, database), "DUBAN_WEBHOOK_SECRET": "configured_Secret-1"}
    async with duban_run(
        tmp_path, env, "--webhook", PUBLIC_URL, "--listen", f"127.0.0.1:{free_port()}"
    ) as bot:
        hook = await api.wait_for(lambda: api.webhook() if api.webhook().url else None, timeout=30)
        assert hook.secret_token == "configured_Secret-1"
        finished = await bot.stop()
    assert finished.code == 0, finished.err


async def test_a_webhook_telegram_refuses_is_one_line(
    tmp_path: Path, api: LoopbackBotApi, api_url: str, database: str
) -> None:
    address = f"127.0.0.1:{free_port()}"
    async with duban_run(
        tmp_path, bot_env(api, api_url, database), "--webhook", f"http://{address}/", "--listen", address
    ) as bot:
        finished = await bot.finished()
    assert finished.code == 1
    assert finished.err.strip().splitlines()[-1].startswith("无法启动机器人，Telegram 返回：")
    assert "https url must be provided" in finished.err.lower()


async def test_unmigrated_database_is_one_clear_line(
    tmp_path: Path, api: LoopbackBotApi, api_url: str
) -> None:
    env = bot_env(api, api_url, f"sqlite:///{tmp_path / 'empty.db'}")
    async with duban_run(tmp_path, env) as bot:
        finished = await bot.finished()
    assert finished.code == 2
    (line,) = finished.err.strip().splitlines()
    assert line.startswith("数据库尚未初始化或版本落后（当前版本：无")
    assert line.endswith("请先运行：duban db upgrade")
    assert not api.is_polling()


async def test_a_rejected_token_is_named_but_never_shown(
    tmp_path: Path, api: LoopbackBotApi, api_url: str, database: str
) -> None:
    wrong = "987654321:AAH-not_a_token_the_server_knows_xyz"
    env = {**bot_env(api, api_url, database), "DUBAN_TELEGRAM_TOKEN": wrong}
    async with duban_run(tmp_path, env) as bot:
        finished = await bot.finished()
    assert finished.code == 2
    assert finished.err.strip().splitlines() == [
        "Telegram 拒绝了 DUBAN_TELEGRAM_TOKEN 中的机器人令牌，请向 BotFather 核对令牌。"
    ]
    assert wrong not in finished.out + finished.err


def test_without_a_token_it_says_so_and_exits_2(cli: CliRunner) -> None:
    result = cli("run")
    assert result.code == 2
    assert result.err.strip() == (
        "未设置 DUBAN_TELEGRAM_TOKEN：请把 BotFather 给出的机器人令牌写入环境变量或 .env 文件后再运行 duban run。"
    )


def test_listen_needs_a_webhook(cli: CliRunner) -> None:
    cli.env(DUBAN_TELEGRAM_TOKEN="123:SECRET")
    result = cli("run", "--listen", "127.0.0.1:8443")
    assert result.code == 1
    assert "--webhook" in result.err


@pytest.mark.parametrize("address", ["8443", "host:", "host:port", "host:70000", ":80"])
def test_a_bad_listen_address_is_refused(cli: CliRunner, address: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli("run", "--webhook", PUBLIC_URL, "--listen", address)
    assert exit_info.value.code == 2


def test_a_webhook_secret_telegram_would_refuse_is_named_not_shown(cli: CliRunner) -> None:
    cli.env(DUBAN_TELEGRAM_TOKEN="123:SECRET", DUBAN_WEBHOOK_SECRET="has spaces!")
    result = cli("run", "--webhook", PUBLIC_URL)
    assert result.code == 2
    assert result.err.startswith("配置错误：DUBAN_WEBHOOK_SECRET:")
    assert "has spaces!" not in result.err
