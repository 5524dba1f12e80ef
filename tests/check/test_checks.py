"""budgetdoc check: every rule catches its slip with the right rule, line and numbers,
and the shipped seed sources give exactly their real findings."""

from __future__ import annotations

import json
import os
import re

import pytest

from builder.output.build import check
from builder.check.rules import RULES
from builder.check.profile import META_RULES
from conftest import ROOT, SOURCES, run_cli
from helpers import PROJECT, rule_line, write_document

EVALUATION_FINDINGS = [
    ("01-G60科创走廊建设.yaml", 43, "DEVIATION-MISSING", "留学生专场招聘会"),
    ("01-G60科创走廊建设.yaml", 47, "DEVIATION-MISSING", "云聘会"),
    ("01-G60科创走廊建设.yaml", 51, "DEVIATION-MISSING", "2023上海G60·中国留学生论坛可持续发展峰会"),
    ("01-G60科创走廊建设.yaml", 56, "DEVIATION-MISSING", "发布重大领域、关键领域及其他领域研究方向"),
    ("01-G60科创走廊建设.yaml", 60, "SCORE-COMPUTED", "按规则得分 5.60，写明的得分为 8"),
    ("01-G60科创走廊建设.yaml", 95, "DEVIATION-MISSING", "推动院士工作站与企业实质性合作和项目对接"),
    ("01-G60科创走廊建设.yaml", 95, "IND-UNIT", "“>=20”没有计量单位"),
    ("02-政策研究.yaml", 22, "DEVIATION-MISSING", "发布重大领域、关键领域及其他领域研究方向"),
    ("02-政策研究.yaml", 26, "SCORE-COMPUTED", "按规则得分 21，写明的得分为 30"),
    ("03-要素对接.yaml", 33, "DEVIATION-MISSING", "留学生专场招聘会"),
    ("03-要素对接.yaml", 37, "DEVIATION-MISSING", "云聘会"),
    ("03-要素对接.yaml", 41, "DEVIATION-MISSING", "2023上海G60·中国留学生论坛可持续发展峰会"),
    ("03-要素对接.yaml", 46, "DEVIATION-MISSING", "推动院士工作站与企业实质性合作和项目对接"),
    ("03-要素对接.yaml", 46, "IND-UNIT", "“>=20”没有计量单位"),
]

TARGET_FINDINGS = [
    ("02-G60日常办公经费.yaml", 54, "IND-UNIT", "“100%”有数值和单位但没有比较符"),
    ("03-派驻干部费用.yaml", 41, "IND-COST-UNIT", "“补贴标准”的单位“人/月”不含“元”"),
    ("04-重大活动经费.yaml", 40, "IND-COST-UNIT", "“人均餐费”的单位“人/天”不含“元”"),
    ("06-展示馆物业管理能源和水电费.yaml", 35, "BUDGET-ITEMS", "明细合计 81.8988 万元与金额 81.9 万元相差 0.0012 万元"),
    ("07-产业要素对接.yaml", 24, "COPIED-TEXT", "立项依据提到了本文档另一个项目“展示馆运维费”（本项目为“产业要素对接”）"),
    ("08-科创要素对接.yaml", 27, "COPIED-TEXT", "实施主体提到了本文档另一个项目“重大活动经费”（本项目为“科创要素对接”）"),
    ("08-科创要素对接.yaml", 52, "IND-COST-UNIT", "“市外差旅补助费”的单位“人/天”不含“元”"),
    ("09-优化营商环境.yaml", 45, "IND-COST-UNIT", "“市外差旅补助费”的单位“人/天”不含“元”"),
]


@pytest.mark.parametrize("folder, expected", [
    ("2025-绩效目标申报", TARGET_FINDINGS), ("2023-绩效自评", EVALUATION_FINDINGS),
])
def test_seed_sources_give_exactly_their_real_findings(folder, expected):
    _, problems = check([SOURCES / folder])
    got = [(p.location.file.name, p.location.line, p.rule) for p in problems]
    assert got == [e[:3] for e in expected]
    for problem, (*_, text) in zip(problems, expected):
        assert problem.severity == "警告"
        assert text in problem.message, problem.message


