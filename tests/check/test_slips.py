"""Issue 21, the slips people make: every rule of builder.check.slips finds its slip with a suggestion, at
its place, for the shipped form and a bureau's own (佳县), and leaves the shipped sources alone."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from builder.output.build import check
from conftest import ROOT, SOURCES, TARGET_SOURCES, run_cli
from helpers import EVAL_DOCUMENT, EVAL_PROJECT, PROJECT, rule_line, write_document

JIAXIAN = ROOT / "examples" / "佳县-2016"


def lines_of(folder, rules=None) -> list[str]:
    _, problems = check([folder])
    return [rule_line(p).replace(str(folder) + os.sep, "") for p in problems if rules is None or p.rule in rules]


def findings(tmp_path, text, document=None, rules=None, **files) -> list[str]:
    args = (document,) if document else ()
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": text, **files}, *args)
    return lines_of(folder, rules)


def edited(text: str, *edits) -> str:
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


# ---------------------------------------------------------------- FUND-SMALL

def test_every_amount_typed_as_25_for_25_wan_is_found_with_its_suggestion(tmp_path):
    """All amounts 25 agree with one another: no sum rule can see it; 0 is no slip."""
    text = PROJECT.replace("250000.00", "25").replace("预算资金 25 万元。", "按合同支付。")
    assert findings(tmp_path, text) == [
        "01-测试.yaml:10:9 [警告] FUND-SMALL 项目资金总额的合计为 25.00 元，不到 1,000 元：是否应为 25 万元？（金额以元计；以万元计请写“25万”）",
        "01-测试.yaml:11:11 [警告] FUND-SMALL 项目资金总额的财政资金为 25.00 元，不到 1,000 元：是否应为 25 万元？（金额以元计；以万元计请写“25万”）",
        "01-测试.yaml:14:9 [警告] FUND-SMALL 年度资金申请总额的合计为 25.00 元，不到 1,000 元：是否应为 25 万元？（金额以元计；以万元计请写“25万”）",
        "01-测试.yaml:15:13 [警告] FUND-SMALL 年度资金申请总额的当年财政拨款为 25.00 元，不到 1,000 元：是否应为 25 万元？（金额以元计；以万元计请写“25万”）",
    ]


def test_small_amount_limits_and_a_computed_total(tmp_path):
    at_limit = PROJECT.replace("250000.00", "1000").replace("预算资金 25 万元。", "按合同支付。")
    assert findings(tmp_path / "a", at_limit, rules={"FUND-SMALL"}) == []
    below = edited(PROJECT.replace("预算资金 25 万元。", "按合同支付。"),
                   ("    合计: 250000.00\n    财政资金: 250000.00", "    财政资金: 999.99"),
                   ("    合计: 250000.00\n    当年财政拨款: 250000.00", "    合计: 250000.00\n    当年财政拨款: 249000.01"),
                   ("    上年结转资金: 0", "    上年结转资金: 999.99"))
    # the omitted 合计 is computed (999.99) and not reported a second time
    assert findings(tmp_path / "b", below, rules={"FUND-SMALL"}) == [
        "01-测试.yaml:10:11 [警告] FUND-SMALL 项目资金总额的财政资金为 999.99 元，不到 1,000 元：是否应为 999.99 万元？（金额以元计；以万元计请写“999.99万”）",
        "01-测试.yaml:15:13 [警告] FUND-SMALL 年度资金申请总额的上年结转资金为 999.99 元，不到 1,000 元：是否应为 999.99 万元？（金额以元计；以万元计请写“999.99万”）",
    ]


def test_small_amounts_in_an_evaluation(tmp_path):
    text = edited(EVAL_PROJECT, ("  年度资金总额: [100000, 100000, 100000]", "  年度资金总额: [10, 10, 9.5]"),
                  ("  当年财政拨款: [100000, 100000, 100000]", "  当年财政拨款: [10, 10, 9.5]"))
    got = findings(tmp_path, text, EVAL_DOCUMENT, rules={"FUND-SMALL"})
    assert len(got) == 6 and all("是否应为 10 万元？" in line or "是否应为 9.5 万元？" in line for line in got)
    assert got[0] == ("01-测试.yaml:5:11 [警告] FUND-SMALL 年度资金总额的年初预算数为 10.00 元，不到 1,000 元：是否应为 10 万元？"
                      "（金额以元计；以万元计请写“10万”）")


def test_a_bureaus_own_money_fields_are_read(tmp_path):
    """The 佳县 form's 自有资金 is a money field of the form, not a Shanghai key."""
    folder = tmp_path / "佳县-2016"
    shutil.copytree(JIAXIAN, folder)
    shutil.copytree(JIAXIAN.parent / "_共用", tmp_path / "_共用")
    assert lines_of(folder) == []  # the example as shipped
    project = folder / "01-红枣提质增效.yaml"
    project.write_text(edited(project.read_text(encoding="utf-8"), ("    合计: 158.76万\n", ""),
                              ("    自有资金: 20万", "    自有资金: 20")), encoding="utf-8")
    assert lines_of(folder) == [
        "01-红枣提质增效.yaml:13:11 [警告] FUND-SMALL 年度资金申请总额的自有资金为 20.00 元，不到 1,000 元：是否应为 20 万元？"
        "（金额以元计；以万元计请写“20万”）",
    ]


