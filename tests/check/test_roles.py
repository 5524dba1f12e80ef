"""Rules follow the form (issue 22): a rule runs where the document's form declares the roles it
needs and is silent where it does not; money tables are checked from what the form declares (合计
rows, relations), the findings carrying the id the form gives and the form's labels."""

from __future__ import annotations

import os


from builder.check import checks  # noqa: F401  (registers every rule)
from builder.output.build import check
from builder.check.rules import RULES
from helpers import rule_line, write_document

# a 大庆 附1-like form: 项目资金情况 is 7 rows × 3 columns, 合计 = Σ rows in every column
DAQING_FORM = """\
名称: 大庆市项目支出绩效目标申报表
文档类型: 绩效目标申报
单位: 万元
指标体系:
  产出指标: [数量指标]
  效益指标: [社会效益指标]
项目:
  项目名称: {类型: 文本, 必填: true, 角色: [名称, 年度文字]}
  开始时间: {类型: 日期, 必填: true%(start_role)s}
  结束时间: {类型: 日期, 必填: true%(end_role)s}
  项目资金情况:
    类型: 金额表
    标签: 项目资金情况（万元）
    写法: 行为列表
    单位: 万元
    行:
      合计: {合计: true}
      财政拨款: {}
      政府性基金拨款: {}
      财政专户拨款: {}
      其他资金: {}
      上年结转: {}
      事业基金弥补差额: {}
    列:
      上年度预算安排: {}
      上年度实际执行: {}
      本年度申请金额: {}
    合计: {不写时: 计算}
    关系:
      - {左: 合计.上年度实际执行, 比较: ≤, 右: 合计.上年度预算安排%(relation_rule)s}
    角色:
      年度金额: 合计.本年度申请金额
  绩效指标:
    类型: 指标
    必填: true
    简写: 指标值
    角色: 目标设定
    列:
      指标值: {类型: 指标值, 必填: true, 角色: 目标值}
"""

DAQING_DOCUMENT = "文档类型: 绩效目标申报\n年度: 2025\n单位名称: 大庆测试单位\n表单: _大庆表单.yaml\n"

# rows summing to 178.60 in every column; the 合计 row as a person typed it
DAQING_PROJECT = """\
项目名称: 城市道路维护
开始时间: 2025-12-31
结束时间: 2025-01-01
项目资金情况:
  合计: [999.99万, 170万, 178.60万]
  财政拨款: [100万, 100万, 100万]
  政府性基金拨款: [20万, 20万, 20万]
  财政专户拨款: [10万, 10万, 10万]
  其他资金: [8.60万, 8.60万, 8.60万]
  上年结转: [30万, 30万, 30万]
  事业基金弥补差额: [10万, 10万, 10万]
绩效指标:
  产出指标:
    数量指标:
      维护道路: ≥10(公里)
  效益指标:
    社会效益指标:
      通行条件: 改善
"""


# Through the loader: the form is a file of the document folder, named with a leading _ so that it is
# not read as a project (docs/sources.md: files starting with _ are not read as sources).


def _daqing(tmp_path, project=DAQING_PROJECT, start_role="", end_role="", relation_rule=""):
    form = DAQING_FORM % {"start_role": start_role, "end_role": end_role, "relation_rule": relation_rule}
    folder = write_document(tmp_path / "doc", {"01-道路.yaml": project, "_大庆表单.yaml": form}, DAQING_DOCUMENT)
    _, problems = check([folder])
    return folder, problems


def _lines(folder, problems, rule_id=None):
    return [rule_line(p).replace(str(folder) + os.sep, "") for p in problems if rule_id in (None, p.rule)]


def test_every_rule_declares_the_roles_it_needs():
    assert all(isinstance(r.needs, tuple) for r in RULES)
    # a rule comparing two documents (check --against) reads what the form takes from the 申报 (来自申报)
    assert {r.id for r in RULES if not r.needs and not r.declared and not r.against} <= {"MONEY-TOTAL", "MONEY-RELATION", "PLACEHOLDER", "BIDI-CONTROL",
                                                    "SKELETON", "YEAR-STALE", "DOC-SUMMARY", "FUND-SMALL"}


def test_a_written_total_against_its_rows_is_an_error_at_the_total_cell_with_the_forms_labels(tmp_path):
    folder, problems = _daqing(tmp_path)
    totals = [p for p in problems if p.rule == "MONEY-TOTAL"]
    assert len(totals) == 2, _lines(folder, problems)  # 上年度预算安排 (999.99) and 上年度实际执行 (170); 本年度 adds up
    first = totals[0]
    assert first.severity == "错误"
    assert (first.location.file.name, first.location.line) == ("01-道路.yaml", 5)
    assert first.field.startswith("项目资金情况.合计")
    for word in ("上年度预算安排", "999.99 万元", "财政拨款", "政府性基金拨款", "财政专户拨款", "其他资金", "上年结转",
                 "事业基金弥补差额", "178.60 万元"):
        assert word in first.message, first.message
    assert "上年度实际执行" in totals[1].message and "170.00 万元" in totals[1].message


