"""Where a finding shows in the HTML form: the cell (or section) its field path names.

A finding's ``field`` is the dotted path of the source key it concerns
(``项目资金.年度资金申请总额.合计``, ``绩效指标.产出指标.数量指标.平台运维数.得分``,
``情况说明.立项依据``…). It is turned into an *anchor* that the HTML template asks
for beside the cell that prints that value:

- an indicator's path → ``绩效指标#<row>`` (its 三级指标 cell) or
  ``绩效指标#<row>.<column>`` (指标值, 实际完成值, 分值, 得分, 偏差原因分析及改进措施);
- ``项目资金.<row>[.<column>]`` → the money cell of that row (``合计`` is the row's own figure);
- ``情况说明.<section>…`` → that section's heading;
- any other key → its first part (``项目名称``, ``计划完成日期``, ``项目总目标`` …).

An anchor the form has no cell for falls back to the project's name cell; a finding in
no project's file (``document.yaml``, a rule profile) is shown at the top only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builder.model import core as m
from builder.read.errors import Problem, display_path

INDICATOR_COLUMNS = ("指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施")

TARGET_ANCHORS = {
    "项目名称", "项目性质", "项目类别", "主管部门", "实施单位", "计划开始日期", "计划完成日期",
    "项目资金", "项目资金.项目资金总额", "项目资金.项目资金总额.财政资金", "项目资金.项目资金总额.其他资金",
    "项目资金.年度资金申请总额", "项目资金.年度资金申请总额.当年财政拨款",
    "项目资金.年度资金申请总额.上年结转资金", "项目资金.年度资金申请总额.其他资金",
    "情况说明.项目概述", "情况说明.立项依据", "情况说明.实施主体", "情况说明.实施方案", "情况说明.实施周期",
    "情况说明.年度预算安排", "情况说明.绩效目标", "项目总目标", "年度总体目标", "绩效指标",
}
EVALUATION_ANCHORS = {
    "项目名称", "二级构成", "主管部门", "实施单位", "项目资金", "项目资金.年度资金总额",
    "项目资金.当年财政拨款", "项目资金.上年结转资金", "项目资金.其他资金", "预算执行分值",
    "预期目标", "实际完成情况", "绩效指标",
}
SEVERITY_CLASS = {"错误": "error", "警告": "warning", "已接受": "accepted", "已知": "known"}


@dataclass(frozen=True)
class Placed:
    """A finding as the HTML shows it (plain strings only: the template gets no objects)."""

    number: int  # 1, 2, … in the order of the list at the top; the id of its note
    severity: str  # 错误 / 警告 / 已接受 / 已知
    css: str  # error / warning / accepted / known
    rule: str
    field: str
    message: str
    note: str
    where: str  # file:line (as the command line prints it)
    href: str  # vscode://file/ABS:LINE:COL
    project: int | None  # index of the project whose form shows it
    anchor: str

    def as_dict(self) -> dict:
        return {
            "number": self.number, "severity": self.severity, "css": self.css, "rule": self.rule,
            "field": self.field, "message": self.message, "note": self.note, "where": self.where,
            "href": self.href, "anchor": self.anchor,
        }


def editor_link(path: Path, line: int, col: int) -> str:
    """``vscode://file/<absolute path>:line:col`` (characters outside ASCII percent-encoded)."""
    from urllib.parse import quote

    absolute = Path(path).absolute().as_posix()
    if not absolute.startswith("/"):  # C:/… on Windows
        absolute = "/" + absolute
    import os

    # the name's own bytes percent-encoded: a name that is not UTF-8 (surrogate escapes) is no error
    return f"vscode://file{quote(os.fsencode(absolute), safe='/:')}:{line}:{col}"


def _indicator_anchor(project, parts: list[str]) -> str | None:
    """``绩效指标#i[.column]`` for a path into the indicator tree, None when it names no row."""
    best = None
    for index, indicator in enumerate(project.indicators):
        if parts[1:3] != [indicator.level1, indicator.level2]:
            continue
        name = indicator.name.split(".")
        if parts[3:3 + len(name)] == name and (best is None or len(name) > best[1]):
            best = (index, len(name))
    if best is None:
        return None
    index, length = best
    rest = parts[3 + length:]
    column = rest[0] if rest and rest[0] in INDICATOR_COLUMNS else ""
    return f"绩效指标#{index}" + (f".{column}" if column else "")


def anchor_for(project, field: str, kind: str) -> str:
    parts = field.split(".") if field else []
    if not parts:
        return "项目名称"
    known = TARGET_ANCHORS if kind == m.TARGET_KIND else EVALUATION_ANCHORS
    if parts[0] == "绩效指标":
        if len(parts) >= 4:
            found = _indicator_anchor(project, parts)
            if found:
                return found
        return "绩效指标"
    if parts[0] == "情况说明" and len(parts) >= 2:
        key = ".".join(parts[:2])
        return key if key in known else "项目名称"
    if parts[0] == "项目资金":
        clean = [p.split("[", 1)[0] for p in parts[:3] if p != "合计"]
        while clean:
            key = ".".join(clean)
            if key in known:
                return key
            clean.pop()
        return "项目名称"
    first = parts[0].split("[", 1)[0]
    return first if first in known else "项目名称"


def place(document: m.Document | None, problems: list[Problem]) -> list[Placed]:
    """Every finding with the project form and the cell it is shown beside (no form when
    ``document`` is None)."""
    projects = {p.source.resolve(): index for index, p in enumerate(document.projects)} if document else {}
    placed = []
    for number, problem in enumerate(problems, start=1):
        location = problem.location
        try:
            index = projects.get(Path(location.file).resolve())
        except OSError:
            index = None
        anchor = anchor_for(document.projects[index], problem.field, document.kind) if index is not None else ""
        placed.append(Placed(
            number=number, severity=problem.severity, css=SEVERITY_CLASS.get(problem.severity, "warning"),
            rule=problem.rule or "SOURCE", field=problem.field, message=problem.message, note=problem.note,
            where=f"{display_path(location.file)}:{location.line}", href=editor_link(location.file, location.line,
                                                                                       location.col),
            project=index, anchor=anchor,
        ))
    return placed
