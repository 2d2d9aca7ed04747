"""The office's work groups on WeCom, DingTalk and Feishu, through their robots (群机器人), end to end against the
robots fake (`loopback.robots`, written from the platforms' documentation apart from Duban's code): an admin
registers a robot in a private chat, the group gets a first post, then the 通报, the 销号公告 and the weekly
summary the Telegram work group gets; signed as each platform checks; within each robot's limit, waiting
when the platform says "too fast"; a robot the platform refuses is stopped and the admins told; a lost
answer goes again on record as a possible repeat; the robot's key and secret are never shown, audited or
logged."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.robot_api import Outcome, answer_of, dingtalk_sign, feishu_sign, parts_of
from ledger.errors import DubanError
from ledger.robots import RobotPlatform, robot_address, shown_address
from loopback.robots import FakeRobot
from messages.split import utf8_length
from services.outbox import Outbox, RobotRecipient
from storage.models import AuditEntry
from storage.review import GroupRobot, SignOffStatus
from storage.scheduling import OutboxMessage, OutboxStatus
from tests.harness import ADMIN_ID, BotHarness, text_of
from tests.test_digests import GROUP, MONDAY, PEOPLE, digest_ledger, signoff, tick_at
from tests.test_scheduler import SUPERVISOR, at

TOKEN = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2"
SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
FEISHU_HOOK = "0f8e7d6c-5b4a-4321-9fed-cba987654321"
FEISHU_SECRET = "qTXpLk3vN8rW2yZ5"


def text_posted(robot: FakeRobot) -> list[str]:
    """What the group read: each accepted post's text, whatever the platform's body."""
    texts = []
    for body in robot.received:
        if "markdown" in body:
            markdown = body["markdown"]
            texts.append(markdown.get("content") or markdown["text"].replace("  \n", "\n"))
        else:
            texts.append(body["content"]["text"])
    return texts


def robot_rows(bot: BotHarness) -> list[OutboxMessage]:
    with bot.services.sessions() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.robot_id.is_not(None))))


async def register(bot: BotHarness, words: str) -> str:
    (answer,) = await bot.send(ADMIN_ID, f"/robot_add {words}")
    return text_of(answer)


def queue_posts(bot: BotHarness, robot_id: int, count: int) -> None:
    """`count` group posts to the robot, due now (as the day's run writes them)."""
    with bot.services.sessions() as session, session.begin():
        outbox = Outbox(
            session, bot.services.renderer, bot.clock.now(), bot.services.office.tz,
            bot.services.office.rules(session),
        )  # fmt: skip
        for n in range(count):
            outbox.add(
                f"grp:red:{n}", RobotRecipient(robot_id, "zh_CN"), "digest_group_red",
                {"number": str(n), "title": f"事项{n}", "units": ["市住建局"]}, urgent=True,
            )  # fmt: skip
        outbox.write()


@pytest.mark.http
async def test_the_work_group_on_dingtalk_gets_what_the_telegram_group_gets(bot: BotHarness) -> None:
    await digest_ledger(bot)
    robot = bot.robots.add_dingtalk(TOKEN, SECRET)
    webhook = robot.url("https://oapi.dingtalk.com")
    bot.api.add_group(GROUP, "整改办工作群")
    await tick_at(bot, at(date(2026, 11, 20)))
    bot.clock.set(at(date(2026, 11, 20), 10))

    # In a group the address and the secret would be read by everyone in it: refused, nothing stored.
    (in_group,) = await bot.send(ADMIN_ID, f"/robot_add 钉钉 {webhook} {SECRET}", chat_id=GROUP)
    assert "私聊" in text_of(in_group)
    (not_admin,) = await bot.send(SUPERVISOR, f"/robot_add 钉钉 {webhook} {SECRET}")
    assert "管理员" in text_of(not_admin)
    assert bot.services.robots.robots() == []

    answer = await register(bot, f"钉钉 {webhook} {SECRET} 整改办钉钉群")
    # → 已登记工作群机器人“整改办钉钉群”（编号1，oapi.dingtalk.com/robot/send…a1b2，已加签），测试消息已发往该群。…
    assert answer.startswith(
        "已登记工作群机器人“整改办钉钉群”（编号1，oapi.dingtalk.com/robot/send…a1b2，已加签）"
    )
    assert TOKEN not in answer
    assert SECRET not in answer
    assert (await bot.post_robots()).accepted == 1
    assert text_posted(robot) == [
        bot.services.renderer.render("zh_CN", "notify/robot_hello", name="整改办钉钉群")
    ]

    await bot.send(SUPERVISOR, "/notice 1 多次督办无进展")
    signoff(bot, "2", SignOffStatus.APPROVED, bot.clock.now())
    await tick_at(bot, at(MONDAY))
    bot.clock.set(at(MONDAY, 8, 30))
    result = await bot.post_robots()
    posted = "\n".join(text_posted(robot)[1:])
    assert result.accepted == 3
    assert "【通报】第1项 事项1，责任单位：市住建局" in posted
    assert "【销号公告】第2项 事项2（责任单位：市住建局）已通过验收" in posted
    assert "【整改工作周报】2026-11-23" in posted
    assert not any(name in posted for name in PEOPLE)
    # The platform cannot say the group read them: accepted, not sent.
    assert {row.status for row in robot_rows(bot)} == {OutboxStatus.ACCEPTED}

    # Never twice: the next day's run and drain post nothing more.
    await tick_at(bot, at(MONDAY + timedelta(days=1)))
    bot.clock.set(at(MONDAY + timedelta(days=1), 9))
    assert (await bot.post_robots()).accepted == 0
    assert len(robot.received) == 4


async def test_each_platform_gets_its_own_signed_body(bot: BotHarness) -> None:
    wecom = bot.robots.add_wecom(WECOM_KEY)
    feishu = bot.robots.add_feishu(FEISHU_HOOK, FEISHU_SECRET)
    await register(bot, f"企业微信 {wecom.url('https://qyapi.weixin.qq.com')} 企微群")
    await register(bot, f"飞书 {feishu.url('https://open.feishu.cn')} {FEISHU_SECRET} 飞书群")
    assert (await bot.post_robots()).accepted == 2
    assert wecom.received[0]["msgtype"] == "markdown"
    assert feishu.received[0]["msg_type"] == "text"
    assert feishu.received[0]["sign"]
    listed = text_of((await bot.send(ADMIN_ID, "/robots"))[0])
    assert "1. 企微群（企业微信，qyapi.weixin.qq.com/cgi-bin/webhook/send…5aaa）在用" in listed
    assert "2. 飞书群（飞书，open.feishu.cn/open-apis/bot/v2/hook/…4321，已加签）在用" in listed
    assert WECOM_KEY not in listed
    assert FEISHU_HOOK not in listed


async def test_what_an_admin_types_wrong_is_refused_and_nothing_is_stored(bot: BotHarness) -> None:
    dingtalk = "https://oapi.dingtalk.com/robot/send?access_token=" + TOKEN
    for words, expected in (
        ("", "用法"),
        ("微博 https://example.com/x", "不认识的平台“微博”"),
        ("钉钉 https://oapi.dingtalk.com/robot/send", "机器人地址不对"),
        ("钉钉 oapi.dingtalk.com/robot/send?access_token=x", "机器人地址不对"),
        ("飞书 https://open.feishu.cn/open-apis/bot/v2/hook/", "机器人地址不对"),
        (
            f"企业微信 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY} SECabcdefabcdefabcdef",
            "",
        ),
        (f"钉钉 {dingtalk} SEC123", ""),
    ):
        answer = await register(bot, words)
        if expected:
            assert expected in answer, (words, answer)
    # The two last: a WeCom robot with a word that is not a secret is named by it; DingTalk's short "SEC123"
    # is not a secret either, so it names the robot. Both registered, nothing else.
    assert [r.name for r in bot.services.robots.robots()] == ["SECabcdefabcdefabcdef", "SEC123"]
    with pytest.raises(DubanError) as refused:
        robot_address(
            RobotPlatform.WECOM, f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}", "x"
        )
    assert refused.value.code == "robot/no_secret_needed"
    (usage,) = await bot.send(ADMIN_ID, "/robot_off x")
    assert "用法" in text_of(usage)
    (unknown,) = await bot.send(ADMIN_ID, "/robot_off 9")
    assert "没有在用的9号机器人" in text_of(unknown)


