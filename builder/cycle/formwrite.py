"""Values read back from a document (by its template or by its form's labels) → source files: each
printed text read by its field's kind (金额 in its table's unit, 日期, 选项's tick, a 表格's rows, an
indicator field's rows as 一级 → 二级 → 三级), in the form's keys and order.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from builder.forms import formspec as fs
from builder.cycle.importread import parse_date, parse_money_cell
from builder.model.values import TEN_THOUSAND


_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


def _date(text: str):
    found = _CN_DATE.match(text.strip())
    if found:
        return dt.date(*map(int, found.groups()))
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return parse_date(text) or text  # 2025/3/1, 2025.12.31 as the shipped reader reads them


def _money(text: str, unit: str):
    """A printed amount in the table's unit, read by the one money-cell parser; text that is no
    amount is written as it is, so checking the import names its cell (应为金额), never a traceback."""
    from builder.cycle.writer import money_in
    from builder.model.values import ValueProblem

    try:
        amount = parse_money_cell(text, TEN_THOUSAND if unit.startswith("万元") else Decimal(1))
    except ValueProblem:
        return text.strip()
    return None if amount is None else money_in(amount, unit)  # in the unit the form prints


def _choice(text: str) -> str | None:
    found = re.search(r"(\S+)\s*☑", text)
    return found.group(1) if found else None


def convert(expr: str, value):
    """A context expression and its printed text → (source path, source value)."""
    parts = expr.split(".")
    last = parts[-1]
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return expr, value
    if last in ("万元", "万元4位", "元") and len(parts) > 1:
        return ".".join(parts[:-1]), _money(value, last)
    if last in ("中文", "文字") and len(parts) > 1:
        return ".".join(parts[:-1]), _date(value)
    if last == "选框":
        return ".".join(parts[:-1]), _choice(value)
    if last == "值" and len(parts) > 1:  # a 选项's value printed as it is
        return ".".join(parts[:-1]), value or None
    if last in ("原文", "规范") and len(parts) > 1:
        return ".".join(parts[:-1]), value
    return expr, value


def set_path(tree, path: str, value) -> None:
    from ruamel.yaml.comments import CommentedMap

    keys = path.split(".")
    for key in keys[:-1]:
        tree = tree.setdefault(key, CommentedMap())
    tree[keys[-1]] = value


_DATE_PARTS = ("年", "月", "日")


def joined_dates(scope: dict) -> dict:
    """``X.年``, ``X.月`` (``X.日``) printed apart: one date ``X`` (the 1st when no day is printed)."""
    parts: dict = {}
    for expr in list(scope):
        head, _, last = expr.rpartition(".")
        if last in _DATE_PARTS and head:
            parts.setdefault(head, {})[last] = str(scope[expr]).strip()
    for head, found in parts.items():
        if {"年", "月"} <= set(found) and all(v.isdigit() for v in found.values()):
            try:
                date = dt.date(int(found["年"]), int(found["月"]), int(found.get("日", 1)))
            except ValueError:
                continue
            for last in found:
                scope.pop(f"{head}.{last}")
            scope.setdefault(head, date)
        elif any(f"{head}.{whole}" in scope for whole in ("中文", "文字")):  # a part of a date printed whole too
            for last in found:
                scope.pop(f"{head}.{last}")
    return scope


def _rows(rows: list[dict], spec) -> list:
    """A 表格's printed rows as source rows: its declared columns only, each cell read by its kind."""
    from ruamel.yaml.comments import CommentedMap

    columns = {column.key for column in spec.columns} if spec is not None and spec.columns else None
    result = []
    for row in rows:
        cells = CommentedMap()
        for expr, value in joined_dates(dict(row)).items():
            key, converted = convert(expr, value)
            if (columns is None and key != "序号") or (columns is not None and key in columns):
                cells[key] = converted
        result.append(cells)
    return result


def project_yaml(scope: dict, form, order: list[str]):
    from ruamel.yaml.comments import CommentedMap

    from builder.cycle.writer import text_block

    data = CommentedMap()
    groups = {spec.key for spec in form.indicator_fields()}
    declared = {spec.key for spec in form.project_fields}
    for expr, value in joined_dates(dict(scope)).items():
        if expr == "?":
            continue
        path, converted = convert(expr, value)
        top = path.split(".")[0]
        if top in groups or top not in declared:  # derived names (序号, 跨年度 …) and totals are computed
            continue
        if converted is None and _null(form, path):
            set_path(data, path, None)
            continue
        if converted is None or converted == [] or converted == "":
            continue
        spec = form.field(path)
        converted = _number(spec, converted)
        if spec is not None and spec.has_default and not spec.skeleton and converted == list(spec.default):
            continue  # the field's default (七、绩效目标 详见…): not written
        if isinstance(converted, list) and converted and isinstance(converted[0], dict):
            converted = _rows(converted, form.field(path))
        elif isinstance(converted, list):
            converted = text_block(converted)
        set_path(data, path, converted)
    _by_row(data, form)
    for spec in form.indicator_fields():
        data[spec.key] = _indicator_tree(scope.get(spec.key, []), spec.indicators,
                                       spec.indicators.framework or form.framework)
    return in_order(data, order)


