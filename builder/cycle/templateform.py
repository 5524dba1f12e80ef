"""The layout of a form that brings none (``版式``): a starter of ``budgetdoc template new --form``
laid out as the form is declared, written in the 版式 language itself so that one maker
(builder.cycle.templatemaker.write_layout) prints it and the shipped forms' own layouts alike.

One form per project, on a grid of ten columns: the fields in form order, two short ones a row
(label | value), a 选项 as its tick boxes, texts across; a 分组 with its label merged down the
left of its fields; each 金额表 a grid of its rows × columns with the form's labels and the table's
unit; each 表格 a header row and a row loop of typed cells; then each 指标 field a grid of its own
with 【合并】 on 一级/二级 and the form's indicator columns; the document's short fields last.
Nothing here names a field of a particular form: every label and name comes from the form.
"""

from __future__ import annotations

from builder.forms import formspec as fs
from builder.cycle.templatelook import (
    CELL_STYLE, CELLS, GAP, GRID, HEADER, KEEP, LOOP, MERGE, PAGE_BREAK, PARAGRAPH, ROWS, SPAN, STYLE,
    TABLE, TEXT,
)

WIDTH = 16.5  # cm, as the shipped forms (a little wider than the text, centred)
COLUMNS = 10  # at least: a form with wider tables gets as many columns as its widest needs
LABEL = 2  # columns of a label cell
BODY = "表格正文"  # the justified table style of long texts
PROJECTS, PROJECT, ROW, INDICATOR, ITEM = "项目列表", "项目", "行", "指标", "明细"
NAME_ROLE = "名称"  # the project's name: a row of its own
TEXTS = ("段落", "名单")  # printed as paragraphs across
# the Chinese name that prints a value of each kind (builder.render.chinese); 金额 prints in a unit
SUFFIX = {"日期": ".中文", "选项": ".选框"}
CELL_SUFFIX = {"日期": ".中文", "选项": ".值", "指标值": ".原文"}
LEVELS = ("一级指标", "二级指标", "三级指标")  # the context names of an indicator row (labels)


def _tag(name: str) -> str:
    return "{{ " + name + " }}"


def _cell(text: str, span: int = 1, merge: bool = False, **extra) -> dict:
    cell = {TEXT: text, SPAN: span, **extra}
    if merge:
        cell[MERGE] = True
    return cell


def _loop(items: str, span: int, merge: bool = False) -> dict:
    cell = {LOOP: items, SPAN: span, STYLE: BODY}
    if merge:
        cell[MERGE] = True
    return cell


