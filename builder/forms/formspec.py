"""A form as data: the frozen specs a form definition is read into, and the queries on them.

No I/O here: ``builder.forms.formdef`` reads a definition (the shipped ones in
``builder/forms/*.yaml`` and a bureau's alike) into these; the loader, the rules and the
renderers ask them what a field is called, which kind it has and which role it plays
(docs/forms.md). Nothing here names a field of a particular form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterator

from builder.forms.formkinds import (  # noqa: F401 — re-exported
    GROUP, MONEY_TABLE, INDICATORS, TABLE, BUDGET, BY_COLUMN, BY_ROW, COMPUTE, BLANK, CELLS, TEXTS,
)


@dataclass(frozen=True)
class Alias:
    """别名: the English template name of a field (only forms with 英文名: true print them)."""

    name: str
    style: str = ""  # 金额: "" (format_yuan) | "万元"; 段落: "空列表" | "一段" | "无"
    parts: tuple[tuple[str, str], ...] = ()  # 预算安排: (("说明", lead name), ("明细", items name))


@dataclass(frozen=True)
class MoneyRow:
    key: str
    label: str
    short: str = ""
    total: bool = False
    roles: frozenset = frozenset()
    alias: str = ""
    from_target: str = ""  # 来自申报: the 申报 role that fills this row's first column
    example: object = None


@dataclass(frozen=True)
class MoneyCell:
    address: str  # as written below the table: 列.行 (列下分行) or 行.列 (行为列表)
    row: str
    column: str
    label: str  # for messages
    xlsx_label: str
    diff_label: str
    alias: str  # "total" (列下分行) or "total.initial" (行为列表); "" when none
    example: object
    example_note: str
    is_total: bool
    roles: frozenset = frozenset()


@dataclass(frozen=True)
class MoneyColumn:
    key: str
    label: str
    short: str
    required: bool
    rows: tuple[str, ...]
    row_labels: dict
    row_aliases: dict
    total_rule: str
    alias: str
    extension: bool  # 接受扩展: a legacy form's 字段.项目资金 rows go here
    # a legacy form that leaves this column out (不用): its 合计 is that cell's (address)
    absent_total: str = ""
    row_examples: dict = field(default_factory=dict, compare=False)
    row_notes: dict = field(default_factory=dict, compare=False)
    row_roles: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Relation:
    left: str
    op: str
    right: str
    rule: str
    severity: str


@dataclass(frozen=True)
class MoneyTable:
    key: str
    label: str
    layout: str  # BY_COLUMN | BY_ROW
    unit: str
    rows: tuple[MoneyRow, ...]
    columns: tuple[MoneyColumn, ...]
    total_row: str | None
    when_blank: str  # COMPUTE | BLANK
    total_rule: str
    total_column: MoneyColumn | None
    relations: tuple[Relation, ...]
    roles: dict  # role → cell address (or {格: (addresses), 标签: label})
    parent_rule: str = ""  # 组成相加
    ratios: tuple = ()  # 比率列: (key, label, numerator column, denominator column): a computed percentage per row

    def row(self, key: str) -> MoneyRow | None:
        return next((r for r in self.rows if r.key == key), None)

    def column(self, key: str) -> MoneyColumn | None:
        return next((c for c in self.columns if c.key == key), None)

    def address(self, row: str, column: str) -> str:
        return f"{column}.{row}" if self.layout == BY_COLUMN else f"{row}.{column}"

    @cached_property
    def _every_cell(self) -> tuple[MoneyCell, ...]:
        return _cells(self)

    def cells(self) -> tuple[MoneyCell, ...]:
        """Every cell, in print order: column by column (列下分行) or row by row (行为列表)."""
        return self._every_cell

    def cell(self, address: str) -> MoneyCell | None:
        return next((c for c in self.cells() if c.address == address), None)

    def path(self, address: str) -> str:
        return f"{self.key}.{address}"

    def column_cells(self, column: str) -> tuple[MoneyCell, ...]:
        return tuple(c for c in self.cells() if c.column == column)

    def schema_field(self, required: bool, doc: str = ""):
        from builder.forms.formschema import money_table_schema

        return money_table_schema(self, required, doc)


def _cells(table: MoneyTable) -> tuple[MoneyCell, ...]:
    every_column: dict[str, list[str]] = {}
    for column in table.columns:
        for row in column.rows:
            every_column.setdefault(row, []).append(column.key)
    cells = []
    pairs = ([(c, r) for c in table.columns for r in c.rows] if table.layout == BY_COLUMN
             else [(c, r.key) for r in table.rows for c in table.columns if r.key in c.rows])
    for column, row in pairs:
        spec = table.row(row)
        row_label = column.row_labels.get(row) or (spec.label if spec else row)
        total = spec is not None and spec.total
        short = column.short or column.label
        if table.layout == BY_ROW:
            label = xlsx = f"{row_label}·{column.label}"
            diff = f"{row_label}/{column.label}"
        elif total:
            label = xlsx = diff = column.label
        elif len(every_column.get(row, ())) > 1:
            label, xlsx, diff = row_label, f"{row_label}({short})", f"{row_label}（{short}）"
        else:
            label = xlsx = diff = row_label
        row_alias = column.row_aliases.get(row) or (spec.alias if spec else "")
        alias = (f"{row_alias}.{column.alias}" if row_alias and column.alias else "") \
            if table.layout == BY_ROW else row_alias
        roles = (spec.roles if spec else frozenset()) | column.row_roles.get(row, frozenset())
        example = column.row_examples.get(row, spec.example if spec and table.layout == BY_COLUMN else None)
        cells.append(MoneyCell(address=table.address(row, column.key), row=row, column=column.key, label=label,
                               xlsx_label=xlsx, diff_label=diff, alias=alias, example=example,
                               example_note=column.row_notes.get(row, ""), is_total=total, roles=roles))
    return tuple(cells)


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    roles: frozenset
    required: bool
    children: tuple["Category", ...] = ()


@dataclass(frozen=True)
class IndicatorSpec:
    framework: tuple[Category, ...]
    shorthand: str | None
    columns: tuple["FieldSpec", ...]

    def column_with(self, role: str) -> "FieldSpec | None":
        return next((c for c in self.columns if role in c.roles), None)

    def column(self, key: str) -> "FieldSpec | None":
        return next((c for c in self.columns if c.key == key), None)


@dataclass(frozen=True)
class FieldSpec:
    key: str
    kind: str
    label: str
    path: str  # the dotted source path: "情况说明.项目概述"
    short: str = ""
    required: bool = False
    default: object = None
    doc: str = ""
    choices: tuple[str, ...] = ()
    columns: tuple["FieldSpec", ...] = ()
    fields: tuple["FieldSpec", ...] = ()
    roles: frozenset = frozenset()
    alias: Alias | None = None
    example: object = None
    example_note: str = ""
    skeleton: bool = True
    markdown: bool = False
    minimum: int | None = None
    maximum: int | None = None
    items_name: str = ""
    compute: tuple | None = None
    rule: str = ""
    table: MoneyTable | None = None
    indicators: IndicatorSpec | None = None
    total_label: str = ""
    print_as: str = ""
    from_target: tuple[str, ...] = ()  # 来自申报 (段落 of a 自评): roles of the 申报, first present wins
    has_example: bool = False  # 示例 was written (示例: null writes 键: null)
    has_default: bool = False

    @property
    def name(self) -> str:
        return self.key

    def schema_field(self):
        """The converter of this field (builder.model.schema), 必填/默认/说明 applied."""
        from builder.forms.formschema import field_schema

        return field_schema(self)

    def finish(self, converted):
        """The converted value as the model keeps it (MoneyValues, tuples, dicts without locations)."""
        from builder.forms.formvalues import finish

        return finish(self, converted)


@dataclass(frozen=True)
class Form:
    name: str
    kind: str
    unit: str
    english: bool
    skeleton_note: str
    framework: tuple[Category, ...]
    document_fields: tuple[FieldSpec, ...]
    project_fields: tuple[FieldSpec, ...]
    evaluation: "Form | None" = None
    import_spec: dict = field(default_factory=dict, compare=False)
    layout: tuple | None = field(default=None, compare=False)
    source: Path | None = None
    shipped: bool = False
    legacy: bool = False
    # legacy edits: the extension fields by level (today's Form.fields), and the 不用 keys
    extensions: dict = field(default_factory=dict, compare=False)
    unused: tuple[str, ...] = ()

    # ------------------------------------------------------------ queries

    def walk(self, level: str = "项目") -> Iterator[FieldSpec]:
        """Every field of a level (项目 or 文档), 分组 flattened after the group, in form order."""
        def walk(specs):
            for spec in specs:
                yield spec
                if spec.kind == GROUP:
                    yield from walk(spec.fields)
        yield from walk(self.document_fields if level == "文档" else self.project_fields)

    def field(self, path: str, level: str = "项目") -> FieldSpec | None:
        return next((s for s in self.walk(level) if s.path == path), None)

    def label(self, path: str) -> str:
        """The printed label of a field path, a money cell path or an indicator column (its key)."""
        spec = self.field(path) or self.field(path, "文档")
        if spec is not None:
            return spec.label
        for table_spec in self.money_tables():
            if path.startswith(table_spec.path + "."):
                address = path[len(table_spec.path) + 1:]
                cell = table_spec.table.cell(address)
                if cell is not None:
                    return cell.label
                column = table_spec.table.column(address)
                if column is not None:
                    return column.label
                row = table_spec.table.row(address)
                if row is not None:
                    return row.label
        for spec in self.indicator_fields():
            column = spec.indicators.column(path.rsplit(".", 1)[-1])
            if column is not None and (path == column.key or path.startswith(spec.path + ".")):
                return column.label
        return path.rsplit(".", 1)[-1]

    def has_role(self, role: str) -> bool:
        return self.role_path(role) is not None

    def role_path(self, role: str) -> str | None:
        """The source path of the field or money cell playing ``role`` ("计划开始日期", "项目资金.….合计")."""
        for level in ("项目", "文档"):
            for spec in self.walk(level):
                if role in spec.roles:
                    return spec.path
                if spec.table is not None:
                    target = spec.table.roles.get(role)
                    if isinstance(target, str):
                        return spec.table.path(target)
                    if isinstance(target, dict):
                        return spec.table.path(target[CELLS][0])
                    for cell in spec.table.cells():
                        if role in cell.roles:
                            return spec.table.path(cell.address)
        return None

    def role_cells(self, role: str) -> tuple[str, ...]:
        """The cell paths of a role over several cells (成本上限), or of a one-cell role."""
        for spec in self.money_tables():
            target = spec.table.roles.get(role)
            if isinstance(target, dict):
                return tuple(spec.table.path(a) for a in target[CELLS])
            if isinstance(target, str):
                return (spec.table.path(target),)
        return ()

    def role_label(self, role: str) -> str:
        for spec in self.money_tables():
            target = spec.table.roles.get(role)
            if isinstance(target, dict) and target.get("标签"):
                return target["标签"]
        paths = self.role_cells(role) or ((self.role_path(role),) if self.role_path(role) else ())
        return self.label(paths[0]) if paths else ""

    def fields_with(self, tag: str, level: str = "项目") -> tuple[FieldSpec, ...]:
        if tag == "markdown":
            return tuple(s for s in self.walk(level) if s.markdown)
        return tuple(s for s in self.walk(level) if tag in s.roles)

    def markdown_sections(self) -> dict[str, str]:
        """The headings a project's .md file may hold (``## 项目概述``) → the field path each fills:
        a field marked ``markdown``, or each text field of a 分组 marked ``markdown``."""
        sections: dict[str, str] = {}
        for spec in self.fields_with("markdown"):
            for one in (spec.fields if spec.kind == GROUP else (spec,)):
                if one.kind in (TEXTS, BUDGET):
                    sections.setdefault(one.key, one.path)
        return sections

    def money_tables(self) -> tuple[FieldSpec, ...]:
        return tuple(s for s in self.walk() if s.kind == MONEY_TABLE)

    def indicator_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(s for s in self.walk() if s.kind == INDICATORS)

    def categories(self, role: str) -> frozenset:
        """{(一级, 二级 or None)} of the categories with ``role``, in every indicator framework."""
        found = set()
        frameworks = [self.framework] + [s.indicators.framework for s in self.indicator_fields()]
        for framework in frameworks:
            for level1 in framework:
                if role in level1.roles:
                    found.add((level1.key, None))
                for level2 in level1.children:
                    if role in level2.roles:
                        found.add((level1.key, level2.key))
        return frozenset(found)

    # ------------------------------------------------------------ compat (today's Form)

    @property
    def framework_map(self) -> dict[str, tuple[str, ...]]:
        return {c.key: tuple(child.key for child in c.children) for c in self.framework}

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.indicator_fields())

    def level(self, name: str) -> tuple:
        return self.extensions.get(name, ())

    @property
    def is_default(self) -> bool:
        return self.shipped

    # ------------------------------------------------------------ schemas

    def document_schema(self):
        from builder.forms.formschema import document_schema

        return document_schema(self)

    def project_schema(self):
        from builder.forms.formschema import project_schema

        return project_schema(self)

    def json_schema(self, which: str) -> dict:
        from builder.forms.formschema import json_schema

        return json_schema(self, which)
