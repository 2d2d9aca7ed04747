"""The button data codec: every kind packs and unpacks its values, fits Telegram's 64 bytes at its longest,
keeps the wire format of the buttons already sent, and refuses anything forged or malformed."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.buttons import (
    MAX_BYTES,
    MAX_ID,
    Acknowledge,
    ApproveExtension,
    ButtonData,
    ConfirmSpotCheck,
    ImportAction,
    ImportPress,
    OpenItem,
    RecordSummons,
    RefuseExtension,
    ReopenSpotCheck,
    ReplyItem,
    ReportConfirm,
    ReportDone,
    ReportEdit,
    ReportNow,
    ReportPercent,
    SignOffAction,
    SignOffPress,
    Snooze,
    kinds,
)

# One value of every kind, and its data as the buttons already sent carry it.
WIRE = {
    "rp:16:50": ReportPercent("16", 50),
    "rp:24.2:k": ReportPercent("24.2", None),
    "rd:16": ReportDone("16"),
    "rc:16": ReportConfirm("16"),
    "re:16": ReportEdit("16"),
    "nr:J2024-017": ReportNow("J2024-017"),
    "ri:24.1": ReplyItem("24.1"),
    "na:123": Acknowledge(123),
    "ns:123": Snooze(123),
    "so:a:12": SignOffPress(SignOffAction.APPROVE, 12),
    "so:c:12": SignOffPress(SignOffAction.CONFIRM, 12),
    "ext_ok:3": ApproveExtension(3),
    "ext_no:3": RefuseExtension(3),
    "spot_ok:7": ConfirmSpotCheck(7),
    "spot_re:7": ReopenSpotCheck(7),
    "it:24.1": OpenItem("24.1"),
    "smr:24.1": RecordSummons("24.1"),
    "import:apply:Ab3_-xY9": ImportPress(ImportAction.APPLY, "Ab3_-xY9"),
}

# Forged or malformed data of every kind: none of it is data of any kind.
FORGED = [
    "rp:16:99999", "rp:16:-5", "rp:16:abc", "rp:16:101", "rp:16:", "rp:16", "rp::50", "rp:16:50:1", "rp:16:５０",
    "rp:16:٥٠", "rp:16:050", "rp:16:50\n", "rp:1 6:50", "rp:" + "1" * 21 + ":50",
    "rd:", "rd:16:1", "rc:", "re:16:x",
    "nr:", "nr:24 1", "ri:", "ri:24:1", "ri:24 1",
    "na:0", "na:00", "na:-1", "na:abc", "na:" + str(MAX_ID + 1), "na:1e3", "ns:", "ns:12:1",
    "so:x:12", "so:a:0", "so:a:abc", "so:a", "so:a:12:1", "so:A:12", "so:a:99999999999",
    "ext_ok:", "ext_ok:-3", "ext_no:x", "ext_maybe:3",
    "spot_ok:0", "spot_re:", "spot_xx:7",
    "it:", "it:24:1", "smr:", "smr:24 1",
    "import:apply:short", "import:apply:toolong123", "import:drop:Ab3_-xY9", "import:apply:Ab3_-xY!",
    "", ":", "unknown:1", "x" * 65,
]  # fmt: skip


def unpack_any(data: str) -> ButtonData | None:
    found = [value for kind in kinds() if (value := kind.unpack(data)) is not None]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.mark.parametrize(("data", "value"), WIRE.items())
def test_the_buttons_already_sent_read_as_before(data: str, value: ButtonData) -> None:
    assert value.pack() == data
    assert type(value).unpack(data) == value
    assert unpack_any(data) == value
    assert re.match(type(value).pattern(), data)


def test_every_kind_is_covered_and_prefixes_are_unique() -> None:
    assert {type(value) for value in WIRE.values()} == set(kinds())
    assert len({kind.prefix for kind in kinds()}) == len(kinds())


@pytest.mark.parametrize("kind", kinds(), ids=lambda kind: kind.prefix)
def test_every_kind_fits_in_64_bytes_at_its_longest(kind: type[ButtonData]) -> None:
    longest = kind.longest()
    assert len(longest.encode()) <= MAX_BYTES
    value = kind.unpack(longest)
    assert value is not None
    assert value.pack() == longest


@pytest.mark.parametrize("data", FORGED)
def test_forged_or_malformed_data_is_no_kind(data: str) -> None:
    assert unpack_any(data) is None


def test_a_value_that_cannot_be_read_back_is_not_packed() -> None:
    with pytest.raises(ValueError, match="not in"):
        ReportPercent("16", 101).pack()
    with pytest.raises(ValueError, match="not in"):
        Acknowledge(0).pack()
    with pytest.raises(ValueError, match="does not fit"):
        OpenItem("24:1").pack()
    with pytest.raises(ValueError, match="64 bytes"):
        ReportPercent("项" * 20, 100).pack()  # 60 bytes of number alone


@given(st.text(max_size=80))
def test_any_text_is_at_most_one_kind_and_reads_back_as_itself(data: str) -> None:
    value = unpack_any(data)
    if value is not None:
        assert value.pack() == data
        assert re.match(type(value).pattern(), data)


@given(st.sampled_from(kinds()), st.text(max_size=80))
def test_the_route_pattern_matches_all_that_unpacks(kind: type[ButtonData], suffix: str) -> None:
    data = f"{kind.prefix}:{suffix}"
    if kind.unpack(data) is not None:
        assert re.match(kind.pattern(), data)
