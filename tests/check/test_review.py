"""Issue 14: units, the published formulas, the reviewers' rules, rule profiles, waivers,
the baseline and findings as Word comments."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal as D
from pathlib import Path

import pytest

from builder.model import core as m
from builder.check import scoring
from builder.model import units
from builder.output.build import check
from builder.read.errors import Location
from builder.model.values import parse_indicator_value
from conftest import EVALUATION_SOURCES, SOURCES, TARGET_SOURCES, run_cli
from helpers import DOCUMENT, EVAL_DOCUMENT, EVAL_PROJECT, PROJECT, rule_line, write_document

LOC = Location(Path("x.yaml"))


def indicator(target, actual, weight=None, score=None, band=None, level1="产出指标"):
    return m.Indicator(level1, "数量指标", "指标", parse_indicator_value(target), LOC,
                       actual=parse_indicator_value(actual) if actual else None,
                       weight=None if weight is None else D(weight), score=None if score is None else D(score),
                       band=band)


# ---------------------------------------------------------------- units

@pytest.mark.parametrize("number, source, target, expected", [
    ("58000", "元", "万元", D("5.8")),
    ("1.5", "亿元", "万元", D("15000")),
    ("5", "‰", "%", D("0.5")),
    ("2", "年", "月", D("24")),
    ("1", "季度", "个月", D("3")),
    ("2", "周", "天", D("14")),
    ("3", "月", "天", D("90")),
    ("3", "万人次", "人次", D("30000")),
    ("180", "元/人/天", "元/人/天", D("180")),
    ("0.3", "万元/人/月", "元/人/月", D("3000")),
    ("12", "元/平/月", "元/平方米/年", D("144")),
    ("7", "", "个", D("7")),  # no unit: compared as it is (IND-UNIT warns)
])
def test_conversion_within_a_dimension(number, source, target, expected):
    assert units.convert(D(number), source, target) == expected


@pytest.mark.parametrize("a, b", [
    ("个", "项"), ("项", "次"), ("人", "人次"), ("个工作日", "月"), ("人/月", "元/人/月"), ("%", "元"), ("场", "次"),
])
def test_units_of_different_dimensions_never_convert(a, b):
    assert not units.compatible(a, b)
    assert units.convert(D(1), a, b) is None


# ---------------------------------------------------------------- the published formulas

@pytest.mark.parametrize("target, actual, weight, expected, met", [
    ("≤6.00(万元)", "=58000(元)", "10", D("10"), True),  # 5.8 万 ≤ 6 万: met, full score
    ("≥1(万元)", "=8000(元)", "10", D("8.00"), False),  # 正向: 10 × 0.8/1
    ("≤6.00(万元)", "=75000(元)", "10", D("8.00"), False),  # 反向: 10 × 6/7.5
    ("≥90(%)", "=900‰", "10", D("10"), True),
    ("≤3(个工作日)", "=3(月)", "10", None, None),  # across dimensions: no silent score
    ("=3000.00(人/月)", "=3000(元/人/月)", "10", None, None),
])
def test_scores_convert_units_and_refuse_across_dimensions(target, actual, weight, expected, met):
    row = indicator(target, actual, weight)
    assert scoring.computed_score(row) == expected
    assert scoring.meets(row.target, row.actual) is met


@pytest.mark.parametrize("band, score, inside", [
    ("达成", "10", True), ("达成", "9", False),
    ("基本达成", "8", True), ("基本达成", "9.99", True), ("基本达成", "10", False), ("基本达成", "7.99", False),
    ("部分达成", "5", True), ("部分达成", "8", False), ("未达成", "4.99", True), ("未达成", "5", False),
])
def test_qualitative_bands(band, score, inside):
    assert scoring.in_band(band, D(score) / 10) is inside


def test_band_scores_achieved_in_full_and_others_need_a_written_score():
    assert scoring.computed_score(indicator("完成", "完成", "10", band="达成")) == D("10")
    partly = indicator("完成", "基本完成", "10", band="基本达成")
    assert scoring.computed_score(partly) is None and scoring.missed(partly)


# ---------------------------------------------------------------- a 自评 document to plant slips in



def eval_findings(tmp_path, text, document=EVAL_DOCUMENT, **extra):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": text, **extra}, document)
    _, problems = check([folder])
    return [rule_line(p).replace(str(folder) + os.sep, "") for p in problems]


def target_findings(tmp_path, text, document=DOCUMENT, **extra):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": text, **extra}, document)
    _, problems = check([folder])
    return [rule_line(p).replace(str(folder) + os.sep, "") for p in problems]


def test_planted_evaluation_project_is_clean(tmp_path):
    assert eval_findings(tmp_path, EVAL_PROJECT) == []


EVAL_CASES = {
    "UNIT-MISMATCH": (
        [("        指标值: =4(场)\n        实际完成值: =4(场)", "        指标值: ≤3(个工作日)\n        实际完成值: =3(月)")],
        ["01-测试.yaml:13:3 [警告] SCORE-MISSING 总分和等级印为空白：1 个有分值的指标没有得分——“活动场次”（分值 50，指标值 ≤3(个工作日) 与实际完成值 =3(月) 的单位不可比较，见 UNIT-MISMATCH）。"
         "请写明得分（或填好实际完成值、统一单位），缺的得分不按 0 分计入总分",
         "01-测试.yaml:17:16 [警告] UNIT-MISMATCH “活动场次”指标值 ≤3(个工作日) 与实际完成值 =3(月) 的单位不可比较"
         "（工作日 与 时间），不按规则计分，请统一单位"],
    ),
    "UNIT-MISMATCH (人/月 against 元/人/月)": (
        [("        指标值: =4(场)\n        实际完成值: =4(场)",
          "        指标值: =3000.00(人/月)\n        实际完成值: =3000(元/人/月)")],
        ["01-测试.yaml:13:3 [警告] SCORE-MISSING 总分和等级印为空白：1 个有分值的指标没有得分——“活动场次”（分值 50，指标值 =3000.00(人/月) 与实际完成值 =3000(元/人/月) 的单位不可比较，见 UNIT-MISMATCH）。"
         "请写明得分（或填好实际完成值、统一单位），缺的得分不按 0 分计入总分",
         "01-测试.yaml:17:16 [警告] UNIT-MISMATCH “活动场次”指标值 =3000.00(人/月) 与实际完成值 =3000(元/人/月) 的单位不可比较"
         "（计数（人）/时间 与 金额/计数（人）/时间），不按规则计分，请统一单位"],
    ),
    "万元 against 元, met": (
        [("        指标值: =4(场)\n        实际完成值: =4(场)", "        指标值: ≤6.00(万元)\n        实际完成值: =58000(元)")],
        [],
    ),
    "SCORE-BAND (outside)": (
        [("        实际完成值: 达成预期指标\n        分值: 30",
          "        实际完成值: 基本提升\n        分值: 30\n        得分: 20\n        完成程度: 基本达成\n"
          "        偏差原因分析及改进措施: 部分活动延期。")],
        ["01-测试.yaml:26:15 [警告] SCORE-BAND “社会影响”完成程度为基本达成（24–30 分（分值的 80%–100%，不含上限）），写明的得分为 20"],
    ),
    "SCORE-BAND (no score)": (
        [("        实际完成值: 达成预期指标\n        分值: 30",
          "        实际完成值: 部分提升\n        分值: 30\n        完成程度: 部分达成\n        偏差原因分析及改进措施: 延期。")],
        ["01-测试.yaml:13:3 [警告] SCORE-MISSING 总分和等级印为空白：1 个有分值的指标没有得分——“社会影响”（分值 30，完成程度为部分达成，得分须在该档次内写明）。"
         "请写明得分（或填好实际完成值、统一单位），缺的得分不按 0 分计入总分",
         "01-测试.yaml:25:15 [警告] SCORE-BAND “社会影响”完成程度为部分达成，请写明得分：应在 15–24 分（分值的 50%–80%，不含上限） 之间"],
    ),
    "SCORE-BAND (inside)": (
        [("        实际完成值: 达成预期指标\n        分值: 30",
          "        实际完成值: 基本提升\n        分值: 30\n        得分: 25\n        完成程度: 基本达成\n"
          "        偏差原因分析及改进措施: 部分活动延期。")],
        [],
    ),
    "DEVIATION-MISSING (a band below 达成)": (
        [("        实际完成值: 达成预期指标\n        分值: 30",
          "        实际完成值: 基本提升\n        分值: 30\n        得分: 25\n        完成程度: 基本达成")],
        ["01-测试.yaml:21:7 [警告] DEVIATION-MISSING “社会影响”未达成（指标值 提升，实际完成值 基本提升），偏差原因分析及改进措施为空"],
    ),
    "DEVIATION-SCORE": (
        [("        实际完成值: 达成预期指标\n        分值: 30", "        实际完成值: 达成预期指标\n        分值: 30\n        得分: 27")],
        ["01-测试.yaml:21:7 [警告] DEVIATION-SCORE “社会影响”得分 27 低于分值 30，偏差原因分析及改进措施为空",
         "01-测试.yaml:25:13 [警告] SCORE-COMPUTED “社会影响”指标值 提升、实际完成值 达成预期指标，按规则得分 30，写明的得分为 27"],
    ),
    "SCORE-WEIGHT-POSITIVE": (
        [("        实际完成值: =95(%)\n        分值: 10", "        实际完成值: =95(%)\n        分值: 0"),
         ("预算执行分值: 10", "预算执行分值: 20")],
        ["01-测试.yaml:30:13 [警告] SCORE-WEIGHT-POSITIVE “满意度”的分值为 0，应大于 0（不计分的指标请不写分值）"],
    ),
    "IND-PERCENT": (
        [("        实际完成值: =95(%)", "        实际完成值: =105(%)")],
        ["01-测试.yaml:29:16 [警告] IND-PERCENT “满意度”的实际完成值 =105(%) 超过 100%"],
    ),
    "IND-AFTER-END": (
        [("      活动场次:", "      2026年3月底前完成活动场次:")],
        ["01-测试.yaml:15:7 [警告] IND-AFTER-END “2026年3月底前完成活动场次”写到 2026年3月（2026-03-31），晚于项目计划完成日期 2025-12-31"],
    ),
    "YEAR-STALE": (
        [("        指标值: 提升\n        实际完成值: 达成预期指标", "        指标值: 2024年底前提升\n        实际完成值: 2024年底前提升")],
        ["01-测试.yaml:21:7 [警告] YEAR-STALE 写到 2024 年，早于预算年度 2025 年（是否是上一年文字未改？）：“2024年底前提升”",
         "01-测试.yaml:23:16 [警告] YEAR-STALE 写到 2024 年，早于预算年度 2025 年（是否是上一年文字未改？）：“2024年底前提升”"],
    ),
    "PLACEHOLDER": (
        [("实际完成情况: 完成。", "实际完成情况: 举办活动 XX 场，参与 ** 人次。")],
        ["01-测试.yaml:11:9 [警告] PLACEHOLDER 留有占位符“XX”：“举办活动 XX 场，参与 **”，请填写实际内容"],
    ),
}


@pytest.mark.parametrize("case", list(EVAL_CASES), ids=list(EVAL_CASES))
def test_evaluation_rule_catches_its_slip(tmp_path, case):
    edits, expected = EVAL_CASES[case]
    text = EVAL_PROJECT
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    assert eval_findings(tmp_path, text) == expected


TARGET_CASES = {
    "PLACEHOLDER (待定)": (
        [("实施方案: 方案。", "实施方案: 具体方案待定。")],
        ["01-测试.yaml:22:9 [警告] PLACEHOLDER 留有占位符“待定”：“具体方案待定。”，请填写实际内容"],
    ),
    "PLACEHOLDER (【】 and ××)": (
        [("项目概述: 概述。", "项目概述: 委托××公司，依据【】文件。")],
        ["01-测试.yaml:19:9 [警告] PLACEHOLDER 留有占位符“××”：“委托××公司，依据【】文”，请填写实际内容"],
    ),
    "PLACEHOLDER (a lone *)": (
        [("年度预算安排: 预算资金 25 万元。", "年度预算安排: 预算资金 25 万元，其中*项。")],
        ["01-测试.yaml:24:11 [警告] PLACEHOLDER 留有占位符“*”：“25 万元，其中*项。”，请填写实际内容"],
    ),
    "no PLACEHOLDER for multiplication": (
        [("年度预算安排: 预算资金 25 万元。", "年度预算安排: 每人每月 0.3 万元*16 人*12 月=57.6 万，其余 25 万元。")],
        [],
    ),
    "IND-COST-DIRECTION": (
        [("  产出指标:", "  成本指标:\n    经济成本指标:\n      人均餐费: ≥130(元/人/天)\n  产出指标:")],
        ["01-测试.yaml:29:7 [警告] IND-COST-DIRECTION 成本指标“人均餐费”写作 ≥130(元/人/天)：成本应控制在上限之内（如 ≤130(元/人/天)）"],
    ),
    "IND-PERCENT": (
        [("单位满意度: ≥90(%)", "单位满意度: ≥120(%)")],
        ["01-测试.yaml:35:7 [警告] IND-PERCENT “单位满意度”的指标值 ≥120(%) 超过 100%"],
    ),
    "IND-AFTER-END": (
        [("      平台运维数: ≥2(个)", "      平台运维数: ≥2(个)\n    时效指标:\n      完成时间: 2026年6月底前")],
        ["01-测试.yaml:31:7 [警告] IND-AFTER-END “完成时间”写到 2026年6月（2026-06-30），晚于项目计划完成日期 2025-12-31"],
    ),
    "YEAR-STALE (年度预算安排 of last year)": (
        [("年度预算安排: 预算资金 25 万元。", "年度预算安排: 2024 年申请资金 25 万元。")],
        ["01-测试.yaml:24:11 [警告] YEAR-STALE 写到 2024 年，早于预算年度 2025 年（是否是上一年文字未改？）：“2024 年申请资金 25”"],
    ),
    "no YEAR-STALE for history, titles and document numbers": (
        [("立项依据: 依据。", "立项依据: 2019 年印发的《2018年长三角规划》，沪府〔2020〕3 号。"),
         ("年度预算安排: 预算资金 25 万元。", "年度预算安排: 依据沪财〔2023〕1号，预算资金 25 万元。")],
        [],
    ),
}


@pytest.mark.parametrize("case", list(TARGET_CASES), ids=list(TARGET_CASES))
def test_target_rule_catches_its_slip(tmp_path, case):
    edits, expected = TARGET_CASES[case]
    text = PROJECT
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    assert target_findings(tmp_path, text) == expected


# ---------------------------------------------------------------- profiles

SHANGHAI = DOCUMENT + "规则: 上海-2025\n"


def test_shanghai_2025_profile_adds_its_rules(tmp_path):
    multi = (PROJECT.replace("计划开始日期: 2025-01-01", "计划开始日期: 2024-01-01")
             .replace("    合计: 250000.00\n    财政资金: 250000.00", "    合计: 500000.00\n    财政资金: 500000.00"))
    assert target_findings(tmp_path, multi) == []  # 默认: the 上海 rules are off
    assert target_findings(tmp_path / "s", multi, SHANGHAI) == [
        "01-测试.yaml:25:8 [警告] GOAL-ANNUAL 多年度项目（2024-01-01 至 2025-12-31）的年度总体目标没有写，应写明 2025 年度要达到的目标",
        "01-测试.yaml:27:3 [警告] IND-COST-MISSING 没有成本指标（上海 2025 年指引要求每个项目设置成本指标）",
    ]


def test_shanghai_2025_on_the_seed_finds_only_the_real_slip(tmp_path):
    folder = tmp_path / "2025"
    shutil.copytree(TARGET_SOURCES, folder)
    with (folder / "document.yaml").open("a", encoding="utf-8") as handle:
        handle.write("规则: 上海-2025\n")
    _, default = check([TARGET_SOURCES])
    _, shanghai = check([folder])
    new = [(p.location.file.name, p.rule) for p in shanghai if p.rule not in {q.rule for q in default}]
    assert new == [("10-松江区长三角G60科创云平台信息化建设项目.yaml", "GOAL-ANNUAL")]


def test_a_users_profile_file_sets_levels_and_its_unknown_ids_are_located(tmp_path):
    profile = "名称: 本单位\n基于: 上海-2025\n规则:\n  IND-PERCENT: 错误\n  IND-COVERAGE: 关闭\n  IND-PERCNT: 警告\n  FUND-TOTAL: 严重\n"
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT.replace("≥90(%)", "≥120(%)")
                                               .replace("  满意度指标:\n    服务对象满意度指标:\n      单位满意度: ≥120(%)\n", "")
                                               + "  满意度指标:\n    服务对象满意度指标:\n      单位满意度: ≥120(%)\n"},
                            DOCUMENT + "规则: _规则-本单位.yaml\n")
    (folder / "_规则-本单位.yaml").write_text(profile, encoding="utf-8")
    _, problems = check([folder])
    got = [rule_line(p).replace(str(folder) + os.sep, "") for p in problems]
    assert got == [
        "01-测试.yaml:27:3 [警告] IND-COST-MISSING 没有成本指标（上海 2025 年指引要求每个项目设置成本指标）",
        "01-测试.yaml:35:7 [错误] IND-PERCENT “单位满意度”的指标值 ≥120(%) 超过 100%",
        "_规则-本单位.yaml:6:3 [错误] PROFILE 未知的规则编号“IND-PERCNT”，是否应为“IND-PERCENT”？",
        "_规则-本单位.yaml:7:15 [错误] PROFILE 级别“严重”无法识别（可用：错误、警告、关闭、默认）",
    ]
    assert problems[2].field == "规则.IND-PERCNT"


def test_an_unknown_profile_name_is_located_with_a_suggestion(tmp_path):
    assert target_findings(tmp_path, PROJECT, DOCUMENT + "规则: 上海2025\n") == [
        "document.yaml:4:5 [错误] PROFILE 找不到规则集“上海2025”，是否应为“上海-2025”？（内置：上海-2025、默认；或写相对于文档文件夹的 .yaml 文件路径）",
    ]


def test_shipped_profiles_name_only_known_rules():
    from builder.check.rules import RULES
    from builder.check.profile import PROFILE_DIR, read_profile

    for path in PROFILE_DIR.glob("*.yaml"):
        problems = []
        levels = read_profile(path, problems, ())
        assert problems == [] and levels
    default = read_profile(PROFILE_DIR / "默认.yaml", [], ())
    assert set(default) == {r.id for r in RULES}  # the default profile lists every rule, to copy and edit


# ---------------------------------------------------------------- waivers and baseline

def test_waivers_accept_with_their_reason_and_unused_ones_warn(tmp_path):
    text = PROJECT.replace("单位满意度: ≥90(%)", "单位满意度: ≥120(%)") + (
        "忽略:\n"
        "  - 规则: IND-PERCENT\n    位置: 单位满意度\n    原因: 增长率口径，可超过 100%\n"
        "  - 规则: PLACEHOLDER\n    位置: 情况说明.项目概述\n    原因: 已改\n"
        "  - 规则: IND-PERCNT\n    原因: 写错的编号\n"
    )
    assert target_findings(tmp_path, text) == [
        "01-测试.yaml:35:7 [已接受] IND-PERCENT “单位满意度”的指标值 ≥120(%) 超过 100%（原因：增长率口径，可超过 100%）",
        "01-测试.yaml:40:5 [警告] WAIVER-UNUSED 忽略 PLACEHOLDER（位置“情况说明.项目概述”）没有匹配任何发现，可以删去",
        "01-测试.yaml:43:5 [警告] WAIVER-UNUSED 忽略的规则编号“IND-PERCNT”不存在，是否应为“IND-PERCENT”？",
    ]


def test_document_waiver_for_one_project_and_exit_code(tmp_path):
    document = DOCUMENT + "忽略:\n  - 规则: IND-PERCENT\n    项目: 01-测试\n    原因: 增长率\n"
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT.replace("≥90(%)", "≥120(%)"),
                                               "02-b.yaml": PROJECT.replace("测试项目", "乙项目").replace("≥90(%)", "≥130(%)")},
                            document)
    _, problems = check([folder])
    assert [(p.location.file.name, p.severity) for p in problems] == [("01-测试.yaml", "已接受"), ("02-b.yaml", "警告")]
    only_accepted = write_document(tmp_path / "one", {"01-测试.yaml": PROJECT.replace("≥90(%)", "≥120(%)")}, document)
    result = run_cli("check", "--strict", only_accepted)
    assert result.returncode == 0, result.stdout
    assert "[已接受] IND-PERCENT" in result.stdout and "1 条已接受" in result.stderr
    built = run_cli("build", only_accepted, "--out", tmp_path / "out")
    assert built.returncode == 0 and "[已接受] IND-PERCENT" in built.stderr and "（原因：增长率）" in built.stderr


def test_baseline_reports_known_findings_and_fails_only_on_new_ones(tmp_path):
    folder = tmp_path / "2025"
    shutil.copytree(TARGET_SOURCES, folder)
    baseline = tmp_path / "基线.json"
    written = run_cli("check", "--write-baseline", baseline, folder)
    assert "已把 8 条发现写入基线" in written.stderr
    assert run_cli("check", "--strict", "--baseline", baseline, folder).returncode == 0
    project = folder / "01-宣传阵地建设.yaml"
    project.write_text(project.read_text(encoding="utf-8").replace("单位满意度: ≥90.00(%)", "单位满意度: ≥190.00(%)")
                       .replace("影像库维护费: ≤6.00(万元)", "影像库维护费: ≤6.00(万元)\n"), encoding="utf-8")
    result = run_cli("check", "--strict", "--baseline", baseline, folder)
    assert result.returncode == 1
    assert [line.split(" [")[1].split("]")[0] for line in result.stdout.splitlines()].count("已知") == 8
    assert "[警告] IND-PERCENT" in result.stdout
    assert "0 个错误，1 个警告，8 条已知（基线）" in result.stderr
    bad = tmp_path / "坏.json"
    bad.write_text("[]", encoding="utf-8")
    assert run_cli("check", "--baseline", bad, folder).returncode == 1


# ---------------------------------------------------------------- schema

def test_json_schema_knows_the_new_keys():
    from builder.forms.formdef import source_json_schema

    evaluation = json.dumps(source_json_schema("绩效自评"), ensure_ascii=False)
    assert "完成程度" in evaluation and "基本达成" in evaluation and "忽略" in evaluation
    document = source_json_schema("document")["properties"]
    assert "规则" in document and "忽略" in document
    assert "忽略" in source_json_schema("绩效目标申报")["properties"]


# ---------------------------------------------------------------- comments in the built document

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _comments(docx: Path) -> tuple[dict[str, str], dict[str, str]]:
    """comment id → text, and comment id → the text of the paragraph it is anchored on."""
    from lxml import etree

    with zipfile.ZipFile(docx) as package:
        names = package.namelist()
        assert "word/comments.xml" in names
        comments = etree.fromstring(package.read("word/comments.xml"))
        body = etree.fromstring(package.read("word/document.xml"))
        assert b"/word/comments.xml" in package.read("[Content_Types].xml")
        assert b"relationships/comments" in package.read("word/_rels/document.xml.rels")
    texts = {c.get(f"{W}id"): "".join(t.text or "" for t in c.iter(f"{W}t")) for c in comments.iter(f"{W}comment")}
    anchors = {}
    for paragraph in body.iter(f"{W}p"):
        for start in paragraph.iter(f"{W}commentRangeStart"):
            anchors[start.get(f"{W}id")] = "".join(t.text or "" for t in paragraph.iter(f"{W}t"))
            assert paragraph.find(f".//{W}commentReference[@{W}id='{start.get(f'{W}id')}']") is not None
    return texts, anchors


def test_check_docx_writes_each_finding_as_a_comment_on_its_cell(tmp_path):
    result = run_cli("check", SOURCES, "--docx", tmp_path / "审阅")
    assert result.returncode == 0, result.stderr
    texts, anchors = _comments(tmp_path / "审阅" / "2025-绩效目标申报.docx")
    assert len(texts) == 8 == len(anchors)
    by_rule = {re.search(r"\] (\S+)", text).group(1): (text, anchors[i]) for i, text in texts.items()}
    assert by_rule["IND-UNIT"][1] == "购置设备验收合格率"
    assert by_rule["COPIED-TEXT"][1] in ("二、立项依据", "三、实施主体")
    assert by_rule["BUDGET-ITEMS"][1] == "六、年度预算安排"
    cost = [anchors[i] for i, text in texts.items() if "IND-COST-UNIT" in text]
    assert cost == ["补贴标准", "人均餐费", "市外差旅补助费", "市外差旅补助费"]
    texts, anchors = _comments(tmp_path / "审阅" / "2023-绩效自评.docx")
    assert len(texts) == 14
    assert anchors[next(i for i, t in texts.items() if "按规则得分 21" in t)] == "发布重大领域、关键领域及其他领域研究方向"


def test_check_docx_to_one_file_and_refused_for_several(tmp_path):
    one = run_cli("check", EVALUATION_SOURCES, "--docx", tmp_path / "自评审阅.docx")
    assert one.returncode == 0 and (tmp_path / "自评审阅.docx").is_file()
    several = run_cli("check", SOURCES, "--docx", tmp_path / "x.docx")
    assert several.returncode == 1 and "请给出一个文件夹" in several.stderr


@pytest.mark.libreoffice
@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed here")
def test_libreoffice_keeps_the_comments(tmp_path):
    out = tmp_path / "审阅"
    assert run_cli("check", TARGET_SOURCES, "--docx", out).returncode == 0
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "odt",
                    "--outdir", str(tmp_path), str(out / "2025-绩效目标申报.docx")],
                   capture_output=True, timeout=240, check=True, env=dict(os.environ, HOME=str(tmp_path)))
    with zipfile.ZipFile(tmp_path / "2025-绩效目标申报.odt") as package:
        content = package.read("content.xml").decode("utf-8")
    annotations = re.findall(r"<office:annotation\b.*?</office:annotation>", content, flags=re.S)
    assert len(annotations) == 8
    assert any("COPIED-TEXT" in a and "展示馆运维费" in a for a in annotations)


def test_editing_the_profile_file_rebuilds(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT.replace("≥90(%)", "≥120(%)")},
                            DOCUMENT + "规则: _规则.yaml\n")
    profile = folder / "_规则.yaml"
    profile.write_text("基于: 默认\n规则:\n  IND-PERCENT: 警告\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("build", folder, "--out", out).returncode == 0
    assert "未改变" in run_cli("build", folder, "--out", out).stdout
    profile.write_text("基于: 默认\n规则:\n  IND-PERCENT: 错误\n", encoding="utf-8")
    stopped = run_cli("build", folder, "--out", out)
    assert stopped.returncode == 1 and "超过 100%" in stopped.stderr


from hypothesis import given, settings, strategies as st  # noqa: E402

_UNIT_TEXT = st.text(alphabet=st.sampled_from(list("元万亿千百十%‰个项次人天日月年周工作/()（）平方米公里 ") + ["x", "Q"]),
                     max_size=40)


@settings(max_examples=300, deadline=None)
@given(a=_UNIT_TEXT, b=_UNIT_TEXT)
def test_any_unit_text_is_read_without_error_and_converts_to_itself(a, b):
    assert units.convert(D(7), a, a) == D(7)
    factor = units.conversion(a, b)
    assert (factor is not None) == units.compatible(a, b)
    if factor is not None:
        back = units.conversion(b, a)
        assert back is not None and abs(factor * back - 1) < D("1e-20")


# ---------------------------------------------------------------- the repository boundary (issue 21)

SECRET = "db_password: hunter2-secret\napi_token: tok-3f9a\n"


def _repo_with_profile(tmp_path, rules_line: str) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secrets.yaml").write_text(SECRET, encoding="utf-8")
    return write_document(repo / "sources" / "doc", {"01-测试.yaml": PROJECT}, DOCUMENT + rules_line)


def _check_output(folder: Path) -> str:
    result = run_cli("check", folder)
    return result.stdout + result.stderr


@pytest.mark.parametrize("how", ["relative", "absolute", "link", "base"])
def test_a_profile_outside_the_repository_is_refused_unread(tmp_path, how):
    """Defect 17: ``规则:`` / ``基于:`` naming a file outside the repository is refused before it
    is read; neither its keys nor its values appear."""
    outside = tmp_path / "outside" / "secrets.yaml"
    rules = {"relative": "../../../outside/secrets.yaml", "absolute": str(outside),
             "link": "_规则.yaml", "base": "_规则.yaml"}[how]
    folder = _repo_with_profile(tmp_path, f"规则: {rules}\n")
    if how == "link":
        (folder / "_规则.yaml").symlink_to(outside)
    if how == "base":
        (folder / "_规则.yaml").write_text(f"名称: 本单位\n基于: {outside}\n", encoding="utf-8")
    out = _check_output(folder)
    assert "在仓库之外" in out and "PROFILE" in out
    for secret in ("db_password", "hunter2", "api_token", "tok-3f9a"):
        assert secret not in out
    _, problems = check([folder])
    refused = [p for p in problems if p.rule == "PROFILE"]
    assert len(refused) == 1 and refused[0].field == ("基于" if how == "base" else "规则")


def test_a_file_that_is_not_a_profile_is_named_but_its_contents_are_not_shown(tmp_path):
    folder = _repo_with_profile(tmp_path, "规则: ../../config.yaml\n")
    (tmp_path / "repo" / "config.yaml").write_text(SECRET, encoding="utf-8")
    out = _check_output(folder)
    assert "不是规则集文件" in out and "其内容未显示" in out
    for secret in ("db_password", "hunter2", "api_token", "tok-3f9a"):
        assert secret not in out


def test_a_shipped_profile_name_and_a_profile_inside_the_repository_still_work(tmp_path):
    folder = _repo_with_profile(tmp_path, "规则: ../../规则/本局.yaml\n")
    (tmp_path / "repo" / "规则").mkdir()
    (tmp_path / "repo" / "规则" / "本局.yaml").write_text("名称: 本局\n基于: 上海-2025\n规则:\n  IND-PERCENT: 关闭\n",
                                                       encoding="utf-8")
    _, problems = check([folder])
    assert not [p for p in problems if p.rule == "PROFILE"]
    assert any(p.rule == "IND-COST-MISSING" for p in problems)  # 上海-2025, reached through 基于
