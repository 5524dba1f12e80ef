"""Issue 26, part 3: the reviewer's checks of a mid-year monitoring (绩效运行监控) — 执行率 against
时序进度 with the profile's thresholds, indicators off track, 完全不可能 and its 整改, the money's
order, the fund rows' totals — and ``check --against`` the 申报 (MON-ADJUST).

The monitoring document is written here with a form of its own that declares the roles the rules
read (as the shipped 绩效运行监控 form and a bureau's do): the rules know no field of it."""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal as D

import pytest

from builder.check import monitor
from builder.check.profile import rule_settings
from builder.load.loader import load_document
from builder.output.build import check
from conftest import SOURCES, run_cli
from helpers import MONITOR_DOCUMENT, MONITOR_PROJECT as PROJECT, PROJECT as TARGET_TEMPLATE, rule_line, write_document
from helpers import write_monitoring

def _folder(tmp_path, project=PROJECT, document=None, other="", extra=None):
    return write_monitoring(tmp_path / "监控", project, document, other, extra)


def _findings(tmp_path, project=PROJECT, document=None, prefix="MON-", **kwargs):
    folder = _folder(tmp_path, project, document, **kwargs)
    _, problems = check([folder])
    return [rule_line(p).replace(str(folder) + os.sep, "") for p in problems
            if (p.rule or "").startswith(prefix) or p.rule in ("PROFILE", "SOURCE")]


def _funds(total, fiscal=None):
    fiscal = fiscal or total
    return PROJECT.replace("  年度资金总额: [120000, 60000, 120000]\n  当年财政拨款: [120000, 60000, 120000]\n",
                           f"  年度资金总额: {total}\n  当年财政拨款: {fiscal}\n")


def test_the_clean_monitoring_has_no_findings(tmp_path):
    """执行率 50.00% at 7月31日 (58.33%): 8.33 points behind, 绿; every indicator on track."""
    assert _findings(tmp_path, prefix="") == []


# ---------------------------------------------------------------- 时序进度 and the light

@pytest.mark.parametrize("date, share", [
    (dt.date(2025, 7, 31), "58.33"), (dt.date(2025, 6, 30), "50.00"), (dt.date(2025, 12, 31), "100.00"),
    (dt.date(2025, 7, 15), "54.03"),  # (6 + 15/31) / 12
    (dt.date(2024, 12, 31), "0.00"), (dt.date(2026, 1, 31), "100.00"),
])
def test_time_elapsed_is_the_months_gone(date, share):
    assert monitor.percent(monitor.elapsed(date, 2025)) == D(share)


@pytest.mark.parametrize("spent, light", [
    ("60000", "绿"),  # 50.00%: 8.33 behind
    ("58000", "绿"),  # 48.33%: 10.00 behind — not more than 10
    ("57000", "黄"),  # 47.50%: 10.83
    ("46000", "黄"),  # 38.33%: 20.00 — not more than 20
    ("45000", "红"),  # 37.50%: 20.83
    ("130000", "绿"),  # ahead of time
])
def test_the_light_follows_the_default_thresholds(tmp_path, spent, light):
    folder = _folder(tmp_path, _funds(f"[120000, {spent}, 130000]"), extra={})
    document = load_document(folder).document
    pace = monitor.pace(document, document.projects[0], rule_settings(document))
    assert (pace.elapsed_text, pace.light) == ("58.33%", light)


def test_a_project_far_behind_is_a_red_light_at_its_money_row_with_the_forms_labels(tmp_path):
    """A bureau's form of its own (money in 元, 1—7月执行数, 截至日期): its labels and unit."""
    assert _findings(tmp_path, _funds("[120000, 36000, 120000]"), other="文本") == [
        "01-培训.yaml:3:11 [警告] MON-PACE 执行率 30.00%（1—7月执行数 36,000.00 / 年初预算数 120,000.00）"
        "落后于截至日期 2025-07-31 的时序进度 58.33% 28.33 个百分点（超过 20）：红灯",
    ]
    yellow = _findings(tmp_path / "y", _funds("[120000, 54000, 120000]"))  # the shipped form
    assert [line.split("：")[-1] for line in yellow] == ["黄灯"] and "（超过 10）" in yellow[0]


