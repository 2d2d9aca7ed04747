"""Typed ORM models of the scheduler: the outbox, dispatches, escalations, the ladder, the calendar."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime, enum_column


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # written, waiting for its time
    CLAIMED = "claimed"  # taken by the sender; may be on its way to Telegram
    SENT = "sent"
    MERGED = "merged"  # went out inside another row's message to the same chat
    UNREACHABLE = "unreachable"  # 403: the person blocked the bot
    FAILED = "failed"  # refused for good (400)
    CALLED_OFF = "called_off"  # taken back before it went out (the question of a withdrawn request)
    # A group robot's platform answered success: it took the message, and cannot say whether it reached
    # the group (a robot webhook has no delivery report).
    ACCEPTED = "accepted"


class OutboxMessage(Base):
    """A message the bot starts (reminder, dispatch, warning, notice, digest): written first, sent later.

    `key` makes writing idempotent: the same (item, kind, level, period) is never queued twice. A sender
    claims a row for a lease (`claimed_by`, `lease_until`); only a claim whose lease expired (its process
    died) is taken back, so two live processes never send one row twice. A row that may already have
    reached the chat (a claim taken back, a timeout or a server error after the request left) is sent again
    with `possible_repeat` set and an audit entry: a possible duplicate is always on record.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    # Where the row goes: a Telegram chat, or (`robot_id`) a work group's robot on another platform.
    chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    robot_id: Mapped[int | None] = mapped_column(ForeignKey("group_robots.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    level: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[list[dict[str, str]]] | None] = mapped_column(JSON)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default="pending"
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(120))  # the sending process: host/pid/start
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    telegram_message_id: Mapped[int | None] = mapped_column(Integer)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    due_date: Mapped[date | None] = mapped_column(Date)  # the deadline a reminder is about
    snooze_of_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), index=True)
    # The dispatch this row asks (进展调度): once the row is sent (or went out merged), the dispatch reached
    # that person; a dispatch none of whose rows was sent reached nobody and counts against nobody. No
    # foreign key: the outbox is the record of what was sent and outlives the rows it speaks of.
    dispatch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    possible_repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    # A text longer than one Telegram message goes out in parts; those confirmed sent are not sent again.
    parts_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A file sent after the text (a digest too long to read in chat comes as a spreadsheet).
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DispatchRequest(Base):
    """A progress dispatch (调度) of one item: asked on a day, to be answered by a day.

    Whether it reached anyone is not a column but the outbox's record: the rows that ask it
    (`OutboxMessage.dispatch_id`) that went out (sent, or merged into a message that was). A dispatch none of
    whose rows went out reached nobody and counts against nobody; its answer is due `answer_within` working
    days after the last of its rows went out at the earliest (`services.daily_run.DailyRun._dispatch`)."""

    __tablename__ = "dispatch_requests"
    __table_args__ = (
        UniqueConstraint("item_id", "asked_on", name="item_asked_on"),
        Index("ix_dispatch_requests_open", "answered_at", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    asked_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    missed: Mapped[bool] = mapped_column(Boolean, default=False)  # fell due while Duban was down


class Escalation(Base):
    """One step of the ladder on an item (督办提醒, 预警, 通报, 约谈建议, 问责移送建议), with its reason: the
    trigger's key (`reason`) and the conditions that held with their facts (`facts`, see
    `scheduler.reasons`; NULL on rows stored before facts were kept, rendered from the key alone)."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(50))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # None: by the rules
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)
    facts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class SummonsRecord(Base):
    """A 约谈 that was held (not the proposal, 约谈建议): the day, who attended, who recorded it, and the
    proposal it answers when there was one. Only a recorded 约谈 can lead to a 问责移送建议."""

    __tablename__ = "summons_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id", ondelete="SET NULL"))
    held_on: Mapped[date] = mapped_column(Date)
    attendees: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ItemLadder(Base):
    """Where an item stands on the ladder now; one row per item that ever climbed."""

    __tablename__ = "item_ladders"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, default=0, index=True)
    since: Mapped[date | None] = mapped_column(Date)
    yellow_count: Mapped[int] = mapped_column(Integer, default=0)
    last_progress: Mapped[date | None] = mapped_column(Date)


class CalendarOverride(Base):
    """An admin's correction of the work calendar: a day declared working or not."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(200))


class SchedulerSetting(Base):
    """Key-value state of the scheduler: the last day the rules ran, the rules as edited, warnings given."""

    __tablename__ = "scheduler_settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
