"""Stage 3 — checks: rules over the model that produce located findings.

Each rule has an id (shown to users and listed in docs/checks.md), a severity
and a function that yields findings. ``budgetdoc build`` runs them first:
errors stop the build, warnings are printed and the build goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterator

from builder import model as m
from builder.errors import Location, Problem
from builder.values import evaluate_formula, ValueProblem, format_wan_short, format_yuan

ERROR, WARNING = "错误", "警告"
ZERO = Decimal(0)


@dataclass(frozen=True)
class Rule:
    id: str
    kinds: tuple[str, ...]
    description: str
    check: Callable[[m.Document], Iterator[Problem]]


RULES: list[Rule] = []


def rule(rule_id: str, description: str, kinds=(m.TARGET_KIND,)):
    def register(function):
        RULES.append(Rule(rule_id, kinds, description, function))
        return function
    return register


def run_checks(document: m.Document) -> list[Problem]:
    findings: list[Problem] = []
    for r in RULES:
        if document.kind in r.kinds:
            findings.extend(r.check(document))
    return sorted(findings, key=lambda p: (str(p.location.file), p.location.line, p.location.col, p.rule))


def finding(location: Location, field: str, rule_id: str, message: str, severity: str = ERROR) -> Problem:
    return Problem(location, field, message, severity, rule_id)


def _amount(value: Decimal | None) -> Decimal:
    return ZERO if value is None else value


# ---------------------------------------------------------------- 项目资金

@rule("FUND-TOTAL", "项目资金总额.合计 = 财政资金 + 其他资金")
def check_fund_total(document: m.Document):
    for project in document.projects:
        funds = project.funds
        key = "项目资金.项目资金总额.合计"
        if key not in project.locations:
            continue  # omitted: computed from its parts
        parts = _amount(funds.fiscal) + _amount(funds.total_other)
        if funds.total != parts:
            yield finding(
                project.location(key), key, "FUND-TOTAL",
                f"项目资金总额 {format_yuan(funds.total)} ≠ 财政资金 {format_yuan(_amount(funds.fiscal))}"
                f" + 其他资金 {format_yuan(_amount(funds.total_other))} = {format_yuan(parts)}",
            )


@rule("FUND-ANNUAL", "年度资金申请总额.合计 = 当年财政拨款 + 上年结转资金 + 其他资金")
def check_fund_annual(document: m.Document):
    for project in document.projects:
        funds = project.funds
        key = "项目资金.年度资金申请总额.合计"
        if key not in project.locations:
            continue
        parts = _amount(funds.appropriation) + _amount(funds.carryover) + _amount(funds.annual_other)
        if funds.annual != parts:
            yield finding(
                project.location(key), key, "FUND-ANNUAL",
                f"年度资金申请总额 {format_yuan(funds.annual)} ≠ 当年财政拨款 {format_yuan(_amount(funds.appropriation))}"
                f" + 上年结转资金 {format_yuan(_amount(funds.carryover))}"
                f" + 其他资金 {format_yuan(_amount(funds.annual_other))} = {format_yuan(parts)}",
            )


@rule("FUND-ANNUAL-LIMIT", "年度资金申请总额 ≤ 项目资金总额")
def check_annual_within_total(document: m.Document):
    for project in document.projects:
        funds = project.funds
        if funds.annual > funds.total:
            key = "项目资金.年度资金申请总额"
            yield finding(
                project.location(key), key, "FUND-ANNUAL-LIMIT",
                f"年度资金申请总额 {format_yuan(funds.annual)} 大于项目资金总额 {format_yuan(funds.total)}",
            )


# ---------------------------------------------------------------- dates

@rule("DATE-ORDER", "计划完成日期不早于计划开始日期")
def check_date_order(document: m.Document):
    for project in document.projects:
        if project.end < project.start:
            key = "计划完成日期"
            yield finding(
                project.location(key), key, "DATE-ORDER",
                f"计划完成日期 {project.end.isoformat()} 早于计划开始日期 {project.start.isoformat()}",
            )


# ---------------------------------------------------------------- 年度预算安排

def _items_with_paths(items, prefix: str):
    for index, item in enumerate(items, start=1):
        path = f"{prefix}[{index}]"
        yield item, path
        yield from _items_with_paths(item.items, f"{path}.明细")


@rule("BUDGET-FORMULA", "年度预算安排明细的算式等于其金额")
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
                )


@rule("BUDGET-ITEMS", "年度预算安排明细之和等于年度资金申请总额")
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
                    WARNING,
                )


# ---------------------------------------------------------------- 绩效自评

def _indicator_path(indicator: m.Indicator) -> str:
    return f"绩效指标.{indicator.level1}.{indicator.level2}.{indicator.name}"


@rule("SCORE-MAX", "得分不大于分值", kinds=(m.EVALUATION_KIND,))
def check_score_within_weight(document: m.Document):
    from builder.values import format_score

    for project in document.projects:
        for indicator in project.indicators:
            if indicator.score is None:
                continue
            path = f"{_indicator_path(indicator)}.得分"
            if indicator.weight is None:
                yield finding(project.location(path), path, "SCORE-MAX",
                              f"写了得分 {format_score(indicator.score)} 却没有分值")
            elif indicator.score > indicator.weight:
                yield finding(project.location(path), path, "SCORE-MAX",
                              f"得分 {format_score(indicator.score)} 大于分值 {format_score(indicator.weight)}")
