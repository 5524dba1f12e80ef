"""Rules of a 自评's roles: the execution rate (预算数, 执行数), scores against weights and bands,
deviations explained, units of 实际完成值 that can be compared, what is still to fill in.
"""

from __future__ import annotations

from decimal import Decimal

from builder.model import core as m
from builder.check import scoring
from builder.check.rules import (
    ACTUAL, ERROR, PARTS, WARNING, cell_name, document_form, finding, indicator_column, indicator_field, indicator_path, name,
    place, role_cell_at, row_name, row_values, rule,
)
from builder.forms.formvalues import indicator_cell
from builder.model.sourceschema import TO_CONFIRM_KEY
from builder.model.values import format_money, format_score, format_yuan


BUDGETED, SPENT, ACHIEVED, DEVIATION = "预算数", "执行数", "完成情况", "偏差说明"
SCORE, WEIGHT, EXECUTION_WEIGHT, BAND = "得分", "分值", "执行分值", "完成档次"


def _funds(form) -> tuple[str, str, str, str]:
    """Where execution findings sit (the row of the 预算数 cell) and the names of the cells."""
    budgeted = form.role_path(BUDGETED)
    return place(form, budgeted), cell_name(form, budgeted), cell_name(form, form.role_path(SPENT)), \
        row_name(form, budgeted)


@rule("EVAL-EXECUTION", WARNING, "执行率可以计算（预算数不为 0）且不超过 100%", needs=(BUDGETED, SPENT))
def check_execution(document: m.Document):
    key, budget_label, spent_label, _ = _funds(document_form(document))
    for project in document.projects:
        budget, spent = project.role(BUDGETED), project.role(SPENT)
        if budget is None:
            continue  # not filled in yet (FILL-IN), or a parent whose parts did not load
        run = scoring.execution(project)
        if run.rate is None:
            yield finding(project.location(key), key, "EVAL-EXECUTION",
                          f"{budget_label}为 0 或未填，执行率记为“—”，预算执行得分为 0", WARNING)
        elif run.rate > 1:
            yield finding(
                project.location(key), key, "EVAL-EXECUTION",
                f"{spent_label} {format_yuan(spent)} 大于{budget_label} {format_yuan(budget)}（执行率 {run.rate_text}）",
                WARNING, **{spent_label: spent, budget_label: budget},
            )


@rule("SCORE-MAX", ERROR, "得分不大于分值", needs=(SCORE,))
def check_score_within_weight(document: m.Document):
    column = indicator_column(document, SCORE)
    for project in document.projects:
        for indicator in project.indicators:
            if indicator.score is None:
                continue
            path = f"{indicator_path(indicator)}.{column.key}"
            if indicator.weight is None:
                yield finding(project.location(path), path, "SCORE-MAX",
                              f"写了得分 {format_score(indicator.score)} 却没有分值", 得分=indicator.score)
            elif indicator.score > indicator.weight:
                yield finding(project.location(path), path, "SCORE-MAX",
                              f"得分 {format_score(indicator.score)} 大于分值 {format_score(indicator.weight)}",
                              得分=indicator.score, 分值=indicator.weight)


@rule("SCORE-WEIGHTS", WARNING, "预算执行分值与各指标分值合计为 100", needs=(EXECUTION_WEIGHT, WEIGHT))
def check_weights(document: m.Document):
    indicators = indicator_field(document, WEIGHT).path
    for project in document.projects:
        totals = scoring.totals(project)
        if totals.weight != 100:
            yield finding(project.location(indicators), indicators, "SCORE-WEIGHTS",
                          f"预算执行分值与各指标分值合计 {format_score(totals.weight)}，应为 100", WARNING,
                          分值合计=totals.weight)


@rule("SCORE-COMPUTED", WARNING, "写明的得分与按规则计算的得分一致", needs=(SCORE, ACTUAL))
def check_explicit_scores(document: m.Document):
    column = indicator_column(document, SCORE)
    for project in document.projects:
        for indicator in project.indicators:
            computed = scoring.computed_score(indicator)
            if indicator.score is None or computed is None or computed == indicator.score:
                continue
            path = f"{indicator_path(indicator)}.{column.key}"
            yield finding(
                project.location(path), path, "SCORE-COMPUTED",
                f"“{indicator.name}”指标值 {indicator.target.text}、实际完成值 {indicator.actual.text}，"
                f"按规则得分 {format_score(computed)}，写明的得分为 {format_score(indicator.score)}",
                WARNING, 写明=indicator.score, 计算=computed,
            )


