"""`kill -9` at any moment loses nothing and duplicates nothing silently.

The loopback Bot API runs here; `duban run` runs as a real subprocess against it and drains an outbox
written before it starts. The process is killed with SIGKILL at a chosen moment, started again, and
left to finish. Then every person must have the message at least once, and every copy beyond the
first must be on record: the row flagged `possible_repeat` and a `resend_possible_repeat` audit entry
per restart that sent it again. Rows marked sent before the kill must have gone out exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.sender import chat_of
from loopback import LoopbackBotApi, SentMessage
from storage.db import create_db_engine, create_session_factory
from storage.models import AuditEntry, Person
from storage.scheduling import OutboxMessage, OutboxStatus
from tests.harness import BotHarness, migrated
from tests.test_run import BotProcess, bot_env, duban_run

PEOPLE = 45  # one message each: about 1.5 s of sending at 30 messages a second, room to be killed mid-way
FIRST_USER = 810_000
USERS = range(FIRST_USER, FIRST_USER + PEOPLE)
DONE = (OutboxStatus.SENT, OutboxStatus.MERGED)


def text_for(user: int) -> str:
    return f"【督办通知】请于本周五前报送整改进展（编号 {user}）。"


@dataclass(frozen=True)
class Store:
    url: str
    sessions: sessionmaker[Session]

    def statuses(self) -> dict[int, OutboxStatus]:
        """Chat id → status of its row."""
        with self.sessions() as session:
            return {chat_of(row): row.status for row in session.scalars(select(OutboxMessage))}

    def rows(self) -> dict[int, OutboxMessage]:
        with self.sessions() as session:
            return {chat_of(row): row for row in session.scalars(select(OutboxMessage))}

    def resends(self) -> Counter[int]:
        """Outbox row id → how many `resend_possible_repeat` entries the audit log holds for it."""
        with self.sessions() as session:
            statement = (
                select(AuditEntry.entity_id, func.count())
                .where(AuditEntry.action == "resend_possible_repeat", AuditEntry.entity == "outbox")
                .group_by(AuditEntry.entity_id)
            )
            rows = session.execute(statement)
            return Counter({int(entity_id): n for entity_id, n in rows if entity_id is not None})


def write_notices(sessions: sessionmaker[Session], now: datetime) -> None:
    """One bound person per user and one due, urgent (so quiet hours do not hold it) notice to each."""
    with sessions() as session, session.begin():
        for n, user in enumerate(USERS, start=1):
            person = Person(name=f"干部{n}", telegram_user_id=user, bound_at=now, created_at=now)
            session.add(person)
            session.flush()
            session.add(
                OutboxMessage(
                    key=f"crash-test:{user}", chat_id=user, person_id=person.id, kind="notice",
                    text=text_for(user), urgent=True, not_before=now - timedelta(minutes=1),
                    status=OutboxStatus.PENDING, created_at=now,
                )
            )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A migrated database holding the notices."""
    url = f"sqlite:///{tmp_path / 'duban.db'}"
    migrated(url)
    engine = create_db_engine(url)
    sessions = create_session_factory(engine)
    write_notices(sessions, datetime.now(UTC))
    yield Store(url, sessions)
    engine.dispose()


@pytest.fixture
def api() -> LoopbackBotApi:
    """Telegram's flood limits enforced: a restarted sender must keep them too."""
    server = LoopbackBotApi(enforce_limits=True)
    for user in USERS:
        server.add_user(user)
    return server


