"""A loopback fake of the group robots' webhooks (WeCom 群机器人, DingTalk and Feishu 自定义机器人). No transport.

Nothing public emulates these platforms, so the product's robot sender is tested end to end against this:
`LoopbackRobots` holds the robots a test registers and answers each POST (`handle`) as the platform's
documentation says it answers — its address scheme, signature, message types and size limits, rate limits
and error codes — and keeps what each robot accepted (`FakeRobot.received`). Written from the platforms'
public documentation alone; the figures change, so each is a named constant below. Only what a sender's
correctness depends on is emulated:

- WeCom (`/cgi-bin/webhook/send?key=KEY`): text (2,048 UTF-8 bytes) and markdown (4,096); 20 accepted in
  any 60 s. Answers errcode 93000 (unknown key), 40008 (invalid message type, unparseable body), 44004
  (empty content), 40058 (content too long), 45009 (frequency).
- DingTalk (`/robot/send?access_token=TOKEN`, with `timestamp` and `sign` in the query when signed): text
  and markdown; 20 accepted in 60 s, then every post refused for 10 minutes. Answers errcode 300001
  (unknown token), 310000 ("sign not match", "invalid timestamp"), 40035 (malformed message), 130101
  (too fast, and the 10-minute lock).
- Feishu (`/open-apis/bot/v2/hook/ID`, with `timestamp` and `sign` in the body when signed): text, post
  and interactive; a body of at most 20 KB; 100 accepted in 60 s and 5 in one second. Answers code 19001
  (unknown hook), 19021 (signature or timestamp), 9499 (malformed or oversized body), 11232 (frequency).

Codes the documentation gives are answered as given (93000, 40008, 40058, 45009, 300001, 310000, 130101,
19001, 19021, 11232); for a malformed message (WeCom 44004, DingTalk 40035, Feishu 9499) the fake answers
one plausible code with an errmsg naming what is wrong: a sender should take any non-zero code as a refusal.
Message types the platforms accept but Duban does not send (WeCom image, news, file, template_card;
DingTalk link, actionCard, feedCard; Feishu image, share_chat) are refused, so that a sender that starts
using one fails its tests instead of passing them on a guess. DingTalk's and Feishu's keyword and IP
security settings and WeCom's mentions are not emulated. Only accepted posts count towards the limits.

Tests inject faults: `fail_next` answers an HTTP error without accepting; `lose_answer_next` accepts the
next post and then loses its answer (`handle` raises `AnswerLost`, which the fronts turn into a dropped
connection or `httpx.ReadTimeout`), the case where a sender cannot tell whether the group got the message.
Fronts: `loopback.robots_http` (aiohttp on 127.0.0.1) and `loopback.robots_inprocess` (an httpx transport).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal
from urllib.parse import quote, urlencode

from loopback.records import JSONDict

Platform = Literal["wecom", "dingtalk", "feishu"]

_WECOM_PATH: Final = "/cgi-bin/webhook/send"
_DINGTALK_PATH: Final = "/robot/send"
_FEISHU_PREFIX: Final = "/open-apis/bot/v2/hook/"

_WECOM_MAX_BYTES: Final = {"text": 2048, "markdown": 4096}
_WECOM_PER_MINUTE: Final = 20
_DINGTALK_FIELDS: Final = {"text": ("content",), "markdown": ("title", "text")}
_DINGTALK_PER_MINUTE: Final = 20
_DINGTALK_LOCK_SECONDS: Final = 600.0
_FEISHU_PER_MINUTE: Final = 100
_FEISHU_PER_SECOND: Final = 5
_FEISHU_MAX_BODY: Final = 20 * 1024
_SIGN_VALIDITY_SECONDS: Final = 3600.0


@dataclass(eq=False)
class FakeRobot:
    """One robot of a group: where a sender posts to it, and what it accepted (bodies and Unix instants).

    Compared by identity: the fake keys its faults and locks by the robot object.
    """

    platform: Platform
    address: str  # WeCom's key, DingTalk's access token, Feishu's hook id
    secret: str | None = None
    received: list[JSONDict] = field(default_factory=list)
    accepted_at: list[float] = field(default_factory=list)

    @property
    def path_and_query(self) -> str:
        """The webhook's path (and query) on the platform's host; DingTalk's signature is the sender's to add."""
        if self.platform == "wecom":
            return f"{_WECOM_PATH}?{urlencode({'key': self.address})}"
        if self.platform == "dingtalk":
            return f"{_DINGTALK_PATH}?{urlencode({'access_token': self.address})}"
        return _FEISHU_PREFIX + quote(self.address, safe="")

    def url(self, base_url: str) -> str:
        """The webhook URL on a server at `base_url` (a front's, or a private deployment's with its prefix)."""
        return base_url.rstrip("/") + self.path_and_query


class AnswerLost(Exception):  # noqa: N818 - an event, not an error of the caller
    """Raised by `LoopbackRobots.handle` once it has accepted a post whose answer a test asked to lose."""

    def __init__(self, robot: FakeRobot) -> None:
        super().__init__(f"answer to the {robot.platform} robot's post lost after it was accepted")
        self.robot = robot


class _Refusal(Exception):  # noqa: N818 - control flow inside the fake, never raised out of it
    """A post refused with the platform's JSON answer (HTTP 200, as the platforms refuse)."""

    def __init__(self, answer: JSONDict) -> None:
        super().__init__(answer)
        self.answer = answer


