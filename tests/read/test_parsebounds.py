"""The one bound on YAML and TOML text (builder/read/parsebounds.py): depth and size are refused,
with a place, before any recursive parser sees the text — and nothing legal is refused."""

from __future__ import annotations

import random
import sys
import tomllib
from pathlib import Path

import pytest

from builder.read.errors import Problems
from builder.read.parsebounds import MAX_DEPTH, toml_bound, yaml_bound
from builder.read.syntax import read_toml, read_yaml

TOO_DEEP = f"嵌套层数过深（上限 {MAX_DEPTH} 层）"


def tree_depth(value) -> int:
    """The depth of the deepest node of a parsed tree (the root table 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest


def messages(reader, suffix: str, text: str) -> list[str]:
    problems = Problems()
    reader(Path(f"x{suffix}"), text, problems)
    return [p.format() for p in problems.items]


# ---------------------------------------------------------------- YAML

YAML_CHAINS = {
    "flow": lambda n: "a: " + "[" * (n - 1) + "1" + "]" * (n - 1) + "\n",
    "flow maps": lambda n: "a: " + "{b: " * (n - 1) + "1" + "}" * (n - 1) + "\n",
    "block maps": lambda n: "".join("  " * k + "k:\n" for k in range(n)) + "  " * n + "1\n",
    "block sequences": lambda n: "a:\n" + "".join("  " * k + "-\n" for k in range(n - 2)) + "  " * (n - 2) + "- 1\n",
    "compact": lambda n: "a:\n" + "- " * (n - 1) + "1\n",
}


@pytest.mark.parametrize("style", YAML_CHAINS)
def test_yaml_at_the_limit_is_read_and_one_deeper_is_a_located_error(style):
    at_limit = YAML_CHAINS[style](MAX_DEPTH)
    assert messages(read_yaml, ".yaml", at_limit) == []
    deeper = messages(read_yaml, ".yaml", YAML_CHAINS[style](MAX_DEPTH + 1))
    assert len(deeper) == 1 and deeper[0].startswith("x.yaml:") and deeper[0].endswith(TOO_DEEP)


@pytest.mark.parametrize("pure_python", [False, True])
def test_yaml_50000_deep_is_a_located_error_for_both_parsers(monkeypatch, pure_python):
    """The C composer crashed the process (exit 139) at 50,000 levels; the bound stops at 41."""
    if pure_python:  # as on a Python without ruamel's compiled extension
        monkeypatch.setitem(sys.modules, "ruamel.yaml.cyaml", None)
    text = "项目名称: " + "[" * 50_000 + "]" * 50_000 + "\n"
    assert messages(read_yaml, ".yaml", text) == [f"x.yaml:1:{len('项目名称: ') + MAX_DEPTH + 1} {TOO_DEEP}"]
    block = "".join(" " * k + "k:\n" for k in range(3000))
    assert messages(read_yaml, ".yaml", block) == [f"x.yaml:{MAX_DEPTH + 1}:{MAX_DEPTH + 1} {TOO_DEEP}"]


@pytest.mark.parametrize("text, message", [
    ("a: [1, 2\n", 'x.yaml:1:4 YAML 语法错误：以“[”开头的值必须加引号，例如 ">=90%"（或写成 ≥90%）'),
    ("a: b: c\n", "x.yaml:1:5 YAML 语法错误：此处不能出现“: ”（值中含有冒号时请给整个值加引号）"),
    ("a: 1\n---\nb: 2\n", "x.yaml:2:1 YAML 语法错误：无法解析（but found another document）"),  # the composer's
    ("a: *x\n", 'x.yaml:1:4 YAML 语法错误：以“*”开头的值必须加引号，例如 ">=90%"（或写成 ≥90%）'),
])
def test_yaml_syntax_errors_are_explained_as_before(text, message):
    assert messages(read_yaml, ".yaml", text) == [message]


def test_yaml_with_too_many_values_is_refused_before_composing():
    text = "a: [" + "1, " * 100_001 + "]\n"
    # the mapping, "a" and the sequence are three values: the 99,998th "1" is the 100,001st
    assert yaml_bound(text) == (1, 5 + 3 * 99_997, "内容过多（超过 100,000 个值）")


# ---------------------------------------------------------------- TOML

def _toml_chain(rng: random.Random, depth: int) -> str:
    """A legal TOML document whose deepest node is at about ``depth``, built from random mixtures
    of headers, arrays of tables, dotted keys, arrays and inline tables, with brackets in strings
    and comments around them (tomllib says how deep it really is)."""
    noise = ['"[{"', "'[[{'", '"""\n]]}\\""""', "'''[[\n{{'''", "1979-05-27 07:32:00", "1_000", "true"]
    lines = ["# [[[[ not a table", f"n = {rng.choice(noise)}"]
    level = 0
    if rng.random() < 0.5:
        names = [f"t{k}" for k in range(rng.randint(1, 6))]
        arrays = [rng.random() < 0.4 for _ in names]
        quoted = [f'"{n}"' if rng.random() < 0.3 else n for n in names]
        for k, array in enumerate(arrays):  # arrays of tables, outermost first
            if array:
                lines.append(f"[[{'.'.join(quoted[:k + 1])}]]")
        if not arrays[-1]:
            lines.append(f"[{'.'.join(quoted)}]")
        level = sum(1 + a for a in arrays)
    parts = rng.randint(1, 3)
    key = " . ".join(rng.choice([f"k{k}", f'"k{k}"', f"'k {k}'"]) for k in range(parts))
    level += parts
    closing = []
    text = ""
    while level < depth:
        if rng.random() < 0.5:
            text += "[" + rng.choice(["", f"{rng.choice(noise)}, ", "\n  # ]]]\n  "])
            closing.append("]")
            level += 1
        else:
            inner = rng.randint(1, 2)
            text += "{" + rng.choice(["", "x = 2, "]) + ".".join(["i"] * inner) + " = "
            closing.append("}")
            level += inner
    text += "1" + "".join(reversed(closing))
    lines.append(f"{key} = {text}  # ]]")
    return "\n".join(lines) + "\n"


def test_toml_scan_agrees_with_tomllib_on_random_documents():
    """Legal documents up to and beyond the limit: refused exactly when tomllib's tree is deeper."""
    rng = random.Random(21)
    seen = {"kept": 0, "refused": 0}
    for _ in range(600):
        depth = rng.randint(MAX_DEPTH - 4, MAX_DEPTH + 4)
        text = _toml_chain(rng, depth)
        actual = tree_depth(tomllib.loads(text))
        bound = toml_bound(text)
        if actual > MAX_DEPTH:
            assert bound is not None and bound[2] == TOO_DEEP, text
            seen["refused"] += 1
        else:
            assert bound is None, text
            assert messages(read_toml, ".toml", text) == []
            seen["kept"] += 1
    assert seen["kept"] > 100 and seen["refused"] > 100


