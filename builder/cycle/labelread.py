"""Import of a hand-typed Word copy of a form, read by the labels its definition declares.

``budgetdoc import FILE.docx --out DIR --form 表单定义.yaml`` (no template): every field's ``标签``
(or key), each money cell's row and column labels, a 表格's column labels and an indicator field's
label are looked for in the document's tables after label_key normalisation, ``其中：`` and
``（元）/（万元）`` removed. What is found is written as the expressions the template reader
(builder.cycle.formimport) gives, so both readers share one writer (values → sources):

- a label cell followed by a value cell: a 文本/段落 field, a 日期 (``.中文``), a 选项 (``.选框``);
  a value ``A 至 B`` beside a label no field has sets the form's 开始日期/完成日期 roles;
- a block label (a 金额表's label, merged down) followed by (row label, amount) pairs: the money
  cells, read in the table's 单位 — or, after a row of its column labels side by side, rows of a row
  label and an amount under each column's heading (a grid); a 表格's label followed by a row of its column labels: its rows;
  a row of several fields' labels (长期目标 | 年度目标) followed by a row of values: those fields;
- a table whose first cell is an indicator field's label, with a header 一级指标 / 二级指标 / the
  name / its columns' labels: that field's rows;
- paragraphs ``标签：值`` outside the tables: document fields; ``（NNNN年度）`` the year, a
  ``…单位…：X`` line the unit's name, as does a line matching ``导入.单位标题`` (group 1 the unit,
  group 2 the year);
- the numbered sections of the 分组 ``导入.分节`` under a heading matching ``导入.说明标题``
  (builder.cycle.labelshapes): each part goes to the project of its number (else the next one), a
  预算安排 section printed as a structured plan adding up to the annual amount as 明细.

A new project starts at each table holding the label of the form's 名称 field.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from builder.cycle.importread import Cell, Para, Table, label_key, read_blocks, row_preview, short
from builder.cycle.formparts import after_reading, closing_row, grid_column, grid_value
from builder.cycle.labelshapes import YEAR, Sections, Summary, fixed_paragraphs
from builder.forms import formspec as fs

_UNIT_SUFFIX = re.compile(r"\((万?元)\)$")
_RANGE = re.compile(r"^(.+?)\s*至\s*(.+)$")
_PAIR = re.compile(r"([^\s:：]+)\s*[:：]\s*(\S+)")
_LEVELS = {"一级指标": "一级指标", "二级指标": "二级指标", "三级指标": "三级指标"}
_SCALAR = {"文本": "", "日期": ".中文", "选项": ".选框", "整数": "", "金额": ""}


def _norm(text: str) -> str:
    key = label_key(text).removeprefix("其中:").removeprefix("其中")
    return _UNIT_SUFFIX.sub("", key)


class _Labels:
    """The form's labels, normalised: label → what it names."""

    def __init__(self, form: fs.Form):
        self.form = form
        self.fields: dict[str, tuple[str, fs.FieldSpec]] = {}  # label → (path, spec) of a scalar/段落
        self.money: dict[str, fs.FieldSpec] = {}
        self.tables: dict[str, fs.FieldSpec] = {}
        self.indicators: dict[str, fs.FieldSpec] = {}
        self.document: dict[str, fs.FieldSpec] = {}
        for spec in form.project_fields:
            self._add(spec, spec.key)
        for spec in form.document_fields:
            if spec.kind in _SCALAR or spec.kind == "段落":
                for label in (spec.label, spec.key):
                    self.document.setdefault(_norm(label), spec)
        self.name = form.role_path("名称") or ""
        self.unit_title = re.compile(form.import_spec.get("单位标题", r"(?!)"))
        self.start, self.end = form.role_path("开始日期") or "", form.role_path("完成日期") or ""
        self.summary = Summary(form)
        self.title = re.compile(form.import_spec.get("标题", r"(?!)"))
        self.fixed = fixed_paragraphs(form)

    def _add(self, spec: fs.FieldSpec, path: str) -> None:
        labels = {_norm(spec.label), _norm(spec.key)}
        if spec.kind == fs.GROUP:
            for child in spec.fields:
                self._add(child, f"{path}.{child.key}")
            return
        target = {"金额表": self.money, "表格": self.tables, "指标": self.indicators}.get(spec.kind, self.fields)
        for label in labels:
            target.setdefault(label, spec if target is not self.fields else (path, spec))

    def known(self) -> set:
        """Every label of the form, normalised."""
        return set(self.fields) | set(self.money) | set(self.tables) | set(self.indicators) | set(self.document)

    def heading(self, label: str) -> tuple[str, fs.FieldSpec] | None:
        """The 段落 field a column heading names: its label, or its label and a note (项目总目标（2024 年
        -2025 年）)."""
        found = self.fields.get(label)
        if found is not None:
            return found
        starts = [(name, hit) for name, hit in self.fields.items() if hit[1].kind == "段落" and label.startswith(name)]
        return max(starts, key=lambda item: len(item[0]))[1] if starts else None

    def money_cell(self, table: fs.MoneyTable, label: str, taken: set) -> str | None:
        """The address of the cell a row label names (the first not yet read when two columns share it)."""
        for column in table.columns:
            for cell in table.column_cells(column.key):
                names = {_norm(column.row_labels.get(cell.row, "")), _norm(table.row(cell.row).label), _norm(cell.row)}
                if cell.is_total:  # a column's total printed under the column's label (年度资金申请总额)
                    names.add(_norm(column.label))
                address = f"{cell.row}@{column.key}"
                if label in names - {""} and address not in taken:
                    return address
        return None


