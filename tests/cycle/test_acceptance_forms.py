"""Issue 22 acceptance: two bureau forms that are not the shipped ones, the whole cycle as an officer
runs it in a repository of their own (tests/data/acceptance/: a 大庆 附1 form with a 7 × 3 money grid
in 万元, a 19-option 项目类别 and a 明细 with prior-year money columns; a city form with 审核意见,
its own 市财政资金 / 其他资金 rows, long 一级 labels apart from their keys, a cover table of totals
and a 进度计划 of dates).

init --form → new 项目 → template new --form (edited as Word would: a title changed, a cover table
added) → check (a wrong 合计 named at its cell, in 万元, by the form's labels) → build → diff after a
commit and an edit (the form's labels and 万元, a 明细's money too) → import of the built .docx
(rebuilds the same bytes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from conftest import ROOT, run_cli

DATA = ROOT / "tests" / "data" / "acceptance"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org",
           "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=dict(os.environ, **GIT_ENV))


def _cli(repo: Path, *args):
    return run_cli(*args, cwd=repo, env=dict(os.environ, **GIT_ENV))


def _ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _start(tmp_path: Path, bureau: str, form: str, folder: str, year: int, unit: str) -> Path:
    """A repository of the officer's own: the form in a shared folder, ``init --form``, ``new 项目``."""
    repo = tmp_path / bureau
    (repo / "sources" / "表单").mkdir(parents=True)
    _git(repo, "init", "-q")
    shutil.copy(DATA / bureau / form, repo / "sources" / "表单" / form)
    _ok(_cli(repo, "init", f"sources/{folder}", "--form", f"sources/表单/{form}", "--year", year, "--unit", unit))
    _ok(_cli(repo, "new", "项目", "第二个项目", "--in", f"sources/{folder}"))
    for skeleton in (repo / "sources" / folder).glob("0*.yaml"):
        skeleton.unlink()
    return repo


def _template(repo: Path, folder: str, name: str) -> Path:
    template = repo / "sources" / "表单" / name
    _ok(_cli(repo, "template", "new", template, "--form", f"sources/{folder}"))
    _edit(repo / "sources" / folder / "document.yaml", "# 模板: 我的表单.docx", f"模板: ../表单/{name}")
    return template


def _round_trip(repo: Path, folder: str) -> None:
    """The built .docx read back into sources builds the same bytes."""
    _ok(_cli(repo, "build", f"sources/{folder}", "--format", "docx"))
    _ok(_cli(repo, "import", f"build/{folder}.docx", "--out", "sources/导入", "--form", f"sources/{folder}"))
    _ok(_cli(repo, "build", "sources/导入", "--format", "docx"))
    assert (repo / "build" / "导入.docx").read_bytes() == (repo / "build" / f"{folder}.docx").read_bytes()


def test_daqing_form_whole_cycle(tmp_path):
    folder = "2017-绩效目标申报"
    repo = _start(tmp_path, "大庆", "大庆表单.yaml", folder, 2017, "大庆市某局")
    project = repo / "sources" / folder / "01-城区绿化养护.yaml"
    shutil.copy(DATA / "大庆" / "城区绿化养护.yaml", project)
    template = _template(repo, folder, "大庆申报表.docx")
    page = docx.Document(template)  # the officer retitles the form in Word
    title = next(p for p in page.paragraphs if p.text == "大庆市项目支出绩效目标申报表")
    title.runs[0].text = "附1  大庆市项目支出绩效目标申报表"
    page.save(template)

    _edit(project, "合计: [178.60万,", "合计: [999.99万,")
    result = _cli(repo, "check", f"sources/{folder}")
    assert result.returncode == 1
    assert (f"sources/{folder}/01-城区绿化养护.yaml:11:7 [错误] MONEY-TOTAL 项目资金情况.合计.上年度预算安排: "
            "上年度预算安排 999.99 万元 ≠ 财政拨款 150.00 万元 + 政府性基金拨款 10.00 万元 + 财政专户拨款 0.00 万元 "
            "+ 其他资金 5.00 万元 + 上年结转 13.60 万元 + 事业基金弥补差额 0.00 万元 = 178.60 万元") in result.stdout
    _edit(project, "合计: [999.99万,", "合计: [178.60万,")

    _ok(_cli(repo, "build", f"sources/{folder}", "--format", "docx,html"))
    html = (repo / "build" / f"{folder}.html").read_text(encoding="utf-8")
    assert "附1  大庆市项目支出绩效目标申报表" in html and "事业基金弥补差额" in html and "主管部门" not in html
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "申报")
    _edit(project, "财政拨款: [150.00万, 148.50万, 160.00万]", "财政拨款: [150.00万, 148.50万, 170.00万]")
    _edit(project, "本年度申请金额: 88.60万", "本年度申请金额: 98.60万")
    diff = _ok(_cli(repo, "diff")).stdout
    assert "城区绿化养护 · 项目资金情况 · 财政拨款/本年度申请金额: 160.00 万元 → 170.00 万元" in diff
    assert "本年度申请金额：〔删：8〕〔增：9〕8.60 万元" in diff and "886000" not in diff, diff
    _round_trip(repo, folder)
    imported = (repo / "sources" / "导入" / "01-城区绿化养护.yaml").read_text(encoding="utf-8")
    assert "  合计: [178.60万, 165.00万, 188.60万]" in imported  # rows of lists, in the 万元 the form prints


