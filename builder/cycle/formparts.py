"""What the form's ``导入:`` section declares beyond labels, applied to the values an import read:

- ``名称后缀: {字段: 式}`` — a 真假 field set when the project's name ends with the pattern (the name
  written without it): ``二级构成: "[（(]二级构成[)）]$"``;
- ``网格列: {列标题: 字段}`` — a money grid's column that holds no money but a project field, read on
  the table's total row (``分值: 预算执行分值``);
- ``核对: {列标题: 上下文名, …, <导入.总分>: [上下文名 …]}`` — values the form prints but computes: read
  from the grid's total row (or, in order, from the numbers of the closing 总分 row), and compared after
  the import with what the written sources compute; each difference is a note (the build prints the
  computed value);
- ``单位取自: [字段 …]`` — a form that does not print the unit's name takes it from the first project's
  first of these fields, and says so;
- a project followed by projects marked as its parts (the ``名称后缀`` field): when every ``组成相加``
  money table of the parent is exactly the parts' sum and its ``组成合并`` texts are there, the parent
  lists its parts in its ``组成`` field and leaves those tables to be computed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from builder.forms import formspec as fs

PRINTED = "!核对"  # a scope's key for the printed computed values (not a source key: never written)


def suffix_fields(form: fs.Form) -> dict[str, re.Pattern]:
    return {field: re.compile(pattern) for field, pattern in (form.import_spec.get("名称后缀") or {}).items()}


def grid_column(form: fs.Form, heading: str) -> str | None:
    """What a money grid's non-money column holds: ``字段`` (read) or ``!上下文名`` (checked)."""
    field = (form.import_spec.get("网格列") or {}).get(heading)
    if field:
        return field
    checked = (form.import_spec.get("核对") or {}).get(heading)
    return "!" + checked if isinstance(checked, str) else None


def grid_value(scope: dict, target: str, text: str) -> None:
    """A total row's cell under a 网格列 / 核对 heading."""
    text = text.strip()
    if not text or text in ("—", "-"):
        return
    if target.startswith("!"):
        scope.setdefault(PRINTED, {}).setdefault(target[1:], text)
    else:
        scope.setdefault(target, text)


def closing_row(form: fs.Form, scope: dict, texts: list[str]) -> None:
    """The closing 总分 row's numbers, in order, as the printed values ``核对.<总分>`` names."""
    names = (form.import_spec.get("核对") or {}).get(form.import_spec.get("总分", ""))
    numbers = [t.strip() for t in texts if _number(t) is not None]
    if isinstance(names, list):
        for name, text in zip(names, numbers):
            scope.setdefault(PRINTED, {}).setdefault(name, text)


def after_reading(projects: list[dict], document: dict, form: fs.Form, notes: list[str]) -> None:
    """The name suffixes, then the unit's name from the first project."""
    name = form.role_path("名称") or ""
    for scope in projects:
        for field, pattern in suffix_fields(form).items():
            text = str(scope.get(name, ""))
            found = pattern.search(text)
            scope[field] = bool(found)
            if found:
                scope[name] = text[:found.start()] + text[found.end():]
    if not document.get("单位名称") and projects:
        for field in form.import_spec.get("单位取自") or ():
            value = str(projects[0].get(field, "")).strip()
            if value:
                document["单位名称"] = value
                notes.append(f"{form.name}不印单位名称：取第一个项目的{form.label(field)}“{value}”作为单位名称，请核对")
                break


def _number(text) -> Decimal | None:
    cleaned = str(text).replace(",", "").replace("%", "").replace("％", "").strip()
    try:
        return Decimal(cleaned)
    except (InvalidOperation, ValueError):
        return None


def _same(printed: str, computed) -> bool:
    a, b = _number(printed), _number(computed)
    if a is not None and b is not None:
        return a == b
    return str(printed).replace("％", "%").strip() == str(computed).strip()


def check_printed(printed: list[dict], document, form: fs.Form) -> list[str]:
    """A note for each printed computed value (核对) that differs from what the written sources compute."""
    if not any(printed):
        return []
    from builder.render.context import document_context

    projects = document_context(document).get("项目列表") or []
    notes = []
    for number, (values, context) in enumerate(zip(printed, projects), start=1):
        for path, text in values.items():
            computed = context
            for key in path.split("."):
                computed = computed.get(key) if isinstance(computed, dict) else None
            if computed is not None and not _same(text, computed):
                title = context.get(form.role_path("名称") or "", "")
                notes.append(f"项目 {number}（{title}）：{path.replace('.', '的')}印为 {text}，按源文件计算为 {computed}"
                             "（生成时按计算值）")
    return notes


def _sums(rows: list) -> list:
    width = max((len(r) for r in rows), default=0)
    sums = []
    for column in range(width):
        present = [Decimal(str(r[column])) for r in rows if column < len(r) and r[column] is not None]
        sums.append(sum(present, Decimal(0)) if present else None)
    return sums


def _as_numbers(row) -> list:
    return [None if v is None else Decimal(str(v)) for v in (row or [])]


def link_parts(datas: list, stems: list[str], form: fs.Form) -> list[str]:
    """Each parent followed by its parts lists them in its 组成 field when its figures are their sums."""
    from builder.cycle.writer import flow

    list_field = next((s for s in form.project_fields if "组成" in s.roles), None)
    part_fields = list(suffix_fields(form))
    if list_field is None or not part_fields:
        return []
    summed = [s for s in form.walk() if s.kind == fs.MONEY_TABLE and s.table is not None and s.table.parent_rule]
    merged = [s.key for s in form.project_fields if "组成合并" in s.roles]
    is_part = [any(data.get(f) is True for f in part_fields) for data in datas]
    notes, i = [], 0
    while i < len(datas):
        j = i + 1
        while j < len(datas) and is_part[j]:
            j += 1
        parent, parts = datas[i], datas[i + 1:j]
        if parts and not is_part[i]:
            tables_ok = all(
                {row: _as_numbers(cells) for row, cells in (parent.get(spec.key) or {}).items()}
                == {row: _sums([_as_numbers((p.get(spec.key) or {}).get(row)) for p in parts])
                    for row in (parent.get(spec.key) or {})}
                for spec in summed)
            texts_ok = all(parent.get(key) or not any(p.get(key) for p in parts) for key in merged)
            if tables_ok and texts_ok:
                for spec in summed:
                    parent.pop(spec.key, None)
                parent[list_field.key] = flow(stems[i + 1:j])
            else:
                name = parent.get(form.role_path("名称") or "", "")
                notes.append(f"项目 {i + 1}（{name}）后面是它的组成部分，但其{'、'.join(s.label for s in summed)}不等于"
                             f"各部分之和（或缺少{'、'.join(merged)}），未写“{list_field.key}”，照表写出")
        i = max(j, i + 1)
    return notes
