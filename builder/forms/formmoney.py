"""Reading a 金额表 of a form definition: rows, columns, 合计, relations and cell roles (docs/forms.md)."""

from __future__ import annotations

import dataclasses

from builder.forms import formspec as fs
from builder.forms.formread import (
    CELL_KEYS, COLUMN_KEYS, OPS, ROW_KEYS, Reader, join, plain,
)
from builder.model.schema import suggest
from builder.read.rawtree import Mapping, Scalar, Sequence

TOTAL_KEYS = ("不写时", "规则")
TOTAL_COLUMN_KEYS = ("键", "标签", "不写时", "规则")
RELATION_KEYS = ("左", "比较", "右", "规则", "级别")
RATIO_KEYS = ("标签", "分子", "分母")
DEFAULT_RULE = "MONEY-TOTAL"


def parse_money_table(reader: Reader, key: str, entries: dict, where: str, unit: str,
                      label: str) -> fs.MoneyTable | None:
    get = lambda k: entries[k].node if k in entries else None  # noqa: E731
    layout = reader.text(get("写法"), join(where, "写法"), fs.BY_COLUMN)
    if layout not in (fs.BY_COLUMN, fs.BY_ROW):
        reader.error(get("写法").loc, join(where, "写法"), f"“{layout}”不是金额表的写法（可用：{fs.BY_COLUMN}、{fs.BY_ROW}）")
        return None
    rows = _rows(reader, get("行"), join(where, "行"))
    total_spec = reader.mapping(get("合计"), join(where, "合计"), TOTAL_KEYS) if get("合计") is not None else {}
    total_spec = total_spec or {}
    when_blank = reader.text(total_spec["不写时"].node, join(where, "合计.不写时"), fs.COMPUTE) \
        if "不写时" in total_spec else fs.COMPUTE
    if when_blank not in (fs.COMPUTE, fs.BLANK):
        reader.error(total_spec["不写时"].node.loc, join(where, "合计.不写时"),
                     f"“{when_blank}”不可用（可用：{fs.COMPUTE}、{fs.BLANK}）")
    total_rule = reader.text(total_spec["规则"].node, join(where, "合计.规则"), DEFAULT_RULE) \
        if "规则" in total_spec else DEFAULT_RULE
    if get("列") is None:
        reader.error(entries["类型"].node.loc, where, "金额表要写“列”：各列及其行")
        return None
    found = _columns(reader, get("列"), join(where, "列"), rows, total_rule)
    if found is None:
        return None
    columns, extra_rows = found
    rows = rows + tuple(fs.MoneyRow(key=name, label=name) for name in extra_rows)
    totals = [r.key for r in rows if r.total]
    if len(totals) > 1:
        reader.error(get("行").loc, join(where, "行"), f"只能有一行是合计（这里有：{'、'.join(totals)}）")
    total_column = None
    if get("合计列") is not None:
        spec = reader.mapping(get("合计列"), join(where, "合计列"), TOTAL_COLUMN_KEYS) or {}
        text = lambda k, d="": reader.text(spec[k].node, join(where, f"合计列.{k}"), d) if k in spec else d  # noqa: E731
        column_key = text("键", "合计")
        total_column = fs.MoneyColumn(key=column_key, label=text("标签", column_key), short="", required=False,
                                      rows=tuple(r.key for r in rows), row_labels={}, row_aliases={},
                                      total_rule=text("规则", total_rule), alias="", extension=False)
    table = fs.MoneyTable(
        key=key, label=label, layout=layout, unit=unit, rows=rows, columns=columns,
        total_row=totals[0] if totals else None, when_blank=when_blank, total_rule=total_rule,
        total_column=total_column, relations=(), roles={},
        parent_rule=reader.text(get("组成相加"), join(where, "组成相加")),
        ratios=_ratios(reader, get("比率列"), join(where, "比率列"), [c.key for c in columns]),
    )
    addresses = [c.address for c in table.cells()]
    relations = _relations(reader, get("关系"), join(where, "关系"), addresses)
    roles = _roles(reader, get("角色"), join(where, "角色"), addresses)
    return dataclasses.replace(table, relations=relations, roles=roles)


