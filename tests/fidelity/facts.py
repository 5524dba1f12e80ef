"""Match a list of expected facts (transcribed from a seed) against a built .docx.

Fact file lines (see the header of each facts file):
  P <text>            text inside one paragraph (body or table cell)
  R <c1>|<c2>|...     consecutive cells of one table row, as printed
  I <c1>|<c2>|...     consecutive cells of one indicator row, merged labels filled in
Facts are found in document order. Comparison removes whitespace and applies
NFKC; cells compare as numbers when both sides are numbers (commas and a
trailing % ignored).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from builder.read.docxtext import Paragraph, TableRow, read_items


def norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _number(text: str):
    cleaned = norm(text).replace(",", "").rstrip("%")
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def cell_equal(expected: str, actual: str) -> bool:
    a, b = _number(expected), _number(actual)
    if a is not None and b is not None:
        return a == b
    return norm(expected) == norm(actual)


@dataclass(frozen=True)
class Fact:
    line: int
    kind: str
    text: str

    @property
    def cells(self) -> list[str]:
        return self.text.split("|")


def read_facts(path: Path) -> list[Fact]:
    facts = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        kind, _, text = line.partition(" ")
        assert kind in ("P", "R", "I"), f"{path.name}:{number}: unknown fact kind {kind!r}"
        facts.append(Fact(number, kind, text))
    return facts


def _units(items):
    """Paragraph texts (body and every cell paragraph) and rows, in document order."""
    for item in items:
        if isinstance(item, Paragraph):
            yield ("P", norm(item.text))
        else:
            yield ("ROW", item)
            for cell in item.cells:
                for paragraph in cell.split("\n"):
                    yield ("P", norm(paragraph))


def _row_matches(cells: tuple[str, ...], expected: list[str]) -> bool:
    n = len(expected)
    return any(
        all(cell_equal(e, a) for e, a in zip(expected, cells[start:start + n]))
        for start in range(0, len(cells) - n + 1)
    )


def _matches(fact: Fact, unit) -> bool:
    kind, value = unit
    if fact.kind == "P":
        return kind == "P" and norm(fact.text) in value
    if kind != "ROW":
        return False
    row: TableRow = value
    return _row_matches(row.cells if fact.kind == "R" else row.resolved, fact.cells)


def missing_facts(docx: Path, facts: list[Fact]) -> list[str]:
    """Facts not found in order; each reported with the unit where the search stood."""
    units = list(_units(read_items(docx)))
    problems = []
    position = 0
    for fact in facts:
        for index in range(position, len(units)):
            if _matches(fact, units[index]):
                position = index
                break
        else:
            problems.append(f"line {fact.line}: {fact.kind} {fact.text}")
    return problems
