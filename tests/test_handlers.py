"""The chat handlers as they are, without Telegram: events in Duban's terms, answers through a recording
port (`tests/fake_chat.py`). Forged button data of every kind, re-authorized presses, and the one
conversation mechanism (its `/cancel`, its expiry, its state as plain versioned data)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.wiring import Overrides, build
from handlers.conversation import EXPIRY, FORMAT_VERSION, ChatMemory, DamagedStateError
from ledger.actor import Actor
from ledger.clock import ManualClock
from ledger.model import ItemSpec, ParsedLedger, Role, Target
from services.container import Services
from storage.models import AuditEntry, Base, BotMessage, Item, ProgressReport
from storage.review import SpotCheck, SpotCheckStatus
from tests.fake_chat import FakeChat
from tests.harness import migrated

OFFICER, OTHER_OFFICER, SUPERVISOR, LEADER, ADMIN = 730_001, 730_002, 730_003, 730_004, 730_009
EXPIRED = "该按钮已失效，未作任何更改。"
DRAFT_EXPIRED = "该操作已失效"
UNKNOWN = "未能识别该消息"

# Forged or malformed data of every kind of button (and of none): answered as expired, nothing changed.
FORGED = [
    "rp:16:99999", "rp:16:-5", "rp:16:abc", "rp:16:101", "rp:16", "rd:16:x", "rc:", "re:16:1",
    "nr:", "nr:1 6", "na:abc", "na:0", "ns:-1", "ns:99999999999",
    "so:x:1", "so:a:0", "so:a:abc", "so:a:1:2",
    "ext_ok:abc", "ext_no:", "spot_ok:0", "spot_re:x",
    "it:", "it:16:1", "import:apply:bad", "import:drop:Ab3_-xY9",
    "", "zz:1", "so", "rp:16:50\n",
]  # fmt: skip


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite store, made once: each test copies it (migrating takes most of a second)."""
    path = tmp_path_factory.mktemp("store") / "duban.db"
    migrated(f"sqlite:///{path}")
    return path


@pytest.fixture
async def chat(tmp_path: Path, clock: ManualClock, empty_store: Path) -> AsyncIterator[FakeChat]:
    shutil.copyfile(empty_store, tmp_path / "duban.db")
    url = f"sqlite:///{tmp_path / 'duban.db'}"
    services = build(Settings(database_url=url, data_dir=tmp_path / "data"), Overrides(clock=clock)).services
    roster = services.roster
    for unit_name in ("市住建局", "市水务局", "整改办"):
        roster.add_unit(unit_name, actor=Actor.system("test"))
    for user, name, role, unit in (
        (OFFICER, "张伟", Role.OFFICER, "市住建局"),
        (OTHER_OFFICER, "李娜", Role.OFFICER, "市水务局"),
        (SUPERVISOR, "王督导", Role.SUPERVISOR, "整改办"),
        (LEADER, "孙局长", Role.LEADER, "市住建局"),
        (ADMIN, "管理员", Role.ADMIN, None),
    ):
        roster.add_person(name, unit=unit, role=role, actor=Actor.system("test"), telegram_user_id=user)
    services.ledger.import_ledger(
        ParsedLedger(
            [
                ItemSpec(number, f"事项{number}", "问题。", date(2026, 1, 1), targets=[Target("目标", date(2027, 6, 30))],
                         responsible_units=["市住建局"], supervising_units=["整改办"])
                for number in ("16", "17")
            ]
        ),
        actor=Actor.system("test"),
        dry_run=False,
    )  # fmt: skip
    yield FakeChat(services)
    services.close()


def snapshot(services: Services) -> dict[str, object]:
    """Every table's rows, the items' state and every audit entry but a stranger's."""
    with services.sessions() as session:
        counts: dict[str, object] = {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
            if table.name not in (AuditEntry.__tablename__, BotMessage.__tablename__)
        }
        counts["audit"] = session.scalar(select(func.count()).select_from(AuditEntry))
        counts["items"] = session.execute(
            select(Item.number, Item.percent, Item.signed_off_at, Item.reopened_at).order_by(Item.id)
        ).all()
        return counts