def _spans(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _value(spec, name: str, unit: str, suffixes: dict = SUFFIX) -> str:
    if spec.kind == "金额":
        return _tag(f"{name}.{unit}")
    if spec.kind == "指标值" and spec.print_as == "规范":
        return _tag(f"{name}.规范")
    return _tag(name + suffixes.get(spec.kind, ""))


class _Rows:
    """The rows of the project's form table, built in form order."""

    def __init__(self, form, columns: int = COLUMNS):
        self.form, self.rows, self.short, self.columns = form, [], [], columns

    def flush(self) -> None:
        for i in range(0, len(self.short), 2):
            pair = self.short[i:i + 2]
            if len(pair) == 2:
                half = (self.columns - 2 * LABEL) // 2
                self.rows.append([_cell(pair[0][0], LABEL), _cell(pair[0][1], half),
                                  _cell(pair[1][0], LABEL), _cell(pair[1][1], self.columns - 2 * LABEL - half)])
            else:
                self.rows.append([_cell(pair[0][0], LABEL), _cell(pair[0][1], self.columns - LABEL)])
        self.short = []

    def across(self, label: str, value: dict) -> None:
        self.flush()
        self.rows.append([_cell(label, LABEL), value])

    def field(self, spec, name: str) -> None:
        """``name`` is the context name of the value (``项目.<分组>.<键>``)."""
        kind = spec.kind
        if NAME_ROLE in spec.roles:
            self.across(spec.label, _cell(_tag(name), self.columns - LABEL))
        elif kind in TEXTS:
            self.across(spec.label, _loop(name, self.columns - LABEL))
        elif kind == fs.BUDGET:
            self.budget(spec, name, [_cell(spec.label, LABEL, merge=True)], self.columns - LABEL)
        elif kind == fs.GROUP:
            self.group(spec, name)
        elif kind == fs.MONEY_TABLE:
            self.money(spec, name)
        elif kind == fs.TABLE:
            self.table(spec, name)
        elif kind == fs.INDICATORS:
            return  # a grid of its own, after the form table
        else:
            self.short.append((spec.label, _value(spec, name, self.form.unit)))

    def budget(self, spec, name: str, left: list, span: int) -> None:
        """The lead paragraphs, then one row per item (number, name, amount in the form's unit, note)."""
        self.flush()
        self.rows.append([*left, _loop(name, span)])
        if not spec.items_name:
            return
        unit = self.form.unit
        items = name.rsplit(".", 1)[0] + "." + spec.items_name
        line = (f"（{_tag(ITEM + '.序号')}）{_tag(ITEM + '.名称')} {_tag(f'{ITEM}.金额.{unit}')} {unit}。"
                f"{_tag(ITEM + '.说明')}")
        self.rows.append(f"{{%tr for {ITEM} in {items} %}}")
        self.rows.append([*left, _cell(line, span, **{STYLE: BODY})])
        self.rows.append("{%tr endfor %}")

    def group(self, spec, name: str) -> None:
        self.flush()
        group = _cell(spec.label, LABEL, merge=True)
        span = self.columns - 2 * LABEL
        for sub in spec.fields:
            inner = f"{name}.{sub.key}"
            if sub.kind == fs.BUDGET:
                self.budget(sub, inner, [group, _cell(sub.label, LABEL, merge=True)], span)
            elif sub.kind in TEXTS:
                self.rows.append([group, _cell(sub.label, LABEL), _loop(inner, span)])
            elif sub.kind in (fs.GROUP, fs.MONEY_TABLE, fs.TABLE, fs.INDICATORS):
                self.field(sub, inner)
            else:
                self.rows.append([group, _cell(sub.label, LABEL), _cell(_value(sub, inner, self.form.unit), span)])

    def money(self, spec, name: str) -> None:
        """Rows × columns: a header row of the column labels, then a row per money row."""
        self.flush()
        table = spec.table
        if not table.columns:
            return
        columns = list(table.columns) + ([table.total_column] if table.total_column else [])
        keys = [r.key for r in table.rows if any(r.key in c.rows for c in table.columns)]
        for column in table.columns:
            keys += [k for k in column.rows if k not in keys]
        title = _cell(spec.label, LABEL, merge=True)
        spans = _spans(self.columns - 2 * LABEL, len(columns))
        self.rows.append({CELLS: [title, _cell("", LABEL)] + [_cell(c.label, s) for c, s in zip(columns, spans)],
                          KEEP: True})
        for key in keys:
            row = table.row(key)
            owner = next(c for c in table.columns if key in c.rows)
            label = owner.row_labels.get(key) or (row.label if row else key)
            cells = [title, _cell(label, LABEL)]
            for column, span in zip(columns, spans):
                present = column is table.total_column or key in column.rows
                address = table.address(key, column.key)
                cells.append(_cell(_tag(f"{name}.{address}.{table.unit or self.form.unit}") if present else "", span))
            self.rows.append(cells)

    def table(self, spec, name: str) -> None:
        """A header row of the column labels, then one row per source row, each cell by its kind."""
        self.flush()
        if not spec.columns:
            return
        title = _cell(spec.label, LABEL, merge=True)
        spans = _spans(self.columns - LABEL, len(spec.columns))
        self.rows.append({CELLS: [title] + [_cell(c.label, s) for c, s in zip(spec.columns, spans)], KEEP: True})
        self.rows.append(f"{{%tr for {ROW} in {name} %}}")
        cells = [title]
        for n, (column, span) in enumerate(zip(spec.columns, spans)):
            number = _tag(ROW + ".序号") + "、" if n == 0 else ""
            cells.append(_cell(number + _value(column, f"{ROW}.{column.key}", self.form.unit, CELL_SUFFIX), span))
        self.rows.append(cells)
        self.rows.append("{%tr endfor %}")
        if spec.total_label:
            totals = [title]
            for n, (column, span) in enumerate(zip(spec.columns, spans)):
                total = f"{PROJECT}.合计.{spec.path}.{column.key}"
                text = spec.total_label if n == 0 else (
                    _value(column, total, self.form.unit, CELL_SUFFIX) if column.kind in ("金额", "整数") else "")
                totals.append(_cell(text, span))
            self.rows.append(totals)


def _indicator_grid(spec, unit: str) -> dict:
    """An indicator set: 一级/二级 merged down (【合并】), 三级, then the form's columns."""
    columns = spec.indicators.columns
    # shares of the width left after the set's label, 一级 and 二级: 三级 two, a value column one and a half
    shares = [2.0] + [1.5 if c.kind == "指标值" else 1.0 for c in columns]
    unit = (WIDTH - 1.6 - 2.0 - 2.2) / sum(shares)
    grid = [1.6, 2.0, 2.2] + [round(share * unit, 4) for share in shares]
    title = _cell(spec.label, merge=True)
    header = [title] + [_cell(level) for level in LEVELS] + [_cell(c.label) for c in columns]
    row = [title, _cell(_tag(f"{INDICATOR}.{LEVELS[0]}"), merge=True),
           _cell(_tag(f"{INDICATOR}.{LEVELS[1]}"), merge=True), _cell(_tag(f"{INDICATOR}.{LEVELS[2]}"))]
    for column in columns:
        name = f"{INDICATOR}.{column.key}"
        row.append(_loop(name, 1) if column.kind in TEXTS else _cell(_value(column, name, unit, CELL_SUFFIX)))
    return {TABLE: {GRID: grid, ROWS: [{CELLS: header, HEADER: True},
                                       f"{{%tr for {INDICATOR} in {PROJECT}.{spec.path} %}}", row,
                                       "{%tr endfor %}"]}}


def _width(form) -> int:
    """Grid columns: ten, or one a column of the widest money table or 表格 beside its labels."""
    need = [COLUMNS]
    for spec in form.walk():
        if spec.kind == fs.MONEY_TABLE:
            need.append(2 * LABEL + len(spec.table.columns) + (1 if spec.table.total_column else 0))
        elif spec.kind == fs.TABLE:
            need.append(LABEL + len(spec.columns))
    return max(need)


def derived_layout(form) -> list[dict]:
    """The 版式 of ``form`` derived from its fields (see the module's docstring)."""
    columns = _width(form)
    rows = _Rows(form, columns)
    for spec in form.document_fields:
        if spec.kind in TEXTS:
            rows.across(spec.label, _loop(spec.key, columns - LABEL))
    for spec in form.project_fields:
        rows.field(spec, f"{PROJECT}.{spec.path}")
    rows.flush()
    layout: list[dict] = [
        {PARAGRAPH: f"{{%p for {PROJECT} in {PROJECTS} %}}"},
        {PARAGRAPH: form.name or form.kind, STYLE: "Heading 1", PAGE_BREAK: True},
        {PARAGRAPH: "（" + _tag("年度") + "年度）", STYLE: "Subtitle"},
        {PARAGRAPH: "填报单位（盖章）：" + _tag("单位名称"), STYLE: "表格文字"},
        {TABLE: {GRID: [round(WIDTH / columns, 4)] * columns, CELL_STYLE: "表格文字", ROWS: rows.rows}},
    ]
    for spec in form.indicator_fields():
        layout += [{GAP: True}, _indicator_grid(spec, form.unit)]
    footer = [f"{spec.label}：{_value(spec, spec.key, form.unit)}" for spec in form.document_fields
              if spec.kind not in TEXTS and spec.kind in ("文本", "日期", "金额", "选项", "整数", "数值")
              and not spec.compute]
    if footer:
        layout.append({PARAGRAPH: "    ".join(footer), STYLE: "表格文字"})
    layout.append({PARAGRAPH: "{%p endfor %}"})
    return layout
