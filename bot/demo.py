"""`duban demo`: the whole job, offline, in a folder of its own (what `make run` shows without a token).

The real application runs against the loopback Bot API emulator, reached in-process (no sockets, nothing
to install beyond the bot), on a virtual clock: the Jiayuguan plan and a roster of its units are loaded,
then 90 days are played in about a minute. Officers answer dispatches
(one with photos), one officer never answers and climbs the ladder, a sign-off is approved, another is
returned, and a spot-check reopens the item approved; the officer of 市生态环境局 reports two indicators' monthly
values with /value, and the one that runs off track is warned. Every message is printed as it reaches a chat; the
ledger, the month's dispatch notice and the chart are written to the folder at the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select

from bot.app import build_application, built, polling, runtime_of
from bot.config import Settings
from bot.telegram.context import DubanApp
from bot.wiring import Overrides
from ledger.actor import DEMO
from ledger.buttons import RecordSummons
from ledger.clock import ManualClock, VirtualTime
from ledger.importer import parse_ledger_file
from ledger.indicators import Attribute
from ledger.model import Role
from ledger.reporting import Month
from ledger.roster import parse_roster
from loopback import LoopbackBotApi, SentMessage
from loopback.acting import Users
from loopback.inprocess import InProcessFront
from loopback.robots import FakeRobot, LoopbackRobots
from loopback.robots_inprocess import BASE_URL, robot_transport
from services.container import Services
from storage.db import create_db_engine, upgrade
from storage.models import Person

# The demo's inputs ship with the package (`pip install .` installs them): the plan and its roster.
DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
SAMPLE = DEMO_DATA / "jiayuguan-2020-rectification-plan.txt"
ROSTER = DEMO_DATA / "roster.csv"
DEMO_DAYS = 90
FIRST_DAY = date(2020, 12, 16)  # the plan's own date
PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
SUPERVISING_OFFICE = "市生态环境保护督察整改办公室"
SUMMONED = "39"  # the silent officer's item whose 约谈 is held and recorded
# Two of the plan's targets the office tracks as binding indicators of 市生态环境局 (the plan states neither
# attribute nor unit: the office sets them), and the monthly values its officer reports with /value; the
# good days run off track in January (督办提醒) and stay off in February (预警).
TRACKED = {"全市空气质量优良天数比例": "市生态环境局", "细微粒物(PM2.5)浓度值较2015年下降": "市生态环境局"}
VALUES = {
    19: ("/value 1 86.7% 2020年12月", "/value 2 12.5% 2020年12月"),  # 4 January, the first working day
    47: ("/value 1 79% 2021年1月 市环境监测站月报", "/value 2 11.8% 2021年1月"),  # 1 February
    75: ("/value 1 80.5% 2021年2月", "/value 2 13.1% 2021年2月"),  # 1 March
}

Say = Callable[[str, dict[str, Any]], None]
REASON_HEADS = ("原因：", "Why: ")  # the second line of a level's message (notify/blue … referral)


@dataclass(frozen=True)
class Actor:
    """Someone in the demo: their Telegram id, name, unit and how they behave."""

    user_id: int
    name: str
    unit: str | None
    role: Role
    answers: bool = True
    photos: bool = False


CAST = (
    Actor(1001, "王芳", "市生态环境局", Role.OFFICER, photos=True),
    Actor(1002, "李强", "市发展改革委", Role.OFFICER),
    Actor(1003, "赵敏", "市工信局", Role.OFFICER),
    Actor(1004, "陈静", "市市场监管局", Role.OFFICER, answers=False),
    Actor(1005, "刘洋", "市住建局", Role.OFFICER),
    Actor(1006, "周磊", "市农业农村局", Role.OFFICER),
    Actor(2001, "孙局长", "市生态环境局", Role.LEADER),
    Actor(2002, "吴主任", "市发展改革委", Role.LEADER),
    Actor(2003, "郑局长", "市市场监管局", Role.LEADER),
    Actor(3001, "马督导", SUPERVISING_OFFICE, Role.SUPERVISOR),
    Actor(4001, "黄组长", None, Role.LEADERSHIP),
)
ADMIN = Actor(9001, "整改办管理员", None, Role.ADMIN)
# The office's work group on DingTalk (政务钉钉), reached through its robot: the admin registers it in chat, and
# the group gets what a Telegram work group gets (the weekly summary, 通报, 销号公告).
WORK_GROUP = "市督查室钉钉工作群"
ROBOT_TOKEN = "d0c5" * 16
ROBOT_SECRET = "SEC" + "6a1f" * 16


class DemoInputError(Exception):
    """One of the demo's own input files is missing or unreadable: says which."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def check_inputs() -> None:
    """The demo's plan and roster ship with the package; a broken install says which file is missing."""
    for path in (SAMPLE, ROSTER):
        if not path.is_file():
            raise DemoInputError(path, "missing")


