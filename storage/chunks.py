"""Queries over a list of ids, in chunks: the one place an `IN (…)` of ids the caller holds is bounded.

An IN list binds one parameter per value, and both databases bound the parameters of one statement:
PostgreSQL (psycopg) at 65,535, SQLite at 32,766 on current builds and 999 on old ones. A day's run over a
province-sized ledger asks about every open item, so a query over the items it holds runs once per chunk
of `ids_per_statement()` ids and the rows are put together. Every query of this kind chunks on the column
its rows are grouped by (the item, the dispatch, the person): the rows of one key all come from the same
chunk, in the statement's order, so per-key order (e.g. a dispatch's rows by day) is kept.

Where the ids were chosen by a query, passing that query's criterion (a join or a sub-select) is better
still: no list leaves the database. Those that stay lists come from rows already loaded, or are few.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Row, Select, any_, bindparam
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute, Session

_Value = TypeVar("_Value")
_Key = TypeVar("_Key")
_Column = TypeVar("_Column")
_Columns = TypeVarTuple("_Columns")

# Well under both databases' limits (and room for the statement's other parameters), large enough that a
# 100,000-item day takes 20 statements; tests set it small (`set_ids_per_statement`) to run the chunks.
DEFAULT_IDS_PER_STATEMENT = 5000
_ids_per_statement = DEFAULT_IDS_PER_STATEMENT


def ids_per_statement() -> int:
    return _ids_per_statement


def set_ids_per_statement(count: int) -> int:
    """Bound the IN lists to `count` values from now on; returns the bound it replaces."""
    global _ids_per_statement
    if count < 1:
        raise ValueError("ids per statement must be at least 1")
    previous, _ids_per_statement = _ids_per_statement, count
    return previous


def chunked(values: Iterable[_Value]) -> Iterator[list[_Value]]:
    """The values, each once and in their order, in lists of at most `ids_per_statement()`."""
    wanted = list(dict.fromkeys(values))
    size = _ids_per_statement
    for start in range(0, len(wanted), size):
        yield wanted[start : start + size]


def one_of(
    session: Session, column: InstrumentedAttribute[_Key] | ColumnElement[_Key], values: list[_Key]
) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL `column = ANY(array)`, one parameter however many values: the
    driver converts a statement's placeholders in Python and keeps only short statements converted, so a
    list of thousands of placeholders costs more to send than to run."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def rows_in(
    session: Session,
    statement: Select[*_Columns],
    column: InstrumentedAttribute[_Key] | ColumnElement[_Key],
    values: Iterable[_Key],
) -> Iterator[Row[*_Columns]]:
    """The rows of `statement` where `column` is one of `values`, one statement per chunk (none for no
    values)."""
    for chunk in chunked(values):
        yield from session.execute(statement.where(one_of(session, column, chunk)))


def scalars_in(
    session: Session,
    statement: Select[_Column],
    column: InstrumentedAttribute[_Key] | ColumnElement[_Key],
    values: Iterable[_Key],
) -> Iterator[_Column]:
    """`rows_in`, each row's first column (an ORM entity when the statement selects one)."""
    for chunk in chunked(values):
        yield from session.scalars(statement.where(one_of(session, column, chunk)))
