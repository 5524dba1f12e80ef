"""The template context in Chinese: names that mirror the source keys, made by walking the form.

``{{ 项目.项目名称 }}``, ``{{ 项目.项目资金.<列>.<行>.万元 }}``, a bureau's own fields by their
declared keys (``{{ 项目.项目负责人 }}``, ``{{ 项目.项目属性.框.新增项目 }}``). Every field of the
document's form (builder.forms.formspec) becomes the value its kind prints (``field_value``); the
derived values (序号, 跨年度, 预算执行 …: builder.render.derived) sit after the field they come
from; ``合计`` holds the document totals of every money cell and 金额 column of a 表格 (and, in a
project, the 合计 row of a 表格 that declares one). Every value is a string, a list or
a mapping of strings (money is formatted from Decimal, never through float).

The catalog of these names (label, kind, example) is made by the same walk in
builder.render.catalog; ``catalog``, ``evaluation_catalog``, ``labels`` and ``rows`` are
re-exported here for the callers that know them by this module.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from builder.forms import formkinds as kinds, formvalues
from builder.forms.formdef import document_form
from builder.model import core as m
from builder.model.values import TEN_THOUSAND, format_fixed, format_score, format_yuan, round_half_up
from builder.render import derived


# ---------------------------------------------------------------- values of each kind

def money(amount: Decimal | None) -> dict:
    """A money value: 元 with thousands separators, 万元 with two and with four decimals
    (a blank cell is blank in both)."""
    if amount is None:
        return {"元": "", "万元": "", "万元4位": ""}
    wan = amount / TEN_THOUSAND
    two, four = round_half_up(wan, 2), round_half_up(wan, 4)
    return {"元": format_yuan(amount), "万元": f"{two:,.2f}", "万元4位": f"{four:,.4f}"}


def date(day: dt.date | None) -> dict:
    if day is None:
        return {"文字": "", "中文": "", "年": "", "月": "", "日": ""}
    return {"文字": day.isoformat(), "中文": f"{day.year}年{day.month}月{day.day}日",
            "年": str(day.year), "月": str(day.month), "日": str(day.day)}


def paragraphs(texts) -> list[str]:
    return list(texts or ()) or [""]


INDICATOR_PARTS = ("原文", "规范", "比较符", "数值", "单位")


def indicator_value(value) -> dict:
    """An 指标值 in its parts; a value not written (实际完成值 not yet filled in) is blank in each."""
    if value is None:
        return {part: "" for part in INDICATOR_PARTS}
    return {
        "原文": value.text,
        "规范": value.canonical(),
        "比较符": value.comparator or "",
        "数值": format_fixed(value.number) if value.number is not None else "",
        "单位": value.unit,
    }


def choice(value: str | None, choices: tuple[str, ...]) -> dict:
    boxes = {c: ("☑" if c == value else "□") for c in choices}
    return {"值": value or "", "框": boxes, "选框": "   ".join(f"{c} {boxes[c]}" for c in choices)}


def field_value(spec, value):
    """One field's value as the template prints it, by its kind (docs/forms.md, 类型)."""
    kind = spec.kind
    if kind == "段落":
        return paragraphs(value)
    if kind == "金额":
        return money(value)
    if kind == "日期":
        return date(value)
    if kind == "整数":
        return "" if value is None else str(value)
    if kind == "数值":
        return format_score(value)
    if kind == "真假":
        return bool(value)
    if kind == "选项":
        return choice(value, spec.choices)
    if kind == "名单":
        return list(value or ())
    if kind == "指标值":
        return indicator_value(value)
    if kind == kinds.TABLE:
        return [{"序号": str(i), **{c.key: cell_value(c, row.get(c.key)) for c in spec.columns}}
                for i, row in enumerate(value or (), start=1)]
    return "" if value is None else value


def cell_value(spec, value):
    """A cell of a 表格 row or an indicator row: typed as its column, a 文本 or 选项 cell as its text."""
    if spec.kind == "文本" and spec.print_as == kinds.TICK:  # 印法: 勾选 — ☑ with its text when written, else □
        return {"框": "☑" if value else "□", "文": value or ""}
    if spec.kind in ("文本", "选项"):
        return value or ""
    return field_value(spec, value)


extension = field_value  # the name the callers of a form's extension fields know


def money_table(spec, values) -> dict:
    """A 金额表 as ``表.<列>.<行>`` (列下分行) or ``表.<行>.<列>`` (行为列表): every declared cell,
    blank ones blank."""
    result: dict = {}
    for cell in spec.table.cells():
        outer, inner = cell.address.split(".", 1)
        result.setdefault(outer, {})[inner] = money(values.get(cell.address) if values is not None else None)
    for key, _label, numerator, denominator in spec.table.ratios:
        for row in spec.table.rows:
            at = lambda column: values.get(spec.table.address(row.key, column)) if values is not None else None  # noqa: E731
            address = spec.table.address(row.key, key).split(".", 1)
            result.setdefault(address[0], {})[address[1]] = derived.ratio_text(at(numerator), at(denominator))
    return result


