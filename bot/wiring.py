"""The composition root: settings and explicit overrides → store → office → services → outbox sender.

Everything is built here and only here: `duban run` (polling and webhook), the demo, the simulator, the
command line, the benchmarks and the tests. What differs between them is said as an `Overrides` value
(a virtual clock, a sleep that advances it, the rate limiter's clock), never by wiring by hand, so the demo
and the tests run the very wiring production runs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Engine
from telegram.request import BaseRequest

from bot.config import Settings
from bot.day_runner import DayRunner, ProcessDayRunner, ThreadDayRunner
from bot.robot_sender import RobotSender
from bot.sender import OutboxSender
from ledger.clock import Clock, SystemClock
from messages.render import Renderer, build_environment
from scheduler.calendar import package_working_day
from scheduler.limits import RateLimiter
from scheduler.rule_values import office_rules
from services.accounts import AccountService
from services.complaints import ComplaintService
from services.container import Services
from services.daily_run import CHUNK_ITEMS, SQLITE_GIVE_WAY, DailyRun
from services.digests import DIGEST_KIND, WEEKLY_KINDS, DigestService
from services.dossier import DossierService
from services.escalations import EscalationService
from services.evidence import EvidenceStore
from services.extensions import ExtensionService
from services.history import HistoryService
from services.indicator_views import IndicatorViews
from services.indicators import IndicatorService
from services.items import ItemService
from services.ladder import Ladder
from services.ledger import LedgerService
from services.ledger_files import LedgerFileService
from services.menus import MenuService
from services.office import Office
from services.reminders import ReminderActions
from services.reporting import ReportingService
from services.reports import ReportService
from services.robots import RobotService
from services.roster import RosterService
from services.settings import CadenceService, SettingsService
from services.signoff import SignOffService
from services.spotchecks import SpotCheckService
from services.standing import Standings
from services.summonses import SummonsService
from services.units import UnitService
from services.views import ItemViews
from storage.db import create_db_engine, create_session_factory, ensure_migrated


def build_renderer(tz: ZoneInfo, clock: Clock | None = None) -> Renderer:
    """The process's renderer: the templates of both locales, instants shown in `tz`, `today` from `clock`."""
    return Renderer(build_environment(), tz, clock or SystemClock())


@dataclass(frozen=True)
class Overrides:
    """What a caller may change in the wiring; every default is production's."""

    clock: Clock | None = None  # default: the system clock
    # The sender's waits (429 retry_after, the rate limiter) and the rate limiter's clock: the demo and the
    # tests pass a virtual pair, so waiting advances a manual clock instead of sleeping.
    sleep: Callable[[float], Awaitable[None]] | None = None
    monotonic: Callable[[], float] | None = None
    calendar_source: Callable[[date], bool | None] | None = None  # default: the chinese_calendar package
    check_schema: bool = True  # refuse an unmigrated store (the simulator migrates its own copy first)
    # How the bots reach the Bot API: a new python-telegram-bot request object for each connection (default:
    # HTTPS to `settings.telegram_api_url`). The demo and the tests pass the emulator's in-process front.
    bot_api_request: Callable[[], BaseRequest] | None = None
    # Items asked for progress per transaction of the day's run (default `CHUNK_ITEMS`): the tests make the
    # chunks small to stop and crash a run between and inside them.
    tick_chunk_items: int = CHUNK_ITEMS
    # Seconds the day's run pauses after each transaction (default: `SQLITE_GIVE_WAY` on SQLite under the
    # system clock, else none).
    tick_give_way: float | None = None
    # How the robot sender reaches the group robots' platforms (default: HTTPS to each robot's address): the
    # demo and the tests pass the robots fake's transport.
    robot_transport: httpx.AsyncBaseTransport | None = None


@dataclass
class Duban:
    """The built process: its settings, its services, the outbox sender that delivers what they queue,
    where the job queue's day's run runs, and how its bots reach the Bot API (None: HTTPS)."""

    settings: Settings
    services: Services
    sender: OutboxSender
    robot_sender: RobotSender
    day_runner: DayRunner
    bot_api_request: Callable[[], BaseRequest] | None = None

    def close(self) -> None:
        self.day_runner.close()
        self.services.close()


def give_way_of(engine: Engine, overrides: Overrides) -> float:
    """The day's run's pause after each transaction: for chat actions polling for SQLite's write lock, in
    real time only (under a manual clock nobody waits in real time)."""
    if overrides.tick_give_way is not None:
        return overrides.tick_give_way
    return SQLITE_GIVE_WAY if overrides.clock is None and engine.dialect.name == "sqlite" else 0.0


