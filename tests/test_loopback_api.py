"""The loopback Bot API emulator, driven by python-telegram-bot's `Bot` through each front: in-process (PTB's
request interface) and HTTP (PTB's own HTTP stack against the aiohttp server). What only HTTP has (raw form
and JSON bodies, unknown paths, the server's log, stopping the listener) is tested over HTTP alone."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from loopback import FloodLimits, LoopbackBotApi, RateWindow
from loopback.http import HttpFront
from loopback.inprocess import InProcessFront

pytestmark = [
    pytest.mark.asyncio,
    # PTB 22 warns whenever a RetryAfter is built (int vs timedelta); not this server's concern.
    pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning"),
]

USER = 1001
GROUP = -4001
PNG = bytes.fromhex(  # a 1×1 image
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class ManualClock:
    """Monotonic seconds a test moves by hand, so flood control needs no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


Front = HttpFront | InProcessFront


@pytest.fixture
def api() -> LoopbackBotApi:
    server = LoopbackBotApi()
    server.add_user(USER, "张三")
    return server


@asynccontextmanager
async def served(api: LoopbackBotApi, transport: str) -> AsyncIterator[Front]:
    if transport == "http":
        async with HttpFront(api) as front:
            yield front
    else:
        yield InProcessFront(api)


def connected(front: Front, token: str | None = None) -> Bot:
    """A PTB Bot talking to the emulator through `front` (a new connection of its own)."""
    token = token or front.api.token
    if isinstance(front, InProcessFront):
        return Bot(
            token, base_url=front.bot_base_url, base_file_url=front.file_base_url,
            request=front.request(), get_updates_request=front.request(),
        )  # fmt: skip
    return Bot(token, base_url=front.bot_base_url, base_file_url=front.file_base_url)


@pytest_asyncio.fixture(params=["in_process", "http"])
async def front(request: pytest.FixtureRequest, api: LoopbackBotApi) -> AsyncIterator[Front]:
    async with served(api, request.param) as serving:
        yield serving


@pytest_asyncio.fixture
async def http(api: LoopbackBotApi) -> AsyncIterator[HttpFront]:
    async with HttpFront(api) as serving:
        yield serving


@pytest_asyncio.fixture
async def bot(front: Front) -> AsyncIterator[Bot]:
    async with connected(front) as b:
        yield b


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"b{i}", callback_data=d)] for i, d in enumerate(data)]
    )


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # int vs timedelta deprecation dance of PTB 22
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# ---- identity, sending, reading back ----------------------------------------------------------------


