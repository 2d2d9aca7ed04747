"""The loopback fake of the group robots' webhooks (WeCom, DingTalk, Feishu), driven by httpx as a sender would
drive it: through the in-process transport, and over HTTP where only a socket shows it (a dropped connection).

Signatures are computed here by the formulas the platforms document, independently of the fake. No
documented test vector was found: DingTalk's 自定义机器人 page and Feishu's 自定义机器人使用指南 (and the
copies of them searched) give the formula and sample code, never a secret, timestamp and expected sign
together, so the formula itself is what these tests check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest
import pytest_asyncio

from loopback import AnswerLost, FakeRobot, LoopbackRobots, robot_transport
from loopback.robots_http import RobotsHttpFront
from loopback.robots_inprocess import BASE_URL

DING_SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
FEISHU_SECRET = "feishu-secret-0123456789"


class ManualClock:
    """Unix seconds a test moves by hand, so rate windows and the DingTalk lock need no sleeping."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def robots(clock: ManualClock) -> LoopbackRobots:
    return LoopbackRobots(now=clock)


@pytest_asyncio.fixture
async def client(robots: LoopbackRobots) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=robot_transport(robots)) as c:
        yield c


def text(content: str = "督办提醒") -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": content}}


def feishu_text(content: str = "督办提醒") -> dict[str, Any]:
    return {"msg_type": "text", "content": {"text": content}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签, as documented: urlencode(base64(HmacSHA256(secret, timestamp + "\\n" + secret)))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's 签名校验, as documented: base64(HmacSHA256 keyed by timestamp + "\\n" + secret, of "")."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_url(robot: FakeRobot, timestamp_ms: int, sign: str) -> str:
    """The URL as DingTalk's sample code builds it: the already URL-encoded sign concatenated in."""
    return f"{robot.url(BASE_URL)}&timestamp={timestamp_ms}&sign={sign}"


async def post(client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = await client.post(url, json=body)
    answer: dict[str, Any] = response.json()
    return response.status_code, answer


# --- addresses ---------------------------------------------------------------------------------------------


def test_robot_addresses(robots: LoopbackRobots) -> None:
    wecom = robots.add_wecom("k-1")
    dingtalk = robots.add_dingtalk("t 1")
    feishu = robots.add_feishu("8f0e-hook")
    assert wecom.path_and_query == "/cgi-bin/webhook/send?key=k-1"
    assert dingtalk.path_and_query == "/robot/send?access_token=t+1"
    assert (
        feishu.url("https://open.example/prefix/")
        == "https://open.example/prefix/open-apis/bot/v2/hook/8f0e-hook"
    )
    with pytest.raises(ValueError, match="already registered"):
        robots.add_wecom("k-1")
    robots.add_feishu("k-1")  # addresses are per platform


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/cgi-bin/webhook/send?key=K"),
        ("POST", "/cgi-bin/webhook/other"),
        ("POST", "/open-apis/bot/v2/hook/a/b"),
    ],
)
async def test_anything_else_is_404(
    robots: LoopbackRobots, client: httpx.AsyncClient, method: str, path: str
) -> None:
    robots.add_wecom("K")
    robots.add_feishu("a")
    response = await client.request(method, BASE_URL + path, json=text())
    assert response.status_code == 404
    assert response.json()["error"] == "Not Found"


# --- WeCom -------------------------------------------------------------------------------------------------


