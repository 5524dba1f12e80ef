"""The 佳县 form written out in full (examples/_共用/佳县表单.yaml) and its legacy edit of the shipped
form (tests/data/佳县表单-旧.yaml) give the same document: every project's name, indicators and value of
the complete form's fields."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from builder.forms import formkinds as fk
from builder.load.loader import load_document
from conftest import ROOT

EXAMPLES = ROOT / "examples"
LEGACY = ROOT / "tests" / "data" / "佳县表单-旧.yaml"


def _documents(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES, repo / "examples")
    (repo / ".git").mkdir()
    complete = load_document(repo / "examples" / "佳县-2016")
    shutil.copy(LEGACY, repo / "examples" / "_共用" / "佳县表单.yaml")
    legacy = load_document(repo / "examples" / "佳县-2016")
    assert not complete.errors and not legacy.errors, (complete.errors, legacy.errors)
    return complete.document, legacy.document


def _paths(form):
    for spec in form.walk():
        if spec.kind == fk.MONEY_TABLE:
            yield from (f"{spec.path}.{cell.address}" for cell in spec.table.cells())
        elif spec.kind != fk.GROUP:
            yield spec.path


def test_the_complete_form_is_what_the_example_uses():
    text = (EXAMPLES / "_共用" / "佳县表单.yaml").read_text(encoding="utf-8")
    assert "项目:" in text and "不用:" not in text
    assert LEGACY.read_text(encoding="utf-8").count("不用:") == 1


def test_complete_and_legacy_form_give_the_same_projects(tmp_path):
    complete, legacy = _documents(tmp_path)
    assert complete.form.legacy is False and legacy.form.legacy is True
    for spec in complete.form.document_fields:
        assert complete.values.get(spec.key) == legacy.values.get(spec.key), spec.key
    assert complete.values["填报人"] == "王小红"
    assert len(complete.projects) == len(legacy.projects) == 3
    for new, old in zip(complete.projects, legacy.projects):
        assert (new.stem, new.name, new.indicators) == (old.stem, old.name, old.indicators)
        for field in ("indicator_sets", "markdown"):
            assert getattr(new, field) == getattr(old, field), field
        checked = 0
        for path in _paths(complete.form):
            assert new.get(path) == old.get(path), path
            checked += new.get(path) not in (None, "", ())
        assert checked > 20


@pytest.mark.parametrize("kind", ["绩效目标申报", "绩效自评"])
def test_a_shipped_document_has_the_shipped_form(kind):
    folder = {"绩效目标申报": ROOT / "sources" / "2025-绩效目标申报", "绩效自评": ROOT / "sources" / "2023-绩效自评"}[kind]
    document = load_document(folder).document
    assert document.form.shipped and document.form.kind == kind
    assert all(project.form is document.form for project in document.projects)


def test_markdown_sections_are_the_forms_markdown_fields(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES, repo / "examples")
    (repo / ".git").mkdir()
    folder = repo / "examples" / "佳县-2016"
    stem = sorted(p.stem for p in folder.glob("0*.yaml"))[0]
    (folder / f"{stem}.md").write_text("## 实施主体\n\n本表单没有这一部分。\n## 预期目标\n\n自评的部分。\n",
                                       encoding="utf-8")
    messages = [p.message for p in load_document(folder).errors]
    assert any(m.startswith("“## 实施主体”不是本表单的部分（可用：项目概述、立项依据、项目申报的可行性") for m in messages), messages
    assert any(m.startswith("“## 预期目标”是绩效自评的部分，绩效目标申报中没有") for m in messages), messages


def test_markdown_section_of_a_complete_form_is_loaded(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES, repo / "examples")
    (repo / ".git").mkdir()
    folder = repo / "examples" / "佳县-2016"
    stem = sorted(p.stem for p in folder.glob("0*.yaml"))[0]
    source = folder / f"{stem}.yaml"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("项目申报的可行性:"))
    end = start + 1
    while end < len(lines) and lines[end].startswith(" " * (len(lines[start]) - len(lines[start].lstrip()) + 1)):
        end += 1
    source.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")
    (folder / f"{stem}.md").write_text("## 项目申报的可行性\n\n写在 **Markdown** 中的可行性。\n", encoding="utf-8")
    loaded = load_document(folder)
    assert not loaded.errors, loaded.errors
    project = next(p for p in loaded.document.projects if p.stem == stem)
    assert project.get("情况说明.项目申报的可行性") == ("写在 Markdown 中的可行性。",)
    assert "情况说明.项目申报的可行性" in project.markdown