def findings(tmp_path, project_text: str, **extra_files) -> list[str]:
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": project_text, **extra_files})
    _, problems = check([folder])
    return [rule_line(p).replace(str(folder) + os.sep, "") for p in problems]


RULE_CASES = {
    "FUND-ANNUAL": (
        [("    合计: 250000.00\n    当年财政拨款: 250000.00", "    合计: 349.80万\n    当年财政拨款: 300万"),
         ("    合计: 250000.00\n    财政资金: 250000.00", "    合计: 349.80万\n    财政资金: 349.80万"),
         ("预算资金 25 万元。", "预算资金 349.80 万元。")],
        "01-测试.yaml:14:9 [错误] FUND-ANNUAL 年度资金申请总额 3,498,000.00 ≠ 当年财政拨款 3,000,000.00 + 上年结转资金 0.00 + 其他资金 0.00 = 3,000,000.00",
    ),
    "FUND-TOTAL": (
        [("    合计: 250000.00\n    财政资金: 250000.00", "    合计: 250000.00\n    财政资金: 240000.00")],
        "01-测试.yaml:10:9 [错误] FUND-TOTAL 项目资金总额 250,000.00 ≠ 财政资金 240,000.00 + 其他资金 0.00 = 240,000.00",
    ),
    "FUND-ANNUAL-LIMIT": (
        [("    合计: 250000.00\n    财政资金: 250000.00", "    合计: 200000.00\n    财政资金: 200000.00")],
        "01-测试.yaml:14:5 [错误] FUND-ANNUAL-LIMIT 年度资金申请总额 250,000.00 大于项目资金总额 200,000.00",
    ),
    "FUND-SINGLE-YEAR": (
        [("    合计: 250000.00\n    财政资金: 250000.00", "    合计: 300000.00\n    财政资金: 300000.00"),
         ("年度预算安排: 预算资金 25 万元。", "年度预算安排: 预算资金 25 万元。")],
        "01-测试.yaml:14:5 [警告] FUND-SINGLE-YEAR 项目起止日期都在 2025 年内，但年度资金申请总额 250,000.00 ≠ 项目资金总额 300,000.00（多年度项目请核对计划开始、完成日期）",
    ),
    "BUDGET-TEXT (万元/元 slip)": (
        [("年度预算安排: 预算资金 25 万元。", "年度预算安排: 预算资金 25 元。")],
        "01-测试.yaml:24:11 [警告] BUDGET-TEXT 年度预算安排写的金额 0.0025 万元（合计 0.0025 万元 = 25.00 元）与年度资金申请总额 250,000.00 元不符（请核对万元与元）",
    ),
    "DATE-YEAR": (
        [("计划开始日期: 2025-01-01", "计划开始日期: 2026-01-01"), ("计划完成日期: 2025-12-31", "计划完成日期: 2026-12-31"),
         ("实施周期: 2025 年 1 月至 2025 年 12 月", "实施周期: 2026 年 1 月至 2026 年 12 月")],
        "01-测试.yaml:6:9 [错误] DATE-YEAR 项目期间 2026-01-01 至 2026-12-31 与预算年度 2025 年没有重叠",
    ),
    "PERIOD-TEXT": (
        [("实施周期: 2025 年 1 月至 2025 年 12 月", "实施周期: 2025 年 1 月至 2026 年 12 月")],
        "01-测试.yaml:23:9 [警告] PERIOD-TEXT 实施周期写到 2026 年，不在计划日期 2025-01-01 至 2025-12-31 之内",
    ),
    "IND-FRAMEWORK": (
        [("    数量指标:", "    社会效益指标:")],
        "01-测试.yaml:27:3 [警告] IND-COVERAGE 没有产出指标",
        "01-测试.yaml:28:5 [错误] IND-FRAMEWORK “社会效益指标”属于“效益指标”，不是“产出指标”下的二级指标（可用：数量指标、质量指标、时效指标）",
    ),
    "IND-COVERAGE": (
        [("  满意度指标:\n    服务对象满意度指标:\n      单位满意度: ≥90(%)\n", "")],
        "01-测试.yaml:27:3 [警告] IND-COVERAGE 没有满意度指标",
    ),
    "IND-UNIT (no unit)": (
        [("平台运维数: ≥2(个)", "平台运维数: ≥2")],
        "01-测试.yaml:29:7 [警告] IND-UNIT 指标值“≥2”没有计量单位",
    ),
    "IND-UNIT (no comparator)": (
        [("平台运维数: ≥2(个)", "平台运维数: 985米")],
        "01-测试.yaml:29:7 [警告] IND-UNIT 指标值“985米”有数值和单位但没有比较符（如写成 =985米 或 ≥985米）",
    ),
    "IND-DUPLICATE": (
        [("      提升品牌效应: 提升", "      提升品牌效应: 提升\n    可持续影响指标:\n      平台运维数: 持续")],
        "01-测试.yaml:34:7 [错误] IND-DUPLICATE 三级指标“平台运维数”重复（第 29 行 产出指标/数量指标 已有）",
    ),
    "IND-COST-UNIT": (
        [("  产出指标:", "  成本指标:\n    经济成本指标:\n      人均餐费: ≤130(人/天)\n  产出指标:")],
        "01-测试.yaml:29:7 [警告] IND-COST-UNIT 成本指标“人均餐费”的单位“人/天”不含“元”（金额应写成如 ≤130.00(元/人/天)）",
    ),
}


