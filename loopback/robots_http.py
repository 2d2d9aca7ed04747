"""The robot webhooks over HTTP: an aiohttp server on 127.0.0.1 routing every request to `LoopbackRobots`.

For what must cross a socket: a sender run as a subprocess, or through its real HTTP stack with its
timeouts and connection pool. Every path is served (unknown ones answer the core's 404), so a robot's URL
is `robot.url(front.base_url)`. A lost answer (`LoopbackRobots.lose_answer_next`) closes the connection
once the post is accepted, without a response. aiohttp itself answers 413 to bodies over 1 MB, far above
the platforms' own limits. aiohttp is installed by the `loopback` extra, not by `pip install .`.

Usage::

    robots = LoopbackRobots()
    robot = robots.add_dingtalk("TOKEN", secret="SEC…")
    async with RobotsHttpFront(robots) as front:
        url = robot.url(front.base_url)
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Final

from aiohttp import web

from loopback.robots import AnswerLost, LoopbackRobots

_LOGGER: Final = logging.getLogger(__name__)


class RobotsHttpFront:
    """Serves `robots` on `host` with a port the OS picks, while started."""

    def __init__(self, robots: LoopbackRobots, *, host: str = "127.0.0.1") -> None:
        self.robots = robots
        self._host = host
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("RobotsHttpFront already started")
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # access_log=None: aiohttp's access log would print the URLs, and those carry the robots' secrets.
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, 0)
        await site.start()
        addresses = runner.addresses
        if not addresses:
            await runner.cleanup()
            raise RuntimeError("RobotsHttpFront could not bind a socket")
        self._port = int(addresses[0][1])
        self._runner = runner
        _LOGGER.debug("Loopback robot webhooks listening on %s", self.base_url)

    async def stop(self) -> None:
        if self._runner is None:
            return
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> RobotsHttpFront:
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
        """`http://127.0.0.1:PORT`, what a sender takes as the platform's base URL; valid once started."""
        if self._port is None:
            raise RuntimeError("RobotsHttpFront not started")
        return f"http://{self._host}:{self._port}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        # The first of repeated query names, as the in-process front takes them.
        query = {name: request.query.getone(name) for name in request.query}
        try:
            status, answer = self.robots.handle(request.method, request.path, query, body)
        except AnswerLost:
            if request.transport is not None:
                request.transport.close()
            return web.Response()  # never written: the connection is gone
        return web.json_response(answer, status=status)
