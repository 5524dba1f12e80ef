"""Template contexts: the model turned into the strings and flags a template prints.

Python computes (formatting, sums, merge spans); the template words and styles. The context is
made by walking the document's form: the Chinese names (builder.render.chinese) for every form,
and — for a form with ``英文名: true``, as the shipped ones — the English names of the shipped
templates, each field by its ``别名`` and that alias's style (docs/forms.md §英文名).
Contexts hold only plain dicts, lists and strings, so the sandboxed template cannot reach any
Python object.
"""

from __future__ import annotations

from builder.forms import formkinds as kinds
from builder.forms.formdef import document_form
from builder.model.values import format_money, format_score, format_wan, format_wan_short, format_yuan
from builder.render import derived

ONE_PARAGRAPH, NONE_WHEN_EMPTY = "一段", "无"  # 段落 alias styles (default: 空列表)
WAN = "万元"  # 金额 alias style (default: 元)
CANONICAL = "规范"  # 指标值 印法 (else 原文)


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
    """Rows of an indicator grid, every row with its 一级/二级 labels: the template's merge
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


def texts(project, path: str, plain) -> list[str]:
    """A text field's paragraphs, or for a Markdown section the marker paragraphs where its
    converted blocks are placed after rendering (``builder.render.markdown_docx``)."""
    pieces = project.markdown.get(path) if project.markdown else None
    if not pieces:
        return list(plain or ())
    return [piece if isinstance(piece, str) else piece.marker for piece in pieces]


def _nonempty(paragraphs) -> list[str]:
    """A table cell needs at least one paragraph."""
    return list(paragraphs) or [""]


# ---------------------------------------------------------------- English values

def english_value(spec, value, project=None):
    """A field by its English alias: plain strings, as the shipped templates print them."""
    kind, style = spec.kind, spec.alias.style if spec.alias else ""
    if kind == "段落":
        written = texts(project, spec.path, value) if project is not None else list(value or ())
        if style == ONE_PARAGRAPH:
            return _nonempty(written)
        if style == NONE_WHEN_EMPTY:
            return _nonempty(written) if value else None
        return written
    if kind == "金额":
        if value is None:
            return ""
        return format_wan(value) if style == WAN else format_yuan(value)
    if kind == "日期":
        return value.isoformat() if value else ""
    if kind == "整数":
        return "" if value is None else str(value)
    if kind == "数值":
        return format_score(value)
    if kind == "真假":
        return bool(value)
    if kind == "名单":
        return list(value or ())
    if kind == "指标值":
        if value is None:
            return ""
        return value.canonical() if spec.print_as == CANONICAL else value.text
    return "" if value is None else value


def _money_aliases(spec, values) -> dict:
    result: dict = {}
    for cell in spec.table.cells():
        if not cell.alias:
            continue
        *outer, last = cell.alias.split(".")
        place = result
        for part in outer:
            place = place.setdefault(part, {})
        place[last] = format_yuan(values.get(cell.address) if values is not None else None)
    return result


def _budget_aliases(spec, value, project) -> dict:
    from builder.model import core as m

    names = dict(spec.alias.parts)
    lead_name, items_name = names.get("说明"), names.get("明细")
    if isinstance(value, m.BudgetPlan):
        lead = list(value.lead)
        items = [{"number": str(i), "name": item.name, "amount_wan": format_wan_short(item.amount), "note": item.note}
                 for i, item in enumerate(value.items, start=1)]
    else:
        lead, items = texts(project, spec.path, value), []
    result = {}
    if lead_name:
        result[lead_name] = lead
    if items_name:
        result[items_name] = items
    return result


def _indicator_aliases(spec, indicators) -> list[dict]:
    columns = [c for c in spec.indicators.columns if c.alias]

    def value_of(indicator) -> dict:
        return {c.alias.name: english_value(c, derived.indicator_cell(indicator, c)) for c in columns}

    return indicator_grid(list(indicators or ()), value_of)


def english_fields(specs, project, after) -> dict:
    """The English names of ``specs`` read from ``project``; a 分组 without alias is flattened;
    indicator fields sharing an alias (a legacy form's 指标组) are one grid, in form order."""
    result: dict = {}
    shared: dict = {}
    for spec in specs:
        value = project.get(spec.path)
        if spec.kind == kinds.GROUP:
            inner = english_fields(spec.fields, project, after)
            if spec.alias:
                result[spec.alias.name] = inner
            else:
                result.update(inner)
        elif spec.alias is None:
            pass
        elif spec.kind == kinds.MONEY_TABLE:
            result[spec.alias.name] = _money_aliases(spec, value)
        elif spec.kind == kinds.BUDGET:
            result.update(_budget_aliases(spec, value, project))
        elif spec.kind == kinds.INDICATORS:
            shared[spec.alias.name] = shared.get(spec.alias.name, ()) + tuple(value or ())
            result[spec.alias.name] = _indicator_aliases(spec, shared[spec.alias.name])
        else:
            result[spec.alias.name] = english_value(spec, value, project)
        result.update(after(spec))
    return result


def english_project(project, number: int, form) -> dict:
    facts = derived.Facts(project, form)
    return {"number": str(number), **english_fields(form.project_fields, project, facts.english_after)}


def english_document(document, form) -> dict:
    projects = [english_project(p, n, form) for n, p in document.numbered_projects()]
    facts = derived.DocumentFacts(document, form, projects, english=True)
    context = {"unit_name": document.unit_name, "year": str(document.year), **facts.first()}
    for spec in form.document_fields:
        if spec.alias is not None:
            context[spec.alias.name] = english_value(spec, facts.value(spec))
        context.update(facts.after(spec))
    return context


def target_project_context(project, number: int, year: int | None = None) -> dict:
    """One project's English names (as ``projects[n]``)."""
    return english_project(project, number, project.form)


evaluation_project_context = target_project_context


def document_context(document) -> dict:
    """Everything a template of this document may print: the English names when the form has
    them, and the Chinese names (builder.render.chinese)."""
    from builder.render.chinese import document_names

    form = document_form(document)
    english = english_document(document, form) if form.english else {}
    return {**english, **document_names(document)}


target_context = evaluation_context = document_context


# ---------------------------------------------------------------- the documented names

def context_names(kind: str, form=None) -> dict:
    """Every name a template of ``kind`` (and of ``form``) may use, with what it holds (a list
    as [its element]); ``budgetdoc template check`` checks every tag against these."""
    from builder.render.catalog import names

    return names(kind, form)


def __getattr__(name: str):
    """``CONTEXT_NAMES`` (every name of the shipped forms, by kind) and ``ENGLISH_NAMES`` (their
    English part), made from the forms when first asked for."""
    from builder.model import core as m
    from builder.render.catalog import english_names

    if name == "CONTEXT_NAMES":
        return {kind: context_names(kind) for kind in m.DOCUMENT_KINDS}
    if name == "ENGLISH_NAMES":
        return {kind: english_names(kind) for kind in m.DOCUMENT_KINDS}
    raise AttributeError(name)


def extension_text(spec, value, unit: str = "元") -> str:
    """A form's field as one comparable text; money as the form prints it (``unit``: its 单位)."""
    if value is None:
        return ""
    if spec.kind == "段落":
        return "\n".join(value or ())
    if spec.kind == "金额":
        return format_money(value, unit)
    if spec.kind == "日期":
        return value.isoformat()
    if spec.kind == kinds.TABLE:  # each cell by its column's kind (a legacy spec's columns are names: texts)
        columns = [(c, c.key, c.label) if hasattr(c, "key") else (None, c, c) for c in spec.columns]
        return "\n".join("；".join(f"{label}：{_cell_text(column, row.get(key), unit)}"
                                   for column, key, label in columns) for row in value)
    return str(value)


def _cell_text(column, value, unit: str) -> str:
    if value is None:
        return ""
    return extension_text(column, value, unit) if column is not None else str(value)
