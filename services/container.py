"""Every service of the process, as one typed bag: what a handler or a command reaches through its context.

Built once per process by the composition root (`bot/wiring.py`), which decides how they are wired.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from messages.render import Renderer
from services.accounts import AccountService
from services.complaints import ComplaintService
from services.daily_run import DailyRun
from services.digests import DigestService
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


@dataclass
class Services:
    engine: Engine
    office: Office
    ledger: LedgerService
    roster: RosterService
    units: UnitService
    accounts: AccountService
    menus: MenuService
    items: ItemService
    ledger_files: LedgerFileService
    views: ItemViews
    evidence: EvidenceStore
    reports: ReportService
    daily_run: DailyRun
    ladder: Ladder
    standings: Standings
    reminders: ReminderActions
    escalations: EscalationService
    office_settings: SettingsService
    cadences: CadenceService
    complaints: ComplaintService
    signoff: SignOffService
    dossiers: DossierService
    extensions: ExtensionService
    spotchecks: SpotCheckService
    summonses: SummonsService
    history: HistoryService
    reporting: ReportingService
    digests: DigestService
    robots: RobotService
    indicators: IndicatorService
    indicator_views: IndicatorViews

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.office.sessions

    @property
    def renderer(self) -> Renderer:
        return self.office.renderer

    def close(self) -> None:
        self.engine.dispose()
