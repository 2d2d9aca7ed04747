"""The office's group robots (群机器人): a work group on WeCom, DingTalk or Feishu that Duban posts to through
the robot's webhook, outbound only. What an admin gives (a platform, the webhook address, the 加签 secret)
is checked here before anything is stored; the address carries the robot's secret and is never shown whole.

Private deployments (政务微信, 专有钉钉) have their own hosts, so an address is checked by its shape (the query
field or the path that names the robot), never by its host.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from ledger.errors import DubanError

MAX_ADDRESS = 500  # the column's size
SHOWN_TAIL = 4  # characters of a robot's key shown when it is listed


class RobotPlatform(enum.StrEnum):
    WECOM = "wecom"  # 企业微信 / 政务微信 群机器人
    DINGTALK = "dingtalk"  # 钉钉 / 政务钉钉 自定义机器人
    FEISHU = "feishu"  # 飞书 自定义机器人


# What an official may type for each platform (the government editions under their own names).
PLATFORM_WORDS: dict[str, RobotPlatform] = {
    **dict.fromkeys(("wecom", "wework", "企业微信", "企微", "政务微信", "粤政易"), RobotPlatform.WECOM),
    **dict.fromkeys(
        ("dingtalk", "ding", "钉钉", "政务钉钉", "专有钉钉", "浙政钉", "赣政通"), RobotPlatform.DINGTALK
    ),
    **dict.fromkeys(("feishu", "lark", "飞书"), RobotPlatform.FEISHU),
}

_DINGTALK_SECRET = re.compile(r"SEC[0-9A-Za-z]{16,200}")  # DingTalk's 加签 secrets start with SEC
_FEISHU_SECRET = re.compile(r"[0-9A-Za-z]{8,200}")
_FEISHU_HOOK = re.compile(r"/open-apis/bot/v2/hook/([0-9A-Za-z-]{8,100})")


@dataclass(frozen=True)
class RobotAddress:
    """Where a robot is posted to, checked: its platform, its webhook and its signing secret (None: the robot
    posts unsigned)."""

    platform: RobotPlatform
    webhook: str
    secret: str | None


def platform_of(word: str) -> RobotPlatform:
    platform = PLATFORM_WORDS.get(word.strip().lower())
    if platform is None:
        raise DubanError("robot/unknown_platform", word=word)
    return platform


def robot_address(platform: RobotPlatform, webhook: str, secret: str | None) -> RobotAddress:
    """The address as given, or a refusal saying what is wrong with it."""
    webhook = webhook.strip()
    if len(webhook) > MAX_ADDRESS or not webhook.isascii() or any(c.isspace() for c in webhook):
        raise DubanError("robot/bad_address", platform=platform.value)
    parts = urlsplit(webhook)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise DubanError("robot/bad_address", platform=platform.value)
    query = parse_qs(parts.query)
    if platform == RobotPlatform.WECOM:
        shaped = bool(query.get("key", [""])[0])
    elif platform == RobotPlatform.DINGTALK:
        shaped = bool(query.get("access_token", [""])[0])
    else:
        shaped = _FEISHU_HOOK.fullmatch(parts.path) is not None
    if not shaped:
        raise DubanError("robot/bad_address", platform=platform.value)
    if secret is not None:
        secret = secret.strip()
        pattern = {RobotPlatform.DINGTALK: _DINGTALK_SECRET, RobotPlatform.FEISHU: _FEISHU_SECRET}.get(
            platform
        )
        if pattern is None:
            raise DubanError("robot/no_secret_needed")  # WeCom's robots do not sign
        if pattern.fullmatch(secret) is None:
            raise DubanError("robot/bad_secret", platform=platform.value)
    return RobotAddress(platform, webhook, secret)


def is_secret_word(platform: RobotPlatform, word: str) -> bool:
    """Whether `word`, typed after the address, is the platform's signing secret (and not the robot's name)."""
    pattern = {RobotPlatform.DINGTALK: _DINGTALK_SECRET, RobotPlatform.FEISHU: _FEISHU_SECRET}.get(platform)
    return pattern is not None and pattern.fullmatch(word) is not None


def shown_address(webhook: str) -> str:
    """The webhook as it may be shown and logged: host and path, the robot's key reduced to its last
    characters (the key is the robot's secret: who has it can post to the group)."""
    parts = urlsplit(webhook)
    query = parse_qs(parts.query)
    secret = query.get("key", query.get("access_token", [""]))[0]
    hook = _FEISHU_HOOK.fullmatch(parts.path)
    if hook is not None:
        secret = hook.group(1)
    path = parts.path.replace(secret, "") if hook is not None else parts.path
    return f"{parts.hostname}{path}…{secret[-SHOWN_TAIL:]}" if secret else f"{parts.hostname}{path}"
