"""The admin's /rules and /calendar end to end, and the rules file the office starts from."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import Settings, SettingsError, load_settings
from bot.wiring import build
from ledger.actor import Actor
from ledger.model import Role
from scheduler.rule_values import SPEC_BY_NAME
from scheduler.rules import Rules
from storage.models import AuditEntry
from storage.scheduling import CalendarOverride, SchedulerSetting
from tests.conftest import CliRunner
from tests.harness import ADMIN_ID, BotHarness, migrated, text_of
from tests.test_scheduler import OFFICER, at, outbox, setup_ledger

OFFICER_ID = 700_201
GOOD_FILE = """
# The office's rules
reminder_offsets = [20, 10, 5, 0]
answer_within = 5
quiet_start = "22:30"
quiet_end = 07:30:00
"""


def _audit(bot: BotHarness, *actions: str) -> list[AuditEntry]:
    with bot.services.sessions() as session:
        statement = select(AuditEntry).where(AuditEntry.action.in_(actions)).order_by(AuditEntry.id)
        return list(session.scalars(statement))


def _stored(bot: BotHarness) -> tuple[object, int]:
    """The admins' rule edits and calendar overrides as stored."""
    with bot.services.sessions() as session:
        row = session.get(SchedulerSetting, "rules")
        overrides = session.scalar(select(func.count()).select_from(CalendarOverride)) or 0
        return (None if row is None else row.value, overrides)


def _working(bot: BotHarness, day: date) -> bool:
    with bot.services.sessions() as session:
        return bot.services.office.calendar(session).is_working_day(day)


def test_every_rule_has_a_spec() -> None:
    assert set(SPEC_BY_NAME) == {f.name for f in fields(Rules)}


# --- /rules ---------------------------------------------------------------------------------------


async def test_rules_shows_every_rule_set_changes_it_and_marks_it(bot: BotHarness) -> None:
    (shown,) = await bot.send(ADMIN_ID, "/rules")
    assert text_of(shown).startswith("督办规则（标 ★ 的已调整）：")
    for name in SPEC_BY_NAME:
        assert f"· {name} = " in text_of(shown)
    assert "· reminder_offsets = 30,14,7,3,1,0\n  时限提醒：截止前第几个工作日" in text_of(shown)
    assert "· quiet_start = 21:00" in text_of(shown)
    assert "★" not in text_of(shown).partition("\n")[2]

    (changed,) = await bot.send(ADMIN_ID, "/rules answer_within 5")
    assert changed.text == "已修改 answer_within：3 → 5（默认 3）\n调度报送期限（工作日）"
    assert bot.services.office.current_rules().answer_within == 5
    (shown,) = await bot.send(ADMIN_ID, "/rules")
    assert "★ answer_within = 5（默认 3）" in text_of(shown)
    (entry,) = _audit(bot, "set_rule")
    assert (entry.actor, entry.entity, entry.entity_id) == (
        bot.actor(ADMIN_ID),
        "scheduler_rule",
        "answer_within",
    )
    assert (entry.before, entry.after) == ({"answer_within": 3}, {"answer_within": 5})

    (same,) = await bot.send(ADMIN_ID, "/rules answer_within 5")
    assert text_of(same).startswith("answer_within 已是 5，未作修改。")
    assert len(_audit(bot, "set_rule")) == 1


async def test_lists_and_times_are_read_as_written_and_kept_in_order(bot: BotHarness) -> None:
    (listed,) = await bot.send(ADMIN_ID, "/rules reminder_offsets 0, 7，30 7")
    assert text_of(listed).startswith("已修改 reminder_offsets：30,14,7,3,1,0 → 30,7,0")
    (days,) = await bot.send(ADMIN_ID, "/rules dispatch_days 16 1 10")
    assert text_of(days).startswith("已修改 dispatch_days：1,16 → 1,10,16")
    (quiet,) = await bot.send(ADMIN_ID, "/rules quiet_start 22：30")
    assert text_of(quiet).startswith("已修改 quiet_start：21:00 → 22:30")
    rules = bot.services.office.current_rules()
    assert (rules.reminder_offsets, rules.dispatch_days) == ((30, 7, 0), (1, 10, 16))
    assert rules.quiet_start == time(22, 30)
    assert _stored(bot)[0] == {
        "reminder_offsets": [30, 7, 0],
        "dispatch_days": [1, 10, 16],
        "quiet_start": "22:30",
    }


