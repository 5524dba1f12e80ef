"""Template contexts: the model turned into the strings and flags a template prints.

Python computes (formatting, sums, merge spans); the template words and styles.
Contexts hold only plain dicts, lists and strings, so the sandboxed template
cannot reach any Python object.
"""

from __future__ import annotations

from builder.model import core as m
from builder.model.values import format_wan, format_wan_short, format_yuan


def merge_spans(keys: list) -> list[int]:
    """Runs of equal keys as row counts (an HTML ``rowspan``): the first row of a run spans
    it, the others 0 (they have no cell of their own)."""
    spans, start, previous = [0] * len(keys), 0, object()
    for index, key in enumerate(keys):
        if index == 0 or key != previous:
            start = index
        spans[start] += 1
        previous = key
    return spans


def indicator_grid(indicators, value_of) -> list[dict]:
    """Rows of the 绩效指标 grid, every row with its 一级/二级 labels: the template's merge
    marker (【合并】, see builder.render.merge) merges equal labels after rendering.
    ``level1_rows``/``level2_rows`` are the same merges as row counts, for the HTML form."""
    level1_spans = merge_spans([i.level1 for i in indicators])
    level2_spans = merge_spans([(i.level1, i.level2) for i in indicators])
    rows = []
    for indicator, span1, span2 in zip(indicators, level1_spans, level2_spans):
        row = {"level1": indicator.level1, "level1_rows": span1, "level2": indicator.level2,
               "level2_rows": span2, "name": indicator.name}
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
    """The English names of the shipped templates and the Chinese names that mirror the source
    keys (builder.render.chinese), side by side."""
    from builder.render.chinese import document_names

    return {**_target_english(document), **document_names(document)}


def _target_english(document: m.Document) -> dict:
    return {
        "unit_name": document.unit_name,
        "year": str(document.year),
        "budget_units": str(document.budget_units),
        "project_count": str(len(document.all_projects)),
        "total_wan": format_wan(document.total_annual),
        "projects": [
            target_project_context(project, number, document.year)
            for number, project in document.numbered_projects()
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
    from builder.render.chinese import evaluation_names

    return {**_evaluation_english(document), **evaluation_names(document)}


def _evaluation_english(document: m.Document) -> dict:
    return {
        "unit_name": document.unit_name,
        "year": str(document.year),
        "projects": [evaluation_project_context(p) for p in document.projects],
    }


def _fund_row(row: m.FundRow) -> dict:
    return {"initial": format_yuan(row.initial), "budget": format_yuan(row.budget), "spent": format_yuan(row.spent)}


def evaluation_project_context(project: m.EvaluationProject) -> dict:
    from builder.check import scoring
    from builder.model.values import format_score

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
        "total_score": total.text,
        "grade": total.grade,
    }


# ---------------------------------------------------------------- the documented contexts

# What a template of each kind may print: every name the context builders above produce,
# with what it holds (a list as [its element]). ``budgetdoc template check`` checks every
# tag against these; tests/render/test_templates.py keeps them in step with the builders.
_INDICATOR = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标",
              "level1_rows": "一级指标跨的行数（HTML 用）", "level2_rows": "二级指标跨的行数（HTML 用）"}

CONTEXT_NAMES: dict[str, dict] = {
    m.TARGET_KIND: {
        "unit_name": "单位名称",
        "year": "年度",
        "budget_units": "预算单位数",
        "project_count": "项目个数",
        "total_wan": "涉及项目预算资金（万元）",
        "projects": [{
            "number": "项目序号",
            "name": "项目名称",
            "nature": "项目性质",
            "category": "项目类别",
            "authority": "主管部门",
            "implementer": "实施单位",
            "start": "计划开始日期",
            "end": "计划完成日期",
            "multi_year": "是否跨年度（真/假）",
            "start_year": "开始年份",
            "end_year": "完成年份",
            "funds": {
                "total": "项目资金总额",
                "fiscal": "其中：财政资金",
                "total_other": "其他资金（项目资金总额中）",
                "annual": "年度资金申请总额",
                "appropriation": "其中：当年财政拨款",
                "carryover": "上年结转资金",
                "annual_other": "其他资金（年度资金申请总额中）",
            },
            "overview": ["一、项目概述的段落"],
            "basis": ["二、立项依据的段落"],
            "implementer_text": ["三、实施主体的段落"],
            "plan": ["四、实施方案的段落"],
            "period": ["五、实施周期的段落"],
            "budget_lead": ["六、年度预算安排的段落"],
            "budget_items": [{"number": "预算项序号", "name": "预算项名称", "amount_wan": "金额（万元）",
                              "note": "说明"}],
            "goal_reference": ["七、绩效目标的段落"],
            "total_goal": ["项目总目标的段落"],
            "annual_goal": ["年度总体目标的段落（没有时为空）"],
            "indicator_rows": [{**_INDICATOR, "value": "年度(/项目)指标值"}],
        }],
    },
    m.EVALUATION_KIND: {
        "unit_name": "单位名称",
        "year": "年度",
        "projects": [{
            "name": "项目名称",
            "is_part": "是否二级构成（真/假）",
            "authority": "主管部门",
            "implementer": "实施单位",
            "funds": {
                row: {"initial": f"{label}·年初预算数", "budget": f"{label}·全年预算数", "spent": f"{label}·全年执行数"}
                for row, label in (("total", "年度资金总额"), ("appropriation", "当年财政拨款"),
                                   ("carryover", "上年结转资金"), ("other", "其他资金"))
            },
            "execution": {"weight": "预算执行率分值", "rate": "执行率", "score": "预算执行率得分"},
            "expected": ["预期目标的段落"],
            "achieved": ["实际完成情况的段落"],
            "indicator_rows": [{**_INDICATOR, "target": "年度指标值", "actual": "实际完成值", "weight": "分值",
                                "score": "得分", "deviation": "偏差原因分析及改进措施"}],
            "total_weight": "总分值",
            "total_score": "总分",
            "grade": "等级（优/良/中/差）",
        }],
    },
}


def context_names(kind: str, form=None) -> dict:
    """Every name a template of ``kind`` (and of ``form``) may use, with what it holds."""
    from builder.render.chinese import catalog, evaluation_catalog, labels

    if kind != m.TARGET_KIND:
        return {**ENGLISH_NAMES[kind], **labels(evaluation_catalog(form))}
    return {**ENGLISH_NAMES[kind], **labels(catalog(form))}


ENGLISH_NAMES = {kind: dict(names) for kind, names in CONTEXT_NAMES.items()}
for _kind in m.DOCUMENT_KINDS:
    CONTEXT_NAMES[_kind] = context_names(_kind)


def document_context(document: m.Document) -> dict:
    if document.kind == m.TARGET_KIND:
        return target_context(document)
    return evaluation_context(document)


def extension_text(spec, value) -> str:
    """A form's field as one comparable text."""
    if value is None:
        return ""
    if spec.kind == "段落":
        return "\n".join(value or ())
    if spec.kind == "金额":
        return format_yuan(value)
    if spec.kind == "日期":
        return value.isoformat()
    if spec.kind == "表格":
        keys = [getattr(c, "key", c) for c in spec.columns]  # a FieldSpec's columns, or a legacy spec's names
        return "\n".join("；".join(f"{c}：{row.get(c, '')}" for c in keys) for row in value)
    return str(value)
