"""The store on SQLite and PostgreSQL: migrations, the refusal of an unmigrated database, UTC instants,
the append-only audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from bot.config import Settings
from bot.wiring import build
from ledger.actor import Actor
from ledger.model import ItemSpec, Measure, ParsedLedger, Target
from services.container import Services
from storage.db import DatabaseNotMigratedError, create_db_engine, current_revision, head_revision, upgrade
from storage.models import AuditEntry, EvidenceFile, Item, Person
from storage.schema import metadata


def test_unmigrated_database_is_refused(db_url: str) -> None:
    with pytest.raises(DatabaseNotMigratedError) as caught:
        build(Settings(database_url=db_url))
    assert caught.value.current is None
    assert caught.value.head == head_revision()


def test_upgrade_creates_the_schema_once(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        assert upgrade(engine) == (None, head_revision())
        assert upgrade(engine) == (head_revision(), head_revision())
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    engine = create_db_engine(sqlite_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_instants_are_stored_in_utc_and_come_back_aware(services: Services) -> None:
    shanghai = timezone(timedelta(hours=8))
    bound = datetime(2026, 10, 1, 9, 30, tzinfo=shanghai)
    with services.sessions() as session, session.begin():
        session.add(
            Person(
                name="王五",
                telegram_user_id=7_000_000_000,
                locale="zh_CN",
                active=True,
                bound_at=bound,
                created_at=bound,
            )
        )
    with services.sessions() as session:
        person = session.scalars(select(Person)).one()
    assert person.bound_at == bound
    assert person.bound_at is not None
    assert person.bound_at.utcoffset() == timedelta(0)
    assert person.bound_at.hour == 1
    assert person.telegram_user_id == 7_000_000_000


def test_naive_instants_are_refused(services: Services) -> None:
    with services.sessions() as session:
        session.add(Person(name="x", locale="zh_CN", active=True, created_at=datetime(2026, 1, 1)))  # noqa: DTZ001
        with pytest.raises(Exception, match="naive"):
            session.flush()


def test_audit_log_is_append_only_even_for_raw_sql(services: Services) -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    with services.sessions() as session, session.begin():
        session.add(AuditEntry(at=now, actor="test", action="create", entity="unit", entity_id="1"))
    for statement in ("UPDATE audit_log SET actor = 'forged'", "DELETE FROM audit_log"):
        with services.engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text(statement))
    with services.sessions() as session:
        assert [e.actor for e in session.scalars(select(AuditEntry))] == ["test"]


def test_migrations_create_exactly_the_models(db_url: str) -> None:
    """The schema comes only from migrations; they must say what the models say, on both databases."""
    engine = create_db_engine(db_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_a_reimport_keeps_evidence_links_by_position_and_unlinks_what_it_removes(services: Services) -> None:
    """Evidence linked to 措施2 still backs 措施2 when a re-import edits its text; when a re-import removes a
    measure, its files stay, unlinked (the database would otherwise refuse the import)."""
    services.roster.add_unit("市住建局", actor=Actor.system("test"))

    def spec(measures: list[str], target: str) -> ParsedLedger:
        return ParsedLedger(
            items=[
                ItemSpec(
                    "1",
                    "事项1",
                    "问题1。",
                    date(2026, 1, 1),
                    targets=[Target(target, date(2026, 12, 31))],
                    measures=[Measure(text) for text in measures],
                    responsible_units=["市住建局"],
                )
            ]
        )

    services.ledger.import_ledger(
        spec(["措施一", "措施二", "措施三"], "目标"), actor=Actor.system("test"), dry_run=False
    )
    now = datetime(2026, 11, 20, 2, tzinfo=UTC)
    with services.sessions() as session, session.begin():
        item = session.scalars(select(Item)).one()
        target, first, second, third = item.targets[0], *item.measures
        for measure in (first, second, third):
            session.add(
                EvidenceFile(
                    item_id=item.id,
                    measure_id=measure.id,
                    target_id=target.id,
                    path=f"e/{measure.id}",
                    sha256="0" * 64,
                    size=1,
                    media_type="image/jpeg",
                    created_at=now,
                )
            )
        ids = (target.id, first.id, second.id)
    outcome = services.ledger.import_ledger(
        spec(["措施一", "措施二（修订）"], "目标（修订）"), actor=Actor.system("test"), dry_run=False
    )
    assert outcome.applied
    with services.sessions() as session:
        item = session.scalars(select(Item)).one()
        assert [(m.id, m.text) for m in item.measures] == [(ids[1], "措施一"), (ids[2], "措施二（修订）")]
        assert [(t.id, t.text) for t in item.targets] == [(ids[0], "目标（修订）")]
        links = session.execute(
            select(EvidenceFile.target_id, EvidenceFile.measure_id).order_by(EvidenceFile.id)
        )
        assert links.all() == [(ids[0], ids[1]), (ids[0], ids[2]), (ids[0], None)]
