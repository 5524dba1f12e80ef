"""What ``budgetdoc diff`` compares of one project, read through its form (docs/forms.md).

Groups: ``基本信息`` (the form's top-level fields of one value: texts, options, dates, numbers,
money), one group per money table (its cells by ``diff_label``, in the table's unit: a 万元 table
prints 万元), per ``分组`` (its fields), per indicator set (rows by 一级/二级/三级, each column by
its label); a top-level text (段落, 表格) is a field of its own. A field is named by its label, a
numbered section label (``四、实施方案``) without its number. The engine's derived values (预算执行,
总分) join the group of the table whose roles they need. No field of any form is named here.
"""

from __future__ import annotations

import re

from builder.check import scoring
from builder.forms.derived import derived_for
from builder.forms.formdef import document_form
from builder.forms.formkinds import BUDGET, GROUP, INDICATORS, MONEY_TABLE, TABLE
from builder.forms.formvalues import indicator_cell
from builder.model import core as m
from builder.model.values import format_money, format_score, format_wan_short
from builder.render.context import extension_text

BASICS = "基本信息"
SCALAR_KINDS = ("文本", "选项", "日期", "整数", "数值", "金额")
TEXT_KINDS = ("段落", TABLE, BUDGET)
WAN = "万元"
NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


def field_name(spec) -> str:
    return NUMBERED.sub("", spec.label) or spec.label


money_text = format_money  # an amount as the form prints it (one printer: model.values)


def form_of(document: m.Document, project=None):
    """A project's form (as the loader read it), else its document's."""
    form = getattr(project, "form", None) if project is not None else None
    return form or document_form(document)


def table_unit(form, table) -> str:
    return table.unit or form.unit


def _text(spec, value, unit: str = "元") -> str:
    if spec.kind == BUDGET and isinstance(value, m.BudgetPlan):
        items = [f"（{n}）{i.name} {format_wan_short(i.amount)} 万元。{i.note}"
                 for n, i in enumerate(value.items, start=1)]
        return "\n".join([*value.lead, *items])
    if spec.kind == "真假":
        return "" if value is None else str(value)
    return extension_text(spec, value, unit)


def is_text(spec) -> bool:
    return spec.kind in TEXT_KINDS


def indicator_value(indicator, column) -> str:
    """One indicator column as a comparable text (得分: as scored, written or computed)."""
    if "得分" in column.roles:
        return format_score(scoring.score(indicator))
    value = indicator_cell(indicator, column)
    if column.roles & {"目标值", "实际值"}:
        if value is None:
            return ""
        return value.canonical() if column.print_as == "规范" else value.text
    if column.kind == "数值":
        return format_score(value)
    return _text(column, value) if value is not None else ""


def indicator_key(indicator) -> str:
    return f"{indicator.level1}/{indicator.level2}/{indicator.name}"


def project_fields(project, document: m.Document) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """{group: {field: text}} of one project, and each group's kind: ``指标`` (an indicator set:
    rows by key), ``段落`` (texts compared by character) or ``""``."""
    form = form_of(document, project)
    groups: dict[str, dict[str, str]] = {BASICS: {}}
    kinds: dict[str, str] = {}
    for spec in form.project_fields:
        if spec.kind in SCALAR_KINDS:
            value = project.get(spec.path)
            groups[BASICS][field_name(spec)] = (money_text(value, form.unit) if spec.kind == "金额"
                                               else _text(spec, value))
        elif spec.kind == MONEY_TABLE:
            table = spec.table
            unit = table_unit(form, table)
            groups[spec.key] = {cell.diff_label: money_text(project.get(table.path(cell.address)), unit)
                                for cell in table.cells()}
        elif spec.kind == GROUP:
            groups[spec.key] = {field_name(child): _text(child, project.get(child.path), form.unit)
                                for child in spec.fields if child.kind != GROUP}
            kinds[spec.key] = "段落"
        elif spec.kind == INDICATORS:
            kinds[spec.key] = INDICATORS
            rows: dict[str, str] = {}
            target = spec.indicators.column_with("目标值")
            for indicator in (i for i in project.indicators if i.group == spec.key):
                key = indicator_key(indicator)
                rows[key] = indicator_value(indicator, target) if target else indicator.target.text
                for column in spec.indicators.columns:
                    if column is not target:
                        rows[f"{key}/{column.label}"] = indicator_value(indicator, column)
            groups[spec.key] = rows
        elif is_text(spec):  # a field of its own: "项目 · 项目总目标: 文字修改 …"
            groups[field_name(spec)] = {"": _text(spec, project.get(spec.path), form.unit)}
            kinds[field_name(spec)] = "段落"
    _derived(groups, project, form)
    return groups, kinds


def _derived(groups, project, form) -> None:
    """预算执行 (its parts not already a field) beside the table holding its roles; 总分 on its own."""
    columns = {c.key for s in form.indicator_fields() for c in s.indicators.columns}
    shown = {name for fields in groups.values() for name in fields}
    for derived in derived_for(form):
        if derived.english == "execution":
            run = scoring.execution(project)
            path = form.role_path(derived.needs[1]) or ""
            group = groups.setdefault(path.split(".")[0], {})
            texts = {"weight": format_score(run.weight), "rate": run.rate_text, "score": format_score(run.score)}
            for part, english in derived.parts:
                name = f"{derived.chinese}{part}" if part in columns else part
                if name not in shown and not any(name == field_name(s) for s in form.walk()):
                    group[name] = texts[english]
        elif derived.english == "total_score":
            groups[derived.chinese] = {"": scoring.totals(project).text}


def summary(project, document: m.Document) -> str:
    """``（年度资金申请总额 120,000.00 元）``: the project's annual amount (or its budget) by its column."""
    form = form_of(document, project)
    for role in ("年度金额", "预算数"):
        path = form.role_path(role)
        if path is None:
            continue
        for spec in form.money_tables():
            if path.startswith(spec.path + "."):
                cell = spec.table.cell(path[len(spec.path) + 1:])
                column = spec.table.column(cell.column)
                unit = table_unit(form, spec.table)
                value = money_text(project.get(path), unit)
                return f"（{column.label} {value}{'' if unit == WAN else ' 元'}）"
    return ""


def document_fields(document: m.Document) -> dict[str, str]:
    fields = {"单位名称": document.unit_name, "年度": str(document.year), "文档类型": document.kind}
    form = document_form(document)
    values = getattr(document, "values", None) or getattr(document, "extra", {}) or {}
    for spec in form.walk("文档"):
        if spec.compute is None and spec.kind != GROUP:
            fields[field_name(spec)] = _text(spec, values.get(spec.path))
    return fields
