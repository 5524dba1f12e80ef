"""Rules over the dates and the budget plan of a project, read through the roles of its form:
a single-year project asks for its whole amount, dates lie in the budget year, the 预算安排 items
and text match the 年度金额. (The money tables' own arithmetic: builder.check.money.)
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from builder.model import core as m
from builder.check.rules import (
    ANNUAL, BUDGET, END, ERROR, PERIOD, PROJECT_TOTAL, START, WARNING, ZERO, amount, document_form, finding, name,
    pair, place, rule, single_year,
)
from builder.model.values import (
    TEN_THOUSAND, ValueProblem, evaluate_formula, format_wan_short, format_yuan, numbers_in,
)


# ---------------------------------------------------------------- 项目资金

@rule("FUND-SINGLE-YEAR", WARNING, "单年度项目（起止日期都在预算年度内）的年度金额等于项目总额",
      needs=(ANNUAL, PROJECT_TOTAL, START, END))
def checksingle_year(document: m.Document):
    form = document_form(document)
    annual_path, total_path = form.role_path(ANNUAL), form.role_path(PROJECT_TOTAL)
    annual_label, total_label = name(form, place(form, annual_path)), name(form, place(form, total_path))
    dates = pair(name(form, form.role_path(START)), name(form, form.role_path(END)))
    for project in document.projects:
        annual, total = project.role(ANNUAL), project.role(PROJECT_TOTAL)
        if single_year(project, document.year) and annual is not None and total is not None and annual < total:
            key = place(form, annual_path)
            yield finding(
                project.location(key), key, "FUND-SINGLE-YEAR",
                f"项目起止日期都在 {document.year} 年内，但{annual_label} {format_yuan(annual)} "
                f"≠ {total_label} {format_yuan(total)}（多年度项目请核对{dates}）",
                WARNING, **{annual_label: annual, total_label: total},
            )


# ---------------------------------------------------------------- dates

def _dates(form):
    start_path, end_path = form.role_path(START), form.role_path(END)
    return start_path, end_path, name(form, start_path), name(form, end_path)


@rule("DATE-ORDER", ERROR, "完成日期不早于开始日期", needs=(START, END))
def check_date_order(document: m.Document):
    start_path, end_path, start_label, end_label = _dates(document_form(document))
    for project in document.projects:
        start, end = project.role(START), project.role(END)
        if start is not None and end is not None and end < start:
            yield finding(
                project.location(end_path), end_path, "DATE-ORDER",
                f"{end_label} {end.isoformat()} 早于{start_label} {start.isoformat()}",
                **{start_label: start, end_label: end},
            )


@rule("DATE-YEAR", ERROR, "项目起止日期与预算年度有重叠", needs=(START, END))
def check_dates_in_year(document: m.Document):
    start_path, _, start_label, end_label = _dates(document_form(document))
    first, last = dt.date(document.year, 1, 1), dt.date(document.year, 12, 31)
    for project in document.projects:
        start, end = project.role(START), project.role(END)
        if start is None or end is None:
            continue
        if end >= start and (end < first or start > last):
            yield finding(
                project.location(start_path), start_path, "DATE-YEAR",
                f"项目期间 {start.isoformat()} 至 {end.isoformat()} 与预算年度 {document.year} 年没有重叠",
                **{start_label: start, end_label: end}, 年度=document.year,
            )


_YEAR_IN_TEXT = re.compile(r"((?:19|20)\d{2})\s*年")


@rule("PERIOD-TEXT", WARNING, "项目周期文字中写的年份在项目起止日期之内", needs=(PERIOD, START, END))
def check_period_text(document: m.Document):
    form = document_form(document)
    key = form.role_path(PERIOD)
    label = name(form, key)
    for project in document.projects:
        start, end = project.role(START), project.role(END)
        if start is None or end is None:
            continue
        text = "".join(project.role(PERIOD) or ())
        years = sorted({int(y) for y in _YEAR_IN_TEXT.findall(text)})
        outside = [y for y in years if not start.year <= y <= end.year]
        if outside:
            yield finding(
                project.location(key), key, "PERIOD-TEXT",
                f"{label}写到 {'、'.join(f'{y} 年' for y in outside)}，不在计划日期 {start.isoformat()} 至 "
                f"{end.isoformat()} 之内",
                WARNING, 年份=",".join(map(str, outside)),
            )


# ---------------------------------------------------------------- 预算安排

ITEMS = "明细"  # the items of a 预算安排 (docs/forms.md: {说明, 明细: [{名称, 算式, 金额, 说明, 明细}]})

def _items_with_paths(items, prefix: str):
    for index, item in enumerate(items, start=1):
        path = f"{prefix}[{index}]"
        yield item, path
        yield from _items_with_paths(item.items, f"{path}.{ITEMS}")


@rule("BUDGET-FORMULA", ERROR, "预算安排明细的算式等于其金额", needs=(BUDGET,))
def check_budget_formulas(document: m.Document):
    key = document_form(document).role_path(BUDGET)
    for project in document.projects:
        plan = project.role(BUDGET)
        if not isinstance(plan, m.BudgetPlan):
            continue
        for item, path in _items_with_paths(plan.items, f"{key}.{ITEMS}"):
            if not item.formula:
                continue
            try:
                value = evaluate_formula(item.formula)
            except ValueProblem as exc:
                yield finding(item.location, f"{path}.算式", "BUDGET-FORMULA", str(exc))
                continue
            if value != item.amount:
                yield finding(
                    item.location, f"{path}.算式", "BUDGET-FORMULA",
                    f"{item.name}：算式 {item.formula} = {format_yuan(value)} 元，与金额 {format_yuan(item.amount)} 元不符",
                    算式=item.formula, 算式结果=value, 金额=item.amount,
                )


def _budget_labels(form) -> tuple[str, str, str]:
    """The 预算安排 field's path and name, and the name of the 年度金额 cell."""
    key = form.role_path(BUDGET)
    return key, name(form, key), name(form, place(form, form.role_path(ANNUAL)))


