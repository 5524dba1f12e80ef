"""The roster of an incremental build carries every money cell of the projects it does not load
again (document totals sum them), computed totals included, exactly as a full load gives them."""

from __future__ import annotations

import shutil

import pytest

from builder.forms.formvalues import cell_total, project_cell, project_money as money_cells
from builder.load.loader import load_document
from builder.output import incremental
from builder.output.build import build
from conftest import ROOT, TARGET_SOURCES


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("BUDGETDOC_NO_CACHE", raising=False)


def _shipped(tmp_path):
    folder = tmp_path / "src" / TARGET_SOURCES.name
    shutil.copytree(TARGET_SOURCES, folder)
    return folder


def _jiaxian(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "repo" / "examples")
    (tmp_path / "repo" / ".git").mkdir()
    return tmp_path / "repo" / "examples" / "佳县-2016"


@pytest.mark.parametrize("make", [_shipped, _jiaxian], ids=["shipped", "jiaxian"])
def test_the_roster_carries_every_money_cell(make, tmp_path, monkeypatch):
    folder = make(tmp_path)
    out = tmp_path / "out"
    results, failures = build([folder], out, ("docx",), use_cache=True)
    assert not failures
    full = {p.source.name: p for p in load_document(folder).document.projects}
    rebuilt = []
    original = incremental.rebuild
    monkeypatch.setattr(incremental, "rebuild", lambda *a, **k: rebuilt.append(original(*a, **k)) or rebuilt[-1])
    changed = sorted(p for p in folder.glob("0*.yaml"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# 改了一个注释\n", encoding="utf-8")
    results, failures = build([folder], out, ("docx",), use_cache=True)
    assert not failures and rebuilt and rebuilt[-1] is not None, "the second build was not incremental"
    roster = rebuilt[-1].document.roster
    entries = [e for e in roster if e.source.name != changed.name]
    assert len(entries) == len(full) - 1
    for entry in entries:
        project = full[entry.source.name]
        expected = money_cells(project)
        assert entry.money == expected and len(expected) >= 4
        assert any(v is not None for v in expected.values())
        for path, value in expected.items():  # what a document total reads of an entry and of a project
            assert project_cell(entry, project.form, path) == project_cell(project, project.form, path) == value, path
        assert entry.annual == project.role("年度金额") == project_cell(entry, project.form, project.role_path("年度金额"))
    # the document totals over the roster (the rules' and the context's) equal a full load's
    loaded = load_document(folder).document
    for path in expected:
        assert cell_total(rebuilt[-1].document, loaded.form, path) == cell_total(loaded, loaded.form, path), path


def test_a_record_of_the_previous_format_is_not_used():
    assert incremental.FORMAT.startswith("budgetdoc-incremental 3 ")
