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