def test_thresholds_come_from_the_documents_profile(tmp_path):
    profile = "名称: 本区\n基于: 默认\n参数:\n  MON-PACE:\n    黄灯: 5\n    红灯: 8\n"
    document = MONITOR_DOCUMENT + "规则: _规则-本区.yaml\n"
    lines = _findings(tmp_path, document=document, extra={"_规则-本区.yaml": profile})
    assert lines == ["01-培训.yaml:3:11 [警告] MON-PACE 执行率 50.00%（执行数 6.00 万元 / 年初预算数 12.00 万元）"
                     "落后于监控日期 2025-07-31 的时序进度 58.33% 8.33 个百分点（超过 8）：红灯"]
    folder = tmp_path / "监控"
    assert rule_settings(load_document(folder).document)["MON-PACE"] == {"黄灯": D(5), "红灯": D(8)}
    # a profile that sets one of them, not based on 默认: the other from 默认.yaml
    (folder / "_规则-本区.yaml").write_text("名称: 本区\n参数:\n  MON-PACE: {黄灯: 5}\n", encoding="utf-8")
    assert rule_settings(load_document(folder).document)["MON-PACE"] == {"黄灯": D(5), "红灯": D(20)}


def test_a_mistyped_parameter_is_a_located_profile_error_with_a_suggestion(tmp_path):
    profile = "名称: 本区\n参数:\n  MON-PACE:\n    黄: 5\n    红灯: 很多\n  MON-PAC: {黄灯: 1}\n  IND-UNIT: {x: 1}\n"
    lines = _findings(tmp_path, document=MONITOR_DOCUMENT + "规则: _规则-本区.yaml\n", extra={"_规则-本区.yaml": profile})
    assert [line for line in lines if "PROFILE" in line] == [
        "_规则-本区.yaml:4:5 [错误] PROFILE 未知的参数“黄”，是否应为“黄灯”？",
        "_规则-本区.yaml:5:9 [错误] PROFILE 参数“红灯”应为数值",
        "_规则-本区.yaml:6:3 [错误] PROFILE 规则“MON-PAC”没有参数，是否应为“MON-PACE”？",
        "_规则-本区.yaml:7:3 [错误] PROFILE 规则“IND-UNIT”没有参数（有参数的规则：MON-PACE）",
    ]


def test_the_shipped_default_profile_gives_every_parameter_a_default():
    from builder.check.profile import PROFILE_DIR, read_profile
    from builder.check.rules import RULES

    default = read_profile(PROFILE_DIR / "默认.yaml", [], ())
    assert {r.id: set(r.settings) for r in RULES if r.settings} == {k: set(v) for k, v in default.settings.items()}


# ---------------------------------------------------------------- indicators off track

def test_an_indicator_off_track_needs_a_ticked_cause_and_cannot_be_certain(tmp_path):
    project = PROJECT.replace("        全年预计: =12(场)\n", "        全年预计: =8(场)\n")
    assert _findings(tmp_path, project) == [
        "01-培训.yaml:9:7 [警告] MON-LIKELIHOOD “培训场次”全年预计完成情况 =8(场) 达不到年度指标值 ≥12(场)，"
        "完成目标可能性不能是“确定能”",
        "01-培训.yaml:9:7 [警告] MON-OFF-TRACK “培训场次”全年预计完成情况 =8(场) 达不到年度指标值 ≥12(场)，"
        "没有勾选偏差原因（经费保障、制度保障、人员保障、硬件条件保障、其他）：请勾选并写明原因",
    ]
    explained = project.replace("        完成可能性: 确定能\n", "        经费保障: 资金 8 月下达\n        完成可能性: 有可能\n", 1)
    assert _findings(tmp_path / "b", explained) == []


def test_the_comparison_is_the_evaluations_with_its_units(tmp_path):
    """0.8 万元 reaches ≥8000 元 (no finding); 0.7 万元 does not; 个 against 元 cannot be told (silent)."""
    short = PROJECT.replace("全年预计: =0.8(万元)", "全年预计: =0.7(万元)")
    assert [line.split(" ", 3)[2] for line in _findings(tmp_path, short)] == ["MON-LIKELIHOOD", "MON-OFF-TRACK"]
    other_dimension = PROJECT.replace("全年预计: =0.8(万元)", "全年预计: =3(个)")
    assert _findings(tmp_path / "b", other_dimension) == []