async def test_get_me_answers_the_configured_bot(api: LoopbackBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "duban_test_bot"
    assert me.is_bot
    assert me.id == api.bot_id == int(api.token.split(":")[0])


async def test_send_message_is_recorded_and_echoed(api: LoopbackBotApi, bot: Bot) -> None:
    message = await bot.send_message(USER, "  整改 通知\n", reply_markup=keyboard("a:1"))

    assert message.text == "整改 通知"  # trimmed, as Telegram stores it
    assert message.chat.id == USER
    assert message.chat.type == "private"
    assert message.from_user is not None
    assert message.from_user.id == api.bot_id
    assert message.reply_markup == keyboard("a:1")
    [sent] = api.sent(USER)
    assert (sent.message_id, sent.method, sent.text) == (message.message_id, "sendMessage", "整改 通知")
    assert sent.button_data() == ["a:1"]
    assert api.all_sent() == [sent]
    assert api.stats.sends_accepted == 1


async def test_json_and_form_requests_with_string_chat_id(api: LoopbackBotApi, http: HttpFront) -> None:
    async with httpx.AsyncClient(base_url=f"{http.bot_base_url}{api.token}") as client:
        as_json = await client.post("/sendMessage", json={"chat_id": str(USER), "text": "json"})
        markup = json.dumps({"inline_keyboard": [[{"text": "x", "callback_data": "d"}]]})
        as_form = await client.post(
            "/SENDMESSAGE", data={"chat_id": str(USER), "text": "123", "reply_markup": markup}
        )

    assert as_json.json()["ok"]
    assert as_form.json()["ok"]
    # Form values are strings: the text "123" stays text, the markup JSON is parsed.
    assert [m.text for m in api.sent(USER)] == ["json", "123"]
    assert api.sent(USER)[1].reply_markup == json.loads(markup)


async def test_unknown_token_and_method_over_http(api: LoopbackBotApi, http: HttpFront) -> None:
    async with httpx.AsyncClient(base_url=http.base_url) as client:
        unknown_method = await client.post(f"/bot{api.token}/frobnicate")
        unknown_token = await client.post("/bot42:AAAAAAAAAAAAAAAAAAAAAAAAA/getMe")
        unknown_path = await client.get("/favicon.ico")
    assert unknown_method.status_code == 404
    assert unknown_method.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert unknown_token.status_code == 401
    assert unknown_token.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert unknown_path.status_code == 404


async def test_unknown_token_and_methods_not_emulated(front: Front, bot: Bot) -> None:
    with pytest.raises(InvalidToken):  # raised by initialize(); __aenter__ then shuts the Bot down
        async with connected(front, "42:AAAAAAAAAAAAAAAAAAAAAAAAA"):
            pass
    # Methods Duban does not call answer as Telegram answers an unknown method.
    message = await bot.send_message(USER, "待办")
    with pytest.raises(InvalidToken, match="Not Found"):
        await bot.edit_message_text("已办", USER, message.message_id)
    with pytest.raises(InvalidToken, match="Not Found"):
        await bot.delete_message(USER, message.message_id)


# ---- getUpdates ---------------------------------------------------------------------------------


async def test_get_updates_long_polls_until_an_update_arrives(api: LoopbackBotApi, bot: Bot) -> None:
    async def later() -> None:
        await asyncio.sleep(0.2)
        api.push_text(USER, "你好")

    started = time.monotonic()
    pusher = asyncio.create_task(later())
    updates = await bot.get_updates(timeout=5)
    elapsed = time.monotonic() - started
    await pusher

    assert 0.15 <= elapsed < 2.0  # waited for the push, returned as soon as it came
    [update] = updates
    assert update.message is not None
    assert update.message.text == "你好"
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "zh-hans"


async def test_get_updates_waits_for_the_timeout_when_nothing_comes(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 2.0


async def test_offset_confirms_earlier_updates(api: LoopbackBotApi, bot: Bot) -> None:
    first = api.push_text(USER, "one")
    api.push_text(USER, "two")

    assert [u.message.text for u in await bot.get_updates() if u.message] == ["one", "two"]
    # Not confirmed yet: asked again, Telegram returns the same updates.
    assert len(await bot.get_updates()) == 2
    again = await bot.get_updates(offset=first["update_id"] + 1)
    assert [u.message.text for u in again if u.message] == ["two"]
    assert await bot.get_updates(offset=again[-1].update_id + 1) == ()
    assert api.pending_updates() == []


async def test_a_newer_get_updates_ends_the_older_with_conflict(
    api: LoopbackBotApi, front: Front, bot: Bot
) -> None:
    # Two processes polling with one token: PTB's poll connection pool holds one request, so two Bots.
    async with connected(front) as second_instance:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await api.wait_polling(timeout=2.0)
        second = await second_instance.get_updates(timeout=0)
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(first, 2.0)
    assert second == ()


async def test_commands_carry_a_bot_command_entity(api: LoopbackBotApi, bot: Bot) -> None:
    api.push_command(USER, "start", "abc")
    api.push_text(USER, "no command here")
    [with_command, without] = await bot.get_updates()

    assert with_command.message is not None
    entity = with_command.message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, len("/start"))

    async def ignore(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        return None

    handler = CommandHandler("start", ignore)
    assert handler.check_update(with_command)
    assert not handler.check_update(without)


# ---- files --------------------------------------------------------------------------------------


async def test_send_document_round_trips_bytes(api: LoopbackBotApi, bot: Bot) -> None:
    data = bytes(range(256)) * 40
    message = await bot.send_document(USER, data, filename="台账.xlsx", caption="本周台账")

    [sent] = api.sent(USER)
    assert sent.method == "sendDocument"
    assert sent.document == data
    assert sent.filename == "台账.xlsx"
    assert sent.text == "本周台账"
    assert message.document is not None
    assert message.document.file_size == len(data)
    downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == data


async def test_pushed_photo_downloads_exactly(api: LoopbackBotApi, bot: Bot) -> None:
    data = (
        b"\x89PNG\r\n\x1a\n"
        + b"\x00\x00\x00\rIHDR"
        + (640).to_bytes(4, "big")
        + (480).to_bytes(4, "big")
        + b"x" * 500
    )
    api.push_photo(USER, data, caption="现场照片")
    [update] = await bot.get_updates()

    assert update.message is not None
    assert update.message.caption == "现场照片"
    largest = update.message.photo[-1]
    assert (largest.width, largest.height) == (640, 480)
    buffer = io.BytesIO()
    telegram_file = await bot.get_file(largest.file_id)
    await telegram_file.download_to_memory(buffer)
    assert buffer.getvalue() == data
    # The thumbnail is another file: a bot that saves photo[0] would save the wrong bytes.
    thumbnail = await (await bot.get_file(update.message.photo[0].file_id)).download_as_bytearray()
    assert bytes(thumbnail) != data


async def test_get_file_over_20_mb_is_refused(api: LoopbackBotApi, bot: Bot) -> None:
    api.push_document(USER, b"tiny", "scan.pdf", "application/pdf", file_size=30 * 1024 * 1024)
    api.push_document(USER, b"small", "ok.pdf", "application/pdf")
    big, small = await bot.get_updates()
    assert big.message is not None
    assert big.message.document is not None
    assert small.message is not None
    assert small.message.document is not None

    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(big.message.document.file_id)
    assert (
        bytes(await (await bot.get_file(small.message.document.file_id)).download_as_bytearray()) == b"small"
    )


async def test_send_media_group(api: LoopbackBotApi, bot: Bot) -> None:
    messages = await bot.send_media_group(
        USER, [InputMediaDocument(b"one", filename="1.txt"), InputMediaDocument(b"two", filename="2.txt")]
    )
    assert len(messages) == 2
    assert messages[0].media_group_id == messages[1].media_group_id is not None
    assert [(m.document, m.filename) for m in api.sent(USER)] == [(b"one", "1.txt"), (b"two", "2.txt")]


# ---- Telegram's refusals ------------------------------------------------------------------------


async def test_blocked_user_is_forbidden(api: LoopbackBotApi, bot: Bot) -> None:
    api.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "催办")
    api.unblock(USER)
    await bot.send_message(USER, "催办")
    assert [m.text for m in api.sent(USER)] == ["催办"]
    assert api.stats.forbidden == 1


async def test_unknown_chat_is_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999_999, "hello")