def kill_now(pid: int) -> None:
    """SIGKILL, and return only once the process is gone, so that it cannot act on anything after."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return  # it ended by itself before: `died` fails on its exit code and shows its stderr
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.001)  # the bot must not get the server's answer while it dies: block the loop
    raise TimeoutError(f"process {pid} survived SIGKILL")


def notices(api: LoopbackBotApi) -> Counter[int]:
    """User → how many copies of their notice arrived."""
    wanted = {text_for(user): user for user in USERS}
    return Counter(wanted[m.text] for m in api.all_sent() if m.text in wanted)


async def wait_done(store: Store, timeout: float) -> None:  # noqa: ASYNC109
    """Poll the store, with a deadline, until every row is out."""
    deadline = time.monotonic() + timeout
    while not all(status in DONE for status in store.statuses().values()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"outbox not drained: {Counter(store.statuses().values())}")
        await asyncio.sleep(0.1)


@dataclass(frozen=True)
class Crash:
    """What the store held the moment the process died."""

    marked: frozenset[int]  # users whose row was already marked sent
    claimed: frozenset[int]  # users whose row was claimed: maybe sent, maybe not
    delivered: Counter[int]  # what Telegram had accepted


async def died(bot: BotProcess, api: LoopbackBotApi, store: Store) -> Crash:
    """Wait for the kill the test arranged; what the store held then."""
    async with asyncio.timeout(30):
        await bot.process.wait()
    finished = await bot.finished()
    assert finished.code == -signal.SIGKILL, finished.err
    statuses = store.statuses()
    return Crash(
        marked=frozenset(u for u, s in statuses.items() if s in DONE),
        claimed=frozenset(u for u, s in statuses.items() if s == OutboxStatus.CLAIMED),
        delivered=notices(api),
    )


async def finish(bot: BotProcess, api: LoopbackBotApi, store: Store, crashes: list[Crash]) -> None:
    """Let the restarted bot drain everything, stop it cleanly, and check the outcome."""
    await wait_done(store, timeout=30)
    finished = await bot.stop()
    assert finished.code == 0, finished.err
    assert "Traceback" not in finished.err, finished.err
    assert f"{len(crashes[-1].claimed)} outbox messages were claimed" in finished.err
    received = notices(api)
    rows = store.rows()
    resends = store.resends()
    assert set(received) == set(USERS), f"lost: {sorted(set(USERS) - set(received))}"
    for user in USERS:
        row = rows[user]
        assert row.status == OutboxStatus.SENT
        assert row.telegram_message_id == api.last_sent(user).message_id
        # Every copy beyond the first is on record: flagged, and audited once per resend.
        assert received[user] <= 1 + resends[row.id], (user, received[user], resends[row.id])
        assert row.possible_repeat == (resends[row.id] > 0)
    for user in crashes[0].marked:
        assert received[user] == 1
    # Exactly the rows claimed at a crash were flagged: a row marked sent is never sent again.
    flagged = {user for user, row in rows.items() if row.possible_repeat}
    assert flagged == set().union(*(crash.claimed for crash in crashes))
    for crash in crashes:
        assert crash.marked <= set(crash.delivered), "marked sent but Telegram never had it"


def kill_on_send(api: LoopbackBotApi, bot: BotProcess, when: Callable[[SentMessage], bool]) -> list[int]:
    """Kill the bot as the server accepts the first notice that `when` picks, before the bot hears
    Telegram's answer; returns the list the victim's chat id goes into."""
    wanted = {text_for(user) for user in USERS}
    victims: list[int] = []

    def hook(message: SentMessage) -> None:
        if not victims and message.text in wanted and when(message):
            victims.append(message.chat_id)
            kill_now(bot.process.pid)

    api.on_send = hook
    return victims


async def test_kill_before_anything_was_sent(
    tmp_path: Path, api: LoopbackBotApi, api_url: str, store: Store
) -> None:
    """Rows claimed, the first send held by a long flood wait: nothing reached Telegram. After the
    restart every row goes out once, each on record as a possible repeat: the crash could not tell."""
    api.inject_429(retry_after=60)
    env = bot_env(api, api_url, store.url)
    async with duban_run(tmp_path, env) as bot:
        await api.wait_for(lambda: api.stats.too_many_requests, timeout=30)
        kill_now(bot.process.pid)
        crash = await died(bot, api, store)
    assert not crash.delivered
    assert not crash.marked
    assert crash.claimed
    async with duban_run(tmp_path, env) as bot:
        await finish(bot, api, store, [crash])
    assert set(notices(api).values()) == {1}


async def test_kill_mid_drain(tmp_path: Path, api: LoopbackBotApi, api_url: str, store: Store) -> None:
    env = bot_env(api, api_url, store.url)
    async with duban_run(tmp_path, env) as bot:
        await api.wait_for(lambda: len(notices(api)) >= PEOPLE // 3, timeout=30)
        kill_now(bot.process.pid)
        crash = await died(bot, api, store)
    assert crash.marked
    assert len(crash.marked) < PEOPLE
    async with duban_run(tmp_path, env) as bot:
        await finish(bot, api, store, [crash])


async def test_kill_right_after_telegram_accepted(
    tmp_path: Path, api: LoopbackBotApi, api_url: str, store: Store
) -> None:
    """Killed between Telegram's acceptance and the mark: that person gets the message again, on record."""
    env = bot_env(api, api_url, store.url)
    async with duban_run(tmp_path, env) as bot:
        victims = kill_on_send(api, bot, lambda _: len(api.all_sent()) >= PEOPLE // 2)
        crash = await died(bot, api, store)
    (victim,) = victims
    assert victim in crash.claimed
    assert crash.delivered[victim] == 1
    api.on_send = None
    async with duban_run(tmp_path, env) as bot:
        await finish(bot, api, store, [crash])
    assert notices(api)[victim] == 2
    assert store.resends()[store.rows()[victim].id] == 1


async def test_killed_again_while_resending(
    tmp_path: Path, api: LoopbackBotApi, api_url: str, store: Store
) -> None:
    """The resend itself is killed after Telegram accepted it: a third copy, and a second record of it."""
    env = bot_env(api, api_url, store.url)
    async with duban_run(tmp_path, env) as bot:
        first = kill_on_send(api, bot, lambda _: len(api.all_sent()) >= PEOPLE // 2)
        crashes = [await died(bot, api, store)]
    (victim,) = first
    async with duban_run(tmp_path, env) as bot:
        again = kill_on_send(api, bot, lambda message: message.chat_id == victim)
        crashes.append(await died(bot, api, store))
    assert again == [victim]
    api.on_send = None
    async with duban_run(tmp_path, env) as bot:
        await finish(bot, api, store, crashes)
    assert notices(api)[victim] == 3
    assert store.resends()[store.rows()[victim].id] == 2


async def test_drains_that_overlap_never_claim_the_same_row(bot: BotHarness) -> None:
    """The tick's drain and the drain job may run at once (both fire on the minute): each row is sent
    by one of them only."""
    for user in USERS:
        bot.api.add_user(user)
    write_notices(bot.services.sessions, bot.clock.now())
    results = await asyncio.gather(*(bot.deliver() for _ in range(4)))
    assert sum(result.sent for result in results) == PEOPLE
    assert set(notices(bot.api).values()) == {1}
