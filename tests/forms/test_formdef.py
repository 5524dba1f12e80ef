"""The form language (issue 22): the shipped forms and 佳县 as data, located errors, roles."""

from __future__ import annotations

from decimal import Decimal as D

import textwrap
from pathlib import Path

import pytest

from builder.forms.formdef import parse_form, read_form, shipped_form
from builder.forms.formvalues import MoneyValues
from builder.load.loader import load_document
from builder.model.schema import Context
from builder.read.errors import InputError, Problems
from builder.read.syntax import parse
from conftest import ROOT

DATA = Path(__file__).parent.parent / "data"
TARGET, EVALUATION = "绩效目标申报", "绩效自评"


def _parse(text: str, kind: str = TARGET):
    path = Path("/tmp/表单.yaml")
    problems = Problems()
    root = parse(path, textwrap.dedent(text).encode("utf-8"), problems)
    assert not problems.items
    form = parse_form(root, Context(problems), "", path, kind)
    return form, [p.format().replace(str(path), "F") for p in problems.items]


# ---------------------------------------------------------------- the shipped forms and 佳县 parse

@pytest.mark.parametrize("kind", [TARGET, EVALUATION])
def test_the_shipped_forms_are_read_by_the_same_code_with_no_problem(kind):
    path = ROOT / "builder" / "forms" / f"{kind}.yaml"
    form, problems = _parse(path.read_text(encoding="utf-8"), kind)
    assert problems == []
    assert form.kind == kind and form.english and form.layout
    assert shipped_form(kind).shipped
    assert shipped_form(kind).role_path("名称") == "项目名称"


def test_the_jiaxian_form_in_the_complete_language_parses_with_its_own_fields():
    form = read_form(DATA / "佳县-完整.yaml")
    assert form.unit == "万元" and not form.legacy
    table = form.money_tables()[0].table
    assert [c.label for c in table.cells()] == ["项目资金申请", "财政拨款", "自有资金", "事业收入", "经营性收入", "其他"]
    assert form.role_path("年度金额") == "项目资金.年度资金申请总额.合计"
    assert form.role_path("项目总额") is None  # 佳县 has no whole-project column: FUND-SINGLE-YEAR stays silent
    assert form.groups == ("长期绩效指标", "年度绩效指标")
    assert form.categories("成本") == {("产出指标", "成本指标")}
    assert form.label("计划开始日期") == "开始时间" and form.label("实施单位") == "项目实施单位"
    evaluation = form.evaluation
    assert evaluation.kind == EVALUATION and "项目属性" in [s.key for s in evaluation.walk()]
    assert evaluation.framework_map == form.framework_map  # the 自评 evaluates the 申报's indicators


LEGACY_JIAXIAN = ROOT / "tests" / "data" / "佳县表单-旧.yaml"  # the 佳县 form as a legacy edit (before issue 22)


def test_a_legacy_edit_expands_into_a_complete_form():
    form = read_form(LEGACY_JIAXIAN)
    assert form.legacy and form.groups == ("长期绩效指标", "年度绩效指标")
    table = form.money_tables()[0].table
    annual = [c.row for c in table.column_cells("年度资金申请总额")]
    assert annual[-3:] == ["自有资金", "事业收入", "经营性收入"]
    assert not table.column("项目资金总额").required
    assert form.field("情况说明.实施主体").required is False
    assert form.field("情况说明.项目申报的可行性").kind == "段落"
    assert [s.key for s in form.level("项目")][:2] == ["项目属性", "主管部门编码"]
    assert form.categories("成本") == {("产出指标", "成本指标")}


# ---------------------------------------------------------------- errors, located

FORM = """\
名称: 表
项目:
  名: {类型: 文本, 角色: 名称}
  钱:
    类型: 金额表
    行:
      合计: {合计: true}
      甲: {}
    列:
      年度: {}
"""


