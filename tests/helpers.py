"""Small source trees written by tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

DOCUMENT = """\
文档类型: 绩效目标申报
年度: 2025
单位名称: 测试单位
"""

PROJECT = """\
项目名称: 测试项目
项目性质: 其他经常性项目
项目类别: 其他运转类
主管部门: 测试主管部门
实施单位: 测试实施单位
计划开始日期: 2025-01-01
计划完成日期: 2025-12-31
项目资金:
  项目资金总额:
    合计: 250000.00
    财政资金: 250000.00
    其他资金: 0
  年度资金申请总额:
    合计: 250000.00
    当年财政拨款: 250000.00
    上年结转资金: 0
    其他资金: 0
情况说明:
  项目概述: 概述。
  立项依据: 依据。
  实施主体: 主体。
  实施方案: 方案。
  实施周期: 2025 年 1 月至 2025 年 12 月
  年度预算安排: 预算资金 25 万元。
项目总目标: 总目标。
绩效指标:
  产出指标:
    数量指标:
      平台运维数: ≥2(个)
  效益指标:
    社会效益指标:
      提升品牌效应: 提升
  满意度指标:
    服务对象满意度指标:
      单位满意度: ≥90(%)
"""


def write_document(folder: Path, projects: dict[str, str], document: str = DOCUMENT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "document.yaml").write_text(textwrap.dedent(document), encoding="utf-8")
    for name, text in projects.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def rule_line(problem) -> str:
    """A finding as ``path:line:col [级别] 规则编号 说明`` — the printed line (``format_finding``)
    without its field path, so that the rules' tables below stay short. The field path is
    tested where the printed format is (tests/cli/test_friction.py)."""
    note = f"（{problem.note}）" if problem.note else ""
    return f"{problem.location.display()} [{problem.severity}] {problem.rule or 'SOURCE'} {problem.message}{note}"


# a 自评 document with one clean project, to plant slips in (tests/check/test_review.py, tests/check/test_slips.py)
EVAL_DOCUMENT = "文档类型: 绩效自评\n年度: 2025\n单位名称: 测试单位\n"
EVAL_PROJECT = """\
项目名称: 测试项目
主管部门: 测试主管部门
实施单位: 测试实施单位
项目资金:
  年度资金总额: [100000, 100000, 100000]
  当年财政拨款: [100000, 100000, 100000]
  上年结转资金: [0, 0, 0]
  其他资金: [0, 0, 0]
预算执行分值: 10
预期目标: 目标。
实际完成情况: 完成。
绩效指标:
  产出指标:
    数量指标:
      活动场次:
        指标值: =4(场)
        实际完成值: =4(场)
        分值: 50
  效益指标:
    社会效益指标:
      社会影响:
        指标值: 提升
        实际完成值: 达成预期指标
        分值: 30
  满意度指标:
    服务对象满意度指标:
      满意度:
        指标值: ≥90(%)
        实际完成值: =95(%)
        分值: 10
"""


# ---------------------------------------------------------------- a 绩效运行监控 (issue 26)

# a monitoring on the shipped 绩效运行监控 form (builder/forms/绩效运行监控.yaml); with ``own_form`` the same
# keys on a bureau's form of its own (money in 元, 1—7月执行数, a 其他 cause of another kind): the rules
# read the roles either declares, never a key
MONITOR_KIND = "绩效运行监控"
MONITOR_FORM = """\
名称: 某区项目支出绩效目标执行监控表
文档类型: 绩效运行监控
单位: 元
文档:
  监控日期: {类型: 日期, 角色: 监控日期, 标签: 截至日期}