@pytest.mark.parametrize("case", list(RULE_CASES), ids=list(RULE_CASES))
def test_rule_catches_its_slip(tmp_path, case):
    edits, *expected = RULE_CASES[case]
    text = PROJECT
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    assert findings(tmp_path, text) == expected


def test_copied_paragraph_and_duplicate_names(tmp_path):
    other = PROJECT.replace("项目名称: 测试项目", "项目名称: 展示馆运维费")
    copied = PROJECT.replace("立项依据: 依据。", "立项依据: 展示馆运维费项目：根据合同约定。")
    assert findings(tmp_path, copied, **{"02-b.yaml": other}) == [
        "01-测试.yaml:20:9 [警告] COPIED-TEXT 立项依据提到了本文档另一个项目“展示馆运维费”（本项目为“测试项目”），可能是从该项目复制的文字",
    ]


def test_foreign_project_label(tmp_path):
    copied = PROJECT.replace("实施主体: 主体。", "实施主体: 重大活动经费项目实施主体：区科创发展办。")
    assert findings(tmp_path, copied) == [
        "01-测试.yaml:21:9 [警告] COPIED-TEXT 实施主体以“重大活动经费项目”开头，与本项目“测试项目”不符，可能是复制来的文字",
    ]


def test_duplicate_project_names(tmp_path):
    assert findings(tmp_path, PROJECT, **{"02-b.yaml": PROJECT}) == [
        "02-b.yaml:1:7 [错误] DOC-NAMES 项目名称“测试项目”与 01-测试.yaml 重复",
    ]


def test_stated_summary_must_follow_from_projects(tmp_path):
    document = "文档类型: 绩效目标申报\n年度: 2025\n单位名称: 测试单位\n项目数: 2\n涉及项目预算资金: 30万\n"
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT}, document)
    _, problems = check([folder])
    assert [rule_line(p).replace(str(folder) + os.sep, "") for p in problems] == [
        "document.yaml:4:6 [错误] DOC-SUMMARY 写明的项目数 2 ≠ 项目文件数 1",
        "document.yaml:5:11 [错误] DOC-SUMMARY 写明的涉及项目预算资金 300,000.00 元 ≠ 各项目年度资金申请总额之和 250,000.00 元",
    ]


