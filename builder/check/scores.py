"""Rules of the 绩效自评: its funds table, execution rate, scores against weights and bands,
deviations explained, units of 实际完成值 that can be compared.
"""

from __future__ import annotations

from decimal import Decimal

from builder.model import core as m
from builder.check import scoring
from builder.check.rules import ERROR, WARNING, ZERO, finding, indicator_path, rule
from builder.model.values import format_score, format_yuan


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
