"""Binding by invite code, strangers, /help, /lang, /whoami, admins by settings: end to end."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ledger.actor import Actor
from ledger.model import Role
from storage.models import AuditEntry, Person
from tests.harness import ADMIN_ID, BotHarness, text_of

OFFICER_ID = 700_001


def _add_officer(bot: BotHarness, name: str = "张伟") -> str:
    bot.services.roster.add_unit("市住建局", actor=Actor.system("test"))
    person = bot.services.roster.add_person(
        name, unit="市住建局", role=Role.OFFICER, actor=Actor.system("test")
    )
    assert person.invite_code is not None
    return person.invite_code


async def test_stranger_gets_one_polite_line_and_nothing_is_stored_but_an_audit_entry(
    bot: BotHarness,
) -> None:
    _add_officer(bot)
    for text in ("/my", "你好", "/start", "/item 1", "/help"):
        (reply,) = await bot.send(123, text)
        assert text_of(reply).startswith("您好！督办机器人仅供已登记的整改工作人员使用")
        assert "市住建局" not in text_of(reply)
    with bot.services.sessions() as session:
        assert session.scalars(select(Person).where(Person.telegram_user_id == 123)).first() is None
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "stranger")).all()
        assert [e.actor for e in entries] == ["tg:123"] * 5


async def test_stranger_with_an_english_client_is_answered_in_english(bot: BotHarness) -> None:
    (reply,) = await bot.send(124, "hello", language_code="en")
    assert text_of(reply).startswith("Hello! Duban serves registered rectification staff only")


async def test_binding_with_an_invite_code_then_refusals(bot: BotHarness) -> None:
    code = _add_officer(bot)
    (reply,) = await bot.send(OFFICER_ID, f"/start {code}")
    assert text_of(reply).startswith("绑定成功，张伟！")
    assert "责任人员（市住建局）" in text_of(reply)
    with bot.services.sessions() as session:
        person = session.scalars(select(Person).where(Person.name == "张伟")).one()
        assert person.telegram_user_id == OFFICER_ID
        assert person.invite_code is None

    (again,) = await bot.send(OFFICER_ID, f"/start {code}")
    assert text_of(again).startswith("您已完成绑定")
    (used,) = await bot.send(555, f"/start {code}")
    assert "该邀请码已被使用" in text_of(used)
    (unknown,) = await bot.send(556, "/start NOSUCHCODE")
    assert "邀请码无效" in text_of(unknown)


async def test_deep_link_payload_binds_case_insensitively(bot: BotHarness) -> None:
    code = _add_officer(bot)
    (reply,) = await bot.send(OFFICER_ID, f"/start {code.lower()}")
    assert text_of(reply).startswith("绑定成功")


async def test_help_lang_whoami(bot: BotHarness) -> None:
    code = _add_officer(bot)
    await bot.send(OFFICER_ID, f"/start {code}")
    (help_zh,) = await bot.send(OFFICER_ID, "/help")
    assert "/report 编号" in text_of(help_zh)
    assert "/import" not in text_of(help_zh)  # an admin's command
    (usage,) = await bot.send(OFFICER_ID, "/lang fr")
    assert text_of(usage).startswith("用法：/lang zh")
    (switched,) = await bot.send(OFFICER_ID, "/lang en")
    assert switched.text == "Language set to English."
    (help_en,) = await bot.send(OFFICER_ID, "/help")
    assert "Your roles: responsible officer (市住建局)" in text_of(help_en)
    assert "/report NUMBER [PERCENT] [TEXT] — Report progress" in text_of(help_en)
    (who,) = await bot.send(OFFICER_ID, "/whoami")
    assert text_of(who).startswith(f"张伟 (Telegram id {OFFICER_ID})")
    assert "responsible officer (市住建局)" in text_of(who)
    (unknown,) = await bot.send(OFFICER_ID, "blah")
    assert text_of(unknown).startswith("I did not understand that")


async def test_admin_listed_in_settings_is_admin_from_the_first_message(bot: BotHarness) -> None:
    (reply,) = await bot.send(ADMIN_ID, "/help", first_name="管理员甲")
    assert "您的角色：管理员" in text_of(reply)
    assert "/import — 导入台账" in text_of(reply)
    with bot.services.sessions() as session:
        person = session.scalars(select(Person).where(Person.telegram_user_id == ADMIN_ID)).one()
        assert person.name == "管理员甲"
        assert [r.role for r in person.roles] == [Role.ADMIN]


async def test_the_shared_menus_are_the_binding_hint_and_the_group_commands(bot: BotHarness) -> None:
    """Strangers' chats show how to bind, in both languages; groups what works there. A bound person's own
    chat gets the menu of their roles (tests/test_chat_roles.py)."""
    assert bot.api.commands() == [
        {"command": "start", "description": "绑定账号（邀请码向本单位联系人或整改办索取）"}
    ]
    english = bot.api.commands("en")
    assert english is not None
    assert [c["command"] for c in english] == ["start"]
    groups = {"type": "all_group_chats"}
    assert [c["command"] for c in bot.api.commands(scope=groups) or []] == ["help", "group_here"]
    assert [c["command"] for c in bot.api.commands("en", scope=groups) or []] == ["help", "group_here"]


@pytest.mark.parametrize("code", ["", "x" * 200])
async def test_odd_start_payloads_do_not_crash(bot: BotHarness, code: str) -> None:
    (reply,) = await bot.send(800, f"/start {code}".strip())
    assert text_of(reply).startswith("您好！") or "邀请码无效" in text_of(reply)
