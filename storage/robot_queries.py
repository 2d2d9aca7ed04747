"""The group robots (群机器人) and the outbox rows addressed to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from storage.review import GroupRobot
from storage.scheduling import OutboxMessage, OutboxStatus


def robot_at(session: Session, webhook: str) -> GroupRobot | None:
    return session.scalar(select(GroupRobot).where(GroupRobot.webhook == webhook))


def all_robots(session: Session) -> Sequence[GroupRobot]:
    return session.scalars(select(GroupRobot).order_by(GroupRobot.id)).all()


def active_robot_ids(session: Session) -> list[int]:
    statement = select(GroupRobot.id).where(GroupRobot.active.is_(True)).order_by(GroupRobot.id)
    return list(session.scalars(statement))


def robots_by_id(session: Session, ids: Sequence[int]) -> dict[int, GroupRobot]:
    return {robot.id: robot for robot in session.scalars(select(GroupRobot).where(GroupRobot.id.in_(ids)))}


def due_posts(session: Session, now: datetime, *, urgent_only: bool, limit: int) -> Sequence[OutboxMessage]:
    """Rows to robots a sender may take now, oldest first: pending and due, or claimed by a sender whose
    lease ran out."""
    takeable = or_(
        (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.not_before <= now),
        (OutboxMessage.status == OutboxStatus.CLAIMED) & (OutboxMessage.lease_until <= now),
    )
    statement = (
        select(OutboxMessage)
        .where(OutboxMessage.robot_id.is_not(None), takeable)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if urgent_only:
        statement = statement.where(OutboxMessage.urgent.is_(True))
    return session.scalars(statement).all()


def call_off_posts(session: Session, robot_id: int) -> int:
    """Take back the robot's rows still waiting: how many."""
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.robot_id == robot_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CALLED_OFF)
        .returning(OutboxMessage.id)
    )
    return len(session.scalars(statement).all())


def fail_posts(session: Session, robot_id: int, error: str) -> list[int]:
    """The robot was refused for good: its rows still waiting fail with the platform's answer; their ids."""
    statement = (
        update(OutboxMessage)
        .where(
            OutboxMessage.robot_id == robot_id,
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.CLAIMED)),
        )
        .values(status=OutboxStatus.FAILED, error=error, claimed_by=None, lease_until=None)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(session.scalars(statement).all())
