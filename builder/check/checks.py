"""Stage 3 — checks: rules over the model that produce located findings (the registry and how
rules run: builder.check.rules; importing this module registers every rule, builder.check.slips's too).

Each rule has an id (shown to users and listed in docs/checks.md), a severity
and a function that yields findings. ``budgetdoc build`` runs them first:
errors stop the build, warnings are printed and the build goes on;
``budgetdoc check`` prints them all.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from decimal import Decimal

from builder.model import core as m
from builder.check import scoring
from builder.read.errors import Location
from builder.check.rules import BOTH, ERROR, WARNING, ZERO, finding, indicator_path, rule, section_text
from builder.model.values import (
    TEN_THOUSAND, ValueProblem, evaluate_formula, format_fixed, format_score, format_wan_short, format_yuan,
    numbers_in,
)

def _amount(value: Decimal | None) -> Decimal:
    return ZERO if value is None else value


# ---------------------------------------------------------------- 项目资金

@rule("FUND-TOTAL", ERROR, "项目资金总额.合计 = 财政资金 + 其他资金")
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
                合计=funds.total, 财政资金=_amount(funds.fiscal), 其他资金=_amount(funds.total_other),
            )


@rule("FUND-ANNUAL", ERROR, "年度资金申请总额.合计 = 当年财政拨款 + 上年结转资金 + 其他资金")
def check_fund_annual(document: m.Document):
    for project in document.projects:
        funds = project.funds
        key = "项目资金.年度资金申请总额.合计"
        if key not in project.locations:
            continue
        parts = _amount(funds.appropriation) + _amount(funds.carryover) + _amount(funds.annual_other)
        parts += sum((_amount(v) for _, v in funds.annual_extra), Decimal(0))
        extra = "".join(f" + {name} {format_yuan(_amount(v))}" for name, v in funds.annual_extra)
        if funds.annual != parts:
            yield finding(
                project.location(key), key, "FUND-ANNUAL",
                f"年度资金申请总额 {format_yuan(funds.annual)} ≠ 当年财政拨款 {format_yuan(_amount(funds.appropriation))}"
                f" + 上年结转资金 {format_yuan(_amount(funds.carryover))}"
                f" + 其他资金 {format_yuan(_amount(funds.annual_other))}{extra} = {format_yuan(parts)}",
                合计=funds.annual, 当年财政拨款=_amount(funds.appropriation),
                上年结转资金=_amount(funds.carryover), 其他资金=_amount(funds.annual_other),
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


def _single_year(project: m.TargetProject, year: int) -> bool:
    return project.start.year == year and project.end.year == year


@rule("FUND-SINGLE-YEAR", WARNING, "单年度项目（起止日期都在预算年度内）的年度资金申请总额 = 项目资金总额")
def check_single_year(document: m.Document):
    for project in document.projects:
        funds = project.funds
        if _single_year(project, document.year) and funds.annual < funds.total:
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
    form = getattr(document, "form", None)
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


# ---------------------------------------------------------------- copied text

_SECTIONS = (("项目概述", "overview"), ("立项依据", "basis"), ("实施主体", "implementer"),
             ("实施方案", "plan"), ("年度预算安排", "budget"))
_LABEL = re.compile(r"^(.{2,40}?)项目(?:[:：]|实施主体)")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


class _NameIndex:
    """Finds which project names occur in a text in one pass over the text (linear in its
    length), instead of searching for every name in every text (quadratic in the projects)."""

    PREFIX = 4

    def __init__(self, names: dict[str, object]):
        self.by_prefix: dict[str, list[tuple[str, object]]] = {}
        for name, value in names.items():
            if len(name) >= self.PREFIX:
                self.by_prefix.setdefault(name[: self.PREFIX], []).append((name, value))

    def find(self, text: str):
        """The names found in ``text``, in order of first occurrence."""
        found = {}
        for start in range(len(text) - self.PREFIX + 1):
            for name, value in self.by_prefix.get(text[start:start + self.PREFIX], ()):
                if name not in found and text.startswith(name, start):
                    found[name] = value
        return found


@rule("COPIED-TEXT", WARNING, "情况说明中出现本文档另一个项目的名称或别的项目标签（可能是复制来的文字）")
def check_copied_text(document: m.Document):
    names = {_squash(p.name).removesuffix("项目"): p for p in document.all_projects}
    index = _NameIndex(names)
    for project in document.projects:
        own = _squash(project.name).removesuffix("项目")
        for label, attribute in _SECTIONS:
            squashed = _squash(section_text(project.narrative, attribute))
            key = f"情况说明.{label}"
            other = next((p for name, p in index.find(squashed).items() if name != own and name not in own), None)
            if other is not None:
                yield finding(
                    project.location(key), key, "COPIED-TEXT",
                    f"{label}提到了本文档另一个项目“{other.name}”（本项目为“{project.name}”），可能是从该项目复制的文字",
                    WARNING, 本项目=project.name, 提到的项目=other.name,
                )
                continue
            match = _LABEL.match(squashed)
            if match and difflib.SequenceMatcher(None, match.group(1), own).ratio() < 0.6:
                yield finding(
                    project.location(key), key, "COPIED-TEXT",
                    f"{label}以“{match.group(1)}项目”开头，与本项目“{project.name}”不符，可能是复制来的文字",
                    WARNING, 本项目=project.name, 文中项目=match.group(1),
                )


# ---------------------------------------------------------------- 绩效自评

EVALUATION = (m.EVALUATION_KIND,)
_ROWS = (("total", "年度资金总额"), ("appropriation", "当年财政拨款"), ("carryover", "上年结转资金"), ("other", "其他资金"))
_COLUMNS = (("initial", "年初预算数"), ("budget", "全年预算数"), ("spent", "全年执行数"))


@rule("EVAL-FUNDS", ERROR, "自评项目资金：年度资金总额 = 当年财政拨款 + 上年结转资金 + 其他资金（每一列）；"
      "合计与组成部分不能一方填写、另一方空白", kinds=EVALUATION)
def check_evaluation_funds(document: m.Document):
    key = "项目资金.年度资金总额"
    for project in document.projects:
        funds = project.funds
        parts = [funds.appropriation, funds.carryover, funds.other]
        for column, label in _COLUMNS:
            total = getattr(funds.total, column)
            values = [getattr(row, column) for row in parts]
            if total is None and all(v is None for v in values):
                continue  # a column not filled in yet (FILL-IN)
            filled = "、".join(f"{name} {format_yuan(v)}" for (_, name), v in zip(_ROWS[1:], values) if v is not None)
            if total is None:
                yield finding(
                    project.location(key), f"{key}.{label}", "EVAL-FUNDS",
                    f"{label}：年度资金总额为空白，而{filled} 已填写（请填写年度资金总额，应为其合计）",
                    合计=sum((v for v in values if v is not None), ZERO),
                )
                continue
            if all(v is None for v in values):
                yield finding(
                    project.location(key), f"{key}.{label}", "EVAL-FUNDS",
                    f"{label}：年度资金总额 {format_yuan(total)} 已填写，而当年财政拨款、上年结转资金、其他资金都为空白"
                    "（请填写组成部分，没有的写 0）",
                    年度资金总额=total,
                )
                continue
            summed = sum((v for v in values if v is not None), ZERO)
            if total != summed:
                yield finding(
                    project.location(key), f"{key}.{label}", "EVAL-FUNDS",
                    f"{label}：年度资金总额 {format_yuan(total)} ≠ 当年财政拨款、上年结转资金、其他资金之和 {format_yuan(summed)}",
                    年度资金总额=total, 合计=summed,
                )


@rule("EVAL-EXECUTION", WARNING, "执行率可以计算（全年预算数不为 0）且不超过 100%", kinds=EVALUATION)
def check_execution(document: m.Document):
    for project in document.projects:
        run = scoring.execution(project)
        key = "项目资金.年度资金总额"
        if project.funds.total.budget is None:
            continue  # not filled in yet (FILL-IN), or a parent whose parts did not load
        if run.rate is None:
            yield finding(project.location(key), key, "EVAL-EXECUTION",
                          "全年预算数为 0 或未填，执行率记为“—”，预算执行得分为 0", WARNING)
        elif run.rate > 1:
            funds = project.funds.total
            yield finding(
                project.location(key), key, "EVAL-EXECUTION",
                f"全年执行数 {format_yuan(funds.spent)} 大于全年预算数 {format_yuan(funds.budget)}（执行率 {run.rate_text}）",
                WARNING, 全年执行数=funds.spent, 全年预算数=funds.budget,
            )


@rule("SCORE-MAX", ERROR, "得分不大于分值", kinds=EVALUATION)
def check_score_within_weight(document: m.Document):
    for project in document.projects:
        for indicator in project.indicators:
            if indicator.score is None:
                continue
            path = f"{indicator_path(indicator)}.得分"
            if indicator.weight is None:
                yield finding(project.location(path), path, "SCORE-MAX",
                              f"写了得分 {format_score(indicator.score)} 却没有分值", 得分=indicator.score)
            elif indicator.score > indicator.weight:
                yield finding(project.location(path), path, "SCORE-MAX",
                              f"得分 {format_score(indicator.score)} 大于分值 {format_score(indicator.weight)}",
                              得分=indicator.score, 分值=indicator.weight)


@rule("SCORE-WEIGHTS", WARNING, "预算执行分值与各指标分值合计为 100", kinds=EVALUATION)
def check_weights(document: m.Document):
    for project in document.projects:
        totals = scoring.totals(project)
        if totals.weight != 100:
            yield finding(project.location("绩效指标"), "绩效指标", "SCORE-WEIGHTS",
                          f"预算执行分值与各指标分值合计 {format_score(totals.weight)}，应为 100", WARNING,
                          分值合计=totals.weight)


@rule("SCORE-COMPUTED", WARNING, "写明的得分与按规则计算的得分一致", kinds=EVALUATION)
def check_explicit_scores(document: m.Document):
    for project in document.projects:
        for indicator in project.indicators:
            computed = scoring.computed_score(indicator)
            if indicator.score is None or computed is None or computed == indicator.score:
                continue
            path = f"{indicator_path(indicator)}.得分"
            yield finding(
                project.location(path), path, "SCORE-COMPUTED",
                f"“{indicator.name}”指标值 {indicator.target.text}、实际完成值 {indicator.actual.text}，"
                f"按规则得分 {format_score(computed)}，写明的得分为 {format_score(indicator.score)}",
                WARNING, 写明=indicator.score, 计算=computed,
            )


@rule("DEVIATION-MISSING", WARNING, "未达成的指标要写偏差原因分析及改进措施", kinds=EVALUATION)
def check_deviation_reason(document: m.Document):
    for project in document.projects:
        for indicator in project.indicators:
            if scoring.missed(indicator) and not indicator.deviation.strip():
                path = indicator_path(indicator)
                yield finding(
                    indicator.location, f"{path}.偏差原因分析及改进措施", "DEVIATION-MISSING",
                    f"“{indicator.name}”未达成（指标值 {indicator.target.text}，实际完成值 {indicator.actual.text}），"
                    "偏差原因分析及改进措施为空",
                    WARNING, 指标值=indicator.target.text, 实际完成值=indicator.actual.text,
                )


@rule("FILL-IN", WARNING, "待填写：自评中尚未填写的全年预算数、全年执行数、实际完成情况、实际完成值", kinds=EVALUATION)
def check_fill_in(document: m.Document):
    for project in document.projects:
        if project.parts and not project.funds.total.initial and project.funds.total.budget is None:
            continue  # a parent whose parts did not load
        total = project.funds.total
        missing = [label for label, value in (("全年预算数", total.budget), ("全年执行数", total.spent)) if value is None]
        if missing:
            key = "项目资金.年度资金总额"
            yield finding(project.location(key), key, "FILL-IN", f"待填写：年度资金总额的{'、'.join(missing)}", WARNING)
        if not project.achieved:
            yield finding(project.location("实际完成情况"), "实际完成情况", "FILL-IN", "待填写：实际完成情况", WARNING)
        for indicator in project.indicators:
            if indicator.actual is None:
                path = indicator_path(indicator)
                yield finding(indicator.location, f"{path}.实际完成值", "FILL-IN",
                              f"待填写：“{indicator.name}”的实际完成值", WARNING)


# ---------------------------------------------------------------- units and published formulas

@rule("UNIT-MISMATCH", WARNING, "实际完成值与指标值的单位属于同一量纲（元/万元/亿元、%/‰、天/月/年可换算；个/项/次、人/人次等不可互换），否则不计分",
      kinds=EVALUATION)
def check_unit_mismatch(document: m.Document):
    from builder.model.units import describe_dimension

    for project in document.projects:
        for indicator in project.indicators:
            target, actual = indicator.target, indicator.actual
            if actual is None or scoring.units_comparable(target, actual):
                continue
            path = f"{indicator_path(indicator)}.实际完成值"
            yield finding(
                project.location(path), path, "UNIT-MISMATCH",
                f"“{indicator.name}”指标值 {target.text} 与实际完成值 {actual.text} 的单位不可比较"
                f"（{describe_dimension(target.unit)} 与 {describe_dimension(actual.unit)}），不按规则计分，请统一单位",
                WARNING, 指标值=target.text, 实际完成值=actual.text,
            )


def _why_unscorable(indicator: m.Indicator) -> str:
    target, actual = indicator.target, indicator.actual
    if indicator.band and not target.is_quantitative:
        return f"完成程度为{indicator.band}，得分须在该档次内写明"
    if not scoring.units_comparable(target, actual):
        return f"指标值 {target.text} 与实际完成值 {actual.text} 的单位不可比较，见 UNIT-MISMATCH"
    if target.is_quantitative and actual.number is None:
        return f"实际完成值“{actual.text}”不是数值，不能与指标值 {target.text} 比较"
    return f"实际完成值“{actual.text}”与指标值“{target.text}”不同，不能按规则判断得分"


@rule("SCORE-MISSING", WARNING, "有分值的指标都有得分（写明的或按规则计算的）；缺得分时总分和等级印为空白，不按 0 分计",
      kinds=EVALUATION)
def check_missing_scores(document: m.Document):
    for project in document.projects:
        # an indicator whose 实际完成值 is not filled in yet is FILL-IN's (a draft prints blanks)
        missing = [i for i in scoring.totals(project).unscorable if i.actual is not None]
        if not missing:
            continue
        listed = "；".join(f"“{i.name}”（分值 {format_score(i.weight)}，{_why_unscorable(i)}）" for i in missing)
        yield finding(
            project.location("绩效指标"), "绩效指标", "SCORE-MISSING",
            f"总分和等级印为空白：{len(missing)} 个有分值的指标没有得分——{listed}。"
            "请写明得分（或填好实际完成值、统一单位），缺的得分不按 0 分计入总分",
            WARNING, 缺得分=len(missing),
        )


_PERCENT_UNITS = ("%", "％")


@rule("IND-FRACTION", WARNING, "指标值以 % 计、实际完成值写成不带单位的小数（如 0.92），可能应为百分数（92%）",
      kinds=EVALUATION)
def check_fraction_for_percent(document: m.Document):
    for project in document.projects:
        for indicator in project.indicators:
            target, actual = indicator.target, indicator.actual
            if (actual is None or not target.is_quantitative or target.unit.strip() not in _PERCENT_UNITS
                    or actual.number is None or actual.unit or not 0 < actual.number <= 1 or target.number <= 1):
                continue
            meant = f"{actual.comparator or ''}{(actual.number * 100).normalize():f}%"
            path = f"{indicator_path(indicator)}.实际完成值"
            yield finding(
                project.location(path), path, "IND-FRACTION",
                f"“{indicator.name}”实际完成值 {actual.text} — 是否应为 {meant}？（指标值 {target.text} 以 % 计，"
                f"{actual.text} 按 {actual.number.normalize():f}% 计分）",
                WARNING, 实际完成值=actual.text, 建议=meant,
            )


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


@rule("SCORE-BAND", WARNING, "写明完成程度（达成 100%、基本达成 80%–100%、部分达成 50%–80%、未达成 0–50%）的指标，得分落在该档次的分值区间内",
      kinds=EVALUATION)
def check_score_band(document: m.Document):
    for project in document.projects:
        for indicator in project.indicators:
            band = indicator.band
            if not band or indicator.weight is None or indicator.actual is None:
                continue
            low, high, closed = scoring.BANDS[band]
            weight = indicator.weight
            span = (f"{format_score(weight)} 分" if band == "达成" else
                    f"{format_score(weight * low)}–{format_score(weight * high)} 分"
                    f"（分值的 {_percent(low)}–{_percent(high)}{'' if closed else '，不含上限'}）")
            path = f"{indicator_path(indicator)}.完成程度"
            points = scoring.score(indicator)
            if points is None:
                yield finding(project.location(path), path, "SCORE-BAND",
                              f"“{indicator.name}”完成程度为{band}，请写明得分：应在 {span} 之间", WARNING,
                              完成程度=band, 分值=weight)
            elif not weight or not scoring.in_band(band, points / weight):
                written = "写明的" if indicator.score is not None else "按规则计算的"
                yield finding(project.location(path), path, "SCORE-BAND",
                              f"“{indicator.name}”完成程度为{band}（{span}），{written}得分为 {format_score(points)}",
                              WARNING, 完成程度=band, 得分=points, 分值=weight)


@rule("SCORE-WEIGHT-POSITIVE", WARNING, "写了分值的指标分值大于 0", kinds=EVALUATION)
def check_weight_positive(document: m.Document):
    for project in document.projects:
        for indicator in project.indicators:
            if indicator.weight is not None and indicator.weight <= 0:
                path = f"{indicator_path(indicator)}.分值"
                yield finding(project.location(path), path, "SCORE-WEIGHT-POSITIVE",
                              f"“{indicator.name}”的分值为 {format_score(indicator.weight)}，应大于 0（不计分的指标请不写分值）",
                              WARNING, 分值=indicator.weight)


@rule("DEVIATION-SCORE", WARNING, "得分低于分值的指标要写偏差原因分析及改进措施（未达成的见 DEVIATION-MISSING）", kinds=EVALUATION)
def check_deviation_for_low_score(document: m.Document):
    for project in document.projects:
        for indicator in project.indicators:
            points = scoring.score(indicator)
            if (indicator.weight is None or points is None or points >= indicator.weight
                    or indicator.deviation.strip() or scoring.missed(indicator)):
                continue
            path = f"{indicator_path(indicator)}.偏差原因分析及改进措施"
            yield finding(
                indicator.location, path, "DEVIATION-SCORE",
                f"“{indicator.name}”得分 {format_score(points)} 低于分值 {format_score(indicator.weight)}，偏差原因分析及改进措施为空",
                WARNING, 得分=points, 分值=indicator.weight,
            )


# ---------------------------------------------------------------- reviewers' rules

# "**", "XX", "××", "待定", "【】"; a lone "*" that is no multiplication ("0.3 万元*16" is one).
_PLACEHOLDER = re.compile(r"[*＊]{2,}|[*＊](?!\s*[\d(（])|(?<![A-Za-z])(?:XX|ＸＸ)|××|待定|【\s*】")


@rule("PLACEHOLDER", WARNING, "没有留下占位符（*、**、XX、××、待定、【】）", kinds=BOTH)
def check_placeholders(document: m.Document):
    from builder.check.slips import text_fields  # every text a reviewer reads (a form's fields too)

    for item in text_fields(document):
        match = _PLACEHOLDER.search(item.text)
        if match:
            start = max(0, match.start() - 8)
            excerpt = item.text[start:match.end() + 8].replace("\n", " ")
            yield finding(item.location, item.path, "PLACEHOLDER",
                          f"留有占位符“{match.group()}”：“{excerpt}”，请填写实际内容", WARNING,
                          占位符=match.group())


@rule("IND-COST-DIRECTION", WARNING, "成本指标写成 ≤ 或 =（写 ≥、> 的成本没有上限）")
def check_cost_direction(document: m.Document):
    for project in document.projects:
        for indicator in project.indicators:
            value = indicator.target
            if "成本指标" in (indicator.level1, indicator.level2) and value.comparator in ("≥", ">"):
                yield finding(
                    indicator.location, indicator_path(indicator), "IND-COST-DIRECTION",
                    f"成本指标“{indicator.name}”写作 {value.text}：成本应控制在上限之内（如 ≤{value.number}({value.unit})）",
                    WARNING, 指标值=value.text,
                )


@rule("IND-PERCENT", WARNING, "百分比指标值、实际完成值不超过 100%（增长率等确可超过的，用“忽略:”写明原因）", kinds=BOTH)
def check_percent(document: m.Document):
    from builder.model.units import parse_unit

    for project in document.projects:
        for indicator in project.indicators:
            for label, value in (("指标值", indicator.target), ("实际完成值", indicator.actual)):
                if value is None or value.number is None:
                    continue
                unit = parse_unit(value.unit)
                if unit.numerator is None or unit.denominators or unit.numerator.dimension != "比例":
                    continue
                if value.number * unit.numerator.factor > 100:
                    path = indicator_path(indicator) + ("" if label == "指标值" else ".实际完成值")
                    yield finding(project.location(path), path, "IND-PERCENT",
                                  f"“{indicator.name}”的{label} {value.text} 超过 100%", WARNING, **{label: value.text})


_DUE = re.compile(r"((?:19|20)\d{2})\s*年\s*(?:(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?)?")


def _due_date(match: re.Match) -> dt.date | None:
    year, month, day = match.group(1), match.group(2), match.group(3)
    if month is not None and not 1 <= int(month) <= 12:
        return None
    try:
        if month is None:
            return dt.date(int(year), 12, 31)
        if day is not None:
            return dt.date(int(year), int(month), int(day))
        following = dt.date(int(year) + int(month) // 12, int(month) % 12 + 1, 1)
        return following - dt.timedelta(days=1)
    except ValueError:
        return None


def _project_end(project, document: m.Document) -> dt.date:
    return project.end if isinstance(project, m.TargetProject) else dt.date(document.year, 12, 31)


@rule("IND-AFTER-END", WARNING, "指标写的完成时间（如 2026年6月底前）不晚于项目的计划完成日期（自评：年度末）", kinds=BOTH)
def check_due_after_end(document: m.Document):
    for project in document.projects:
        end = _project_end(project, document)
        for indicator in project.indicators:
            for text in (indicator.name, indicator.target.text):
                dates = [(match.group().strip(), _due_date(match)) for match in _DUE.finditer(text)]
                late = [(written, due) for written, due in dates if due is not None and due > end]
                if late:
                    written, due = late[0]
                    yield finding(
                        indicator.location, indicator_path(indicator), "IND-AFTER-END",
                        f"“{indicator.name}”写到 {written}（{due.isoformat()}），晚于项目计划完成日期 {end.isoformat()}",
                        WARNING, 时间=written, 计划完成日期=end,
                    )
                    break


@rule("IND-COST-MISSING", WARNING, "上海 2025 年指引（财政局 2025-01-02）：每个项目都设成本指标", default_on=False)
def check_cost_indicator_present(document: m.Document):
    for project in document.projects:
        if not any("成本指标" in (i.level1, i.level2) for i in project.indicators):
            yield finding(project.location("绩效指标"), "绩效指标", "IND-COST-MISSING",
                          "没有成本指标（上海 2025 年指引要求每个项目设置成本指标）", WARNING)


@rule("GOAL-ANNUAL", WARNING, "多年度项目（起止日期超出预算年度）写有与项目总目标不同的年度总体目标", default_on=False)
def check_annual_goal(document: m.Document):
    for project in document.projects:
        if _single_year(project, document.year) or project.end < project.start:
            continue
        annual = _squash("".join(project.annual_goal or ()))
        if not annual or annual == _squash("".join(project.total_goal)):
            key = "年度总体目标" if project.annual_goal else "项目总目标"
            what = "与项目总目标相同" if annual else "没有写"
            yield finding(
                project.location(key), key, "GOAL-ANNUAL",
                f"多年度项目（{project.start.isoformat()} 至 {project.end.isoformat()}）的年度总体目标{what}，"
                f"应写明 {document.year} 年度要达到的目标",
                WARNING, 计划开始日期=project.start, 计划完成日期=project.end,
            )


# The rules for people's slips (FUND-SMALL, IND-COST-BUDGET, SKELETON, BIDI-CONTROL, YEAR-STALE) and
# the one reader of every text field they share live in builder.check.slips; importing it registers them.
from builder.check import slips as _slips  # noqa: E402,F401