async def test_injected_429_and_502(api: LoopbackBotApi, bot: Bot) -> None:
    api.inject_429(times=1, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "x")
    assert retry_seconds(caught.value) == 7
    api.inject_5xx(times=1)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(USER, "x")
    await bot.send_message(USER, "x")  # faults are used up
    assert api.stats.too_many_requests == 1
    assert api.stats.server_errors == 1
    assert len(api.sent(USER)) == 1


@pytest.mark.parametrize("transport", ["in_process", "http"])
async def test_flood_control_per_private_chat_with_injected_clock(transport: str) -> None:
    clock = ManualClock()
    api = LoopbackBotApi(enforce_limits=True, clock=clock)
    api.add_user(USER)
    async with served(api, transport) as front:
        async with connected(front) as limited:
            await limited.send_message(USER, "1")
            with pytest.raises(RetryAfter) as caught:
                await limited.send_message(USER, "2")
            assert retry_seconds(caught.value) == 1
            clock.now += 1.0
            await limited.send_message(USER, "2")
        assert [m.text for m in api.sent(USER)] == ["1", "2"]
        assert api.stats.too_many_requests == 1


@pytest.mark.parametrize("transport", ["in_process", "http"])
async def test_flood_control_per_group_and_overall(transport: str) -> None:
    clock = ManualClock()
    limits = FloodLimits(group_chat=RateWindow(20, 60.0), overall=RateWindow(30, 1.0))
    api = LoopbackBotApi(enforce_limits=True, clock=clock, limits=limits, strict_chats=False)
    async with served(api, transport) as front:
        async with connected(front) as limited:
            for i in range(20):
                await limited.send_message(GROUP, str(i))
            with pytest.raises(RetryAfter) as caught:
                await limited.send_message(GROUP, "21st")
            assert retry_seconds(caught.value) == 60
            for user in range(1, 11):  # 20 + 10 = 30 within the same second
                await limited.send_message(user, "x")
            with pytest.raises(RetryAfter):
                await limited.send_message(11, "31st")
            clock.now += 1.0
            await limited.send_message(11, "next second")
        assert api.stats.too_many_requests == 2