async def test_wecom_accepts_text_and_markdown(
    robots: LoopbackRobots, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    robot = robots.add_wecom("K")
    markdown = {"msgtype": "markdown", "markdown": {"content": "**逾期** 3 项"}}
    assert await post(client, robot.url(BASE_URL), text()) == (200, {"errcode": 0, "errmsg": "ok"})
    clock.now += 1
    assert await post(client, robot.url(BASE_URL), markdown) == (200, {"errcode": 0, "errmsg": "ok"})
    assert robot.received == [text(), markdown]
    assert robot.accepted_at == [clock.now - 1, clock.now]


async def test_wecom_unknown_or_missing_key(robots: LoopbackRobots, client: httpx.AsyncClient) -> None:
    robots.add_wecom("K")
    for url in (f"{BASE_URL}/cgi-bin/webhook/send?key=other", f"{BASE_URL}/cgi-bin/webhook/send"):
        status, answer = await post(client, url, text())
        assert status == 200
        assert answer["errcode"] == 93000
        assert answer["errmsg"].startswith("invalid webhook url")


@pytest.mark.parametrize(("msgtype", "limit"), [("text", 2048), ("markdown", 4096)])
async def test_wecom_content_limits_count_utf8_bytes(
    robots: LoopbackRobots, client: httpx.AsyncClient, msgtype: str, limit: int
) -> None:
    robot = robots.add_wecom("K")
    fits = "督" * (limit // 3) + "x" * (limit % 3)  # three bytes a character
    assert len(fits.encode()) == limit
    _, answer = await post(client, robot.url(BASE_URL), {"msgtype": msgtype, msgtype: {"content": fits}})
    assert answer["errcode"] == 0
    _, answer = await post(
        client, robot.url(BASE_URL), {"msgtype": msgtype, msgtype: {"content": fits + "x"}}
    )
    assert answer["errcode"] == 40058
    assert "exceed max length" in answer["errmsg"]
    assert len(robot.received) == 1


async def test_wecom_refuses_other_types_and_bad_bodies(
    robots: LoopbackRobots, client: httpx.AsyncClient
) -> None:
    robot = robots.add_wecom("K")
    _, answer = await post(
        client, robot.url(BASE_URL), {"msgtype": "image", "image": {"base64": "", "md5": ""}}
    )
    assert answer == {"errcode": 40008, "errmsg": "invalid message type"}
    response = await client.post(robot.url(BASE_URL), content=b"{not json")
    assert response.status_code == 200
    assert response.json()["errcode"] == 40008
    _, answer = await post(client, robot.url(BASE_URL), text(""))
    assert answer["errcode"] == 44004
    assert robot.received == []


async def test_wecom_twenty_a_minute(
    robots: LoopbackRobots, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    robot = robots.add_wecom("K")
    for _ in range(20):
        assert (await post(client, robot.url(BASE_URL), text()))[1]["errcode"] == 0
        clock.now += 1
    _, answer = await post(client, robot.url(BASE_URL), text())
    assert answer == {"errcode": 45009, "errmsg": "api freq out of limit"}
    clock.now += 40  # the window slides: the first post is 60 s old now
    assert (await post(client, robot.url(BASE_URL), text()))[1]["errcode"] == 0
    assert (await post(client, robot.url(BASE_URL), text()))[1]["errcode"] == 45009
    assert len(robot.received) == 21


# --- DingTalk ----------------------------------------------------------------------------------------------


async def test_dingtalk_unsigned_text_and_markdown(robots: LoopbackRobots, client: httpx.AsyncClient) -> None:
    robot = robots.add_dingtalk("TOKEN")
    markdown = {"msgtype": "markdown", "markdown": {"title": "督办", "text": "#### 逾期\n- 第 3 项"}}
    assert await post(client, robot.url(BASE_URL), text()) == (200, {"errcode": 0, "errmsg": "ok"})
    assert await post(client, robot.url(BASE_URL), markdown) == (200, {"errcode": 0, "errmsg": "ok"})
    assert robot.received == [text(), markdown]


async def test_dingtalk_unknown_token(robots: LoopbackRobots, client: httpx.AsyncClient) -> None:
    robots.add_dingtalk("TOKEN")
    assert await post(client, f"{BASE_URL}/robot/send?access_token=other", text()) == (
        200,
        {"errcode": 300001, "errmsg": "token is not exist"},
    )


@pytest.mark.parametrize(
    "body",
    [
        {"msgtype": "markdown", "markdown": {"text": "no title"}},
        {"msgtype": "markdown", "markdown": {"title": "no text"}},
        {"msgtype": "text", "text": {}},
        {"msgtype": "link", "link": {"title": "t", "text": "x", "messageUrl": "https://example.org"}},
        {"text": {"content": "no msgtype"}},
    ],
)
async def test_dingtalk_refuses_malformed_messages(
    robots: LoopbackRobots, client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    robot = robots.add_dingtalk("TOKEN")
    _, answer = await post(client, robot.url(BASE_URL), body)
    assert answer["errcode"] == 40035
    assert robot.received == []


async def test_dingtalk_signed_post(
    robots: LoopbackRobots, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    robot = robots.add_dingtalk("TOKEN", secret=DING_SECRET)
    timestamp = int(clock.now * 1000)
    while "%2B" not in dingtalk_sign(DING_SECRET, timestamp):  # a "+" in the base64: the encoding matters
        timestamp += 1
    sign = dingtalk_sign(DING_SECRET, timestamp)
    assert await post(client, signed_url(robot, timestamp, sign), text()) == (
        200,
        {"errcode": 0, "errmsg": "ok"},
    )
    assert robot.received == [text()]


async def test_dingtalk_signature_refusals(
    robots: LoopbackRobots, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    robot = robots.add_dingtalk("TOKEN", secret=DING_SECRET)
    now_ms = int(clock.now * 1000)
    cases = {
        "unsigned": robot.url(BASE_URL),
        "wrong secret": signed_url(robot, now_ms, dingtalk_sign("SECother", now_ms)),
        "other timestamp": signed_url(robot, now_ms, dingtalk_sign(DING_SECRET, now_ms + 1)),
    }
    for name, url in cases.items():
        assert await post(client, url, text()) == (200, {"errcode": 310000, "errmsg": "sign not match"}), name
    for stale in (now_ms - 3_601_000, now_ms + 3_601_000):
        _, answer = await post(client, signed_url(robot, stale, dingtalk_sign(DING_SECRET, stale)), text())
        assert answer == {"errcode": 310000, "errmsg": "invalid timestamp"}
    within = now_ms - 3_599_000
    assert (await post(client, signed_url(robot, within, dingtalk_sign(DING_SECRET, within)), text()))[1][
        "errcode"
    ] == 0
    assert len(robot.received) == 1


async def test_dingtalk_sign_must_be_url_encoded(
    robots: LoopbackRobots, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    """A base64 sign put in the URL raw loses its "+" to a space, as it would at DingTalk: refused."""
    robot = robots.add_dingtalk("TOKEN", secret=DING_SECRET)
    timestamp = int(clock.now * 1000)
    while "%2B" not in dingtalk_sign(DING_SECRET, timestamp):
        timestamp += 1
    raw = dingtalk_sign(DING_SECRET, timestamp).replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")
    _, answer = await post(client, signed_url(robot, timestamp, raw), text())
    assert answer["errcode"] == 310000


async def test_dingtalk_twenty_a_minute_then_ten_minutes_locked(
    robots: LoopbackRobots, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    robot = robots.add_dingtalk("TOKEN")
    too_fast = {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
    for _ in range(20):
        assert (await post(client, robot.url(BASE_URL), text()))[1]["errcode"] == 0
    assert await post(client, robot.url(BASE_URL), text()) == (200, too_fast)
    locked_at = clock.now
    clock.now = locked_at + 61  # the minute is over, the lock is not
    assert await post(client, robot.url(BASE_URL), text()) == (200, too_fast)
    clock.now = locked_at + 599.9
    assert await post(client, robot.url(BASE_URL), text()) == (200, too_fast)
    clock.now = locked_at + 600
    assert (await post(client, robot.url(BASE_URL), text()))[1]["errcode"] == 0
    assert len(robot.received) == 21


# --- Feishu ------------------------------------------------------------------------------------------------


async def test_feishu_accepts_text_post_and_card(robots: LoopbackRobots, client: httpx.AsyncClient) -> None:
    robot = robots.add_feishu("hook-1")
    rich = {
        "msg_type": "post",
        "content": {"post": {"zh_cn": {"title": "督办", "content": [[{"tag": "text", "text": "逾期"}]]}}},
    }
    card = {
        "msg_type": "interactive",
        "card": {"elements": [{"tag": "div", "text": {"tag": "lark_md", "content": "**3**"}}]},
    }
    for body in (feishu_text(), rich, card):
        status, answer = await post(client, robot.url(BASE_URL), body)
        assert status == 200
        assert (answer["code"], answer["msg"], answer["data"]) == (0, "success", {})
    assert robot.received == [feishu_text(), rich, card]


async def test_feishu_unknown_hook(robots: LoopbackRobots, client: httpx.AsyncClient) -> None:
    robots.add_feishu("hook-1")
    _, answer = await post(client, f"{BASE_URL}/open-apis/bot/v2/hook/other", feishu_text())
    assert answer["code"] == 19001
    assert answer["msg"] == "param invalid: incoming webhook access token invalid"


@pytest.mark.parametrize(
    "body",
    [
        {"msg_type": "image", "content": {"image_key": "img_x"}},
        {"msg_type": "text", "content": {}},
        {"msg_type": "post", "content": {"text": "x"}},
        {"msg_type": "interactive"},
        {"content": {"text": "no msg_type"}},
    ],
)
async def test_feishu_refuses_malformed_messages(
    robots: LoopbackRobots, client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    robot = robots.add_feishu("hook-1")
    _, answer = await post(client, robot.url(BASE_URL), body)
    assert answer["code"] != 0
    assert robot.received == []


async def test_feishu_body_at_most_20_kb(robots: LoopbackRobots, client: httpx.AsyncClient) -> None:
    robot = robots.add_feishu("hook-1")
    envelope = len(json.dumps(feishu_text(""), ensure_ascii=False).encode())
    fits = json.dumps(feishu_text("x" * (20 * 1024 - envelope))).encode()
    assert len(fits) == 20 * 1024
    assert (await client.post(robot.url(BASE_URL), content=fits)).json()["code"] == 0
    answer = (await client.post(robot.url(BASE_URL), content=fits.replace(b'"x', b'"xx', 1))).json()
    assert answer["code"] == 9499
    assert len(robot.received) == 1


async def test_feishu_signed_post(
    robots: LoopbackRobots, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    robot = robots.add_feishu("hook-1", secret=FEISHU_SECRET)
    timestamp = int(clock.now)
    as_string = {"timestamp": str(timestamp), "sign": feishu_sign(FEISHU_SECRET, timestamp), **feishu_text()}
    as_number = {**as_string, "timestamp": timestamp}
    assert (await post(client, robot.url(BASE_URL), as_string))[1]["code"] == 0
    assert (await post(client, robot.url(BASE_URL), as_number))[1]["code"] == 0
    assert robot.received == [as_string, as_number]


async def test_feishu_signature_refusals(
    robots: LoopbackRobots, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    robot = robots.add_feishu("hook-1", secret=FEISHU_SECRET)
    now = int(clock.now)
    stale = now - 3601
    bodies = [
        feishu_text(),
        {"timestamp": str(now), **feishu_text()},
        {"timestamp": str(now), "sign": feishu_sign("other", now), **feishu_text()},
        {"timestamp": str(now), "sign": feishu_sign(FEISHU_SECRET, now + 1), **feishu_text()},
        {"timestamp": str(stale), "sign": feishu_sign(FEISHU_SECRET, stale), **feishu_text()},
    ]
    for body in bodies:
        _, answer = await post(client, robot.url(BASE_URL), body)
        assert answer["code"] == 19021, body
        assert answer["msg"] == "sign match fail or timestamp is not within one hour from current time"
    assert robot.received == []


async def test_feishu_five_a_second(
    robots: LoopbackRobots, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    robot = robots.add_feishu("hook-1")
    for _ in range(5):
        assert (await post(client, robot.url(BASE_URL), feishu_text()))[1]["code"] == 0
        clock.now += 0.1
    _, answer = await post(client, robot.url(BASE_URL), feishu_text())
    assert answer["code"] == 11232
    assert answer["msg"].startswith("frequency limited psm[lark.oapi.app_platform_runtime]appID[")
    clock.now += 0.6  # the first post is a second old
    assert (await post(client, robot.url(BASE_URL), feishu_text()))[1]["code"] == 0


async def test_feishu_hundred_a_minute(
    robots: LoopbackRobots, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    robot = robots.add_feishu("hook-1")
    start = clock.now
    for _ in range(100):
        assert (await post(client, robot.url(BASE_URL), feishu_text()))[1]["code"] == 0
        clock.now += 0.25  # four a second: under the per-second limit
    assert (await post(client, robot.url(BASE_URL), feishu_text()))[1]["code"] == 11232
    clock.now = start + 60
    assert (await post(client, robot.url(BASE_URL), feishu_text()))[1]["code"] == 0
    assert len(robot.received) == 101


# --- faults ------------------------------------------------------------------------------------------------


async def test_fail_next_answers_http_errors_without_accepting(
    robots: LoopbackRobots, client: httpx.AsyncClient
) -> None:
    robot = robots.add_wecom("K")
    robots.fail_next(robot, status=503, times=2)
    for _ in range(2):
        response = await client.post(robot.url(BASE_URL), json=text())
        assert response.status_code == 503
        assert response.json()["status"] == 503
    assert robot.received == []
    assert (await post(client, robot.url(BASE_URL), text()))[1]["errcode"] == 0
    with pytest.raises(ValueError, match="HTTP error status"):
        robots.fail_next(robot, status=200)


async def test_lost_answer_after_accepting(robots: LoopbackRobots, client: httpx.AsyncClient) -> None:
    robot = robots.add_dingtalk("TOKEN")
    robots.lose_answer_next(robot)
    _, answer = await post(client, robot.url(BASE_URL), {"msgtype": "image"})
    assert answer["errcode"] == 40035  # a refused post is answered, and the fault waits for an accepted one
    with pytest.raises(httpx.ReadTimeout):
        await client.post(robot.url(BASE_URL), json=text("第一条"))
    assert robot.received == [text("第一条")]
    assert (await post(client, robot.url(BASE_URL), text("第二条")))[1]["errcode"] == 0
    assert robot.received == [text("第一条"), text("第二条")]


def test_core_raises_answer_lost(robots: LoopbackRobots) -> None:
    robot = robots.add_feishu("hook-1")
    robots.lose_answer_next(robot)
    with pytest.raises(AnswerLost) as lost:
        robots.handle("POST", "/open-apis/bot/v2/hook/hook-1", {}, json.dumps(feishu_text()).encode())
    assert lost.value.robot is robot
    assert len(robot.received) == 1


# --- over HTTP ---------------------------------------------------------------------------------------------


async def test_over_http(robots: LoopbackRobots, clock: ManualClock) -> None:
    """Through a socket: each platform's success, a signed DingTalk post, and a lost answer as a dropped
    connection after the post was accepted."""
    wecom = robots.add_wecom("K")
    dingtalk = robots.add_dingtalk("TOKEN", secret=DING_SECRET)
    feishu = robots.add_feishu("hook-1")
    async with RobotsHttpFront(robots) as front, httpx.AsyncClient() as http:
        response = await http.post(wecom.url(front.base_url), json=text())
        assert (response.status_code, response.json()) == (200, {"errcode": 0, "errmsg": "ok"})
        timestamp = int(clock.now * 1000)
        url = f"{dingtalk.url(front.base_url)}&timestamp={timestamp}&sign={dingtalk_sign(DING_SECRET, timestamp)}"
        assert (await http.post(url, json=text())).json() == {"errcode": 0, "errmsg": "ok"}
        assert (await http.post(feishu.url(front.base_url), json=feishu_text())).json()["code"] == 0
        assert (await http.get(f"{front.base_url}/nowhere")).status_code == 404
        robots.lose_answer_next(wecom)
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(wecom.url(front.base_url), json=text("丢失的回答"))
        assert wecom.received == [text(), text("丢失的回答")]
        assert (await http.post(wecom.url(front.base_url), json=text())).json()["errcode"] == 0
    assert len(dingtalk.received) == len(feishu.received) == 1