@rule("DEVIATION-MISSING", WARNING, "未达成的指标要写偏差说明（表单的偏差说明列）", needs=(DEVIATION, ACTUAL))
def check_deviation_reason(document: m.Document):
    column = indicator_column(document, DEVIATION)
    for project in document.projects:
        for indicator in project.indicators:
            if scoring.missed(indicator) and not indicator.deviation.strip():
                path = indicator_path(indicator)
                yield finding(
                    indicator.location, f"{path}.{column.key}", "DEVIATION-MISSING",
                    f"“{indicator.name}”未达成（指标值 {indicator.target.text}，实际完成值 {indicator.actual.text}），"
                    f"{column.label}为空",
                    WARNING, 指标值=indicator.target.text, 实际完成值=indicator.actual.text,
                )


@rule("FILL-IN", WARNING, "待填写：自评中尚未填写的预算数、执行数、完成情况、实际完成值", needs=(BUDGETED, SPENT))
def check_fill_in(document: m.Document):
    form = document_form(document)
    key, budget_label, spent_label, row_label = _funds(form)
    actual = indicator_column(document, ACTUAL)
    for project in document.projects:
        budget, spent = project.role(BUDGETED), project.role(SPENT)
        if project.role(PARTS) and budget is None and not any(row_values(form, project, BUDGETED, SPENT)):
            continue  # a parent whose parts did not load
        missing = [label for label, value in ((budget_label, budget), (spent_label, spent)) if value is None]
        if missing:
            yield finding(project.location(key), key, "FILL-IN", f"待填写：{row_label}的{'、'.join(missing)}", WARNING)
        if form.has_role(ACHIEVED) and not project.role(ACHIEVED):
            achieved = form.role_path(ACHIEVED)
            yield finding(project.location(achieved), achieved, "FILL-IN", f"待填写：{name(form, achieved)}", WARNING)
        for indicator in project.indicators if actual is not None else ():
            if indicator.actual is None:
                path = indicator_path(indicator)
                yield finding(indicator.location, f"{path}.{actual.key}", "FILL-IN",
                              f"待填写：“{indicator.name}”的{actual.label}", WARNING)
        yield from _to_confirm(form, project)


def _confirm_what(form, project, path: str) -> tuple[str, str] | None:
    """(how a message names the field at ``path``, its value as printed), or None when the project
    has no such field, money cell or indicator cell."""
    table, cell = role_cell_at(form, path)
    if cell is not None:
        return f"{row_name(form, path)}的{table.column(cell.column).label}", format_money(project.get(path), table.unit)
    head, _, key = path.rpartition(".")
    for indicator in project.indicators:
        spec = form.field(indicator.group)
        column = spec.indicators.column(key) if spec is not None and spec.indicators is not None else None
        if column is not None and indicator_path(indicator) == head:
            value = indicator_cell(indicator, column)
            return f"“{indicator.name}”的{column.label}", getattr(value, "text", value) or ""
    if form.field(path) is None:
        return None
    value = project.get(path)
    text = "".join(value) if isinstance(value, tuple) else str(value or "")
    return name(form, path), text if len(text) <= 20 else text[:20] + "…"


def _to_confirm(form, project):
    """The draft values ``budgetdoc new`` took from another document (``待确认:``): each one until it
    is confirmed (its line deleted)."""
    for path in getattr(project, "to_confirm", ()):
        what = _confirm_what(form, project, path)
        if what is None:
            yield finding(project.location(TO_CONFIRM_KEY), TO_CONFIRM_KEY, "FILL-IN",
                          f"待确认的“{path}”不是本项目的字段、金额格或指标", WARNING)
            continue
        label, value = what
        key = place(form, path)
        yield finding(project.location(key), path, "FILL-IN",
                      f"待确认：{label} {value}（budgetdoc new 取来的草稿值，核对后从“{TO_CONFIRM_KEY}”中删去这一行）",
                      WARNING)


# ---------------------------------------------------------------- units and published formulas

@rule("UNIT-MISMATCH", WARNING, "实际完成值与指标值的单位属于同一量纲（元/万元/亿元、%/‰、天/月/年可换算；个/项/次、人/人次等不可互换），否则不计分",
      needs=(ACTUAL,))