class LabelValues:
    """Values read back: the document's and each project's, by expression (as formimport.Values)."""

    def __init__(self):
        self.document: dict[str, object] = {}
        self.projects: list[dict[str, object]] = []
        self.summary: dict = {}  # what the summary sentence (导入.概述) printed, by field key
        self.notes: list[str] = []
        self.unplaced: list[str] = []


def read_by_labels(docx: Path, form: fs.Form):
    """The document's values by expression, as builder.cycle.formimport.read_with_template gives them."""
    labels = _Labels(form)
    values = LabelValues()
    blocks = read_blocks(Path(docx))
    sections = Sections(form)
    scope: dict | None = None
    for block in blocks:
        if isinstance(block, Para):
            for line in block.lines:
                if not sections.line(line):
                    _paragraph(line, labels, values)
            continue
        sections.close()
        keys = {_norm(c.text) for row in block.rows for c in row}
        if not keys & labels.known():  # no label of the form: a table of its own (附件 …)
            values.unplaced.append(f"无法识别的表格，未导入：{_preview(block.rows)}")
            continue
        if _norm(form.label(labels.name) or labels.name) in keys or labels.name in keys or scope is None:
            scope = {}
            values.projects.append(scope)
        _table(block, labels, scope, values)
    for scope in values.projects:
        for spec in labels.tables.values():
            _unnumbered(scope.get(spec.key) or [])
    sections.place(values.projects)
    after_reading(values.projects, values.document, form, values.notes)  # 导入.名称后缀, 单位取自
    values.notes.extend(_missing(values.projects, form, labels.name))
    if values.summary:  # 导入.概述: computed fields checked against what was read
        total = sum((sections.annual(scope) or 0 for scope in values.projects), Decimal(0))
        values.notes.extend(labels.summary.checks(values.summary, len(values.projects), total))
    return values


def _missing(projects: list[dict], form: fs.Form, name: str) -> list[str]:
    """A note for each required field of a project not found (a group's only when the group was read)."""
    notes = []
    for number, scope in enumerate(projects, start=1):
        title = f"项目 {number}（{scope.get(name, '')}）"
        for spec in form.walk():
            if not spec.required or spec.has_default or spec.kind in (fs.GROUP, "金额表"):
                continue
            group = spec.path.rpartition(".")[0]
            if group and not any(key.startswith(group + ".") for key in scope):
                continue
            if not any((key == spec.path or key.startswith(spec.path + ".")) and scope[key] for key in scope):
                notes.append(f"{title}：没有找到“{spec.label}”，源文件中缺此项")
    return notes


_NUMBER = re.compile(r"^(\d+)[、.．]\s*")


def _unnumbered(rows: list[dict]) -> None:
    """A 表格 whose first column is numbered 1、2、… on every row (as templates print ``loop.index``):
    the numbers are the layout's, not the text's."""
    first = next(iter(rows[0]), None) if rows else None
    found = [_NUMBER.match(row.get(first, "")) for row in rows]
    if first and all(found) and [int(f[1]) for f in found] == list(range(1, len(rows) + 1)):
        for row, number in zip(rows, found):
            row[first] = row[first][number.end():]


