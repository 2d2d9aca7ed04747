"""Every command and every button, run as each of eight roles: the answer, and nothing changed where it
must not.

Each role acts on its own copy of what a row needs (its own item, sign-off request, extension, spot-check,
reminder, staged import), so one role's success never decides another's outcome. An "ok" must show what
the command is for and, where the command changes the ledger, change it; every refusal must leave the
store as it was. The table of outcomes is written to the test output.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from ledger.access import Viewer
from ledger.actor import Actor
from ledger.indicators import Attribute, IndicatorSpec
from ledger.model import ItemSpec, Measure, ParsedLedger, Role, Target
from loopback import SentMessage
from services.accounts import TelegramUser
from storage.models import AuditEntry, Base, BotMessage, Item
from storage.review import SpotCheck, SpotCheckStatus
from storage.scheduling import OutboxMessage
from tests.harness import ADMIN_ID, BotHarness

ROLES = {
    # role name → (telegram id, name, role, unit)
    "stranger": (800_001, None, None, None),
    "officer of another unit": (800_002, "外单位人员", Role.OFFICER, "市水务局"),
    "officer": (800_003, "本单位人员", Role.OFFICER, "市住建局"),
    "leader": (800_004, "本单位领导", Role.LEADER, "市住建局"),
    "supervisor of another unit": (800_005, "外督导", Role.SUPERVISOR, "水务督导组"),
    "supervisor": (800_006, "本督导", Role.SUPERVISOR, "整改办"),
    "leadership": (800_007, "组长", Role.LEADERSHIP, None),
    "admin": (ADMIN_ID, "管理员", None, None),
}
ORDER = list(ROLES)
TODAY = date(2026, 11, 20)  # the harness clock's day, a Friday
NEXT_WORKING_DAY = date(2026, 11, 23)

# The refusals a user can get, by what the answer starts with; any other answer is "ok".
REFUSALS = (
    ("stranger", re.compile(r"您好！督办机器人仅供")),
    ("role", re.compile(r"该操作需要以下角色之一")),
    ("hidden", re.compile(r"未找到您可查看的|找不到该销号申请")),
    ("own", re.compile(r"不能审核或确认本人提交的")),
    ("not theirs", re.compile(r"只有第\S+项|该按钮不是发给您的|第\S+项的进展由其|该操作已失效|该问题已失效")),
)

BOUND = dict.fromkeys(ORDER, "ok") | {"stranger": "stranger"}
ITEM_VISIBLE = BOUND | {"officer of another unit": "hidden", "supervisor of another unit": "hidden"}
NOBODY = dict.fromkeys(ORDER, "role") | {"stranger": "stranger"}
ADMIN = NOBODY | {"admin": "ok"}
OVERSEERS = NOBODY | dict.fromkeys(
    ("leader", "supervisor of another unit", "supervisor", "leadership", "admin"), "ok"
)
SUPERVISION = NOBODY | dict.fromkeys(
    ("supervisor of another unit", "supervisor", "leadership", "admin"), "ok"
)
REPORTERS = NOBODY | {"officer of another unit": "hidden", "officer": "ok", "leader": "ok", "admin": "ok"}
# The item's own people: its officers and leaders, and the supervisors of its supervising unit.
ITEM_PEOPLE = NOBODY | {
    "officer of another unit": "hidden", "officer": "ok", "leader": "ok", "supervisor of another unit": "hidden",
    "supervisor": "ok",
}  # fmt: skip
SUPERVISORS_OF_ITEM = NOBODY | {
    "supervisor of another unit": "hidden", "supervisor": "ok", "leadership": "ok", "admin": "ok",
}  # fmt: skip
# A button of someone else's request, pressed by a bound user: refused by the service, naming who may act.
NOT_THEIRS = dict.fromkeys(ORDER, "not theirs") | {"stranger": "stranger"}

Prepare = Callable[[BotHarness, str, str], Awaitable[str | None]]
ShowTable = Callable[[str, list[str]], None]


@dataclass(frozen=True)
class Case:
    """One row of the table: a command (`{n}`: the role's own item, `{r}`: the role's index) or a button
    whose data `prepare` makes, what each role must get, and what an "ok" shows."""

    label: str
    expected: Mapping[str, str]
    shows: str
    command: str = ""
    prepare: Prepare | None = None
    changes: bool = False  # an "ok" changes the store
    deadline: date = date(2027, 6, 30)  # of the role's own item

    @property
    def own_items(self) -> bool:
        return "{n}" in self.command or self.prepare is not None


# ---- what the rows need, made through the services as the bot's users would ----------------------------


def viewer(bot: BotHarness, role: str) -> Viewer:
    user_id, name, _, _ = ROLES[role]
    return bot.services.accounts.viewer(TelegramUser(user_id, name or "陌生人", None))


def _signoff_request(bot: BotHarness, number: str) -> int:
    bot.services.signoff.set_rule("none", actor=Actor.system("test"))
    return bot.services.signoff.request(viewer(bot, "officer"), number, "100% 整改任务已全部完成").request_id


async def evidence_rule_none(bot: BotHarness, role: str, number: str) -> None:
    bot.services.signoff.set_rule("none", actor=Actor.system("test"))


async def filed_request(bot: BotHarness, role: str, number: str) -> None:
    """The officer's sign-off request on the item, awaiting the leader."""
    _signoff_request(bot, number)


