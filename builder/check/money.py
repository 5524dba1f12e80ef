"""The money tables a form declares, checked as it declares them (docs/forms.md, 金额表):

- MONEY-TOTAL: a 合计 row (or 合计 column) written in the source equals the sum of the other cells of
  its column (row); a table whose 合计 is never computed (``不写时: 空白``) must not have a blank 合计
  beside filled cells, nor a filled 合计 beside blank ones;
- MONEY-RELATION: every declared relation (``关系``: 左 ≤ 右 …) holds.

A finding carries the id the form declares for that column, table or relation (the shipped forms
declare FUND-TOTAL, FUND-ANNUAL, FUND-ANNUAL-LIMIT and EVAL-FUNDS), so rule profiles and ``忽略:``
keep naming those ids; labels and messages come from the form. Nothing here names a table, row
or column of a particular form.
"""

from __future__ import annotations

import operator
from decimal import Decimal

from builder.model import core as m
from builder.check.rules import ERROR, ZERO, amount, declare, document_form, finding, rule
from builder.forms import formspec as fs
from builder.model.values import format_money

TOTAL, RELATION = "MONEY-TOTAL", "MONEY-RELATION"
_OPS = {"≤": operator.le, "<": operator.lt, "=": operator.eq, "≥": operator.ge, ">": operator.gt}
_BREACH = {"≤": "大于", "<": "不小于", "≥": "小于", ">": "不大于"}


# ---------------------------------------------------------------- reading a table's cells

def _value(project, table: fs.MoneyTable, row: str, column: str) -> Decimal | None:
    """A cell's value as the model holds it (a computed 合计 included)."""
    values = project.get(table.key)
    return values.get(table.address(row, column)) if values is not None else None


def _written_path(table: fs.MoneyTable, row: str, column: str) -> str:
    """Where a cell is written: its own line (列下分行) or its row's list (行为列表)."""
    return table.path(table.address(row, column)) if table.layout == fs.BY_COLUMN else table.path(row)


def _written(project, table: fs.MoneyTable, row: str, column: str) -> bool:
    """Whether the source wrote the cell (a 合计 left out is computed, not a slip)."""
    values = project.get(table.key)
    return values is not None and table.address(row, column) in values.written


def _row_label(table: fs.MoneyTable, column: fs.MoneyColumn, row: str) -> str:
    spec = table.row(row)
    return column.row_labels.get(row) or (spec.label if spec else row)


def _money(table: fs.MoneyTable, amount: Decimal | None) -> str:
    """An amount as the table prints it (元 or 万元, the form's 单位)."""
    return format_money(amount, table.unit)


def _total_rule(table: fs.MoneyTable, column: fs.MoneyColumn | None = None) -> str:
    return (column.total_rule if column is not None else "") or table.total_rule or TOTAL


def _tables(document: m.Document):
    for spec in document_form(document).money_tables():
        if spec.table is not None:
            yield spec.table


# ---------------------------------------------------------------- MONEY-TOTAL

def _computed_total(project, table: fs.MoneyTable, column: fs.MoneyColumn):
    """A 合计 written in the source against the sum of its column's other rows."""
    rows = [r for r in column.rows if r != table.total_row]
    if table.total_row not in column.rows or not _written(project, table, table.total_row, column.key):
        return  # no 合计 in this column, or it was left out: computed from its rows
    total = _value(project, table, table.total_row, column.key)
    parts = [(_row_label(table, column, r), amount(_value(project, table, r, column.key))) for r in rows]
    summed = sum((v for _, v in parts), ZERO)
    if total == summed:
        return
    path = table.path(table.address(table.total_row, column.key))
    terms = " + ".join(f"{label} {_money(table, v)}" for label, v in parts)
    yield finding(project.location(_written_path(table, table.total_row, column.key)), path,
                  _total_rule(table, column),
                  f"{column.label} {_money(table, total)} ≠ {terms} = {_money(table, summed)}",
                  合计=total, **dict(parts))


def _blank_total(project, table: fs.MoneyTable, column: fs.MoneyColumn):
    """A 合计 never computed: per column, 合计 and its rows are filled in together and add up."""
    total_label = _row_label(table, column, table.total_row)
    rows = [r for r in column.rows if r != table.total_row]
    total = _value(project, table, table.total_row, column.key)
    values = [(_row_label(table, column, r), _value(project, table, r, column.key)) for r in rows]
    if total is None and all(v is None for _, v in values):
        return  # a column not filled in yet
    where = project.location(table.path(table.total_row))
    path, rule_id = f"{table.path(table.total_row)}.{column.label}", _total_rule(table)
    names = "、".join(label for label, _ in values)
    summed = sum((v for _, v in values if v is not None), ZERO)
    if total is None:
        filled = "、".join(f"{label} {_money(table, v)}" for label, v in values if v is not None)
        yield finding(where, path, rule_id,
                      f"{column.label}：{total_label}为空白，而{filled} 已填写（请填写{total_label}，应为其合计）",
                      合计=summed)
    elif all(v is None for _, v in values):
        yield finding(where, path, rule_id,
                      f"{column.label}：{total_label} {_money(table, total)} 已填写，而{names}都为空白"
                      "（请填写组成部分，没有的写 0）", **{total_label: total})
    elif total != summed:
        yield finding(where, path, rule_id,
                      f"{column.label}：{total_label} {_money(table, total)} ≠ {names}之和 {_money(table, summed)}",
                      **{total_label: total}, 合计=summed)


