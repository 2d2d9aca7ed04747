"""What a button carries back when it is pressed (its callback data), as typed values: one codec per kind.

Each kind of button is a frozen dataclass that declares its prefix and its typed fields, as aiogram's
`CallbackData` does. `pack()` writes `prefix:field:…`; `Kind.unpack(data)` reads it back and checks the
shape and range of every field, giving None for anything else; `Kind.pattern()` is the regular expression a
chat route matches. The services build buttons with `pack()`, the chat handlers read presses with
`unpack()`, and nothing else writes or parses button data.

Button data comes from the client and is never trusted: a forged, malformed or out-of-range press is not
data of any kind (the handler answers that the button has expired, and changes nothing), and a well-formed
press is still only a request: the handler checks that the person may act on what it names.

The prefixes and field layouts are those of the buttons already sent (`rp:16:50`, `so:a:12`,
`ext_ok:3`, …), so that a button pressed weeks after it was sent still reads. Every kind fits in
Telegram's 64 bytes of callback data with its longest values (`tests/test_buttons.py`).
"""

from __future__ import annotations

import dataclasses
import enum
import re
import typing
from abc import ABC, abstractmethod
from typing import Annotated, Any, ClassVar, Final, Generic, Self, TypeVar

MAX_BYTES: Final = 64  # Telegram's limit of callback data, in UTF-8 bytes
SEPARATOR: Final = ":"
# Database ids (requests, extensions, spot-checks, outbox rows): PostgreSQL's `integer` holds no more.
MAX_ID: Final = 2**31 - 1
ITEM_NUMBER_LENGTH: Final = 20  # the item number column's size
KEEP: Final = "k"  # the guided report's "keep the current percent"

T = TypeVar("T")
E = TypeVar("E", bound=enum.StrEnum)


class Field(ABC, Generic[T]):
    """How one field is written into button data and read back."""

    regex: str  # its shape in the data; never contains the separator
    longest: str  # its longest written form (for the size check)

    @abstractmethod
    def pack(self, value: T) -> str:
        """The field as written; ValueError for a value the field cannot hold."""

    @abstractmethod
    def unpack(self, text: str) -> T:
        """The value written as `text`; ValueError when it is not one (wrong shape, out of range)."""


class Whole(Field[int]):
    """A whole number from `low` to `high`, in decimal."""

    def __init__(self, low: int, high: int) -> None:
        self.low = low
        self.high = high
        # Written one way only (no leading zeros; not \d, which takes other scripts' digits).
        self.regex = rf"0|[1-9][0-9]{{0,{len(str(high)) - 1}}}"
        self.longest = str(high)

    def pack(self, value: int) -> str:
        return str(self._in_range(value))

    def unpack(self, text: str) -> int:
        if re.fullmatch(self.regex, text) is None:
            raise ValueError(f"not a number: {text!r}")
        return self._in_range(int(text))

    def _in_range(self, value: int) -> int:
        if not self.low <= value <= self.high:
            raise ValueError(f"{value} is not in {self.low}..{self.high}")
        return value


class WholeOrKeep(Field[int | None]):
    """A whole number from `low` to `high`, or None (written `k`: keep what there is)."""

    def __init__(self, low: int, high: int) -> None:
        self._whole = Whole(low, high)
        self.regex = rf"{self._whole.regex}|{KEEP}"
        self.longest = self._whole.longest

    def pack(self, value: int | None) -> str:
        return KEEP if value is None else self._whole.pack(value)

    def unpack(self, text: str) -> int | None:
        return None if text == KEEP else self._whole.unpack(text)


class Choice(Field[E]):
    """One of an enumeration's values."""

    def __init__(self, kind: type[E]) -> None:
        self._kind = kind
        self.regex = "|".join(re.escape(member.value) for member in kind)
        self.longest = max((member.value for member in kind), key=len)

    def pack(self, value: E) -> str:
        return self._kind(value).value

    def unpack(self, text: str) -> E:
        return self._kind(text)


class Text(Field[str]):
    """Text of a given shape (`regex`, without the separator)."""

    def __init__(self, regex: str, longest: str) -> None:
        self.regex = regex
        self.longest = longest

    def pack(self, value: str) -> str:
        if re.fullmatch(self.regex, value) is None:
            raise ValueError(f"{value!r} does not fit {self.regex}")
        return value

    def unpack(self, text: str) -> str:
        return self.pack(text)


# An item number as the ledger keeps it (`24`, `24.2`, `J2024-017`): up to 20 characters, no separator.
ITEM_NUMBER: Final = Text(
    rf"[^\s{SEPARATOR}]{{1,{ITEM_NUMBER_LENGTH}}}", "J" + "9" * (ITEM_NUMBER_LENGTH - 1)
)
ROW_ID: Final = Whole(1, MAX_ID)
PERCENT_OR_KEEP: Final = WholeOrKeep(0, 100)
IMPORT_TOKEN: Final = Text(r"[A-Za-z0-9_-]{8}", "x" * 8)  # `secrets.token_urlsafe(6)`

ItemNumber = Annotated[str, ITEM_NUMBER]
RowId = Annotated[int, ROW_ID]
_FIELDS: dict[type[ButtonData], list[tuple[str, Field[Any]]]] = {}