项目:
  项目名称: {类型: 文本, 必填: true, 角色: 名称}
  主管部门: {类型: 文本, 必填: true}
  实施单位: {类型: 文本, 必填: true}
  项目资金:
    类型: 金额表
    标签: 项目资金（元）
    写法: 行为列表
    列:
      年初预算数: {}
      执行数: {标签: 1—7月执行数}
      全年预计执行数: {}
    行:
      年度资金总额: {合计: true, 来自申报: 年度金额}
      当年财政拨款: {来自申报: 本年财政拨款}
      上年结转资金: {来自申报: 上年结转}
      其他资金: {来自申报: 其余}
    合计: {不写时: 计算, 规则: MON-FUNDS}
    角色:
      预算数: 年度资金总额.年初预算数
      执行数: 年度资金总额.执行数
      预计执行数: 年度资金总额.全年预计执行数
  调整说明: {类型: 段落, 默认: [], 标签: 预算调整, 角色: 调整说明}
  年度总体目标: {类型: 段落, 来自申报: [年度目标, 总目标]}
  总体目标监控:
    类型: 分组
    字段:
      执行情况: {类型: 段落, 标签: 1—7月执行情况, 角色: 完成情况}
  绩效指标:
    类型: 指标
    必填: true
    简写: 指标值
    列:
      指标值: {类型: 指标值, 必填: true, 标签: 年度指标值, 角色: 目标值}
      全年预计: {类型: 指标值, 标签: 全年预计完成情况, 角色: 预计值}
      经费保障: {类型: 文本, 角色: 偏差原因}
      制度保障: {类型: 文本, 角色: 偏差原因}
      人员保障: {类型: 文本, 角色: 偏差原因}
      硬件条件保障: {类型: 文本, 角色: 偏差原因}
      其他: {类型: %(other)s, 角色: 偏差原因}
      完成可能性: {类型: 选项, 可选: [确定能, 有可能, 完全不可能], 标签: 完成目标可能性, 角色: 完成可能性}
      整改措施: {类型: 文本, 角色: 整改措施}
"""

MONITOR_DOCUMENT = """\
文档类型: 绩效运行监控
年度: 2025
单位名称: 某区文化馆
监控日期: 2025-07-31
"""

MONITOR_PROJECT = """\
项目名称: 培训
项目资金:
  年度资金总额: [120000, 60000, 120000]
  当年财政拨款: [120000, 60000, 120000]
年度总体目标: 培训。
绩效指标:
  产出指标:
    数量指标:
      培训场次:
        指标值: ≥12(场)
        全年预计: =12(场)
        完成可能性: 确定能
  效益指标:
    经济效益指标:
      带动消费:
        指标值: ≥8000(元)
        全年预计: =0.8(万元)
        完成可能性: 确定能
    社会效益指标:
      参训人数:
        指标值: ≥100(人)
        全年预计: =100(人)
        完成可能性: 确定能
  满意度指标:
    服务对象满意度指标:
      满意度: {指标值: ≥90(%), 全年预计: =95(%), 完成可能性: 确定能}
主管部门: 某区文化旅游局
实施单位: 某区文化馆
总体目标监控:
  执行情况: 已办培训 6 场。
"""


def write_monitoring(folder: Path, project: str = MONITOR_PROJECT, document: str | None = None, other: str = "",
                     extra: dict | None = None) -> Path:
    """A 绩效运行监控 document with one project (tests/check/test_monitor.py, tests/cycle/test_monitor_next.py):
    on the shipped form, or with ``other`` (the kind of its 其他 cause column) on the bureau's form above."""
    files = {"01-培训.yaml": project, **(extra or {})}
    document = document or MONITOR_DOCUMENT
    if other:
        files["_监控表单.yaml"] = MONITOR_FORM % {"other": other}
        document += "表单: _监控表单.yaml\n"
    return write_document(folder, files, document)


def require_validator() -> None:
    """Skip when Microsoft's Open XML SDK validator is not installed (no Node, or no package where
    builder.output.validate looks) — fail instead under BUDGETDOC_REQUIRE_VALIDATOR (set by .ci/run)."""
    import os
    import shutil

    import pytest

    from builder.output.validate import find_package, missing_message

    if find_package(Path(__file__).resolve().parents[1]) is None or shutil.which("node") is None:
        if os.environ.get("BUDGETDOC_REQUIRE_VALIDATOR"):
            pytest.fail(f"the Open XML SDK validator is required but missing: {missing_message()}")
        pytest.skip(f"the Open XML SDK validator is not installed here: {missing_message()}")


def validator_errors(*files: Path) -> dict[str, list[str]]:
    """Microsoft's Open XML SDK validator on ``files``, through budgetdoc's own runner
    (builder.output.validate): {file name: [error descriptions]} for the files that have errors
    ({} when all are valid). Skips or fails as ``require_validator`` says when it is missing."""
    from builder.output.validate import validate

    require_validator()
    results = validate([Path(f) for f in files], Path(__file__).resolve().parents[1])
    assert len(results) == len(files)
    return {path.name: [f.format() for f in found] for path, found in results.items() if found}
