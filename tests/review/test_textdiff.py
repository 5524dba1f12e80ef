"""The text diff of ``budgetdoc diff`` in bounded work (builder/review/textdiff.py): the same answer
as a character-by-character comparison for ordinary texts, never more than a bounded number
of character pairs compared for long ones."""

from __future__ import annotations

import difflib
import random

import pytest

from builder.review import textdiff
from builder.review.semdiff import show_pieces, text_change as _pieces


def text_change(old, new):
    summary, pieces = _pieces(old, new)
    return summary, show_pieces(pieces)

CHARS = "预算资金项目绩效目标运维管理服务保障展示馆讲解"


def narrative(rng: random.Random, length: int) -> str:
    parts, size = [], 0
    while size < length:
        sentence = "".join(rng.choice(CHARS) for _ in range(rng.randint(10, 60))) + rng.choice("。。。；\n")
        parts.append(sentence)
        size += len(sentence)
    return "".join(parts)[:length]


def applied(old: str, new: str, ranges) -> str:
    """``old`` with each changed range replaced by its new text."""
    pieces, at = [], 0
    for a1, a2, b1, b2 in ranges:
        assert at <= a1 <= a2
        pieces += [old[at:a1], new[b1:b2]]
        at = a2
    return "".join(pieces) + old[at:]


class Counting:
    """difflib.SequenceMatcher, recording the pairs each comparison may look at."""

    cells: list[int] = []
    original = difflib.SequenceMatcher

    def __init__(self, junk, a, b, autojunk=True):
        Counting.cells.append(len(a) * len(b))
        self.matcher = Counting.original(junk, a, b, autojunk=autojunk)

    def get_opcodes(self):
        return self.matcher.get_opcodes()


@pytest.fixture
def counted(monkeypatch):
    Counting.cells = []
    monkeypatch.setattr(textdiff.difflib, "SequenceMatcher", Counting)
    return Counting.cells


def test_ordinary_texts_are_compared_character_by_character_as_before():
    rng = random.Random(14)
    for _ in range(200):
        old = narrative(rng, rng.randint(0, 400))
        new = list(old)
        for _ in range(rng.randint(1, 5)):
            at = rng.randint(0, len(new))
            new[at:at + rng.randint(0, 6)] = rng.choice(["", "足额", "。", "新增内容"])
        new = "".join(new)
        expected = [(a1, a2, b1, b2) for op, a1, a2, b1, b2 in
                    difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes() if op != "equal"]
        assert textdiff.changed_ranges(old, new) == expected
    assert text_change("按月按实发放补助。", "按月按实足额发放补助。") == ("文字修改 (+2 −0 字)", "…按月按实〔增：足额〕发放补助。…")


def test_a_deletion_an_insertion_and_a_line_break_as_a_reviewer_reads_them():
    summary, pieces = _pieces("预算 6 万元。\n下一段。", "预算 9.5 万元。\n\n下一段。")
    assert show_pieces(pieces) == "…预算 〔删：6〕〔增：9.5〕 万元。〔换行〕下一段…  …算 6 万元。〔换行〕〔增：〔换行〕〕下一段。…"
    assert show_pieces(pieces, colour=True).startswith("…预算 \x1b[31;9m6\x1b[0m\x1b[32;4m9.5\x1b[0m 万元。")


def test_a_150000_character_narrative_is_diffed_exactly_in_bounded_work(counted):
    """150,000 characters took more than 300 s (difflib compared every pair); the edits are still
    found character by character, and no comparison looks at more than MAX_CELLS pairs."""
    old = narrative(random.Random(21), 150_000)
    new = old[:1000] + "足额" + old[1000:75_000] + old[75_003:149_000] + "新增一句。" + old[149_000:]
    summary, detail = text_change(old, new)
    assert summary == "文字修改 (+7 −3 字)"
    assert detail.count("〔增：足额〕") == 1 and detail.count("〔增：新增一句。〕") == 1
    assert detail.count("〔删：") == 1 and applied(old, new, textdiff.changed_ranges(old, new)) == new
    assert counted and max(counted) <= textdiff.MAX_CELLS
    assert sum(counted) <= textdiff.MAX_CELLS + textdiff.BUDGET_CELLS


@pytest.mark.parametrize("old, new", [
    ("好" * 150_000, "坏" * 150_000),  # nothing in common, no sentences
    ("".join(random.Random(1).choice("好坏") for _ in range(150_000)),
     "".join(random.Random(2).choice("好坏") for _ in range(150_000))),  # the worst case of difflib
    (narrative(random.Random(3), 150_000), narrative(random.Random(4), 150_000)),  # unrelated narratives
    ("。".join("好" * 50 for _ in range(3000)), "。".join("坏" * 50 for _ in range(3000))),  # every sentence changed
])
def test_long_texts_fall_back_to_coarser_units_within_the_bound(counted, old, new):
    summary, detail = text_change(old, new)
    ranges = textdiff.changed_ranges(old, new)
    added = sum(b2 - b1 for _, _, b1, b2 in ranges)
    removed = sum(a2 - a1 for a1, a2, _, _ in ranges)
    assert summary == f"文字修改 (+{added} −{removed} 字)"
    assert applied(old, new, ranges) == new  # every change accounted for
    assert max(counted, default=0) <= textdiff.MAX_CELLS
    assert sum(counted) <= 2 * (textdiff.MAX_CELLS + textdiff.BUDGET_CELLS)
    assert len(detail) < 400_000


def test_a_long_changed_chunk_is_shown_by_its_ends():
    chunk = "甲" * 300 + "乙" * 1000 + "丙" * 300
    assert textdiff.clip(chunk) == "甲" * 300 + "……（共 1,600 字）……" + "丙" * 300
    assert textdiff.clip("短句。") == "短句。"
