"""Rules over money and dates of a 绩效目标申报: the funds tables add up, the annual request fits
the total, dates lie in the budget year, the 年度预算安排 items and text match the request.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from builder.model import core as m
from builder.check.rules import ERROR, WARNING, ZERO, amount, finding, single_year, rule
from builder.model.values import (
    TEN_THOUSAND, ValueProblem, evaluate_formula, format_wan_short, format_yuan, numbers_in,
)


# ---------------------------------------------------------------- 项目资金

@rule("FUND-TOTAL", ERROR, "项目资金总额.合计 = 财政资金 + 其他资金")
def check_fund_total(document: m.Document):
    for project in document.projects:
        funds = project.funds
        key = "项目资金.项目资金总额.合计"
        if key not in project.locations:
            continue  # omitted: computed from its parts
        parts = amount(funds.fiscal) + amount(funds.total_other)
        if funds.total != parts:
            yield finding(
                project.location(key), key, "FUND-TOTAL",
                f"项目资金总额 {format_yuan(funds.total)} ≠ 财政资金 {format_yuan(amount(funds.fiscal))}"
                f" + 其他资金 {format_yuan(amount(funds.total_other))} = {format_yuan(parts)}",
                合计=funds.total, 财政资金=amount(funds.fiscal), 其他资金=amount(funds.total_other),
            )


@rule("FUND-ANNUAL", ERROR, "年度资金申请总额.合计 = 当年财政拨款 + 上年结转资金 + 其他资金")
def check_fund_annual(document: m.Document):
    for project in document.projects:
        funds = project.funds
        key = "项目资金.年度资金申请总额.合计"
        if key not in project.locations:
            continue
        parts = amount(funds.appropriation) + amount(funds.carryover) + amount(funds.annual_other)
        parts += sum((amount(v) for _, v in funds.annual_extra), Decimal(0))
        extra = "".join(f" + {name} {format_yuan(amount(v))}" for name, v in funds.annual_extra)
        if funds.annual != parts:
            yield finding(
                project.location(key), key, "FUND-ANNUAL",
                f"年度资金申请总额 {format_yuan(funds.annual)} ≠ 当年财政拨款 {format_yuan(amount(funds.appropriation))}"
                f" + 上年结转资金 {format_yuan(amount(funds.carryover))}"
                f" + 其他资金 {format_yuan(amount(funds.annual_other))}{extra} = {format_yuan(parts)}",
                合计=funds.annual, 当年财政拨款=amount(funds.appropriation),
                上年结转资金=amount(funds.carryover), 其他资金=amount(funds.annual_other),
            )


@rule("FUND-ANNUAL-LIMIT", ERROR, "年度资金申请总额 ≤ 项目资金总额")
def check_annual_within_total(document: m.Document):
    for project in document.projects:
        funds = project.funds
        if funds.annual > funds.total:
            key = "项目资金.年度资金申请总额"
            yield finding(
                project.location(key), key, "FUND-ANNUAL-LIMIT",
                f"年度资金申请总额 {format_yuan(funds.annual)} 大于项目资金总额 {format_yuan(funds.total)}",
                年度资金申请总额=funds.annual, 项目资金总额=funds.total,
            )


@rule("FUND-SINGLE-YEAR", WARNING, "单年度项目（起止日期都在预算年度内）的年度资金申请总额 = 项目资金总额")
def checksingle_year(document: m.Document):
    for project in document.projects:
        funds = project.funds
        if single_year(project, document.year) and funds.annual < funds.total:
            key = "项目资金.年度资金申请总额"
            yield finding(
                project.location(key), key, "FUND-SINGLE-YEAR",
                f"项目起止日期都在 {document.year} 年内，但年度资金申请总额 {format_yuan(funds.annual)} "
                f"≠ 项目资金总额 {format_yuan(funds.total)}（多年度项目请核对计划开始、完成日期）",
                WARNING, 年度资金申请总额=funds.annual, 项目资金总额=funds.total,
            )


# ---------------------------------------------------------------- dates

@rule("DATE-ORDER", ERROR, "计划完成日期不早于计划开始日期")
def check_date_order(document: m.Document):
    for project in document.projects:
        if project.end < project.start:
            key = "计划完成日期"
            yield finding(
                project.location(key), key, "DATE-ORDER",
                f"计划完成日期 {project.end.isoformat()} 早于计划开始日期 {project.start.isoformat()}",
                计划开始日期=project.start, 计划完成日期=project.end,
            )


@rule("DATE-YEAR", ERROR, "项目起止日期与预算年度有重叠")
def check_dates_in_year(document: m.Document):
    first, last = dt.date(document.year, 1, 1), dt.date(document.year, 12, 31)
    for project in document.projects:
        if project.end >= project.start and (project.end < first or project.start > last):
            key = "计划开始日期"
            yield finding(
                project.location(key), key, "DATE-YEAR",
                f"项目期间 {project.start.isoformat()} 至 {project.end.isoformat()} 与预算年度 {document.year} 年没有重叠",
                计划开始日期=project.start, 计划完成日期=project.end, 年度=document.year,
            )


_YEAR_IN_TEXT = re.compile(r"((?:19|20)\d{2})\s*年")


@rule("PERIOD-TEXT", WARNING, "实施周期文字中的年份在计划开始、完成日期之内")
def check_period_text(document: m.Document):
    for project in document.projects:
        text = "".join(project.narrative.period)
        years = sorted({int(y) for y in _YEAR_IN_TEXT.findall(text)})
        outside = [y for y in years if not project.start.year <= y <= project.end.year]
        if outside:
            key = "情况说明.实施周期"
            yield finding(
                project.location(key), key, "PERIOD-TEXT",
                f"实施周期写到 {'、'.join(f'{y} 年' for y in outside)}，不在计划日期 {project.start.isoformat()} 至 "
                f"{project.end.isoformat()} 之内",
                WARNING, 年份=",".join(map(str, outside)),
            )


# ---------------------------------------------------------------- 年度预算安排

def _items_with_paths(items, prefix: str):
    for index, item in enumerate(items, start=1):
        path = f"{prefix}[{index}]"
        yield item, path
        yield from _items_with_paths(item.items, f"{path}.明细")


@rule("BUDGET-FORMULA", ERROR, "年度预算安排明细的算式等于其金额")
def check_budget_formulas(document: m.Document):
    for project in document.projects:
        plan = project.narrative.budget
        if not isinstance(plan, m.BudgetPlan):
            continue
        for item, path in _items_with_paths(plan.items, "情况说明.年度预算安排.明细"):
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


@rule("BUDGET-ITEMS", ERROR, "年度预算安排明细之和等于年度资金申请总额（子明细与其金额不符为警告）")
def check_budget_items(document: m.Document):
    for project in document.projects:
        plan = project.narrative.budget
        if not isinstance(plan, m.BudgetPlan):
            continue
        total = sum((item.amount for item in plan.items), ZERO)
        if total != project.funds.annual:
            key = "情况说明.年度预算安排"
            yield finding(
                project.location(key), key, "BUDGET-ITEMS",
                f"年度预算安排明细合计 {format_yuan(total)} 元（{format_wan_short(total)} 万元）≠ "
                f"年度资金申请总额 {format_yuan(project.funds.annual)} 元",
                明细合计=total, 年度资金申请总额=project.funds.annual,
            )
        for item, path in _items_with_paths(plan.items, "情况说明.年度预算安排.明细"):
            if not item.items:
                continue
            sub_total = sum((sub.amount for sub in item.items), ZERO)
            if sub_total != item.amount:
                yield finding(
                    item.location, f"{path}.明细", "BUDGET-ITEMS",
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


@rule("BUDGET-TEXT", WARNING, "文字写的年度预算安排：所写金额（单个、合计或各条末项之和）与年度资金申请总额一致")
def check_budget_text(document: m.Document):
    for project in document.projects:
        budget = project.narrative.budget
        if isinstance(budget, m.BudgetPlan):
            continue
        per_paragraph = [text_amounts(p) for p in budget]
        every = [a for amounts in per_paragraph for a in amounts]
        if not every:
            continue
        annual = project.funds.annual  # never the multi-year 项目资金总额
        candidates = set(every) | {sum(every, ZERO), sum((a[-1] for a in per_paragraph if a), ZERO)}
        if annual in candidates:
            continue
        stated = sum(every, ZERO) if len(every) > 1 else every[0]
        written = "、".join(f"{format_wan_short(a)} 万元" for a in every)
        key = "情况说明.年度预算安排"
        yield finding(
            project.location(key), key, "BUDGET-TEXT",
            f"年度预算安排写的金额 {written}（合计 {format_wan_short(stated)} 万元 = {format_yuan(stated)} 元）"
            f"与年度资金申请总额 {format_yuan(annual)} 元不符（请核对万元与元）",
            WARNING, 所写金额=stated, 年度资金申请总额=annual,
        )
