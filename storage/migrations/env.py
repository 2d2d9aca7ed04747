"""Alembic environment: runs on the engine Duban hands over (never a URL from an ini file)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from storage.schema import metadata

target_metadata = metadata


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    assert isinstance(engine, Engine)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