def test_a_total_left_out_is_computed_without_a_finding(tmp_path):
    project = DAQING_PROJECT.replace("  合计: [999.99万, 170万, 178.60万]\n", "")
    folder, problems = _daqing(tmp_path, project)
    assert not [p for p in problems if not p.rule], _lines(folder, problems)  # the form and project load
    assert _lines(folder, problems, "MONEY-TOTAL") == []


def test_a_declared_relation_spent_within_budget_gives_a_finding(tmp_path):
    project = DAQING_PROJECT.replace("  合计: [999.99万, 170万, 178.60万]\n", "").replace(
        "  财政拨款: [100万, 100万, 100万]", "  财政拨款: [100万, 120万, 100万]")
    folder, problems = _daqing(tmp_path, project)
    relation = [p for p in problems if p.rule == "MONEY-RELATION"]
    assert len(relation) == 1, _lines(folder, problems)
    assert "上年度实际执行" in relation[0].message and "上年度预算安排" in relation[0].message
    assert "198.60 万元" in relation[0].message and "178.60 万元" in relation[0].message
    # the id the form declares is the finding's id (忽略: and rule profiles name it)
    folder, problems = _daqing(tmp_path / "own", project, relation_rule=", 规则: SPENT-WITHIN-BUDGET, 级别: 警告")
    assert [(p.rule, p.severity) for p in problems if "上年度实际执行" in p.message] == [("SPENT-WITHIN-BUDGET", "警告")]


def test_date_rules_are_silent_without_the_date_roles_and_use_the_forms_labels_with_them(tmp_path):
    folder, problems = _daqing(tmp_path)  # 开始时间 after 结束时间, but the form gives them no role
    assert not [p for p in problems if p.rule.startswith("DATE-") or p.rule in ("FUND-SINGLE-YEAR", "GOAL-ANNUAL")]
    folder, problems = _daqing(tmp_path / "roles", start_role=", 角色: 开始日期", end_role=", 角色: 完成日期")
    assert _lines(folder, problems, "DATE-ORDER") == [
        "01-道路.yaml:3:7 [错误] DATE-ORDER 结束时间 2025-01-01 早于开始时间 2025-12-31",
    ]


def test_rules_of_roles_the_form_lacks_stay_silent(tmp_path):
    """Plant every slip the 大庆 form can hold: only rules whose roles it declares report."""
    project = (DAQING_PROJECT.replace("维护道路: ≥10(公里)", "维护道路: ≥10")  # IND-UNIT (目标值: declared)
               .replace("通行条件: 改善", "通行条件: 改善\n      运行成本: ≥130(人/天)"))
    folder, problems = _daqing(tmp_path, project)
    declared = {"名称", "年度文字", "目标值", "目标设定", "年度金额"}
    needs = {r.id: r.needs for r in RULES}
    reported = {p.rule for p in problems}
    assert "IND-UNIT" in reported  # 目标值 is declared
    assert "IND-COST-UNIT" not in reported  # no 成本 category in this form
    for rule_id in reported & set(needs):
        assert set(needs[rule_id]) <= declared, rule_id


# ---------------------------------------------------------------- the rules over the form's model (step A)
# The same 大庆 form, read by the form reader; its project as the model holds it (values by key, money
# tables as MoneyValues): the rules are the real ones. (The tests above go through the loader.)

from dataclasses import dataclass, field  # noqa: E402
from decimal import Decimal as D  # noqa: E402
from pathlib import Path  # noqa: E402

from builder.check.rules import run_checks  # noqa: E402
from builder.forms.formdef import read_form  # noqa: E402
from builder.forms.formvalues import MoneyValues  # noqa: E402
from builder.model import core as m  # noqa: E402
from builder.read.errors import Location  # noqa: E402

W = D(10000)
COLUMNS = ("上年度预算安排", "上年度实际执行", "本年度申请金额")


@dataclass(frozen=True)
class _Project(m.FormAccess):
    """A project as the generic model holds it: its form, its values by key, where each was written."""

    form: object
    values: dict
    source: Path
    locations: dict = field(default_factory=dict)
    indicators: tuple = ()
    waivers: tuple = ()
    stem: str = "01-道路"
    name: str = "城市道路维护"

    def location(self, key: str) -> Location:
        while key not in self.locations and "." in key:
            key = key.rsplit(".", 1)[0]
        return self.locations.get(key, Location(self.source))