@pytest.mark.parametrize("change, expected", [
    (("名称: 表", "名称: 表\n指标题系: {}"), "F:2:1 指标题系: 未知的键“指标题系”，是否应为“指标体系”？"),
    (("{类型: 文本, 角色: 名称}", "{类型: 文字, 角色: 名称}"), "F:3:11 项目.名: 未知的字段类型“文字”，是否应为“文本”？"),
    (("角色: 名称}", "角色: 名字}"), "F:3:19 项目.名.角色: 未知的角色“名字”，是否应为“名称”？"),
    (("    列:", "    角色: {年度金额: 年度.合讦}\n    列:"),
     "项目.钱.角色.年度金额: “年度.合讦”不是本表的单元格，是否应为“年度.合计”？"),
    (("      甲: {}", "      甲: {合计: true}"), "项目.钱.行: 只能有一行是合计（这里有：合计、甲）"),
    (("角色: 名称}", "角色: 复制检查}"), "项目: 表单中要有一个角色为“名称”的文本字段"),
    (("名称: 表", "名称: 表\n不用: [甲]"), "F:2:1 不用: 完整的表单在“项目:”中写出每个字段，不用“不用”"),
    (("  名: {", "  年度: {类型: 整数}\n  名: {"), "F:3:3 项目.年度: “年度”是通用的键，表单不能再定义"),
    (("    列:", "    关系: [{左: 年度.合计, 比较: ≤, 右: 年度.乙}]\n    列:"),
     "项目.钱.关系[1].右: “年度.乙”不是本表的单元格"),
])
def test_every_problem_of_a_form_file_is_reported_at_its_place(change, expected):
    form, problems = _parse(FORM.replace(*change))
    assert form is None
    assert any(expected in p for p in problems), problems


def test_a_role_given_twice_and_a_shorthand_naming_no_column_are_errors():
    text = FORM + "  别名: {类型: 文本, 角色: 名称}\n  指: {类型: 指标, 简写: 值, 列: {指标值: 指标值}}\n"
    form, problems = _parse(text)
    assert any("角色“名称”已给了“名”" in p for p in problems), problems
    assert any("项目.指.简写: “值”不是本指标的列，是否应为“指标值”？" in p for p in problems), problems