def _total_column(project, table: fs.MoneyTable):
    """A 合计 column written in the source against the sum of its row's other cells."""
    totals = table.total_column
    others = [c for c in table.columns if c.key != totals.key]
    for row in totals.rows:
        if not _written(project, table, row, totals.key):
            continue
        total = _value(project, table, row, totals.key)
        parts = [(c.label, amount(_value(project, table, row, c.key))) for c in others if row in c.rows]
        summed = sum((v for _, v in parts), ZERO)
        if total != summed:
            terms = " + ".join(f"{label} {_money(table, v)}" for label, v in parts)
            label = f"{_row_label(table, totals, row)}{totals.label}"
            yield finding(project.location(_written_path(table, row, totals.key)),
                          table.path(table.address(row, totals.key)), totals.total_rule or _total_rule(table),
                          f"{label} {_money(table, total)} ≠ {terms} = {_money(table, summed)}", 合计=total, **dict(parts))


@rule(TOTAL, ERROR, "金额表的合计（表单声明的合计行、合计列）等于各组成部分之和；不计算合计的表中，合计与组成部分不能一方填写、另一方空白；"
      "发现的规则编号为表单声明的编号")
def check_money_totals(document: m.Document):
    for table in _tables(document):
        for project in document.projects:
            if table.total_row is not None:
                for column in table.columns:
                    if table.when_blank == fs.BLANK:
                        yield from _blank_total(project, table, column)
                    else:
                        yield from _computed_total(project, table, column)
            if table.total_column is not None:
                yield from _total_column(project, table)


# ---------------------------------------------------------------- MONEY-RELATION

def _side(project, table: fs.MoneyTable, address: str) -> tuple[str, str, Decimal | None]:
    """(path, label, value) of a relation's cell: a 合计-row cell is named and placed by its column."""
    cell = table.cell(address)
    column = table.column(cell.column)
    value = _value(project, table, cell.row, cell.column)
    if cell.is_total:
        return table.path(column.key) if table.layout == fs.BY_COLUMN else table.path(cell.row), column.label, value
    return _written_path(table, cell.row, cell.column), cell.label, value


@rule(RELATION, ERROR, "金额表中表单声明的关系（如 年度 ≤ 总额、执行数 ≤ 预算数）成立；发现的规则编号为表单声明的编号")
def check_money_relations(document: m.Document):
    for table in _tables(document):
        for relation in table.relations:
            compare = _OPS[relation.op]
            for project in document.projects:
                path, left_label, left = _side(project, table, relation.left)
                _, right_label, right = _side(project, table, relation.right)
                if left is None or right is None or compare(left, right):
                    continue
                breach = _BREACH.get(relation.op)
                told = f"{breach}{right_label} {_money(table, right)}" if breach else \
                    f"与{right_label} {_money(table, right)} 不等"
                yield finding(project.location(path), path, relation.rule or RELATION,
                              f"{left_label} {_money(table, left)} {told}",
                              relation.severity or ERROR, **{left_label: left, right_label: right})


# ---------------------------------------------------------------- the ids the shipped forms declare

def declared_ids(form) -> list[tuple[str, str, str]]:
    """(id, severity, description) of every rule id a form's money tables declare, in form order."""
    found = []
    for spec in form.money_tables():
        table = spec.table
        for column in table.columns:
            if table.total_row in column.rows:
                rows = " + ".join(_row_label(table, column, r) for r in column.rows if r != table.total_row)
                found.append((_total_rule(table, column), ERROR, f"{table.label}：{column.label} = {rows}"))
        for relation in table.relations:
            left, right = table.cell(relation.left), table.cell(relation.right)
            found.append((relation.rule or RELATION, relation.severity or ERROR,
                          f"{table.label}：{left.label if left else relation.left} {relation.op} "
                          f"{right.label if right else relation.right}"))
    return found


def _declare_shipped() -> None:
    from builder.forms.formdef import shipped_form

    for kind in m.DOCUMENT_KINDS:
        for rule_id, severity, description in declared_ids(shipped_form(kind)):
            if rule_id not in (TOTAL, RELATION):
                declare(rule_id, severity, description)


_declare_shipped()