def _rows(reader: Reader, node, where: str) -> tuple[fs.MoneyRow, ...]:
    if node is None:
        return ()
    entries = reader.mapping(node, where, None) or {}
    rows = []
    for key, entry in entries.items():
        spec = _spec(reader, entry.node, join(where, key), ROW_KEYS)
        text = lambda k: reader.text(spec[k].node, join(where, f"{key}.{k}")) if k in spec else ""  # noqa: E731
        rows.append(fs.MoneyRow(
            key=key, label=text("标签") or key, short=text("简称"),
            total=reader.flag(spec["合计"].node, join(where, f"{key}.合计")) if "合计" in spec else False,
            roles=reader.roles(spec["角色"].node, join(where, f"{key}.角色")) if "角色" in spec else frozenset(),
            alias=text("别名"), from_target=text("来自申报"),
            example=plain(spec["示例"].node) if "示例" in spec else None,
        ))
    return tuple(rows)


def _spec(reader: Reader, node, where: str, keys) -> dict:
    if node is None or (not isinstance(node, (Mapping, Sequence)) and node.value is None):
        return {}
    return reader.mapping(node, where, keys) or {}


def _columns(reader: Reader, node, where: str, rows: tuple, total_rule: str):
    entries = reader.mapping(node, where, None)
    if entries is None:
        return None
    declared = {r.key for r in rows}
    extra_rows = []
    columns = []
    for key, entry in entries.items():
        path = join(where, key)
        spec = _spec(reader, entry.node, path, COLUMN_KEYS)
        text = lambda k, d="": reader.text(spec[k].node, join(path, k), d) if k in spec else d  # noqa: E731
        labels, aliases, examples, notes, roles = {}, {}, {}, {}, {}
        if "行" in spec:
            row_node = spec["行"].node
            if isinstance(row_node, Sequence):
                names = reader.texts(row_node, join(path, "行"))
            else:
                names = []
                for row, row_entry in (reader.mapping(row_node, join(path, "行"), None) or {}).items():
                    names.append(row)
                    cell = _spec(reader, row_entry.node, join(path, f"行.{row}"), CELL_KEYS)
                    at = lambda k: join(path, f"行.{row}.{k}")  # noqa: E731
                    if "标签" in cell:
                        labels[row] = reader.text(cell["标签"].node, at("标签"))
                    if "别名" in cell:
                        aliases[row] = reader.text(cell["别名"].node, at("别名"))
                    if "示例" in cell:
                        examples[row] = plain(cell["示例"].node)
                    if "示例说明" in cell:
                        notes[row] = reader.text(cell["示例说明"].node, at("示例说明"))
                    if "角色" in cell:
                        roles[row] = reader.roles(cell["角色"].node, at("角色"))
            for name in names:
                if name not in declared and name not in extra_rows:
                    extra_rows.append(name)
            names = tuple(names)
        else:
            names = tuple(r.key for r in rows)
        columns.append(fs.MoneyColumn(
            key=key, label=text("标签", key), short=text("简称"),
            required=reader.flag(spec["必填"].node, join(path, "必填")) if "必填" in spec else False,
            rows=names, row_labels=labels, row_aliases=aliases, total_rule=text("合计规则", total_rule),
            alias=text("别名"),
            extension=reader.flag(spec["接受扩展"].node, join(path, "接受扩展")) if "接受扩展" in spec else False,
            row_examples=examples, row_notes=notes, row_roles=roles,
        ))
    return tuple(columns), extra_rows


def _address(reader: Reader, node, where: str, addresses: list[str]) -> str | None:
    address = reader.text(node, where)
    if address in addresses:
        return address
    hint = suggest(address, addresses)
    more = f"，是否应为“{hint}”？" if hint else ""
    reader.error(node.loc, where, f"“{address}”不是本表的单元格{more}（可用：{'、'.join(addresses)}）")
    return None


