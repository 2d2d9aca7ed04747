"""Engine, sessions and migrations: the same code for SQLite (a file in WAL mode) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class DatabaseNotMigratedError(Exception):
    """The database is missing tables or is behind the code's schema: `duban db upgrade` fixes it."""

    def __init__(self, current: str | None, head: str) -> None:
        super().__init__(f"database at revision {current or 'none'}, code expects {head}")
        self.current = current
        self.head = head


def create_db_engine(url: str) -> Engine:
    """An engine for the URL; SQLite files get WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver we ship; a bare postgresql:// URL would ask for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, connection_record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config_for_scripts()).get_current_head()
    assert head is not None
    return head


def _alembic_config_for_scripts() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Create or migrate the schema to the newest revision; returns (before, after)."""
    before = current_revision(engine)
    command.upgrade(_alembic_config(engine), "head")
    return before, head_revision()


def migrate_to(engine: Engine, revision: str) -> None:
    """Upgrade or downgrade the schema to `revision` (what a migration's own test starts from)."""
    current = current_revision(engine)
    config = _alembic_config(engine)
    scripts = ScriptDirectory.from_config(config)
    if current is not None and revision in {r.revision for r in scripts.iterate_revisions(current, "base")}:
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


def ensure_migrated(engine: Engine) -> None:
    """Refuse to work on a database that is not at the code's schema revision."""
    head = head_revision()
    current = current_revision(engine)
    if current != head:
        raise DatabaseNotMigratedError(current, head)


def hold_writes(session: Session) -> None:
    """Make the session's transaction the store's one writer from here on, before it reads what it decides.

    SQLite takes a transaction's write lock only at its first write: two decisions on one request could
    both read "still open", both write, and both apply. A write that changes nothing takes the lock now, so
    the second decision waits until the first committed and then reads what it did. PostgreSQL runs
    transactions side by side; there the rows a decision reads are locked FOR UPDATE, which orders two
    decisions on the same row the same way (call this first in every decision; on PostgreSQL it does
    nothing)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE scheduler_settings SET key = key WHERE 0"))
