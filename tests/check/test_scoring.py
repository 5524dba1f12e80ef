"""绩效自评 scoring rules, and a 自评 document for another unit built from the spec."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from builder.model import core as m
from builder.check import scoring
from builder.output.build import prepare
from builder.read.docxtext import TableRow, read_items
from builder.read.errors import InputError, Location
from builder.model.values import parse_indicator_value
from conftest import run_cli
from helpers import write_document

LOC = Location(Path("x.yaml"))


def indicator(target, actual, weight, score=None):
    return m.Indicator("产出指标", "数量指标", "指标", parse_indicator_value(target),
                       LOC, actual=parse_indicator_value(actual) if actual else None,
                       weight=None if weight is None else D(weight), score=None if score is None else D(score))


@pytest.mark.parametrize("target, actual, weight, expected", [
    ("=4场", ">4场", "8", D("8")),  # met: at or above an = target
    ("≥90(%)", "95%", "10", D("10")),
    ("=10个", "=7个", "30", D("21.00")),  # proportional for = targets
    (">=20", "=0", "10", D("0.00")),
    ("≥3(次)", "=2(次)", "10", D("6.67")),  # 10 × 2/3, rounded half up
    ("≤6(万元)", "=5(万元)", "10", D("10")),  # met below a ≤ target
    ("≤6(万元)", "=8(万元)", "10", D("7.50")),  # proportional for ≤: 10 × 6/8
    ("<100(元)", "=125(元)", "4", D("3.20")),
    ("完成", "完成", "5", D("5")),  # qualitative
    ("提升", "达成预期指标", "5", D("5")),
    ("2023年12月前", "2023年12月前", "10", D("10")),  # equal texts
    ("提升", "未提升", "5", None),  # a text miss: 得分 must be given
    ("=2场", None, "5", None),  # nothing reported yet
    ("=2场", "=0场", None, None),  # no 分值: nothing to score
])
def test_computed_scores(target, actual, weight, expected):
    assert scoring.computed_score(indicator(target, actual, weight)) == expected


def test_explicit_score_wins():
    row = indicator("=10个", "=7个", "30", score="30")
    assert scoring.computed_score(row) == D("21.00")
    assert scoring.score(row) == D("30")
    assert scoring.missed(row)


def _project(budget, spent, weight="10", indicators=()):
    """A 自评 project of the shipped form: 年度资金总额 budgeted and spent, its 预算执行分值."""
    from builder.forms.formdef import shipped_form
    from builder.forms.formvalues import MoneyValues

    form = shipped_form(m.EVALUATION_KIND)
    table = form.money_tables()[0].table
    total = table.total_row
    cells = {table.address(total, column.key): D(value)
             for column, value in zip(table.columns, (budget, budget, spent))}
    return m.Project("p", Path("p.yaml"), "p", tuple(indicators), form=form,
                     values={form.money_tables()[0].key: MoneyValues(table, cells), "预算执行分值": D(weight)})


def test_execution_rate_and_score():
    run = scoring.execution(_project("250000.00", "215457.60"))
    assert run.rate_text == "86.18%" and run.score == D("8.62")
    capped = scoring.execution(_project("100", "120"))
    assert capped.rate_text == "120.00%" and capped.score == D("10.00")
    zero = scoring.execution(_project("0", "0"))
    assert zero.rate_text == "—" and zero.score == 0


def test_totals_and_grade():
    project = _project("250000.00", "215457.60", indicators=[
        indicator("=10个", "=7个", "50"), indicator("完成", "完成", "40"),
    ])
    totals = scoring.totals(project)
    assert totals.weight == D("100")
    assert totals.score == D("8.62") + D("35.00") + D("40")
    assert totals.grade == "良"
    assert scoring.Totals(D(100), D("59.99")).grade == "差"
    assert scoring.Totals(D(100), D("60")).grade == "中"
    assert scoring.Totals(D(100), D("90")).grade == "优"


ANOTHER_UNIT = """\
文档类型: 绩效自评
年度: 2024
单位名称: 某区文化馆
"""

PARENT = """\
项目名称: 群众文化活动
主管部门: 某区文化旅游局
实施单位: 某区文化馆
组成: [02-演出, 03-培训]
预算执行分值: 10
绩效指标:
  产出指标:
    数量指标:
      演出场次:
        指标值: ≥20(场)
        实际完成值: =16(场)
        分值: 50
      培训人次:
        指标值: ">=500人次"
        实际完成值: =620人次
        分值: 20
  效益指标:
    社会效益指标:
      群众参与度:
        指标值: 提升
        实际完成值: 达成预期指标
        分值: 10
  满意度指标:
    服务对象满意度指标:
      观众满意度:
        指标值: ≥90(%)
        实际完成值: =85(%)
        分值: 10
        得分: 9
        偏差原因分析及改进措施: 部分场次座位紧张，明年增加场次。
