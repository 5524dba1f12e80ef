"""A form's fields by their English names (别名, docs/forms.md): the names the shipped Word
templates use, and the names the model's attributes are built by (builder.load.loader), so that
no Python names a shipped field in Chinese.

``alias_paths(form)`` maps ``name`` → source path: a field's alias (``name``, ``overview``), each
part of a 预算安排's (``budget_lead``), a money table's cells and rows under the table's alias
(``funds.annual``, ``funds.total.initial``, ``funds.total``) and an indicator column's under
``indicator`` (``indicator.deviation``; the path is the column's key inside an indicator).
"""

from __future__ import annotations

from builder.forms.formkinds import INDICATORS


def alias_paths(form) -> dict[str, str]:
    paths: dict[str, str] = {}
    for spec in form.walk():
        alias = spec.alias
        if alias is not None and alias.name:
            paths.setdefault(alias.name, spec.path)
        for part, name in (alias.parts if alias is not None else ()):
            paths.setdefault(name, f"{spec.path}.{part}")
        if spec.table is not None:
            prefix = alias.name if alias is not None and alias.name else spec.key
            table = spec.table
            for cell in table.cells():
                if cell.alias:
                    paths.setdefault(f"{prefix}.{cell.alias}", f"{spec.path}.{cell.address}")
            for row in table.rows:
                if row.alias:
                    paths.setdefault(f"{prefix}.{row.alias}", f"{spec.path}.{row.key}")
        if spec.kind == INDICATORS:
            for column in spec.indicators.columns:
                if column.alias is not None and column.alias.name:
                    paths.setdefault(f"indicator.{column.alias.name}", column.key)
    return paths


def paths_for(form, shipped) -> dict[str, str]:
    """The form's own aliases over those of the shipped form of its kind (a field the form does not
    rename keeps the shipped path; one it lacks is then simply absent from the values)."""
    return {**alias_paths(shipped), **alias_paths(form)}


def value_at(fields, path: str):
    """The converted value at a dotted path of nested records; None where a record lacks a key."""
    value = fields
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def parent(path: str) -> str:
    return path.rsplit(".", 1)[0]


def last(path: str) -> str:
    return path.rsplit(".", 1)[-1]
