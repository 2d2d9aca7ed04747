"""Each role is told what it can do: the welcome after binding, /help and the chat's own command menu show
the commands of the person's roles, in their language; supervisors and leadership are never sent to /my.

End to end (the loopback Bot API keeps each scope's menu, as Telegram does), then through the recording
port: for every combination of roles, every command the menu or /help offers is one the bot lets the
person use, and every command it leaves out is refused to them. On the main line before this change the
welcome told every role to "发送 /my", /help listed /my for everyone, and the menu was one list for all.
"""

from __future__ import annotations

import itertools

import pytest

from handlers.chat import Inbound
from handlers.menus import private_menu, sync_menus
from ledger.actor import Actor
from ledger.model import Role
from services.container import Services
from tests.fake_chat import FakeChat, RecordingPort
from tests.harness import ADMIN_ID, BotHarness

UNIT, SUPERVISING = "市住建局", "整改办"
OFFICER, LEADER, SUPERVISOR, LEADERSHIP = 730_001, 730_002, 730_003, 730_004


def chat_menu(bot: BotHarness, chat_id: int) -> list[str] | None:
    """The commands of a chat's own menu (None: it has none, the default shows)."""
    commands = bot.api.commands(scope={"type": "chat", "chat_id": chat_id})
    return None if commands is None else [c["command"] for c in commands]


async def bind(bot: BotHarness, user: int, name: str, role: Role, unit: str | None) -> str:
    """The person is added (with the units, the first time), then binds with their invite code; the
    welcome they read."""
    known = {unit.name for unit in bot.services.roster.units()}
    for missing in {UNIT, SUPERVISING} - known:
        bot.services.roster.add_unit(missing, actor=Actor.system("test"))
    person = bot.services.roster.add_person(name, unit=unit, role=role, actor=Actor.system("test"))
    (welcome,) = await bot.send(user, f"/start {person.invite_code}")
    await bot.idle()  # the menu is set once the welcome is out
    return welcome.text or ""


async def test_an_officer_is_welcomed_with_their_items_and_how_to_report(bot: BotHarness) -> None:
    welcome = await bind(bot, OFFICER, "张伟", Role.OFFICER, UNIT)
    # → 绑定成功，张伟！ · 责任人员（市住建局） 您可以： · /my … · 报送进展 …
    assert welcome.startswith("绑定成功，张伟！\n· 责任人员（市住建局）")
    assert "· /my 查看您单位的整改事项" in welcome
    assert "说明开头写事项编号（如“16 闭水试验现场”）" in welcome
    assert "/pending" not in welcome
    menu = chat_menu(bot, OFFICER)
    assert menu is not None
    assert menu[:4] == ["help", "my", "item", "history"]
    assert {"report", "evidence", "signoff", "withdraw", "extend", "lang", "whoami", "cancel"} <= set(menu)
    assert not {"start", "pending", "digest", "warn", "import", "units", "group_here"} & set(menu)


@pytest.mark.parametrize(
    ("role", "unit", "digest"),
    [
        (Role.SUPERVISOR, SUPERVISING, "· /digest 督办日报（每个工作日也会自动发送给您）"),
        (Role.LEADERSHIP, None, "· /digest 本周汇总与总体完成率"),
    ],
)
async def test_supervisors_and_leadership_are_not_sent_to_my(
    bot: BotHarness, role: Role, unit: str | None, digest: str
) -> None:
    welcome = await bind(bot, SUPERVISOR, "王督导", role, unit)
    label = "督导（整改办）" if role == Role.SUPERVISOR else "领导小组"
    assert welcome.splitlines() == [
        "绑定成功，王督导！",
        f"· {label}",
        "",
        "您可以：",
        "· /pending 待您确认、审核的销号申请",
        "· /overdue 逾期事项  /stalled 本期调度未报送的事项",
        digest,
        "发送 /help 查看您可用的全部命令（也在输入框旁的菜单中）。",
    ]
    (help_text,) = await bot.send(SUPERVISOR, "/help")
    assert "/my" not in (help_text.text or "")
    assert "/pending — 待我确认、审核的销号申请" in (help_text.text or "")
    menu = chat_menu(bot, SUPERVISOR)
    assert menu is not None
    assert "my" not in menu
    assert {"pending", "overdue", "stalled", "digest", "warn", "notice", "summon", "complaints"} <= set(menu)
    assert "report" not in menu
    # /my itself still refuses them: the menu and the refusal agree.
    (refused,) = await bot.send(SUPERVISOR, "/my")
    assert (refused.text or "").startswith("该操作需要以下角色之一：责任人员、责任领导")


async def test_a_role_change_and_a_deactivation_change_the_menu(bot: BotHarness) -> None:
    await bind(bot, LEADER, "李局长", Role.OFFICER, UNIT)
    assert "pending" not in (chat_menu(bot, LEADER) or [])
    bot.api.add_user(ADMIN_ID, "管理员")
    # ← (admin) /role 李局长 责任领导 市住建局
    (granted,) = await bot.send(ADMIN_ID, "/role 李局长 责任领导 市住建局")
    await bot.idle()
    assert "李局长" in (granted.text or "")
    assert {"my", "pending", "unit", "overdue"} <= set(chat_menu(bot, LEADER) or [])
    # ← (admin) /deactivate 李局长: their chat shows the stranger's menu again
    await bot.send(ADMIN_ID, "/deactivate 李局长")
    await bot.idle()
    assert chat_menu(bot, LEADER) is None
    assert bot.api.calls("deleteMyCommands")


