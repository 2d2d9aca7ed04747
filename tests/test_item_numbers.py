"""Item numbers as officials write them: one reading for a command's argument and for the start of a
caption or a reply."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.item_numbers import leading_item_number, normalize_number
from ledger.progress import line_about


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16 闭水试验现场", ("16", "闭水试验现场")),
        ("第16项闭水试验现场", ("16", "闭水试验现场")),
        ("第 16 项：闭水试验现场", ("16", "闭水试验现场")),
        ("第二十四项 铬渣", ("24", "铬渣")),
        ("第十项", ("10", "")),
        ("24.1 清淤", ("24.1", "清淤")),
        ("24.1.2、清淤", ("24.1.2", "清淤")),
        ("２４．１　清淤", ("24.1", "清淤")),
        ("16. 闭水", ("16", "闭水")),
        ("16，闭水", ("16", "闭水")),
        ("16：闭水", ("16", "闭水")),
        ("J2024-017 外溢点已封堵", ("J2024-017", "外溢点已封堵")),
        ("j2024-017", ("J2024-017", "")),
        ("16 第一行\n第二行", ("16", "第一行\n第二行")),
    ],
)
def test_a_text_that_starts_with_an_item_number(text: str, expected: tuple[str, str]) -> None:
    assert leading_item_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "闭水试验现场",
        "2号池清淤完成",
        "3处现场已整改",
        "2.5万元已拨付",
        "100% 完成",
        "Jobs done",
        "第零项",
        "",
        "第16",
        "16号",
    ],
)
def test_a_text_that_does_not(text: str) -> None:
    assert leading_item_number(text) is None


@given(
    st.sampled_from(["16", "24.1", "3", "J2024-017", "101.2"]),
    st.text(min_size=1).filter(
        lambda t: not t[0].isspace() and t[0] not in "、，,:：;；.。" and t.strip() == t
    ),
)
def test_the_rest_is_kept_as_written(number: str, rest: str) -> None:
    assert leading_item_number(f"{number} {rest}") == (number, rest)


def test_the_whole_text_as_an_item_number() -> None:
    assert normalize_number("第二十四项") == "24"
    assert normalize_number("二十四") is None  # without 第…项, Chinese numerals are words
    assert normalize_number("24.1.2") == "24.1.2"


@pytest.mark.parametrize(
    ("text", "replied", "expected"),
    [
        ("16 闭水 60%", [], ("16", 60, "闭水 60%")),
        ("闭水", [], None),
        ("闭水", ["16"], ("16", None, "闭水")),
        ("24.1 铬渣", ["16", "24.1"], ("24.1", None, "铬渣")),
        ("铬渣", ["16", "24.1"], None),
        ("31 铬渣", ["16", "24.1"], None),  # names none of the message's items: asked
        ("2 处现场已整改", ["16"], ("16", None, "2 处现场已整改")),  # a reply to one item is about it
    ],
)
def test_what_a_caption_or_a_reply_is_about(
    text: str, replied: list[str], expected: tuple[str, int | None, str] | None
) -> None:
    line = line_about(text, replied)
    assert (None if line is None else (line.number, line.percent, line.text)) == expected