def test_read_form_raises_every_problem_located(tmp_path):
    path = tmp_path / "表单.yaml"
    path.write_text(FORM.replace("类型: 金额表", "类型: 钱表"), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_form(path)
    assert "未知的字段类型“钱表”" in str(raised.value.problems[0].message)


# ---------------------------------------------------------------- roles on the loaded projects

def _source(project) -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(project.source.read_text(encoding="utf-8"))


def _money(text) -> D:
    text = str(text)
    return (D(text[:-1]) * 10000 if text.endswith("万") else D(text)).quantize(D("0.01"))


def test_roles_of_the_shipped_target_projects_are_the_values_written():
    document = load_document(ROOT / "sources" / "2025-绩效目标申报").document
    assert len(document.projects) == 10
    for project in document.projects:
        written = _source(project)
        assert project.form is shipped_form(TARGET)
        assert project.role("名称") == project.name == written["项目名称"]
        assert project.role("开始日期") == written["计划开始日期"] and project.role("完成日期") == written["计划完成日期"]
        annual = written["项目资金"]["年度资金申请总额"]
        assert project.role("年度金额") == _money(annual["合计"]) if annual.get("合计") is not None else True
        assert project.role("本年财政拨款") == (_money(annual["当年财政拨款"]) if annual.get("当年财政拨款") is not None else None)
        assert project.get("情况说明.项目概述") == tuple(written["情况说明"]["项目概述"].split("\n"))
        assert project.get("绩效指标") == project.indicators and len(project.indicators) > 3
        assert project.label("项目资金.年度资金申请总额.合计") == "年度资金申请总额"


def test_roles_of_the_shipped_evaluation_projects_parents_included():
    document = load_document(ROOT / "sources" / "2023-绩效自评").document
    parents = [p for p in document.projects if p.parts]
    assert len(parents) == 1
    by_stem = {p.stem: p for p in document.projects}
    for project in document.projects:
        written = _source(project)
        assert project.role("名称") == project.name == written["项目名称"]
        assert project.role("执行分值") == D(str(written["预算执行分值"]))
        if not project.parts:
            budget, spent = written["项目资金"]["年度资金总额"][1:]
            assert project.role("预算数") == _money(budget) and project.role("执行数") == _money(spent)
            assert project.get("预期目标") == tuple(written["预期目标"].split("\n"))
    parent = parents[0]
    assert "项目资金" not in _source(parent)  # a parent's money is its parts' sum
    for row in ("年度资金总额", "当年财政拨款", "上年结转资金", "其他资金"):
        for column in ("年初预算数", "全年预算数", "全年执行数"):
            cells = [by_stem[s].get(f"项目资金.{row}.{column}") for s in parent.parts]
            expected = sum((c for c in cells if c is not None), D(0)) if any(c is not None for c in cells) else None
            assert parent.get(f"项目资金.{row}.{column}") == expected, (row, column)


def test_the_complete_jiaxian_projects_have_their_form_and_values():
    document = load_document(ROOT / "examples" / "佳县-2016").document
    for project in document.projects:
        written = _source(project)["项目资金"]["年度资金申请总额"]
        assert project.form is document.form and not project.form.legacy and not project.form.shipped
        rows = sum((_money(v) for k, v in written.items() if k != "合计" and v is not None), D(0))
        assert project.role("年度金额") == project.get("项目资金.年度资金申请总额.合计") == rows  # written or computed
        assert project.role("项目总额") is None  # the form has no whole-project column
        assert project.get("项目资金.年度资金申请总额.自有资金") == (_money(written["自有资金"]) if "自有资金" in written else None)
        assert project.get("长期绩效指标") == project.indicator_sets["长期绩效指标"]
    first = document.projects[0]
    assert first.role("年度金额") == D("1587600.00") and first.get("项目资金.年度资金申请总额.自有资金") == D("200000.00")


def test_the_legacy_jiaxian_projects_have_their_form_and_values(tmp_path):
    import shutil

    shutil.copytree(ROOT / "examples", tmp_path / "repo" / "examples")
    (tmp_path / "repo" / ".git").mkdir()
    shutil.copy(LEGACY_JIAXIAN, tmp_path / "repo" / "examples" / "_共用" / "佳县表单.yaml")
    document = load_document(tmp_path / "repo" / "examples" / "佳县-2016").document
    for project in document.projects:
        written = _source(project)
        assert project.form.legacy
        annual = written["项目资金"]["年度资金申请总额"]
        assert project.role("年度金额") == sum((_money(v) for k, v in annual.items() if k != "合计" and v is not None), D(0))
        assert project.get("项目资金.年度资金申请总额.自有资金") == (_money(annual["自有资金"]) if "自有资金" in annual else None)
        assert project.get("项目属性") == written["项目属性"]
        assert project.get("长期绩效指标") == project.indicator_sets["长期绩效指标"]


def test_money_values_compute_a_blank_total_and_sum_parts():
    table = shipped_form(TARGET).money_tables()[0].table
    values = MoneyValues.from_converted(table, {
        "项目资金总额": {"合计": None, "财政资金": 5, "其他资金": None, "_locs": {"财政资金": 0}},
        "年度资金申请总额": {"合计": 9, "当年财政拨款": 3, "上年结转资金": None, "其他资金": None, "_locs": {"合计": 0}}})
    assert values.get("项目资金总额.合计") == 5 and values.get("年度资金申请总额.合计") == 9
    assert values.written == {"项目资金总额.财政资金", "年度资金申请总额.合计"}
    summed = MoneyValues.summed([values, values])
    assert summed.get("项目资金总额.合计") == 10 and summed.get("项目资金总额.其他资金") is None


def test_derived_values_exist_where_the_form_declares_their_roles():
    from builder.forms.derived import derived_for

    target = {d.chinese for d in derived_for(shipped_form(TARGET))}
    evaluation = {d.chinese for d in derived_for(shipped_form(EVALUATION))}
    assert "跨年度" in target and "预算执行" not in target
    assert {"预算执行", "总分", "等级"} <= evaluation and "跨年度" not in evaluation


# ---------------------------------------------------------------- the schemas made from the form

def _converted(schema, node):
    problems = Problems()
    value = schema.convert(node, Context(problems), "")

    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items()}
        return [strip(x) for x in v] if isinstance(v, (list, tuple)) else v
    return strip(value), [p.format() for p in problems.items]


@pytest.mark.parametrize("folder, kind", [("sources/2025-绩效目标申报", TARGET), ("sources/2023-绩效自评", EVALUATION)])
def test_the_shipped_forms_schemas_convert_and_report_exactly_as_the_built_in_ones(folder, kind):
    from todays_schemas import SCHEMAS

    mutations = [("", ""), ("项目性质:", "项目性值:"), ("计划开始日期: ", "计划开始日期: x"), ("合计: ", "合计: abc"),
                 ("产出指标:", "产出指标X:"), ("项目概述:", "项目概:"), ("数量指标:", "质量指标:"),
                 ("年度资金总额: [", "年度资金总额: [1, "), ("二级构成:", "二级构成: 3 #")]
    schema = shipped_form(kind).project_schema()
    for path in sorted((ROOT / folder).glob("0*.yaml")):
        text = path.read_text(encoding="utf-8")
        for old, new in mutations:
            if old not in text:
                continue
            problems = Problems()
            node = parse(path, text.replace(old, new, 1).encode("utf-8"), problems)
            assert _converted(schema, node) == _converted(SCHEMAS[kind], node), (path.name, old)


