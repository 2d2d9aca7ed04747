"""The office's group robots (群机器人) on WeCom, DingTalk and Feishu: registered by an admin (in chat or on the
command line), listed with their addresses shown but not their keys, stopped. Each registration is audited
(the address as shown, never the key or the secret) and posts a first message to the group, so the admin
sees at once that the robot works, or is told why not."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from ledger.actor import Actor
from ledger.clock import Clock
from ledger.errors import DubanError
from ledger.robots import RobotAddress, RobotPlatform, shown_address
from messages.render import DEFAULT_LOCALE, Renderer
from scheduler.rules import Rules
from services import audit
from services.outbox import Outbox, RobotRecipient
from storage import robot_queries
from storage.review import GroupRobot

MAX_NAME = 100  # the column's size
HELLO_KIND = "robot_hello"


@dataclass(frozen=True)
class RobotView:
    """A robot as an admin sees it: its address shown without its key."""

    id: int
    platform: RobotPlatform
    name: str
    address: str
    signed: bool
    active: bool
    failure: str | None  # why the platform stopped taking its posts, when it did


def view_of(robot: GroupRobot) -> RobotView:
    return RobotView(
        robot.id, robot.platform, robot.name, shown_address(robot.webhook), robot.secret is not None,
        robot.active, robot.failure,
    )  # fmt: skip


class RobotService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        renderer: Renderer,
        tz: ZoneInfo,
        rules: Callable[[Session], Rules],
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._renderer = renderer
        self._tz = tz
        self._rules = rules

    def register(self, address: RobotAddress, name: str, *, actor: Actor, person_id: int | None) -> RobotView:
        """Register the robot at `address` (checked by `ledger.robots.robot_address`) as `name`, or start again
        one registered at the same address (with the secret given now); its first post goes at once."""
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME:
            raise DubanError("robot/bad_name", limit=MAX_NAME)
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            robot = robot_queries.robot_at(session, address.webhook)
            before = None if robot is None else _audited(robot)
            if robot is None:
                robot = GroupRobot(webhook=address.webhook, registered_at=now)
                session.add(robot)
            robot.platform, robot.name, robot.secret = address.platform, name, address.secret
            robot.active, robot.failure = True, None
            robot.registered_by, robot.registered_at = person_id, now
            session.flush()
            audit.record(
                session, at=now, actor=actor, action="register_robot", entity="group_robot",
                entity_id=robot.id, before=before, after=_audited(robot),
            )  # fmt: skip
            outbox = Outbox(session, self._renderer, now, self._tz, self._rules(session))
            outbox.add(
                f"robot_hello:{robot.id}:{now.isoformat()}", RobotRecipient(robot.id, DEFAULT_LOCALE), HELLO_KIND,
                {"name": name}, urgent=True,
            )  # fmt: skip
            outbox.write()
            return view_of(robot)

    def robots(self) -> list[RobotView]:
        with self._sessions() as session:
            return [view_of(robot) for robot in robot_queries.all_robots(session)]

    def stop(self, robot_id: int, *, actor: Actor) -> RobotView:
        """Stop posting to the robot (its posts still to go are called off)."""
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            robot = session.get(GroupRobot, robot_id)
            if robot is None or not robot.active:
                raise DubanError("robot/unknown", id=robot_id)
            before = _audited(robot)
            robot.active = False
            called_off = robot_queries.call_off_posts(session, robot.id)
            audit.record(
                session, at=now, actor=actor, action="stop_robot", entity="group_robot", entity_id=robot.id,
                before=before, after={**_audited(robot), "called_off": called_off},
            )  # fmt: skip
            return view_of(robot)


def _audited(robot: GroupRobot) -> dict[str, str | bool | None]:
    """What the audit log keeps of a robot: never its key or its secret."""
    return {
        "platform": robot.platform.value, "name": robot.name, "address": shown_address(robot.webhook),
        "signed": robot.secret is not None, "active": robot.active,
    }  # fmt: skip


def active_robots(session: Session) -> Sequence[RobotRecipient]:
    """The robots the office's group posts go to, in the office's language as its work group's posts."""
    return [RobotRecipient(robot_id, DEFAULT_LOCALE) for robot_id in robot_queries.active_robot_ids(session)]
