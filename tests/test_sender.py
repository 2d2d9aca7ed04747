"""The outbox sender against a strict fake of the Bot API (no HTTP): every error marks its row and the drain
goes on, possible repeats are on record, one chat's burst holds up nobody else, long texts arrive whole.

The fake keeps Telegram's limits on the virtual clock (one message a second to a person, twenty a minute to a
group, thirty a second overall) and answers 429 when they are broken, so a test also shows no chat got more
than its limit.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from telegram import Chat, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, ChatMigrated, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.config import Settings
from bot.sender import DEFAULT_LEASE, MAX_BUTTON_ROWS, Batch, DrainResult, OutboxSender, SenderIdentity, merge
from bot.wiring import Duban, Overrides, build
from ledger.clock import ManualClock, VirtualTime
from messages.split import TELEGRAM_LIMIT, utf16_length
from services.outbox import ITEM_LABEL
from storage.models import AuditEntry, Person
from storage.review import GroupChat
from storage.scheduling import OutboxMessage, OutboxStatus
from tests.harness import migrated

START = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: outside the quiet hours
GROUP = -100_200_300


@dataclass
class Delivered:
    chat_id: int
    text: str
    at: datetime
    buttons: list[list[str]] = field(default_factory=list)
    document: str | None = None


class StrictBot:
    """Accepts messages as Telegram would, on the virtual clock, with faults a test sets per chat."""

    def __init__(self, clock: ManualClock) -> None:
        self._clock = clock
        self.delivered: list[Delivered] = []
        self.too_many_requests = 0
        self.faults: dict[int, deque[Exception | tuple[str, Exception | None]]] = {}
        self._times: dict[object, deque[float]] = {}

    def fail(self, chat_id: int, *errors: Exception | tuple[str, Exception | None]) -> None:
        """The next sends to `chat_id` raise these; ("accept", error) delivers first, then raises (or, with
        None, just delivers)."""
        self.faults.setdefault(chat_id, deque()).extend(errors)

    def _limit(self, chat_id: int) -> None:
        now = self._clock.now().timestamp()
        chat_window = (20, 60.0) if chat_id < 0 else (1, 1.0)
        for key, (count, seconds) in (("*", (30, 1.0)), (chat_id, chat_window)):
            times = self._times.setdefault(key, deque())
            while times and times[0] <= now - seconds:
                times.popleft()
            if len(times) >= count:
                self.too_many_requests += 1
                raise RetryAfter(1)
        for key in ("*", chat_id):
            self._times[key].append(now)

    def _deliver(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None, doc: str | None
    ) -> Message:
        fault = self.faults.get(chat_id)
        accepted_then: Exception | None = None
        if fault:
            pending = fault.popleft()
            if isinstance(pending, tuple):
                accepted_then = pending[1]
            else:
                raise pending
        self._limit(chat_id)
        if utf16_length(text) > TELEGRAM_LIMIT:
            raise BadRequest("Message is too long")
        buttons = [[b.text for b in row] for row in markup.inline_keyboard] if markup else []
        self.delivered.append(Delivered(chat_id, text, self._clock.now(), buttons, doc))
        if accepted_then is not None:
            raise accepted_then
        chat = Chat(chat_id, Chat.SUPERGROUP if chat_id < 0 else Chat.PRIVATE)
        return Message(len(self.delivered), self._clock.now(), chat)

    async def send_message(
        self, chat_id: int, text: str, *, reply_markup: InlineKeyboardMarkup | None = None
    ) -> Message:
        return self._deliver(chat_id, text, reply_markup, None)

    async def send_photo(self, chat_id: int, photo: bytes) -> Message:
        return self._deliver(chat_id, "[photo]", None, None)

    async def send_document(self, chat_id: int, document: bytes, *, filename: str) -> Message:
        return self._deliver(chat_id, "", None, filename)

    def to(self, chat_id: int) -> list[Delivered]:
        return [d for d in self.delivered if d.chat_id == chat_id]


@dataclass
class Rig:
    duban: Duban
    clock: ManualClock
    bot: StrictBot

    @property
    def sender(self) -> OutboxSender:
        return self.duban.sender

    def queue(
        self, chat_id: int, text: str, *, kind: str = "notice", person: bool = True, **fields: object
    ) -> int:
        """One due outbox row to `chat_id` (a bound person, or a group when the id is negative)."""
        now = self.clock.now()
        with self.duban.services.sessions() as session, session.begin():
            person_id = None
            if person and chat_id > 0:
                found = session.scalar(select(Person).where(Person.telegram_user_id == chat_id))
                if found is None:
                    found = Person(
                        name=f"干部{chat_id}", telegram_user_id=chat_id, bound_at=now, created_at=now
                    )
                    session.add(found)
                    session.flush()
                person_id = found.id
            count = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
            row = OutboxMessage(
                key=f"test:{count}", chat_id=chat_id, person_id=person_id, kind=kind, text=text, urgent=False,
                not_before=now - timedelta(seconds=1), status=OutboxStatus.PENDING, attempts=0, created_at=now,
                possible_repeat=False, **fields,
            )  # fmt: skip
            session.add(row)
            session.flush()
            return row.id

    def rows(self) -> dict[int, OutboxMessage]:
        with self.duban.services.sessions() as session:
            return {row.id: row for row in session.scalars(select(OutboxMessage))}

    def audit(self, action: str) -> list[AuditEntry]:
        with self.duban.services.sessions() as session:
            return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))

    async def drain(self) -> DrainResult:
        return await self.sender.drain(self.bot)


def _rig(url: str, data: Path, identity: SenderIdentity | None = None) -> Rig:
    clock = ManualClock(START)
    virtual = VirtualTime(clock)
    duban = build(
        Settings(database_url=url, data_dir=data),
        Overrides(clock=clock, sleep=virtual.sleep, monotonic=virtual.monotonic),
    )
    if identity is not None:
        duban.sender.identity = identity
    return Rig(duban, clock, StrictBot(clock))


@pytest.fixture
def rig(sqlite_url: str, tmp_path: Path) -> Iterator[Rig]:
    migrated(sqlite_url)
    built = _rig(sqlite_url, tmp_path / "data")
    yield built
    built.duban.close()


async def test_an_error_on_one_row_marks_that_row_and_the_others_go(rig: Rig) -> None:
    refused = rig.queue(101, "甲")
    conflict = rig.queue(102, "乙")
    broken = rig.queue(103, "丙")
    fine = rig.queue(104, "丁")
    rig.bot.fail(101, BadRequest("Chat not found"))
    rig.bot.fail(102, TelegramError("Conflict: terminated by other getUpdates request"))
    rig.bot.fail(103, ValueError("a fault of ours"))
    result = await rig.drain()
    rows = rig.rows()
    assert [d.text for d in rig.bot.delivered] == ["丁"]
    assert rows[fine].status == OutboxStatus.SENT
    assert {rows[i].status for i in (refused, conflict, broken)} == {OutboxStatus.FAILED}
    assert rows[refused].error == "Chat not found"
    assert rows[conflict].error is not None
    assert (rows[conflict].error or "").startswith("Conflict")
    assert rows[broken].error == "ValueError: a fault of ours"
    assert result.failed == 3
    assert not [row for row in rows.values() if row.status == OutboxStatus.CLAIMED]
    # Nothing is sent again: a failed row is on record, not retried behind anyone's back.
    assert (await rig.drain()).sent == 0


async def test_a_group_that_became_a_supergroup_gets_its_new_id_and_the_message(rig: Rig) -> None:
    with rig.duban.services.sessions() as session, session.begin():
        session.add(GroupChat(chat_id=GROUP, title="整改工作群", active=True, registered_at=rig.clock.now()))
    first = rig.queue(GROUP, "【通报】第16项", person=False)
    second = rig.queue(GROUP, "【已销号】第24.2项", kind="digest_group_signoff", person=False)
    new_id = GROUP - 1_000_000_000_000
    rig.bot.fail(GROUP, ChatMigrated(new_id))
    await rig.drain()
    assert [d.text for d in rig.bot.to(new_id)] == ["【通报】第16项\n\n【已销号】第24.2项"]
    rows = rig.rows()
    assert rows[first].chat_id == rows[second].chat_id == new_id
    with rig.duban.services.sessions() as session:
        assert session.get(GroupChat, GROUP) is None
        moved = session.get(GroupChat, new_id)
        assert moved is not None
        assert moved.title == "整改工作群"
    assert rig.audit("group_migrated")


@pytest.mark.parametrize(
    "error", [TimedOut("Timed out"), NetworkError("Bad Gateway")], ids=["timeout", "502"]
)
async def test_an_answer_lost_after_telegram_accepted_is_resent_on_record(rig: Rig, error: Exception) -> None:
    row_id = rig.queue(201, "【进展调度】第16项")
    rig.bot.fail(201, ("accept", error))
    first = await rig.drain()
    assert first.retried == 1
    assert first.possible_repeats == 1
    row = rig.rows()[row_id]
    assert row.status == OutboxStatus.PENDING
    assert row.possible_repeat
    rig.clock.advance(timedelta(minutes=1))  # past the back-off
    assert (await rig.drain()).sent == 1
    assert [d.text for d in rig.bot.to(201)] == ["【进展调度】第16项"] * 2  # the duplicate happened…
    row = rig.rows()[row_id]
    assert row.status == OutboxStatus.SENT
    assert row.possible_repeat
    (entry,) = rig.audit("resend_possible_repeat")
    assert entry.entity_id == str(row_id)
    assert entry.after is not None
    assert entry.after["reason"] == "no_answer"


async def test_a_live_senders_claim_is_never_taken_and_an_expired_one_is(
    sqlite_url: str, tmp_path: Path
) -> None:
    migrated(sqlite_url)
    first = _rig(sqlite_url, tmp_path / "data", SenderIdentity("other-host/4242/1"))
    standby = _rig(sqlite_url, tmp_path / "data")
    try:
        row_id = first.queue(301, "【预警】第31项")
        assert first.sender._claim()  # the first process holds the row and is still sending it
        standby.clock.set(first.clock.now())
        assert standby.sender.recover() == 0  # another host's claim: only its lease can end it
        assert (await standby.drain()).sent == 0
        standby.clock.advance(DEFAULT_LEASE + timedelta(seconds=1))
        assert (await standby.drain()).sent == 1
        row = standby.rows()[row_id]
        assert row.possible_repeat
        assert row.claimed_by is None
        assert [e.entity_id for e in standby.audit("resend_possible_repeat")] == [str(row_id)]
    finally:
        first.duban.close()
        standby.duban.close()


async def test_a_claim_of_a_dead_process_on_this_host_is_taken_back_at_start(rig: Rig) -> None:
    row_id = rig.queue(302, "【督办提醒】第39项")
    own = rig.sender.identity
    dead = SenderIdentity(f"{own.host_prefix}999999999/1")  # no such process
    rig.sender.identity = dead
    assert rig.sender._claim()
    rig.sender.identity = own
    assert rig.sender.recover() == 1
    assert (await rig.drain()).sent == 1
    assert rig.rows()[row_id].possible_repeat


async def test_a_burst_to_one_group_holds_up_no_private_message(rig: Rig) -> None:
    for n in range(45):
        # A kind that is never merged: 45 messages of their own to one group.
        rig.queue(GROUP, f"工作群通报 {n}", kind="digest", person=False)
    people = range(1_000, 1_300)
    for person in people:
        rig.queue(person, f"【整改时限提醒】{person}")
    await rig.drain()
    assert rig.bot.too_many_requests == 0
    private = [d.at for d in rig.bot.delivered if d.chat_id > 0]
    assert len(private) == 300
    assert (max(private) - START).total_seconds() <= 12  # 300 at 30 a second, not behind the group
    group = [d.at for d in rig.bot.to(GROUP)]
    assert len(group) == 45
    for n in range(len(group) - 20):
        assert (group[n + 20] - group[n]).total_seconds() >= 60  # never more than 20 a minute


async def test_many_messages_to_many_people_go_at_the_per_chat_pace(rig: Rig) -> None:
    for round_ in range(5):
        for person in range(2_000, 2_050):
            rig.queue(person, f"督办日报 {round_}", kind="digest")  # digests are never merged
    await rig.drain()
    assert rig.bot.too_many_requests == 0
    assert len(rig.bot.delivered) == 250
    last = max(d.at for d in rig.bot.delivered)
    assert (last - START).total_seconds() <= 10  # five a person at one a second, people in parallel
    for person in range(2_000, 2_050):
        times = [d.at for d in rig.bot.to(person)]
        assert all((b - a).total_seconds() >= 1 for a, b in itertools.pairwise(times))


async def test_a_long_text_arrives_whole_in_parts_counted_in_utf16(rig: Rig) -> None:
    lines = [f"第{n}项 𠀀 逾期未完成，请立即报送整改进展。" for n in range(600)]
    text = "\n".join(lines)
    assert utf16_length(text) > 3 * TELEGRAM_LIMIT
    buttons = [[{"text": "立即报送", "data": "nr:16"}]]
    row_id = rig.queue(401, text, kind="digest", buttons=buttons)
    await rig.drain()
    parts = rig.bot.to(401)
    assert len(parts) >= 4
    assert all(utf16_length(p.text) <= TELEGRAM_LIMIT for p in parts)
    assert "\n".join(p.text for p in parts).split("\n") == lines  # every line, in order, once
    assert [bool(p.buttons) for p in parts] == [False] * (len(parts) - 1) + [True]
    assert rig.rows()[row_id].status == OutboxStatus.SENT


async def test_parts_already_confirmed_are_not_sent_again(rig: Rig) -> None:
    text = "\n".join(f"第{n}项 逾期未完成" for n in range(900))
    row_id = rig.queue(402, text, kind="digest")
    # The first part is accepted; the second is accepted too, but its answer is lost.
    rig.bot.fail(402, ("accept", None), ("accept", TimedOut("Timed out")))
    await rig.drain()
    assert rig.rows()[row_id].parts_sent == 1
    rig.clock.advance(timedelta(minutes=1))
    await rig.drain()
    parts = [d.text for d in rig.bot.to(402)]
    assert parts[0] != parts[1]
    assert parts[1] == parts[2]
    assert "\n".join([parts[0], *parts[2:]]) == text
    assert rig.rows()[row_id].possible_repeat


async def test_a_file_follows_its_text(rig: Rig) -> None:
    rig.queue(
        501,
        "督办日报：清单过长，完整清单见附件。",
        kind="digest",
        attachment=b"PK",
        attachment_name="督办日报.xlsx",
    )
    await rig.drain()
    assert [(d.text, d.document) for d in rig.bot.to(501)] == [
        ("督办日报：清单过长，完整清单见附件。", None),
        ("", "督办日报.xlsx"),
    ]


# ---- merging: a message about several items names each button row's item --------------------------------


def _due(row_id: int, item_id: int | None, number: str, *, chat_id: int = 501) -> OutboxMessage:
    """A dispatch about item `number`, as the outbox keeps it: 立即报送 / 已知悉, each with its item's label."""
    buttons = [
        {"text": "立即报送", "data": f"nr:{number}", ITEM_LABEL: f"第{number}项 立即报送"},
        {"text": "已知悉", "data": f"na:{row_id}", ITEM_LABEL: f"第{number}项 已知悉"},
    ]
    return OutboxMessage(
        id=row_id, chat_id=chat_id, item_id=item_id, kind="dispatch", text=f"【进展调度】第{number}项",
        buttons=[buttons], parts_sent=0, attachment=None,
    )  # fmt: skip


