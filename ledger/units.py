"""Lists of units (责任单位, 牵头单位, …) as plans write them."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ledger.model import ImportNote, ItemSpec

_SEPARATORS: Final = frozenset("、,，;；")
_OPEN: Final = frozenset("(（")
_CLOSE: Final = frozenset(")）")
_TRIM: Final = " \t\u3000\u00a0、,，;；。.:："


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def join_broken_lines(text: str) -> str:
    """Join a text whose lines broke inside words ("工业园区\\n\\n管委会" → "工业园区管委会").

    Whitespace goes, except one space between two Latin words or numbers ("2x125 MW").
    """
    parts = re.split(r"\s+", text.strip())
    out = parts[0] if parts else ""
    for part in parts[1:]:
        if out and part and _is_ascii_word(out[-1]) and _is_ascii_word(part[0]):
            out += " "
        out += part
    return out


def split_units(text: str) -> list[str]:
    """The units of a list split on 、 , ， ; ；, never inside parentheses ("酒钢(集团)公司" stays one).

    Line breaks are not separators: PDFs break lines inside unit names. Duplicates are dropped.
    """
    units: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in join_broken_lines(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        if ch in _SEPARATORS and depth == 0:
            units.append("".join(current))
            current = []
        else:
            current.append(ch)
    units.append("".join(current))
    result: list[str] = []
    for unit in units:
        name = unit.strip(_TRIM)
        if name and name not in result:
            result.append(name)
    return result


# Entries that name a group of bodies, not one unit: a reminder to them would reach no one.
_COLLECTIVE_RE: Final = re.compile(
    r"^(?:各|有关|相关|其他|其它|涉及|所在|属地)|成员单位$|等(?:部门|单位)$|"
    r"^[市县区]直(?:各|有关|相关)?(?:部门|单位)|(?:各|有关|相关)(?:县|市|区|乡|镇|街道|部门|单位)"
)
# The level of a plan's own units: 市住建局 in a city's plan, 县住建局 in a county's.
_LEVELS: Final = "市县区旗州"
# Words that begin with a level's character without being prefixed by it (市场监管局, 市政园林局).
_NOT_PREFIXED: Final = ("市场", "市政", "市容", "区域", "县域")
_NAMES_FILE: Final = Path(__file__).with_name("data") / "unit_names.toml"
_SIMILAR_RATIO: Final = 0.8
# What kind of body a name ends in; alike names are compared without it (自然资源局, 自然资源和规划局).
_KIND_RE: Final = re.compile(r"(?:委员会|办公室|管理局|局|委|办|中心|公司|站|所)$")


def is_collective(name: str) -> bool:
    """Whether an entry names a group (各成员单位, 各县区政府, 涉及问题整改工作责任单位, …成员单位)."""
    return _COLLECTIVE_RE.search(name) is not None


def known_pairs() -> tuple[tuple[str, ...], ...]:
    """The full and short names of common bodies (ledger/data/unit_names.toml), full name first."""
    with _NAMES_FILE.open("rb") as stream:
        return tuple(tuple(group) for group in tomllib.load(stream)["same"])


@dataclass(frozen=True)
class UnitNaming:
    """How a plan's unit names map to units: each name to its unit, the group entries, the names written
    differently from their unit, and the pairs that may be one unit (reported, not merged)."""

    names: dict[str, str]
    collective: tuple[str, ...]
    renamed: tuple[tuple[str, str], ...]
    similar: tuple[tuple[str, str], ...]


def _level(names: Sequence[str]) -> str | None:
    counted = Counter(name[0] for name in names if name[:1] in _LEVELS and not name.startswith(_NOT_PREFIXED))
    return counted.most_common(1)[0][0] if counted else None


def _core(name: str, level: str | None, same: Mapping[str, str]) -> str:
    """The name without the plan's level prefix, in the full form of its body."""
    prefixed = bool(level) and name.startswith(level or "") and len(name) > 2
    # "市场监管局" is bare; "市市场监管局" is prefixed.
    if prefixed and name.startswith(_NOT_PREFIXED) and not name[1:].startswith(_NOT_PREFIXED):
        prefixed = False
    bare = name[1:] if prefixed else name
    return same.get(bare, bare)