def test_city_form_whole_cycle(tmp_path):
    folder = "2018"
    repo = _start(tmp_path, "市局", "市局表单.yaml", folder, 2018, "市文化局")
    for name in ("非遗展演.yaml", "公共图书馆.yaml"):
        shutil.copy(DATA / "市局" / name, repo / "sources" / folder / f"0{'非公'.index(name[0]) + 1}-{name}")
    template = _template(repo, folder, "市局申报表.docx")
    page = docx.Document(template)  # a cover table typed in Word before the project forms
    first = page.paragraphs[0]
    first.insert_paragraph_before("{{ 单位名称 }} {{ 年度 }} 年项目支出汇总表")
    rows = [["序号", "项目名称", "市财政资金（万元）", "其他资金（万元）"],
            ["{%tr for 项目 in 项目列表 %}", "", "", ""],
            ["{{ 项目.序号 }}", "{{ 项目.项目名称 }}", "{{ 项目.资金.本年度.市财政资金.万元 }}",
             "{{ 项目.资金.本年度.其他资金.万元 }}"],
            ["{%tr endfor %}", "", "", ""],
            ["合计", "", "{{ 合计.资金.本年度.市财政资金.万元 }}", "{{ 合计.资金.本年度.其他资金.万元 }}"]]
    table = page.add_table(rows=len(rows), cols=4)
    for row, texts in zip(table.rows, rows):
        for cell, text in zip(row.cells, texts):
            cell.text = text
    first._p.addprevious(table._tbl)
    page.save(template)
    _ok(_cli(repo, "template", "check", template, "--form", f"sources/{folder}"))

    project = repo / "sources" / folder / "01-非遗展演.yaml"
    _edit(project, "合计: 178.60万", "合计: 999.99万")
    result = _cli(repo, "check", f"sources/{folder}")
    assert result.returncode == 1
    assert (f"sources/{folder}/01-非遗展演.yaml:8:9 [错误] MONEY-TOTAL 资金.本年度.合计: 本年度预算 999.99 万元 ≠ "
            "市财政资金 150.00 万元 + 其他资金 28.60 万元 = 178.60 万元") in result.stdout
    _edit(project, "合计: 999.99万", "合计: 178.60万")

    _ok(_cli(repo, "build", f"sources/{folder}", "--format", "docx,html"))
    html = (repo / "build" / f"{folder}.html").read_text(encoding="utf-8")
    for printed in ("产出(工作量)指标(数量、质量、成本方面的指标)", "主管部门审核意见", "230.00", "33.60"):
        assert printed in html, printed
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "申报")
    _edit(repo / "sources" / folder / "02-公共图书馆.yaml", "市财政资金: 80万", "市财政资金: 90万")
    diff = _ok(_cli(repo, "diff")).stdout
    assert "公共图书馆免费开放 · 资金 · 市财政资金: 80.00 万元 → 90.00 万元" in diff, diff
    _round_trip(repo, folder)
    imported = (repo / "sources" / "导入" / "01-非物质文化遗产展演.yaml").read_text(encoding="utf-8")
    assert "产出指标:" in imported and "产出(工作量)" not in imported  # the key, not the printed label
    assert "单位名称: 市文化局" in (repo / "sources" / "导入" / "document.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("text, expected", [("市文化局 2018 年项目支出汇总表", ("市文化局", "2018"))])
def test_two_tags_apart_by_a_space_read_back_apart(text, expected):
    from builder.cycle.formimport import _pattern

    regex, exprs = _pattern("{{ 单位名称 }} {{ 年度 }} 年项目支出汇总表")
    assert exprs == ["单位名称", "年度"] and regex.match(text).groups() == expected