def percent(services: Services, number: str = "16") -> int:
    with services.sessions() as session:
        return session.scalars(select(Item.percent).where(Item.number == number)).one()


# ---- forged button data ---------------------------------------------------------------------------


@pytest.mark.parametrize("user", [OFFICER, SUPERVISOR, ADMIN])
async def test_forged_data_of_every_kind_is_answered_as_expired_and_changes_nothing(
    chat: FakeChat, user: int
) -> None:
    (ask,) = await chat.send(user, "/report 16") if user != SUPERVISOR else [None]
    before = snapshot(chat.services)
    state = chat.memory.to_data()
    for data in FORGED:
        assert (await chat.press(user, data)).text == EXPIRED, data
    assert chat.to(user)[-1:] == ([ask] if ask else [])  # nothing said besides the press answers
    assert snapshot(chat.services) == before
    assert chat.memory.to_data() == state  # the draft under way is where it was


async def test_a_forged_percent_never_reaches_the_item(chat: FakeChat) -> None:
    """The issue's case: `rp:16:99999` and `rp:16:-5` stored 99999 % and −5 %, `rp:16:abc` raised."""
    (ask,) = await chat.send(OFFICER, "/report 16")
    for forged in ("rp:16:99999", "rp:16:-5", "rp:16:abc"):
        assert (await chat.press(OFFICER, forged, under=ask.ref)).text == EXPIRED
        (still,) = await chat.send(OFFICER, "现场已完成清运")  # the draft still waits for a percent
        assert still.text.startswith(UNKNOWN)  # the hint for what nobody took
    assert (await chat.press(OFFICER, "rp:16:50", under=ask.ref)).text is None
    await chat.send(OFFICER, "完成2号池清淤")
    (summary,) = await chat.send(OFFICER, "/done")
    assert "0% → 50%" in summary.text
    await chat.press(OFFICER, "rc:16", under=summary.ref)
    assert percent(chat.services) == 50


async def test_a_draft_button_of_another_item_or_step_is_expired(chat: FakeChat) -> None:
    (ask,) = await chat.send(OFFICER, "/report 16")
    await chat.send(OFFICER, "/report 17")  # a new draft: the buttons of the first one are stale
    assert ((await chat.press(OFFICER, "rp:16:50", under=ask.ref)).text or "").startswith(DRAFT_EXPIRED)
    answer = await chat.press(OFFICER, "rc:17")  # a step the draft is not at
    assert (answer.text or "").startswith(DRAFT_EXPIRED)
    assert chat.removed == []


async def test_every_press_is_authorized_again(chat: FakeChat) -> None:
    """A draft started while the person could report, pressed after they lost the right: refused."""
    (ask,) = await chat.send(OFFICER, "/report 16")
    state = chat.memory.to_data()
    chat.services.roster.deactivate("张伟", actor=Actor.system("test"), actor_person_id=None)
    answer = await chat.press(OFFICER, "rp:16:50", under=ask.ref)
    assert answer.alert
    assert (answer.text or "").startswith("您好！督办机器人仅供")
    assert chat.memory.to_data() == state
    chat.services.roster.add_person(
        "赵六", unit="市水务局", role=Role.OFFICER, actor=Actor.system("test"), telegram_user_id=730_005
    )
    await chat.send(730_005, "/report 16")  # refused: the item is not theirs, so no draft
    assert ((await chat.press(730_005, "rp:16:50")).text or "").startswith(DRAFT_EXPIRED)


async def test_a_confirmation_is_refused_when_the_item_was_signed_off_meanwhile(chat: FakeChat) -> None:
    (ask,) = await chat.send(OFFICER, "/report 16")
    await chat.press(OFFICER, "rp:16:50", under=ask.ref)
    await chat.send(OFFICER, "完成清淤")
    (summary,) = await chat.send(OFFICER, "/done")
    with chat.services.sessions() as session, session.begin():  # signed off meanwhile
        signed = session.scalars(select(Item).where(Item.number == "16")).one()
        signed.percent, signed.signed_off_at = 100, chat.services.office.now()
    answer = await chat.press(OFFICER, "rc:16", under=summary.ref)
    assert answer.alert
    assert (answer.text or "").startswith("第16项已销号")
    with chat.services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProgressReport)) == 0