@pytest.mark.parametrize("text, place", [
    ("a = " + "[" * 1000 + "]" * 1000 + "\n", "1:45"),  # was a RecursionError in tomllib (exit 3)
    ("a = " + "[" * 1000 + "\n", "1:45"),  # unterminated: still no deeper than the limit
    ("a = " + "{b = " * 1000 + "1" + "}" * 1000 + "\n", "1:201"),
    (".".join(["a"] * 500_000) + " = 1\n", "1:81"),  # the 40-level limit applies to TOML too
    ("[" + ".".join(["a"] * 1000) + "]\nb = 1\n", "1:82"),
    ("".join(f"[[{'.'.join(['a'] * k)}]]\n" for k in range(1, 30)), "21:43"),  # arrays of tables: 2 levels each
    ("a = = 1\nb = " + "[" * 1000 + "]" * 1000 + "\n", "2:45"),  # after a syntax error
])
def test_deep_toml_is_a_located_error(text, place):
    assert messages(read_toml, ".toml", text) == [f"x.toml:{place} {TOO_DEEP}"]


def test_toml_with_too_many_values_is_refused():
    # the key and the array count as in YAML: the 99,999th "1" is the 100,001st value
    assert messages(read_toml, ".toml", "a = [" + "1," * 100_001 + "]\n") == [
        f"x.toml:1:{6 + 2 * 99_998} 内容过多（超过 100,000 个值）"]


def test_round_trip_readers_take_only_text_the_bounded_reader_accepted(tmp_path):
    """``new 项目`` rewrites document.yaml with ruamel's round-trip parser (comments kept); it used
    to parse it unbounded (a RecursionError, exit 3, at 50,000 levels)."""
    from conftest import run_cli

    folder = tmp_path / "doc"
    folder.mkdir()
    deep = "文档类型: 绩效目标申报\n年度: 2025\n单位名称: 测试单位\n备注: " + "[" * 50_000 + "]" * 50_000 + "\n"
    (folder / "document.yaml").write_text(deep, encoding="utf-8")
    result = run_cli("new", "项目", "测试", "--in", folder)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"document.yaml:4:{5 + MAX_DEPTH} [错误] SOURCE {TOO_DEEP}" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["document.yaml"]