def test_a_cause_ticked_on_track_or_ticked_without_words_is_reported(tmp_path):
    on_track = PROJECT.replace("        全年预计: =12(场)\n", "        全年预计: =12(场)\n        人员保障: 人手不足\n")
    assert _findings(tmp_path, on_track) == [
        "01-培训.yaml:9:7 [警告] MON-OFF-TRACK “培训场次”全年预计完成情况 =12(场) 达到年度指标值 ≥12(场)，"
        "却勾选了偏差原因“人员保障”（预计达到的指标不勾选）"]
    ticked = PROJECT.replace("        全年预计: =12(场)\n        完成可能性: 确定能\n",
                             "        全年预计: =8(场)\n        其他: true\n        完成可能性: 有可能\n")
    assert _findings(tmp_path / "b", ticked, other="真假") == [
        "01-培训.yaml:9:7 [警告] MON-OFF-TRACK “培训场次”全年预计完成情况 =8(场) 达不到年度指标值 ≥12(场)，"
        "勾选了“其他”却没有写明原因"]


def test_impossible_needs_the_corrective_measures(tmp_path):
    project = PROJECT.replace("        全年预计: =100(人)\n        完成可能性: 确定能\n",
                              "        全年预计: =60(人)\n        其他: 场地改造\n        完成可能性: 完全不可能\n")
    assert _findings(tmp_path, project) == [
        "01-培训.yaml:20:7 [警告] MON-REMEDY “参训人数”的完成目标可能性为“完全不可能”，整改措施为空：请写明整改措施"]
    fixed = project.replace("        完成可能性: 完全不可能\n", "        完成可能性: 完全不可能\n        整改措施: 下半年增开两期\n")
    assert _findings(tmp_path / "b", fixed) == []


# ---------------------------------------------------------------- money

def test_spent_within_forecast_within_budget_unless_an_adjustment_is_stated(tmp_path):
    project = _funds("[120000, 60000, 130000]")
    assert _findings(tmp_path, project) == [
        "01-培训.yaml:3:11 [错误] MON-ORDER 年度资金总额：全年预计执行数 13.00 万元 大于年初预算数 12.00 万元"
        "（预算有调整的，请在“调整说明”中写明）",
        "01-培训.yaml:4:11 [错误] MON-ORDER 当年财政拨款：全年预计执行数 13.00 万元 大于年初预算数 12.00 万元"
        "（预算有调整的，请在“调整说明”中写明）",
    ]
    adjusted = project.replace("年度总体目标:", "调整说明: 追加 1 万元（某财〔2025〕12 号）\n年度总体目标:")
    assert _findings(tmp_path / "b", adjusted) == []
    spent_over_forecast = adjusted.replace("[120000, 60000, 130000]", "[120000, 70000, 60000]")
    assert [line.split(" MON-ORDER ")[1] for line in _findings(tmp_path / "c", spent_over_forecast)] == [
        "年度资金总额：执行数 7.00 万元 大于全年预计执行数 6.00 万元",
        "当年财政拨款：执行数 7.00 万元 大于全年预计执行数 6.00 万元",
    ]


def test_the_fund_rows_add_up_in_every_column_by_the_forms_own_id(tmp_path):
    """No rule of its own: MONEY-TOTAL checks the 合计 row the form declares, under the form's id."""
    project = _funds("[120000, 60000, 120000]", "[100000, 60000, 120000]")
    assert _findings(tmp_path, project, prefix="MON-FUNDS") == [
        "01-培训.yaml:3:11 [错误] MON-FUNDS 年初预算数 12.00 万元 ≠ 当年财政拨款 10.00 万元 + 上年结转资金 0.00 万元 + "
        "其他资金 0.00 万元 = 10.00 万元"]


def test_a_form_without_the_roles_runs_none_of_them():
    _, problems = check([SOURCES])
    assert not [p for p in problems if p.rule.startswith("MON-")]


# ---------------------------------------------------------------- check --against the 申报