def _model(tmp_path, rows: dict, start_role="", end_role="", relation_rule="", dates=("2025-12-31", "2025-01-01"),
           levels=None, waivers=()):
    import datetime as dt

    path = tmp_path / "大庆表单.yaml"
    path.write_text(DAQING_FORM % {"start_role": start_role, "end_role": end_role, "relation_rule": relation_rule},
                    encoding="utf-8")
    form = read_form(path)
    table = form.field("项目资金情况").table
    source = tmp_path / "01-道路.yaml"
    cells, written, locations = {}, set(), {}
    for line, (row, values) in enumerate(rows.items(), start=5):
        locations[f"项目资金情况.{row}"] = Location(source, line, 3)
        for column, value in zip(COLUMNS, values):
            address = table.address(row, column)
            cells[address] = None if value is None else D(value) * W
            written.add(address)
    for column in COLUMNS:  # 不写时: 计算 — a 合计 left out is the sum of its rows
        address = table.address("合计", column)
        if cells.get(address) is None:
            cells[address] = sum((cells.get(table.address(r.key, column)) or D(0) for r in table.rows if not r.total), D(0))
    start, end = (dt.date.fromisoformat(d) for d in dates)
    locations.update({"开始时间": Location(source, 2, 7), "结束时间": Location(source, 3, 7)})
    project = _Project(form, {"项目名称": "城市道路维护", "开始时间": start, "结束时间": end,
                              "项目资金情况": MoneyValues(table, cells, frozenset(written))}, source, locations)
    document = m.Document(m.TARGET_KIND, 2025, "大庆测试单位", (project,), tmp_path, tmp_path / "document.yaml",
                          form=form, waivers=waivers)
    if waivers:
        from builder.check.profile import review

        return review(document)
    return run_checks(document, levels)


ROWS = {"合计": ("999.99", "170", "178.60"), "财政拨款": ("100",) * 3, "政府性基金拨款": ("20",) * 3,
        "财政专户拨款": ("10",) * 3, "其他资金": ("8.60",) * 3, "上年结转": ("30",) * 3, "事业基金弥补差额": ("10",) * 3}


def test_model_a_written_total_of_999_99_against_rows_of_178_60_is_an_error_at_the_total_cell(tmp_path):
    found = [p for p in _model(tmp_path, ROWS) if p.rule == "MONEY-TOTAL"]
    assert [(p.location.line, p.field, p.severity) for p in found] == [
        (5, "项目资金情况.合计.上年度预算安排", "错误"), (5, "项目资金情况.合计.上年度实际执行", "错误")]
    assert found[0].message == (
        "上年度预算安排 999.99 万元 ≠ 财政拨款 100.00 万元 + 政府性基金拨款 20.00 万元 + 财政专户拨款 10.00 万元"
        " + 其他资金 8.60 万元 + 上年结转 30.00 万元 + 事业基金弥补差额 10.00 万元 = 178.60 万元")  # the table's 万元
    without = {k: v for k, v in ROWS.items() if k != "合计"}
    assert [p for p in _model(tmp_path, without) if p.rule == "MONEY-TOTAL"] == []


def test_model_spent_above_budget_breaks_the_declared_relation(tmp_path):
    rows = {k: v for k, v in ROWS.items() if k != "合计"}
    rows["财政拨款"] = ("100", "120", "100")
    found = [p for p in _model(tmp_path, rows) if p.rule == "MONEY-RELATION"]
    assert [(p.field, p.message) for p in found] == [
        ("项目资金情况.合计", "上年度实际执行 198.60 万元 大于上年度预算安排 178.60 万元")]
    own = _model(tmp_path, rows, relation_rule=", 规则: SPENT-WITHIN-BUDGET, 级别: 警告")
    assert [(p.rule, p.severity) for p in own if "上年度实际执行" in p.message] == [("SPENT-WITHIN-BUDGET", "警告")]
    # a rule profile names the declared id like any rule: 关闭 silences it, 错误 raises it
    off = _model(tmp_path, rows, relation_rule=", 规则: SPENT-WITHIN-BUDGET, 级别: 警告",
                 levels={"SPENT-WITHIN-BUDGET": "关闭"})
    assert [p for p in off if "上年度实际执行" in p.message] == []
    raised = _model(tmp_path, rows, relation_rule=", 规则: SPENT-WITHIN-BUDGET, 级别: 警告",
                    levels={"SPENT-WITHIN-BUDGET": "错误"})
    assert [(p.rule, p.severity) for p in raised if "上年度实际执行" in p.message] == [("SPENT-WITHIN-BUDGET", "错误")]