# ---------------------------------------------------------------- IND-COST-BUDGET

COST = ("  产出指标:", "  成本指标:\n    经济成本指标:\n      平台维护费: {value}\n  产出指标:")


@pytest.mark.parametrize("value, expected", [
    ("≤30.00(万元)", "成本指标“平台维护费”的指标值 ≤30.00(万元)（300,000.00 元）超过项目资金总额 250,000.00 元"),
    ("=250000.01(元)", "成本指标“平台维护费”的指标值 =250000.01(元)（250,000.01 元）超过项目资金总额 250,000.00 元"),
    ("≤0.003(亿元)", "成本指标“平台维护费”的指标值 ≤0.003(亿元)（300,000.00 元）超过项目资金总额 250,000.00 元"),
    ("≤25(万元)", None), ("≤250000(元)", None),
    ("≤300(万元/人)", None),  # a rate is not compared with the whole budget
    ("≤30(次)", None),
])
def test_a_cost_indicator_above_the_projects_budget(tmp_path, value, expected):
    text = edited(PROJECT, (COST[0], COST[1].format(value=value)))
    got = findings(tmp_path, text, rules={"IND-COST-BUDGET"})
    if expected is None:
        assert got == []
    else:
        assert got == [f"01-测试.yaml:29:7 [警告] IND-COST-BUDGET {expected}：成本是项目资金的一部分，请核对单位（元/万元）或项目金额"]


def test_the_issues_cost_indicator_of_6_wan_in_a_5_wan_project(tmp_path):
    text = edited(PROJECT.replace("250000.00", "50000.00"), (COST[0], COST[1].format(value="≤6.00(万元)")),
                  ("预算资金 25 万元。", "预算资金 5 万元。"))
    assert findings(tmp_path, text) == [
        "01-测试.yaml:29:7 [警告] IND-COST-BUDGET 成本指标“平台维护费”的指标值 ≤6.00(万元)（60,000.00 元）超过项目资金总额 "
        "50,000.00 元：成本是项目资金的一部分，请核对单位（元/万元）或项目金额",
    ]


def test_a_cost_above_the_budget_in_an_evaluation_and_a_bureaus_form(tmp_path):
    text = edited(EVAL_PROJECT, ("  产出指标:\n", "  产出指标:\n    成本指标:\n      人均成本:\n        指标值: ≤20(万元)\n"
                                                  "        实际完成值: =15(万元)\n        分值: 0\n"))
    assert findings(tmp_path / "e", text, EVAL_DOCUMENT, rules={"IND-COST-BUDGET"}) == []  # 成本指标 under 产出 is not
    text = edited(EVAL_PROJECT, ("  效益指标:", "  成本指标:\n    经济成本指标:\n      人均成本:\n        指标值: ≤20(万元)\n"
                                              "        实际完成值: =15(万元)\n        分值: 0\n  效益指标:"))
    got = findings(tmp_path / "f", text, EVAL_DOCUMENT, rules={"IND-COST-BUDGET"})
    assert [line.split(" IND-COST-BUDGET ")[1].split("：")[0] for line in got] == [
        "成本指标“人均成本”的指标值 ≤20(万元)（200,000.00 元）超过年度资金总额 100,000.00 元",
        "成本指标“人均成本”的实际完成值 =15(万元)（150,000.00 元）超过年度资金总额 100,000.00 元"]
    folder = tmp_path / "佳县-2016"
    shutil.copytree(JIAXIAN, folder)
    shutil.copytree(JIAXIAN.parent / "_共用", tmp_path / "_共用")
    project = folder / "02-农业技术培训.yaml"
    source = project.read_text(encoding="utf-8")
    cost = re.search(r"(?m)^    成本指标:\n      (\S+): (\S+)$", source)
    project.write_text(source.replace(cost.group(0), f"    成本指标:\n      {cost.group(1)}: ≤9999(万元)", 1),
                       encoding="utf-8")
    got = lines_of(folder)
    assert len(got) == 1 and f"IND-COST-BUDGET 成本指标“{cost.group(1)}”的指标值 ≤9999(万元)" in got[0]