def budget_names(spec, value) -> dict:
    """A 预算安排: its key → the lead paragraphs; its 明细名 → the numbered items."""
    if isinstance(value, m.BudgetPlan):
        lead = paragraphs(value.lead)
        items = [{"序号": str(i), "名称": item.name, "金额": money(item.amount), "说明": item.note}
                 for i, item in enumerate(value.items, start=1)]
    else:
        lead, items = paragraphs(value), []
    return {spec.key: lead, spec.items_name: items} if spec.items_name else {spec.key: lead}


ROW_NAME = "三级指标"  # the context's name of an indicator row's own name (its 三级)


def indicator_rows(spec, indicators) -> list[dict]:
    """The rows of one 指标 field: 一级/二级 by their labels (and keys), 三级, then each column."""
    labels = derived.category_labels(spec)
    rows = []
    for indicator in indicators or ():
        row = {"一级指标": labels.get(indicator.level1, indicator.level1),
               "二级指标": labels.get((indicator.level1, indicator.level2), indicator.level2),
               ROW_NAME: indicator.name}
        for column in spec.indicators.columns:
            row[column.key] = cell_value(column, derived.indicator_cell(indicator, column))
        row["一级键"], row["二级键"] = indicator.level1, indicator.level2
        rows.append(row)
    return rows


# ---------------------------------------------------------------- the walk

def fields_names(specs, record, derive) -> dict:
    """The Chinese names of ``specs`` (a form level or a 分组's fields), read from ``record``
    (a project: ``record.get(path)``), with the derived values after the field they follow."""
    result: dict = {}
    for spec in specs:
        value = record.get(spec.path)
        if spec.kind == kinds.GROUP:
            result[spec.key] = fields_names(spec.fields, record, derive)
        elif spec.kind == kinds.MONEY_TABLE:
            result[spec.key] = money_table(spec, value)
        elif spec.kind == kinds.BUDGET:
            result.update(budget_names(spec, value))
        elif spec.kind == kinds.INDICATORS:
            result[spec.key] = indicator_rows(spec, value)
        else:
            result[spec.key] = field_value(spec, value)
            if spec.kind == kinds.TABLE and spec.total_label:
                result.setdefault("合计", {})[spec.key] = table_totals(spec, [value])
        result.update(derive(spec))
    return result


def table_totals(spec, tables) -> dict:
    """The 合计 row of a 表格 (its 金额 and 整数 columns summed over the rows of ``tables``: one
    project's table, or every project's)."""
    result = {}
    for column in spec.columns:
        if column.kind in formvalues.SUMMED:
            total = formvalues.column_sum([row for table in tables for row in table or ()], column.key)
            result[column.key] = money(total) if column.kind == "金额" else ("" if total is None else str(total))
    return result


def project_names(project, number: int, form, pace=None) -> dict:
    """The Chinese names of one project: 序号, then every field of the form, in form order."""
    facts = derived.Facts(project, form, pace)
    return {"序号": str(number), **fields_names(form.project_fields, project, facts.chinese_after)}


def document_names(document) -> dict:
    """The Chinese names of a document's context (merged with the English ones, if any)."""
    form = document_form(document)
    pace = derived.pace_of(document) if derived.paced_table(form) is not None else None
    projects = [project_names(p, n, form, pace) for n, p in document.numbered_projects()]
    facts = derived.DocumentFacts(document, form, projects)
    context = {"单位名称": document.unit_name, "年度": str(document.year), **facts.first()}
    for spec in form.document_fields:
        context[spec.key] = field_value(spec, facts.value(spec))
        context.update(facts.after(spec))
    context["合计"] = document_totals(document, form)
    return context


def document_totals(document, form) -> dict:
    """``合计.<表>.<address>``: every money cell summed over every project of the document (a cell
    blank in every project stays blank), for a cover or summary table."""
    totals: dict = {}
    for spec in form.money_tables():
        totals[spec.key] = money_table(spec, derived.summed_table(document, spec))
    for spec, column in formvalues.summed_columns(form):
        total = formvalues.cell_total(document, form, f"{spec.path}.{column.key}")
        totals.setdefault(spec.key, {})[column.key] = (money(total) if column.kind == "金额"
                                                       else "" if total is None else str(total))
    return totals


evaluation_names = document_names


def __getattr__(name: str):
    """The catalog names, made by builder.render.catalog (below this module, so imported late)."""
    if name in ("catalog", "evaluation_catalog", "labels", "rows", "CATALOG", "EVALUATION_CATALOG", "KIND_PARTS"):
        from builder.render import catalog

        return getattr(catalog, name)
    raise AttributeError(name)