def name_units(
    written: Sequence[str], known: Mapping[str, str], pairs: Sequence[Sequence[str]]
) -> UnitNaming:
    """Map every unit name a plan writes to one unit.

    `known` maps the store's unit names and remembered aliases to their unit. A name is its known unit;
    else the names that differ only by the plan's 市/县 prefix or by a full/short form (`pairs`) are one
    unit, named as the store names it, else as the plan writes it most often, with its prefix.
    """
    same = {name: group[0] for group in pairs for name in group}
    collective = tuple(dict.fromkeys(name for name in written if is_collective(name)))
    own = [name for name in written if name not in collective]
    level = _level(own)
    by_key: dict[str, str] = {}
    for name, unit in known.items():
        by_key.setdefault(_core(name, level, same), unit)
    counted = Counter(own)
    groups: dict[str, list[str]] = {}
    for name in dict.fromkeys(own):
        groups.setdefault(_core(name, level, same), []).append(name)
    names: dict[str, str] = {}
    for key, members in groups.items():
        stored = next((known[m] for m in members if m in known), None) or by_key.get(key)
        if stored is None:
            ranked = sorted(members, key=lambda m: (not (level and m.startswith(level)), -counted[m]))
            stored = ranked[0]
        names.update((member, stored) for member in members)
    renamed = tuple((name, unit) for name, unit in names.items() if name != unit)
    return UnitNaming(
        names, collective, renamed, _similar(set(names.values()), set(known.values()), level, same)
    )


def _similar(
    plan_units: set[str], stored: set[str], level: str | None, same: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """Pairs of a plan's unit and another unit whose names are alike enough to be one (市城管局, 城市管理局)."""
    pairs: list[tuple[str, str]] = []
    others = sorted(plan_units | stored)
    for first in sorted(plan_units):
        for second in others:
            if second == first or (second in plan_units and second < first):
                continue
            a, b = (_KIND_RE.sub("", _core(name, level, same)) for name in (first, second))
            short, long = sorted((a, b), key=len)
            # 自然资源 in 自然资源和规划; not 生态环境 in 生态环境保护督察整改 (an office, not the bureau).
            contained = len(short) >= 2 and short in long and len(short) * 2 >= len(long)
            if contained or difflib.SequenceMatcher(None, a, b).ratio() >= _SIMILAR_RATIO:
                pairs.append((first, second))
    return tuple(pairs)


def unit_names(specs: Sequence[ItemSpec]) -> list[str]:
    """Every unit name the items write, in order, repeats included (how often a plan uses a name counts)."""
    return [
        name
        for spec in specs
        for name in (*spec.lead_units, *spec.responsible_units, *spec.supervising_units)
    ]


def apply_naming(specs: Sequence[ItemSpec], naming: UnitNaming) -> list[ImportNote]:
    """File every item under its units as `naming` says; group entries are dropped from the unit lists
    (the item's text keeps them). Returns the notes that say so."""
    notes: list[ImportNote] = []
    holders: dict[str, list[str]] = {}
    for spec in specs:
        for names in (spec.lead_units, spec.responsible_units, spec.supervising_units):
            for name in names:
                if name in naming.collective:
                    holders.setdefault(name, []).append(spec.number)
            names[:] = list(dict.fromkeys(naming.names[n] for n in names if n not in naming.collective))
    for name, numbers in holders.items():
        items = "、".join(dict.fromkeys(numbers))
        notes.append(ImportNote("collective_unit", params=(("unit", name), ("items", items))))
    notes += [
        ImportNote("unit_renamed", params=(("name", name), ("into", unit))) for name, unit in naming.renamed
    ]
    notes += [ImportNote("similar_units", params=(("names", f"{a}、{b}"),)) for a, b in naming.similar]
    return notes
