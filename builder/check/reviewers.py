"""Rules reviewers asked for: placeholders left in, cost directions, percentages over 100%,
due dates after the project's end, and the Shanghai 2025 guidance (off unless a profile turns
them on).
"""

from __future__ import annotations

import datetime as dt
import re

from builder.model import core as m
from builder.check.rules import BOTH, WARNING, finding, single_year, squash, indicator_path, rule


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
        if single_year(project, document.year) or project.end < project.start:
            continue
        annual = squash("".join(project.annual_goal or ()))
        if not annual or annual == squash("".join(project.total_goal)):
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