@dataclass
class DemoResult:
    folder: Path
    files: list[Path] = field(default_factory=list)
    messages: int = 0


class Demo:
    def __init__(self, settings: Settings, folder: Path, say: Say, locale: str) -> None:
        self._settings = settings
        self._folder = folder
        self._say = say
        self._locale = locale
        self._clock = ManualClock(self._at(FIRST_DAY, time(7, 30)))
        self._names = {actor.user_id: actor for actor in (*CAST, ADMIN)}
        self._percent: dict[str, int] = {}
        self._result = DemoResult(folder)
        self.tz = settings.tz
        self.items_of: dict[int, list[str]] = {}
        # The platform dates a signature by the virtual clock, as DingTalk would by the real one.
        self._robots = LoopbackRobots(now=lambda: self._clock.now().timestamp())
        self._work_group: FakeRobot = self._robots.add_dingtalk(ROBOT_TOKEN, ROBOT_SECRET)
        self._group_seen = 0

    def _at(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self._settings.tz).astimezone(UTC)

    def _prepare_store(self) -> Settings:
        self._folder.mkdir(parents=True, exist_ok=True)
        for stale in self._folder.glob("demo.db*"):
            stale.unlink()
        settings = self._settings.model_copy(
            update={
                "database_url": f"sqlite:///{(self._folder / 'demo.db').resolve()}",
                "data_dir": self._folder,
                "admins": frozenset({ADMIN.user_id}),
                "locale": self._locale,
            }
        )
        engine = create_db_engine(settings.effective_database_url)
        upgrade(engine)
        engine.dispose()
        return settings

    async def run(self) -> DemoResult:
        check_inputs()
        settings = self._prepare_store()
        # The emulator dates messages by the virtual clock, as Telegram would by the real one.
        api = LoopbackBotApi(strict_chats=False, wall_clock=lambda: self._clock.now().timestamp())
        front = InProcessFront(api)
        settings = settings.model_copy(
            update={"telegram_token": SecretStr(api.token), "telegram_api_url": front.base_url}
        )
        # Wired as production is: Telegram's limits kept in virtual seconds, waiting advances the clock.
        virtual = VirtualTime(self._clock)
        overrides = Overrides(
            clock=self._clock,
            sleep=virtual.sleep,
            monotonic=virtual.monotonic,
            bot_api_request=front.request,
            robot_transport=robot_transport(self._robots),
        )
        app = build_application(settings, overrides, scheduled=False)
        async with polling(app, poll_timeout=1):
            await api.wait_polling()
            await self._play(api, app)
            self._write_files(app)
        return self._result

    # ---- the play ------------------------------------------------------------------------------

    async def _play(self, api: LoopbackBotApi, app: DubanApp) -> None:
        services = app.bot_data.services
        api.on_send = lambda message: self._show(message)
        for actor in (*CAST, ADMIN):
            api.add_user(actor.user_id, actor.name)
        self._setup(services)
        user = _User(Users(api, app), self)
        await user.says(ADMIN, "/signoff_rule item")
        robot = f"/robot_add 钉钉 {self._work_group.url(BASE_URL)} {ROBOT_SECRET} {WORK_GROUP}"
        await user.says(ADMIN, robot)
        for actor in CAST:
            await user.says(actor, f"/start {self._codes[actor.user_id]}")
        for offset in range(DEMO_DAYS):
            day = FIRST_DAY + timedelta(days=offset)
            self._clock.set(self._at(day, time(0, 5)))
            await asyncio.to_thread(services.daily_run.tick)
            # After the quiet hours (08:00) and the supervisors' digest (08:30).
            self._clock.set(self._at(day, time(8, 30)))
            await self._drain(app)
            self._clock.set(self._at(day, time(10, 0)))
            await self._act(user, day, offset)
            self._clock.set(self._at(day, time(17, 0)))
            await self._drain(app)

    async def _drain(self, app: DubanApp) -> None:
        """Send what is due, as the drain job does: to the chats, then to the work group's robot."""
        jobs = runtime_of(app).jobs
        assert jobs is not None
        duban = built(app)
        await duban.sender.drain(jobs.bot)
        await duban.robot_sender.drain()
        for post in self._work_group.received[self._group_seen :]:
            self._show_group_post(post)
        self._group_seen = len(self._work_group.received)

    def _setup(self, services: Services) -> None:
        parsed = parse_ledger_file(SAMPLE, default_start=FIRST_DAY)
        if parsed.errors or not parsed.items:
            raise DemoInputError(
                SAMPLE, "; ".join(services.renderer.note(self._locale, n) for n in parsed.errors)
            )
        for indicator in parsed.indicators:
            if indicator.name in TRACKED:
                indicator.attribute = Attribute.BINDING
                indicator.responsible_unit = TRACKED[indicator.name]
        outcome = services.ledger.import_ledger(parsed, actor=DEMO, dry_run=False)
        self._say(
            "cli/demo_imported", {"path": SAMPLE.name, "items": len(parsed.items), "units": outcome.new_units}
        )
        roster = services.roster.import_roster(parse_roster(ROSTER), actor=DEMO, dry_run=False)
        if roster.errors:
            raise DemoInputError(
                ROSTER, "; ".join(services.renderer.note(self._locale, n) for n in roster.errors)
            )
        codes = {person.name: person.invite_code for person in services.roster.unbound_people()}
        self._codes: dict[int, str] = {}
        for actor in CAST:
            code = codes.get(actor.name)
            if code is None:
                raise DemoInputError(ROSTER, f"{actor.name} is not in the roster")
            self._codes[actor.user_id] = code
        # Spot-checks one month after sign-off, so that the 90 days show one.
        services.office_settings.set_rule("spot_check_months", "1", actor=DEMO)
        with services.sessions() as session, session.begin():
            for person in session.scalars(select(Person)):
                person.locale = self._locale
        self.items_of = {
            actor.user_id: [row.spec.number for row in services.ledger.rows(unit_name=actor.unit)]
            for actor in CAST
            if actor.role == Role.OFFICER
        }

    async def _act(self, user: _User, day: date, offset: int) -> None:
        """What the people do at 10:00: answer what reached them today, and the scripted steps."""
        silent = {n for actor in CAST if not actor.answers for n in self.items_of.get(actor.user_id, [])}
        for actor in CAST:
            if actor.role != Role.OFFICER or not actor.answers:
                continue
            # The silent officer's items are left to them, so the ladder has something to climb.
            asked = [n for n in user.asked_today(actor, day) if n not in silent]
            for number in asked[:2]:
                await self._report(user, actor, number)
        officer, leader, supervisor = CAST[0], CAST[6], CAST[9]
        other, other_leader = CAST[1], CAST[7]
        script: dict[int, list[tuple[Actor, str, str]]] = {
            # (who, what, text): "say" a message, "photo" with a caption, "press" a button, "reply" to the last.
            3: [(officer, "photo", "24.2")],
            6: [
                (officer, "say", "/report 24.2 100% 铬污染渣土已全部转移入库，苫盖完好"),
                (officer, "photo", "24.2"),
                (officer, "say", "/signoff 24.2 铬渣已规范贮存，整改资料齐全，申请销号"),
            ],
            7: [(leader, "press", "so:c:")],
            8: [
                (supervisor, "press", "so:a:"),
                (supervisor, "say", "经现场核查，铬渣已全部入库规范贮存，整改资料齐全，同意销号"),
            ],
            20: [
                (other, "say", "/report 31 100% 能耗指标已完成"),
                (other, "photo", "31"),
                (other, "say", "/signoff 31 已完成整改，申请销号"),
            ],
            21: [(other_leader, "press", "so:c:")],
            22: [
                (supervisor, "press", "so:r:"),
                (supervisor, "say", "缺少2020年度能耗统计数据佐证，请补充后重新申请"),
            ],
            # 1 February: the 约谈 proposed on 29 January for the silent officer's item 39 is held; the
            # supervisor taps 记录约谈 and answers the day and who attended. Only a recorded 约谈 can lead to
            # a referral: ten working days later without progress (19 February, after 春节), it comes; the
            # other proposals of that day stay proposals.
            47: [
                (supervisor, "press", RecordSummons(SUMMONED).pack()),
                (supervisor, "say", "2月1日"),
                (supervisor, "say", "市市场监管局 郑局长、陈静"),
            ],
        }
        for text in VALUES.get(offset, ()):
            await user.says(officer, text)
        for actor, what, text in script.get(offset, []):
            await user.act(actor, what, text)
        if await user.press(supervisor, "spot_re:", required=False):
            await user.reply_last(supervisor, "2021-04-30 回头看发现铬渣库苫盖破损，问题反弹")

    async def _report(self, user: _User, actor: Actor, number: str) -> None:
        percent = min(95, self._percent.get(number, 0) + 15)
        self._percent[number] = percent
        if actor.photos:
            await user.photo(actor, f"/report {number} {percent}% 现场整改照片")
        else:
            await user.says(actor, f"/report {number} {percent}% 按计划推进，已完成阶段任务")

    # ---- output --------------------------------------------------------------------------------

    def _show(self, message: SentMessage) -> None:
        actor = self._names.get(message.chat_id)
        who = f"{actor.name}（{actor.unit or actor.role.value}）" if actor else str(message.chat_id)
        text = (message.text or message.filename or "").strip()
        lines = text.splitlines()
        first = lines[0] if lines else ""
        more = len(lines) - 1
        # A level of the ladder shows its reason too (its first sentence): what held, with its numbers.
        reason = lines[1] if len(lines) > 1 and lines[1].startswith(REASON_HEADS) else None
        if reason is not None:
            reason = reason.split("。")[0] + "。" if "。" in reason else reason.split(". ")[0] + "."
        self._result.messages += 1
        self._say(
            "cli/demo_message",
            {
                "at": self._clock.now(), "to": who, "text": first[:60], "more": more, "kind": message.method,
                "reason": reason,
            },
        )  # fmt: skip

    def _show_group_post(self, post: dict[str, Any]) -> None:
        """What the work group's robot posted, as the group shows it (DingTalk markdown: a line break is
        two spaces and a newline)."""
        lines = str(post["markdown"]["text"]).replace("  \n", "\n").strip().splitlines()
        self._result.messages += 1
        self._say(
            "cli/demo_message",
            {
                "at": self._clock.now(), "to": f"{WORK_GROUP}（钉钉）", "text": lines[0][:60] if lines else "",
                "more": len(lines) - 1, "kind": "robot", "reason": None,
            },
        )  # fmt: skip

    def show_action(self, actor: Actor, text: str) -> None:
        who = f"{actor.name}（{actor.unit or actor.role.value}）"
        self._say("cli/demo_action", {"at": self._clock.now(), "who": who, "text": text})

    def _write_files(self, app: DubanApp) -> None:
        """The ledger, the dispatch notice of the last month played, and the chart of progress by unit."""
        services = app.bot_data.services
        month = Month.of(FIRST_DAY + timedelta(days=DEMO_DAYS - 1))
        ledger = self._folder / "ledger.xlsx"
        ledger.write_bytes(services.ledger_files.export()[0])
        notice = self._folder / f"dispatch-{month.year}-{month.month:02d}.docx"
        notice.write_bytes(services.reporting.month_notice(month, self._locale)[1])
        chart = self._folder / "progress.png"
        chart.write_bytes(services.reporting.chart(self._locale))
        self._result.files = [ledger, notice, chart]
        self._say(
            "cli/demo_done", {"folder": str(self._folder), "files": [str(p) for p in self._result.files]}
        )