async def test_reset_goes_back_to_the_default(bot: BotHarness) -> None:
    await bot.send(ADMIN_ID, "/rules snooze_max 4")
    await bot.send(ADMIN_ID, "/rules red_overdue 15")
    (reset,) = await bot.send(ADMIN_ID, "/rules reset snooze_max")
    assert reset.text == "已恢复默认 snooze_max：4 → 2\n每条提醒顺延次数上限"
    assert bot.services.office.current_rules().snooze_max == 2
    assert _stored(bot)[0] == {"red_overdue": 15}
    (entry,) = _audit(bot, "reset_rule")
    assert (entry.before, entry.after) == ({"snooze_max": 4}, {"snooze_max": 2})

    (again,) = await bot.send(ADMIN_ID, "/rules reset snooze_max")
    assert text_of(again).startswith("snooze_max 本就是默认值 2，未作修改。")
    assert len(_audit(bot, "reset_rule")) == 1
    # Setting the default value by hand is no edit either.
    await bot.send(ADMIN_ID, "/rules red_overdue 10")
    assert _stored(bot)[0] == {}


@pytest.mark.parametrize(
    ("command", "start"),
    [
        ("/rules nope 5", "没有名为“nope”的规则，未作修改。\n规则名称：reminder_offsets、dispatch_days"),
        ("/rules reset nope", "没有名为“nope”的规则"),
        ("/rules answer_within 0", "“0”不是有效的值，未作修改。\n调度报送期限（工作日）（answer_within）应为 1 至 30"),
        ("/rules answer_within abc", "“abc”不是有效的值"),
        ("/rules answer_within -3", "“-3”不是有效的值"),
        ("/rules snooze_max 1 2", "“1 2”不是有效的值"),
        ("/rules reminder_offsets 30,31", "“30,31”不是有效的值，未作修改。\n时限提醒：截止前第几个工作日（reminder_offsets）应为 0 至 30 的整数，多个用逗号分隔"),
        ("/rules dispatch_days 1,29", "“1,29”不是有效的值"),
        ("/rules quiet_end 25:00", "“25:00”不是有效的值，未作修改。\n免打扰结束时间（quiet_end）应为 时间，写作 时:分"),
        ("/rules quiet_end 8", "“8”不是有效的值"),
        ("/rules answer_within", "用法：/rules 查看督办规则"),
        ("/rules reset", "用法：/rules 查看督办规则"),
    ],
)  # fmt: skip
async def test_bad_rules_input_says_how_and_changes_nothing(
    bot: BotHarness, command: str, start: str
) -> None:
    (reply,) = await bot.send(ADMIN_ID, command)
    assert text_of(reply).startswith(start)
    assert _stored(bot) == (None, 0)
    assert _audit(bot, "set_rule", "reset_rule") == []
    assert bot.services.office.current_rules() == Rules()


async def test_rules_in_english(bot: BotHarness) -> None:
    await bot.send(ADMIN_ID, "/lang en")
    await bot.send(ADMIN_ID, "/rules blue_percent_below 40")
    (shown,) = await bot.send(ADMIN_ID, "/rules")
    assert text_of(shown).startswith("Supervision rules (★: changed):")
    assert "★ blue_percent_below = 40 (default 50)\n  Blue reminder: and progress below (%)" in text_of(shown)
    (bad,) = await bot.send(ADMIN_ID, "/rules blue_percent_below 0")
    assert text_of(bad).endswith("(blue_percent_below) must be a whole number from 1 to 100.")


