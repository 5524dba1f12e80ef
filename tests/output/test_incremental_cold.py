"""Incremental = cold, always: random (seeded) edit sequences over several templates, each
build after an edit compared byte for byte, findings and all, with a cold build of the same
sources. The templates: the shipped 申报 template, the 佳县 example's, and custom ones that keep
state from one project to the next (a ``namespace`` counter; a ``{% set %}`` of the frame that
the project loop prints), which must be rendered whole (builder.render.segments)."""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, TARGET_SOURCES

TEMPLATE = ROOT / "templates" / "绩效目标申报.docx"
STEPS = 9
SEED = int(os.environ.get("BUDGETDOC_TEST_SEED", "20251"))


@pytest.fixture(autouse=True)
def _own_cache_key(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("BUDGETDOC_NO_CACHE", raising=False)


def edited_template(path: Path, edits: list[tuple[str, str]]) -> Path:
    """The shipped 申报 template with its document.xml edited (each edit must apply)."""
    source = zipfile.ZipFile(TEMPLATE)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                for old, new in edits:
                    assert old in text, old
                    text = text.replace(old, new, 1)
                data = text.encode("utf-8")
            target.writestr(info.filename, data)
    path.write_bytes(buffer.getvalue())
    return path


COUNTER = [("{{ unit_name }}", "{% set ns = namespace(n=0) %}{{ unit_name }}"),
           ("{{ p.number }}", "{% set ns.n = ns.n + 1 %}{{ ns.n }}")]
FRAME_SET = [("{{ unit_name }}", "{% set share = total_wan %}{{ unit_name }}"),
             ("{{ p.number }}", "{{ p.number }}（共 {{ share }} 万元）")]


def _with_template(tmp_path: Path, name: str, edits) -> Path:
    folder = tmp_path / "src" / name
    shutil.copytree(TARGET_SOURCES, folder)
    edited_template(folder / "模板.docx", edits)
    document = folder / "document.yaml"
    document.write_text(document.read_text(encoding="utf-8") + "模板: 模板.docx\n", encoding="utf-8")
    return folder


def _shipped(tmp_path: Path) -> Path:
    folder = tmp_path / "src" / TARGET_SOURCES.name
    shutil.copytree(TARGET_SOURCES, folder)
    return folder


def _jiaxian(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    return tmp_path / "examples" / "佳县-2016"


def _findings(problems) -> list[tuple]:
    return [(os.path.abspath(p.location.file), p.location.line, p.location.col, p.field, p.message, p.severity,
             p.rule, tuple(p.values), p.note) for p in problems]


def _outcome(folder: Path, out: Path, use_cache: bool):
    from builder.output.build import build

    results, failures = build([folder], out, ("docx",), use_cache=use_cache)
    if failures:
        failure = failures[0]
        return "失败", _findings(failure.problems), failure.reason, None, None
    result = results[0]
    return "成功", _findings(result.warnings), "", (out / f"{folder.name}.docx").read_bytes(), result


class Editor:
    """Random edits a user makes to the project files (and now and then document.yaml)."""

    def __init__(self, folder: Path, rng: random.Random):
        self.folder, self.rng, self.count = folder, rng, 0
        self.projects = sorted(p for p in folder.glob("*.yaml") if p.stem != "document")
        self.history = {p: [p.read_text(encoding="utf-8")] for p in [*self.projects, folder / "document.yaml"]}

    def _save(self, path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        self.history[path].append(text)

    def text(self, path: Path) -> None:
        source = path.read_text(encoding="utf-8")
        match = re.search(r"项目概述: (?:\|-?\n\s+)?", source)
        self._save(path, source[:match.end()] + f"（第{self.count}次修改）" + source[match.end():])

    def amount(self, path: Path) -> None:
        source = path.read_text(encoding="utf-8")
        match = re.search(r"当年财政拨款: (\d+)((?:\.\d+)?万?)", source)
        old = match.group(1) + match.group(2)
        new = str(int(match.group(1)) + self.rng.choice([1, 10, 1000])) + match.group(2)
        self._save(path, re.sub(rf"(: ){re.escape(old)}\b", rf"\g<1>{new}", source))

    def rename(self, path: Path) -> None:
        source = path.read_text(encoding="utf-8")
        self._save(path, re.sub(r"^(项目名称: .*)$", rf"\g<1>{self.count}", source, count=1, flags=re.M))

    def undo(self, path: Path) -> None:
        versions = self.history[path]
        self._save(path, self.rng.choice(versions[:-1]) if len(versions) > 1 else versions[0])

    def step(self) -> str:
        self.count += 1
        kind = self.rng.choice(["text", "text", "text", "amount", "amount", "undo", "undo", "two", "rename", "doc"])
        if kind == "two":
            for path in self.rng.sample(self.projects, 2):
                self.text(path)
        elif kind == "doc":
            document = self.folder / "document.yaml"
            self._save(document, document.read_text(encoding="utf-8") + f"# 注释 {self.count}\n")
        elif kind == "amount":  # in a project whose 年度预算安排 has no 明细 (whose sum must match)
            plain = [p for p in self.projects if "明细:" not in p.read_text(encoding="utf-8")]
            self.amount(self.rng.choice(plain))
        else:
            getattr(self, kind)(self.rng.choice(self.projects))
        return kind


CASES = {
    "shipped": (_shipped, True),
    "jiaxian": (_jiaxian, True),
    "counter": (lambda tmp: _with_template(tmp, "计数模板", COUNTER), False),
    "frame-set": (lambda tmp: _with_template(tmp, "框架变量", FRAME_SET), False),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_incremental_builds_equal_cold_builds(case, tmp_path):
    make, splits = CASES[case]
    folder = make(tmp_path)
    rng = random.Random(f"{SEED}-{case}")
    editor = Editor(folder, rng)
    out, cold = tmp_path / "out", tmp_path / "cold"
    first = _outcome(folder, out, True)
    assert first[0] == "成功", first[1]
    incremental_steps = 0
    for number in range(STEPS):
        kind = editor.step()
        again = _outcome(folder, out, True)
        fresh = _outcome(folder, cold, False)
        where = f"{case} 第 {number + 1} 步（{kind}，种子 {SEED}）"
        assert again[:4] == fresh[:4], where
        result = again[4]
        if result is not None and result.rendered is not None:
            incremental_steps += 1
    if splits:  # the comparison did cover builds that rendered only the changed projects
        assert incremental_steps >= 1, incremental_steps
    else:  # a template with state across projects is never rebuilt piecewise
        assert incremental_steps == 0


@pytest.mark.parametrize("edits", [COUNTER, FRAME_SET])
def test_template_check_finds_nothing_wrong_with_a_template_that_keeps_state(edits, tmp_path):
    from builder.render.templatecheck import check_template

    report = check_template(edited_template(tmp_path / "模板.docx", edits), "绩效目标申报")
    assert report.problem_lines() == []


def test_a_counter_numbers_the_projects_as_a_cold_build_does(tmp_path):
    """The issue's reproduction: after a one-project edit the counter still reads 1 … 10."""
    folder = _with_template(tmp_path, "计数模板", COUNTER)
    out = tmp_path / "out"
    _outcome(folder, out, True)
    Editor(folder, random.Random(0)).text(sorted(folder.glob("0[5]-*.yaml"))[0])
    _outcome(folder, out, True)
    from builder.read.docxtext import to_text

    numbers = re.findall(r"项目经费情况说明 (\d+)", to_text(out / f"{folder.name}.docx"))
    assert numbers == [str(n) for n in range(1, 11)], numbers
