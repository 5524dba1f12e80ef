"""What a later document of the year takes from the 申报 (``来自申报`` in its form, docs/forms.md §4):
the amounts of a money table's first column by row, the texts of a 段落, the indicators it follows.
``new 绩效自评 --from`` writes them; ``check --against`` compares a document with them."""

from __future__ import annotations

REST = "其余"  # 来自申报: 其余 — the rows of the 申报's 年度金额 column no other row took
ANNUAL = "年度金额"


def target_amounts(project, table) -> dict[str, object]:
    """Row key → the 申报 ``project``'s amount for the first column of ``table`` (a later form's money
    table, its rows with 来自申报): the cell with that role, or 其余 — the rest of the 年度金额 column."""
    form = project.form
    values, taken = {}, set()
    for row in table.rows:
        if row.from_target and row.from_target != REST:
            values[row.key] = project.role(row.from_target) if form.has_role(row.from_target) else None
            if form.role_path(row.from_target):
                taken.add(form.role_path(row.from_target))
    rest = [row for row in table.rows if row.from_target == REST]
    if rest:
        amounts = [project.get(path) for path in annual_column(form) if path not in taken]
        amounts = [a for a in amounts if a is not None]
        values[rest[0].key] = sum(amounts[1:], amounts[0]) if amounts else None
    return values


def annual_column(form) -> list[str]:
    """The paths of the cells in the column of the 申报's 年度金额 role, its 合计 left out."""
    path = form.role_path(ANNUAL)
    for spec in form.money_tables():
        table = spec.table
        cell = table.cell(path[len(spec.path) + 1:]) if path and path.startswith(spec.path + ".") else None
        if cell is not None:
            return [table.path(c.address) for c in table.column_cells(cell.column) if not c.is_total]
    return []


def target_text(project, spec) -> tuple:
    """The 申报 ``project``'s paragraphs for a later form's 段落 ``spec`` with 来自申报 (its roles, the
    first one present wins), () when none."""
    form = project.form
    return next((tuple(project.role(r)) for r in spec.from_target if form.has_role(r) and project.role(r)), ())


def followed_indicators(project) -> list:
    """The 申报's indicators a later document follows: the set with the 自评指标 role, else the last."""
    fields = project.form.indicator_fields()
    chosen = next((s for s in fields if "自评指标" in s.roles), fields[-1] if fields else None)
    if chosen is None or len(fields) == 1:
        return list(project.indicators)
    return list(project.indicator_sets.get(chosen.key, ()))