def test_budget_text_in_wan_or_yuan_matches_and_multi_year_total_is_not_compared(tmp_path):
    ok = PROJECT.replace("年度预算安排: 预算资金 25 万元。", "年度预算安排: |-\n    （1）设备 8台，单价 0.6 万，4.8 万；\n    （2）其余：20.2 万。")
    assert findings(tmp_path, ok) == []
    multi = (PROJECT.replace("计划开始日期: 2025-01-01", "计划开始日期: 2024-01-01")
             .replace("    合计: 250000.00\n    财政资金: 250000.00", "    合计: 500000.00\n    财政资金: 500000.00"))
    assert findings(tmp_path / "m", multi) == []


def test_check_cli_text_json_and_exit_codes(tmp_path):
    clean = run_cli("check", SOURCES / "2025-绩效目标申报")
    assert clean.returncode == 0  # warnings only
    assert clean.stdout.count("[警告]") == len(TARGET_FINDINGS)
    strict = run_cli("check", "--strict", SOURCES / "2025-绩效目标申报")
    assert strict.returncode == 1
    as_json = run_cli("check", "--format", "json", SOURCES)
    entries = json.loads(as_json.stdout)
    text_lines = run_cli("check", SOURCES).stdout.splitlines()
    rebuilt = [f"{e['file']}:{e['line']}:{e['column']} [{e['severity']}] {e['rule']} {e['field']}: {e['message']}"
               for e in entries]
    assert rebuilt == text_lines
    assert entries[0]["values"] and {"file", "line", "column", "severity", "rule", "message", "values"} <= set(entries[0])
    broken = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT.replace("    合计: 250000.00\n    当年财政拨款",
                                                                               "    合计: 240000.00\n    当年财政拨款")})
    failing = run_cli("check", broken)
    assert failing.returncode == 1 and "[错误] FUND-ANNUAL" in failing.stdout
    assert run_cli("check", "--format", "xml").returncode == 2


def test_build_prints_warnings_and_goes_on(tmp_path):
    result = run_cli("build", SOURCES / "2025-绩效目标申报", "--out", tmp_path)
    assert result.returncode == 0
    # the same line as budgetdoc check prints: level, rule, field path, message
    assert ("[警告] COPIED-TEXT 情况说明.立项依据: 立项依据提到了本文档另一个项目" in result.stderr
            and "可能是从该项目复制的文字\n" in result.stderr)
    assert (tmp_path / "2025-绩效目标申报.docx").is_file()


def test_every_rule_is_in_the_rule_table():
    # docs/checks.md
    table = "\n".join(p.read_text(encoding="utf-8")
                      for p in [ROOT / "docs" / "checks.md"])
    documented = set(re.findall(r"^\| `([A-Z-]+)` \|", table, flags=re.M))
    assert {r.id for r in RULES} | {"IND-FRAMEWORK", "PARENT-SUM", "SOURCE", "PROJECT-ENDED", *META_RULES} == documented


# ---------------------------------------------------------------- issue 21: fund rows, amounts in prose

EVAL_DOCUMENT = "文档类型: 绩效自评\n年度: 2024\n单位名称: 某区文化馆\n"
EVAL_PROJECT = """\
项目名称: 培训
主管部门: 某区文化旅游局
实施单位: 某区文化馆
项目资金:
  年度资金总额: [500, 3, 2]
  当年财政拨款: [500, 3, 2]
  上年结转资金: [null, 0, 0]
  其他资金: [null, 0, 0]
预算执行分值: 10
预期目标: 培训。
实际完成情况: 培训。
绩效指标:
  产出指标:
    数量指标:
      培训场次:
        指标值: ≥10(场)
        实际完成值: =10(场)
        分值: 90
"""


def _fund_findings(tmp_path, rows: str) -> list[str]:
    text = EVAL_PROJECT.replace("  年度资金总额: [500, 3, 2]\n  当年财政拨款: [500, 3, 2]\n", rows)
    folder = write_document(tmp_path / "doc", {"01-培训.yaml": text}, EVAL_DOCUMENT)
    _, problems = check([folder])
    return [rule_line(p).replace(str(folder) + os.sep, "") for p in problems if p.rule == "EVAL-FUNDS"]


