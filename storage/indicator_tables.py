"""Typed ORM models of the indicator ledger (指标台账): the plan's indicators and the values reported on them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.indicators import Aggregation, Attribute, Direction, Frequency
from storage.models import Base, Unit
from storage.types import UTCDateTime, enum_column


class Indicator(Base):
    """An indicator of the plan (指标): its name is its identity on re-import; numbers are None where the
    plan gives none, and a target without a number (完成上级下达目标) is its `target_text`."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    position: Mapped[int] = mapped_column(Integer)  # its place in the plan's table
    category: Mapped[str | None] = mapped_column(String(100))
    unit: Mapped[str | None] = mapped_column(String(40))
    attribute: Mapped[Attribute | None] = mapped_column(enum_column(Attribute, "indicator_attribute"))
    direction: Mapped[Direction | None] = mapped_column(enum_column(Direction, "indicator_direction"))
    baseline: Mapped[float | None] = mapped_column(Float)
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    target: Mapped[float | None] = mapped_column(Float)
    target_year: Mapped[int | None] = mapped_column(Integer)
    target_text: Mapped[str | None] = mapped_column(String(200))
    responsible_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency, "indicator_frequency"))
    aggregation: Mapped[Aggregation] = mapped_column(enum_column(Aggregation, "indicator_aggregation"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    responsible_unit: Mapped[Unit | None] = relationship(lazy="joined")


class IndicatorReading(Base):
    """A value reported for one monitoring period of an indicator: who reported it (as the audit log names
    them) and where it comes from (数据来源). A later reading of the same period corrects the earlier one."""

    __tablename__ = "indicator_readings"
    __table_args__ = (Index("ix_indicator_readings_indicator_period", "indicator_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    reported_by: Mapped[str] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IndicatorEscalation(Base):
    """A level of an indicator's ladder (督办提醒, 预警, 通报) issued for one period judged bad: off track or
    unreported; `facts` is the verdict with its numbers and the count of bad periods in a row
    (`scheduler.indicator_ladder.verdict_facts`), what every message about it states. One per period."""

    __tablename__ = "indicator_escalations"
    __table_args__ = (UniqueConstraint("indicator_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    level: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))  # off_track / unreported
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