def in_order(data, order: list[str]):
    """The project's keys in the form's order (those it does not name after them)."""
    from ruamel.yaml.comments import CommentedMap

    ordered = CommentedMap()
    for key in order:
        if key in data:
            ordered[key] = data.pop(key)
    ordered.update(data)
    return ordered


def _null(form, path: str) -> bool:
    """Whether a value read as nothing is written ``null``: a 段落 printed under another's cell merged over
    it (年度总体目标 under 项目总目标), a money cell left blank — not a table's total (computed)."""
    spec = form.field(path)
    if spec is not None:
        return spec.kind == "段落"
    table = next((t for t in form.money_tables() if path.startswith(t.path + ".")), None)
    return table is not None and path.rsplit(".", 1)[-1] != table.table.total_row


def _by_row(data, form) -> None:
    """A 行为列表 money table as its source writes it: each row a list of its cells in column order
    (``合计: [178.60, 165.00, 178.60]``), not the mapping the printed addresses (行.列) make."""
    from builder.cycle.writer import flow

    for spec in form.walk():
        if spec.kind != fs.MONEY_TABLE or spec.table is None or spec.table.layout != fs.BY_ROW:
            continue
        node = data
        for key in spec.path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        if node and set(node) <= {c.key for c in spec.table.columns}:  # a grid read as 列.行: as rows
            by_column = {c: dict(node.pop(c)) for c in list(node)}
            node.update({r.key: {c: cells.get(r.key) for c, cells in by_column.items()} for r in spec.table.rows})
        for row, cells in list(node.items()):
            if isinstance(cells, dict):
                node[row] = flow([cells.get(column.key) for column in spec.table.columns])


def _number(spec, value):
    """A 数值/整数 field's or column's printed text as a number (分值 50, not the text '50'); text that is
    no number is written as it is, so checking the import names its cell."""
    from builder.cycle.importread import parse_number
    from builder.cycle.writer import score
    from builder.model.values import ValueProblem

    if spec is None or spec.kind not in ("数值", "整数") or not isinstance(value, str) or not value.strip():
        return value
    try:
        number = parse_number(value)
    except ValueProblem:
        return value.strip()
    return value if number is None else score(number)


def _category_key(categories, printed: str) -> str:
    """A 一级/二级 as the source writes it: the key of the category whose 标签 (or key) was printed."""
    return next((c.key for c in categories if printed in (c.label, c.key)), printed)


def _printed(row: dict, key: str):
    """An indicator column's printed text: an 指标值 by its 原文 (or 规范), a 勾选 column by its 文 (its
    框 follows from it; the two printed side by side are split apart here), any other as printed."""
    if f"{key}.框" in row or f"{key}.文" in row:
        return (str(row.get(f"{key}.框") or "") + str(row.get(f"{key}.文") or "")).lstrip("☑□ ")
    return next((row[f"{key}.{part}"] for part in ("原文", "规范") if row.get(f"{key}.{part}")), row.get(key, ""))


def _indicator_tree(rows: list[dict], columns, framework=()):
    """An indicator field's source from its printed rows: 一级 → 二级 → 三级 → the target value (the
    简写) or a mapping of the columns written; a blank 一级/二级 cell continues the one above; a
    category printed by its 标签 is written by its key."""
    from ruamel.yaml.comments import CommentedMap

    target = columns.column_with("目标值") or (columns.columns[0] if columns.columns else None)
    tree = CommentedMap()
    level1 = level2 = ""
    for row in rows:
        level1 = _category_key(framework, row.get("一级键") or row.get("一级指标") or level1)
        children = next((c.children for c in framework if c.key == level1), ())
        level2 = _category_key(children, row.get("二级键") or row.get("二级指标") or level2)
        value = _printed(row, target.key) if target is not None else ""
        extras = {c.key: _number(c, _printed(row, c.key)) for c in columns.columns if c is not target}
        leaf = value
        if any(extras.values()) or not columns.shorthand:
            leaf = CommentedMap([(target.key, value)] + [(k, v) for k, v in extras.items() if v])
        tree.setdefault(level1, CommentedMap()).setdefault(level2, CommentedMap())[row.get("三级指标", "")] = leaf
    return tree