def _labels(batch: Batch) -> list[list[str]]:
    return [[label for label, _ in row] for row in batch.buttons]


def test_merged_rows_about_several_items_name_the_item_on_each_button_row() -> None:
    (batch,) = merge([_due(1, 10, "16"), _due(2, 11, "24.1")])
    assert _labels(batch) == [["第16项 立即报送", "已知悉"], ["第24.1项 立即报送", "已知悉"]]
    assert batch.item_ids == (10, 11)
    assert batch.ids == (1, 2)


def test_merged_rows_about_one_item_keep_their_plain_labels() -> None:
    (batch,) = merge([_due(1, 10, "16"), _due(2, 10, "16")])
    # The second 立即报送 of the same item is the same button: shown once; and one 已知悉 per item (seen on
    # main: two), which acknowledges both rows.
    assert _labels(batch) == [["立即报送", "已知悉"]]
    assert batch.item_ids == (10,)
    (alone,) = merge([_due(1, 10, "16")])
    assert _labels(alone) == [["立即报送", "已知悉"]]


def test_rows_whose_buttons_would_not_fit_go_in_a_message_of_their_own() -> None:
    rows = [_due(n, 100 + n, str(n)) for n in range(1, MAX_BUTTON_ROWS + 3)]
    batches = merge(rows)
    assert [len(b.buttons) for b in batches] == [MAX_BUTTON_ROWS, 2]
    assert [data for b in batches for row in b.buttons for _, data in row][0::2] == [
        f"nr:{n}" for n in range(1, MAX_BUTTON_ROWS + 3)
    ]  # no button dropped
    assert _labels(batches[1]) == [
        [f"第{MAX_BUTTON_ROWS + 1}项 立即报送", "已知悉"],
        [f"第{MAX_BUTTON_ROWS + 2}项 立即报送", "已知悉"],
    ]


