"""``budgetdoc diff`` follows the document's form (issue 22): its labels, its units, its files
wherever they are in the repository, a document folder or a project file as the path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from conftest import ROOT, run_cli

from builder.forms.formdef import read_form
from builder.load.loader import load_document
from builder.review.semdiff import diff_documents

EXAMPLES = ROOT / "examples"
COMPLETE_FORM = ROOT / "tests" / "data" / "佳县-完整.yaml"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org",
           "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}
PROJECT = "01-红枣提质增效.yaml"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=dict(os.environ, **GIT_ENV))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _with_form(document, form):
    return replace(document, projects=[replace(p, form=form) for p in document.projects])


def test_a_wan_form_diffs_in_wan_under_its_own_labels(tmp_path):
    """佳县 prints 万元 and 财政拨款 / 项目实施单位: the diff says what the form says, never 元 or the
    internal 当年财政拨款."""
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    folder = tmp_path / "examples" / "佳县-2016"
    form = read_form(COMPLETE_FORM, "绩效目标申报")
    old = _with_form(load_document(folder).document, form)
    _edit(folder / PROJECT, "当年财政拨款: 120万", "当年财政拨款: 130.0001万")
    _edit(folder / PROJECT, "合计: 158.76万", "合计: 168.7601万")
    _edit(folder / PROJECT, "实施单位: 佳县红枣产业发展中心", "实施单位: 佳县红枣中心")
    new = _with_form(load_document(folder).document, form)
    lines = [c.line() for c in diff_documents(old, new)]
    assert "红枣提质增效示范工程 · 项目资金 · 财政拨款: 120.00 万元 → 130.0001 万元" in lines, lines
    assert "红枣提质增效示范工程 · 项目资金 · 项目资金申请: 158.76 万元 → 168.7601 万元" in lines, lines
    assert "红枣提质增效示范工程 · 基本信息 · 项目实施单位: 佳县红枣产业发展中心 → 佳县红枣中心" in lines, lines
    assert not any("当年财政拨款" in line or "1,300,001.00" in line for line in lines), lines
    added = diff_documents(_with_form(replace(old, projects=[]), form), new)
    assert any("新增项目（项目资金申请 168.7601 万元）" in c.line() for c in added), [c.line() for c in added]


def _repository(tmp_path) -> Path:
    """佳县 with its form and template in forms/, outside sources/, committed."""
    repo = tmp_path / "repo"
    (repo / "sources").mkdir(parents=True)
    shutil.copytree(EXAMPLES / "佳县-2016", repo / "sources" / "佳县-2016")
    shutil.copytree(EXAMPLES / "_共用", repo / "forms")
    _edit(repo / "sources" / "佳县-2016" / "document.yaml", "../_共用/", "../../forms/")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "seed")
    _edit(repo / "sources" / "佳县-2016" / PROJECT, "联系电话: 0912-6721234", "联系电话: 0912-6720000")
    _edit(repo / "sources" / "佳县-2016" / "02-农业技术培训.yaml", "项目负责人: ", "项目负责人: 新")
    return repo


WANTED = "红枣提质增效示范工程 · 基本信息 · 联系电话: 0912-6721234 → 0912-6720000"


def test_diff_reads_the_form_and_template_from_outside_sources(tmp_path):
    repo = _repository(tmp_path)
    result = run_cli("diff", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert WANTED in result.stdout.splitlines() and "表单定义文件" not in result.stderr
    redline = run_cli("diff", "--docx", tmp_path / "修订", cwd=repo)
    assert redline.returncode == 0, redline.stderr
    assert (tmp_path / "修订" / "佳县-2016.docx").is_file()


def test_diff_of_a_document_folder_or_one_project_file(tmp_path):
    repo = _repository(tmp_path)
    folder = run_cli("diff", "--", "sources/佳县-2016", cwd=repo)
    assert folder.returncode == 0, folder.stderr
    assert WANTED in folder.stdout.splitlines() and "项目负责人: 刘慧 → 新刘慧" in folder.stdout
    one = run_cli("diff", "--", f"sources/佳县-2016/{PROJECT}", cwd=repo)
    assert one.returncode == 0, one.stderr
    assert one.stdout.splitlines() == [WANTED]
    inside = run_cli("diff", "--", PROJECT, cwd=repo / "sources" / "佳县-2016")
    assert inside.returncode == 0 and inside.stdout.splitlines() == [WANTED], inside.stderr
