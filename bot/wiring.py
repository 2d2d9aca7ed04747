"""The composition root: settings → engine → sessions → templates → clock → services."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from ledger.clock import Clock, SystemClock
from messages.render import Renderer, build_environment
from services.accounts import AccountService
from services.items import ItemService
from services.ledger import LedgerService
from services.roster import RosterService
from storage.db import create_db_engine, create_session_factory, ensure_migrated


@dataclass
class Services:
    """Everything a command or a handler needs, built once per process."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    renderer: Renderer
    clock: Clock
    ledger: LedgerService
    roster: RosterService
    accounts: AccountService
    items: ItemService

    def close(self) -> None:
        self.engine.dispose()


def build_services(settings: Settings, *, clock: Clock | None = None, check_schema: bool = True) -> Services:
    """Open the store (refusing an unmigrated one unless asked not to check) and build the services."""
    engine = create_db_engine(settings.effective_database_url)
    if check_schema:
        try:
            ensure_migrated(engine)
        except Exception:
            engine.dispose()
            raise
    sessions = create_session_factory(engine)
    clock = clock or SystemClock()
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        renderer=Renderer(build_environment(), settings.tz),
        clock=clock,
        ledger=LedgerService(sessions, clock, settings.tz),
        roster=RosterService(sessions, clock),
        accounts=AccountService(sessions, clock, settings.admins),
        items=ItemService(sessions),
    )