# the 申报 the monitoring follows: the tests' 申报 project (tests/helpers.py) with this project's money and indicators
TARGET_PROJECT = TARGET_TEMPLATE.split("绩效指标:\n")[0].replace("项目名称: 测试项目", "项目名称: 培训").replace(
    "250000.00", "120000.00").replace("预算资金 25 万元", "预算资金 12 万元").replace("项目总目标: 总目标。", "项目总目标: 培训。") + """\
绩效指标:
  产出指标:
    数量指标:
      培训场次: ≥12(场)
  效益指标:
    经济效益指标:
      带动消费: ≥8000(元)
    社会效益指标:
      参训人数: ≥100(人)
  满意度指标:
    服务对象满意度指标:
      满意度: ≥90(%)
"""


def _target(tmp_path, project=TARGET_PROJECT):
    return write_document(tmp_path / "申报", {"01-培训.yaml": project},
                          "文档类型: 绩效目标申报\n年度: 2025\n单位名称: 某区文化馆\n")


def test_against_the_same_targets_nothing_is_an_adjustment(tmp_path):
    folder, target = _folder(tmp_path), _target(tmp_path)
    result = run_cli("check", folder, "--against", target, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert [f for f in json.loads(result.stdout) if f["rule"].startswith("MON-")] == []


def test_targets_that_differ_from_the_target_documents_are_adjustments(tmp_path):
    target = _target(tmp_path, TARGET_PROJECT.replace("      培训场次: ≥12(场)\n",
                                                      "      培训场次: ≥15(场)\n      培训课时: ≥40(课时)\n")
                     .replace("项目总目标: 培训。", "项目总目标: 培训 300 人次。"))
    project = _funds("[100000, 60000, 100000]").replace("      满意度: {", "      新指标: {指标值: ≥1(个), 全年预计: =1(个)}\n      满意度: {")
    folder = _folder(tmp_path, project.replace("全年预计: =12(场)", "全年预计: =15(场)"))
    result = run_cli("check", folder, "--against", target)
    lines = [line.replace(str(folder) + os.sep, "") for line in result.stdout.splitlines() if "MON-ADJUST" in line]
    said = "，“调整说明”中没有写明"
    assert lines == [
        f"01-培训.yaml:3:11 [警告] MON-ADJUST 项目资金.年度资金总额.年初预算数: 调整：年度资金总额·年初预算数 10.00 万元 与申报的 12.00 万元 不同{said}",
        f"01-培训.yaml:4:11 [警告] MON-ADJUST 项目资金.当年财政拨款.年初预算数: 调整：当年财政拨款·年初预算数 10.00 万元 与申报的 12.00 万元 不同{said}",
        f"01-培训.yaml:5:9 [警告] MON-ADJUST 年度总体目标: 调整：年度总体目标与申报的不同{said}",
        f"01-培训.yaml:7:3 [警告] MON-ADJUST 绩效指标: 调整：申报的指标“培训课时”（产出指标/数量指标，≥40(课时)）不在本文档中{said}",
        f"01-培训.yaml:9:7 [警告] MON-ADJUST 绩效指标.产出指标.数量指标.培训场次.指标值: 调整：“培训场次”的年度指标值 ≥12(场) 与申报的 ≥15(场) 不同{said}",
        f"01-培训.yaml:26:7 [警告] MON-ADJUST 绩效指标.满意度指标.服务对象满意度指标.新指标: 调整：“新指标”（满意度指标/服务对象满意度指标）是申报中没有的指标{said}",
    ]
    stated = project.replace("年度总体目标:", "调整说明: 经批准调减 2 万元\n年度总体目标:")
    folder = _folder(tmp_path / "b", stated)
    result = run_cli("check", folder, "--against", target)
    assert all(line.endswith("（已写明“调整说明”）") for line in result.stdout.splitlines() if "MON-ADJUST" in line)


def test_against_a_document_that_does_not_load_reports_its_errors(tmp_path):
    target = _target(tmp_path, TARGET_PROJECT.replace("项目名称: 培训\n", ""))
    result = run_cli("check", _folder(tmp_path), "--against", target)
    assert result.returncode == 1 and "申报" in result.stdout and "项目名称" in result.stdout
    assert "MON-ADJUST" not in result.stdout and "Traceback" not in result.stderr
