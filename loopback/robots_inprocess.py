"""The robot webhooks in-process: an httpx transport that hands every request to `LoopbackRobots`, no sockets.

A sender built on `httpx.AsyncClient` (or `httpx.Client`) is tested as it runs, its own request building,
URL encoding and answer parsing included, only without a network: httpx decodes the path and query as a
server would, and the core answers. A lost answer (`LoopbackRobots.lose_answer_next`) raises
`httpx.ReadTimeout` once the post is accepted, which is what a sender sees when the platform delivered but
the answer never came back. Every host is answered, so give the sender any base URL, such as `BASE_URL`.

Usage::

    robots = LoopbackRobots()
    robot = robots.add_wecom("KEY")
    async with httpx.AsyncClient(transport=robot_transport(robots)) as client:
        await client.post(robot.url(BASE_URL), json={"msgtype": "text", "text": {"content": "hi"}})
"""

from __future__ import annotations

from typing import Final

import httpx

from loopback.robots import AnswerLost, LoopbackRobots

# A name that never resolves (RFC 2606): a client that missed the transport would fail, not leave.
BASE_URL: Final = "http://robots.loopback.invalid"


def robot_transport(robots: LoopbackRobots) -> httpx.MockTransport:
    """An httpx transport answering every request from `robots` (sync and async clients alike)."""

    def answer(request: httpx.Request) -> httpx.Response:
        # The query parsed as a server parses it: percent- and plus-decoded, the first of repeated names.
        query = {name: request.url.params[name] for name in request.url.params}
        try:
            status, body = robots.handle(request.method, request.url.path, query, request.read())
        except AnswerLost as exc:
            raise httpx.ReadTimeout(str(exc), request=request) from exc
        return httpx.Response(status, json=body)

    return httpx.MockTransport(answer)
