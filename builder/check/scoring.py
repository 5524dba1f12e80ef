"""The 绩效自评 scoring rules (docs/sources.md, section 绩效自评).

- 执行率 = 执行数 / 预算数 (the money cells with those roles; shipped: 全年执行数 / 全年预算数 of
  年度资金总额); its 得分 = 执行分值 (预算执行分值) × min(执行率, 100%), two decimals.
- An indicator's 得分, when not written: full 分值 when 实际完成值 meets 指标值;
  otherwise 分值 × 实际/目标 (≥ = > targets) or 分值 × 目标/实际 (≤ < targets);
  qualitative: full when 实际完成值 is 完成/达成/达成预期指标 or equals 指标值.
- 总分 = execution 得分 + Σ indicator 得分, printed exactly (never rounded away from the printed
  parts). An explicit 得分 always wins. An indicator with a 分值 and no 得分 (none written,
  none computable: no 实际完成值, UNIT-MISMATCH, a text miss, a 完成程度 band) is *unscorable*:
  总分 and 等级 are then blank, never a sum that counts it as 0 (SCORE-MISSING says which).
- Units are part of a value: the 实际完成值 is converted into the 指标值's unit
  (``builder.model.units``: 58000 元 against ≤6 万元 is 5.8 万元); across dimensions
  (工作日 against 月, 人/月 against 元/人/月) nothing is computed (UNIT-MISMATCH).
- 完成程度 (定性 bands, written by the writer): 达成 100% of 分值, 基本达成 80–100%,
  部分达成 50–80%, 未达成 0–50%; a 定性 indicator marked 达成 scores full, one
  in another band needs its 得分 written (SCORE-BAND checks it is in the band).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from builder.model import core as m
from builder.model import units
from builder.model.values import IndicatorValue, round_half_up

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ONE = Decimal(1)
ZERO = Decimal(0)
ACHIEVED_WORDS = ("完成", "达成", "达成预期指标", "已完成", "全部完成")
HIGHER_IS_BETTER = ("=", "≥", ">")


def round_cents(value: Decimal) -> Decimal:
    """Two decimals, 四舍五入: ``values.round_half_up``, the one rounding."""
    return round_half_up(value, 2)


@dataclass(frozen=True)
class Execution:
    rate: Decimal | None  # a fraction; None when 全年预算数 is 0 or blank
    weight: Decimal
    score: Decimal

    @property
    def rate_text(self) -> str:
        return percent_text(self.rate)


def percent_text(fraction: Decimal | None) -> str:
    """A fraction as a percentage with two decimals, 四舍五入 (48.00%); "—" when there is none."""
    if fraction is None:
        return "—"
    return f"{round_cents(fraction * HUNDRED)}%"


BUDGETED, SPENT, EXECUTION_WEIGHT = "预算数", "执行数", "执行分值"  # the roles 执行率 reads (docs/forms.md)


def _execution_inputs(project) -> tuple[Decimal | None, Decimal | None, Decimal]:
    """预算数, 执行数 and 执行分值 through the project's form; a model built without a form (unit
    tests of the scoring) by its 自评 attributes."""
    form = getattr(project, "form", None)
    if form is None:
        return project.funds.total.budget, project.funds.total.spent, project.execution_weight
    weight = project.role(EXECUTION_WEIGHT)
    return project.role(BUDGETED), project.role(SPENT), ZERO if weight is None else weight


def execution(project) -> Execution:
    budget, spent, weight = _execution_inputs(project)
    if not budget:
        return Execution(None, weight, ZERO)
    rate = (spent or ZERO) / budget
    return Execution(rate, weight, round_cents(weight * min(rate, ONE)))


# 完成程度 → (lowest share of 分值, highest share, whether the highest is included)
BANDS: dict[str, tuple[Decimal, Decimal, bool]] = {
    "达成": (ONE, ONE, True),
    "基本达成": (Decimal("0.8"), ONE, False),
    "部分达成": (Decimal("0.5"), Decimal("0.8"), False),
    "未达成": (ZERO, Decimal("0.5"), False),
}


def in_band(band: str, share: Decimal) -> bool:
    low, high, closed = BANDS[band]
    return low <= share <= high if closed else low <= share < high


def units_comparable(target: IndicatorValue, actual: IndicatorValue) -> bool:
    """False when both values have numbers whose units measure different things."""
    if target.number is None or actual.number is None:
        return True
    return units.compatible(target.unit, actual.unit)


def actual_number(target: IndicatorValue, actual: IndicatorValue) -> Decimal | None:
    """The 实际完成值's number in the 指标值's unit; None across dimensions."""
    if actual.number is None:
        return None
    return units.convert(actual.number, actual.unit, target.unit)


def meets(target: IndicatorValue, actual: IndicatorValue) -> bool | None:
    """Whether the actual value meets the target; None when it cannot be told."""
    if target.is_quantitative and actual.number is not None:
        number = actual_number(target, actual)
        if number is None:
            return None  # units of different dimensions: UNIT-MISMATCH
        if target.comparator in HIGHER_IS_BETTER:
            return number >= target.number
        return number <= target.number
    if not target.is_quantitative:
        if actual.text in ACHIEVED_WORDS or actual.text == target.text:
            return True
    return None


def computed_score(indicator: m.Indicator) -> Decimal | None:
    """The 得分 the rules give, or None when they cannot (no 分值, no 实际完成值, a text miss)."""
    weight, target, actual = indicator.weight, indicator.target, indicator.actual
    if weight is None or actual is None:
        return None
    band = getattr(indicator, "band", None)
    if band and not target.is_quantitative:
        return weight if band == "达成" else None  # 定性: the writer gives the 得分 within the band
    met = meets(target, actual)
    if met:
        return weight
    if met is None:
        return None
    number = actual_number(target, actual)
    if target.comparator in HIGHER_IS_BETTER:  # 正向: 分值 × 实际/目标
        if not target.number:
            return weight
        ratio = number / target.number
    else:  # 反向: 分值 × 目标/实际
        if not number:
            return weight
        ratio = target.number / number
    return round_cents(weight * max(ZERO, min(ratio, ONE)))


def score(indicator: m.Indicator) -> Decimal | None:
    """The 得分 printed: the written one, else the computed one."""
    return indicator.score if indicator.score is not None else computed_score(indicator)


def missed(indicator: m.Indicator) -> bool:
    """True when the 实际完成值 is known not to meet the 指标值."""
    if indicator.actual is None:
        return False
    band = getattr(indicator, "band", None)
    if band:
        return band != "达成"
    return falls_short(indicator.target, indicator.actual)


def falls_short(target: IndicatorValue, value: IndicatorValue) -> bool:
    """True when ``value`` (a 实际完成值, a 监控's 全年预计) is known not to reach ``target``: a number
    (converted into the target's unit) on the wrong side, a text that is neither an achieved word
    nor the target's; False when it reaches it or cannot be told (units of different dimensions)."""
    met = meets(target, value)
    if met is None and not target.is_quantitative:
        return value.text != target.text
    return met is False


@dataclass(frozen=True)
class Totals:
    weight: Decimal  # Σ 分值, budget execution included
    score: Decimal | None  # 总分: exactly the sum of the printed parts; None when one is missing
    unscorable: tuple[m.Indicator, ...] = ()  # indicators with a 分值 and no 得分

    @property
    def grade(self) -> str:
        if self.score is None:
            return ""
        if self.score >= 90:
            return "优"
        if self.score >= 80:
            return "良"
        if self.score >= 60:
            return "中"
        return "差"

    @property
    def printed(self) -> Decimal | None:
        """总分 as printed: two decimals, or every decimal of its parts (a written 8.555 stays):
        never rounded, so it is always the sum of the printed parts."""
        if self.score is None:
            return None
        cents = round_half_up(self.score, 2)
        return cents if cents == self.score else self.score.normalize()

    @property
    def text(self) -> str:
        return "" if self.printed is None else f"{self.printed:f}"


def unscorable(indicator: m.Indicator) -> bool:
    """True when the indicator has a 分值 but neither a written nor a computable 得分."""
    return indicator.weight is not None and score(indicator) is None


def totals(project: m.EvaluationProject) -> Totals:
    run = execution(project)
    weight = run.weight + sum((i.weight for i in project.indicators if i.weight is not None), ZERO)
    missing = tuple(i for i in project.indicators if unscorable(i))
    if missing:
        return Totals(weight, None, missing)
    points = run.score + sum((s for s in map(score, project.indicators) if s is not None), ZERO)
    return Totals(weight, points)