async def test_a_robot_keeps_its_platforms_limit_and_waits_when_told_too_fast(bot: BotHarness) -> None:
    robot = bot.robots.add_dingtalk(TOKEN)
    await register(bot, f"dingtalk {robot.url('https://oapi.dingtalk.com')} 群")
    queue_posts(bot, 1, 24)
    first = await bot.post_robots()
    assert first.accepted == 20
    assert len(robot.received) == 20
    assert (await bot.post_robots()).accepted == 0  # nothing more within the minute
    bot.clock.advance(timedelta(seconds=61))
    assert (await bot.post_robots()).accepted == 5
    assert len(robot.received) == 25

    # Someone else posts through the same robot: the platform says "too fast" and locks it ten minutes.
    for _ in range(20):
        bot.robots.handle(
            "POST", "/robot/send", {"access_token": TOKEN}, b'{"msgtype":"text","text":{"content":"x"}}'
        )
    queue_posts_after = len(robot.received)
    with bot.services.sessions() as session, session.begin():
        outbox = Outbox(
            session, bot.services.renderer, bot.clock.now(), bot.services.office.tz,
            bot.services.office.rules(session),
        )  # fmt: skip
        outbox.add("grp:late", RobotRecipient(1, "zh_CN"), "robot_hello", {"name": "群"}, urgent=True)
        outbox.write()
    bot.clock.advance(timedelta(seconds=61))
    bot.robots.handle(
        "POST", "/robot/send", {"access_token": TOKEN}, b'{"msgtype":"text","text":{"content":"x"}}'
    )
    told = await bot.post_robots()
    assert told.throttled == 1
    assert len(robot.received) == queue_posts_after
    late = [row for row in robot_rows(bot) if row.key.startswith("grp:late")]
    assert late[0].status == OutboxStatus.PENDING
    assert late[0].not_before > bot.clock.now() + timedelta(minutes=9)
    bot.clock.advance(timedelta(minutes=5))
    assert (await bot.post_robots()).accepted == 0  # still resting
    bot.clock.advance(timedelta(minutes=6))
    assert (await bot.post_robots()).accepted == 1


