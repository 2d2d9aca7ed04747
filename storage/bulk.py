"""Rows written in bulk, idempotently: insert-or-ignore by a unique key, in one statement per batch.

The day's run writes tens of thousands of dispatch and outbox rows. Written through the ORM one by one,
each is an object flushed and its key read back first; here they are plain dictionaries sent as
multi-row INSERTs (SQLAlchemy's "insertmanyvalues"), and a row whose unique key is already there is
skipped by the database itself (`ON CONFLICT DO NOTHING`, on SQLite and PostgreSQL alike), so a run that
is repeated after a crash writes nothing twice without asking first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Insert, Table, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

from storage.db import hold_writes


def _table(model: type[DeclarativeBase]) -> Table:
    return cast(Table, model.__table__)


def insert_ignoring(
    session: Session,
    model: type[DeclarativeBase],
    rows: Sequence[Mapping[str, Any]],
    unique: Sequence[str],
    returning: Sequence[str] = (),
) -> Sequence[tuple[Any, ...]]:
    """Insert `rows` into `model`'s table, skipping each whose `unique` columns match a row already stored
    (or an earlier one of `rows`); returns the `returning` columns of the rows inserted (none of those
    skipped)."""
    if not rows:
        return []
    # Whatever the ORM still holds goes first: these rows may refer to it.
    session.flush()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = _table(model)
    statement = insert(table).on_conflict_do_nothing(index_elements=list(unique))
    if not returning:
        session.connection().execute(statement, list(rows))
        return []
    if dialect == "postgresql":
        return _insert_ignoring_on_postgresql(session, table, statement, rows, unique, returning)
    result = session.connection().execute(statement.returning(*(table.c[name] for name in returning)), rows)
    return [tuple(row) for row in result]


def _insert_ignoring_on_postgresql(
    session: Session,
    table: Table,
    statement: Insert,
    rows: Sequence[Mapping[str, Any]],
    unique: Sequence[str],
    returning: Sequence[str],
) -> Sequence[tuple[Any, ...]]:
    """With RETURNING, SQLAlchemy sends the rows as one statement of thousands of placeholders, which
    psycopg converts in Python each time (it keeps only short statements converted); without it, the
    driver's executemany sends one short statement, converted once, in a pipeline. So: the keys already
    stored are read (one array parameter), the others inserted (still ignoring a key another writer
    stores meanwhile), and what they returned is read back by key."""
    (key,) = unique  # one key column: what the outbox has
    column = table.c[key]
    keys = [row[key] for row in rows]
    array = postgresql.ARRAY(column.type)
    connection = session.connection()
    stored = set(
        connection.scalars(select(column).where(column == any_(bindparam("keys", keys, type_=array))))
    )
    fresh = [row for row in rows if row[key] not in stored]
    if not fresh:
        return []
    connection.execute(statement, fresh)
    wanted = [row[key] for row in fresh]
    read = select(*(table.c[name] for name in returning)).where(
        column == any_(bindparam("keys", wanted, type_=array))
    )
    return [tuple(row) for row in connection.execute(read)]


def reserve_ids(session: Session, model: type[DeclarativeBase], count: int) -> list[int]:
    """`count` ids for rows of `model`'s table about to be inserted in this transaction, drawn first so that
    what a row holds may name its own id (a button that acts on its message). On PostgreSQL from the
    table's sequence; on SQLite above the largest id, once the transaction holds the store's write lock,
    so that no other writer takes them meanwhile (the ids SQLite itself would give: the table has no
    AUTOINCREMENT, and its rows are never deleted)."""
    if count <= 0:
        return []
    table = _table(model)
    if session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        drawn = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        return [int(value) for value in session.scalars(drawn)]
    hold_writes(session)
    top = session.scalar(select(func.max(table.c.id))) or 0
    return list(range(top + 1, top + 1 + count))
