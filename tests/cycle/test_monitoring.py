"""The shipped 绩效运行监控 form (builder/forms/绩效运行监控.yaml, templates/绩效运行监控.docx):
``new 绩效运行监控 --from <申报> --as-of``, the example built and read back from the .docx, import
of the built file, the months of the headings following 监控日期, 比率列 and 勾选 of the language."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import docx
import pytest

from helpers import validator_errors

from builder.load.loader import load_document
from builder.model import core as m
from tests.conftest import ROOT, TARGET_SOURCES, run_cli

EXAMPLE = ROOT / "examples" / "2025-绩效运行监控"
FUNDS, GOAL, INDICATORS = "项目资金", "年度总体目标", "绩效指标"


def _tables(path: Path) -> list[list[list[str]]]:
    """Every table of a .docx as rows of cell texts (a merged cell once per grid column it spans)."""
    return [[[cell.text.strip() for cell in row.cells] for row in table.rows] for table in docx.Document(str(path)).tables]


def _paragraphs(path: Path) -> list[str]:
    return [p.text.strip() for p in docx.Document(str(path)).paragraphs]


def _build(folder: Path, out: Path, formats: str = "docx") -> Path:
    result = run_cli("build", folder, "--out", out, "--format", formats)
    assert result.returncode == 0, result.stderr
    return out / f"{folder.name}.docx"


def _row(table: list[list[str]], first: str) -> list[str]:
    """The row holding the text ``first``."""
    return next(row for row in table if first in row)


def _after(table: list[list[str]], label: str, count: int = 4) -> list[str]:
    """The ``count`` cells after the cell ``label`` in its row."""
    row = _row(table, label)
    return row[row.index(label) + 1:row.index(label) + 1 + count]


@pytest.fixture(scope="module")
def target():
    loaded = load_document(TARGET_SOURCES)
    assert loaded.document is not None
    return loaded.document


@pytest.fixture(scope="module")
def drafted(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("monitor") / "2025-绩效运行监控"
    result = run_cli("new", "绩效运行监控", "--from", TARGET_SOURCES, "--as-of", "2025-07-31", "--out", out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def example_docx(tmp_path_factory) -> Path:
    return _build(EXAMPLE, tmp_path_factory.mktemp("example"), "docx,xlsx,html")


# ---------------------------------------------------------------- new 绩效运行监控 --from

def test_new_carries_the_targets_and_leaves_the_monitoring_blank(drafted, target):
    text = (drafted / "document.yaml").read_text(encoding="utf-8")
    assert "文档类型: 绩效运行监控" in text and "监控日期: 2025-07-31" in text
    first = next(drafted.glob("01-*.yaml")).read_text(encoding="utf-8")
    assert first.startswith("# 由 budgetdoc new 从 2025 年绩效目标申报生成的 2025 年绩效运行监控（截至2025年7月31日）。")
    assert "待填写：项目资金的执行数、全年预计执行数（每行第 2、3 个值）" in first
    # not loadable until 执行情况 (必填) is written: each project's place is reported, nothing else
    result = run_cli("check", drafted)
    assert result.returncode == 1
    problems = [line for line in result.stdout.splitlines() + result.stderr.splitlines() if "[错误]" in line]
    assert len(problems) == len(target.projects)
    assert all("总体目标监控.执行情况: 不能为空" in line for line in problems)


def _filled(drafted: Path, out: Path) -> Path:
    """The draft with 执行情况 written and the first row's 执行数 / 全年预计执行数 filled in."""
    shutil.copytree(drafted, out)
    for path in out.glob("[0-9]*.yaml"):
        text = path.read_text(encoding="utf-8").replace("  执行情况: null", "  执行情况: 按计划推进。")
        text = re.sub(r"(年度资金总额: \[)([0-9.]+), null, null\]", r"\1\2, 100000.00, \2]", text)
        text = re.sub(r"(当年财政拨款: \[)([0-9.]+), null, null\]", r"\1\2, 100000.00, \2]", text)
        path.write_text(text, encoding="utf-8")
    return out


