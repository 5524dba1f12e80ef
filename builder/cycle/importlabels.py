"""What the readers of a hand-typed form look for, taken from the form definition (docs/forms.md):
the label of every field, money row and column, narrative section and indicator column, the title
patterns of its ``导入:``. The shipped 绩效目标申报 and 绩效自评 are read with the labels of their
shipped definitions (builder/forms/*.yaml) — no label of theirs is written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from builder.forms import formspec as fs

_SCALARS = ("文本", "日期", "选项")


@dataclass(frozen=True)
class TargetLabels:
    """A 申报 form: a label/value form, a money table of columns, a narrative part, goals, indicators."""

    form: fs.Form
    fields: tuple[str, ...]  # the label/value fields, by key (label == key on the shipped form)
    dates: frozenset
    name: str  # the 名称 field
    narrative: fs.FieldSpec | None  # the 分组 printed as numbered sections (导入.分节: 项目经费情况说明)
    money: fs.FieldSpec
    fund_labels: dict  # printed label → (column index or None: the side is found from the layout, row key)
    total_goal: str
    annual_goal: str
    indicators: str
    title: re.Pattern

    @property
    def columns(self) -> tuple[fs.MoneyColumn, ...]:
        return self.money.table.columns

    def column_label(self, index: int) -> str:
        return self.columns[index].label

    @property
    def annual_label(self) -> str:
        """The label of the 年度金额 cell (年度资金申请总额)."""
        return self.form.role_label("年度金额")


@dataclass(frozen=True)
class EvaluationLabels:
    form: fs.Form
    fields: tuple[str, ...]
    name: str
    part: str  # the 真假 field a 构成后缀 sets (二级构成)
    money: fs.FieldSpec
    rows: tuple[str, ...]
    total_row: str
    column_keys: tuple[str, ...]  # 年初预算数, 全年预算数, 全年执行数
    weight: str  # the 执行分值 field
    goal_block: str  # the merged label of the goals' rows
    expected: str
    achieved: str
    indicators: str
    target: str  # indicator column keys by role
    actual: str
    score_weight: str
    score: str
    deviation: str
    title: re.Pattern
    part_suffix: re.Pattern

    def column(self, role: str) -> str:
        """The label of the money column of role 预算数 / 执行数."""
        path = self.form.role_path(role) or ""
        return path.rsplit(".", 1)[-1]


def recognised(form: fs.Form) -> tuple[str, ...]:
    """The labels whose presence in a table identifies the form (``导入.认出``)."""
    return tuple(form.import_spec.get("认出", ()))


def block_label(form: fs.Form, key: str) -> str:
    """The merged label left of the row printing ``key`` in the form's 版式 (the block a row of
    goals belongs to: 年度总体目标 …), "" when the form has no layout or no such row."""
    for item in form.layout or ():
        table = item.get("表") if isinstance(item, dict) else None
        for row in (table or {}).get("行", ()):
            cells = row.get("格", ()) if isinstance(row, dict) else row if isinstance(row, list) else ()
            texts = [cell.get("文") for cell in cells if isinstance(cell, dict)]
            if key in texts and cells and cells[0].get("合并"):
                return cells[0].get("文", "")
    return ""


def _role_key(form: fs.Form, role: str) -> str:
    path = form.role_path(role)
    return path.rsplit(".", 1)[-1] if path else ""


_CACHE: dict = {}  # id(form) → (form, labels): the shipped forms are read once per process


def _cached(form, make):
    found = _CACHE.get((id(form), make))
    if found is None or found[0] is not form:
        found = _CACHE[(id(form), make)] = (form, make(form))
    return found[1]


def target_labels(form: fs.Form) -> TargetLabels:
    return _cached(form, _target_labels)


def evaluation_labels(form: fs.Form) -> EvaluationLabels:
    return _cached(form, _evaluation_labels)


def _target_labels(form: fs.Form) -> TargetLabels:
    scalars = tuple(s for s in form.project_fields if s.kind in _SCALARS)
    narrative = form.field(form.import_spec.get("分节", "")) if form.import_spec.get("分节") else None
    money = form.money_tables()[0]
    table = money.table
    fund_labels: dict = {}
    for index, column in enumerate(table.columns):
        for cell in table.column_cells(column.key):
            label = column.label if cell.is_total else column.row_labels.get(cell.row) or table.row(cell.row).label
            side = index if label not in fund_labels else None  # a row of both columns: the layout decides
            fund_labels[label] = (side, cell.row)
    spec = form.import_spec
    indicators = form.indicator_fields()
    return TargetLabels(
        form=form, fields=tuple(s.key for s in scalars), dates=frozenset(s.key for s in scalars if s.kind == "日期"),
        name=_role_key(form, "名称"), narrative=narrative,
        money=money, fund_labels=fund_labels,
        total_goal=_role_key(form, "总目标"), annual_goal=_role_key(form, "年度目标"),
        indicators=indicators[0].key if indicators else "",
        title=re.compile(spec.get("标题", r"^$")))


def _evaluation_labels(form: fs.Form) -> EvaluationLabels:
    money = form.money_tables()[0]
    table = money.table
    part = next((s.key for s in form.project_fields if s.kind == "真假"), "")
    indicator = form.indicator_fields()[0]
    columns = indicator.indicators

    def column(role: str) -> str:
        found = columns.column_with(role)
        return found.key if found is not None else ""

    expected = next((s.key for s in form.project_fields if s.from_target), "")
    spec = form.import_spec
    return EvaluationLabels(
        form=form, fields=tuple(s.key for s in form.project_fields if s.kind == "文本"), name=_role_key(form, "名称"),
        part=part, money=money, rows=tuple(r.key for r in table.rows), total_row=table.total_row or "",
        column_keys=tuple(c.key for c in table.columns), weight=_role_key(form, "执行分值"), expected=expected,
        goal_block=block_label(form, expected),
        achieved=_role_key(form, "完成情况"), indicators=indicator.key, target=column("目标值"),
        actual=column("实际值"), score_weight=column("分值"), score=column("得分"), deviation=column("偏差说明"),
        title=re.compile(spec.get("标题", r"^$")), part_suffix=re.compile(spec.get("构成后缀", r"(?!)")))


def target_form_labels() -> TargetLabels:
    from builder.forms.formdef import shipped_form
    from builder.model.core import TARGET_KIND

    return target_labels(shipped_form(TARGET_KIND))


def evaluation_form_labels() -> EvaluationLabels:
    from builder.forms.formdef import shipped_form
    from builder.model.core import EVALUATION_KIND

    return evaluation_labels(shipped_form(EVALUATION_KIND))