# ---------------------------------------------------------------- SKELETON

def test_the_new_project_skeleton_is_found_and_said_to_count_in_the_total(tmp_path):
    folder = tmp_path / "文档"
    shutil.copytree(TARGET_SOURCES, folder)
    assert run_cli("new", "项目", "数据平台运维", "--in", folder).returncode == 0
    result = run_cli("check", folder / "11-数据平台运维.yaml")
    assert result.returncode == 0  # warnings
    found = [line.split(f"{os.sep}11-数据平台运维.yaml:")[1] for line in result.stdout.splitlines() if "SKELETON" in line]
    assert found == [
        "23:9 [警告] SKELETON 情况说明.项目概述: 留有骨架的示例文字“项目的内容”：请改为本项目的实际内容（不申报的项目请删除此文件）"
        "；在改好之前，此项目的年度资金申请总额 250,000.00 元也计入涉及项目预算资金",
        "24:9 [警告] SKELETON 情况说明.立项依据: 留有骨架的示例文字“文件依据：……”：请改为本项目的实际内容（不申报的项目请删除此文件）",
        "26:9 [警告] SKELETON 情况说明.实施主体: 留有骨架的示例文字“区某某办公室”：请改为本项目的实际内容（不申报的项目请删除此文件）",
        "27:9 [警告] SKELETON 情况说明.实施方案: 留有骨架的示例文字“按照年度工作计划实施”：请改为本项目的实际内容（不申报的项目请删除此文件）",
        "31:8 [警告] SKELETON 项目总目标: 留有骨架的示例文字“完成年度工作任务”：请改为本项目的实际内容（不申报的项目请删除此文件）",
    ]


def test_every_placeholder_the_skeletons_write_is_found(tmp_path):
    """The check reads the skeletons' own list: each marked text, in each skeleton, is a finding."""
    from builder.forms import skeleton as skeletons

    words = skeletons.placeholders()
    assert {"区某某办公室", "文件依据：……", "项目的内容", "示例项目"} <= set(words)
    for kind in ("绩效目标申报", "绩效自评"):
        folder = tmp_path / kind
        assert run_cli("init", folder, "--type", kind, "--year", "2026").returncode == 0
        written = (folder / "01-示例项目.yaml").read_text(encoding="utf-8")
        assert "⟦" not in written and "⟧" not in written
        from builder.forms.formdef import shipped_form

        skeleton = skeletons.project_skeleton(shipped_form(kind), 2026, "", "")
        expected = set(re.findall(r"⟦([^⟧]+)⟧", skeleton))
        _, problems = check([folder])
        found = {word for p in problems if p.rule == "SKELETON" for word in dict(p.values)["示例文字"].split(",")}
        assert found == expected, kind


def test_a_bureaus_form_skeleton_is_found(tmp_path):
    (tmp_path / ".git").mkdir()
    shutil.copyfile(JIAXIAN.parent / "_共用" / "佳县表单.yaml", tmp_path / "表单.yaml")
    assert run_cli("init", "2017", "--form", "表单.yaml", "--year", "2017", cwd=tmp_path).returncode == 0
    _, problems = check([tmp_path / "2017"])
    paths = [p.field for p in problems if p.rule == "SKELETON"]
    assert "项目名称" in paths and "项目负责人" in paths and "情况说明.项目申报的可行性" in paths
    assert "项目实施进度计划[1].项目实施内容" in paths and "单位职能概述" in paths
    assert any(path.startswith("长期绩效指标.产出指标.数量指标.示例产出指标") for path in paths)


