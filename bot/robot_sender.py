"""The group robots' sender: claims the outbox rows addressed to robots (群机器人) for a lease, posts them
through each robot's webhook within its platform's limits, and marks them.

As the Telegram sender (`bot.sender`): a claim carries its owner and a lease, a claim whose lease ran out is
taken back as a possible repeat (audited), and a post whose answer was lost (a timeout, a server error) goes
again flagged the same way. What differs:
- A robot's platform answers "ok" when it took the message and cannot say whether the group got it: such a
  row is `accepted`, not `sent`.
- Pacing never sleeps: a robot that must wait (its platform's window, or "too fast" answered) is passed over
  until a later drain, so robots never hold up the Telegram chats. "Too fast" also puts the row's time
  back by the platform's rest, so a restart does not post into the rest.
- A robot refused for good (an address the platform does not know, a wrong 加签 signature, its security
  settings) is stopped, its waiting rows fail with the platform's answer, and the admins are told once.
- A long text goes in parts (`bot.robot_api.parts_of`); the parts accepted are not posted again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.orm import Session, sessionmaker

from bot.robot_api import Outcome, answer_of, parts_of, post_of
from bot.sender import DEFAULT_LEASE, ERROR_LIMIT, SenderIdentity, back_off, claim, release
from ledger.actor import SENDER
from ledger.clock import Clock
from ledger.robots import RobotPlatform, shown_address
from messages.render import Renderer
from scheduler.limits import ROBOT_LIMITS, RobotPacer
from scheduler.rules import Rules, in_quiet_hours
from services import audit
from services.outbox import Outbox
from storage import outbox_queries, people_queries, robot_queries
from storage.review import GroupRobot
from storage.scheduling import OutboxMessage, OutboxStatus

LOGGER = logging.getLogger(__name__)
REQUEST_TIMEOUT = 10.0  # seconds: the platforms answer a robot post at once
REFUSED_KIND = "robot_refused"


@dataclass(frozen=True)
class RobotPost:
    """A claimed row with what posting it needs."""

    row_id: int
    robot_id: int
    platform: RobotPlatform
    webhook: str
    secret: str | None
    text: str
    parts_sent: int


@dataclass
class RobotDrainResult:
    accepted: int = 0
    throttled: int = 0
    failed: int = 0
    retried: int = 0
    robots_stopped: int = 0


class RobotSender:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        renderer: Renderer,
        tz: ZoneInfo,
        rules: Callable[[], Rules],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        identity: SenderIdentity | None = None,
        lease: timedelta = DEFAULT_LEASE,
        batch_size: int = 20,
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._renderer = renderer
        self._tz = tz
        self._rules = rules
        self._transport = transport
        self.identity = identity or SenderIdentity.of_this_process()
        self._lease = lease
        self._batch_size = batch_size
        # The robots' windows on the office's clock (the platforms count in wall time).
        self.pacer = RobotPacer(lambda: clock.now().timestamp())
        self._client: httpx.AsyncClient | None = None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def drain(self) -> RobotDrainResult:
        """Post what is due to robots that may post now; the others wait for a later drain."""
        result = RobotDrainResult()
        resting: set[int] = set()  # robots that must wait: left for a later drain
        while True:
            posts = await asyncio.to_thread(self._claim, resting)
            if not posts:
                return result
            for post in posts:
                if post.robot_id in resting:
                    await asyncio.to_thread(self._release, post, None)
                    continue
                if not await self._post(post, result):
                    resting.add(post.robot_id)

    # ---- claiming ------------------------------------------------------------------------------

    def _claim(self, resting: set[int]) -> list[RobotPost]:
        """Due rows of robots that may post now, one per robot (a robot's next post waits for its window)."""
        now = self._clock.now()
        quiet = in_quiet_hours(now.astimezone(self._tz), self._rules())
        with self._sessions() as session, session.begin():
            rows = robot_queries.due_posts(session, now, urgent_only=quiet, limit=200)
            robots = robot_queries.robots_by_id(
                session, sorted({row.robot_id for row in rows if row.robot_id})
            )
            chosen: dict[int, OutboxMessage] = {}
            for row in rows:
                robot = robots.get(row.robot_id or 0)
                if robot is None or row.robot_id in chosen or row.robot_id in resting:
                    continue
                if self.pacer.wait(robot.id, robot.platform) > 0:
                    resting.add(robot.id)
                    continue
                chosen[robot.id] = row
                if len(chosen) == self._batch_size:
                    break
            ours = claim(session, list(chosen.values()), self.identity.name, now, now + self._lease)
            return [
                RobotPost(
                    row.id,
                    robot_id,
                    robots[robot_id].platform,
                    robots[robot_id].webhook,
                    robots[robot_id].secret,
                    row.text,
                    row.parts_sent,
                )
                for robot_id, row in chosen.items()
                if row.id in ours
            ]

    # ---- posting -------------------------------------------------------------------------------

    async def _post(self, post: RobotPost, result: RobotDrainResult) -> bool:
        """Post the row's parts still to go; False when its robot must now wait."""
        parts = parts_of(post.platform, post.text)
        step = post.parts_sent
        while step < len(parts):
            if self.pacer.wait(post.robot_id, post.platform) > 0:
                await asyncio.to_thread(self._release, post, step)
                return False
            if not await asyncio.to_thread(self._renew, post):
                LOGGER.warning("outbox row %s was taken back by another sender; not posting", post.row_id)
                return True
            request = post_of(
                post.platform, post.webhook, post.secret, parts[step], self._clock.now().timestamp()
            )
            self.pacer.posted(post.robot_id)
            try:
                response = await self._http().post(request.url, json=request.body)
            except httpx.TransportError as error:
                # The request may have reached the platform (a timeout after it left): a possible repeat.
                sent = not isinstance(error, httpx.ConnectError)
                await asyncio.to_thread(self._back_off, post, step, _describe(error), sent)
                result.retried += 1
                return True
            answer = answer_of(post.platform, response.status_code, _json(response))
            if answer.outcome == Outcome.ACCEPTED:
                step += 1
                if step < len(parts):
                    await asyncio.to_thread(self._progress, post, step)
                continue
            refusal = answer.error or answer.outcome.value
            if answer.outcome == Outcome.THROTTLED:
                self.pacer.throttled(post.robot_id, post.platform)
                await asyncio.to_thread(self._release, post, step, ROBOT_LIMITS[post.platform].throttled_for)
                result.throttled += 1
                return False
            if answer.outcome == Outcome.NO_ANSWER:
                await asyncio.to_thread(self._back_off, post, step, refusal, True)
                result.retried += 1
                return True
            if answer.outcome == Outcome.ROBOT_REFUSED:
                await asyncio.to_thread(self._stop_robot, post, refusal)
                result.robots_stopped += 1
                return False
            await asyncio.to_thread(self._finish, post, OutboxStatus.FAILED, refusal)
            LOGGER.warning("outbox row %s refused by its robot: %s", post.row_id, refusal)
            result.failed += 1
            return True
        await asyncio.to_thread(self._finish, post, OutboxStatus.ACCEPTED, None)
        result.accepted += 1
        return True

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # No redirects: a robot's address is used as registered, and a redirect could carry its key away.
            self._client = httpx.AsyncClient(
                transport=self._transport, timeout=REQUEST_TIMEOUT, follow_redirects=False
            )
        return self._client

    # ---- marking -------------------------------------------------------------------------------

    def _row(self, session: Session, post: RobotPost) -> OutboxMessage:
        row = session.get(OutboxMessage, post.row_id)
        assert row is not None
        return row

    def _renew(self, post: RobotPost) -> bool:
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            held = outbox_queries.extend_lease(session, [post.row_id], self.identity.name, now + self._lease)
            return held == 1

    def _release(self, post: RobotPost, parts_sent: int | None, rest: float = 0.0) -> None:
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            row = self._row(session, post)
            release([row])
            if parts_sent is not None:
                row.parts_sent = parts_sent
            if rest:
                row.not_before = max(row.not_before, now + timedelta(seconds=rest))

    def _progress(self, post: RobotPost, parts_sent: int) -> None:
        with self._sessions() as session, session.begin():
            self._row(session, post).parts_sent = parts_sent

    def _back_off(self, post: RobotPost, parts_sent: int, error: str, possible_repeat: bool) -> None:
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            back_off(
                session, [self._row(session, post)], now, parts_sent, error, possible_repeat=possible_repeat
            )

    def _finish(self, post: RobotPost, status: OutboxStatus, error: str | None) -> None:
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            row = self._row(session, post)
            row.status = status
            row.sent_at = now if status == OutboxStatus.ACCEPTED else None
            row.error = error[:ERROR_LIMIT] if error else None
            row.claimed_by = None
            row.lease_until = None

    def _stop_robot(self, post: RobotPost, error: str) -> None:
        """The platform refuses the robot itself: stop it, fail what waits for it, tell the admins once."""
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            robot = session.get(GroupRobot, post.robot_id)
            assert robot is not None
            failed = robot_queries.fail_posts(session, robot.id, error[:ERROR_LIMIT])
            robot.active, robot.failure = False, error[:ERROR_LIMIT]
            audit.record(
                session, at=now, actor=SENDER, action="robot_refused", entity="group_robot", entity_id=robot.id,
                after={"error": error[:ERROR_LIMIT], "failed_rows": len(failed)},
            )  # fmt: skip
            outbox = Outbox(session, self._renderer, now, self._tz, self._rules())
            params = {"name": robot.name, "platform": robot.platform.value, "error": error, "id": robot.id}
            for admin in people_queries.admins(session):
                outbox.add(
                    f"{REFUSED_KIND}:{robot.id}:{robot.registered_at.isoformat()}", admin, REFUSED_KIND, params,
                    urgent=True,
                )  # fmt: skip
            outbox.write()
        LOGGER.warning("robot %s (%s) refused: %s; stopped", robot.id, shown_address(robot.webhook), error)


def _json(response: httpx.Response) -> object:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _describe(error: httpx.TransportError) -> str:
    """The error without the request's URL (it carries the robot's key)."""
    return type(error).__name__
