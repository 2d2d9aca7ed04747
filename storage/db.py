"""Engine, sessions and migrations: the same code for SQLite (a file in WAL mode) and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# How long a statement waits for another writer's lock unless a `StoreVisit` says otherwise: the tick, the
# sender and the command line wait as long as it takes.
DEFAULT_LOCK_WAIT = 30.0
# PostgreSQL's code for "lock not available" (lock_timeout ran out).
_PG_LOCK_NOT_AVAILABLE = "55P03"


@dataclass
class StoreVisit:
    """One action's use of the store (a chat update): how long each statement may wait for a lock held by
    another writer, and whether a transaction of the action has already committed a change."""

    lock_wait: float
    changed: bool = False


_VISIT: ContextVar[StoreVisit | None] = ContextVar("store_visit", default=None)


@contextmanager
def visiting(visit: StoreVisit) -> Iterator[StoreVisit]:
    """Run what follows, and the threads it starts with its context (`asyncio.to_thread`), as `visit`."""
    token = _VISIT.set(visit)
    try:
        yield visit
    finally:
        _VISIT.reset(token)


def current_visit() -> StoreVisit | None:
    return _VISIT.get()


def is_lock_timeout(error: BaseException) -> bool:
    """The store stayed locked by another writer for longer than the statement's lock wait: SQLite's
    "database is locked" (SQLITE_BUSY), PostgreSQL's lock_timeout."""
    original = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(original, sqlite3.OperationalError):
        return "locked" in str(original) or getattr(original, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
    return getattr(original, "sqlstate", None) == _PG_LOCK_NOT_AVAILABLE


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
        kwargs["connect_args"] = {"timeout": DEFAULT_LOCK_WAIT}
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkout", _sqlite_lock_wait)
    elif parsed.get_backend_name() == "postgresql":
        event.listen(engine, "checkout", _postgresql_lock_wait)
    return engine


def _lock_wait() -> float:
    visit = _VISIT.get()
    return DEFAULT_LOCK_WAIT if visit is None else visit.lock_wait


def _sqlite_lock_wait(dbapi_connection: Any, record: Any, proxy: object) -> None:
    """The visit's lock wait as the connection's busy timeout, set when it changes."""
    wait = _lock_wait()
    if record.info.get("lock_wait") != wait:
        dbapi_connection.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        record.info["lock_wait"] = wait


def _postgresql_lock_wait(dbapi_connection: Any, record: Any, proxy: object) -> None:
    """The visit's lock wait as lock_timeout, on every checkout: a SET is undone when the transaction it
    ran in rolls back, so what the connection last had is not known."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = {int(_lock_wait() * 1000)}")


def _sqlite_pragmas(dbapi_connection: Any, connection_record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "after_flush", _wrote)
    event.listen(factory, "do_orm_execute", _wrote_directly)
    event.listen(factory, "after_commit", _committed)
    event.listen(factory, "after_rollback", _rolled_back)
    return factory


def _wrote(session: Session, flush_context: object) -> None:
    session.info["wrote"] = True


def _wrote_directly(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


def _committed(session: Session) -> None:
    """A transaction that wrote has committed: the visit it belongs to changed the store."""
    visit = _VISIT.get()
    if session.info.pop("wrote", False) and visit is not None:
        visit.changed = True


def _rolled_back(session: Session) -> None:
    session.info.pop("wrote", None)


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