@pytest.mark.parametrize("text", ["圆满完成年度工作任务", "示例项目库；区某某办公室，负责", "示例园区"])
def test_words_that_only_contain_a_placeholder_are_not_one(tmp_path, text):
    project = PROJECT.replace("项目概述: 概述。", f"项目概述: {text}")
    got = findings(tmp_path, project, rules={"SKELETON"})
    assert got == ([] if "某某" not in text else [
        "01-测试.yaml:19:9 [警告] SKELETON 留有骨架的示例文字“区某某办公室”：请改为本项目的实际内容（不申报的项目请删除此文件）"
        "；在改好之前，此项目的年度资金申请总额 250,000.00 元也计入涉及项目预算资金"])


# ---------------------------------------------------------------- BIDI-CONTROL

@pytest.mark.parametrize("where, old, new, at", [
    ("项目概述", "项目概述: 概述。", "项目概述: 合同金额\u202e00.052\u202c 万元。", "19:9"),
    ("三级指标名称", "      平台运维数: ≥2(个)", "      平台\u2066运维数: ≥2(个)", "29:7"),
    ("指标值", "      提升品牌效应: 提升", "      提升品牌效应: 提升\u200f", "32:7"),
])
def test_bidi_controls_are_a_warning_at_their_place(tmp_path, where, old, new, at):
    got = findings(tmp_path, edited(PROJECT, (old, new)), rules={"BIDI-CONTROL"})
    assert len(got) == 1 and got[0].startswith(f"01-测试.yaml:{at} [警告] BIDI-CONTROL 含有 "), got
    assert "请删除" in got[0] and "U+" in got[0]


def test_bidi_controls_in_document_fields_and_markdown(tmp_path):
    folder = tmp_path / "佳县-2016"
    shutil.copytree(JIAXIAN, folder)
    shutil.copytree(JIAXIAN.parent / "_共用", tmp_path / "_共用")
    document = folder / "document.yaml"
    document.write_text(document.read_text(encoding="utf-8").replace("填报人: 王小红", "填报人: 王小\u202e红"),
                        encoding="utf-8")
    assert lines_of(folder) == [
        "document.yaml:9:6 [警告] BIDI-CONTROL 含有 1 个看不见的双向控制字符 U+202E（RIGHT-TO-LEFT OVERRIDE），"
        "第一个在第 3 个字符处（“王小红”）：它们使显示的文字顺序与实际内容不同，请删除"]
    markdown = tmp_path / "md"
    shutil.copytree(ROOT / "examples" / "markdown" / "2025-绩效目标申报-markdown", markdown)
    narrative = markdown / "01-展示馆运维费.md"
    narrative.write_text(narrative.read_text(encoding="utf-8").replace("硬件维护检修", "硬件\u2067维护检修"), encoding="utf-8")
    got = lines_of(markdown, {"BIDI-CONTROL"})
    assert len(got) == 1 and got[0].startswith("01-展示馆运维费.md:") and "U+2067（RIGHT-TO-LEFT ISOLATE）" in got[0]


# ---------------------------------------------------------------- YEAR-STALE

def test_a_next_years_draft_has_every_stale_year_reported(tmp_path):
    """Every "2025 年" left in the 2026 draft of a project that goes on is reported, in every kind of text."""
    out = tmp_path / "2026"
    assert run_cli("new", "绩效目标申报", "--from", TARGET_SOURCES, "--out", out, "--year", "2026").returncode == 0
    _, problems = check([out])
    stale = [(p.location.file.name[:2], p.field) for p in problems if p.rule == "YEAR-STALE"]
    assert stale == [
        ("02", "情况说明.立项依据"), ("02", "情况说明.实施方案"), ("03", "情况说明.年度预算安排"),
        ("04", "情况说明.实施主体"), ("04", "情况说明.实施方案"), ("04", "情况说明.年度预算安排"), ("04", "项目总目标"),
        ("05", "情况说明.年度预算安排"), ("06", "情况说明.实施方案"), ("06", "项目总目标"), ("08", "情况说明.实施主体"),
        ("08", "情况说明.实施方案"), ("08", "项目总目标"), ("09", "情况说明.项目概述")]
    # each place names the text to change
    first = next(p for p in problems if p.rule == "YEAR-STALE")
    assert first.message.endswith("：“联席办合署办公。2025 年预计 40 人办”")
    # and every "2025 年" outside titles and document numbers of those texts is one of them
    for path in sorted(out.glob("0*.yaml")):
        texts = re.sub(r"《[^》]*》|〔[^〕]*〕|^\s*#.*$", "", path.read_text(encoding="utf-8"), flags=re.M)
        if "2025 年" in texts or "2025年" in texts:
            assert path.name[:2] in {s[0] for s in stale}, path.name


