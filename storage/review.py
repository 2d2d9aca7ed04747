"""Typed ORM models of the closing loop: sign-off (验收销号) and its reviews, deadline extensions,
spot-checks of signed-off items (回头看), public complaints (群众举报件), and the office's group chats."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledger.robots import RobotPlatform
from storage.models import Base
from storage.types import UTCDateTime, enum_column


class SignOffStatus(enum.StrEnum):
    AWAITING_LEADER = "awaiting_leader"  # the unit's head must confirm first (主要负责人签字确认)
    UNDER_REVIEW = "under_review"  # with the supervising units' reviewers
    APPROVED = "approved"  # every supervising unit approved: the item is signed off (已销号)
    RETURNED = "returned"  # sent back with a reason
    WITHDRAWN = "withdrawn"


# A sign-off request in these statuses is still to be decided: its item is 已完成 (`ItemFacts.signoff_open`).
OPEN_SIGNOFF_STATUSES = (SignOffStatus.AWAITING_LEADER, SignOffStatus.UNDER_REVIEW)


class ReviewDecision(enum.StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    INSPECT = "inspect"  # 现场核查 set for a date; a decision follows


class SignOffRequest(Base):
    """A unit's request to sign an item off (销号申请), with its completion statement."""

    __tablename__ = "signoff_requests"
    __table_args__ = (Index("ix_signoff_requests_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    statement: Mapped[str] = mapped_column(Text)
    status: Mapped[SignOffStatus] = mapped_column(enum_column(SignOffStatus, "signoff_status"))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    leader_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    return_reason: Mapped[str | None] = mapped_column(Text)  # why it was returned, or withdrawn
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignOffReview(Base):
    """One supervising unit's decision on a sign-off request (several units: each must approve)."""

    __tablename__ = "signoff_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("signoff_requests.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    decision: Mapped[ReviewDecision] = mapped_column(enum_column(ReviewDecision, "review_decision"))
    reason: Mapped[str | None] = mapped_column(Text)  # why it was returned
    # What the reviewer wrote with an approval (验收意见), for the sign-off dossier; None: none given.
    opinion: Mapped[str | None] = mapped_column(Text)
    inspect_on: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExtensionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class DeadlineExtension(Base):
    """A request to move an item's deadline (延期申请); the old deadline stays on record."""

    __tablename__ = "deadline_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    old_deadline: Mapped[date] = mapped_column(Date)
    new_deadline: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ExtensionStatus] = mapped_column(enum_column(ExtensionStatus, "extension_status"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SpotCheckStatus(enum.StrEnum):
    DUE = "due"
    CONFIRMED = "confirmed"  # no rebound
    REOPENED = "reopened"  # 重新纳入整改


class SpotCheck(Base):
    """A check of a signed-off item some months later (回头看): no rebound, or reopen it."""

    __tablename__ = "spot_checks"
    __table_args__ = (
        UniqueConstraint("item_id", "due_on", name="item_due_on"),
        Index("ix_spot_checks_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[SpotCheckStatus] = mapped_column(enum_column(SpotCheckStatus, "spot_check_status"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    new_deadline: Mapped[date | None] = mapped_column(Date)


class Complaint(Base):
    """What makes an item a public complaint (群众举报件): its number, what was reported, repeats, and the
    leader who took it on personally (领导包案) when it stayed open too long."""

    __tablename__ = "complaints"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    complaint_number: Mapped[str] = mapped_column(String(50), unique=True)
    reported: Mapped[str] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    repeat_of_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    leader_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class GroupChat(Base):
    """The office's work group (/group_here): red notices, sign-off announcements, the weekly summary."""

    __tablename__ = "group_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    title: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GroupRobot(Base):
    """A work group's robot (群机器人) on WeCom, DingTalk or Feishu: the office's group posts go to it too.

    `webhook` and `secret` are the robot's credentials (who has the webhook can post to the group): they are
    shown and logged only as `ledger.robots.shown_address`. A robot the platform refuses for good (a bad
    signature, an address it does not know) is stopped with the platform's answer in `failure`."""

    __tablename__ = "group_robots"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[RobotPlatform] = mapped_column(enum_column(RobotPlatform, "robot_platform"))
    name: Mapped[str] = mapped_column(String(100))
    webhook: Mapped[str] = mapped_column(String(500), unique=True)
    secret: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failure: Mapped[str | None] = mapped_column(String(300))
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