async def test_the_menu_follows_the_persons_language(bot: BotHarness) -> None:
    await bind(bot, OFFICER, "张伟", Role.OFFICER, UNIT)
    menu = bot.api.commands(scope={"type": "chat", "chat_id": OFFICER})
    assert menu is not None
    assert {"command": "my", "description": "我的整改事项"} in menu
    await bot.send(OFFICER, "/lang en")
    await bot.idle()
    english = bot.api.commands(scope={"type": "chat", "chat_id": OFFICER})
    assert english is not None
    assert {"command": "my", "description": "My rectification items"} in english
    (welcome,) = await bot.send(OFFICER, "/start")
    assert (welcome.text or "").startswith("Hello, 张伟!")
    assert "· /my your unit's items, most urgent first" in (welcome.text or "")


async def test_an_admin_of_the_settings_is_told_the_admin_commands(bot: BotHarness) -> None:
    (welcome,) = await bot.send(ADMIN_ID, "/start", first_name="管理员")
    await bot.idle()
    text = welcome.text or ""
    assert "您的角色：管理员" in text
    assert "· /import 导入台账" in text
    assert "/my" not in text  # an admin is no officer: /my would refuse them
    menu = chat_menu(bot, ADMIN_ID)
    assert menu is not None
    assert {"import", "export", "people", "rules", "report", "digest"} <= set(menu)
    assert "group_here" not in menu  # sent in the work group, not here


# ---- every combination of roles, through the recording port -------------------------------------------


ROLE_UNITS = {
    Role.OFFICER: UNIT,
    Role.LEADER: UNIT,
    Role.SUPERVISOR: SUPERVISING,
    Role.LEADERSHIP: None,
    Role.ADMIN: None,
}
COMBINATIONS = [combination for size in (1, 2) for combination in itertools.combinations(ROLE_UNITS, size)]


@pytest.fixture
def chat(services: Services) -> FakeChat:
    services.roster.add_unit(UNIT, actor=Actor.system("test"))
    services.roster.add_unit(SUPERVISING, actor=Actor.system("test"))
    return FakeChat(services)


def person(services: Services, user: int, roles: tuple[Role, ...]) -> int:
    first, *others = roles
    added = services.roster.add_person(
        f"人员{user}", unit=ROLE_UNITS[first], role=first, actor=Actor.system("test"), telegram_user_id=user
    )
    for role in others:
        services.roster.grant_role(f"人员{user}", role, ROLE_UNITS[role], actor=Actor.system("test"))
    return added.id


@pytest.mark.parametrize("roles", COMBINATIONS, ids=lambda roles: "+".join(r.value for r in roles))
async def test_the_menu_offers_exactly_what_the_roles_may_use(
    chat: FakeChat, roles: tuple[Role, ...]
) -> None:
    user = 740_000 + COMBINATIONS.index(roles)
    person(chat.services, user, roles)
    assert await sync_menus(chat.services, chat_port(chat)) == 1
    offered = [name for name, _ in chat.menus[user]]
    (help_text,) = await chat.send(user, "/help")
    for _, description in chat.menus[user]:
        assert description in help_text.text
    for name in ALL_COMMANDS:
        said = await chat.send(user, f"/{name}")
        refused = any(s.text.startswith("该操作需要以下角色之一") for s in said)
        if name in offered:
            assert not refused, (name, roles)
        elif name not in ("start", "group_here"):  # the binding, and what is sent in a group
            assert refused, (name, roles)
        await chat.send(user, "/cancel")


ALL_COMMANDS = [
    "help", "my", "item", "history", "report", "evidence", "signoff", "withdraw", "approve", "dossier", "extend",
    "pending", "unit", "overdue", "stalled", "digest", "warn", "notice", "summon", "reopen", "complaints",
    "report_month", "units", "unit_add", "people", "person_add", "role", "deactivate", "invite", "import",
    "export", "complaint_add", "signoff_rule", "rules", "calendar", "cadence", "lang", "whoami", "cancel",
]  # fmt: skip


def chat_port(chat: FakeChat) -> RecordingPort:
    """A port of the recording chat for the sync the tick runs (no event behind it)."""
    return RecordingPort(chat, Inbound(None, None))


async def test_the_periodic_sync_sets_only_what_changed(chat: FakeChat) -> None:
    """A role granted outside the chat (the command line) reaches the person's menu at the next sync; a
    sync with nothing changed sets nothing."""
    person(chat.services, 750_001, (Role.OFFICER,))
    port = chat_port(chat)
    assert await sync_menus(chat.services, port) == 1
    assert await sync_menus(chat.services, port) == 0
    chat.services.roster.grant_role("人员750001", Role.ADMIN, None, actor=Actor.system("cli"))
    assert await sync_menus(chat.services, port) == 1
    (state,) = chat.services.menus.states()
    assert state.viewer is not None
    assert chat.menus[750_001] == private_menu(chat.services.renderer, state.viewer)
    assert "import" in [name for name, _ in chat.menus[750_001]]
    chat.services.roster.deactivate("人员750001", actor=Actor.system("cli"), actor_person_id=None)
    assert await sync_menus(chat.services, port) == 1
    assert 750_001 not in chat.menus  # the default menu again
    assert chat.services.menus.states() == []