def test_stale_years_in_markdown_extension_and_document_fields(tmp_path):
    markdown = tmp_path / "md"
    shutil.copytree(ROOT / "examples" / "markdown" / "2025-绩效目标申报-markdown", markdown)
    narrative = markdown / "01-展示馆运维费.md"
    narrative.write_text(narrative.read_text(encoding="utf-8").replace("硬件维护检修", "2024 年硬件维护检修"),
                         encoding="utf-8")
    got = lines_of(markdown, {"YEAR-STALE"})
    assert len(got) == 1 and got[0].startswith("01-展示馆运维费.md:") and "写到 2024 年，早于预算年度 2025 年" in got[0]
    folder = tmp_path / "佳县-2017"
    shutil.copytree(JIAXIAN, folder)
    shutil.copytree(JIAXIAN.parent / "_共用", tmp_path / "_共用")
    document = folder / "document.yaml"
    document.write_text(document.read_text(encoding="utf-8").replace("年度: 2016", "年度: 2017").replace(
        "拟订全县农业", "2016 年拟订全县农业"), encoding="utf-8")
    project = folder / "03-农产品质量检测.yaml"
    text = project.read_text(encoding="utf-8")
    text = re.sub(r"计划(开始|完成)日期: 2016", r"计划\1日期: 2017", text).replace("备注: 问卷调查", "备注: 2016 年问卷")
    project.write_text(text, encoding="utf-8")
    got = [line for line in lines_of(folder, {"YEAR-STALE"}) if line.startswith(("document", "03-"))]
    assert any(line.startswith("document.yaml:") for line in got) and any(line.startswith("03-") for line in got)
    _, problems = check([folder])
    fields = {p.field for p in problems if p.rule == "YEAR-STALE" and p.location.file.name.startswith("03-")}
    assert "单位职能概述" in {p.field for p in problems if p.rule == "YEAR-STALE"}
    assert any(field.startswith("项目实施进度计划[") for field in fields), fields
    assert "年度绩效指标.服务对象满意度指标.具体指标.群众满意度.备注" in fields, fields


@pytest.mark.parametrize("text, stale", [
    ("2024 年完成一期建设。", ["2024"]),  # the year before, in any text
    ("2023 年起实施。", ["2023"]),
    ("2018 年首届进博会上的讲话精神。", []),  # older years in narratives are history
    ("《2024 年工作要点》、沪府〔2024〕3 号。", []),
])
def test_stale_years_in_a_narrative(tmp_path, text, stale):
    project = PROJECT.replace("实施主体: 主体。", f"实施主体: {text}")
    got = findings(tmp_path, project, rules={"YEAR-STALE"})
    assert [re.search(r"写到 (\d+) 年", line).group(1) for line in got] == stale


def test_a_stale_period_is_said_once_by_period_text(tmp_path):
    project = PROJECT.replace("实施周期: 2025 年 1 月至 2025 年 12 月", "实施周期: 2024 年 1 月至 2024 年 12 月")
    assert [line.split(" [警告] ")[1].split()[0] for line in findings(tmp_path, project)] == ["PERIOD-TEXT"]


def test_shipped_sources_get_no_new_findings():
    """The 22 warnings the README lists: none of these rules finds anything in the shipped sources."""
    _, problems = check([SOURCES, JIAXIAN])
    new = {"FUND-SMALL", "IND-COST-BUDGET", "SKELETON", "BIDI-CONTROL"}
    assert [p for p in problems if p.rule in new or p.rule == "YEAR-STALE"] == []
    assert sum(p.severity == "警告" for p in problems) == 22
