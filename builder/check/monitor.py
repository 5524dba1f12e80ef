"""Rules of a mid-year monitoring (绩效运行监控, shared/forms/运行监控.md): what a finance bureau's
reviewer checks, over the roles a monitoring form declares (docs/forms.md, 角色) — never a field,
label or choice of a particular form:

- MON-PACE: 执行率 (执行数 / 预算数, ``scoring.execution``) against 时序进度, the share of the year
  gone at the 监控日期; a 黄 or 红 light when it is behind by more than the profile's 参数;
- MON-OFF-TRACK: an indicator whose 预计值 does not reach its 目标值 (the 自评's comparison and
  units, ``scoring.falls_short``) has a cause ticked (a column tagged 偏差原因) and explained;
- MON-LIKELIHOOD: such an indicator is not given the first choice of 完成可能性 (the form lists its
  choices from the most to the least likely: the first is “certain”, the last “impossible”);
- MON-REMEDY: the last choice of 完成可能性 has its 整改措施;
- MON-ORDER: in every row of the money table, 执行数 ≤ 预计执行数 ≤ 预算数, the latter unless a
  调整 is stated (the field with the 调整说明 role).

``pace`` and ``off_track`` are what a summary of the monitoring shows beside each project (its
light, the indicators off track); they take the 参数 the rules run with
(builder.check.profile.rule_settings).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from builder.check import scoring
from builder.check.rules import (
    ERROR, WARNING, document_form, finding, indicator_field, indicator_path, name, place, role_cell, rule,
)
from builder.forms.formvalues import indicator_cell
from builder.model import core as m
from builder.model.values import format_money

DATE, BUDGETED, SPENT, FORECAST_SPENT, ADJUSTMENT = "监控日期", "预算数", "执行数", "预计执行数", "调整说明"
TARGET, FORECAST, CAUSE, LIKELIHOOD, REMEDY = "目标值", "预计值", "偏差原因", "完成可能性", "整改措施"
YELLOW, RED = "黄灯", "红灯"  # MON-PACE's 参数: percentage points behind 时序进度
GREEN_LIGHT, YELLOW_LIGHT, RED_LIGHT = "绿", "黄", "红"
HUNDRED = Decimal(100)
MONTHS = Decimal(12)


# ---------------------------------------------------------------- 执行率 against 时序进度

def elapsed(date: dt.date, year: int) -> Decimal:
    """时序进度: the share of ``year`` gone at the end of ``date`` — whole months, and the day's share
    of its month (7月31日: 7/12; 7月15日: (6 + 15/31)/12); 0 before the year, 1 after it."""
    if date.year != year:
        return Decimal(0) if date.year < year else Decimal(1)
    days = calendar.monthrange(date.year, date.month)[1]
    return (Decimal(date.month - 1) + Decimal(date.day) / Decimal(days)) / MONTHS


def percent(share: Decimal) -> Decimal:
    """A share as the forms print a rate: percent, two decimals, 四舍五入."""
    return scoring.round_cents(share * HUNDRED)


@dataclass(frozen=True)
class Pace:
    """A project's 执行率 at the monitoring date against 时序进度, and its light."""

    rate: Decimal | None  # 执行数 / 预算数, a fraction; None when 预算数 is 0 or blank, or 执行数 blank
    elapsed: Decimal  # 时序进度, a fraction
    light: str  # 绿 / 黄 / 红; "" when there is no 执行率

    @property
    def rate_text(self) -> str:
        return "—" if self.rate is None else f"{percent(self.rate)}%"

    @property
    def elapsed_text(self) -> str:
        return f"{percent(self.elapsed)}%"

    @property
    def behind(self) -> Decimal | None:
        """Percentage points 执行率 is behind 时序进度, from the printed (rounded) percentages."""
        return None if self.rate is None else percent(self.elapsed) - percent(self.rate)


def monitoring_date(document: m.Document) -> dt.date | None:
    """The document's 监控日期 (a field of document.yaml with that role), or None."""
    path = document_form(document).role_path(DATE)
    value = document.extra
    for part in (path or "").split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, dt.date) else None


def light(behind: Decimal, thresholds: dict) -> str:
    """绿, 黄 (behind by more than 黄灯 percentage points) or 红 (by more than 红灯)."""
    if behind > thresholds[RED]:
        return RED_LIGHT
    if behind > thresholds[YELLOW]:
        return YELLOW_LIGHT
    return GREEN_LIGHT


