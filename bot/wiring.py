"""The composition root: settings → engine → sessions → templates → clock → services."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from ledger.clock import Clock, SystemClock
from messages.render import Renderer, build_environment
from reports.chart import progress_chart
from scheduler.engine import ReminderActions, SchedulerEngine
from scheduler.limits import RateLimiter
from scheduler.rule_values import office_rules
from scheduler.sender import OutboxSender
from services.accounts import AccountService
from services.complaints import ComplaintService
from services.digests import DIGEST_KIND, WEEKLY_KINDS, DigestService
from services.escalations import EscalationService
from services.evidence import EvidenceStore
from services.extensions import ExtensionService
from services.history import HistoryService
from services.items import ItemService
from services.ledger import LedgerService
from services.ledger_files import LedgerFileService
from services.reporting import ReportingService
from services.reports import ReportService
from services.roster import RosterService
from services.settings import CadenceService, SettingsService
from services.signoff import SignOffService
from services.spotchecks import SpotCheckService
from services.units import UnitService
from services.views import ItemViews
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
    units: UnitService
    accounts: AccountService
    items: ItemService
    ledger_files: LedgerFileService
    views: ItemViews
    evidence: EvidenceStore
    reports: ReportService
    scheduler: SchedulerEngine
    sender: OutboxSender
    reminders: ReminderActions
    escalations: EscalationService
    office_settings: SettingsService
    cadences: CadenceService
    complaints: ComplaintService
    signoff: SignOffService
    extensions: ExtensionService
    spotchecks: SpotCheckService
    history: HistoryService
    reporting: ReportingService
    digests: DigestService

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
    renderer = Renderer(build_environment(), settings.tz, clock)
    ledger = LedgerService(sessions, clock, settings.tz)
    evidence = EvidenceStore(settings.data_dir)
    items = ItemService(sessions)
    scheduler = SchedulerEngine(
        sessions, clock, renderer, settings.tz, base_rules=office_rules(settings.rules_file)
    )
    reporting = ReportingService(sessions, clock, settings.tz, ledger)
    digests = DigestService(
        sessions, clock, settings.tz, renderer, chart=lambda: progress_chart(reporting.unit_progress())
    )
    sender = OutboxSender(
        sessions,
        clock,
        renderer,
        settings.tz,
        RateLimiter(clock=time.monotonic),
        lambda: scheduler.current_rules(),
        photos=dict.fromkeys(WEEKLY_KINDS, digests.weekly_chart),
        standalone=(DIGEST_KIND,),
    )
    complaints = ComplaintService(sessions, clock, settings.tz, scheduler)
    scheduler.daily_rules.append(complaints.assign_leaders)
    signoff = SignOffService(sessions, clock, settings.tz, items, scheduler, settings.data_dir)
    scheduler.daily_rules.append(signoff.inspection_reminders)
    spotchecks = SpotCheckService(sessions, clock, settings.tz, items, scheduler)
    scheduler.daily_rules.append(spotchecks.ask_due)
    scheduler.daily_rules.append(digests.daily)  # last: in a merged message the digest comes last
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        renderer=renderer,
        clock=clock,
        ledger=ledger,
        roster=RosterService(sessions, clock),
        units=UnitService(sessions, clock),
        accounts=AccountService(sessions, clock, settings.admins),
        items=items,
        ledger_files=LedgerFileService(ledger, renderer, clock, settings.tz, settings.data_dir),
        views=ItemViews(sessions, clock, settings.tz, items),
        evidence=evidence,
        reports=ReportService(sessions, clock, items, evidence, scheduler.on_report),
        scheduler=scheduler,
        sender=sender,
        reminders=ReminderActions(sessions, scheduler, clock, settings.tz),
        escalations=EscalationService(sessions, items, scheduler),
        office_settings=SettingsService(sessions, clock, scheduler),
        cadences=CadenceService(sessions, clock, items),
        complaints=complaints,
        signoff=signoff,
        extensions=ExtensionService(sessions, clock, settings.tz, items, scheduler),
        spotchecks=spotchecks,
        history=HistoryService(sessions, items),
        reporting=reporting,
        digests=digests,
    )
