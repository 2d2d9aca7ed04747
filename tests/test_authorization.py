"""Every command and the reminder buttons, run as each role: the answer, and nothing changed where it must not.

The table of outcomes is written to the test output (`pytest -s` or the terminal summary shows it).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from ledger.model import ItemSpec, ParsedLedger, Role, Target
from storage.models import AuditEntry, Item, Person, ProgressReport, Unit
from storage.scheduling import Escalation, OutboxMessage
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

# What each command may do, per role: "ok", or the refusal: "stranger", "role" (the role is named),
# "hidden" (the item is answered like an unknown one).
ALL_BOUND_OK = dict.fromkeys(ORDER, "ok") | {"stranger": "stranger"}
ITEM_VISIBLE = ALL_BOUND_OK | {"officer of another unit": "hidden", "supervisor of another unit": "hidden"}
ONLY = dict.fromkeys(ORDER, "role") | {"stranger": "stranger"}
OVERSEERS = ONLY | dict.fromkeys(
    ("leader", "supervisor of another unit", "supervisor", "leadership", "admin"), "ok"
)
EXPECTED: dict[str, dict[str, str]] = {
    "/help": ALL_BOUND_OK,
    "/whoami": ALL_BOUND_OK,
    "/my": ONLY | {"officer of another unit": "ok", "officer": "ok", "leader": "ok"},
    "/item 1": ITEM_VISIBLE,
    "/history 1": ITEM_VISIBLE,
    "/report 1 50% 已完成一半": ONLY
    | {"officer of another unit": "hidden", "officer": "ok", "leader": "ok", "admin": "ok"},
    "/unit 市住建局": OVERSEERS | {"supervisor of another unit": "refused"},
    "/overdue": OVERSEERS,
    "/stalled": OVERSEERS,
    "/pending": OVERSEERS,
    "/warn 1 进度慢": ONLY
    | {"supervisor of another unit": "hidden", "supervisor": "ok", "leadership": "ok", "admin": "ok"},
    "/digest": ONLY
    | {"supervisor of another unit": "ok", "supervisor": "ok", "leadership": "ok", "admin": "ok"},
    "/units": ONLY | {"admin": "ok"},
    "/people": ONLY | {"admin": "ok"},
    "/rules": ONLY | {"admin": "ok"},
    "/calendar": ONLY | {"admin": "ok"},
    "/export": ONLY | {"admin": "ok"},
}


def _outcome(text: str) -> str:
    if text.startswith("您好！督办机器人仅供"):
        return "stranger"
    if text.startswith("该操作需要以下角色之一"):
        return "role"
    if text.startswith("未找到您可查看的第"):
        return "hidden"
    if text.startswith("未找到您可查看的单位"):
        return "refused"
    return "ok"


def _snapshot(bot: BotHarness) -> tuple[int, ...]:
    """What a refused command must not change: the ledger's rows and every audit entry but a stranger's."""
    with bot.services.sessions() as session:
        counts = [
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Item, Unit, Person, ProgressReport, Escalation, OutboxMessage)
        ]
        audits = session.scalar(select(func.count()).where(AuditEntry.action != "stranger")) or 0
        percent = session.scalar(select(Item.percent).where(Item.number == "1")) or 0
        return (*counts, audits, percent)


@pytest.fixture
async def world(bot: BotHarness) -> BotHarness:
    roster = bot.services.roster
    for unit in ("市住建局", "市水务局", "整改办", "水务督导组"):
        roster.add_unit(unit, actor="test")
    specs = [
        ItemSpec("1", "住建局事项", "问题一。", date(2026, 1, 1), targets=[Target("目标", date(2026, 10, 30))],
                 responsible_units=["市住建局"], supervising_units=["整改办"]),
        ItemSpec("2", "水务局事项", "问题二。", date(2026, 1, 1), targets=[Target("目标", date(2026, 12, 30))],
                 responsible_units=["市水务局"], supervising_units=["水务督导组"]),
    ]  # fmt: skip
    bot.services.ledger.import_ledger(ParsedLedger(items=specs), actor="test", dry_run=False)
    for user_id, name, role, unit in ROLES.values():
        if role is not None:
            assert name is not None
            roster.add_person(name, unit=unit, role=role, actor="test", telegram_user_id=user_id)
        bot.api.add_user(user_id, name or "陌生人")
    await bot.send(
        ADMIN_ID, "/whoami", first_name="管理员"
    )  # the admin of the settings, enrolled at first contact
    return bot


async def test_every_command_as_every_role(world: BotHarness, request: pytest.FixtureRequest) -> None:
    table: dict[str, dict[str, str]] = {}
    for command in EXPECTED:
        table[command] = {}
        for role in ORDER:
            user_id = ROLES[role][0]
            before = _snapshot(world)
            replies = await world.send(user_id, command, first_name=ROLES[role][1] or "陌生人")
            text = replies[0].text or replies[0].filename or ""
            outcome = _outcome(text)
            table[command][role] = outcome
            if outcome != "ok":
                assert _snapshot(world) == before, (command, role, "a refusal changed the store")
            await world.idle()
    _print_table(request, table)
    assert table == EXPECTED


async def test_reminder_buttons_as_every_role(world: BotHarness, request: pytest.FixtureRequest) -> None:
    """A deadline reminder's buttons under the officer's message, pressed by everyone: only the officer's
    presses act; the others are refused and change nothing."""
    world.clock.set(world.clock.now().replace(year=2026, month=10, day=30))
    world.services.scheduler.tick()
    await world.deliver()
    officer = ROLES["officer"][0]
    message = next(m for m in world.api.sent(officer) if m.button_data())
    acknowledge = next(d for d in message.button_data() if d.startswith("na:"))
    table: dict[str, dict[str, str]] = {"Acknowledge": {}}
    for role in ORDER:
        user_id = ROLES[role][0]
        before = _snapshot(world)
        pressed = world.api.push_callback(
            user_id, message.message_id, acknowledge, chat_id=officer, check_button=False
        )
        answered = await world.api.wait_callback_answered(pressed["callback_query"]["id"])
        text = answered.text or ""
        outcome = "stranger" if text.startswith("您好！") else "refused" if "不是发给您的" in text else "ok"
        table["Acknowledge"][role] = outcome
        if outcome != "ok":
            assert _snapshot(world) == before
    _print_table(request, table)
    assert table["Acknowledge"] == dict.fromkeys(ORDER, "refused") | {"stranger": "stranger", "officer": "ok"}


def _print_table(request: pytest.FixtureRequest, table: dict[str, dict[str, str]]) -> None:
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    width = max(len(command) for command in table) + 2
    lines = ["", "command".ljust(width) + " | ".join(role[:14].ljust(14) for role in ORDER)]
    lines += [
        command.ljust(width) + " | ".join(cell.ljust(14) for cell in row.values())
        for command, row in table.items()
    ]
    if reporter is not None:
        for line in lines:
            reporter.write_line(line)