@rule("BUDGET-ITEMS", ERROR, "预算安排明细之和等于年度金额（子明细与其金额不符为警告）", needs=(BUDGET, ANNUAL))
def check_budget_items(document: m.Document):
    key, label, annual_label = _budget_labels(document_form(document))
    for project in document.projects:
        plan = project.role(BUDGET)
        if not isinstance(plan, m.BudgetPlan):
            continue
        total = sum((item.amount for item in plan.items), ZERO)
        annual = amount(project.role(ANNUAL))
        if total != annual:
            yield finding(
                project.location(key), key, "BUDGET-ITEMS",
                f"{label}明细合计 {format_yuan(total)} 元（{format_wan_short(total)} 万元）≠ "
                f"{annual_label} {format_yuan(annual)} 元",
                明细合计=total, **{annual_label: annual},
            )
        for item, path in _items_with_paths(plan.items, f"{key}.{ITEMS}"):
            if not item.items:
                continue
            sub_total = sum((sub.amount for sub in item.items), ZERO)
            if sub_total != item.amount:
                yield finding(
                    item.location, f"{path}.{ITEMS}", "BUDGET-ITEMS",
                    f"{item.name}：明细合计 {format_wan_short(sub_total)} 万元与金额 {format_wan_short(item.amount)} 万元"
                    f"相差 {format_wan_short(abs(item.amount - sub_total))} 万元（如为四舍五入请核对）",
                    WARNING, 明细合计=sub_total, 金额=item.amount,
                )


# An amount in prose: "25 万元", "4.8 万", "828,000 元" (numbers read by values.numbers_in, as
# money is) — but not a rate ("16 元/平/月", "2.5 万/人/年", "单价 0.6 万", "每人每月 0.3 万元")
# or a factor ("0.3 万元*16", "16*0.3 万元").
_TEXT_UNIT = re.compile(r"\s*(万元|万|元)")
_RATE_AFTER = re.compile(r"\s*[/／*×xX＊每]")
_RATE_BEFORE = re.compile(r"(?:单价|人均|户均|每(?!年)[^，。；,;\d]{0,6}|[*×xX＊/／])\s*[为是约：:]?\s*$")


def text_amounts(paragraph: str) -> list[Decimal]:
    """The amounts a paragraph states, in 元."""
    amounts = []
    for start, end, value in numbers_in(paragraph):
        unit = _TEXT_UNIT.match(paragraph, end)
        if not unit or _RATE_AFTER.match(paragraph, unit.end()) or _RATE_BEFORE.search(paragraph[max(0, start - 12):start]):
            continue
        amounts.append(value * TEN_THOUSAND if unit.group(1).startswith("万") else value)
    return amounts


@rule("BUDGET-TEXT", WARNING, "文字写的预算安排：所写金额（单个、合计或各条末项之和）与年度金额一致",
      needs=(BUDGET, ANNUAL))
def check_budget_text(document: m.Document):
    key, label, annual_label = _budget_labels(document_form(document))
    for project in document.projects:
        budget = project.role(BUDGET)
        if budget is None or isinstance(budget, m.BudgetPlan):
            continue
        per_paragraph = [text_amounts(p) for p in budget]
        every = [a for amounts in per_paragraph for a in amounts]
        if not every:
            continue
        annual = amount(project.role(ANNUAL))  # never the multi-year 项目总额
        candidates = set(every) | {sum(every, ZERO), sum((a[-1] for a in per_paragraph if a), ZERO)}
        if annual in candidates:
            continue
        stated = sum(every, ZERO) if len(every) > 1 else every[0]
        written = "、".join(f"{format_wan_short(a)} 万元" for a in every)
        yield finding(
            project.location(key), key, "BUDGET-TEXT",
            f"{label}写的金额 {written}（合计 {format_wan_short(stated)} 万元 = {format_yuan(stated)} 元）"
            f"与{annual_label} {format_yuan(annual)} 元不符（请核对万元与元）",
            WARNING, 所写金额=stated, **{annual_label: annual},
        )