def check_unit_mismatch(document: m.Document):
    from builder.model.units import describe_dimension

    column = indicator_column(document, ACTUAL)
    for project in document.projects:
        for indicator in project.indicators:
            target, actual = indicator.target, indicator.actual
            if actual is None or scoring.units_comparable(target, actual):
                continue
            path = f"{indicator_path(indicator)}.{column.key}"
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
      needs=(WEIGHT,))
def check_missing_scores(document: m.Document):
    indicators = indicator_field(document, WEIGHT).path
    for project in document.projects:
        # an indicator whose 实际完成值 is not filled in yet is FILL-IN's (a draft prints blanks)
        missing = [i for i in scoring.totals(project).unscorable if i.actual is not None]
        if not missing:
            continue
        listed = "；".join(f"“{i.name}”（分值 {format_score(i.weight)}，{_why_unscorable(i)}）" for i in missing)
        yield finding(
            project.location(indicators), indicators, "SCORE-MISSING",
            f"总分和等级印为空白：{len(missing)} 个有分值的指标没有得分——{listed}。"
            "请写明得分（或填好实际完成值、统一单位），缺的得分不按 0 分计入总分",
            WARNING, 缺得分=len(missing),
        )


_PERCENT_UNITS = ("%", "％")


@rule("IND-FRACTION", WARNING, "指标值以 % 计、实际完成值写成不带单位的小数（如 0.92），可能应为百分数（92%）",
      needs=(ACTUAL,))
def check_fraction_for_percent(document: m.Document):
    column = indicator_column(document, ACTUAL)
    for project in document.projects:
        for indicator in project.indicators:
            target, actual = indicator.target, indicator.actual
            if (actual is None or not target.is_quantitative or target.unit.strip() not in _PERCENT_UNITS
                    or actual.number is None or actual.unit or not 0 < actual.number <= 1 or target.number <= 1):
                continue
            meant = f"{actual.comparator or ''}{(actual.number * 100).normalize():f}%"
            path = f"{indicator_path(indicator)}.{column.key}"
            yield finding(
                project.location(path), path, "IND-FRACTION",
                f"“{indicator.name}”实际完成值 {actual.text} — 是否应为 {meant}？（指标值 {target.text} 以 % 计，"
                f"{actual.text} 按 {actual.number.normalize():f}% 计分）",
                WARNING, 实际完成值=actual.text, 建议=meant,
            )


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


@rule("SCORE-BAND", WARNING, "写明完成程度（达成 100%、基本达成 80%–100%、部分达成 50%–80%、未达成 0–50%）的指标，得分落在该档次的分值区间内",
      needs=(BAND,))
def check_score_band(document: m.Document):
    column = indicator_column(document, BAND)
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
            path = f"{indicator_path(indicator)}.{column.key}"
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


@rule("SCORE-WEIGHT-POSITIVE", WARNING, "写了分值的指标分值大于 0", needs=(WEIGHT,))
def check_weight_positive(document: m.Document):
    column = indicator_column(document, WEIGHT)
    for project in document.projects:
        for indicator in project.indicators:
            if indicator.weight is not None and indicator.weight <= 0:
                path = f"{indicator_path(indicator)}.{column.key}"
                yield finding(project.location(path), path, "SCORE-WEIGHT-POSITIVE",
                              f"“{indicator.name}”的分值为 {format_score(indicator.weight)}，应大于 0（不计分的指标请不写分值）",
                              WARNING, 分值=indicator.weight)


@rule("DEVIATION-SCORE", WARNING, "得分低于分值的指标要写偏差说明（未达成的见 DEVIATION-MISSING）", needs=(DEVIATION, WEIGHT))
def check_deviation_for_low_score(document: m.Document):
    column = indicator_column(document, DEVIATION)
    for project in document.projects:
        for indicator in project.indicators:
            points = scoring.score(indicator)
            if (indicator.weight is None or points is None or points >= indicator.weight
                    or indicator.deviation.strip() or scoring.missed(indicator)):
                continue
            path = f"{indicator_path(indicator)}.{column.key}"
            yield finding(
                indicator.location, path, "DEVIATION-SCORE",
                f"“{indicator.name}”得分 {format_score(points)} 低于分值 {format_score(indicator.weight)}，{column.label}为空",
                WARNING, 得分=points, 分值=indicator.weight,
            )