def pace(document: m.Document, project, settings: dict) -> Pace | None:
    """The project's pace at the 监控日期 under ``settings`` (rule id → 参数, as the rules get them);
    None when the form lacks the roles or the document its date."""
    form = document_form(document)
    date = monitoring_date(document)
    if date is None or not form.has_role(BUDGETED) or not form.has_role(SPENT):
        return None
    gone = elapsed(date, document.year)
    run = scoring.execution(project)
    if run.rate is None or project.role(SPENT) is None:
        return Pace(None, gone, "")
    result = Pace(run.rate, gone, "")
    return Pace(run.rate, gone, light(result.behind, settings.get("MON-PACE", {})))


@rule("MON-PACE", WARNING, "执行率（执行数 / 预算数）落后于监控日期的时序进度超过规则集参数的百分点：黄灯、红灯",
      needs=(DATE, BUDGETED, SPENT), settings=(YELLOW, RED))
def check_pace(document: m.Document, settings: dict):
    form = document_form(document)
    spent_path, budget_path = form.role_path(SPENT), form.role_path(BUDGETED)
    key = place(form, spent_path)
    table, spent_cell = role_cell(form, SPENT)
    _, budget_cell = role_cell(form, BUDGETED)
    spent_label = table.column(spent_cell.column).label if table else name(form, spent_path)
    budget_label = table.column(budget_cell.column).label if table else name(form, budget_path)
    unit = table.unit if table else "元"
    date = monitoring_date(document)
    for project in document.projects:
        found = pace(document, project, {"MON-PACE": settings})
        if found is None or found.light in ("", GREEN_LIGHT):
            continue
        limit = settings[RED if found.light == RED_LIGHT else YELLOW]
        yield finding(
            project.location(key), key, "MON-PACE",
            f"执行率 {found.rate_text}（{spent_label} {format_money(project.role(SPENT), unit)} / "
            f"{budget_label} {format_money(project.role(BUDGETED), unit)}）落后于{name(form, form.role_path(DATE))} "
            f"{date.isoformat()} 的时序进度 {found.elapsed_text} {found.behind} 个百分点（超过 {limit}）：{found.light}灯",
            WARNING, 执行率=found.rate_text, 时序进度=found.elapsed_text, 灯=found.light,
        )


# ---------------------------------------------------------------- indicators off track

def _set(document: m.Document):
    """The indicator set with a 预计值 column (its spec), or None."""
    return indicator_field(document, FORECAST)


def _forecasts(document: m.Document, project):
    """(indicator, its 预计值) of the set with a 预计值 column, where one is written."""
    spec = _set(document)
    if spec is None:
        return
    column = spec.indicators.column_with(FORECAST)
    for indicator in project.indicators:
        value = indicator_cell(indicator, column) if indicator.group == spec.key else None
        if value is not None and getattr(value, "text", ""):
            yield indicator, value


def off_track(document: m.Document, project) -> tuple[m.Indicator, ...]:
    """The project's indicators whose 预计值 does not reach the 目标值 (the 自评's comparison)."""
    return tuple(i for i, forecast in _forecasts(document, project) if scoring.falls_short(i.target, forecast))


def _cell_path(indicator: m.Indicator, column) -> str:
    return f"{indicator_path(indicator)}.{column.key}"


def _ticked(value) -> bool:
    return value not in (None, "", False, ())


def _explained(value) -> bool:
    return isinstance(value, str) and bool(value.strip()) or isinstance(value, (list, tuple)) and any(value)


def _said(document, project, indicator, forecast) -> str:
    spec = _set(document)
    target = spec.indicators.column_with(TARGET)
    return (f"“{indicator.name}”{spec.indicators.column_with(FORECAST).label} {forecast.text}"
            f" {'达不到' if scoring.falls_short(indicator.target, forecast) else '达到'}"
            f"{target.label if target else ''} {indicator.target.text}")


@rule("MON-OFF-TRACK", WARNING, "预计值达不到目标值的指标勾选偏差原因并写明说明；预计达到的不勾选",
      needs=(TARGET, FORECAST, CAUSE))
def check_off_track(document: m.Document):
    spec = _set(document)
    causes = [c for c in spec.indicators.columns if CAUSE in c.roles]
    forecast_column = spec.indicators.column_with(FORECAST)
    labels = "、".join(c.label for c in causes)
    for project in document.projects:
        for indicator, forecast in _forecasts(document, project):
            ticked = [(c, indicator_cell(indicator, c)) for c in causes if _ticked(indicator_cell(indicator, c))]
            short = scoring.falls_short(indicator.target, forecast)
            said = _said(document, project, indicator, forecast)
            if short and not ticked:
                path = _cell_path(indicator, forecast_column)
                yield finding(project.location(path), path, "MON-OFF-TRACK",
                              f"{said}，没有勾选偏差原因（{labels}）：请勾选并写明原因", WARNING,
                              指标值=indicator.target.text, 预计=forecast.text)
            for column, value in ticked:
                path = _cell_path(indicator, column)
                if short and not _explained(value):
                    yield finding(project.location(path), path, "MON-OFF-TRACK",
                                  f"{said}，勾选了“{column.label}”却没有写明原因", WARNING)
                elif not short and scoring.meets(indicator.target, forecast):
                    yield finding(project.location(path), path, "MON-OFF-TRACK",
                                  f"{said}，却勾选了偏差原因“{column.label}”（预计达到的指标不勾选）", WARNING)