class ButtonData:
    """The base of every kind of button data; a subclass is a frozen dataclass declaring its `prefix`
    (`class Kind(ButtonData, prefix="xx")`) and its fields, each `Annotated` with its `Field`."""

    prefix: ClassVar[str]
    _kinds: ClassVar[dict[str, type[ButtonData]]] = {}

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not re.fullmatch(r"[a-z_]+", prefix) or prefix in ButtonData._kinds:
            raise TypeError(f"button prefix {prefix!r} is malformed or taken")
        cls.prefix = prefix
        ButtonData._kinds[prefix] = cls

    @classmethod
    def _fields(cls) -> list[tuple[str, Field[Any]]]:
        """Each field's name and codec, in the dataclass's order (read from the annotations once)."""
        known = _FIELDS.get(cls)
        if known is None:
            hints = typing.get_type_hints(cls, include_extras=True)
            known = _FIELDS[cls] = [
                (field.name, next(m for m in hints[field.name].__metadata__ if isinstance(m, Field)))
                for field in dataclasses.fields(cls)  # type: ignore[arg-type]  # every kind is a dataclass
            ]
        return known

    def pack(self) -> str:
        """The data to put on the button; ValueError when a value does not fit (it would not be read back)."""
        data = SEPARATOR.join(
            [self.prefix, *(codec.pack(getattr(self, name)) for name, codec in self._fields())]
        )
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"button data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def unpack(cls, data: str) -> Self | None:
        """The pressed button's data as this kind, every field checked; None when it is not this kind's."""
        prefix, *parts = data.split(SEPARATOR)
        fields = cls._fields()
        if prefix != cls.prefix or len(parts) != len(fields) or len(data.encode()) > MAX_BYTES:
            return None
        try:
            values = [codec.unpack(part) for (_, codec), part in zip(fields, parts, strict=True)]
        except ValueError:
            return None
        return cls(*values)

    @classmethod
    def pattern(cls) -> str:
        """The regular expression of this kind's data, for routing a press."""
        fields = "".join(f"{SEPARATOR}(?:{codec.regex})" for _, codec in cls._fields())
        return rf"^{re.escape(cls.prefix)}{fields}\Z"

    @classmethod
    def longest(cls) -> str:
        """The longest data of this kind (its fields at their longest)."""
        return SEPARATOR.join([cls.prefix, *(codec.longest for _, codec in cls._fields())])


def kinds() -> tuple[type[ButtonData], ...]:
    """Every kind of button data declared."""
    return tuple(ButtonData._kinds.values())


# ---- the guided report (`/report N`): its steps' buttons ---------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReportPercent(ButtonData, prefix="rp"):
    """A percent picked (None: keep the current one)."""

    number: ItemNumber
    percent: Annotated[int | None, PERCENT_OR_KEEP]


@dataclasses.dataclass(frozen=True)
class ReportDone(ButtonData, prefix="rd"):
    """No more files: on to the summary."""

    number: ItemNumber


@dataclasses.dataclass(frozen=True)
class ReportConfirm(ButtonData, prefix="rc"):
    """The summary confirmed: store the report."""

    number: ItemNumber


@dataclasses.dataclass(frozen=True)
class ReportEdit(ButtonData, prefix="re"):
    """The summary to be redone: back to the percent."""

    number: ItemNumber


@dataclasses.dataclass(frozen=True)
class ReplyItem(ButtonData, prefix="ri"):
    """The item a reply (or a file) answering a message about several items is about."""

    number: ItemNumber


# ---- under reminders and warnings (立即报送 / 已知悉 / 顺延一个工作日) ------------------------------------


@dataclasses.dataclass(frozen=True)
class ReportNow(ButtonData, prefix="nr"):
    """Open a guided report on the item."""

    number: ItemNumber


@dataclasses.dataclass(frozen=True)
class Acknowledge(ButtonData, prefix="na"):
    """The recipient has seen the outbox message."""

    outbox_id: RowId


@dataclasses.dataclass(frozen=True)
class RecordSummons(ButtonData, prefix="smr"):
    """Under a 约谈建议: record the 约谈 as held (its date, who attended)."""

    number: ItemNumber


@dataclasses.dataclass(frozen=True)
class Snooze(ButtonData, prefix="ns"):
    """Send the reminder again one working day later."""

    outbox_id: RowId


# ---- sign-off (销号), extensions (延期) and spot-checks (回头看) ----------------------------------------


class SignOffAction(enum.StrEnum):
    CONFIRM = "c"  # the leader's 确认并上报
    APPROVE = "a"  # 同意销号 (an opinion is asked, 验收意见)
    APPROVE_AS_IS = "p"  # 直接同意: under the question for an opinion, approve without one
    RETURN = "r"  # 退回 (a reason is asked)
    INSPECT = "i"  # 现场核查 (a date is asked)
    FILES = "f"  # 查看佐证材料


@dataclasses.dataclass(frozen=True)
class SignOffPress(ButtonData, prefix="so"):
    action: Annotated[SignOffAction, Choice(SignOffAction)]
    request_id: RowId


@dataclasses.dataclass(frozen=True)
class ApproveExtension(ButtonData, prefix="ext_ok"):
    extension_id: RowId


@dataclasses.dataclass(frozen=True)
class RefuseExtension(ButtonData, prefix="ext_no"):
    extension_id: RowId


@dataclasses.dataclass(frozen=True)
class ConfirmSpotCheck(ButtonData, prefix="spot_ok"):
    """确认无反弹: no rebound."""

    check_id: RowId


@dataclasses.dataclass(frozen=True)
class ReopenSpotCheck(ButtonData, prefix="spot_re"):
    """重新纳入整改: a deadline and a reason are asked."""

    check_id: RowId


# ---- digests and the ledger's files ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class OpenItem(ButtonData, prefix="it"):
    """The digest's button: show the item's card."""

    number: ItemNumber


class ImportAction(enum.StrEnum):
    APPLY = "apply"
    CANCEL = "cancel"


@dataclasses.dataclass(frozen=True)
class ImportPress(ButtonData, prefix="import"):
    """确认导入 / 取消 under the preview of a staged upload."""

    action: Annotated[ImportAction, Choice(ImportAction)]
    token: Annotated[str, IMPORT_TOKEN]