def test_a_row_kept_before_item_labels_existed_is_merged_with_its_plain_label() -> None:
    old = _due(1, 10, "16")
    assert old.buttons is not None
    old.buttons = [[{"text": b["text"], "data": b["data"]} for b in row] for row in old.buttons]
    (batch,) = merge([old, _due(2, 11, "24.1")])
    assert _labels(batch) == [["立即报送", "已知悉"], ["第24.1项 立即报送", "已知悉"]]


@pytest.mark.parametrize("step", [0.25, 0.3, 0.5, 0.7])
async def test_a_wait_that_runs_out_between_the_claim_and_the_look_is_not_the_end_of_the_drain(
    sqlite_url: str, tmp_path: Path, step: float
) -> None:
    """Time passes while the sender works: a chat's wait can run out after a claim passed its rows over
    and before the drain looks at what is left, or between two batches of the chat in one claim. The
    drain then claims again, and the chat's messages keep their order; before, it stopped there and left
    the rows for the next drain (the fairness bench counted them lost), or sent the third before the
    second."""
    migrated(sqlite_url)
    clock = ManualClock(START)
    virtual = VirtualTime(clock)

    def ticking() -> float:
        clock.advance(timedelta(seconds=step))
        return virtual.monotonic()

    settings = Settings(database_url=sqlite_url, data_dir=tmp_path / "data")
    duban = build(settings, Overrides(clock=clock, sleep=virtual.sleep, monotonic=ticking))
    rig = Rig(duban, clock, StrictBot(clock))
    try:
        for n in range(3):
            rig.queue(401, f"督办日报 第{n + 1}份", kind="digest")  # never merged: three messages
        await rig.drain()
        assert [row.status for row in rig.rows().values()] == [OutboxStatus.SENT] * 3
        assert [d.text for d in rig.bot.to(401)] == ["督办日报 第1份", "督办日报 第2份", "督办日报 第3份"]
    finally:
        duban.close()