async def test_a_robot_refused_for_its_signature_is_stopped_and_the_admins_told(bot: BotHarness) -> None:
    robot = bot.robots.add_dingtalk(TOKEN, SECRET)
    wrong = "SEC" + "f" * 64
    await register(bot, f"钉钉 {robot.url('https://oapi.dingtalk.com')} {wrong} 整改群")
    queue_posts(bot, 1, 3)
    result = await bot.post_robots()
    assert result.robots_stopped == 1
    assert robot.received == []
    assert {row.status for row in robot_rows(bot)} == {OutboxStatus.FAILED}
    await bot.deliver()
    (told,) = [m for m in bot.api.sent(ADMIN_ID) if "被平台拒收" in (m.text or "")]
    # → 工作群机器人“整改群”（钉钉，编号1）被平台拒收，已停用：310000 sign not match。…
    assert "工作群机器人“整改群”（钉钉，编号1）被平台拒收，已停用：310000" in text_of(told)
    listed = text_of((await bot.send(ADMIN_ID, "/robots"))[0])
    assert "已停用：310000" in listed
    # Nothing more goes to it, and the admins are told once.
    queue_posts(bot, 1, 1)
    assert (await bot.post_robots()).accepted == 0
    # Registered again with the right secret (a while later), it works.
    bot.clock.advance(timedelta(minutes=3))
    await register(bot, f"钉钉 {robot.url('https://oapi.dingtalk.com')} {SECRET} 整改群")
    assert (await bot.post_robots()).accepted == 1