async def test_text_limits_in_utf16_code_units(api: LoopbackBotApi, bot: Bot) -> None:
    await bot.send_message(USER, " " + "字" * 4096 + "\n")  # surrounding whitespace does not count
    await bot.send_message(USER, "😀" * 2048)  # outside the BMP: two code units each
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "字" * 4097)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "😀" * 2048 + "字")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, " \n ")
    await bot.send_document(USER, b"x", filename="a.txt", caption="c" * 1024)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(USER, b"x", filename="a.txt", caption="c" * 1025)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(USER, PNG, caption="😀" * 513)
    assert len(api.sent(USER)) == 3


async def test_formatting_is_refused_as_not_emulated(api: LoopbackBotApi, bot: Bot) -> None:
    """Duban sends plain text; a parse mode or entities would need Telegram's parsers, which the emulator
    does not have: refused, naming what, rather than passed on a guess."""
    with pytest.raises(BadRequest, match=r"(?i)parse_mode html is not emulated"):
        await bot.send_message(USER, "<b>整改</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)parse_mode markdownv2 is not emulated"):
        await bot.send_photo(USER, PNG, caption="*整改*", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)formatting entities is not emulated"):
        await bot.send_message(USER, "整改", entities=[MessageEntity("bold", 0, 2)])
    assert api.sent(USER) == []


async def test_callback_data_over_64_bytes_is_refused(api: LoopbackBotApi, bot: Bot) -> None:
    await bot.send_message(USER, "ok", reply_markup=keyboard("x" * 64))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "bad", reply_markup=keyboard("整" * 22))  # 66 bytes, 22 characters
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "bad", reply_markup=keyboard("😀" * 17))  # 68 bytes, 34 code units
    assert len(api.sent(USER)) == 1


# ---- edits and callbacks ------------------------------------------------------------------------


async def test_keyboard_edits_update_the_record(api: LoopbackBotApi, bot: Bot) -> None:
    message = await bot.send_message(USER, "待办", reply_markup=keyboard("done"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER, message.message_id, reply_markup=keyboard("done"))
    changed = await bot.edit_message_reply_markup(USER, message.message_id, reply_markup=keyboard("undo"))
    assert isinstance(changed, Message)
    assert changed.reply_markup == keyboard("undo")
    assert changed.edit_date is not None
    edited = await bot.edit_message_reply_markup(USER, message.message_id)  # no markup: keyboard removed

    assert isinstance(edited, Message)
    assert edited.text == "待办"
    assert edited.reply_markup is None
    record = api.message(USER, message.message_id)
    assert record is not None
    assert (record.text, record.reply_markup) == ("待办", None)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER, message.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_reply_markup(USER, 9999, reply_markup=keyboard("x"))


async def test_callback_queries_are_answered_once(api: LoopbackBotApi, bot: Bot) -> None:
    message = await bot.send_message(USER, "确认？", reply_markup=keyboard("yes", "no"))
    with pytest.raises(ValueError, match="no button"):
        api.push_callback(USER, message.message_id, "maybe")
    pushed = api.push_callback(USER, message.message_id, "yes")
    [update] = await bot.get_updates()

    assert update.callback_query is not None
    assert update.callback_query.data == "yes"
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == message.message_id
    assert await update.callback_query.answer("已确认")
    answer = api.callback_answer(pushed["callback_query"]["id"])
    assert answer is not None
    assert (answer.text, answer.data, answer.user_id) == ("已确认", "yes", USER)
    with pytest.raises(BadRequest, match="Query is too old"):
        await update.callback_query.answer()


# ---- commands, webhook, helpers -----------------------------------------------------------------


async def test_set_my_commands_is_stored_per_language_and_scope(api: LoopbackBotApi, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("todo", "我的待办")])
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    await bot.set_my_commands([BotCommand("help", "帮助")], scope=BotCommandScopeAllPrivateChats())

    assert [c["description"] for c in api.commands() or []] == ["开始", "我的待办"]
    assert api.commands("en") == [{"command": "start", "description": "Start"}]
    assert api.commands(scope={"type": "all_private_chats"}) == [{"command": "help", "description": "帮助"}]
    assert api.commands("fr") is None
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_delete_my_commands_drops_one_scope_and_language(api: LoopbackBotApi, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "开始")])
    await bot.set_my_commands([BotCommand("my", "我的事项")], scope=BotCommandScopeChat(USER))
    await bot.delete_my_commands(scope=BotCommandScopeChat(USER))
    assert api.commands(scope={"type": "chat", "chat_id": USER}) is None
    assert api.commands() == [{"command": "start", "description": "开始"}]