def test_model_date_rules_follow_the_roles_and_the_labels(tmp_path):
    assert not [p for p in _model(tmp_path, ROWS) if p.rule.startswith("DATE-")]
    found = [p for p in _model(tmp_path, ROWS, ", 角色: 开始日期", ", 角色: 完成日期") if p.rule == "DATE-ORDER"]
    assert [(p.location.line, p.message) for p in found] == [(3, "结束时间 2025-01-01 早于开始时间 2025-12-31")]


def test_model_only_rules_whose_roles_the_form_declares_report(tmp_path):
    declared = {"名称", "年度文字", "目标值", "目标设定", "年度金额"}
    needs = {r.id: r.needs for r in RULES}
    for problem in _model(tmp_path, ROWS):
        assert set(needs.get(problem.rule, ())) <= declared, problem.rule


def test_model_a_waiver_names_the_id_the_form_declares(tmp_path):
    rows = {k: v for k, v in ROWS.items() if k != "合计"}
    rows["财政拨款"] = ("100", "120", "100")
    waiver = m.Waiver("SPENT-WITHIN-BUDGET", "", "追加预算已批复", Location(tmp_path / "document.yaml", 5, 3))
    found = _model(tmp_path, rows, relation_rule=", 规则: SPENT-WITHIN-BUDGET, 级别: 警告", waivers=(waiver,))
    assert [(p.rule, p.severity) for p in found if p.rule in ("SPENT-WITHIN-BUDGET", "WAIVER-UNUSED")] == [
        ("SPENT-WITHIN-BUDGET", "已接受")]
    unknown = m.Waiver("SPENT-WITHIN-BUDGTE", "", "拼错", Location(tmp_path / "document.yaml", 5, 3))
    found = _model(tmp_path, rows, relation_rule=", 规则: SPENT-WITHIN-BUDGET, 级别: 警告", waivers=(unknown,))
    assert [p.message for p in found if p.rule == "WAIVER-UNUSED"] == [
        "忽略的规则编号“SPENT-WITHIN-BUDGTE”不存在，是否应为“SPENT-WITHIN-BUDGET”？"]


def test_docs_list_the_roles_each_rule_needs():
    import re

    from conftest import ROOT

    # docs/checks.md
    text = "\n".join(p.read_text(encoding="utf-8")
                     for p in [ROOT / "docs" / "checks.md"])
    listed = dict(re.findall(r"^- `([A-Z-]+)`：(.+)$", text, flags=re.M))
    assert listed == {r.id: "、".join(r.needs) for r in RULES if r.needs and not r.declared}


def test_an_indicator_cell_is_named_by_the_forms_own_column_key(tmp_path):
    """The 自评 rules read the column playing a role (实际值, 得分, 分值 …) and name its cell by the
    form's key: a bureau's 自评 whose column is 完成值 gets findings at ….完成值, not at the shipped
    form's 实际完成值 (a path the bureau's sources do not have)."""
    import re as _re
    import shutil

    root = Path(__file__).resolve().parents[2]
    folder = tmp_path / "doc"
    shutil.copytree(root / "sources" / "2023-绩效自评", folder)
    form = (root / "builder" / "forms" / "绩效自评.yaml").read_text(encoding="utf-8")
    assert "\n      实际完成值:\n" in form
    (folder / "_表单.yaml").write_text(form.replace("\n      实际完成值:\n", "\n      完成值:\n"), encoding="utf-8")
    (folder / "document.yaml").write_text((folder / "document.yaml").read_text(encoding="utf-8")
                                          + "表单: _表单.yaml\n", encoding="utf-8")
    for source in folder.glob("0*.yaml"):
        text = _re.sub(r"(?m)^(\s+)实际完成值:", r"\1完成值:", source.read_text(encoding="utf-8"))
        source.write_text(text, encoding="utf-8")
    project = folder / "01-G60科创走廊建设.yaml"
    text = project.read_text(encoding="utf-8")
    assert "完成值: =0场" in text
    project.write_text(text.replace("完成值: =0场", "完成值: =0人", 1), encoding="utf-8")
    _, problems = check([folder])
    assert not [p for p in problems if p.severity == "错误"], _lines(folder, problems)
    mismatch = [p for p in problems if p.rule == "UNIT-MISMATCH"]
    computed = [p for p in problems if p.rule == "SCORE-COMPUTED"]
    assert mismatch and all(p.field.endswith(".完成值") for p in mismatch), _lines(folder, mismatch)
    assert computed and all(p.field.endswith(".得分") for p in computed)
    assert not [p for p in problems if "实际完成值" in p.field]
