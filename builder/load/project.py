"""One project file → the model's project, for every form alike (shipped or a bureau's): its values by
the form's keys, each indicator set's rows by the roles of its columns, where each value was written.

A parent project (the form's ``组成`` role lists its parts) takes each ``组成相加`` money table as its
parts' sum (a table written as well must equal it: the table's ``组成相加`` rule) and each ``组成合并``
text its parts' texts when it has none of its own (docs/forms.md).
"""

from __future__ import annotations

from dataclasses import replace

from builder.forms.formvalues import INDICATOR_ROLES, MoneyValues, finish, project_values, set_value
from builder.model import core as m
from builder.model.schema import INVALID, Context, Record, suggest
from builder.model.sourceschema import TO_CONFIRM_KEY, valid
from builder.read.errors import Location
from builder.read.sources import SourceFile

PARTS, MERGED = "组成", "组成合并"  # the roles (docs/forms.md §7)


def build_project(source: SourceFile, ctx: Context, schema: Record, form) -> m.Project | None:
    """The project of one converted source file; None when a field other than an indicator row is
    invalid (reported where it is written; an invalid indicator row is left out alone)."""
    fields = schema.convert(source.root, ctx, "")
    groups = [spec.key for spec in form.indicator_fields()]
    if fields is INVALID or any(fields.get(g) is INVALID for g in groups) or not valid(
            *(value for key, value in fields.items() if key not in groups)):
        return None
    locations = locations_of(fields)
    sets = {}
    for spec in form.indicator_fields():
        sets[spec.key] = _indicator_set(spec, fields.get(spec.key) or (), locations)
    name_path = form.role_path("名称")
    values = {**project_values(form, fields), **sets}
    parts_spec = next(iter(form.fields_with(PARTS)), None)
    return m.Project(
        stem=source.stem,
        source=source.path,
        name=_at(values, name_path) or "" if name_path else source.stem,
        indicators=tuple(i for group in groups for i in sets[group]),
        locations=locations,
        waivers=waivers_of(fields.get("忽略")),
        indicator_sets=sets,
        form=form,
        values=values,
        parts=tuple(_at(values, parts_spec.path) or ()) if parts_spec is not None else (),
        to_confirm=tuple(fields.get(TO_CONFIRM_KEY) or ()),
    )


def _at(values: dict, path: str):
    node = values
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _indicator_set(spec, rows, locations: dict) -> tuple[m.Indicator, ...]:
    """An indicator field's rows: each column by the role it plays (目标值 → target …), any other by key."""
    columns = spec.indicators.columns
    value_column = spec.indicators.column(spec.indicators.shorthand) if spec.indicators.shorthand else None
    value_column = value_column or spec.indicators.column_with("目标值") or (columns[0] if columns else None)
    indicators = []
    for l1, l2, name, loc, leaf in rows:
        path = f"{spec.key}.{l1}.{l2}.{name}"
        locations[path] = loc
        if isinstance(leaf, dict):
            locations.update(_leaf_locations(leaf, path))
        if not valid(leaf):
            continue
        if isinstance(leaf, tuple):  # the shorthand's value with the row's other fields
            cells = {value_column.key: leaf[0], **leaf[1]}
        elif isinstance(leaf, dict):
            cells = {c.key: finish(c, leaf.get(c.key)) for c in columns}
        else:
            cells = {value_column.key: leaf}
        by_role, extra = {}, {}
        for column in columns:
            role = next((r for r in column.roles if r in INDICATOR_ROLES), None)
            if role is not None:
                by_role[INDICATOR_ROLES[role]] = cells.get(column.key)
            else:
                extra[column.key] = cells.get(column.key)
        if by_role.get("deviation") is None:
            by_role.pop("deviation", None)
        indicators.append(m.Indicator(l1, l2, name, by_role.pop("target", None), loc, group=spec.key, extra=extra,
                                      **by_role))
    return tuple(indicators)


def _leaf_locations(leaf: dict, path: str) -> dict:
    return locations_of(leaf, path)


# ---------------------------------------------------------------- parents and their parts