def _paragraph(line: str, labels: _Labels, values) -> None:
    """A line outside the tables and numbered parts: a document field, a title — else reported."""
    key = label_key(line)
    if not key or key in labels.fixed:  # a heading the 版式 prints as it is
        return
    year = YEAR.match(key)
    if year:
        values.document.setdefault("年度", year[1])
        return
    title = labels.title.match(key)  # 导入.标题, its prefix possibly "<单位名称>2025年"
    if title:
        line = title[1] if title.groups() and title[1] else ""
    unit = labels.unit_title.match(line.strip())
    if unit:  # 导入.单位标题: "<单位名称> 2025 年"
        if "单位名称" not in values.document:
            values.document["单位名称"] = unit[1].strip()
            values.document.setdefault("年度", unit[2])
        return
    if title:
        return
    summary = labels.summary.match(key)
    if summary is not None and not values.summary:  # 导入.概述: 预算单位数 written, 项目数 … checked
        values.summary = summary
        for field, value in labels.summary.written(summary).items():
            values.document.setdefault(field, value)
        return
    placed = False
    for label, value in _PAIR.findall(line):
        spec = labels.document.get(_norm(label))
        if spec is not None:
            values.document.setdefault(spec.key + _SCALAR.get(spec.kind, ""), value)
            placed = True
        elif "单位" in label and "单位名称" not in values.document:
            values.document["单位名称"] = value
            placed = True
    if not placed:
        values.unplaced.append(f"表格之外的文字未导入：“{short(line)}”")


def _table(table: Table, labels: _Labels, scope: dict, values: LabelValues) -> None:
    rows, document = table.rows, values.document
    first = _norm(rows[0][0].text) if rows and rows[0] else ""
    if first in labels.indicators:
        return _indicators(rows, labels.indicators[first], scope, labels, values.unplaced)
    taken: set = set()
    grid: list | None = None  # (col, column key) of a money table printed as a grid, by its header row
    header: list = []  # (col, expression) of a row of labels whose values follow in the next rows
    table_rows: list | None = None
    money: tuple | None = None  # (金额表 field, unit) of the money table being read
    unlabelled = False  # the header row has no label column (项目总目标 | 年度总体目标, then a row of values)
    for index, row in enumerate(rows):
        fresh = [c for c in row if not c.continued]
        spec = _indicator_header(row, labels)
        if spec is not None:  # 一级指标 / 二级指标 … mid-table, under a label column or none
            return _indicators(rows[index:], spec, scope, labels, values.unplaced, index)
        if header and row and (row[0].continued or row[0].blank or unlabelled) and (not fresh or _norm(fresh[0].text) not in labels.fields):
            _by_header(row, header, scope, table_rows)
            continue
        header, table_rows, unlabelled = [], None, False
        if not fresh:
            continue
        block = _norm(fresh[0].text)
        merged = _norm(row[0].text)  # a money table's label merged down the rows of its cells
        if merged in labels.money:
            money = labels.money[merged], _unit(row[0].text, labels.money[merged])
        elif row[0].text.strip():
            money = None  # rows whose label cell is left blank continue the money table
        if money is not None:
            spec, unit = money
            cells = fresh[1:] if fresh[0] is row[0] else fresh
            grid = _grid_header(cells, spec, labels.form) or grid
            if grid is not None and not _grid_row(row, cells, spec, grid, scope, unit):
                continue
            if grid is None:
                _money_pairs(cells, spec, labels, scope, taken, unit)
            continue
        grid = None
        if block in labels.tables:
            spec = labels.tables[block]
            columns = {_norm(c.label): c.key for c in spec.columns} | {_norm(c.key): c.key for c in spec.columns}
            header = [(c.col, columns.get(_norm(c.text))) for c in fresh[1:]]
            table_rows = scope.setdefault(spec.key, [])
            continue
        named = [(c.col, labels.heading(_norm(c.text))) for c in fresh[1:] if c.text.strip()]
        if block not in labels.fields and named and all(found for _, found in named):
            header = [(col, found[0]) for col, found in named]
            continue
        headings = [(c.col, labels.heading(_norm(c.text))) for c in fresh if c.text.strip()]
        if len(headings) > 1 and all(found and found[1].kind == "段落" for _, found in headings):
            header, unlabelled = [(col, found[0]) for col, found in headings], True
            continue
        if not _pairs(fresh, labels, scope, document, values.unplaced) and any(c.text.strip() for c in fresh):
            values.unplaced.append(f"表格第 {index + 1} 行无法识别，未导入：{_preview([row])}")


