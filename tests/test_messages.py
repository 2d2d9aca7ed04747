"""Every message exists in both locales and renders with StrictUndefined; long texts split under 4,096."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from bot.sender import merge
from handlers import ROUTER
from handlers.menus import catalogue
from handlers.routes import OnCommand, command_roles
from messages.render import LOCALES, Renderer, build_environment, template_keys
from messages.split import split_message, utf16_length
from storage.scheduling import OutboxMessage
from tests.message_samples import IMPORT_PARAMS, SAMPLES

RENDERER = Renderer(build_environment(), ZoneInfo("Asia/Shanghai"))
KEYS = sorted(template_keys("zh_CN"))


def test_both_locales_have_the_same_keys() -> None:
    assert template_keys("zh_CN") == template_keys("en")


def test_every_template_has_a_sample() -> None:
    missing = [key for key in KEYS if not key.startswith("import/") and key not in SAMPLES]
    assert missing == []


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("key", KEYS)
def test_template_renders(locale: str, key: str) -> None:
    params = IMPORT_PARAMS if key.startswith("import/") else SAMPLES[key]
    text = RENDERER.render(locale, key, params)
    assert text.strip()
    assert "{{" not in text
    if locale == "en":
        # English texts may quote Chinese terms, but must not be Chinese sentences.
        assert sum("\u4e00" <= ch <= "\u9fff" for ch in text) < len(text) / 3, text


def test_every_command_is_in_the_catalogue_as_telegram_takes_it() -> None:
    """Each command a route takes has one catalogue line in each language, and nothing else does; its name
    and description fit setMyCommands (1–32 of a-z, 0-9, _; 1–256 characters)."""
    names = sorted(name for route in ROUTER.routes if isinstance(route, OnCommand) for name in route.names)
    assert sorted(command_roles()) == names
    for locale in LOCALES:
        lines = catalogue(RENDERER, locale)
        assert sorted(line.name for line in lines) == names
        for line in lines:
            assert re.fullmatch(r"[a-z0-9_]{1,32}", line.name)
            assert 1 <= len(line.description) <= 256
            assert line.usage.startswith(f"/{line.name}")


@pytest.mark.parametrize("length", [1, 4096, 4097, 10_000])
def test_split_keeps_everything_under_the_limit(length: int) -> None:
    lines = [f"{i:04d} " + "字" * 95 for i in range(length // 100 + 1)]
    text = "\n".join(lines)[:length]
    pieces = split_message(text)
    assert all(len(piece) <= 4096 for piece in pieces)
    assert "\n".join(pieces) == text


def test_split_cuts_a_single_overlong_line() -> None:
    pieces = split_message("甲" * 9000)
    assert [len(p) for p in pieces] == [4096, 4096, 808]


def test_split_counts_as_telegram_counts_an_emoji_as_two() -> None:
    pieces = split_message("😀" * 3000)
    assert [len(p) for p in pieces] == [2048, 952]
    assert "".join(pieces) == "😀" * 3000
    lines = ["甲" * 2047, "😀" * 1024, "乙"]  # 2,047 + 1 + 2,048 code units fit; one more line does not
    assert split_message("\n".join(lines)) == ["\n".join(lines[:2]), "乙"]
    assert all(utf16_length(piece) <= 4096 for piece in split_message("😀甲\n" * 3000))


def test_merged_outbox_rows_stay_under_the_limit_as_telegram_counts_it() -> None:
    def row(n: int, text: str) -> OutboxMessage:
        return OutboxMessage(id=n, chat_id=1, kind="notice", text=text, buttons=None, parts_sent=0)

    batches = merge([row(1, "😀" * 1500), row(2, "😀" * 1500)])
    assert [batch.ids for batch in batches] == [(1,), (2,)]  # 6,002 code units would not fit in one
    (alone,) = merge([row(3, "😀" * 3000)])
    assert alone.text == "😀" * 3000  # nothing cut: the text goes out whole, in parts
    assert [utf16_length(part) for part in alone.parts] == [4096, 1904]
    assert "".join(alone.parts) == alone.text


# What a message must never claim (issue 9): a 通报 is issued, not promised for a later notice; a 约谈 or a
# 问责 is proposed or recorded, never "sent".
UNTRUE = (
    "列入下一期",
    "发出约谈",
    "发出问责",
    "约谈已发",
    "named in the next",
    "sent a summons",
    "issued a summons",
)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("key", KEYS)
def test_no_message_says_a_summons_is_sent_or_a_notice_is_to_come(locale: str, key: str) -> None:
    params = IMPORT_PARAMS if key.startswith("import/") else SAMPLES[key]
    text = RENDERER.render(locale, key, params)
    assert not [phrase for phrase in UNTRUE if phrase in text], text