@dataclass
class _Failures:
    status: int
    times: int


class LoopbackRobots:
    """The three platforms' robot webhooks, for the robots registered with `add_*`.

    `now` gives Unix seconds (signatures carry wall-clock timestamps); tests pass a manual clock to cross
    the rate windows and the DingTalk lock without sleeping. All calls are plain and synchronous.
    """

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._robots: dict[tuple[Platform, str], FakeRobot] = {}
        self._failures: dict[FakeRobot, _Failures] = {}
        self._lost: dict[FakeRobot, int] = {}
        self._locked_until: dict[FakeRobot, float] = {}

    def add_wecom(self, key: str) -> FakeRobot:
        return self._add(FakeRobot("wecom", key))

    def add_dingtalk(self, token: str, secret: str | None = None) -> FakeRobot:
        """A DingTalk robot; with `secret`, its security setting is 加签 and every post must be signed."""
        return self._add(FakeRobot("dingtalk", token, secret))

    def add_feishu(self, hook_id: str, secret: str | None = None) -> FakeRobot:
        """A Feishu robot; with `secret`, its security setting is 签名校验 and every body must be signed."""
        return self._add(FakeRobot("feishu", hook_id, secret))

    def fail_next(self, robot: FakeRobot, status: int = 500, times: int = 1) -> None:
        """Answer the robot's next `times` posts with HTTP `status` and a JSON error, accepting none of them."""
        if times < 1 or not 400 <= status <= 599:
            raise ValueError("fail_next wants an HTTP error status and at least one time")
        self._failures[robot] = _Failures(status, times)

    def lose_answer_next(self, robot: FakeRobot, times: int = 1) -> None:
        """Accept the robot's next `times` acceptable posts, then lose each answer (`handle` raises
        `AnswerLost`). Refused posts are answered as usual and do not use the fault up."""
        if times < 1:
            raise ValueError("lose_answer_next wants at least one time")
        self._lost[robot] = times

    def handle(self, method: str, path: str, query: Mapping[str, str], body: bytes) -> tuple[int, JSONDict]:
        """The HTTP status and JSON answer to one request; `path` and `query` URL-decoded, as a server reads
        them. Raises `AnswerLost` after accepting a post whose answer is to be lost."""
        if method.upper() != "POST":
            return _not_found(path)
        if path == _WECOM_PATH:
            robot = self._robots.get(("wecom", query.get("key", "")))
            if robot is None:
                return 200, _errcode(93000, "invalid webhook url, hint: [no robot has this key]")
        elif path == _DINGTALK_PATH:
            robot = self._robots.get(("dingtalk", query.get("access_token", "")))
            if robot is None:
                return 200, _errcode(300001, "token is not exist")
        elif path.startswith(_FEISHU_PREFIX) and "/" not in path[len(_FEISHU_PREFIX) :]:
            robot = self._robots.get(("feishu", path[len(_FEISHU_PREFIX) :]))
            if robot is None:
                return 200, _code(19001, "param invalid: incoming webhook access token invalid")
        else:
            return _not_found(path)
        return self._post(robot, query, body)

    def _add(self, robot: FakeRobot) -> FakeRobot:
        if not robot.address:
            raise ValueError("a robot needs a non-empty key, token or hook id")
        if (robot.platform, robot.address) in self._robots:
            raise ValueError(f"a {robot.platform} robot with this address is already registered")
        self._robots[robot.platform, robot.address] = robot
        return robot

    def _post(self, robot: FakeRobot, query: Mapping[str, str], body: bytes) -> tuple[int, JSONDict]:
        failures = self._failures.get(robot)
        if failures is not None:
            failures.times -= 1
            if failures.times == 0:
                del self._failures[robot]
            return failures.status, {"error": "injected fault", "status": failures.status}
        now = self._now()
        try:
            if robot.platform == "wecom":
                message = self._check_wecom(robot, body, now)
            elif robot.platform == "dingtalk":
                message = self._check_dingtalk(robot, query, body, now)
            else:
                message = self._check_feishu(robot, body, now)
        except _Refusal as refusal:
            return 200, refusal.answer
        robot.received.append(message)
        robot.accepted_at.append(now)
        lost = self._lost.get(robot, 0)
        if lost:
            if lost == 1:
                del self._lost[robot]
            else:
                self._lost[robot] = lost - 1
            raise AnswerLost(robot)
        if robot.platform == "feishu":
            # The redundant fields are Feishu's own, kept for old clients; a sender must not need them.
            return 200, {
                "code": 0, "msg": "success", "data": {},
                "Extra": None, "StatusCode": 0, "StatusMessage": "success",
            }  # fmt: skip
        return 200, _errcode(0, "ok")

    def _check_wecom(self, robot: FakeRobot, body: bytes, now: float) -> JSONDict:
        message = _json_object(body)
        if message is None:
            raise _Refusal(_errcode(40008, "invalid message type, hint: [the body is not a JSON object]"))
        msgtype = message.get("msgtype")
        if not isinstance(msgtype, str) or msgtype not in _WECOM_MAX_BYTES:
            raise _Refusal(_errcode(40008, "invalid message type"))
        content = _field(message, msgtype, "content")
        if not content:
            raise _Refusal(_errcode(44004, f"empty content, hint: [{msgtype}.content]"))
        limit = _WECOM_MAX_BYTES[msgtype]
        if len(content.encode("utf-8")) > limit:
            raise _Refusal(_errcode(40058, f"{msgtype}.content exceed max length {limit} bytes"))
        if _accepted_within(robot, now, 60.0) >= _WECOM_PER_MINUTE:
            raise _Refusal(_errcode(45009, "api freq out of limit"))
        return message

    def _check_dingtalk(
        self, robot: FakeRobot, query: Mapping[str, str], body: bytes, now: float
    ) -> JSONDict:
        if robot.secret is not None:
            _check_dingtalk_sign(robot.secret, query, now)
        too_fast = _errcode(130101, "send too fast, exceed 20 times per minute")
        if now < self._locked_until.get(robot, now):
            raise _Refusal(too_fast)
        message = _json_object(body)
        if message is None:
            raise _Refusal(_errcode(40035, "缺少参数 json"))
        msgtype = message.get("msgtype")
        if not isinstance(msgtype, str) or msgtype not in _DINGTALK_FIELDS:
            raise _Refusal(_errcode(40035, f"unsupported msgtype: {msgtype!r}"))
        for name in _DINGTALK_FIELDS[msgtype]:
            if not _field(message, msgtype, name):
                raise _Refusal(_errcode(40035, f"missing parameter {msgtype}.{name}"))
        if _accepted_within(robot, now, 60.0) >= _DINGTALK_PER_MINUTE:
            self._locked_until[robot] = now + _DINGTALK_LOCK_SECONDS
            raise _Refusal(too_fast)
        return message

    def _check_feishu(self, robot: FakeRobot, body: bytes, now: float) -> JSONDict:
        if len(body) > _FEISHU_MAX_BODY:
            raise _Refusal(_code(9499, "Bad Request"))
        message = _json_object(body)
        if message is None:
            raise _Refusal(_code(9499, "Bad Request"))
        if robot.secret is not None:
            _check_feishu_sign(robot.secret, message, now)
        msg_type = message.get("msg_type")
        if msg_type == "text":
            valid = bool(_field(message, "content", "text"))
        elif msg_type == "post":
            content = message.get("content")
            valid = isinstance(content, dict) and isinstance(content.get("post"), dict)
        elif msg_type == "interactive":
            valid = isinstance(message.get("card"), dict)
        else:
            raise _Refusal(_code(9499, f"params error: unsupported msg_type {msg_type!r}"))
        if not valid:
            raise _Refusal(_code(9499, f"params error: invalid content for msg_type {msg_type}"))
        if (
            _accepted_within(robot, now, 60.0) >= _FEISHU_PER_MINUTE
            or _accepted_within(robot, now, 1.0) >= _FEISHU_PER_SECOND
        ):
            raise _Refusal(
                _code(11232, "frequency limited psm[lark.oapi.app_platform_runtime]appID[loopback]")
            )
        return message