def _indicator_header(row: list[Cell], labels: _Labels) -> fs.FieldSpec | None:
    """The indicator field a header row (一级指标 | 二级指标 | …) opens: the one its label cell names,
    else the form's only one."""
    keys = [_norm(c.text) for c in row]
    if next(iter(_LEVELS)) not in keys or not labels.indicators:
        return None
    named = labels.indicators.get(keys[0])
    specs = list({id(s): s for s in labels.indicators.values()}.values())
    return named if named is not None else specs[0] if len(specs) == 1 else None


def _pairs(cells: list[Cell], labels: _Labels, scope: dict, document: dict, unplaced: list) -> bool:
    """Whether any cell was placed."""
    i, placed = 0, False
    while i < len(cells):
        label = _norm(cells[i].text)
        value = cells[i + 1] if i + 1 < len(cells) else None
        found = labels.fields.get(label)
        spec_doc = labels.document.get(label)
        if found is not None and value is not None:
            path, spec = found
            expr = path + _SCALAR.get(spec.kind, "")
            if expr in scope:  # the label printed twice: the first is kept
                unplaced.append(f"“{cells[i].text.strip()}”重复出现，未导入：{short(value.text)}")
            scope.setdefault(expr, value.lines if spec.kind == "段落" else value.text.strip())
            i, placed = i + 2, True
        elif spec_doc is not None and value is not None:
            document.setdefault(spec_doc.key, value.lines if spec_doc.kind == "段落" else value.text.strip())
            i, placed = i + 2, True
        elif value is not None and labels.start and labels.end and _RANGE.match(value.text.strip()):
            start, end = _RANGE.match(value.text.strip()).groups()
            scope.setdefault(labels.start + ".中文", start)
            scope.setdefault(labels.end + ".中文", end)
            i, placed = i + 2, True
        else:
            i += 1
    return placed


def _preview(rows: list[list[Cell]]) -> str:
    return " / ".join(p for p in (row_preview(row) for row in rows[:2]) if p) or "（空表）"


def _unit(label: str, spec: fs.FieldSpec) -> str:
    """The unit a money table's amounts are read in: the one its printed label names (项目资金（万元）),
    else the table's declared 单位."""
    found = _UNIT_SUFFIX.search(label_key(label))
    return found[1] if found else "万元" if (spec.table.unit or "").startswith("万元") else "元"


def _money_pairs(cells: list[Cell], spec: fs.FieldSpec, labels: _Labels, scope: dict, taken: set, unit: str) -> None:
    table = spec.table
    for i in range(0, len(cells) - 1, 2):
        address = labels.money_cell(table, _norm(cells[i].text), taken)
        if address is None:
            continue
        taken.add(address)
        row, column = address.split("@")
        scope.setdefault(f"{spec.key}.{column}.{row}.{unit}", cells[i + 1].text.strip())


def _grid_header(cells: list[Cell], spec: fs.FieldSpec, form: fs.Form | None) -> list | None:
    """A row of a money table's column labels side by side (年初预算数 | 全年预算数 | 全年执行数): its
    columns by position, and (``=`` and what it holds) the columns 导入.网格列 / 核对 name; a row of
    (label, amount) pairs is none."""
    columns = {_norm(c.label): c.key for c in spec.table.columns} | {_norm(c.key): c.key for c in spec.table.columns}
    texts = [_norm(c.text) for c in cells if c.text.strip()]
    side_by_side = any(a in columns and b in columns for a, b in zip(texts, texts[1:]))  # not label, value pairs
    found = [(c.col, columns[_norm(c.text)]) for c in cells if _norm(c.text) in columns]
    extra = [(c.col, "=" + held) for c in cells if form and (held := grid_column(form, _norm(c.text)))]
    return found + extra if side_by_side else None


def _grid_row(row: list[Cell], cells: list[Cell], spec: fs.FieldSpec, grid: list, scope: dict, unit: str) -> bool:
    """A row of a grid: its row label, then its amounts under the columns' headings. False: a header."""
    table = spec.table
    if not cells or _grid_header(cells, spec, None) is not None:
        return False
    label = _norm(cells[0].text)
    key = next((r.key for r in table.rows if label in {_norm(r.label), _norm(r.key)} - {""}), None)
    if key is None:
        return False
    for col, column in grid:
        cell = next((c for c in row if c.covers(col) and not c.continued), None)
        if cell is not None and cell is not cells[0] and column.startswith("="):
            if key == table.total_row:  # 导入.网格列 / 核对: on the total row
                grid_value(scope, column[1:], cell.text)
        elif cell is not None and cell is not cells[0]:
            scope.setdefault(f"{spec.key}.{column}.{key}.{unit}", cell.text.strip())
    return True


