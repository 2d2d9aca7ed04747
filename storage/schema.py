"""Every table of the store on one metadata: what the migrations must create."""

from __future__ import annotations

from sqlalchemy import MetaData

from storage import indicator_tables, models, review, scheduling

MODEL_MODULES = (models, review, scheduling, indicator_tables)
metadata: MetaData = models.Base.metadata