class _User:
    """The people of the demo acting through the emulator, as Telegram users would; each act returns once
    the bot has handled it, so the clock may move on."""

    def __init__(self, users: Users, demo: Demo) -> None:
        self._users = users
        self._api = users.api
        self._demo = demo
        self._pressed: set[tuple[int, str]] = set()

    async def says(self, actor: Actor, text: str, reply_to: int | None = None) -> None:
        self._demo.show_action(actor, text)
        await self._users.say(actor.user_id, text, reply_to_message_id=reply_to)

    async def photo(self, actor: Actor, caption: str) -> None:
        self._demo.show_action(actor, f"[照片] {caption}")
        await self._users.send_photo(actor.user_id, PHOTO + caption.encode(), caption)

    async def press(self, actor: Actor, prefix: str, *, required: bool = True) -> bool:
        """Press the newest button starting with `prefix` in the actor's chat; False when there is none."""
        for message in reversed(self._api.sent(actor.user_id)):
            for data in message.button_data():
                if data.startswith(prefix) and (message.message_id, data) not in self._pressed:
                    self._pressed.add((message.message_id, data))
                    label = next(b["text"] for b in message.buttons() if b.get("callback_data") == data)
                    self._demo.show_action(actor, f"[按钮] {label}")
                    await self._users.press(actor.user_id, message, data)
                    return True
        if required:
            raise LookupError(f"no button {prefix} for {actor.name}")
        return False

    async def act(self, actor: Actor, what: str, text: str) -> None:
        if what == "say":
            await self.says(actor, text)
        elif what == "photo":
            await self.photo(actor, text)
        else:
            await self.press(actor, text)

    async def reply_last(self, actor: Actor, text: str) -> None:
        last = self._api.last_sent(actor.user_id)
        await self.says(actor, text, reply_to=last.message_id)

    def asked_today(self, actor: Actor, day: date) -> list[str]:
        """Item numbers the bot asked this officer about today (dispatches, reminders, warnings)."""
        numbers: list[str] = []
        own = self._demo.items_of.get(actor.user_id, [])
        for message in self._api.sent(actor.user_id):
            sent_day = datetime.fromtimestamp(message.date, UTC).astimezone(self._demo.tz).date()
            if sent_day != day:
                continue
            for data in message.button_data():
                if data.startswith("nr:") and data[3:] in own and data[3:] not in numbers:
                    numbers.append(data[3:])
        return numbers


def run_demo(settings: Settings, folder: Path, say: Say, locale: str) -> DemoResult:
    return asyncio.run(Demo(settings, folder, say, locale).run())