def resolve_parents(projects: list[m.Project], stems: set[str], ctx: Context) -> list[m.Project]:
    """A parent's 组成相加 tables are its parts' sums; its 组成合并 texts default to its parts' texts."""
    by_stem = {p.stem: p for p in projects}
    resolved = []
    for project in projects:
        if not project.parts:
            resolved.append(project)
            continue
        parts = _parts(project, by_stem, stems, ctx)
        if len(parts) != len(project.parts):
            resolved.append(project)  # kept for the checks; the build stops on the errors anyway
            continue
        values, markdown = project.values, dict(project.markdown)
        for spec in project.form.money_tables():
            if spec.table.parent_rule:
                summed = MoneyValues.summed([p.values[spec.key] for p in parts])
                _compare(project, spec, summed, ctx)
                values = set_value(values, spec.path, summed)
        for spec in project.form.fields_with(MERGED):
            if project.get(spec.path):
                continue
            values = set_value(values, spec.path, tuple(t for p in parts for t in (p.get(spec.path) or ())))
            if any(spec.path in p.markdown for p in parts):  # the parts' texts, Markdown or plain, in order
                markdown[spec.path] = tuple(piece for p in parts
                                            for piece in p.markdown.get(spec.path, p.get(spec.path) or ()))
        resolved.append(replace(project, values=values, markdown=markdown))
    return resolved


def _parts(project: m.Project, by_stem: dict, stems: set[str], ctx: Context) -> list[m.Project]:
    key = next(iter(project.form.fields_with(PARTS))).path
    parts, seen = [], set()
    for stem in project.parts:
        if stem in seen:  # counted twice, the parent's money would double
            ctx.error(project.location(key), key, f"“{stem}”重复列出（每个组成部分只能列一次）")
            continue
        seen.add(stem)
        part = by_stem.get(stem)
        if part is None and stem in stems:
            continue  # the part's file has problems of its own, reported there
        if part is None:
            hint = suggest(stem, by_stem)
            more = f"，是否应为“{hint}”？" if hint else ""
            ctx.error(project.location(key), key, f"没有名为“{stem}”的项目文件{more}")
        elif part.parts:
            ctx.error(project.location(key), key, f"“{stem}”本身也有组成：只支持一层二级构成")
        else:
            parts.append(part)
    return parts


def _compare(project: m.Project, spec, summed: MoneyValues, ctx: Context) -> None:
    """Each cell the parent writes equals its parts' sum (the table's 组成相加 rule)."""
    from builder.model.values import format_money
    from builder.forms.formvalues import ZERO

    given = project.values.get(spec.key)
    if not isinstance(given, MoneyValues):
        return
    unit = spec.table.unit or project.form.unit
    for address in summed.cells:
        value, total = given.get(address), summed.get(address)
        if address in given.written and value is not None and value != (total or ZERO):
            path = f"{spec.path}.{address}"
            ctx.error(project.location(path), path,
                      f"{format_money(value, unit)} 与各组成部分之和 {format_money(total or ZERO, unit)} 不一致"
                      "（上级项目的资金是其组成部分的合计，可删去此行由程序计算）", spec.table.parent_rule)


# ---------------------------------------------------------------- shared with the document

def locations_of(fields: dict, prefix: str = "") -> dict[str, Location]:
    """Flatten the ``_locs`` of nested records into dotted paths."""
    result = {}
    for key, loc in fields.get("_locs", {}).items():
        result[f"{prefix}.{key}".strip(".") if key else prefix] = loc
    for key, value in fields.items():
        if isinstance(value, dict) and "_locs" in value:
            result.update(locations_of(value, f"{prefix}.{key}".strip(".")))
    return result


def waivers_of(entries) -> tuple[m.Waiver, ...]:
    if not entries or entries is INVALID:
        return ()
    return tuple(
        m.Waiver(rule=e["规则"].strip(), place=(e["位置"] or "").strip(), reason=e["原因"].strip(),
                 location=e["_locs"][""], project=(e["项目"] or "").strip())
        for e in entries if valid(e)
    )