def awaiting_leader(action: str) -> Prepare:
    async def prepare(bot: BotHarness, role: str, number: str) -> str:
        return f"so:{action}:{_signoff_request(bot, number)}"

    return prepare


def under_review(action: str) -> Prepare:
    async def prepare(bot: BotHarness, role: str, number: str) -> str:
        request_id = _signoff_request(bot, number)
        bot.services.signoff.confirm(viewer(bot, "leader"), request_id)
        return f"so:{action}:{request_id}"

    return prepare


def extension(prefix: str) -> Prepare:
    async def prepare(bot: BotHarness, role: str, number: str) -> str:
        view = bot.services.extensions.request(viewer(bot, "officer"), f"{number} 2027-09-30 汛期影响施工")
        return f"{prefix}{view.id}"

    return prepare


def _sign_off(bot: BotHarness, number: str) -> int:
    with bot.services.sessions() as session, session.begin():
        item = session.scalars(select(Item).where(Item.number == number)).one()
        item.percent = 100
        item.signed_off_at = bot.clock.now()
        return item.id


async def signed_off(bot: BotHarness, role: str, number: str) -> None:
    _sign_off(bot, number)


def spot_check(prefix: str) -> Prepare:
    async def prepare(bot: BotHarness, role: str, number: str) -> str:
        item_id = _sign_off(bot, number)
        with bot.services.sessions() as session, session.begin():
            check = SpotCheck(item_id=item_id, due_on=TODAY, status=SpotCheckStatus.DUE)
            session.add(check)
            session.flush()
            return f"{prefix}{check.id}"

    return prepare


def reminder(prefix: str) -> Prepare:
    """The officer's deadline reminder about the item (due the next working day), from the fixture's tick."""

    async def prepare(bot: BotHarness, role: str, number: str) -> str:
        with bot.services.sessions() as session:
            row = session.scalars(
                select(OutboxMessage)
                .join(Item, Item.id == OutboxMessage.item_id)
                .where(Item.number == number, OutboxMessage.kind == "reminder")
            ).one()
            return f"{prefix}{row.id}"

    return prepare


def plain(data: str) -> Prepare:
    async def prepare(bot: BotHarness, role: str, number: str) -> str:
        return data.format(n=number)

    return prepare


async def draft_report(bot: BotHarness, role: str, number: str) -> str:
    """The role starts a guided report of the item (refused for most): its percent button."""
    await bot.send(ROLES[role][0], f"/report {number}")
    await bot.idle()
    return f"rp:{number}:50"


