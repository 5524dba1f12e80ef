"""Today's form object (builder.forms.form.Form: framework as a dict, indicator groups, the extension
fields by level, the shipped keys left out) seen from a form of the form language.

Callers not yet moved to the engine's API ask ``Document.custom_form``: None for a shipped form,
else this view. A legacy edit keeps the extension fields it declared; a complete form's are the
fields, table rows and indicator columns it has beyond the shipped form of its kind, and its
``unused`` the shipped fields it lacks.
"""

from __future__ import annotations

from pathlib import Path

from builder.forms import formspec as fs
from builder.forms.form import FieldSpec as OldField, Form as OldForm
from builder.forms.formdef import LEVELS, read_form, shipped_form

DOCUMENT, PROJECT, FUNDS, NARRATIVE, INDICATOR = LEVELS


def old_field(spec: fs.FieldSpec) -> OldField:
    return OldField(name=spec.key, kind=spec.kind, label=spec.label, required=spec.required, doc=spec.doc,
                    choices=tuple(spec.choices), columns=tuple(c.key for c in spec.columns))


_VIEWS: dict[int, tuple] = {}  # id(form) → (form, view): a form's view is made once


def legacy_view(form: fs.Form) -> OldForm | None:
    """None for a shipped form; today's Form for any other."""
    if form is None or form.shipped:
        return None
    known = _VIEWS.get(id(form))
    if known is not None and known[0] is form:
        return known[1]
    view = _view(form)
    _VIEWS[id(form)] = (form, view)
    return view


def _view(form: fs.Form) -> OldForm:
    extensions = form.extensions if form.legacy else extensions_of(form)
    fields = {level: tuple(old_field(s) for s in specs) for level, specs in extensions.items() if specs}
    unused = tuple(form.unused) if form.legacy else unused_of(form)
    return OldForm(name=form.name, framework=form.framework_map, groups=form.groups, unused=unused,
                   fields=fields, source=form.source)


def _base(form: fs.Form) -> fs.Form:
    return shipped_form(form.kind)


def extensions_of(form: fs.Form) -> dict:
    """The fields a complete form adds to the shipped form of its kind, by today's levels."""
    base = _base(form)
    base_keys = {s.key for s in base.project_fields}
    result = {
        DOCUMENT: tuple(s for s in form.document_fields if s.key not in {b.key for b in base.document_fields}),
        PROJECT: tuple(s for s in form.project_fields if s.key not in base_keys and s.kind != fs.INDICATORS),
    }
    groups = {s.key: s for s in base.project_fields if s.kind == fs.GROUP}
    result[NARRATIVE] = tuple(sub for s in form.project_fields if s.kind == fs.GROUP and s.key in groups
                              for sub in s.fields if sub.key not in {b.key for b in groups[s.key].fields})
    result[FUNDS] = tuple(_added_rows(form, base))
    base_columns = {c.key for s in base.indicator_fields() for c in s.indicators.columns}
    first = next(iter(form.indicator_fields()), None)
    result[INDICATOR] = tuple(c for c in first.indicators.columns if c.key not in base_columns) if first else ()
    return result


def _added_rows(form: fs.Form, base: fs.Form):
    tables = {s.key: s.table for s in base.money_tables()}
    for spec in form.money_tables():
        base_table = tables.get(spec.key)
        if base_table is None:
            continue
        known = {r.key for r in base_table.rows} | {r for c in base_table.columns for r in c.rows}
        for column in spec.table.columns:
            for row in column.rows:
                if row not in known:
                    known.add(row)
                    yield fs.FieldSpec(key=row, kind="金额", label=column.row_labels.get(row, row),
                                       path=f"{spec.path}.{column.key}.{row}")


def unused_of(form: fs.Form) -> tuple[str, ...]:
    """The shipped fields (and money columns) a complete form does not have."""
    base = _base(form)
    paths = {s.path for s in form.walk()}
    columns = {f"{t.path}.{c.key}" for t in form.money_tables() for c in t.table.columns}
    unused = []
    for spec in base.walk():
        if spec.kind == fs.INDICATORS or spec.path in paths:
            if spec.table is not None:
                unused += [f"{spec.path}.{c.key}" for c in spec.table.columns
                           if f"{spec.path}.{c.key}" not in columns]
            continue
        if not any(spec.path.startswith(u + ".") for u in unused):
            unused.append(spec.path)
    return tuple(unused)


def with_shipped_defaults(fields: dict, form: fs.Form, level: str = PROJECT) -> dict:
    """A converted record of ``form`` with each field of the shipped form it lacks (inside a group
    it has) set to that field's default: today's attributes (预算单位数 1, 情况说明.绩效目标 …) for a
    complete form that leaves a shipped field out. A group it lacks stays absent."""
    if form.shipped or not isinstance(fields, dict):
        return fields
    base = _base(form)
    fields = dict(fields)

    def fill(record: dict, specs) -> None:
        for spec in specs:
            if spec.key not in record:
                if spec.kind != fs.GROUP and spec.table is None and spec.kind != fs.INDICATORS:
                    record[spec.key] = spec.schema_field().default
            elif spec.kind == fs.GROUP and isinstance(record[spec.key], dict):
                record[spec.key] = dict(record[spec.key])
                fill(record[spec.key], spec.fields)

    fill(fields, base.document_fields if level == DOCUMENT else base.project_fields)
    return fields


def read_form_today(path: Path, view: bool = True):
    """A form named on the command line (--form): today's form object (None for a shipped one), or
    with ``view`` False the Form itself; InputError with its problems."""
    form = read_form(path)
    return legacy_view(form) if view else form
