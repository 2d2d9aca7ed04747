"""Typed ORM models of the ledger, the roster and the audit log."""

from __future__ import annotations

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
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ledger.model import Role, UnitRole
from storage.types import UTCDateTime, enum_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    """A department or office (单位): responsible, leading or supervising items."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UnitAlias(Base):
    """Another name of a unit: a unit an admin merged into it, or a name the office says is the same body.
    An import that writes the name files the item under the unit."""

    __tablename__ = "unit_aliases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Person(Base):
    """Someone who uses Duban, bound to a Telegram account once they redeem their invite code."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    invite_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    used_invite_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    bound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # blocked the bot (403)
    # What the person's chat shows as the command menu (a fingerprint of its commands and chat), so that
    # it is set again only when their roles, language or chat change; None: never set, the default shows.
    menu_key: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="RoleAssignment.id"
    )


class RoleAssignment(Base):
    """A person's role for a unit (leadership and admin may hold no unit)."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("person_id", "role", "unit_id", name="person_role_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)

    person: Mapped[Person] = relationship(back_populates="roles")
    unit: Mapped[Unit | None] = relationship()


class Item(Base):
    """One entry of the ledger (台账条目): a finding, or one aspect of it (numbered `24.1`)."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    sort_key: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(100))
    problem: Mapped[str] = mapped_column(Text)
    cause: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date, index=True)
    deadline_text: Mapped[str | None] = mapped_column(String(200))
    continuing: Mapped[bool] = mapped_column(Boolean, default=False)
    responsible_leader: Mapped[str | None] = mapped_column(Text)
    responsible_person: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(
        String(20), default="finding", server_default="finding"
    )  # or "complaint"
    # The facts its status (`ledger.status.item_status`) is decided from, with its start, deadline, reports
    # and sign-off requests; the status itself is never stored, so it cannot go stale.
    percent: Mapped[int] = mapped_column(Integer, default=0)
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # approved, not reopened since
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the last reopening (回头看)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    targets: Mapped[list[ItemTarget]] = relationship(
        cascade="all, delete-orphan", order_by="ItemTarget.position"
    )
    measures: Mapped[list[ItemMeasure]] = relationship(
        cascade="all, delete-orphan", order_by="ItemMeasure.position"
    )
    unit_links: Mapped[list[ItemUnit]] = relationship(
        cascade="all, delete-orphan", order_by="ItemUnit.position"
    )


class ItemTarget(Base):
    """A numbered rectification target (整改目标) with its own deadline."""

    __tablename__ = "item_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date | None] = mapped_column(Date, index=True)


class ItemMeasure(Base):
    """A numbered rectification measure (整改措施) with its own date when given."""

    __tablename__ = "item_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    due: Mapped[date | None] = mapped_column(Date, index=True)


class ItemUnit(Base):
    """A unit attached to an item as lead (牵头), responsible (责任) or supervising (督导) unit."""

    __tablename__ = "item_units"
    __table_args__ = (Index("ix_item_units_unit_role", "unit_id", "role"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    role: Mapped[UnitRole] = mapped_column(enum_column(UnitRole, "unit_role"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    unit: Mapped[Unit] = relationship(lazy="joined")


class ProgressReport(Base):
    """A progress report (进展报告) on an item: percent done and what was done."""

    __tablename__ = "progress_reports"
    __table_args__ = (Index("ix_progress_reports_item_created", "item_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    percent: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # An album (several photos sent together) is one report: its later messages find it by this key.
    media_group_id: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)


class EvidenceFile(Base):
    """A piece of evidence (佐证材料): the file lives under the data folder by content hash."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("progress_reports.id"), index=True)
    # What the file backs (`/evidence N 措施2`, `/evidence N 目标1`); a measure or target that a re-import
    # removes leaves the file unlinked, not gone.
    measure_id: Mapped[int | None] = mapped_column(
        ForeignKey("item_measures.id", ondelete="SET NULL"), index=True
    )
    target_id: Mapped[int | None] = mapped_column(
        ForeignKey("item_targets.id", ondelete="SET NULL"), index=True
    )
    path: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str | None] = mapped_column(String(300))
    # What the sender wrote with the file ("闭水试验现场"), the item's number left out.
    caption: Mapped[str | None] = mapped_column(Text)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BotMessage(Base):
    """An item a message of the bot is about (its card, a reminder, a report receipt): a reply to a message
    about one item is a progress report on it; a message about several (reminders merged into one) has one
    row per item, in the order the message names them, and a reply to it is asked which item it is about."""

    __tablename__ = "bot_messages"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """An append-only record of one change: who, when, what, before and after.

    Database triggers (migration 0001) refuse any UPDATE or DELETE of a row.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str | None] = mapped_column(String(50))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