def _relations(reader: Reader, node, where: str, addresses: list[str]) -> tuple[fs.Relation, ...]:
    if node is None:
        return ()
    if not isinstance(node, Sequence):
        reader.error(node.loc, where, "应为列表：每项 {左, 比较, 右, 规则}")
        return ()
    relations = []
    for i, item in enumerate(node.items, start=1):
        path = f"{where}[{i}]"
        spec = reader.mapping(item, path, RELATION_KEYS) or {}
        missing = [k for k in ("左", "比较", "右") if k not in spec]
        if missing:
            reader.error(item.loc, path, f"缺少“{'、'.join(missing)}”")
            continue
        left = _address(reader, spec["左"].node, join(path, "左"), addresses)
        right = _address(reader, spec["右"].node, join(path, "右"), addresses)
        op = reader.text(spec["比较"].node, join(path, "比较"))
        if op not in OPS:
            reader.error(spec["比较"].node.loc, join(path, "比较"), f"“{op}”不是比较符（可用：{' '.join(OPS)}）")
            continue
        text = lambda k, d: reader.text(spec[k].node, join(path, k), d) if k in spec else d  # noqa: E731
        if left and right:
            relations.append(fs.Relation(left, op, right, text("规则", "MONEY-RELATION"), text("级别", "错误")))
    return tuple(relations)


def _roles(reader: Reader, node, where: str, addresses: list[str]) -> dict:
    if node is None:
        return {}
    entries = reader.mapping(node, where, None, "键值表：角色: 单元格") or {}
    roles = {}
    for role, entry in entries.items():
        path = join(where, role)
        reader.roles(Scalar(role, entry.key_loc), path)
        if isinstance(entry.node, Mapping):
            spec = reader.mapping(entry.node, path, (fs.CELLS, "标签")) or {}
            if fs.CELLS not in spec:
                reader.error(entry.node.loc, path, f"缺少“{fs.CELLS}”：单元格的列表")
                continue
            cells = spec[fs.CELLS].node
            items = cells.items if isinstance(cells, Sequence) else [cells]
            found = tuple(a for i, c in enumerate(items, start=1)
                          if (a := _address(reader, c, f"{path}.{fs.CELLS}[{i}]", addresses)))
            label = reader.text(spec["标签"].node, join(path, "标签")) if "标签" in spec else ""
            roles[role] = {fs.CELLS: found, "标签": label}
        else:
            address = _address(reader, entry.node, path, addresses)
            if address:
                roles[role] = address
    return roles


def _ratios(reader: Reader, node, where: str, columns: list[str]) -> tuple:
    """比率列: {键: {分子: 列, 分母: 列, 标签}}: each row's 分子 / 分母 as a percentage (two decimals,
    四舍五入), computed, never written (执行率 = 执行数 / 年初预算数)."""
    if node is None:
        return ()
    ratios = []
    for key, entry in (reader.mapping(node, where, None) or {}).items():
        path = join(where, key)
        spec = reader.mapping(entry.node, path, RATIO_KEYS) or {}
        found = []
        for part in ("分子", "分母"):
            name = reader.text(spec[part].node, join(path, part)) if part in spec else ""
            if name not in columns:
                hint = suggest(name, columns) if name else None
                more = f"，是否应为“{hint}”？" if hint else f"（可用：{'、'.join(columns)}）"
                reader.error((spec[part].node if part in spec else entry.node).loc, join(path, part),
                             f"“{name}”不是本表的列{more}" if name else f"缺少“{part}”：本表的一列{more}")
            found.append(name)
        label = reader.text(spec["标签"].node, join(path, "标签")) if "标签" in spec else key
        if all(n in columns for n in found):
            ratios.append((key, label, found[0], found[1]))
    return tuple(ratios)