def _check_dingtalk_sign(secret: str, query: Mapping[str, str], now: float) -> None:
    """加签: `sign` = base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")), URL-encoded by the sender, so
    the decoded query holds the base64 itself; `timestamp` in milliseconds, within an hour of now."""
    timestamp, sign = query.get("timestamp"), query.get("sign")
    if not timestamp or not sign:
        raise _Refusal(_errcode(310000, "sign not match"))
    if not timestamp.isdigit() or abs(now * 1000 - int(timestamp)) > _SIGN_VALIDITY_SECONDS * 1000:
        raise _Refusal(_errcode(310000, "invalid timestamp"))
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(base64.b64encode(digest).decode("ascii"), sign):
        raise _Refusal(_errcode(310000, "sign not match"))


def _check_feishu_sign(secret: str, message: JSONDict, now: float) -> None:
    """签名校验: `sign` = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")), both in the body,
    `timestamp` in seconds (a string; an integer is taken too), within an hour of now."""
    refusal = _Refusal(_code(19021, "sign match fail or timestamp is not within one hour from current time"))
    timestamp, sign = message.get("timestamp"), message.get("sign")
    if isinstance(timestamp, int) and not isinstance(timestamp, bool):
        timestamp = str(timestamp)
    if not isinstance(timestamp, str) or not timestamp.isdigit() or not isinstance(sign, str):
        raise refusal
    if abs(now - int(timestamp)) > _SIGN_VALIDITY_SECONDS:
        raise refusal
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    if not hmac.compare_digest(base64.b64encode(digest).decode("ascii"), sign):
        raise refusal


def _accepted_within(robot: FakeRobot, now: float, seconds: float) -> int:
    """How many posts the robot accepted in the `seconds` before `now` (the window slides)."""
    count = 0
    for instant in reversed(robot.accepted_at):
        if now - instant >= seconds:
            break
        count += 1
    return count


def _json_object(body: bytes) -> JSONDict | None:
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _field(message: JSONDict, outer: str, inner: str) -> str | None:
    """`message[outer][inner]` when it is a string, else None."""
    part = message.get(outer)
    value = part.get(inner) if isinstance(part, dict) else None
    return value if isinstance(value, str) else None


def _errcode(code: int, message: str) -> JSONDict:
    return {"errcode": code, "errmsg": message}


def _code(code: int, message: str) -> JSONDict:
    return {"code": code, "msg": message, "data": {}}


def _not_found(path: str) -> tuple[int, JSONDict]:
    return 404, {"error": "Not Found", "path": path}