def test_fund_rows_with_blank_parts_pass_when_a_part_is_filled(tmp_path):
    assert _fund_findings(tmp_path, "  年度资金总额: [500, 3, 2]\n  当年财政拨款: [500, 3, 2]\n") == []


def test_a_blank_total_with_filled_parts_is_an_error(tmp_path):
    # issue 21: EVAL-FUNDS passed 年度资金总额 [null, 3, 2] with 当年财政拨款 [500, 3, 2]
    assert _fund_findings(tmp_path, "  年度资金总额: [null, 3, 2]\n  当年财政拨款: [500, 3, 2]\n") == [
        "01-培训.yaml:5:11 [错误] EVAL-FUNDS 年初预算数：年度资金总额为空白，而当年财政拨款 500.00 已填写（请填写年度资金总额，应为其合计）",
    ]


def test_a_filled_total_with_every_part_blank_is_an_error(tmp_path):
    # issue 21: EVAL-FUNDS passed [3, 3, 2] with every part null
    rows = "  年度资金总额: [3, 3, 2]\n  当年财政拨款: [null, null, null]\n"
    # 上年结转资金 and 其他资金 are 0 in the last two columns: there the parts are filled (and do not add up)
    assert [f.split(" EVAL-FUNDS ")[1][:5] for f in _fund_findings(tmp_path, rows)] == ["年初预算数", "全年预算数", "全年执行数"]
    text = (EVAL_PROJECT.replace("  年度资金总额: [500, 3, 2]\n  当年财政拨款: [500, 3, 2]\n", rows)
            .replace("  上年结转资金: [null, 0, 0]\n  其他资金: [null, 0, 0]\n", ""))
    folder = write_document(tmp_path / "doc2", {"01-培训.yaml": text}, EVAL_DOCUMENT)
    _, problems = check([folder])
    assert [rule_line(p).replace(str(folder) + os.sep, "") for p in problems if p.rule == "EVAL-FUNDS"] == [
        f"01-培训.yaml:5:11 [错误] EVAL-FUNDS {column}：年度资金总额 {amount} 已填写，而当年财政拨款、上年结转资金、其他资金都为空白"
        "（请填写组成部分，没有的写 0）"
        for column, amount in (("年初预算数", "3.00"), ("全年预算数", "3.00"), ("全年执行数", "2.00"))
    ]


@pytest.mark.parametrize("budget_text", [
    "松江区科创云平台软件开发费 828,000 元。",  # was read as 0 万元 (the digits after the comma)
    "软件开发费 828，000 元。",
    "（1）设备 8台，单价 0.6 万，4.8 万；（2）其余 78 万。",  # the unit price is no part of the sum
    "派驻干部每人每月 0.3 万元*16 人*12 月=57.6 万，其余 25.2 万元。",
    "人均 2 万元，共 41 人，合计 82.8 万元。",
])
def test_budget_text_reads_amounts_as_money_and_skips_unit_prices(tmp_path, budget_text):
    project = (PROJECT.replace("250000.00", "828000.00").replace("年度预算安排: 预算资金 25 万元。", f"年度预算安排: {budget_text}"))
    assert [f for f in findings(tmp_path, project) if "BUDGET-TEXT" in f] == []


def test_budget_text_with_a_unit_price_that_does_not_add_up_is_reported(tmp_path):
    project = PROJECT.replace("年度预算安排: 预算资金 25 万元。", "年度预算安排: 单价 0.6 万，4.8 万；其余 20 万。")
    assert [f for f in findings(tmp_path, project) if "BUDGET-TEXT" in f] == [
        "01-测试.yaml:24:11 [警告] BUDGET-TEXT 年度预算安排写的金额 4.8 万元、20 万元（合计 24.8 万元 = 248,000.00 元）"
        "与年度资金申请总额 250,000.00 元不符（请核对万元与元）",
    ]
