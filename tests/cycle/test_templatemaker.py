"""Templates made from the forms (issue 22): the shipped templates from their forms' 版式, a
starter laid out as a form is declared, and template check naming the field and cell of a problem."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import validator_errors

from builder.output.build import build
from builder.read.docxtext import TableRow, read_items, to_text
from conftest import ROOT, run_cli

EXAMPLES = ROOT / "examples"
JIAXIAN = EXAMPLES / "佳县-2016"


def _repo_copy(tmp_path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES, repo / "examples")
    (repo / ".git").mkdir()
    return repo / "examples"


def _use_template(folder: Path, template: str) -> None:
    document = folder / "document.yaml"
    text = document.read_text(encoding="utf-8")
    document.write_text(re.sub(r"(?m)^模板: .*$", f"模板: {template}", text), encoding="utf-8")


# ---------------------------------------------------------------- the shipped templates

def test_the_shipped_templates_are_made_again_from_their_forms_layout(tmp_path):
    from builder.cycle.templatemaker import make_shipped_templates

    written = make_shipped_templates(tmp_path)
    assert [p.name for p in written] == ["绩效目标申报.docx", "绩效自评.docx", "绩效运行监控.docx"]
    for path in written:
        assert path.read_bytes() == (ROOT / "templates" / path.name).read_bytes(), path.name


def test_make_templates_script_writes_the_same_bytes(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    shutil.copy(ROOT / "templates" / "make_templates.py", folder)
    result = subprocess.run([os.sys.executable, str(folder / "make_templates.py")], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    for name in ("绩效目标申报.docx", "绩效自评.docx"):
        assert (folder / name).read_bytes() == (ROOT / "templates" / name).read_bytes()


def test_the_maker_names_no_field_of_a_form():
    """The rows and grids of the shipped forms live in their 版式 (builder/forms/*.yaml), not in code."""
    for module in ("templatemaker.py", "templateform.py"):
        text = (ROOT / "builder" / "cycle" / module).read_text(encoding="utf-8")
        for word in ("项目资金总额", "年度资金申请总额", "当年财政拨款", "项目概述", "年初预算数", "项目性质", "p.funds"):
            assert word not in text, (module, word)


# ---------------------------------------------------------------- template new --form

@pytest.fixture(scope="module")
def jiaxian_starter(tmp_path_factory) -> tuple[Path, Path]:
    """``template new --form examples/佳县-2016`` into the examples' shared folder, and the example
    built with it."""
    tmp = tmp_path_factory.mktemp("starter")
    examples = _repo_copy(tmp)
    starter = examples / "_共用" / "新模板.docx"
    result = run_cli("template", "new", starter, "--form", examples / "佳县-2016")
    assert result.returncode == 0, result.stderr
    assert "已写出" in result.stderr and "模板" in result.stderr
    _use_template(examples / "佳县-2016", "../_共用/新模板.docx")
    out = tmp / "out"
    results, failures = build([examples / "佳县-2016"], out, use_cache=False)
    assert not failures, failures and failures[0].problems
    return starter, out / "佳县-2016.docx"


def test_the_starter_passes_template_check(jiaxian_starter):
    starter, _ = jiaxian_starter
    check = run_cli("template", "check", starter, "-q", "--form", starter.parent.parent / "佳县-2016")
    assert check.returncode == 0, check.stderr
    assert "没有发现问题" in check.stderr


def _rows(path) -> list[list[str]]:
    return [list(item.cells) for item in read_items(path) if isinstance(item, TableRow)]


def _form():
    from builder.forms.formdef import read_form

    return read_form(JIAXIAN)


def test_the_starter_is_laid_out_as_the_form_is_declared(jiaxian_starter):
    _, built = jiaxian_starter
    form = _form()
    text = to_text(built)
    assert "可用的名称" not in text  # the listing page is never built
    assert text.count(form.name) == 3 and form.name  # one form a project, titled by the form
    rows = [[c.strip() for c in row] for row in _rows(built)]
    flat = [" | ".join(row) for row in rows]
    # label/value rows as declared, labels from the form (标签), 选项 as tick boxes
    assert any(r[:2] == [form.field("项目名称").label, "红枣提质增效示范工程"] for r in rows), flat[:5]
    assert any(form.field("项目属性").label in r and any("延续项目 ☑" in c and "新增项目 □" in c for c in r)
               for r in rows), flat
    assert any(form.field("实施单位").label in r and "佳县红枣产业发展中心" in r for r in rows), flat
    assert any(form.field("计划开始日期").label in r and "2015年3月1日" in r for r in rows), flat
    # the money table as a grid, its rows and columns labelled by the form, values in its unit
    money = form.field("项目资金")
    table = money.table
    start = next(i for i, r in enumerate(rows) if r and r[0] == money.label)
    assert rows[start][2:] == [c.label for c in table.columns], rows[start]
    grid = rows[start:start + 12]  # the label merged down: the rows below have it blank
    column = table.column("年度资金申请总额")
    own = next(r for r in grid if r[1] == column.row_labels.get("自有资金", "自有资金"))
    assert own[0] == "", own
    amount = "20.00" if table.unit == "万元" else "200,000.00"
    assert own[2 + table.columns.index(column)] == amount, own
    # the 分组 with its label down the left, its fields by their labels
    group = form.field("情况说明")
    assert any(r[:2] == [group.label, form.field("情况说明.项目概述").label] for r in rows), flat
    # the 表格: a header row and one row per source row, numbered
    start = next(i for i, r in enumerate(rows) if r and r[0] == "项目实施进度计划")
    assert rows[start][1:] == ["项目实施内容", "开始时间", "完成时间"], rows[start]
    body = rows[start + 1:start + 5]  # 红枣提质增效 has three rows, then 其他说明的问题
    assert [r[1][:2] for r in body[:3]] == ["1、", "2、", "3、"] and body[0][2] == "2016年3月", body
    assert body[3][0] != "", body
    # each indicator set a grid of its own: 一级, 二级, 三级 and the form's columns
    sets = form.indicator_fields()
    assert [s.key for s in sets] == ["长期绩效指标", "年度绩效指标"]
    header = next(r for r in rows if r[0] == sets[0].label)
    assert header[1:4] == ["一级指标", "二级指标", "三级指标"]
    assert header[4:] == [c.label for c in sets[0].indicators.columns], header
    second = next(i for i, r in enumerate(rows) if r[0] == sets[1].label)
    assert rows[second + 1][:2] == ["", "产出指标"], rows[second + 1]  # merged down from the header


def test_the_starter_merges_equal_indicator_categories(jiaxian_starter):
    """【合并】 on 一级/二级: equal categories of a set become one cell (w:vMerge in the built file)."""
    import zipfile

    starter, built = jiaxian_starter
    xml = zipfile.ZipFile(built).read("word/document.xml").decode("utf-8")
    assert "【合并】" not in xml and xml.count("<w:vMerge") > 10
    report = run_cli("template", "check", starter)
    assert "【合并】" in report.stdout


def test_the_built_starter_and_the_starter_pass_the_open_xml_validator(jiaxian_starter):
    starter, built = jiaxian_starter
    assert validator_errors(starter, built) == {}


def test_a_relabelled_form_prints_its_own_labels(tmp_path):
    """Nothing of the starter comes from code: a label changed in the form is the label printed."""
    from builder.cycle.templatemaker import make_starter
    from builder.forms.formdef import read_form

    examples = _repo_copy(tmp_path)
    form_file = examples / "_共用" / "佳县表单.yaml"
    text = form_file.read_text(encoding="utf-8")
    form = read_form(form_file)
    make_starter(tmp_path / "a.docx", form=form)
    assert "项目负责人" in to_text(tmp_path / "a.docx")
    form_file.write_text(text.replace("项目负责人", "项目主持人"), encoding="utf-8")
    make_starter(tmp_path / "b.docx", form=read_form(form_file))
    assert "项目主持人" in to_text(tmp_path / "b.docx") and "项目负责人" not in to_text(tmp_path / "b.docx")


# ---------------------------------------------------------------- template check names the field and the cell

def _template_with(tmp_path, old: str, new: str) -> Path:
    """The 佳县 template with one tag changed (in the XML, as a person would type it in Word)."""
    import zipfile

    source = EXAMPLES / "_共用" / "佳县申报表.docx"
    target = tmp_path / "改过.docx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                assert old in text, old
                data = text.replace(old, new, 1).encode("utf-8")
            zout.writestr(info, data)
    return target


def test_template_check_names_the_field_and_the_cell_of_a_misspelt_money_cell(tmp_path):
    template = _template_with(tmp_path, "项目.项目资金.年度资金申请总额.自有资金.万元",
                              "项目.项目资金.年度资金申请总额.自由资金.万元")
    result = run_cli("template", "check", template, "-q", "--form", JIAXIAN)
    assert result.returncode == 1
    line = next(line for line in result.stderr.splitlines() if "自由资金" in line)
    assert re.search(r"表 \d+ 第 \d+ 行第 \d+ 列", line), line
    label = _form().label("项目资金.年度资金申请总额")
    assert f"“项目.项目资金.年度资金申请总额”是“{label}”（项目资金.年度资金申请总额），没有“自由资金”这一项" in line, line
    assert "是否应为“自有资金”" in line, line


def test_an_index_past_the_end_of_a_table_is_named_with_its_field_and_cell(tmp_path):
    """Today's message was 用到了没有定义的值“” — no name, no cell."""
    examples = _repo_copy(tmp_path)
    shared = examples / "_共用"
    template = _template_with(tmp_path, "{{ 行.项目实施内容 }}", "{{ 项目.项目实施进度计划[5].项目实施内容 }}")
    shutil.copy(template, shared / "取行.docx")
    _use_template(examples / "佳县-2016", "../_共用/取行.docx")
    check = run_cli("template", "check", shared / "取行.docx", "-q", "--form", examples / "佳县-2016")
    assert check.returncode == 0, check.stderr  # a literal index is legal: the rows are known at build time
    result = run_cli("build", examples / "佳县-2016", "--out", tmp_path / "out", "--no-cache")
    assert result.returncode == 1
    line = next(line for line in result.stderr.splitlines() if "[5]" in line)
    assert "用到了没有定义的值“”" not in result.stderr
    assert re.search(r"表 \d+ 第 \d+ 行第 \d+ 列", line), line
    assert "“项目.项目实施进度计划[5]”取第 6 行，超出了“项目实施进度计划”的末尾：第 1 个项目只有 " in line, line
    assert "共 3 个项目不够 6 行" in line, line


def test_an_index_past_the_end_while_rendering_names_the_cell():
    """The render's own error (when no check ran first) says the same, at the tag's cell."""
    from jinja2 import UndefinedError

    from builder.render.templatecheck import describe_render_error

    template = EXAMPLES / "_共用" / "佳县申报表.docx"
    message = describe_render_error(template, UndefinedError("list object has no element 0"),
                                    {"项目列表": [{"项目实施进度计划": []}]})
    assert "用到了没有定义的值“”" not in message
    assert message.startswith(f"模板 {template.name}: ") and "取了列表的第 1 项" in message, message


def test_a_money_table_of_rows_by_columns_is_a_grid_and_a_typed_table_has_typed_cells(tmp_path):
    """A 大庆-like form: 7 rows × 3 columns (行为列表) in 万元, a 表格 with 金额/日期 columns and a 合计 row."""
    from builder.cycle.templateform import derived_layout
    from builder.forms.formdef import read_form

    (tmp_path / ".git").mkdir()
    shutil.copy(ROOT / "tests" / "data" / "大庆样表单.yaml", tmp_path / "表单.yaml")
    form = read_form(tmp_path / "表单.yaml")
    layout = derived_layout(form)
    rows = next(item["表"]["行"] for item in layout if "表" in item)
    texts = [[c.get("文", c.get("循环")) for c in (r["格"] if isinstance(r, dict) else r)] if not isinstance(r, str)
             else r for r in rows]
    money = [r for r in texts if isinstance(r, list) and r[0] == "项目资金情况（万元）"]
    assert money[0][1:] == ["", "上年度预算安排", "上年度实际执行", "本年度申请金额"]
    assert [r[1] for r in money[1:]] == ["合计", "财政拨款", "政府性基金拨款", "财政专户拨款", "其他资金", "上年结转",
                                         "事业基金弥补差额"]
    assert money[2][2:] == ["{{ 项目.项目资金情况.财政拨款.%s.万元 }}" % c for c in ("上年度预算安排", "上年度实际执行",
                                                                            "本年度申请金额")]
    assert "{%tr for 行 in 项目.明细 %}" in texts
    body = texts[texts.index("{%tr for 行 in 项目.明细 %}") + 1]
    assert body[1:] == ["{{ 行.序号 }}、{{ 行.资金项目 }}", "{{ 行.上年度预算安排.万元 }}", "{{ 行.本年度申请.万元 }}",
                        "{{ 行.开始时间.中文 }}"]
    total = texts[texts.index("{%tr for 行 in 项目.明细 %}") + 3]
    assert total[1:] == ["合计", "{{ 项目.合计.明细.上年度预算安排.万元 }}", "{{ 项目.合计.明细.本年度申请.万元 }}", ""]
    assert any(r[:2] == ["项目分类", "{{ 项目.项目分类.选框 }}"] for r in texts if isinstance(r, list))