def day_run_of(settings: Settings, overrides: Overrides) -> DailyRun:
    """The day's run as `build` wires it (what a day's run process builds for itself)."""
    return build(settings, overrides).services.daily_run


def build(settings: Settings, overrides: Overrides | None = None) -> Duban:
    """Open the store (refusing an unmigrated one unless told not to check) and build everything."""
    overrides = overrides or Overrides()
    engine = create_db_engine(settings.effective_database_url)
    if overrides.check_schema:
        try:
            ensure_migrated(engine)
        except Exception:
            engine.dispose()
            raise
    sessions = create_session_factory(engine)
    clock = overrides.clock or SystemClock()
    tz = settings.tz
    renderer = build_renderer(tz, clock)
    office = Office(
        sessions, clock, tz, renderer,
        base_rules=office_rules(settings.rules_file),
        calendar_source=overrides.calendar_source or package_working_day,
    )  # fmt: skip
    ladder = Ladder(office, settings.office_name)
    standings = Standings(office)
    items = ItemService(sessions)
    ledger = LedgerService(sessions, clock, tz, standings)
    evidence = EvidenceStore(settings.data_dir)
    reports = ReportService(sessions, clock, items, evidence, standings, ladder.on_report)
    reporting = ReportingService(office, ledger, standings, renderer, settings.issuer)
    indicator_views = IndicatorViews(office)
    digests = DigestService(sessions, clock, tz, renderer, standings, chart=reporting.chart)
    complaints = ComplaintService(office, ladder, standings)
    signoff = SignOffService(office, items, ladder, settings.data_dir, reports, standings)
    spotchecks = SpotCheckService(office, items, ladder)
    indicators = IndicatorService(office)
    daily_run = DailyRun(
        office,
        ladder,
        standings,
        # In this order; the digest last: in a merged message it comes last.
        daily_rules=(
            complaints.assign_leaders,
            signoff.inspection_reminders,
            spotchecks.ask_due,
            indicators.daily,
            digests.daily,
        ),
        chunk_items=overrides.tick_chunk_items,
        give_way=give_way_of(engine, overrides),
    )
    services = Services(
        engine=engine,
        office=office,
        ledger=ledger,
        roster=RosterService(sessions, clock),
        units=UnitService(sessions, clock),
        accounts=AccountService(sessions, clock, settings.admins, on_bound=daily_run.catch_up),
        menus=MenuService(sessions),
        items=items,
        ledger_files=LedgerFileService(
            ledger, renderer, clock, tz, settings.data_dir, settings.office_name, indicator_views.board
        ),
        views=ItemViews(sessions, items, standings),
        evidence=evidence,
        reports=reports,
        daily_run=daily_run,
        ladder=ladder,
        standings=standings,
        reminders=ReminderActions(office, ladder),
        escalations=EscalationService(office, items, ladder),
        office_settings=SettingsService(office),
        cadences=CadenceService(sessions, clock, items),
        complaints=complaints,
        signoff=signoff,
        dossiers=DossierService(office, items, settings.data_dir, settings.superior_office),
        extensions=ExtensionService(office, items, ladder),
        spotchecks=spotchecks,
        summonses=SummonsService(office, items, ladder),
        history=HistoryService(sessions, items),
        reporting=reporting,
        digests=digests,
        robots=RobotService(sessions, clock, renderer, tz, office.rules),
        indicators=indicators,
        indicator_views=indicator_views,
    )
    sleep = overrides.sleep or asyncio.sleep
    sender = OutboxSender(
        sessions,
        clock,
        renderer,
        tz,
        RateLimiter(clock=overrides.monotonic or time.monotonic, sleep=sleep),
        office.current_rules,
        sleep=sleep,
        photos=dict.fromkeys(WEEKLY_KINDS, digests.weekly_chart),
        standalone=(DIGEST_KIND,),
    )
    robot_sender = RobotSender(
        sessions, clock, renderer, tz, office.current_rules, transport=overrides.robot_transport
    )
    # With the system clock and calendar, the job queue's tick runs in a process of its own (`bot.day_runner`).
    runner: DayRunner
    if overrides.clock is None and overrides.calendar_source is None:
        runner = ProcessDayRunner(
            partial(
                day_run_of,
                settings,
                Overrides(tick_chunk_items=overrides.tick_chunk_items, tick_give_way=overrides.tick_give_way),
            )
        )
    else:
        runner = ThreadDayRunner(daily_run)
    return Duban(settings, services, sender, robot_sender, runner, overrides.bot_api_request)
