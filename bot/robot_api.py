"""The group robots' webhook protocols (WeCom 群机器人, DingTalk and Feishu 自定义机器人): what a post looks like
on each platform, how it is signed, and what the platform's answer means. Plain functions, no transport:
`bot.robot_sender` posts them.

Texts are Duban's chat texts (plain text, lines): WeCom and DingTalk get them as markdown (their larger
limit; DingTalk breaks a line only at a markdown hard break), Feishu as text. A text over the platform's
limit (counted in UTF-8 bytes, as the platforms count) goes out in parts cut at line breaks.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from ledger.robots import RobotPlatform
from messages.split import split_message, utf8_length

# A part's text at most (UTF-8 bytes): WeCom's markdown content 4,096; DingTalk publishes none, so the same;
# Feishu's whole body 20 KB, the JSON around the text and its escaped line breaks included.
PART_LIMIT: dict[RobotPlatform, int] = {
    RobotPlatform.WECOM: 4096,
    RobotPlatform.DINGTALK: 4096,
    RobotPlatform.FEISHU: 16_000,
}
TITLE_LIMIT = 60  # DingTalk's markdown title (shown in the conversation list): the text's first line, cut

# Codes that say the platform takes nothing from this robot until an admin fixes it: an address it does not
# know, a wrong 加签 signature or a timestamp it refuses (the clock), its security settings (keywords, IP).
_ROBOT_REFUSED: dict[RobotPlatform, frozenset[int]] = {
    RobotPlatform.WECOM: frozenset({93000}),
    RobotPlatform.DINGTALK: frozenset({300001, 310000}),
    RobotPlatform.FEISHU: frozenset({19001, 19021, 19022, 19024}),
}
# Codes that say "too fast" (HTTP 429 says it too).
_THROTTLED: dict[RobotPlatform, frozenset[int]] = {
    RobotPlatform.WECOM: frozenset({45009}),
    RobotPlatform.DINGTALK: frozenset({130101}),
    RobotPlatform.FEISHU: frozenset({11232}),
}


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"  # the platform took the message (a robot cannot say it reached the group)
    THROTTLED = "throttled"  # too fast: the robot waits, the message goes later
    ROBOT_REFUSED = "robot_refused"  # the robot is misconfigured: stopped, the admins told
    MESSAGE_REFUSED = "message_refused"  # this message refused for good
    NO_ANSWER = "no_answer"  # a server error or no readable answer: the message may have been taken


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    error: str | None = None  # the platform's code and message, as it gave them


@dataclass(frozen=True)
class Post:
    """One request: where it goes (the query signed when the robot signs) and its JSON body."""

    url: str
    body: dict[str, Any]


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")); the caller URL-encodes
    it into the query."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's signature: base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")), sent in the body."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def parts_of(platform: RobotPlatform, text: str) -> list[str]:
    """The text in the parts the platform takes, cut at line breaks."""
    return split_message(text, PART_LIMIT[platform], utf8_length)


def post_of(platform: RobotPlatform, webhook: str, secret: str | None, text: str, now: float) -> Post:
    """The request that posts `text` (one part) through the robot at `webhook`, signed at `now` (Unix
    seconds) when the robot has a secret."""
    if platform == RobotPlatform.WECOM:
        return Post(webhook, {"msgtype": "markdown", "markdown": {"content": text}})
    if platform == RobotPlatform.DINGTALK:
        title = text.split("\n", 1)[0][:TITLE_LIMIT] or "Duban"
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": text.replace("\n", "  \n")}}
        if secret is None:
            return Post(webhook, body)
        stamp = int(now * 1000)
        return Post(_with_query(webhook, timestamp=str(stamp), sign=dingtalk_sign(secret, stamp)), body)
    body = {"msg_type": "text", "content": {"text": text}}
    if secret is not None:
        stamp = int(now)
        body = {"timestamp": str(stamp), "sign": feishu_sign(secret, stamp), **body}
    return Post(webhook, body)


def answer_of(platform: RobotPlatform, status: int, answer: object) -> Answer:
    """What the platform's answer (HTTP status, parsed JSON or None) says about the post."""
    if status == 429:
        return Answer(Outcome.THROTTLED, "HTTP 429")
    if status >= 500 or not isinstance(answer, dict):
        return Answer(Outcome.NO_ANSWER, f"HTTP {status}")
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode")))
    message = str(answer.get("errmsg", answer.get("msg", answer.get("StatusMessage", ""))))[:200]
    if status == 404:
        return Answer(Outcome.ROBOT_REFUSED, f"HTTP 404 {message}".strip())
    if not isinstance(code, int):
        return Answer(Outcome.NO_ANSWER if status == 200 else Outcome.MESSAGE_REFUSED, f"HTTP {status}")
    if code == 0 and status == 200:
        return Answer(Outcome.ACCEPTED)
    error = f"{code} {message}".strip()
    if code in _THROTTLED[platform]:
        return Answer(Outcome.THROTTLED, error)
    if code in _ROBOT_REFUSED[platform]:
        return Answer(Outcome.ROBOT_REFUSED, error)
    return Answer(Outcome.MESSAGE_REFUSED, error)


def _with_query(url: str, **fields: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(fields)) if q)
    return urlunsplit(parts._replace(query=query))
