"""Shared fixtures: a migrated store on SQLite or PostgreSQL, a manual clock, the CLI run in-process."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bot.cli import main
from bot.config import Settings
from bot.wiring import Overrides, build
from ledger.clock import ManualClock
from loopback import LoopbackBotApi
from loopback.http import HttpFront
from services.container import Services
from tests.harness import BotHarness, Transport, migrated, running_bot

SAMPLES = Path(__file__).resolve().parent / "data" / "plans"
JIAYUGUAN = SAMPLES / "jiayuguan-2020-rectification-plan.txt"
POSTGRES_URL = os.environ.get("DUBAN_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a schema of its own on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'duban.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("DUBAN_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped")
    with postgres_schema(POSTGRES_URL) as url:
        yield url


@contextmanager
def postgres_schema(server_url: str) -> Iterator[str]:
    """A schema of its own on the PostgreSQL server, as the URL of a store in it; dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'duban.db'}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))


@pytest.fixture
def services(db_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[Services]:
    migrated(db_url)
    settings = Settings(database_url=db_url, data_dir=tmp_path / "data")
    built = build(settings, Overrides(clock=clock)).services
    yield built
    built.close()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


class CliRunner:
    """Runs `duban …` in-process with the given environment, capturing what a terminal would show."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self._capsys = capsys
        self._monkeypatch = monkeypatch

    def env(self, **values: str) -> None:
        for key, value in values.items():
            self._monkeypatch.setenv(key, value)

    def __call__(self, *argv: str) -> CliResult:
        self._capsys.readouterr()
        code = main(list(argv))
        captured = self._capsys.readouterr()
        return CliResult(code, captured.out, captured.err)


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str
) -> CliRunner:
    """The CLI on an empty SQLite database in a temporary data folder (run `db upgrade` first)."""
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith("DUBAN_") and key != "DUBAN_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)
    runner = CliRunner(capsys, monkeypatch)
    runner.env(DUBAN_DATA_DIR=str(tmp_path / "data"), DUBAN_DATABASE_URL=sqlite_url)
    return runner


@pytest.fixture
async def bot(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    """The real application polling the loopback Bot API emulator, on a fresh SQLite store: in-process,
    or over HTTP for a test marked `http`."""
    transport: Transport = "http" if request.node.get_closest_marker("http") else "in_process"
    async with running_bot(tmp_path, clock, transport=transport) as harness:
        yield harness


@pytest.fixture
async def api_url(api: LoopbackBotApi) -> AsyncIterator[str]:
    """The test module's emulator (its `api` fixture) served over HTTP, for a bot in another process:
    what `DUBAN_TELEGRAM_API_URL` takes."""
    async with HttpFront(api) as front:
        yield front.base_url


# Tables a test wants shown (the authorization matrix): printed after the run, since what a test writes
# while it runs is captured and shown only when it fails.
# Each with the test's place in the collection, so that they print in test order however the tests ran.
SUMMARY_TABLES = pytest.StashKey[list[tuple[int, str, list[str]]]]()


@pytest.fixture
def summary_table(request: pytest.FixtureRequest) -> Callable[[str, list[str]], None]:
    """`summary_table(title, lines)` shows the lines at the end of the test run's output."""
    tables = request.config.stash.setdefault(SUMMARY_TABLES, [])
    place = request.session.items.index(request.node)
    return lambda title, lines: tables.append((place, title, lines))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker: hand the tables to the controller, which prints the summary."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["summary_tables"] = session.config.stash.get(SUMMARY_TABLES, [])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """In the pytest-xdist controller: a worker finished; keep the tables it made."""
    tables = node.config.stash.setdefault(SUMMARY_TABLES, [])
    tables.extend(
        (place, title, list(lines)) for place, title, lines in node.workeroutput.get("summary_tables", [])
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    tables: list[tuple[int, str, list[str]]] = config.stash.get(SUMMARY_TABLES, [])
    for _, title, lines in sorted(tables):
        terminalreporter.write_sep("-", title)
        for line in lines:
            terminalreporter.write_line(line)