def _by_header(row: list[Cell], header: list, scope: dict, table_rows: list | None) -> None:
    entry = {}
    used: set = set()  # a cell merged across several headings (项目总目标 over 年度总体目标) is the first's
    for col, expr in header:
        cell = next((c for c in row if c.covers(col) and not c.continued), None)
        if expr is not None and cell is not None and id(cell) in used and table_rows is None:
            scope.setdefault(expr, None)  # under the cell merged over it: written null (the other spans)
        if expr is None or cell is None or id(cell) in used:
            continue
        used.add(id(cell))
        if table_rows is None:
            scope.setdefault(expr, cell.lines)
        else:
            entry[expr] = cell.text.strip()
    if table_rows is not None and entry:
        table_rows.append(entry)


def _indicators(rows: list[list[Cell]], spec: fs.FieldSpec, scope: dict, labels: _Labels, unplaced: list,
                start: int = 0) -> None:
    """An indicator field's rows under its header; a row whose 一级 or 二级 the framework has not, that
    repeats an indicator or that holds none, reported."""
    framework = {name: {n for child in c.children for n in (child.key, child.label)}
                 for c in (spec.indicators.framework or labels.form.framework) for name in (c.key, c.label)}
    level1 = level2 = ""
    seen: set = set()
    columns = {_norm(c.label): c.key for c in spec.indicators.columns} | {c.key: c.key for c in spec.indicators.columns}
    header: list = []
    closing = _norm(labels.form.import_spec.get("总分", ""))
    entries = scope.setdefault(spec.key, [])
    for row in rows:
        cells = [c for c in row if c.col > 0] if row and _norm(row[0].text) == _norm(spec.label) else row
        if not header:
            for c in cells:
                key = _norm(c.text)
                header.append((c.col, _LEVELS.get(key) or columns.get(key)))
            if all(expr != "三级指标" for _, expr in header):  # the name column, however it is headed (指标内容)
                blank = next((n for n, (_, expr) in enumerate(header) if expr is None), None)
                if blank is not None:
                    header[blank] = (header[blank][0], "三级指标")
            continue
        if closing and row and _norm(row[0].text) == closing:  # 导入.总分: the computed total row
            closing_row(labels.form, scope, [c.text for c in row[1:] if not c.continued])
            continue
        entry = {}
        for col, expr in header:
            cell = next((c for c in cells if c.covers(col)), None)
            if expr is not None and cell is not None:  # a 一级/二级 label broken over lines is one name
                entry[expr] = re.sub(r"\s+", "", cell.text) if expr in list(_LEVELS)[:2] else cell.text.strip()
        number = start + rows.index(row) + 1
        if not entry.get("三级指标"):
            if any(c.text.strip() for c in cells if not c.continued):
                unplaced.append(f"表格第 {number} 行无法识别，未导入：{_preview([row])}")
            continue
        found = entry.get("一级指标") or level1
        found = found if found in framework or not framework else found + "指标" if found + "指标" in framework else None
        if found is None:
            unplaced.append(f"表格第 {number} 行：一级指标“{entry.get('一级指标') or level1}”不在指标框架中，"
                            f"该指标未导入：{_preview([row])}")
            continue
        level2 = _known(entry.get("二级指标") or (level2 if found == level1 else ""), framework.get(found))
        problem = (f"二级指标“{level2 or '（空）'}”不是“{found}”下的二级指标" if level2 is None else
                   f"指标“{found}/{level2}/{entry['三级指标']}”重复出现，后一行" if (found, level2, entry["三级指标"]) in seen else "")
        if problem:
            unplaced.append(f"表格第 {number} 行：{problem}，该指标未导入：{_preview([row])}")
            level2 = level2 or ""
            continue
        seen.add((found, level2, entry["三级指标"]))
        level1 = entry["一级指标"] = found
        entry["二级指标"] = level2
        entries.append(entry)


def _known(name: str, children: set | None) -> str | None:
    """A 二级 as the framework names it (数量 → 数量指标), None when the framework has it not."""
    if not children:
        return name
    return name if name in children else name + "指标" if name + "指标" in children else None
