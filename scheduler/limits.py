"""Telegram's sending limits and the group robots', kept by the senders so that they do not collect refusals
for going too fast in the first place."""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ledger.robots import RobotPlatform

MARGIN = 0.05  # seconds added to every window (see `RateLimiter.wait_time`)


@dataclass(frozen=True)
class Window:
    count: int
    seconds: float


@dataclass(frozen=True)
class Limits:
    """About 30 messages a second overall, one a second to a chat, twenty a minute to a group."""

    overall: Window = Window(30, 1.0)
    private_chat: Window = Window(1, 1.0)
    group_chat: Window = Window(20, 60.0)


class RateLimiter:
    """Sliding windows per chat and overall; the clock and the sleep are injected so tests never wait."""

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limits = limits or Limits()
        self._clock = clock
        self._sleep = sleep
        self._sent: defaultdict[object, deque[float]] = defaultdict(deque)

    def _windows(self, chat_id: int) -> list[tuple[object, Window]]:
        chat = self._limits.group_chat if chat_id < 0 else self._limits.private_chat
        return [("*", self._limits.overall), (chat_id, chat)]

    def wait_time(self, chat_id: int) -> float:
        """Seconds until a message to `chat_id` keeps every window.

        Sends are counted when they leave; Telegram counts them when they arrive, and one request can
        overtake another on the way, so each window is kept a little wider than Telegram's.
        """
        now = self._clock()
        wait = 0.0
        for key, window in self._windows(chat_id):
            span = window.seconds + MARGIN
            times = self._sent[key]
            while times and times[0] <= now - span:
                times.popleft()
            if len(times) >= window.count:
                wait = max(wait, times[0] + span - now)
        return wait

    def chat_wait(self, chat_id: int) -> float:
        """Seconds until the chat's own window lets one more message through (the overall window aside):
        a chat that must wait gives way to chats that need not."""
        now = self._clock()
        window = self._limits.group_chat if chat_id < 0 else self._limits.private_chat
        span = window.seconds + MARGIN
        times = self._sent.get(chat_id)
        if not times:
            return 0.0
        while times and times[0] <= now - span:
            times.popleft()
        return times[0] + span - now if len(times) >= window.count else 0.0

    async def acquire(self, chat_id: int) -> None:
        """Wait until a message to `chat_id` may go, and count it."""
        while (wait := self.wait_time(chat_id)) > 0:
            await self._sleep(wait)
        now = self._clock()
        for key, _ in self._windows(chat_id):
            self._sent[key].append(now)
        if len(self._sent) > 10_000:
            # Forget chats idle for a minute so the table does not grow with every chat ever written to.
            for key in [k for k, v in self._sent.items() if k != "*" and (not v or v[-1] < now - 60)]:
                del self._sent[key]


@dataclass(frozen=True)
class RobotLimits:
    """What one group robot may post (群机器人): its windows, and how long its platform refuses everything
    once it said "too fast" (DingTalk: ten minutes)."""

    windows: tuple[Window, ...]
    throttled_for: float


# The platforms' published figures (they change: kept here with these defaults, one home).
ROBOT_LIMITS: dict[RobotPlatform, RobotLimits] = {
    RobotPlatform.WECOM: RobotLimits((Window(20, 60.0),), 60.0),
    RobotPlatform.DINGTALK: RobotLimits((Window(20, 60.0),), 600.0),
    RobotPlatform.FEISHU: RobotLimits((Window(100, 60.0), Window(5, 1.0)), 60.0),
}


class RobotPacer:
    """Each robot's posts kept within its platform's windows, and a robot the platform throttled left alone
    until the platform lets it post again. Never sleeps: a robot that must wait is passed over and tried at
    a later drain, so the robots never hold up the Telegram chats."""

    def __init__(
        self, clock: Callable[[], float], limits: dict[RobotPlatform, RobotLimits] | None = None
    ) -> None:
        self._clock = clock
        self._limits = limits or ROBOT_LIMITS
        self._sent: defaultdict[int, deque[float]] = defaultdict(deque)
        self._blocked_until: dict[int, float] = {}

    def wait(self, robot_id: int, platform: RobotPlatform) -> float:
        """Seconds until the robot may post once more."""
        now = self._clock()
        wait = max(0.0, self._blocked_until.get(robot_id, now) - now)
        times = self._sent[robot_id]
        longest = max(window.seconds for window in self._limits[platform].windows) + MARGIN
        while times and times[0] <= now - longest:
            times.popleft()
        for window in self._limits[platform].windows:
            span = window.seconds + MARGIN
            recent = [t for t in times if t > now - span]
            if len(recent) >= window.count:
                wait = max(wait, recent[-window.count] + span - now)
        return wait

    def posted(self, robot_id: int) -> None:
        self._sent[robot_id].append(self._clock())

    def throttled(self, robot_id: int, platform: RobotPlatform) -> None:
        """The platform said "too fast": the robot rests for as long as its platform refuses."""
        self._blocked_until[robot_id] = self._clock() + self._limits[platform].throttled_for