async def test_a_chat_action_is_refused_where_a_message_would_be(api: LoopbackBotApi, bot: Bot) -> None:
    assert await bot.send_chat_action(USER, ChatAction.TYPING)
    api.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_chat_action(USER, ChatAction.TYPING)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_chat_action(999_999, ChatAction.TYPING)
    assert api.sent(USER) == []  # an action is no message


async def test_webhook_is_stored_and_blocks_polling(api: LoopbackBotApi, bot: Bot) -> None:
    await bot.set_webhook("https://example.invalid/hook", secret_token="s3cret")
    assert (api.webhook().url, api.webhook().secret_token) == ("https://example.invalid/hook", "s3cret")
    with pytest.raises(Conflict):
        await bot.get_updates()
    await bot.delete_webhook()
    assert api.webhook().url == ""
    assert await bot.get_updates() == ()


async def test_wait_sent_returns_when_the_message_comes_and_times_out_otherwise(
    api: LoopbackBotApi, bot: Bot
) -> None:
    async def later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(USER, "迟到的消息")

    task = asyncio.create_task(later())
    [sent] = await api.wait_sent(USER, 1, timeout=2.0)
    await task
    assert sent.text == "迟到的消息"
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await api.wait_sent(USER, 2, timeout=0.3)
    assert time.monotonic() - started < 1.0


async def test_the_token_is_never_logged(
    api: LoopbackBotApi, front: Front, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="loopback")
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    await bot.send_message(USER, "x")
    api.push_document(USER, b"d", "d.txt")
    [update] = await bot.get_updates()
    assert update.message is not None
    assert update.message.document is not None
    await (await bot.get_file(update.message.document.file_id)).download_as_bytearray()

    server_records = [r for r in caplog.records if r.name.startswith(("loopback", "aiohttp"))]
    assert any("sendMessage" in r.getMessage() for r in server_records)  # the log is really captured
    secret = api.token.split(":")[1]
    assert not [r for r in server_records if secret in r.getMessage()]


async def test_stop_releases_a_long_poll_in_progress(api: LoopbackBotApi) -> None:
    front = HttpFront(api)
    await front.start()
    async with connected(front) as polling_bot:
        poll = asyncio.create_task(polling_bot.get_updates(timeout=30))
        await api.wait_polling(timeout=2.0)
        started = time.monotonic()
        await front.stop()
        assert await asyncio.wait_for(poll, 2.0) == ()
        assert time.monotonic() - started < 1.5


async def test_a_ptb_application_runs_against_the_emulator(api: LoopbackBotApi, front: Front) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"欢迎 {context.args}", do_quote=True)

    builder = (
        ApplicationBuilder().token(api.token).base_url(front.bot_base_url).base_file_url(front.file_base_url)
    )
    if isinstance(front, InProcessFront):
        builder = builder.request(front.request()).get_updates_request(front.request())
    application = builder.build()
    application.add_handler(CommandHandler("start", start))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        pushed = api.push_command(USER, "start", "x1")
        [reply] = await api.wait_sent(USER, 1, timeout=3.0)
        await application.updater.stop()
        await application.stop()
    assert reply.text == "欢迎 ['x1']"
    assert reply.reply_to_message_id == pushed["message"]["message_id"]
    assert api.pending_updates() == []  # the updater confirmed what it handled
