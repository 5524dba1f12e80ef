"""Rules reviewers asked for: placeholders left in, cost directions, percentages over 100%,
due dates after the project's end, and the Shanghai 2025 guidance (off unless a profile turns
them on).
"""

from __future__ import annotations

import datetime as dt
import re

from builder.model import core as m
from builder.check.rules import (
    ACTUAL, COST, END, START, TARGET_VALUE, TARGETS, TOTAL_GOAL, WARNING, YEAR_GOAL, cost_targets, document_form,
    finding, indicator_column, indicator_path, name, rule, single_year, squash,
)


# ---------------------------------------------------------------- reviewers' rules

# "**", "XX", "××", "待定", "【】"; a lone "*" that is no multiplication ("0.3 万元*16" is one).
_PLACEHOLDER = re.compile(r"[*＊]{2,}|[*＊](?!\s*[\d(（])|(?<![A-Za-z])(?:XX|ＸＸ)|××|待定|【\s*】")


@rule("PLACEHOLDER", WARNING, "没有留下占位符（*、**、XX、××、待定、【】）")
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


@rule("IND-COST-DIRECTION", WARNING, "成本指标写成 ≤ 或 =（写 ≥、> 的成本没有上限）", needs=(COST, TARGETS))
def check_cost_direction(document: m.Document):
    for project in document.projects:
        for indicator in cost_targets(document, project):
            value = indicator.target
            if value.comparator in ("≥", ">"):
                yield finding(
                    indicator.location, indicator_path(indicator), "IND-COST-DIRECTION",
                    f"成本指标“{indicator.name}”写作 {value.text}：成本应控制在上限之内（如 ≤{value.number}({value.unit})）",
                    WARNING, 指标值=value.text,
                )


@rule("IND-PERCENT", WARNING, "百分比指标值、实际完成值不超过 100%（增长率等确可超过的，用“忽略:”写明原因）",
      needs=(TARGET_VALUE,))
def check_percent(document: m.Document):
    from builder.model.units import parse_unit

    actual = indicator_column(document, ACTUAL)  # a 申报 has none: its indicators have no 实际完成值
    for project in document.projects:
        for indicator in project.indicators:
            for label, value in (("指标值", indicator.target), ("实际完成值", indicator.actual)):
                if value is None or value.number is None:
                    continue
                unit = parse_unit(value.unit)
                if unit.numerator is None or unit.denominators or unit.numerator.dimension != "比例":
                    continue
                if value.number * unit.numerator.factor > 100:
                    path = indicator_path(indicator) + ("" if label == "指标值" or actual is None else f".{actual.key}")
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
    return project.role(END) or dt.date(document.year, 12, 31)


def _end_label(document: m.Document) -> str:
    """The end date's name: the form's, else the one of the 申报 a 自评 evaluates."""
    from builder.forms.formdef import shipped_form

    form = document_form(document)
    if not form.has_role(END):
        form = shipped_form(m.TARGET_KIND)
    return name(form, form.role_path(END))


@rule("IND-AFTER-END", WARNING, "指标写的完成时间（如 2026年6月底前）不晚于项目的完成日期（表单没有完成日期时：年度末）",
      needs=(TARGET_VALUE,))
def check_due_after_end(document: m.Document):
    end_label = _end_label(document)
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
                        f"“{indicator.name}”写到 {written}（{due.isoformat()}），晚于项目{end_label} {end.isoformat()}",
                        WARNING, 时间=written, **{end_label: end},
                    )
                    break


@rule("IND-COST-MISSING", WARNING, "上海 2025 年指引（财政局 2025-01-02）：每个项目都设成本指标", default_on=False,
      needs=(COST, TARGETS))
def check_cost_indicator_present(document: m.Document):
    form = document_form(document)
    key = form.fields_with(TARGETS)[0].path
    cost = "、".join(sorted({level2 or level1 for level1, level2 in form.categories(COST)}))
    for project in document.projects:
        if not cost_targets(document, project):
            yield finding(project.location(key), key, "IND-COST-MISSING",
                          f"没有{cost}（上海 2025 年指引要求每个项目设置{cost}）", WARNING)


@rule("GOAL-ANNUAL", WARNING, "多年度项目（起止日期超出预算年度）写有与总目标不同的年度目标", default_on=False,
      needs=(START, END, TOTAL_GOAL, YEAR_GOAL))
def check_annual_goal(document: m.Document):
    form = document_form(document)
    year_key, total_key = form.role_path(YEAR_GOAL), form.role_path(TOTAL_GOAL)
    year_label, total_label = name(form, year_key), name(form, total_key)
    for project in document.projects:
        start, end = project.role(START), project.role(END)
        if start is None or end is None or single_year(project, document.year) or end < start:
            continue
        written = project.role(YEAR_GOAL)
        annual = squash("".join(written or ()))
        if not annual or annual == squash("".join(project.role(TOTAL_GOAL) or ())):
            key = year_key if written else total_key
            what = f"与{total_label}相同" if annual else "没有写"
            yield finding(
                project.location(key), key, "GOAL-ANNUAL",
                f"多年度项目（{start.isoformat()} 至 {end.isoformat()}）的{year_label}{what}，"
                f"应写明 {document.year} 年度要达到的目标",
                WARNING, **{name(form, form.role_path(START)): start, name(form, form.role_path(END)): end},
            )


# The rules for people's slips (FUND-SMALL, IND-COST-BUDGET, SKELETON, BIDI-CONTROL, YEAR-STALE) and
# the one reader of every text field they share live in builder.check.slips; importing it registers them.