def _likelihood(document: m.Document):
    """(the 完成可能性 column, its first choice, its last) of the set with it, or Nones."""
    spec = indicator_field(document, LIKELIHOOD)
    column = spec.indicators.column_with(LIKELIHOOD) if spec else None
    if column is None or len(column.choices) < 2:
        return spec, column, None, None
    return spec, column, column.choices[0], column.choices[-1]


@rule("MON-LIKELIHOOD", WARNING, "预计值达不到目标值的指标，完成可能性不能是表单的第一项（确定能）",
      needs=(TARGET, FORECAST, LIKELIHOOD))
def check_likelihood(document: m.Document):
    _, column, certain, _ = _likelihood(document)
    if certain is None:
        return
    for project in document.projects:
        for indicator, forecast in _forecasts(document, project):
            if scoring.falls_short(indicator.target, forecast) and indicator_cell(indicator, column) == certain:
                path = _cell_path(indicator, column)
                yield finding(project.location(path), path, "MON-LIKELIHOOD",
                              f"{_said(document, project, indicator, forecast)}，{column.label}不能是“{certain}”", WARNING,
                              **{column.label: certain})


@rule("MON-REMEDY", WARNING, "完成可能性为表单的最后一项（完全不可能）的指标写明整改措施",
      needs=(LIKELIHOOD, REMEDY))
def check_remedy(document: m.Document):
    spec, column, _, impossible = _likelihood(document)
    remedy = spec.indicators.column_with(REMEDY) if spec else None
    if impossible is None or remedy is None:
        return
    for project in document.projects:
        for indicator in project.indicators:
            if indicator.group != spec.key or indicator_cell(indicator, column) != impossible:
                continue
            if not _explained(indicator_cell(indicator, remedy)):
                path = _cell_path(indicator, remedy)
                yield finding(project.location(path), path, "MON-REMEDY",
                              f"“{indicator.name}”的{column.label}为“{impossible}”，{remedy.label}为空：请写明整改措施",
                              WARNING)


# ---------------------------------------------------------------- 执行数 ≤ 预计执行数 ≤ 预算数

@rule("MON-ORDER", ERROR, "金额表每一行：执行数 ≤ 预计执行数 ≤ 预算数（写明调整说明时，后者不检查）",
      needs=(BUDGETED, SPENT, FORECAST_SPENT))
def check_order(document: m.Document):
    form = document_form(document)
    table, budget = role_cell(form, BUDGETED)
    cells = [budget, role_cell(form, SPENT)[1], role_cell(form, FORECAST_SPENT)[1]]
    if table is None or any(c is None or role_cell(form, r)[0] is not table
                            for c, r in zip(cells, (BUDGETED, SPENT, FORECAST_SPENT))):
        return  # the three roles are not in one table
    budget_column, spent_column, forecast_column = (table.column(c.column) for c in cells)
    adjustment = form.role_path(ADJUSTMENT)
    hint = f"（预算有调整的，请在“{name(form, adjustment)}”中写明）" if adjustment else ""
    for project in document.projects:
        values = project.get(table.key)
        if values is None:
            continue
        adjusted = project.role(ADJUSTMENT) is not None
        for row in table.rows:
            if not all(row.key in c.rows for c in (budget_column, spent_column, forecast_column)):
                continue
            amount = {c.key: values.get(table.address(row.key, c.key))
                      for c in (budget_column, spent_column, forecast_column)}
            label = budget_column.row_labels.get(row.key) or row.label
            pairs = [(spent_column, forecast_column, "")]
            if not adjusted:
                pairs.append((forecast_column, budget_column, hint))
                if amount[forecast_column.key] is None:
                    pairs.append((spent_column, budget_column, hint))
            for low, high, more in pairs:
                small, big = amount[low.key], amount[high.key]
                if small is None or big is None or small <= big:
                    continue
                path = table.path(table.address(row.key, low.key))
                key = place(form, path)
                yield finding(project.location(key), key, "MON-ORDER",
                              f"{label}：{low.label} {format_money(small, table.unit)} 大于{high.label} "
                              f"{format_money(big, table.unit)}{more}", ERROR, **{low.label: small, high.label: big})
