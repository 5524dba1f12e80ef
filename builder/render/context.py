"""Template contexts: the model turned into the strings and flags a template prints.

Python computes (formatting, sums, merge spans); the template words and styles.
Contexts hold only plain dicts, lists and strings, so the sandboxed template
cannot reach any Python object.
"""

from __future__ import annotations

from builder import model as m
from builder.values import format_wan, format_wan_short, format_yuan


def merge_marks(keys: list) -> list[str]:
    """Vertical merge per row: "restart" where a run of equal keys begins, else "continue"."""
    marks, previous = [], object()
    for key in keys:
        marks.append("continue" if key == previous else "restart")
        previous = key
    return marks


def indicator_grid(indicators, value_of) -> list[dict]:
    """Rows of the 绩效指标 grid with 一级/二级 spans; labels only where a span starts."""
    level1_marks = merge_marks([i.level1 for i in indicators])
    level2_marks = merge_marks([(i.level1, i.level2) for i in indicators])
    rows = []
    for indicator, mark1, mark2 in zip(indicators, level1_marks, level2_marks):
        row = {
            "level1": indicator.level1 if mark1 == "restart" else "",
            "level1_merge": mark1,
            "level2": indicator.level2 if mark2 == "restart" else "",
            "level2_merge": mark2,
            "name": indicator.name,
        }
        row.update(value_of(indicator))
        rows.append(row)
    return rows


def _texts(project, path: str, plain) -> list[str]:
    """A text field's paragraphs, or for a Markdown section the marker paragraphs where its
    converted blocks are placed after rendering (``builder.render.markdown_docx``)."""
    pieces = project.markdown.get(path) if project.markdown else None
    if not pieces:
        return list(plain or ())
    return [piece if isinstance(piece, str) else piece.marker for piece in pieces]


def _nonempty(paragraphs) -> list[str]:
    """A table cell needs at least one paragraph."""
    return list(paragraphs) or [""]


def target_context(document: m.Document) -> dict:
    return {
        "unit_name": document.unit_name,
        "year": str(document.year),
        "budget_units": str(document.budget_units),
        "project_count": str(len(document.projects)),
        "total_wan": format_wan(document.total_annual),
        "projects": [
            target_project_context(project, number, document.year)
            for number, project in enumerate(document.projects, start=1)
        ],
    }


def target_project_context(project: m.TargetProject, number: int, year: int) -> dict:
    narrative, funds = project.narrative, project.funds
    budget = narrative.budget
    if isinstance(budget, m.BudgetPlan):
        budget_lead = list(budget.lead)
        budget_items = [
            {"number": str(i), "name": item.name, "amount_wan": format_wan_short(item.amount), "note": item.note}
            for i, item in enumerate(budget.items, start=1)
        ]
    else:
        budget_lead, budget_items = _texts(project, "情况说明.年度预算安排", budget), []
    return {
        "number": str(number),
        "name": project.name,
        "nature": project.nature,
        "category": project.category,
        "authority": project.authority,
        "implementer": project.implementer,
        "start": project.start.isoformat(),
        "end": project.end.isoformat(),
        "multi_year": project.start.year != project.end.year,
        "start_year": str(project.start.year),
        "end_year": str(project.end.year),
        "funds": {
            "total": format_yuan(funds.total),
            "fiscal": format_yuan(funds.fiscal),
            "total_other": format_yuan(funds.total_other),
            "annual": format_yuan(funds.annual),
            "appropriation": format_yuan(funds.appropriation),
            "carryover": format_yuan(funds.carryover),
            "annual_other": format_yuan(funds.annual_other),
        },
        "overview": _texts(project, "情况说明.项目概述", narrative.overview),
        "basis": _texts(project, "情况说明.立项依据", narrative.basis),
        "implementer_text": _texts(project, "情况说明.实施主体", narrative.implementer),
        "plan": _texts(project, "情况说明.实施方案", narrative.plan),
        "period": _texts(project, "情况说明.实施周期", narrative.period),
        "budget_lead": budget_lead,
        "budget_items": budget_items,
        "goal_reference": _texts(project, "情况说明.绩效目标", narrative.goal_reference),
        "total_goal": _nonempty(_texts(project, "项目总目标", project.total_goal)),
        "annual_goal": _nonempty(_texts(project, "年度总体目标", project.annual_goal)) if project.annual_goal else None,
        "indicator_rows": indicator_grid(project.indicators, lambda i: {"value": i.target.canonical()}),
    }


# ---------------------------------------------------------------- 绩效自评

def evaluation_context(document: m.Document) -> dict:
    return {
        "unit_name": document.unit_name,
        "year": str(document.year),
        "projects": [evaluation_project_context(p) for p in document.projects],
    }


def _fund_row(row: m.FundRow) -> dict:
    return {"initial": format_yuan(row.initial), "budget": format_yuan(row.budget), "spent": format_yuan(row.spent)}


def evaluation_project_context(project: m.EvaluationProject) -> dict:
    from builder import scoring
    from builder.values import format_score

    run = scoring.execution(project)
    total = scoring.totals(project)

    def indicator_values(indicator: m.Indicator) -> dict:
        return {
            "target": indicator.target.text,
            "actual": indicator.actual.text if indicator.actual else "",
            "weight": format_score(indicator.weight),
            "score": format_score(scoring.score(indicator)),
            "deviation": indicator.deviation,
        }

    funds = project.funds
    return {
        "name": project.name,
        "is_part": project.is_part,
        "authority": project.authority,
        "implementer": project.implementer,
        "funds": {
            "total": _fund_row(funds.total),
            "appropriation": _fund_row(funds.appropriation),
            "carryover": _fund_row(funds.carryover),
            "other": _fund_row(funds.other),
        },
        "execution": {"weight": format_score(run.weight), "rate": run.rate_text, "score": format_score(run.score)},
        "expected": _nonempty(_texts(project, "预期目标", project.expected)),
        "achieved": _nonempty(_texts(project, "实际完成情况", project.achieved)),
        "indicator_rows": indicator_grid(project.indicators, indicator_values),
        "total_weight": format_score(total.weight),
        "total_score": f"{scoring.round_cents(total.score)}",
        "grade": total.grade,
    }