# ---- one conversation mechanism -------------------------------------------------------------------


async def test_one_cancel_ends_whichever_conversation_is_under_way(chat: FakeChat) -> None:
    await chat.send(OFFICER, "/report 16")
    (cancelled,) = await chat.send(OFFICER, "/cancel")
    assert cancelled.text == "已取消第16项的进展报送，未保存任何内容。"
    chat.services.signoff.set_rule("none", actor=Actor.system("test"))
    await chat.send(OFFICER, "/report 16 100% 全部完成")  # sign-off is asked only at 100 %
    await chat.send(OFFICER, "/signoff 16")
    (cancelled,) = await chat.send(OFFICER, "/cancel")
    assert cancelled.text == "已取消。"
    (nothing,) = await chat.send(OFFICER, "/cancel")
    assert nothing.text.startswith("当前没有进行中的操作")
    assert chat.memory.conversations == {}


async def test_a_new_conversation_ends_the_one_before(chat: FakeChat) -> None:
    chat.services.signoff.set_rule("none", actor=Actor.system("test"))
    await chat.send(OFFICER, "/report 16 100% 全部完成")  # sign-off is asked only at 100 %
    (ask,) = await chat.send(OFFICER, "/report 16")
    await chat.send(OFFICER, "/signoff 16")
    (filed,) = await chat.send(OFFICER, "整改任务已全部完成，资料齐全")
    assert filed.text.startswith("已提交销号申请：第16项")
    assert ((await chat.press(OFFICER, "rp:16:50", under=ask.ref)).text or "").startswith(DRAFT_EXPIRED)


async def test_a_conversation_left_untouched_expires(chat: FakeChat, clock: ManualClock) -> None:
    (ask,) = await chat.send(OFFICER, "/report 16")
    await chat.press(OFFICER, "rp:16:50", under=ask.ref)
    clock.advance(EXPIRY + timedelta(minutes=1))
    (hint,) = await chat.send(OFFICER, "完成2号池清淤")  # no longer taken as the draft's text
    assert hint.text.startswith(UNKNOWN)
    (nothing,) = await chat.send(OFFICER, "/cancel")
    assert nothing.text.startswith("当前没有进行中的操作")


async def test_a_conversation_touched_in_time_goes_on(chat: FakeChat, clock: ManualClock) -> None:
    (ask,) = await chat.send(OFFICER, "/report 16")
    clock.advance(EXPIRY - timedelta(minutes=1))
    await chat.press(OFFICER, "rp:16:50", under=ask.ref)
    clock.advance(EXPIRY - timedelta(minutes=1))  # counted from the last step
    (ask_files,) = await chat.send(OFFICER, "完成2号池清淤")
    assert "请发送照片或文件" in ask_files.text


async def test_the_reopening_question_takes_only_a_reply_and_can_be_cancelled(
    chat: FakeChat, clock: ManualClock
) -> None:
    with chat.services.sessions() as session, session.begin():
        item = session.scalars(select(Item).where(Item.number == "16")).one()
        item.percent, item.signed_off_at = 100, clock.now()
        check = SpotCheck(item_id=item.id, due_on=clock.now().date(), status=SpotCheckStatus.DUE)
        session.add(check)
        session.flush()
        check_id = check.id
    await chat.press(SUPERVISOR, f"spot_re:{check_id}")
    question = chat.to(SUPERVISOR)[-1]
    assert question.text.startswith("重新纳入整改：第16项")
    (hint,) = await chat.send(SUPERVISOR, "2027-06-30 问题反弹")  # not a reply: not the answer
    assert hint.text.startswith(UNKNOWN)
    (cancelled,) = await chat.send(SUPERVISOR, "/cancel")
    assert cancelled.text == "已取消第16项的重新纳入整改，未作任何更改。"
    await chat.press(SUPERVISOR, f"spot_re:{check_id}")
    question = chat.to(SUPERVISOR)[-1]
    (reopened,) = await chat.send(SUPERVISOR, "2027-06-30 现场核查发现问题反弹", reply_to=question.ref)
    assert "重新纳入整改" in reopened.text
    assert chat.memory.conversations == {}


