"""The source schemas of a form: each field's converter (builder.model.schema) chosen by its kind,
the document.yaml and project-file records, and their JSON Schemas for editors."""

from __future__ import annotations

from builder.forms import formkinds as fs
from builder.model.schema import (
    Boolean, Choice, Date, Either, Field, IndicatorText, Integer, ListOf, Money, Number, Paragraphs, Record,
    Row, Text,
)
from builder.model.sourceschema import (
    BUDGET_ITEM, ENGINE_DOCUMENT_AFTER, ENGINE_DOCUMENT_BEFORE, ENGINE_PROJECT, IndicatorTree,
    IndicatorWithFields,
)

LIMIT = 10 ** 15  # an 整数 without 最小/最大


def field_schema(spec) -> Field:
    """A field's converter, its 必填, 默认 and 说明 applied."""
    kwargs = {"required": spec.required, "doc": spec.doc}
    default = spec.default
    kind = spec.kind
    if kind == "文本":
        return Text(default=default if spec.has_default else "", **kwargs)
    if kind == "段落":
        return Paragraphs(default=list(default) if isinstance(default, (list, tuple)) else default, **kwargs)
    if kind == "金额":
        return Money(**kwargs)
    if kind == "日期":
        return Date(**kwargs)
    if kind == "整数":
        low = spec.minimum if spec.minimum is not None else -LIMIT
        high = spec.maximum if spec.maximum is not None else LIMIT
        return Integer(minimum=low, maximum=high, default=default, **kwargs)
    if kind == "数值":
        return Number(default=default, **kwargs)
    if kind == "真假":
        return Boolean(default=default if default is not None else False, **kwargs)
    if kind == "选项":
        return Choice(spec.choices, default=default, **kwargs)
    if kind == "名单":
        return ListOf(Text(required=True), default=list(default or []), **kwargs)
    if kind == "指标值":
        return IndicatorText(**kwargs)
    if kind == fs.GROUP:
        return Record({sub.key: field_schema(sub) for sub in spec.fields}, **kwargs)
    if kind == fs.TABLE:
        row = Record({column.key: field_schema(column) for column in spec.columns})
        return ListOf(row, default=[], **kwargs)
    if kind == fs.MONEY_TABLE:
        return money_table_schema(spec.table, spec.required, spec.doc)
    if kind == fs.BUDGET:
        items = Record({"说明": Paragraphs(default=[]), "明细": ListOf(BUDGET_ITEM, required=True)})
        return Either(Paragraphs(), items, default=default, **kwargs)
    return _indicator_tree(spec)


def money_table_schema(table, required: bool, doc: str = "") -> Record:
    if table.layout == fs.BY_COLUMN:
        return Record({column.key: Record({row: Money() for row in column.rows}, required=column.required)
                       for column in table.columns}, required=required, doc=doc)
    row = Row(Money(), tuple(column.key for column in table.columns))
    return Record({r.key: row for r in table.rows}, required=required, doc=doc)


def _indicator_tree(spec) -> Field:
    indicators = spec.indicators
    framework = {c.key: tuple(child.key for child in c.children) for c in indicators.framework}
    if indicators.shorthand:
        value = indicators.column(indicators.shorthand)
        others = tuple(c for c in indicators.columns if c is not value)
        leaf = IndicatorWithFields(others) if others else IndicatorText(required=True)
    else:
        leaf = Record({column.key: field_schema(column) for column in indicators.columns})
    return IndicatorTree(leaf, framework=framework, required=spec.required, doc=spec.doc)


def document_schema(form) -> Record:
    """document.yaml: the engine's keys, the form's 文档 fields between them."""
    fields = dict(ENGINE_DOCUMENT_BEFORE)
    fields.update({spec.key: field_schema(spec) for spec in form.document_fields})
    fields.update(ENGINE_DOCUMENT_AFTER)
    return Record(fields)


def project_schema(form) -> Record:
    """A project file: the form's fields in order, then the engine's keys."""
    fields = {spec.key: field_schema(spec) for spec in form.project_fields}
    fields.update(ENGINE_PROJECT)
    return Record(fields)


def json_schema(form, which: str) -> dict:
    """``document`` or ``project``: the JSON Schema an editor checks a source file against."""
    defs: dict = {}
    record = document_schema(form) if which == "document" else project_schema(form)
    body = record.json_schema(defs)
    if which != "document":
        _markdown_may_hold(body, form)
    title = "budgetdoc document.yaml" if which == "document" else f"budgetdoc {form.kind} 项目文件"
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title, **body}
    if defs:
        schema["$defs"] = defs
    return schema


def _markdown_may_hold(schema: dict, form) -> None:
    """A field written in the project's .md file is not missing from its YAML: the editor schema does
    not require the fields marked ``markdown`` (the loader still does, from either place)."""
    markdown = form.fields_with("markdown")
    top = {spec.key for spec in markdown}
    if isinstance(schema.get("required"), list):
        schema["required"] = [key for key in schema["required"] if key not in top]
    for spec in markdown:
        value = (schema.get("properties") or {}).get(spec.key)
        if spec.kind != fs.GROUP or not isinstance(value, dict):
            continue
        inner = next((v for v in value.get("anyOf", [value]) if "properties" in v), value)
        if isinstance(inner.get("required"), list):
            inner["required"] = []
        first = next(iter(spec.fields), None)
        hint = f"（## {first.key} …）" if first else ""
        value["description"] = (value.get("description", "") + f" 各部分也可写在同名的 .md 文件中{hint}").strip()
