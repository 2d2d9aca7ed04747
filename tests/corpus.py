"""The corpus of plan shapes (tests/data/plans/*.expected.json) and the field-by-field score of an import.

`python -m tests.corpus` prints the table of the README's import section: entries, field score, warnings.

An expected file was written by reading its document. Each expected item scores 7 fields: found under its
number, its deadline (and whether it is continuing), its targets (text and deadline, in order), its measures
(text, in order), and its responsible, lead and supervising units, each compared as a set. A text ending in
"…" is the start of the text. An item the import has and the document does not costs 7 fields too.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ledger.importer import parse_ledger_file
from ledger.model import ItemSpec, ParsedLedger
from ledger.units import apply_naming, known_pairs, name_units, unit_names

PLANS = Path(__file__).resolve().parent / "data" / "plans"
# The day of import: what a plan without a date of its own starts on.
IMPORT_DAY = date(2026, 12, 2)
FIELDS = ("number", "deadline", "targets", "measures", "responsible_units", "lead_units", "supervising_units")


def corpus() -> list[Path]:
    """The documents that have an expected result."""
    return sorted(PLANS / p.name.removesuffix(".expected.json") for p in PLANS.glob("*.expected.json"))


def expected(document: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        document.with_name(document.name + ".expected.json").read_text("utf-8")
    )
    return loaded


def imported(document: Path) -> ParsedLedger:
    """What an import into an empty ledger files: the parsed items under their units, as the import names
    them (the plan's prefix, full and short names; group entries left out)."""
    parsed = parse_ledger_file(document, default_start=IMPORT_DAY)
    naming = name_units(unit_names(parsed.items), {}, known_pairs())
    parsed.warnings += apply_naming(parsed.items, naming)
    return parsed


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _same_text(want: str, got: str) -> bool:
    if want.endswith("…"):
        return _fold(got).startswith(_fold(want[:-1]))
    return _fold(got) == _fold(want)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _list_score(want: list[Any], got: list[Any], same: Any) -> float:
    """The share of expected entries matched in place, less the share of entries the document lacks."""
    if not want and not got:
        return 1.0
    matched = sum(1 for w, g in zip(want, got, strict=False) if same(w, g))
    return matched / max(len(want), len(got))


def field_scores(want: dict[str, Any], got: ItemSpec) -> dict[str, float]:
    targets = [(t.text, _iso(t.deadline)) for t in got.targets]
    return {
        "number": 1.0,
        "deadline": float(want["deadline"] == _iso(got.deadline) and want["continuing"] == got.continuing),
        "targets": _list_score(
            [(t["text"], t["deadline"]) for t in want["targets"]],
            targets,
            lambda w, g: _same_text(w[0], g[0]) and w[1] == g[1],
        ),
        "measures": _list_score(want["measures"], [m.text for m in got.measures], _same_text),
        "responsible_units": float(set(want["responsible_units"]) == set(got.responsible_units)),
        "lead_units": float(set(want["lead_units"]) == set(got.lead_units)),
        "supervising_units": float(set(want["supervising_units"]) == set(got.supervising_units)),
    }


@dataclass(frozen=True)
class Score:
    document: str
    expected: int
    found: int
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    points: float
    total: int
    warnings: int
    misses: tuple[str, ...]  # "24.1 measures" for each field below full marks

    @property
    def value(self) -> float:
        return self.points / self.total if self.total else 1.0


def score(document: Path) -> Score:
    want = {item["number"]: item for item in expected(document)["items"]}
    parsed = imported(document)
    got = {item.number: item for item in parsed.items}
    points = 0.0
    misses: list[str] = []
    for number, item in want.items():
        if number not in got:
            continue
        for name, value in field_scores(item, got[number]).items():
            points += value
            if value < 1:
                misses.append(f"{number} {name}")
    extra = tuple(n for n in got if n not in want)
    return Score(
        document.name,
        len(want),
        len(got),
        tuple(n for n in want if n not in got),
        extra,
        points,
        len(FIELDS) * (len(want) + len(extra)),
        len(parsed.warnings),
        tuple(misses),
    )


def table() -> str:
    lines = [
        "| plan | entries expected | entries imported | field score | warnings |",
        "| --- | --- | --- | --- | --- |",
    ]
    for document in corpus():
        result = score(document)
        lines.append(
            f"| `{result.document}` | {result.expected} | {result.found} | {result.value:.3f} | {result.warnings} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
