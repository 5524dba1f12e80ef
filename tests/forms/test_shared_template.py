"""模板: a template shared by several documents and years, anywhere inside the repository."""

from __future__ import annotations

import os

from builder.output.build import build
from builder.cycle.newyear import next_year
from conftest import ROOT
from helpers import DOCUMENT, PROJECT, write_document

TEMPLATE = ROOT / "templates" / "绩效目标申报.docx"


def _repo(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "模板").mkdir()
    (repo / "模板" / "共用.docx").write_bytes(TEMPLATE.read_bytes())
    folder = write_document(repo / "sources" / "2025", {"01-测试.yaml": PROJECT},
                            DOCUMENT + "模板: ../../模板/共用.docx\n")
    return repo, folder


def test_a_template_anywhere_in_the_repository_is_used_and_followed_by_the_cache(tmp_path):
    repo, folder = _repo(tmp_path)
    out = tmp_path / "out"
    results, failures = build([folder], out)
    assert not failures and not results[0].skipped
    assert build([folder], out)[0][0].skipped  # unchanged
    shared = repo / "模板" / "共用.docx"
    shared.write_bytes(shared.read_bytes() + b"")  # same bytes: still unchanged
    assert build([folder], out)[0][0].skipped
    shared.write_bytes(shared.read_bytes() + b"changed")
    results, failures = build([folder], out)  # the shared template changed: built again
    assert not results or not results[0].skipped


def test_a_link_inside_the_repository_pointing_out_is_refused(tmp_path):
    repo, folder = _repo(tmp_path)
    (tmp_path / "outside.docx").write_bytes(TEMPLATE.read_bytes())
    os.symlink(tmp_path / "outside.docx", repo / "模板" / "链接.docx")
    (folder / "document.yaml").write_text(DOCUMENT + "模板: ../../模板/链接.docx\n", encoding="utf-8")
    results, failures = build([folder], tmp_path / "out")
    assert not results
    [problem] = failures[0].problems
    assert problem.field == "模板" and "在仓库之外" in problem.message


def test_new_year_follows_a_shared_template_and_copies_a_local_one(tmp_path):
    repo, folder = _repo(tmp_path)
    written = next_year(folder, repo / "sources" / "2026", 2026).written
    text = (repo / "sources" / "2026" / "document.yaml").read_text(encoding="utf-8")
    assert "模板: ../../模板/共用.docx" in text
    results, failures = build([repo / "sources" / "2026"], tmp_path / "out")
    assert not failures, failures[0].problems
    # a template in the document folder is copied along
    local = write_document(repo / "sources" / "local", {"01-测试.yaml": PROJECT}, DOCUMENT + "模板: 我的.docx\n")
    (local / "我的.docx").write_bytes(TEMPLATE.read_bytes())
    written = next_year(local, tmp_path / "elsewhere" / "next", 2026).written
    assert (tmp_path / "elsewhere" / "next" / "我的.docx").read_bytes() == TEMPLATE.read_bytes()
    assert tmp_path / "elsewhere" / "next" / "我的.docx" in written
    assert not build([tmp_path / "elsewhere" / "next"], tmp_path / "out2")[1]