async def test_only_admins_see_or_change_rules_and_calendar(bot: BotHarness) -> None:
    bot.services.roster.add_unit("市住建局", actor=Actor.system("test"))
    bot.services.roster.add_person(
        "张伟", unit="市住建局", role=Role.OFFICER, actor=Actor.system("test"), telegram_user_id=OFFICER_ID
    )
    bot.api.add_user(OFFICER_ID, "张伟")
    for command in ("/rules", "/rules snooze_max 5", "/calendar", "/calendar 2026-12-23 off"):
        (refused,) = await bot.send(OFFICER_ID, command)
        assert text_of(refused).startswith("该操作需要以下角色之一：管理员")
    assert _stored(bot) == (None, 0)


async def test_a_rules_change_changes_the_tick(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    (reply,) = await bot.send(ADMIN_ID, "/rules reminder_offsets 5")
    assert text_of(reply).startswith("已修改 reminder_offsets：30,14,7,3,1,0 → 5")
    bot.clock.set(at(date(2026, 12, 22)))  # 7 working days before: a reminder by default
    bot.services.daily_run.tick()
    assert [r for r in outbox(bot) if r.kind == "reminder"] == []
    bot.clock.set(at(date(2026, 12, 24)))  # the 5th working day before 31 December
    bot.services.daily_run.tick()
    (row,) = [r for r in outbox(bot) if r.kind == "reminder"]
    assert row.chat_id == OFFICER
    assert "还有 5 个工作日" in row.text


# --- /calendar ------------------------------------------------------------------------------------


async def test_calendar_shows_which_years_the_holiday_package_knows(bot: BotHarness) -> None:
    (shown,) = await bot.send(ADMIN_ID, "/calendar")
    assert text_of(shown).startswith(
        "节假日日历：\n· 2026 年：已有国务院公布的节假日数据\n· 2027 年：缺少节假日数据"
    )
    assert "尚无管理员调整。" in text_of(shown)


async def test_calendar_overrides_change_working_days_and_are_audited(bot: BotHarness) -> None:
    assert _working(bot, date(2026, 12, 23))
    assert not _working(bot, date(2026, 12, 26))
    (off,) = await bot.send(ADMIN_ID, "/calendar 2026-12-23 off 地方 假日")
    assert off.text == "已设定 2026-12-23 为休息日（地方 假日）。"
    (work,) = await bot.send(ADMIN_ID, "/calendar 2026-12-26 上班")
    assert work.text == "已设定 2026-12-26 为上班日。"
    assert not _working(bot, date(2026, 12, 23))
    assert _working(bot, date(2026, 12, 26))
    (shown,) = await bot.send(ADMIN_ID, "/calendar")
    assert "管理员调整 2 天：\n· 2026-12-23（周三）休息：地方 假日\n· 2026-12-26（周六）上班" in text_of(
        shown
    )

    (changed,) = await bot.send(ADMIN_ID, "/calendar 2026-12-23 work")
    assert changed.text == "已设定 2026-12-23 为上班日。\n原设定为休息日。"
    (cleared,) = await bot.send(ADMIN_ID, "/calendar 2026-12-26 clear")
    assert text_of(cleared).startswith("已删除 2026-12-26 的调整（原为上班日）")
    assert not _working(bot, date(2026, 12, 26))
    entries = _audit(bot, "set_calendar_day", "clear_calendar_day")
    assert [(e.action, e.entity_id, e.before, e.after) for e in entries] == [
        ("set_calendar_day", "2026-12-23", None, {"working": False, "note": "地方 假日"}),
        ("set_calendar_day", "2026-12-26", None, {"working": True, "note": None}),
        (
            "set_calendar_day",
            "2026-12-23",
            {"working": False, "note": "地方 假日"},
            {"working": True, "note": None},
        ),
        ("clear_calendar_day", "2026-12-26", {"working": True, "note": None}, None),
    ]


async def test_a_day_declared_off_moves_a_reminder(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    # 7 working days before 31 December is the 22nd; with the 23rd off it is the 21st.
    await bot.send(ADMIN_ID, "/calendar 2026-12-23 off")
    bot.clock.set(at(date(2026, 12, 21)))
    bot.services.daily_run.tick()
    (row,) = [r for r in outbox(bot) if r.kind == "reminder"]
    assert "还有 7 个工作日" in row.text


@pytest.mark.parametrize(
    ("command", "start"),
    [
        ("/calendar 2026-13-01 off", "“2026-13-01”不是有效的日期，未作修改。"),
        ("/calendar 明天 off", "“明天”不是有效的日期"),
        ("/calendar 2026-12-23 maybe", "用法：/calendar 查看节假日日历和调整"),
        ("/calendar 2026-12-23", "用法：/calendar"),
        ("/calendar 2026-12-23 clear now", "用法：/calendar"),
        ("/calendar 2026-12-23 clear", "2026-12-23 没有管理员调整，无需删除。"),
        ("/calendar 2026-12-23 off " + "长" * 201, "说明过长（最多 200 字），未作修改。"),
    ],
)
async def test_bad_calendar_input_says_how_and_changes_nothing(
    bot: BotHarness, command: str, start: str
) -> None:
    (reply,) = await bot.send(ADMIN_ID, command)
    assert text_of(reply).startswith(start)
    assert _stored(bot) == (None, 0)
    assert _audit(bot, "set_calendar_day", "clear_calendar_day") == []


# --- the rules file -------------------------------------------------------------------------------


def test_the_rules_file_gives_the_defaults_and_admin_edits_win(tmp_path: Path, sqlite_url: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(GOOD_FILE, encoding="utf-8")
    migrated(sqlite_url)
    services = build(Settings(database_url=sqlite_url, rules_file=path)).services
    try:
        expected = Rules(
            reminder_offsets=(20, 10, 5, 0), answer_within=5, quiet_start=time(22, 30), quiet_end=time(7, 30)
        )
        assert services.office.current_rules() == expected
        settings = services.office_settings
        views = {view.name: view for view in settings.rules()}
        assert (views["answer_within"].value, views["answer_within"].from_file) == ("5", True)
        assert not views["answer_within"].changed
        assert not views["snooze_max"].from_file

        settings.set_rule("answer_within", "8", actor=Actor.system("test"))
        assert services.office.current_rules().answer_within == 8
        settings.reset_rule("answer_within", actor=Actor.system("test"))
        assert services.office.current_rules() == expected
        settings.set_rule(
            "answer_within", "3", actor=Actor.system("test")
        )  # the built-in value, not the file's
        assert services.office.current_rules().answer_within == 3
    finally:
        services.close()


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("reminder_days = [7, 3]\n", "reminder_days: unknown rule"),
        ("answer_within = 0\n", "answer_within: must be a whole number from 1 to 30"),
        ('answer_within = "soon"\n', "answer_within: must be a whole number"),
        ("snooze_max = true\n", "snooze_max: must be a whole number"),
        ("dispatch_days = [1, 31]\n", "dispatch_days: must be whole numbers from 1 to 28"),
        ('quiet_start = "9pm"\n', "quiet_start: must be a time of day as HH:MM"),
        ("answer_within = \n", "is not valid TOML"),
    ],
)
def test_a_wrong_rules_file_stops_start_up_with_one_line_naming_the_key(
    cli: CliRunner, tmp_path: Path, content: str, named: str
) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(content, encoding="utf-8")
    cli.env(DUBAN_RULES_FILE=str(path), DUBAN_TELEGRAM_TOKEN="123:ABC")
    result = cli("run")
    assert result.code == 2
    assert result.out == ""
    (line,) = result.err.strip().splitlines()
    assert line.startswith("配置错误：DUBAN_RULES_FILE: ")
    assert named in line


def test_a_missing_rules_file_is_named(cli: CliRunner, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"cannot read .*absent\.toml"):
        Settings(rules_file=tmp_path / "absent.toml")
    cli.env(DUBAN_RULES_FILE=str(tmp_path / "absent.toml"))
    with pytest.raises(SettingsError, match="DUBAN_RULES_FILE"):
        load_settings()
