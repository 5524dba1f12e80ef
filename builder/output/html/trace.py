"""The traced render: which cell of the built .docx prints which field, for findings beside their cells.

The HTML of every document is its built .docx read back (builder.output.html.fromdocx), for the
shipped forms and a bureau's alike. To put a finding beside the cell that prints its field, the
template is rendered a second time (only for a page that shows findings) with every text value of
the context *traced*: a ``Traced`` string equals, compares, measures and tests exactly as the plain
value (so ``{% if %}``, ``==`` and filters take the same branches), but prints itself between
private-use markers ``\\ue010<n>\\ue011value\\ue012`` — n the index of its place in the context.
fromdocx strips the markers and so learns, cell by cell, which context values each one prints; the
context place becomes a field path through the form (its keys for the Chinese names, each field's
``别名`` for the English ones; an indicator row by its position in its set).

A value carrying a Markdown marker is left untraced (the marker paragraph is replaced whole).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from builder.forms.derived import derived_for
from builder.forms.formdef import document_form
from builder.read.markdown import MARKER
from builder.render.tracemarks import CLOSE, MID, OPEN, strip_marks  # noqa: F401 (strip_marks: for fromdocx and annotate)

ROW_NAMES = ("name",)  # language.md §9: the English indicator row's own name (its 三级 cell)


class Traced(str):
    """A context string that prints with its trace markers; everything else is the plain string."""

    index: int

    def __new__(cls, value: str, index: int):
        made = super().__new__(cls, value)
        made.index = index
        return made

    def __str__(self) -> str:
        return f"{OPEN}{self.index}{MID}{str.__str__(self)}{CLOSE}"


@dataclass
class Trace:
    """The context places of the traced values (index → path of keys and list positions)."""

    places: list[tuple] = field(default_factory=list)

    def wrap(self, value, path: tuple = ()):
        if isinstance(value, Traced):
            return value
        if isinstance(value, str):
            if MARKER.search(value):
                return value
            self.places.append(path)
            return Traced(value, len(self.places) - 1)
        if isinstance(value, dict):
            return {key: self.wrap(item, path + (key,)) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.wrap(item, path + (index,)) for index, item in enumerate(value)) \
                if type(value) in (list, tuple) else value
        return value


def _project_list(context: dict, count: int) -> set[str]:
    """The context's lists of projects (the English and the Chinese name): one dict per project."""
    return {key for key, value in context.items()
            if isinstance(value, (list, tuple)) and len(value) == count and count
            and all(isinstance(item, dict) for item in value)}


def _english_names(form) -> tuple[dict[str, str], dict[str, object]]:
    """(English name → field path, English name → indicator field) from the form's ``别名``."""
    names: dict[str, str] = {}
    indicators: dict[str, object] = {}
    if form is None:
        return names, indicators
    for spec in form.walk():
        alias = getattr(spec, "alias", None)
        if alias is None or not alias.name:
            continue
        if spec.indicators is not None:
            indicators[alias.name] = spec
            continue
        names[alias.name] = spec.path
        for part, name in alias.parts:
            names[name] = f"{spec.path}.{part}"
        if spec.table is not None:
            for cell in spec.table.cells():
                if cell.alias:
                    names[f"{alias.name}.{cell.alias}"] = f"{spec.path}.{cell.address}"
    names.update(_derived_fields(form))
    return names, indicators


def _derived_fields(form) -> dict[str, str]:
    """A document-level derived value (项目个数, project_count) → the 文档 field computed as it alone
    (the form's 计算), so a finding of that field sits beside the value the page prints."""
    found: dict[str, str] = {}
    for derived in derived_for(form, "文档"):
        spec = next((s for s in form.walk("文档") if s.compute == (derived.chinese,)), None)
        if spec is not None:
            found.update({name: spec.path for name in (derived.chinese, derived.english) if name})
    return found


def _column_key(spec, name) -> str:
    """An indicator column by its key or its English name."""
    for column in spec.indicators.columns:
        column_alias = column.alias.name if column.alias else ""
        if name in (column.key, column_alias):
            return column.key
    return ""


def _indicator_path(project, set_key: str | None, position: int) -> str | None:
    """The source path of the position-th indicator of a set (all sets, in order, when None)."""
    rows = [i for i in project.indicators if set_key is None or i.group == set_key]
    if not 0 <= position < len(rows):
        return None
    row = rows[position]
    return ".".join((row.group, row.level1, row.level2, row.name))


def field_paths(document, context: dict, trace: Trace) -> list[tuple[int | None, str]]:
    """For each traced value: (the project it belongs to or None, the field path it prints)."""
    projects = _project_list(context, len(document.projects))
    form = document_form(document)
    english, indicator_aliases = _english_names(form)
    indicator_keys = {spec.key for spec in form.indicator_fields()} if form is not None else set()
    indicator_keys |= {i.group for p in document.projects for i in p.indicators}
    out = []
    for place in trace.places:
        project = None
        rest = place
        if len(place) >= 2 and place[0] in projects and isinstance(place[1], int):
            project, rest = place[1], place[2:]
        out.append((project, _path(document, project, rest, english, indicator_aliases, indicator_keys)))
    return out


def _path(document, project, rest: tuple, english, indicator_aliases, indicator_keys) -> str:
    if not rest:
        return ""
    head = rest[0]
    owner = document.projects[project] if project is not None else None
    if owner is not None and len(rest) >= 2 and isinstance(rest[1], int) and (
            head in indicator_aliases or head in indicator_keys):
        spec = indicator_aliases.get(head)
        found = _indicator_path(owner, None if spec is not None else head, rest[1])
        if found:
            name = rest[2] if len(rest) > 2 and isinstance(rest[2], str) else ""
            column = _column_key(spec, name) if spec is not None and name else name
            if spec is not None and name and not column and name not in ROW_NAMES:
                column = name  # the row's 一级/二级 cells: a part below the row, so its 名称 cell is nearer
            return f"{found}.{column}" if column else found
    words = [part for part in rest if isinstance(part, str)]
    for length in range(len(words), 0, -1):
        name = ".".join(words[:length])
        if name in english:
            return english[name]
    parts: list[str] = []
    for part in rest:
        if isinstance(part, int) and parts:
            parts[-1] += f"[{part}]"
        elif isinstance(part, str):
            parts.append(part)
    return ".".join(parts)


def traced_docx(document) -> tuple[bytes, list[tuple[int | None, str]]]:
    """The document rendered again with every context value traced (not normalized: only read back
    for the HTML), and each trace index's (project, field path)."""
    from builder.output.docx import check_before_build, run_template, template_for
    from builder.render.context import document_context
    from builder.render.markdown_docx import document_fragments, place_markdown

    context = document_context(document)
    trace = Trace()
    traced = trace.wrap(context)
    template = template_for(document)
    form = document.form
    check_before_build(template, document.kind, None if form.shipped else form)  # as builder.output.docx checks it
    rendered = run_template(document, template, traced)
    data = rendered.package_with_body()
    fragments = document_fragments(document)
    if fragments:
        data = place_markdown(data, fragments)
    return data, field_paths(document, context, trace)