"""

PART_A = """\
项目名称: 演出
二级构成: true
主管部门: 某区文化旅游局
实施单位: 某区文化馆
项目资金:
  年度资金总额: [200000, "18万", 162000.00]
  当年财政拨款: [200000, 180000, 162000]
  上年结转资金: [0, 0, 0]
  其他资金: [0, 0, 0]
预期目标: 全年演出不少于 20 场。
实际完成情况: 全年演出 16 场。
绩效指标:
  产出指标:
    数量指标:
      演出场次:
        指标值: ≥20(场)
        实际完成值: =16(场)
        分值: 90
"""

PART_B = """\
项目名称: 培训
二级构成: true
主管部门: 某区文化旅游局
实施单位: 某区文化馆
项目资金:
  年度资金总额: [50000, 50000, 50000]
  当年财政拨款: [50000, 50000, 50000]
  上年结转资金: [0, 0, 0]
  其他资金: [0, 0, 0]
预期目标: 培训不少于 500 人次。
实际完成情况: 培训 620 人次。
绩效指标:
  产出指标:
    数量指标:
      培训人次:
        指标值: ">=500人次"
        实际完成值: =620人次
        分值: 90
"""


def test_another_units_evaluation_builds_with_computed_scores(tmp_path):
    folder = write_document(tmp_path / "2024-自评", {"01-群众文化活动.yaml": PARENT, "02-演出.yaml": PART_A,
                                                     "03-培训.yaml": PART_B}, ANOTHER_UNIT)
    result = run_cli("build", folder, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    rows = [i.cells for i in read_items(tmp_path / "out" / "2024-自评.docx") if isinstance(i, TableRow)]
    totals = [r for r in rows if r[1:2] == ("年度资金总额",)]
    # parent: sums of its parts; 执行率 = 212,000 / 230,000 = 92.17%; 得分 = 9.22
    assert totals[0] == ("", "年度资金总额", "250,000.00", "230,000.00", "212,000.00", "10", "92.17%", "9.22")
    assert totals[1][5:] == ("10", "90.00%", "9")
    names = [r[1] for r in rows if r[0] == "项目名称"]
    assert names == ["群众文化活动", "演出(二级构成)", "培训(二级构成)"]
    indicator_rows = {}  # the parent's rows (first form) win over its parts' rows of the same name
    for r in rows:
        if len(r) == 9 and r[3] != "三级指标":
            indicator_rows.setdefault(r[3], r[4:9])
    assert indicator_rows["演出场次"] == ("≥20(场)", "=16(场)", "50", "40", "")  # 50 × 16/20
    assert indicator_rows["培训人次"] == (">=500人次", "=620人次", "20", "20", "")
    assert indicator_rows["群众参与度"] == ("提升", "达成预期指标", "10", "10", "")
    assert indicator_rows["观众满意度"] == ("≥90(%)", "=85(%)", "10", "9", "部分场次座位紧张，明年增加场次。")
    scores = [r for r in rows if r[0] == "总分"]
    assert scores[0] == ("总分", "100", "88.22", "")  # 9.22 + 40 + 20 + 10 + 9
    assert scores[1] == ("总分", "100", "81.00", "")  # 9.00 + 90 × 16/20 = 72
    # the parent's goals are its parts' texts, in order
    goal = next(i for i, r in enumerate(rows) if r[0] == "年度总体目标")
    assert rows[goal + 1][1:] == ("全年演出不少于 20 场。\n培训不少于 500 人次。", "全年演出 16 场。\n培训 620 人次。")


def _problems(folder) -> list[str]:
    with pytest.raises(InputError) as caught:
        prepare([folder])
    return [p.format().replace(str(folder) + "/", "") for p in caught.value.problems if p.severity == "错误"]


def test_evaluation_errors_are_located(tmp_path):
    bad_part = (PART_A.replace('[200000, "18万", 162000.00]', '[200000, "18w", 162000.00]')
                .replace("  其他资金: [0, 0, 0]", "  其他资金: [0, 0]")
                .replace("        分值: 90", "        分值: 九十"))
    bad_parent = PARENT.replace("        得分: 9\n", "        得分: 12\n")
    folder = write_document(tmp_path / "doc", {"01-群众文化活动.yaml": bad_parent, "02-演出.yaml": bad_part,
                                               "03-培训.yaml": PART_B}, ANOTHER_UNIT)
    assert _problems(folder) == [
        "01-群众文化活动.yaml:29:13 绩效指标.满意度指标.服务对象满意度指标.观众满意度.得分: 得分 12 大于分值 10",
        "02-演出.yaml:6:20 项目资金.年度资金总额.全年预算数: 金额“18w”无法识别（应写成 250000、\"250,000.00\" 或 \"25万\"）",
        "02-演出.yaml:9:9 项目资金.其他资金: 应有 3 个值（年初预算数、全年预算数、全年执行数），这里有 2 个",
        "02-演出.yaml:18:13 绩效指标.产出指标.数量指标.演出场次.分值: 应为数字，这里写的是文字“九十”",
    ]


def test_parent_figures_that_disagree_with_its_parts(tmp_path):
    parent = PARENT.replace("预算执行分值: 10\n", "预算执行分值: 10\n项目资金:\n  年度资金总额: [250000, 230000, 200000]\n")
    folder = write_document(tmp_path / "doc", {"01-群众文化活动.yaml": parent, "02-演出.yaml": PART_A,
                                               "03-培训.yaml": PART_B}, ANOTHER_UNIT)
    assert _problems(folder) == [
        "01-群众文化活动.yaml:7:11 项目资金.年度资金总额.全年执行数: 200,000.00 与各组成部分之和 212,000.00 不一致"
        "（上级项目的资金是其组成部分的合计，可删去此行由程序计算）",
    ]


# ---------------------------------------------------------------- 总分 = the printed parts (issue 21)

SOLO = """\
项目名称: 培训
主管部门: 某区文化旅游局
实施单位: 某区文化馆
项目资金:
  年度资金总额: [50000, 50000, 50000]
  当年财政拨款: [50000, 50000, 50000]
  上年结转资金: [0, 0, 0]
  其他资金: [0, 0, 0]