async def test_a_lost_answer_goes_again_on_record_as_a_possible_repeat(bot: BotHarness) -> None:
    robot = bot.robots.add_wecom(WECOM_KEY)
    bot.robots.lose_answer_next(robot)
    await register(bot, f"wecom {robot.url('https://qyapi.weixin.qq.com')}")
    assert (await bot.post_robots()).retried == 1
    (row,) = robot_rows(bot)
    assert row.possible_repeat
    assert row.status == OutboxStatus.PENDING
    bot.clock.advance(timedelta(seconds=5))
    assert (await bot.post_robots()).accepted == 1
    assert len(robot.received) == 2  # the platform took it twice: on record
    with bot.services.sessions() as session:
        repeats = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "resend_possible_repeat")
        ).all()
    assert [entry.entity_id for entry in repeats] == [str(row.id)]


async def test_a_long_post_goes_in_parts_within_the_platforms_bytes() -> None:
    text = "\n".join(f"第{n}项 污水管网闭水试验，责任单位：市住建局" for n in range(400))
    for platform in RobotPlatform:
        parts = parts_of(platform, text)
        assert "\n".join(parts) == text
        assert len(parts) > 1
        assert all(utf8_length(part) <= 16_000 for part in parts)
    assert all(utf8_length(part) <= 4096 for part in parts_of(RobotPlatform.WECOM, text))


async def test_the_robots_key_and_secret_are_never_audited(bot: BotHarness) -> None:
    robot = bot.robots.add_dingtalk(TOKEN, SECRET)
    await register(bot, f"钉钉 {robot.url('https://oapi.dingtalk.com')} {SECRET} 群")
    await bot.post_robots()
    await bot.send(ADMIN_ID, "/robot_off 1")
    with bot.services.sessions() as session:
        audited = " ".join(f"{e.before} {e.after}" for e in session.scalars(select(AuditEntry)))
        stored = session.scalars(select(GroupRobot)).one()
    assert stored.secret == SECRET
    assert not stored.active
    assert "oapi.dingtalk.com/robot/send…a1b2" in audited
    assert TOKEN not in audited
    assert SECRET not in audited


def test_signatures_and_answers_as_the_platforms_document_them() -> None:
    # DingTalk: base64(HMAC-SHA256(secret, "timestamp\nsecret")); Feishu: base64(HMAC-SHA256("timestamp\nsecret", "")).
    # The fake checks them by its own code, so the end-to-end tests above check these against it; here, that
    # they change with every input.
    assert dingtalk_sign("SECx", 1) != dingtalk_sign("SECx", 2) != dingtalk_sign("SECy", 2)
    assert feishu_sign("s", 1) != feishu_sign("s", 2)
    assert answer_of(RobotPlatform.WECOM, 200, {"errcode": 0, "errmsg": "ok"}).outcome == Outcome.ACCEPTED
    assert answer_of(RobotPlatform.WECOM, 200, {"errcode": 45009}).outcome == Outcome.THROTTLED
    assert answer_of(RobotPlatform.DINGTALK, 200, {"errcode": 130101}).outcome == Outcome.THROTTLED
    assert answer_of(RobotPlatform.FEISHU, 200, {"code": 11232}).outcome == Outcome.THROTTLED
    assert answer_of(RobotPlatform.FEISHU, 200, {"code": 19021}).outcome == Outcome.ROBOT_REFUSED
    assert answer_of(RobotPlatform.WECOM, 200, {"errcode": 93000}).outcome == Outcome.ROBOT_REFUSED
    assert answer_of(RobotPlatform.WECOM, 200, {"errcode": 40058}).outcome == Outcome.MESSAGE_REFUSED
    assert answer_of(RobotPlatform.FEISHU, 502, None).outcome == Outcome.NO_ANSWER
    assert answer_of(RobotPlatform.FEISHU, 200, "<html>").outcome == Outcome.NO_ANSWER
    assert answer_of(RobotPlatform.DINGTALK, 429, None).outcome == Outcome.THROTTLED
    assert shown_address(f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}") == (
        "oapi.dingtalk.com/robot/send…a1b2"
    )
