"""The values of a form's fields as the model keeps them: money tables with their totals computed
(or left blank) and checked, typed table rows, sums over projects (docs/forms.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterator

from builder.forms import formkinds as fs
from builder.model import core as m

ZERO = Decimal(0)


@dataclass(frozen=True)
class MoneyValues:
    """The cells of one money table of one project: address → Decimal (None: blank)."""

    table: object  # builder.forms.formspec.MoneyTable
    cells: dict = field(default_factory=dict)
    written: frozenset = frozenset()  # the addresses written in the source

    def get(self, address: str) -> Decimal | None:
        return self.cells.get(address)

    def column_rows(self, column: str) -> list[tuple]:
        return [(cell, self.cells.get(cell.address)) for cell in self.table.column_cells(column)]

    def total(self, column: str) -> Decimal | None:
        if self.table.total_row is None:
            return None
        return self.cells.get(self.table.address(self.table.total_row, column))

    @classmethod
    def from_converted(cls, table, converted) -> "MoneyValues":
        """A converted 金额表 record (builder.forms.formschema) → its cells, 合计 computed when the
        form says ``不写时: 计算``."""
        converted = converted if isinstance(converted, dict) else {}
        cells: dict[str, Decimal | None] = {}
        written = set()
        absent = []
        for column in table.columns:
            if table.layout == fs.BY_COLUMN:
                values = converted.get(column.key)
                if values is None and column.absent_total:
                    absent.append(column)
                for row in column.rows:
                    value = values.get(row) if isinstance(values, dict) else None
                    cells[table.address(row, column.key)] = value
                    if isinstance(values, dict) and row in values.get("_locs", {}):
                        written.add(table.address(row, column.key))
            else:
                index = table.columns.index(column)
                for row in column.rows:
                    values = converted.get(row)
                    cells[table.address(row, column.key)] = values[index] if isinstance(values, (tuple, list)) else None
                    if row in converted.get("_locs", {}):
                        written.add(table.address(row, column.key))
        if table.when_blank == fs.COMPUTE and table.total_row is not None:
            for column in table.columns:
                if column in absent:
                    continue
                address = table.address(table.total_row, column.key)
                if address in cells and cells[address] is None:
                    cells[address] = sum((cells[c.address] for c in table.column_cells(column.key)
                                          if not c.is_total and cells[c.address] is not None), ZERO)
        for column in absent:  # a legacy form without this column: its 合计 is the named cell's
            cells[table.address(table.total_row, column.key)] = cells.get(column.absent_total)
        return cls(table, cells, frozenset(written))

    @staticmethod
    def summed(tables: list["MoneyValues"]) -> "MoneyValues":
        """Cell by cell Σ (a parent's money; document totals): None when every cell is None."""
        table = tables[0].table
        cells = {}
        for cell in table.cells():
            present = [t.cells.get(cell.address) for t in tables if t.cells.get(cell.address) is not None]
            cells[cell.address] = sum(present, ZERO) if present else None
        return MoneyValues(table, cells, frozenset())

    def findings(self, project) -> Iterator:
        """The 合计 and relation checks of the form (docs/forms.md §金额表) — run by the rules."""
        from builder.forms.moneychecks import money_findings

        yield from money_findings(self, project)


def finish(spec, converted):
    """A converted value → the model's value of that field."""
    kind = spec.kind
    if kind in ("段落", "名单"):
        return tuple(converted or ())
    if kind == fs.GROUP:
        values = converted if isinstance(converted, dict) else {}
        return {sub.key: finish(sub, values.get(sub.key)) for sub in spec.fields}
    if kind == fs.TABLE:
        return tuple({c.key: _cell(c, row.get(c.key)) for c in spec.columns} for row in (converted or ()))
    if kind == fs.MONEY_TABLE:
        return MoneyValues.from_converted(spec.table, converted)
    if kind == fs.BUDGET:
        if isinstance(converted, dict):
            return m.BudgetPlan(tuple(converted["说明"]), tuple(budget_item(item) for item in converted["明细"]))
        return tuple(converted or ())
    return converted


def _cell(column, value):
    """A typed table's cell: a blank text cell is ""."""
    value = finish(column, value)
    return "" if value is None and column.kind == "文本" else value


def budget_item(fields: dict) -> m.BudgetItem:
    return m.BudgetItem(
        name=fields["名称"], amount=fields["金额"], formula=fields["算式"] or "", note=fields["说明"] or "",
        items=tuple(budget_item(item) for item in fields["明细"] or ()), location=fields["_locs"][""],
    )


def project_values(form, fields: dict) -> dict:
    """Every project field of ``form`` from a converted project record (indicator fields: the rows;
    the loader puts the indicators there)."""
    return {spec.key: finish(spec, fields.get(spec.key)) for spec in form.project_fields}


def set_value(values: dict, path: str, value) -> dict:
    """A copy of ``values`` with the field at ``path`` (dotted, 分组 nested) replaced."""
    head, _, rest = path.partition(".")
    if not rest:
        return {**values, head: value}
    return {**values, head: set_value(dict(values.get(head) or {}), rest, value)}


def display_name(project) -> str:
    """The project's name as the form prints it: followed by the 印法 of each 真假 field that is true
    (政策研究(二级构成))."""
    form = getattr(project, "form", None)
    specs = form.project_fields if form is not None else ()
    return project.name + "".join(s.print_as for s in specs if s.kind == "真假" and s.print_as and project.get(s.path) is True)


# an indicator column's value by the role it plays; any other column is the row's extra field by key
INDICATOR_ROLES = {"目标值": "target", "实际值": "actual", "分值": "weight", "得分": "score", "偏差说明": "deviation",
                   "完成档次": "band"}


def indicator_cell(indicator: m.Indicator, column):
    """The value one indicator row holds for a column of its set (得分: as written; None when blank)."""
    role = next((r for r in column.roles if r in INDICATOR_ROLES), None)
    return getattr(indicator, INDICATOR_ROLES[role]) if role else indicator.extra.get(column.key)


# ---------------------------------------------------------------- document totals: sums over projects

ANNUAL = "年度金额"


def annual_amount(project) -> Decimal:
    """The project's annual amount: the value of its form's 年度金额 role (0 when it has none)."""
    value = project.role(ANNUAL) if hasattr(project, "role") else None
    return value if value is not None else ZERO
SUMMED = ("金额", "整数")


def summed_columns(form):
    """(表格 field, column) of every 金额/整数 column of a 表格: their sums are document totals."""
    return [(spec, column) for spec in form.walk() if spec.kind == fs.TABLE
            for column in spec.columns if column.kind in SUMMED]


def column_sum(rows, key: str) -> Decimal | None:
    present = [row.get(key) for row in rows or () if row.get(key) is not None]
    return sum(present, Decimal(0)) if present else None


def project_money(project) -> dict:
    """Every money cell of a project (path → Decimal | None) and the sum of every 金额/整数
    column of its 表格 fields (``表.列``): what the document totals (合计) add up."""
    form = getattr(project, "form", None)
    if form is None:
        return {}
    money = {spec.table.path(cell.address): project.get(spec.table.path(cell.address))
             for spec in form.money_tables() for cell in spec.table.cells()}
    for spec, column in summed_columns(form):
        money[f"{spec.path}.{column.key}"] = column_sum(project.get(spec.path), column.key)
    return money


def project_cell(project, form, path: str):
    """One money cell (a path below a table) or 表格 column sum of a project, or of a roster entry."""
    if hasattr(project, "get"):
        for spec, column in summed_columns(form):
            if path == f"{spec.path}.{column.key}":
                return column_sum(project.get(spec.path), column.key)
        return project.get(path)
    money = getattr(project, "money", None)
    if money and path in money:
        return money[path]
    if path == form.role_path(ANNUAL):  # an old roster entry knows only the annual amount
        return project.annual
    raise KeyError(path)


def cell_total(document, form, path: str) -> Decimal | None:
    """Σ of one cell over every project (None counts 0; blank when it is blank in every project)."""
    values = [project_cell(p, form, path) for p in document.all_projects]
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present or not values else None
