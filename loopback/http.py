"""The emulator over HTTP: an aiohttp server on 127.0.0.1, for what must cross a socket.

`duban run` as a subprocess (the crash and start-up tests), the webhook, the sender's 429s and flood control
through python-telegram-bot's own HTTP stack, the benchmarks. It speaks the Bot API as api.telegram.org does:
form, JSON and multipart requests on `/bot<token>/<method>`, files on `/file/bot<token>/<path>`. aiohttp is
installed by the `loopback` extra (`pip install .[loopback]`, part of `[dev]`), not by `pip install .`.

Usage::

    api = LoopbackBotApi()
    async with HttpFront(api) as front:
        bot = telegram.Bot(api.token, base_url=front.bot_base_url, base_file_url=front.file_base_url)
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Final

from aiohttp import web

from loopback.core import Answer, LoopbackBotApi, RequestParams
from loopback.records import JSONDict, Upload
from loopback.rules import MAX_UPLOAD, ApiError, bad

_LOGGER: Final = logging.getLogger(__name__)
# aiohttp refuses bodies over this itself; a little above MAX_UPLOAD so that the emulator answers the 413.
_CLIENT_MAX_SIZE: Final = MAX_UPLOAD + 1024 * 1024


class HttpFront:
    """Serves `api` on `host` with a port the OS picks, while started."""

    def __init__(self, api: LoopbackBotApi, *, host: str = "127.0.0.1") -> None:
        self.api = api
        self._host = host
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("HttpFront already started")
        app = web.Application(client_max_size=_CLIENT_MAX_SIZE)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        # access_log=None: aiohttp's access log would print request paths, and those contain the token.
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, 0)
        await site.start()
        addresses = runner.addresses
        if not addresses:
            await runner.cleanup()
            raise RuntimeError("HttpFront could not bind a socket")
        self._port = int(addresses[0][1])
        self._runner = runner
        _LOGGER.debug("Loopback Bot API listening on %s", self.base_url)

    async def stop(self) -> None:
        """Answer the long polls in progress, then close the listener."""
        if self._runner is None:
            return
        self.api.close()
        await asyncio.sleep(0)  # let the long polls observe it and answer before the listener goes
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> HttpFront:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` (what `DUBAN_TELEGRAM_API_URL` takes); valid once started."""
        if self._port is None:
            raise RuntimeError("HttpFront not started")
        return f"http://{self._host}:{self._port}"

    @property
    def bot_base_url(self) -> str:
        """What to give PTB as `base_url`."""
        return f"{self.base_url}/bot"

    @property
    def file_base_url(self) -> str:
        """What to give PTB as `base_file_url`."""
        return f"{self.base_url}/file/bot"

    async def _handle_api(self, request: web.Request) -> web.Response:
        answer = await self.api.call(
            request.match_info["token"], request.match_info["method"], lambda: _read_params(request)
        )
        return _response(answer)

    async def _handle_file(self, request: web.Request) -> web.Response:
        return _response(self.api.download(request.match_info["token"], request.match_info["path"]))

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return _response(self.api.refusal(ApiError(404, "Not Found")))


def _response(answer: Answer) -> web.Response:
    return web.Response(status=answer.status, body=answer.body, content_type=answer.content_type)


async def _read_params(request: web.Request) -> RequestParams:
    values: JSONDict = dict(request.query)
    files: dict[str, Upload] = {}
    if not request.body_exists:
        return RequestParams(values, files)
    try:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise bad("request body must be a JSON object")
            values.update(body)
        else:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    files[name] = Upload(value.filename, value.content_type, value.file.read())
                elif isinstance(value, str):
                    values[name] = value
                else:
                    values[name] = bytes(value).decode("utf-8", "replace")
    except web.HTTPRequestEntityTooLarge as exc:
        raise ApiError(413, "Request Entity Too Large") from exc
    except ValueError as exc:
        raise bad("can't parse request body") from exc
    return RequestParams(values, files)