预算执行分值: 10
预期目标: 培训不少于 500 人次。
实际完成情况: 培训 620 人次。
绩效指标:
  产出指标:
    数量指标:
      培训人次:
        指标值: ">=500人次"
        实际完成值: =620人次
        分值: 40
      培训场次:
        指标值: ≥10(场)
        实际完成值: =10(场)
        分值: 20
  效益指标:
    社会效益指标:
      群众参与度:
        指标值: 提升
        实际完成值: 达成预期指标
        分值: 20
  满意度指标:
    服务对象满意度指标:
      学员满意度:
        指标值: ≥90.00(%)
        实际完成值: 95%
        分值: 10
"""


def _solo(tmp_path, text):
    """(indicator rows by name, the 总分 row, the findings) of a one-project 自评 built from ``text``."""
    from builder.output.build import check

    folder = write_document(tmp_path / "doc", {"01-培训.yaml": text}, ANOTHER_UNIT)
    result = run_cli("build", folder, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    rows = [i.cells for i in read_items(tmp_path / "out" / "doc.docx") if isinstance(i, TableRow)]
    indicators = {r[3]: r[4:9] for r in rows if len(r) == 9 and r[3] != "三级指标"}
    total = next(r for r in rows if r[0] == "总分")
    _, problems = check([folder])
    return indicators, total, [(p.location.line, p.rule, p.message) for p in problems]


def _printed_parts(indicators, total_row, execution_score):
    return sum((D(r[3]) for r in indicators.values() if r[3]), D(execution_score))


def test_a_complete_evaluation_total_is_its_printed_parts(tmp_path):
    indicators, total, found = _solo(tmp_path, SOLO)
    assert total[:3] == ("总分", "100", "100.00") and found == []
    assert D(total[2]) == _printed_parts(indicators, total, "10")


def test_an_indicator_without_a_score_blanks_the_total_with_a_finding(tmp_path):
    # issue 21: a missing 得分 was counted as 0 in 总分 (80.00) with no finding
    text = SOLO.replace("实际完成值: 达成预期指标\n        分值: 20",
                        "实际完成值: 略有提升\n        分值: 20\n        偏差原因分析及改进措施: 宣传不足。")
    indicators, total, found = _solo(tmp_path, text)
    assert indicators["群众参与度"][3] == "" and total[:3] == ("总分", "100", "")
    assert found == [(13, "SCORE-MISSING", "总分和等级印为空白：1 个有分值的指标没有得分——“群众参与度”（分值 20，"
                      "实际完成值“略有提升”与指标值“提升”不同，不能按规则判断得分）。"
                      "请写明得分（或填好实际完成值、统一单位），缺的得分不按 0 分计入总分")]
    # a 实际完成值 not filled in yet is FILL-IN's: the total is blank too, never a sum counting it as 0
    indicators, total, found = _solo(tmp_path / "draft", SOLO.replace("        实际完成值: =10(场)\n", ""))
    assert indicators["培训场次"][3] == "" and total[:3] == ("总分", "100", "")
    assert [rule for _, rule, _ in found] == ["FILL-IN"]


def test_a_unit_mismatch_blanks_the_total_not_a_silent_zero(tmp_path):
    # issue 21: UNIT-MISMATCH left 得分 blank but counted it as 0: printed 总分 ≠ printed parts
    indicators, total, found = _solo(tmp_path, SOLO.replace("实际完成值: =10(场)", "实际完成值: =10(人)"))
    assert indicators["培训场次"][3] == "" and total[2] == ""
    assert [rule for _, rule, _ in found] == ["SCORE-MISSING", "UNIT-MISMATCH"]
    assert "单位不可比较，见 UNIT-MISMATCH" in found[0][2]
    # once the 得分 is written the total is the printed parts again
    written = SOLO.replace("实际完成值: =10(场)\n        分值: 20", "实际完成值: =10(人)\n        分值: 20\n        得分: 18\n"
                           "        偏差原因分析及改进措施: 统计口径为人数。")
    indicators, total, found = _solo(tmp_path / "w", written)
    assert total[2] == "98.00" == f"{_printed_parts(indicators, total, '10'):.2f}"


def test_a_fraction_against_a_percent_target_is_a_warning(tmp_path):
    # issue 21: 0.92 against ≥90.00(%) scored 0.10 of 10 with only "偏差原因为空"
    indicators, total, found = _solo(tmp_path, SOLO.replace("实际完成值: 95%", "实际完成值: 0.92"))
    assert indicators["学员满意度"][3] == "0.10" and total[2] == "90.10"
    assert (33, "IND-FRACTION", "“学员满意度”实际完成值 0.92 — 是否应为 92%？（指标值 ≥90.00(%) 以 % 计，0.92 按 0.92% 计分）") \
        in found
    assert [rule for _, rule, _ in found].count("IND-FRACTION") == 1
    _, _, fine = _solo(tmp_path / "ok", SOLO.replace("实际完成值: 95%", "实际完成值: 0.92%"))
    assert "IND-FRACTION" not in [rule for _, rule, _ in fine]


def test_a_score_with_three_decimals_keeps_them_in_the_total(tmp_path):
    text = SOLO.replace("实际完成值: 95%\n        分值: 10", "实际完成值: =85(%)\n        分值: 10\n        得分: 8.555\n"
                        "        偏差原因分析及改进措施: 部分学员未参加。")
    indicators, total, _ = _solo(tmp_path, text)
    assert indicators["学员满意度"][3] == "8.555"
    assert total[2] == "98.555" and D(total[2]) == _printed_parts(indicators, total, "10")


def test_totals_of_an_unscorable_project():
    project = _project("100", "100", indicators=[indicator("=10个", None, "50"), indicator("完成", "完成", "40")])
    totals = scoring.totals(project)
    assert totals.score is None and totals.grade == "" and totals.text == ""
    assert [i.target.text for i in totals.unscorable] == ["=10个"]
    complete = scoring.totals(_project("100", "100", indicators=[indicator("完成", "完成", "90")]))
    assert (complete.text, complete.grade, complete.unscorable) == ("100.00", "优", ())
