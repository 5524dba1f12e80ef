"""Rules over the document as a whole and the indicator framework: unique names, the summary
figures, coverage of the 一级指标, duplicates, units of 指标值.
"""

from __future__ import annotations

import re

from builder.forms.formvalues import cell_total
from builder.model import core as m
from builder.read.errors import Location
from builder.check.rules import (
    COST, ERROR, NAME, TARGET_VALUE, TARGETS, WARNING, amount, cost_targets, document_form, finding,
    indicator_path, name, place, rule,
)
from builder.model.values import format_fixed, format_yuan


# ---------------------------------------------------------------- document

@rule("DOC-NAMES", ERROR, "同一文档中项目名称不重复", needs=(NAME,))
def check_unique_names(document: m.Document):
    form = document_form(document)
    key = form.role_path(NAME)
    label = name(form, key)
    first: dict[str, object] = {}
    for entry in document.all_projects:
        first.setdefault(re.sub(r"\s+", "", entry.name), entry)
    for project in document.projects:
        earlier = first[re.sub(r"\s+", "", project.name)]
        if earlier.source != project.source:
            yield finding(
                project.location(key), key, "DOC-NAMES",
                f"{label}“{project.name}”与 {earlier.source.name} 重复", **{label: project.name},
            )


COUNT, SUM = "项目个数", "合计"  # 计算: of a document field (docs/forms.md)


def _stated(document: m.Document, key: str):
    values = document.values
    return values.get(key)


def _summed(document: m.Document, form, path: str):
    """Σ of a project cell over every project of the document, the roster's too: the document
    total the context prints (formvalues.cell_total), a blank one counting 0."""
    return amount(cell_total(document, form, path))


@rule("DOC-SUMMARY", ERROR, "document.yaml 中写明的计算值（项目数、各项目金额之和）与各项目一致")
def check_summary(document: m.Document):
    form = document_form(document)
    for spec in form.walk("文档"):
        stated = _stated(document, spec.key)
        if not spec.compute or stated is None:
            continue
        where = document.locations.get(spec.path, Location(document.source))
        rule_id = spec.rule or "DOC-SUMMARY"
        if spec.compute[0] == COUNT:
            count = len(document.all_projects)
            if stated != count:
                yield finding(where, spec.path, rule_id, f"写明的{spec.label} {stated} ≠ 项目文件数 {count}",
                              写明=stated, 计算=count)
        elif spec.compute[0] == SUM:
            total = _summed(document, form, spec.compute[1])
            if stated != total:
                cell = name(form, place(form, spec.compute[1]))
                yield finding(where, spec.path, rule_id,
                              f"写明的{spec.label} {format_yuan(stated)} 元 ≠ 各项目{cell}之和 {format_yuan(total)} 元",
                              写明=stated, 计算=total)


# ---------------------------------------------------------------- indicators

@rule("IND-COVERAGE", WARNING, "每个项目（每组指标各自）都有表单指标体系中必有的每个一级指标（随附表单：产出指标、效益指标、满意度指标）",
      needs=(TARGET_VALUE,))
def check_coverage(document: m.Document):
    form = document_form(document)
    sets = form.indicator_fields()
    for project in document.projects:
        for spec in sets:
            framework = spec.indicators.framework or form.framework
            present = {i.level1 for i in project.indicators if i.group == spec.key}
            missing = [c for c in framework if c.required and c.key not in present]
            if missing:
                prefix = f"{spec.key}：" if len(sets) > 1 else ""
                yield finding(project.location(spec.path), spec.path, "IND-COVERAGE",
                              f"{prefix}没有{'、'.join(c.label for c in missing)}", WARNING,
                              缺少=",".join(c.key for c in missing))


@rule("IND-DUPLICATE", ERROR, "同一项目（同一组指标）中三级指标不重复", needs=(TARGET_VALUE,))
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


@rule("IND-UNIT", WARNING, "定量指标值要有计量单位；有数值和单位却没有比较符的（如 985米）为警告", needs=(TARGET_VALUE,))
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


@rule("IND-COST-UNIT", WARNING, "成本指标（设定目标的指标）的定量指标值以元或万元计", needs=(COST, TARGETS))
def check_cost_units(document: m.Document):
    for project in document.projects:
        for indicator in cost_targets(document, project):
            value = indicator.target
            if value.is_quantitative and value.unit and "元" not in value.unit:
                yield finding(
                    indicator.location, indicator_path(indicator), "IND-COST-UNIT",
                    f"成本指标“{indicator.name}”的单位“{value.unit}”不含“元”（金额应写成如 "
                    f"{value.comparator}{format_fixed(value.number)}(元/{value.unit})）",
                    WARNING, 指标值=value.text,
                )