def test_new_then_fill_then_build(drafted, target, tmp_path):
    folder = _filled(drafted, tmp_path / "填写")
    loaded = load_document(folder)
    assert not loaded.errors, [p.format() for p in loaded.problems]
    document = loaded.document
    assert document.kind == m.MONITOR_KIND and str(document.values["监控日期"]) == "2025-07-31"
    assert [p.name for p in document.projects] == [p.name for p in target.projects]
    for project, source in zip(document.projects, target.projects):
        funds = project.get(FUNDS)
        assert funds.get("年度资金总额.年初预算数") == source.role("年度金额")
        assert funds.get("当年财政拨款.年初预算数") == source.role("本年财政拨款")
        assert project.get(GOAL) == tuple(source.role("年度目标") or source.role("总目标"))
        assert [(i.level1, i.level2, i.name, i.target.text) for i in project.indicators] == \
            [(i.level1, i.level2, i.name, i.target.text) for i in source.indicators]
        assert all(i.extra.get("全年预计") is None for i in project.indicators)
    built = _build(folder, tmp_path / "out")
    first = _tables(built)[1]
    assert "1—7月执行数" in _row(first, "年初预算数") and "1—7月执行率" in _row(first, "年初预算数")
    budget = target.projects[0].role("年度金额")
    rate = (Decimal("100000") / budget * 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert _after(first, "年度资金总额") == [f"{budget / 10000:.2f}", "10.00", f"{rate}%", f"{budget / 10000:.2f}"]


def test_as_of_must_fall_in_the_year(tmp_path):
    result = run_cli("new", "绩效运行监控", "--from", TARGET_SOURCES, "--as-of", "2024-07-31", "--out", tmp_path / "x")
    assert result.returncode == 1 and "监控日期 2024-07-31 不在申报的年度 2025 年内" in result.stderr
    assert not (tmp_path / "x").exists()
    result = run_cli("new", "绩效运行监控", "--from", TARGET_SOURCES, "--out", tmp_path / "y")
    assert result.returncode == 2 and "缺少选项 --as-of" in result.stderr


# ---------------------------------------------------------------- the example, read back from the .docx

def test_example_is_marked_and_checks_clean():
    assert "监控数据为虚构" in (EXAMPLE / "document.yaml").read_text(encoding="utf-8")
    result = run_cli("check", EXAMPLE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[错误]" not in result.stdout + result.stderr


def test_example_docx_holds_the_values(example_docx):
    document = load_document(EXAMPLE).document
    paragraphs = _paragraphs(example_docx)
    assert paragraphs.count("项目支出绩效目标执行监控表") == len(document.projects)
    assert "截至2025年7月31日" in paragraphs and "填报单位：上海市松江区科创发展办公室" in paragraphs
    tables = _tables(example_docx)[1:]  # the summary first
    assert len(tables) == 2 * len(document.projects)
    for n, project in enumerate(document.projects):
        funds_table, indicator_table = tables[2 * n], tables[2 * n + 1]
        assert _after(funds_table, "项目名称", 1) == [project.name]
        funds = project.get(FUNDS)
        for key, label in (("年度资金总额", "年度资金总额"), ("当年财政拨款", "1.当年财政拨款")):
            budget, spent, forecast = (funds.get(f"{key}.{c}") for c in ("年初预算数", "执行数", "全年预计执行数"))
            rate = f"{(spent / budget * 100).quantize(Decimal('0.01'), rounding='ROUND_HALF_UP')}%" if budget else "—"
            assert _after(funds_table, label) == [f"{budget / 10000:.2f}", f"{spent / 10000:.2f}", rate,
                                                      f"{forecast / 10000:.2f}"]
        goal = "\n".join(project.get(GOAL))
        assert _row(funds_table, goal)[0] == "年度总体目标"
        header = indicator_table[1]
        assert header[6:11] == ["经费保障", "制度保障", "人员保障", "硬件条件保障", "其他"]
        assert "1—7月执行情况" in header
        rows = indicator_table[2:]
        assert [r[2] for r in rows] == [i.name for i in project.indicators]
        for row, indicator in zip(rows, project.indicators):
            assert row[3] == indicator.target.text and row[4] == indicator.extra["执行情况"]
            assert row[5] == indicator.extra["全年预计"].text
            for cell, cause in zip(row[6:11], ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")):
                written = indicator.extra[cause]
                assert cell == (f"☑{written}" if written else "□")
            assert row[11] == indicator.extra["完成可能性"]
    ticked = [cell for table in tables for row in table for cell in row if cell.startswith("☑")]
    assert "☑资金到位较晚" in ticked


def test_summary_lists_every_project_with_the_rules_light(example_docx):
    from builder.check.monitor import off_track, pace
    from builder.check.profile import rule_settings

    document = load_document(EXAMPLE).document
    settings = rule_settings(document)
    summary = _tables(example_docx)[0]
    assert summary[0] == ["序号", "项目名称", "年初预算数", "1—7月执行数", "1—7月执行率", "时序进度", "进度灯", "偏离目标的指标数"]
    rows = summary[1:-1]
    assert len(rows) == len(document.projects)
    lights = []
    for n, (row, project) in enumerate(zip(rows, document.projects), start=1):
        found = pace(document, project, settings)
        funds = project.get(FUNDS)
        assert row == [str(n), project.name, f"{funds.get('年度资金总额.年初预算数') / 10000:.2f}",
                       f"{funds.get('年度资金总额.执行数') / 10000:.2f}", found.rate_text, "58.33%", found.light,
                       str(len(off_track(document, project)))]
        lights.append(found.light)
    assert {"绿", "黄", "红"} <= set(lights)  # the example shows every light
    # the 黄/红 projects are the ones check reports (MON-PACE)
    result = run_cli("check", EXAMPLE)
    paced = [line for line in result.stdout.splitlines() + result.stderr.splitlines() if "MON-PACE" in line]
    assert len(paced) == sum(light in ("黄", "红") for light in lights)
    total = sum(p.get(FUNDS).get("年度资金总额.年初预算数") for p in document.projects)
    assert summary[-1][0] == "合计" and f"{total / 10000:.2f}" in summary[-1]


def test_example_html_and_workbook_show_the_form(example_docx):
    html = example_docx.with_suffix(".html").read_text(encoding="utf-8")
    assert "项目支出绩效目标执行监控表" in html and "1—7月执行数" in html and "☑资金到位较晚" in html
    import openpyxl

    book = openpyxl.load_workbook(example_docx.with_suffix(".xlsx"))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert "项目名称" in headers and any(h and "执行数" in h for h in headers)
    assert headers[-4:] == ["执行率", "时序进度", "灯", "偏离指标数"]
    fills = {"绿": "00C6EFCE", "黄": "00FFEB9C", "红": "00FFC7CE"}
    document = load_document(EXAMPLE).document
    lights = [row[-2] for row in sheet.iter_rows(min_row=2, max_row=1 + len(document.projects))]
    assert {cell.value for cell in lights} == set(fills)
    assert all(cell.fill.start_color.rgb == fills[cell.value] for cell in lights)
    rates = [row[-4].value for row in sheet.iter_rows(min_row=2, max_row=1 + len(document.projects))]
    assert rates[0] == 0.52 and sheet.cell(row=2, column=len(headers) - 3).number_format == "0.00%"


def test_months_follow_the_monitoring_date(tmp_path):
    folder = tmp_path / "九月"
    shutil.copytree(EXAMPLE, folder)
    text = (folder / "document.yaml").read_text(encoding="utf-8")
    (folder / "document.yaml").write_text(text.replace("监控日期: 2025-07-31", "监控日期: 2025-09-30"), encoding="utf-8")
    built = _build(folder, tmp_path / "out")
    assert "截至2025年9月30日" in _paragraphs(built)
    first = _tables(built)[1]
    assert "1—9月执行数" in _row(first, "年初预算数") and "1—9月执行情况" in _tables(built)[2][0]
    assert not any("1—7月" in cell for table in _tables(built) for row in table for cell in row)


def test_import_of_the_built_docx_reads_back_identical(example_docx, tmp_path):
    out = tmp_path / "导入"
    result = run_cli("import", example_docx, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "请核对" not in result.stderr and "未导入" not in result.stderr
    before, after = run_cli("context", EXAMPLE), run_cli("context", out)
    assert before.returncode == after.returncode == 0
    assert after.stdout == before.stdout
    rebuilt = _build(out, tmp_path / "再生成")
    assert rebuilt.read_bytes() == example_docx.read_bytes()


def test_validator_finds_no_errors(example_docx):
    assert validator_errors(example_docx, ROOT / "templates" / "绩效运行监控.docx") == {}


# ---------------------------------------------------------------- the language: 比率列, 勾选

def test_ratio_is_rounded_half_up():
    from builder.render.derived import ratio_text

    assert ratio_text(Decimal("12345"), Decimal("100000")) == "12.35%"  # 12.345%: 四舍五入, not to even
    assert ratio_text(Decimal("1"), Decimal("3")) == "33.33%"
    assert ratio_text(Decimal("5"), Decimal("0")) == "—" and ratio_text(None, Decimal("5")) == ""


def test_ratio_column_naming_no_column_is_located(tmp_path):
    form = (ROOT / "builder" / "forms" / "绩效运行监控.yaml").read_text(encoding="utf-8")
    bad = form.replace("执行率: {分子: 执行数, 分母: 年初预算数}", "执行率: {分子: 执行书, 分母: 年初预算数}")
    assert bad != form
    (tmp_path / "表单.yaml").write_text(bad, encoding="utf-8")
    result = run_cli("schema", "--form", tmp_path / "表单.yaml")
    assert result.returncode == 1
    line = next(l for l in result.stderr.splitlines() if "比率列" in l)
    assert re.search(r"表单\.yaml:\d+:\d+ .*项目资金\.比率列\.执行率\.分子: “执行书”不是本表的列，是否应为“执行数”？", line), line
