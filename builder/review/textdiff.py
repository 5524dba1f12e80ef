"""Which characters of a text changed, in bounded time: the word-level part of ``budgetdoc diff``.

difflib's SequenceMatcher compares every pair of characters in the worst case, so its time
grows with the product of the two lengths (a 20,000-character narrative took 27 s, one of
150,000 more than 300 s). Here it is only ever given at most ``MAX_CELLS`` pairs:

- texts that small (every ordinary field) are compared character by character, as always;
- longer ones lose their common beginning and end first (a small edit in a long text then
  is small again); what is still too long is compared sentence by sentence (or line by
  line), and each changed sentence character by character while it is small enough;
- whatever is left over — a chunk too long, or the budget spent — is reported whole
  (one deletion and one insertion, 〔删：…〕〔增：…〕): a coarser answer, never a slow one.
"""

from __future__ import annotations

import difflib
import re

MAX_CELLS = 4_000_000  # character (or sentence) pairs one SequenceMatcher may compare: well under a second
BUDGET_CELLS = 4 * MAX_CELLS  # for all the changed sentences of one text together

_SENTENCE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;\n]+|$)")
_LINE = re.compile(r"[^\n]*(?:\n+|$)")

Range = tuple[int, int, int, int]  # old[a1:a2] became new[b1:b2]
SHOWN = 600  # characters of a changed chunk printed at most (its beginning and end)


def clip(chunk: str) -> str:
    """A changed chunk as printed: whole up to SHOWN characters, else its beginning and end."""
    if len(chunk) <= SHOWN:
        return chunk
    half = SHOWN // 2
    return f"{chunk[:half]}……（共 {len(chunk):,} 字）……{chunk[-half:]}"


def changed_ranges(old: str, new: str) -> list[Range]:
    """The changed ranges of ``old`` → ``new``, in order (the equal parts left out)."""
    if len(old) * len(new) <= MAX_CELLS:
        return _by_character(old, new)
    start = _common_prefix(old, new)
    end = _common_prefix(old[start:][::-1], new[start:][::-1])
    a, b = old[start:len(old) - end], new[start:len(new) - end]
    budget = [BUDGET_CELLS]
    return [(a1 + start, a2 + start, b1 + start, b2 + start) for a1, a2, b1, b2 in _coarse(a, b, budget)]


def _by_character(old: str, new: str) -> list[Range]:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [(a1, a2, b1, b2) for op, a1, a2, b1, b2 in matcher.get_opcodes() if op != "equal"]


def _common_prefix(a: str, b: str) -> int:
    """The length of the common beginning, found by halves (compares of whole slices, in C)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _coarse(a: str, b: str, budget: list[int]) -> list[Range]:
    if not a or not b:
        return [(0, len(a), 0, len(b))] if a or b else []
    if len(a) * len(b) <= min(MAX_CELLS, budget[0]):
        budget[0] -= len(a) * len(b)
        return _by_character(a, b)
    for unit in (_SENTENCE, _LINE):
        units_a, units_b = _units(unit, a), _units(unit, b)
        if 1 < max(len(units_a), len(units_b)) and len(units_a) * len(units_b) <= MAX_CELLS:
            break
    else:
        return [(0, len(a), 0, len(b))]
    starts_a, starts_b = _starts(units_a), _starts(units_b)
    matcher = difflib.SequenceMatcher(None, units_a, units_b, autojunk=False)
    ranges = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        a1, a2, b1, b2 = starts_a[i1], starts_a[i2], starts_b[j1], starts_b[j2]
        piece_a, piece_b = a[a1:a2], b[b1:b2]
        if piece_a and piece_b and len(piece_a) * len(piece_b) <= min(MAX_CELLS, budget[0]):
            budget[0] -= len(piece_a) * len(piece_b)
            ranges.extend((x1 + a1, x2 + a1, y1 + b1, y2 + b1) for x1, x2, y1, y2 in _by_character(piece_a, piece_b))
        else:
            ranges.append((a1, a2, b1, b2))
    return ranges


def _units(pattern: re.Pattern, text: str) -> list[str]:
    return [match.group() for match in pattern.finditer(text) if match.group()]


def _starts(units: list[str]) -> list[int]:
    starts = [0]
    for unit in units:
        starts.append(starts[-1] + len(unit))
    return starts
