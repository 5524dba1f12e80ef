"""A later document of the year against its 申报 (``check --against``): what the form takes from the
申报 (``来自申报``: the first column of a money table by row, a 段落's text) and every indicator's
目标值 are the 申报's, unchanged; whatever differs is a 调整 (MON-ADJUST), which must be said (the
field with the 调整说明 role, when the form has one). Only roles and the form's labels: any pair of
documents whose forms declare them is compared (a 监控 or a 自评 against its 申报).
"""

from __future__ import annotations

from builder.check.rules import WARNING, document_form, finding, indicator_field, indicator_path, name, place, rule, squash
from builder.forms.fromtarget import followed_indicators, target_amounts, target_text
from builder.forms import formspec as fs
from builder.model import core as m
from builder.model.values import format_money
from builder.read.errors import Location

ADJUSTMENT, TARGET = "调整说明", "目标值"


def _match(document: m.Document, against: m.Document) -> list[tuple]:
    """(project, its 申报 project or None), by file name, else by name."""
    by_stem = {p.stem: p for p in against.projects}
    by_name = {p.name: p for p in against.projects}
    return [(p, by_stem.get(p.stem) or by_name.get(p.name)) for p in document.projects]


def _same(one, other) -> bool:
    """Two 指标值 alike: the same words, or the same comparison, number and unit."""
    return squash(one.text) == squash(other.text) or (
        one.is_quantitative and other.is_quantitative and one.canonical() == other.canonical())


def _said(form, project) -> str:
    """What a 调整 finding adds: whether the document says why (its 调整说明)."""
    path = form.role_path(ADJUSTMENT)
    if path is None:
        return ""
    if project.role(ADJUSTMENT) is None:
        return f"，“{name(form, path)}”中没有写明"
    return f"（已写明“{name(form, path)}”）"


def _money(form, project, source):
    for spec in form.money_tables():
        table = spec.table
        if not any(row.from_target for row in table.rows):
            continue
        first = table.columns[0]
        wanted = target_amounts(source, table)
        values = project.get(table.key)
        for row in table.rows:
            if not row.from_target or row.key not in first.rows:
                continue
            now = values.get(table.address(row.key, first.key)) if values is not None else None
            before = wanted.get(row.key)
            if now == before or (now is None and not before) or (before is None and not now):
                continue
            path = table.path(table.address(row.key, first.key))
            key = place(form, path)
            label = f"{first.row_labels.get(row.key) or row.label}·{first.label}"
            yield key, path, (f"{label} {format_money(now, table.unit) or '空白'} 与申报的 "
                              f"{format_money(before, table.unit) or '空白'} 不同"), {"本文档": now, "申报": before}


def _texts(form, project, source):
    for spec in form.walk():
        if spec.kind != fs.TEXTS or not spec.from_target:
            continue
        now, before = tuple(project.get(spec.path) or ()), target_text(source, spec)
        if squash("".join(now)) != squash("".join(before)):
            yield spec.path, spec.path, f"{name(form, spec.path)}与申报的不同", {}


def _indicators(document, project, source):
    spec = indicator_field(document, TARGET)
    if spec is None:
        return
    column = spec.indicators.column_with(TARGET)
    ours = {(i.level1, i.level2, i.name): i for i in project.indicators if i.group == spec.key}
    theirs = {(i.level1, i.level2, i.name): i for i in followed_indicators(source)}
    for key, indicator in ours.items():
        before = theirs.get(key)
        path = indicator_path(indicator)
        if before is None:
            yield path, path, f"“{indicator.name}”（{indicator.level1}/{indicator.level2}）是申报中没有的指标", {}
        elif not _same(indicator.target, before.target):
            yield (f"{path}.{column.key}", f"{path}.{column.key}",
                   f"“{indicator.name}”的{column.label} {indicator.target.text} 与申报的 {before.target.text} 不同",
                   {"本文档": indicator.target.text, "申报": before.target.text})
    for key, before in theirs.items():
        if key not in ours:
            yield (spec.path, spec.path,
                   f"申报的指标“{before.name}”（{before.level1}/{before.level2}，{before.target.text}）不在本文档中", {})


@rule("MON-ADJUST", WARNING, "check --against 申报：来自申报的金额、文字和各指标的目标值与申报的不同，是调整（须写明调整说明）",
      against=True)
def check_against(document: m.Document, against: m.Document):
    form = document_form(document)
    for project, source in _match(document, against):
        if source is None:
            key = form.role_path("名称") or ""
            yield finding(project.location(key), key, "MON-ADJUST",
                          f"申报 {against.folder.name} 中没有项目“{project.name}”（调整：新增项目）", WARNING)
            continue
        said = _said(form, project)
        for found in (_money(form, project, source), _texts(form, project, source),
                      _indicators(document, project, source)):
            for where, path, told, values in found:
                yield finding(project.location(where), path, "MON-ADJUST", f"调整：{told}{said}", WARNING, **values)
    ours = {p.stem for p in document.projects} | {p.name for p in document.projects}
    for source in against.projects:
        if source.stem not in ours and source.name not in ours:
            yield finding(document.locations.get("项目顺序", Location(document.source)), "项目顺序", "MON-ADJUST",
                          f"申报的项目“{source.name}”（{source.stem}）不在本文档中（调整：删去项目）", WARNING)