async def test_the_state_is_plain_versioned_data_at_every_step(chat: FakeChat) -> None:
    photo = b"\x89PNG\r\n\x1a\n" + b"site" * 100
    (ask,) = await chat.send(OFFICER, "/report 16")
    await chat.press(OFFICER, "rp:16:k", under=ask.ref)
    await chat.send(OFFICER, "完成2号池清淤")
    await chat.send_photo(OFFICER, photo)
    assert chat.kept_states  # every change was kept
    for kept in chat.kept_states:
        data = json.loads(kept)
        assert data["version"] == FORMAT_VERSION
        again = ChatMemory.from_data(data, chat.services.office.now())
        assert json.loads(json.dumps(again.to_data(), ensure_ascii=False)) == data
    (conversation,) = json.loads(chat.kept_states[-1])["conversations"]
    assert (conversation["topic"], conversation["step"]) == ("report", "evidence")
    assert conversation["data"]["files"][0]["media_type"] == "image/jpeg"
    # Read back, the draft goes on where it was.
    chat.memory.conversations = ChatMemory.from_data(
        json.loads(chat.kept_states[-1]), chat.services.office.now()
    ).conversations
    (summary,) = await chat.send(OFFICER, "/done")
    await chat.press(OFFICER, "rc:16", under=summary.ref)
    assert chat.to(OFFICER)[-1].text.startswith("已记录第16项进展")


async def test_a_conversation_whose_data_no_longer_reads_is_over(chat: FakeChat) -> None:
    """Kept by an older version whose draft had other fields: the message goes on to the routes."""
    await chat.send(OFFICER, "/report 16")
    key = (OFFICER, OFFICER)
    old = chat.memory.conversations[key]
    chat.memory.conversations[key] = dataclasses.replace(old, step="text", data={"numero": "16", "pct": 50})
    (hint,) = await chat.send(OFFICER, "完成2号池清淤")
    assert hint.text.startswith(UNKNOWN)
    assert chat.memory.conversations == {}


@pytest.mark.parametrize(
    "data",
    [
        None, [], "text", {}, {"version": FORMAT_VERSION - 1, "conversations": [], "refused_albums": {}},
        {"version": FORMAT_VERSION + 1, "conversations": [], "refused_albums": {}},
        {"version": FORMAT_VERSION, "conversations": [{"chat": 1}], "refused_albums": {}},
        {"version": FORMAT_VERSION, "conversations": [], "refused_albums": {"x": []}},
        {"version": FORMAT_VERSION, "conversations": "many", "refused_albums": {}},
        {"version": FORMAT_VERSION, "conversations": [{"chat": 1, "user": True, "topic": "report", "step": "text",
         "data": {}, "updated_at": "2026-11-20T02:00:00+00:00", "question": None}], "refused_albums": {}},
        {"version": FORMAT_VERSION, "conversations": [{"chat": 1, "user": 2, "topic": "report", "step": "text",
         "data": {}, "updated_at": "2026-11-20T02:00:00", "question": None}], "refused_albums": {}},
    ],
)  # fmt: skip
def test_data_that_is_not_a_chat_state_of_this_version_is_refused(data: object, clock: ManualClock) -> None:
    with pytest.raises(DamagedStateError):
        ChatMemory.from_data(data, clock.now())


def test_expired_conversations_are_left_out_when_read(clock: ManualClock) -> None:
    entry = {"chat": 1, "user": 2, "topic": "report", "step": "text", "data": {}, "question": [1, 5]}
    data = {
        "version": FORMAT_VERSION,
        "conversations": [
            {**entry, "updated_at": (clock.now() - EXPIRY - timedelta(seconds=1)).isoformat()},
            {**entry, "user": 3, "updated_at": clock.now().isoformat()},
        ],
        "refused_albums": {"1": ["album"]},
    }
    memory = ChatMemory.from_data(data, clock.now())
    assert list(memory.conversations) == [(1, 3)]
    assert memory.refused_albums == {1: ["album"]}
