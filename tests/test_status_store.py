"""Statuses and counts over generated ledgers in a real store (Hypothesis): random items (start, deadline
or continuing, one to three co-responsible units), a random story played through the services (reports,
sign-off requests confirmed, approved, returned or withdrawn, reopenings, extensions) over random days,
then a random day. Every summary Duban shows partitions the items; no item past its deadline under 100 %
is anything but 逾期未完成 (unless sign-off owns it); the SQL of "still chased" agrees with the statuses;
and a past day's ledger, rebuilt from the history, is what the ledger said that day."""

from __future__ import annotations

import io
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select, true

from bot.config import Settings
from bot.wiring import Overrides, build
from ledger.access import Viewer
from ledger.actor import Actor
from ledger.clock import ManualClock
from ledger.errors import DubanError
from ledger.model import ItemSpec, ItemStatus, LedgerRow, ParsedLedger, Role, Target
from ledger.status import is_chased
from services.accounts import TelegramUser
from services.container import Services
from storage import queries
from storage.models import Item
from tests.harness import migrated

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNITS = ("市住建局", "市水务局", "市生态环境局")
OFFICE = "整改办"
PEOPLE = {  # telegram id → (name, role, units)
    1: ("张伟", Role.OFFICER, UNITS),
    2: ("李局长", Role.LEADER, UNITS),
    3: ("王督导", Role.SUPERVISOR, (OFFICE,)),
}
FIRST = date(2026, 3, 2)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite store, copied for each example (migrating each time would be slow)."""
    path = tmp_path_factory.mktemp("template") / "duban.db"
    migrated(f"sqlite:///{path}")
    return path


@dataclass
class Store:
    services: Services
    clock: ManualClock
    viewers: dict[int, Viewer]

    def day(self, day: date, hour: int = 10) -> None:
        self.clock.set(datetime.combine(day, time(hour), SHANGHAI).astimezone(UTC))


_COUNTER = iter(range(10**9))


@pytest.fixture
def stores(template: Path, tmp_path: Path) -> Iterator[list[Store]]:
    opened: list[Store] = []
    yield opened
    for store in opened:
        store.services.close()


def open_store(template: Path, folder: Path, opened: list[Store]) -> Store:
    here = folder / f"s{next(_COUNTER)}"
    here.mkdir()
    shutil.copy(template, here / "duban.db")
    clock = ManualClock(datetime.combine(FIRST, time(10), SHANGHAI).astimezone(UTC))
    services = build(
        Settings(database_url=f"sqlite:///{here / 'duban.db'}", data_dir=here / "data"),
        Overrides(clock=clock),
    ).services
    store = Store(services, clock, {})
    opened.append(store)
    roster = services.roster
    for unit in (*UNITS, OFFICE):
        roster.add_unit(unit, actor=Actor.system("test"))
    for user, (name, role, units) in PEOPLE.items():
        roster.add_person(name, unit=units[0], role=role, actor=Actor.system("test"), telegram_user_id=user)
        for unit in units[1:]:
            roster.grant_role(name, role, unit, actor=Actor.system("test"))
        store.viewers[user] = services.accounts.viewer(TelegramUser(user, name))
    services.signoff.set_rule("none", actor=Actor.system("test"))
    return store


@st.composite
def items(draw: st.DrawFn) -> list[ItemSpec]:
    specs = []
    for n in range(1, draw(st.integers(1, 6)) + 1):
        start = FIRST + timedelta(days=draw(st.integers(-200, 30)))
        continuing = draw(st.booleans())
        deadline = (
            None if continuing and draw(st.booleans()) else start + timedelta(days=draw(st.integers(0, 300)))
        )
        units = draw(st.lists(st.sampled_from(UNITS), min_size=1, max_size=3, unique=True))
        specs.append(
            ItemSpec(
                str(n), f"事项{n}", "问题。", start, continuing=continuing,
                targets=[Target("目标", deadline)] if deadline else [], responsible_units=units,
                supervising_units=[OFFICE],
            )
        )  # fmt: skip
    return specs


ACTIONS = ("report", "report", "close", "close", "reopen", "extend")
STORY = st.lists(
    st.tuples(st.integers(0, 12), st.sampled_from(ACTIONS), st.integers(1, 6), st.integers(0, 100)),
    max_size=16,
)


def act(store: Store, action: str, number: str, value: int, today: date) -> None:
    """One step of the story as the people would take it; a refusal is part of the story too. "close" is a
    sign-off request (100 % confirmed) and what follows it: left with the leader, returned by the leader,
    confirmed and returned or approved by the reviewer (and reopened), or withdrawn."""
    s, officer, leader, supervisor = store.services, store.viewers[1], store.viewers[2], store.viewers[3]
    with s.sessions() as session:
        deadline = session.scalars(select(Item.deadline).where(Item.number == number)).one()
    later = (max(today, deadline or today) + timedelta(days=30 + value)).isoformat()
    steps: list[str] = []
    try:
        if action == "report":
            steps.append("report")
            s.reports.submit(officer, number, value, "进展说明")
        elif action == "reopen":
            steps.append("reopen")
            s.spotchecks.reopen_by_command(supervisor, f"{number} {later} 问题反弹")
        elif action == "extend":
            steps.append("extend")
            extension = s.extensions.request(officer, f"{number} {later} 延期")
            s.extensions.decide(supervisor, extension.id, value % 3 != 0)
        else:
            steps.append("signoff")
            request = s.signoff.request(officer, number, "100% 已全部完成").request_id
            ending = value % 6
            if ending == 1:
                steps.append("leader_return")
                s.signoff.send_back(leader, request, "请补充")
            elif ending == 5:
                steps.append("withdraw")
                s.signoff.withdraw(officer, number, "撤回")
            elif ending != 0:
                steps.append("confirm")
                s.signoff.confirm(leader, request)
                if ending == 2:
                    steps.append("return")
                    s.signoff.send_back(supervisor, request, "材料不全")
                elif ending in (3, 4):
                    steps.append("approve")
                    s.signoff.approve(supervisor, request)
                if ending == 4:
                    steps.append("reopen")
                    s.spotchecks.reopen_by_command(supervisor, f"{number} {later} 问题反弹")
        event(f"{' → '.join(steps)} done")
    except DubanError as refused:
        event(f"{' → '.join(steps)} refused: {refused.code}")


def past_deadline_facts(store: Store) -> dict[str, tuple[int, date | None]]:
    with store.services.sessions() as session:
        return {item.number: (item.percent, item.deadline) for item in session.scalars(select(Item))}


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=items(), story=STORY, last=st.integers(0, 30) | st.integers(0, 400))
def test_every_summary_partitions_the_ledger_and_the_history_holds(
    template: Path, tmp_path: Path, stores: list[Store], specs: list[ItemSpec], story: list[tuple[int, str, int, int]],
    last: int,
) -> None:  # fmt: skip
    store = open_store(template, tmp_path, stores)
    services = store.services
    services.ledger.import_ledger(ParsedLedger(specs), actor=Actor.system("test"), dry_run=False)
    snapshots: dict[date, list[LedgerRow]] = {}
    day = FIRST
    for offset, action, n, value in sorted(story, key=lambda step: step[0]):
        if FIRST + timedelta(days=offset * 7) != day:
            snapshots[day] = services.ledger.rows()
            day = FIRST + timedelta(days=offset * 7)
            store.day(day)
        store.clock.advance(timedelta(minutes=1))  # people act one after another, not at one instant
        act(store, action, str(min(n, len(specs))), value, day)
    snapshots[day] = services.ledger.rows()
    today = day + timedelta(days=last)
    store.day(today, 18)  # after the day's actions, if it is their day
    rows = services.ledger.rows()
    for row in rows:
        event(f"status {row.status.value}")
    assert len(rows) == len(specs)

    # No open item past its deadline and under 100 % is anything but 逾期未完成.
    facts = past_deadline_facts(store)
    for row in rows:
        percent, deadline = facts[row.spec.number]
        if deadline is not None and today > deadline and percent < 100 and is_chased(row.status):
            assert row.status == ItemStatus.OVERDUE, row
        if row.status == ItemStatus.ON_SCHEDULE:
            assert deadline is not None
            assert today <= deadline
        assert bool(row.days_overdue) == (row.status == ItemStatus.OVERDUE)

    # Every summary partitions the same items, each counted once.
    statuses = Counter(row.status for row in rows)
    month = services.reporting.month()
    public = services.reporting.public()
    weekly = services.digests.weekly_now()
    for summary in (month.summary, public.summary, weekly.summary):
        assert summary.counts.total == len(rows)
        assert dict(summary.counts.listed) == dict(statuses.items())
        assert summary.findings.rate == (200 * summary.findings.completed + len(rows)) // (2 * len(rows))
    assert month.overdue_count == statuses[ItemStatus.OVERDUE]
    assert month.stalled_count == sum(1 for row in rows if row.stalled)
    export, count = services.ledger_files.export()
    assert count == len(rows)
    sheet = load_workbook(io.BytesIO(export)).active
    assert sheet is not None
    header = [cell.value for cell in sheet[3]]  # under the title rows
    column = header.index("整改状态")
    labels = Counter(row[column] for row in sheet.iter_rows(min_row=4, values_only=True))
    assert labels == Counter(services.renderer.label("zh_CN", "status", row.status.value) for row in rows)
    admin = services.accounts.viewer(TelegramUser(3, "王督导"))
    for view in services.views.units(admin, None):
        assert view.counts.total == len(view.lines)
        assert dict(view.counts.listed) == Counter(line.status for line in view.lines)
    overdue = {line.number for group in services.views.overdue(admin) for line in group.lines}
    assert overdue == {row.spec.number for row in rows if row.status == ItemStatus.OVERDUE}
    # The supervisor's digest (the ledger read as columns) names as overdue and as unreported what the
    # ledger says is.
    digest = services.digests.digest_now(admin)
    named = Counter((heading, entry.number) for _unit, heading, entry in digest.rows())
    assert {n for h, n in named if h == "overdue"} == overdue
    assert {n for h, n in named if h == "stalled"} == {
        row.spec.number for row in rows if row.stalled and row.status != ItemStatus.OVERDUE
    }
    assert all(count == 1 for count in named.values())  # an item once under a heading

    with services.sessions() as session:
        items_ = list(session.scalars(select(Item)))
        chased = set(session.scalars(select(Item.number).where(queries.chased_filter())))
        standings = services.standings.of(session, items_)
        assert chased == {item.number for item in items_ if is_chased(standings[item.id].status)}
        # Read as columns (as the digests and the ladder read a whole ledger), the items stand the same.
        assert services.standings.of(session, queries.item_rows(session, true())) == standings
        # The history, read at this instant, gives the rows' own facts.
        now = store.clock.now() + timedelta(microseconds=1)
        rebuilt = queries.item_facts_as_of(session, items_, now)
        reports = queries.last_report_dates(session, [item.id for item in items_])
        opened = queries.items_with_open_signoff(session, [item.id for item in items_])
        for item in items_:
            own = queries.item_facts(item, reported=item.id in reports, signoff_open=item.id in opened)
            assert rebuilt[item.id] == own, item.number

    # A past day's ledger as the month's notice rebuilds it is what the ledger said at that day's end.
    for past, then in snapshots.items():
        if past >= today:
            continue
        again = services.ledger.rows(as_of=past)
        assert [(r.spec.number, r.status, r.percent) for r in again] == [
            (r.spec.number, r.status, r.percent) for r in then
        ], past