async def asked_which_item(bot: BotHarness, role: str, number: str) -> str:
    """A message of the bot about the role's item and item 1 (reminders merged into one); the role replies
    to it, and is asked which item the reply is about (refused for most): the button of its own item."""
    user_id = ROLES[role][0]
    await bot.send(user_id, "/cancel")  # what an earlier row left under way
    sent = await bot.app.bot.send_message(user_id, f"【进展调度】第{number}项 …\n\n【进展调度】第1项 …")
    with bot.services.sessions() as session:
        ids = dict(session.execute(select(Item.number, Item.id).where(Item.number.in_([number, "1"]))).all())
    bot.services.reports.remember_message(user_id, sent.message_id, [ids[number], ids["1"]], "reminder")
    bot.api.push_text(user_id, "已完成一半 50%", reply_to_message_id=sent.message_id)
    await bot.idle()
    return f"ri:{number}"


async def photo_sent(bot: BotHarness, role: str, number: str) -> None:
    """The role sends a photo captioned with the item (kept only from those who may report on it)."""
    photo = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + f"site photo {number}".encode() * 40
    bot.api.push_photo(ROLES[role][0], photo, caption=number)
    await bot.idle()


def staged_import(action: str) -> Prepare:
    async def prepare(bot: BotHarness, role: str, number: str) -> str:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(["编号", "问题描述", "整改时限", "责任单位"])
        sheet.append([str(10_000 + int(number)), "新发现的问题。", "2027年6月底前", "市住建局"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        staged = bot.services.ledger_files.stage(buffer.getvalue(), "台账.xlsx", actor=Actor.system("test"))
        assert staged.token is not None
        return f"import:{action}:{staged.token}"

    return prepare


# ---- the rows ------------------------------------------------------------------------------------------

READING = (
    Case("/start", BOUND, "督办机器人命令", "/start"),
    Case("/help", BOUND, "督办机器人命令", "/help"),
    Case("/whoami", BOUND, "Telegram ID", "/whoami"),
    Case("/lang zh", BOUND, "已切换为简体中文", "/lang zh"),
    Case("/cancel (nothing under way)", BOUND, "无需取消", "/cancel"),
    Case(
        "/my",
        NOBODY | {"officer of another unit": "ok", "officer": "ok", "leader": "ok"},
        "我的整改事项",
        "/my",
    ),
    Case("/item 1", ITEM_VISIBLE, "住建局事项", "/item 1"),
    Case("/history 1", ITEM_VISIBLE, "全部记录", "/history 1"),
    Case(
        "/unit 市住建局", OVERSEERS | {"supervisor of another unit": "hidden"}, "市住建局", "/unit 市住建局"
    ),
    Case("/indicators", BOUND, "优良天数比率", "/indicators"),
    Case("/indicator 1", BOUND, "第1项指标", "/indicator 1"),
    Case("/overdue", OVERSEERS, "逾期", "/overdue"),
    Case("/stalled", OVERSEERS, "报送", "/stalled"),
    Case("/pending", OVERSEERS, "销号", "/pending"),
    Case("/digest", SUPERVISION, "2026-11-20", "/digest"),
    Case("/complaints", SUPERVISION, "举报", "/complaints"),
    Case("/report_month", SUPERVISION, "调度通报", "/report_month 2026-10"),
    Case("/dossier N", ITEM_PEOPLE, "销号材料", "/dossier {n}", prepare=filed_request),
    Case("/units", ADMIN, "市住建局", "/units"),
    Case("/people", ADMIN, "本单位人员", "/people"),
    Case("/rules", ADMIN, "quiet_start", "/rules"),
    Case("/calendar", ADMIN, "2026", "/calendar"),
    Case("/cadence", ADMIN, "调度", "/cadence"),
    Case("/signoff_rule", ADMIN, "销号", "/signoff_rule"),
    Case("/export", ADMIN, "整改台账", "/export"),
    Case("/invite", ADMIN, "t.me", "/invite 未绑定人员"),
    Case("/import (no file)", ADMIN, "/import", "/import"),
    Case("/group_here (in a private chat)", ADMIN, "群", "/group_here"),
)

CHANGING = (
    Case("/report N 50%", REPORTERS, "50%", "/report {n} 50% 已完成一半", changes=True),
    Case("/evidence N 1", REPORTERS, "措施", "/evidence {n} 1", prepare=photo_sent, changes=True),
    Case("/signoff N statement", NOBODY | {"officer of another unit": "hidden", "officer": "ok"}, "销号",
         "/signoff {n} 100% 整改任务已全部完成", prepare=evidence_rule_none, changes=True),
    Case("/extend N date reason", NOBODY | {"officer of another unit": "hidden", "officer": "ok", "leader": "ok"},
         "延期", "/extend {n} 2027-09-30 汛期影响施工", changes=True),
    Case("/withdraw N", NOBODY | {"officer of another unit": "hidden", "officer": "ok"}, "已撤回", "/withdraw {n}",
         prepare=filed_request, changes=True),
    Case("/warn N", SUPERVISORS_OF_ITEM, "预警", "/warn {n} 进度偏慢", changes=True),
    Case("/notice N", SUPERVISORS_OF_ITEM, "通报", "/notice {n} 进度偏慢", changes=True),
    Case("/summon N", SUPERVISORS_OF_ITEM, "约谈", "/summon {n} 进度偏慢", changes=True),
    Case("/approve N opinion", NOBODY | {"supervisor of another unit": "hidden", "supervisor": "ok"}, "同意销号",
         "/approve {n} 资料齐全，同意销号", prepare=under_review("a"), changes=True),
    Case("/reopen N date reason", NOBODY | {"supervisor of another unit": "hidden", "supervisor": "ok"},
         "重新纳入", "/reopen {n} 2027-12-31 群众再次反映", prepare=signed_off, changes=True),
    Case("/cadence N 5,20", ADMIN, "5", "/cadence {n} 5,20", changes=True),
    Case("/unit_add", ADMIN, "新单位", "/unit_add 新单位{r}", changes=True),
    Case("/unit_merge", ADMIN, "市住建局", "/unit_merge 住建{r}局 市住建局", changes=True),
    Case("/person_add", ADMIN, "新人员", "/person_add 新人员{r} 市住建局 责任人员", changes=True),
    Case("/role", ADMIN, "外单位人员", "/role 外单位人员 责任领导 市水务局", changes=True),
    Case("/deactivate", ADMIN, "待停用人员", "/deactivate 待停用人员", changes=True),
    Case("/complaint_add", ADMIN, "J2026-0{r}1", "/complaint_add 2026-0{r}1 市住建局 2026-12-31 小区污水外溢",
         changes=True),
    Case("/signoff_rule item", ADMIN, "销号", "/signoff_rule item", changes=True),
    Case("/rules quiet_start", ADMIN, "21:30", "/rules quiet_start 21:30", changes=True),
    Case("/calendar date work", ADMIN, "2026-12-26", "/calendar 2026-12-26 work 调休", changes=True),
)  # fmt: skip

BUTTONS = (
    Case("sign-off: leader confirms", NOT_THEIRS | {"leader": "ok"}, "审核", prepare=awaiting_leader("c"),
         changes=True),
    Case("sign-off: leader returns", NOT_THEIRS | {"leader": "ok"}, "理由", prepare=awaiting_leader("r")),
    Case("sign-off: leader's evidence", ITEM_VISIBLE, "没有佐证材料", prepare=awaiting_leader("f")),
    Case("sign-off: approve (asks an opinion)", NOT_THEIRS | {"officer": "own", "supervisor": "ok"}, "验收意见",
         prepare=under_review("a")),
    Case("sign-off: approve as is", NOT_THEIRS | {"officer": "own", "supervisor": "ok"}, "同意",
         prepare=under_review("p"), changes=True),
    Case("sign-off: return", NOT_THEIRS | {"officer": "own", "supervisor": "ok"}, "理由",
         prepare=under_review("r")),
    Case("sign-off: inspect", NOT_THEIRS | {"officer": "own", "supervisor": "ok"}, "日期",
         prepare=under_review("i")),
    Case("sign-off: evidence", ITEM_VISIBLE, "没有佐证材料", prepare=under_review("f")),
    Case("extension: approve", NOBODY | {"supervisor of another unit": "not theirs", "supervisor": "ok"},
         "同意", prepare=extension("ext_ok:"), changes=True),
    Case("extension: refuse", NOBODY | {"supervisor of another unit": "not theirs", "supervisor": "ok"},
         "不同意", prepare=extension("ext_no:"), changes=True),
    Case("spot-check: no rebound", NOBODY | {"supervisor of another unit": "not theirs", "supervisor": "ok"},
         "无反弹", prepare=spot_check("spot_ok:"), changes=True),
    Case("spot-check: reopen", NOBODY | {"supervisor of another unit": "not theirs", "supervisor": "ok"},
         "原因", prepare=spot_check("spot_re:")),
    Case("reminder: report now", REPORTERS, "%", prepare=plain("nr:{n}")),
    Case("reminder: acknowledge", NOT_THEIRS | {"officer": "ok"}, "已知悉", prepare=reminder("na:"),
         changes=True, deadline=NEXT_WORKING_DAY),
    Case("reminder: snooze", NOT_THEIRS | {"officer": "ok"}, "已顺延", prepare=reminder("ns:"), changes=True,
         deadline=NEXT_WORKING_DAY),
    Case("report: percent", REPORTERS | {"officer of another unit": "not theirs"}, "说明",
         prepare=draft_report),
    Case("reply: which item", REPORTERS | {"officer of another unit": "not theirs"}, "已记录",
         prepare=asked_which_item, changes=True),
    Case("digest: open item", ITEM_VISIBLE, "事项", prepare=plain("it:{n}")),
    Case("import: apply", ADMIN, "导入", prepare=staged_import("apply"), changes=True),
    Case("import: cancel", ADMIN, "取消", prepare=staged_import("cancel")),
)  # fmt: skip

CASES = (*READING, *CHANGING, *BUTTONS)


def own_number(case: Case, role: str) -> str:
    """The number of the item that `role` acts on in `case`."""
    if not case.own_items:
        return "1"
    return str(100 + 10 * CASES.index(case) + ORDER.index(role))


# Every count of `snapshot` in one query (a scalar subquery per table): the same numbers, one round trip.
COUNTS = select(
    *(
        select(func.count()).select_from(table).scalar_subquery().label(table.name)
        for table in Base.metadata.sorted_tables
        if table.name not in (AuditEntry.__tablename__, BotMessage.__tablename__)
    ),
    select(func.count())
    .select_from(AuditEntry)
    .where(AuditEntry.action != "stranger")
    .scalar_subquery()
    .label("audit"),
)


def snapshot(bot: BotHarness) -> dict[str, object]:
    """What a refusal must not change: every table's rows, the items' state and every audit entry but a
    stranger's (each change the bot makes is audited). Not the bot's own record of what it said about which
    item (so that a reply to it is read as about that item): that is not the ledger."""
    with bot.services.sessions() as session:
        counts: dict[str, object] = dict(session.execute(COUNTS).one()._mapping)
        counts["items"] = session.execute(
            select(Item.number, Item.percent, Item.deadline, Item.signed_off_at, Item.reopened_at).order_by(
                Item.id
            )
        ).all()
        return counts


def outcome(texts: list[str]) -> str:
    for name, pattern in REFUSALS:
        if any(pattern.match(text) for text in texts):
            return name
    return "ok"


@pytest.fixture
async def world(bot: BotHarness) -> BotHarness:
    """Units, people of every role, item 1 of 市住建局 (supervised by 整改办), item 2 of 市水务局, an
    indicator, and each role's own item for every row that needs one; a tick that sends the reminders some
    rows press."""
    roster = bot.services.roster
    for unit_name in ("市住建局", "市水务局", "整改办", "水务督导组"):
        roster.add_unit(unit_name, actor=Actor.system("test"))
    specs = [
        ItemSpec("1", "住建局事项", "问题一。", date(2026, 1, 1), targets=[Target("目标", date(2026, 10, 30))],
                 responsible_units=["市住建局"], supervising_units=["整改办"]),
        ItemSpec("2", "水务局事项", "问题二。", date(2026, 1, 1), targets=[Target("目标", date(2026, 12, 30))],
                 responsible_units=["市水务局"], supervising_units=["水务督导组"]),
    ]  # fmt: skip
    specs += [
        ItemSpec(
            own_number(case, role), f"事项{own_number(case, role)}", "问题。", date(2026, 1, 1),
            targets=[Target("目标", case.deadline)], measures=[Measure("措施一")],
            responsible_units=["市住建局"], supervising_units=["整改办"],
        )
        for case in CASES if case.own_items for role in ORDER
    ]  # fmt: skip
    indicators = [
        IndicatorSpec("优良天数比率", unit="%", attribute=Attribute.BINDING, target=90, target_year=2030)
    ]
    bot.services.ledger.import_ledger(
        ParsedLedger(items=specs, indicators=indicators), actor=Actor.system("test"), dry_run=False
    )
    for user_id, name, role, unit in ROLES.values():
        if role is not None:
            assert name is not None
            roster.add_person(
                name, unit=unit, role=role, actor=Actor.system("test"), telegram_user_id=user_id
            )
        bot.api.add_user(user_id, name or "陌生人")
    for name in ("未绑定人员", "待停用人员"):
        roster.add_person(name, unit="市住建局", role=Role.OFFICER, actor=Actor.system("test"))
    for user_id, name, _, _ in ROLES.values():
        # The admin of the settings is enrolled at first contact; every chat gets a message of the bot,
        # under which its user presses the buttons (as with an old or forged button).
        await bot.send(user_id, "/whoami", first_name=name or "陌生人")
    bot.services.daily_run.tick()
    await bot.deliver()
    return bot


async def act(bot: BotHarness, case: Case, role: str, data: str | None) -> list[str]:
    """The role runs the row's command or presses the button `data`; every text that reached the user."""
    user_id = ROLES[role][0]
    first_name = ROLES[role][1] or "陌生人"
    texts: list[str] = []
    if case.command:
        command = case.command.format(n=own_number(case, role), r=ORDER.index(role))
        handled = await bot.say(user_id, command, first_name=first_name)
        assert handled.replies, (case.label, role, "no answer")
    else:
        assert data is not None
        under = bot.api.sent(user_id)[-1]
        handled = await bot.press(user_id, under, data, check_button=False, first_name=first_name)
        texts.append(handled.answered.text or "")
    return texts + [_text(message) for message in handled.replies]


def _columns(text: str) -> int:
    """How many terminal columns `text` takes: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _columns(text))


def _text(message: SentMessage) -> str:
    """What the user reads: the text or caption; for a bare document, its file name."""
    return message.text or message.filename or ""


async def run_rows(bot: BotHarness, cases: tuple[Case, ...], title: str, show: ShowTable) -> None:
    table: dict[str, dict[str, str]] = {}
    for case in cases:
        row = table.setdefault(case.label, {})
        for role in ORDER:
            data = await case.prepare(bot, role, own_number(case, role)) if case.prepare is not None else None
            before = snapshot(bot)
            texts = await act(bot, case, role, data)
            row[role] = outcome(texts)
            after = snapshot(bot)
            if row[role] != "ok":
                assert after == before, (case.label, role, texts, "a refusal changed the store")
                continue
            shows = case.shows.format(r=ORDER.index(role))
            assert any(shows in text for text in texts), (case.label, role, texts)
            if case.changes:
                assert after != before, (case.label, role, texts, "an ok changed nothing")
            else:
                assert after == before, (case.label, role, texts, "a reading changed the store")
    width = max(_columns(label) for label in table) + 2
    lines = [_pad("", width) + " | ".join(_pad(role[:14], 14) for role in ORDER)]
    lines += [
        _pad(label, width) + " | ".join(_pad(cell, 14) for cell in row.values())
        for label, row in table.items()
    ]
    show(title, lines)
    assert table == {case.label: dict(case.expected) for case in cases}


async def test_every_reading_command_as_every_role(world: BotHarness, summary_table: ShowTable) -> None:
    await run_rows(world, READING, "authorization: commands that read", summary_table)


async def test_every_changing_command_as_every_role(world: BotHarness, summary_table: ShowTable) -> None:
    await run_rows(world, CHANGING, "authorization: commands that change the store", summary_table)


async def test_every_button_as_every_role(world: BotHarness, summary_table: ShowTable) -> None:
    await run_rows(world, BUTTONS, "authorization: buttons", summary_table)
