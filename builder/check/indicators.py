"""Rules over the document as a whole and the indicator framework: unique names, the summary
figures, coverage of the 一级指标, duplicates, units of 指标值.
"""

from __future__ import annotations

import re

from builder.model import core as m
from builder.read.errors import Location
from builder.check.rules import BOTH, ERROR, WARNING, finding, indicator_path, rule
from builder.model.values import format_fixed, format_yuan


# ---------------------------------------------------------------- document

@rule("DOC-NAMES", ERROR, "同一文档中项目名称不重复", kinds=BOTH)
def check_unique_names(document: m.Document):
    first: dict[str, object] = {}
    for entry in document.all_projects:
        first.setdefault(re.sub(r"\s+", "", entry.name), entry)
    for project in document.projects:
        earlier = first[re.sub(r"\s+", "", project.name)]
        if earlier.source != project.source:
            yield finding(
                project.location("项目名称"), "项目名称", "DOC-NAMES",
                f"项目名称“{project.name}”与 {earlier.source.name} 重复", 项目名称=project.name,
            )


@rule("DOC-SUMMARY", ERROR, "document.yaml 中写明的项目数、涉及项目预算资金与各项目一致")
def check_summary(document: m.Document):
    stated = document.stated_summary
    count = len(document.all_projects)
    if stated.get("项目数") is not None and stated["项目数"] != count:
        yield finding(
            document.locations.get("项目数", Location(document.source)), "项目数", "DOC-SUMMARY",
            f"写明的项目数 {stated['项目数']} ≠ 项目文件数 {count}",
            写明=stated["项目数"], 计算=count,
        )
    total = document.total_annual
    if stated.get("涉及项目预算资金") is not None and stated["涉及项目预算资金"] != total:
        yield finding(
            document.locations.get("涉及项目预算资金", Location(document.source)), "涉及项目预算资金", "DOC-SUMMARY",
            f"写明的涉及项目预算资金 {format_yuan(stated['涉及项目预算资金'])} 元 ≠ 各项目年度资金申请总额之和 "
            f"{format_yuan(total)} 元",
            写明=stated["涉及项目预算资金"], 计算=total,
        )


# ---------------------------------------------------------------- indicators

@rule("IND-COVERAGE", WARNING, "每个项目至少有一个产出指标、效益指标和满意度指标（本局表单：其指标体系的每个一级指标，每组指标各自）",
      kinds=BOTH)
def check_coverage(document: m.Document):
    form = getattr(document, "custom_form", None)
    wanted = tuple(form.framework) if form is not None else ("产出指标", "效益指标", "满意度指标")
    for project in document.projects:
        sets = getattr(project, "indicator_sets", None) or {"绩效指标": project.indicators}
        for group, indicators in sets.items():
            present = {i.level1 for i in indicators}
            missing = [l1 for l1 in wanted if l1 not in present]
            if missing:
                prefix = f"{group}：" if group != "绩效指标" else ""
                yield finding(project.location(group), group, "IND-COVERAGE",
                              f"{prefix}没有{'、'.join(missing)}", WARNING, 缺少=",".join(missing))


@rule("IND-DUPLICATE", ERROR, "同一项目（同一组指标）中三级指标不重复", kinds=BOTH)
def check_duplicate_indicators(document: m.Document):
    for project in document.projects:
        seen: dict[tuple[str, str], m.Indicator] = {}
        for indicator in project.indicators:
            key = (indicator.group, indicator.name)
            if key in seen:
                first = seen[key]
                yield finding(
                    indicator.location, indicator_path(indicator), "IND-DUPLICATE",
                    f"三级指标“{indicator.name}”重复（第 {first.location.line} 行 {first.level1}/{first.level2} 已有）",
                    三级指标=indicator.name,
                )
            else:
                seen[key] = indicator


_SHORT_UNIT = re.compile(r"^[%‰A-Za-z\u4e00-\u9fff/]{1,3}$")


@rule("IND-UNIT", WARNING, "定量指标值要有计量单位；有数值和单位却没有比较符的（如 985米）为警告", kinds=BOTH)
def check_units(document: m.Document):
    for project in document.projects:
        for indicator in project.indicators:
            value, path = indicator.target, indicator_path(indicator)
            if value.is_quantitative and not value.unit:
                yield finding(indicator.location, path, "IND-UNIT",
                              f"指标值“{value.text}”没有计量单位", WARNING, 指标值=value.text)
            elif value.is_bare_number and _SHORT_UNIT.match(value.unit):
                yield finding(indicator.location, path, "IND-UNIT",
                              f"指标值“{value.text}”有数值和单位但没有比较符（如写成 ={value.text} 或 ≥{value.text}）",
                              WARNING, 指标值=value.text)


@rule("IND-COST-UNIT", WARNING, "成本指标的定量指标值以元或万元计")
def check_cost_units(document: m.Document):
    for project in document.projects:
        for indicator in project.indicators:
            value = indicator.target
            if "成本指标" in (indicator.level1, indicator.level2) and value.is_quantitative and value.unit and "元" not in value.unit:
                yield finding(
                    indicator.location, indicator_path(indicator), "IND-COST-UNIT",
                    f"成本指标“{indicator.name}”的单位“{value.unit}”不含“元”（金额应写成如 "
                    f"{value.comparator}{format_fixed(value.number)}(元/{value.unit})）",
                    WARNING, 指标值=value.text,
                )
