"""Reading one field of a form definition (any kind, money tables and indicators included) into its
spec (builder.forms.formspec), every problem reported at its place (docs/forms.md)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from builder.forms import formspec as fs
from builder.forms.formmoney import parse_money_table
from builder.forms.formread import (
    COLUMN_KINDS, FIELD_KEYS, KINDS, CATEGORY_KEYS, Reader, join, plain,
)
from builder.model.schema import suggest
from builder.model.values import paragraphs
from builder.read.rawtree import Mapping, Node, Scalar, Sequence, describe

COST = "成本指标"  # a legacy framework's cost category (docs/forms.md, legacy files)


def _default(kind: str, node: Node | None):
    value = plain(node)
    if kind == "段落" and isinstance(value, str):
        return list(paragraphs(value))
    if kind == "数值" and isinstance(value, int):
        return Decimal(value)
    return value


def _alias(reader: Reader, node: Node | None, path: str) -> fs.Alias | None:
    if node is None:
        return None
    if isinstance(node, Scalar):
        return fs.Alias(reader.text(node, path))
    entries = reader.mapping(node, path, ("名", "写法", "空时", "说明", "明细"))
    if entries is None:
        return None
    get = lambda key: reader.text(entries[key].node, join(path, key)) if key in entries else ""  # noqa: E731
    parts = tuple((key, get(key)) for key in ("说明", "明细") if key in entries)
    return fs.Alias(get("名"), get("写法") or get("空时"), parts)


def parse_field(reader: Reader, key: str, node: Node, prefix: str, where: str, unit: str,
                column: bool = False) -> fs.FieldSpec | None:
    """``键: 类型`` or ``键: {类型: …}`` → FieldSpec; ``prefix`` is the source path above it,
    ``where`` the path in the definition (for messages)."""
    kinds = COLUMN_KINDS if column else KINDS
    if isinstance(node, Scalar):
        kind, entries, loc = reader.text(node, where), {}, node.loc
    else:
        entries = reader.mapping(node, where, FIELD_KEYS, f"字段类型（{'、'.join(kinds)}）或键值表")
        if entries is None:
            return None
        if "类型" not in entries:
            reader.error(node.loc, where, f"缺少“类型”（{'、'.join(kinds)}）")
            return None
        kind, loc = reader.text(entries["类型"].node, join(where, "类型")), entries["类型"].node.loc
    if kind not in kinds:
        hint = suggest(kind, kinds)
        more = f"，是否应为“{hint}”？" if hint else "。"
        reader.error(loc, where, f"未知的字段类型“{kind}”{more}（可用：{'、'.join(kinds)}）")
        return None
    node_of = lambda k: entries[k].node if k in entries else None  # noqa: E731
    text = lambda k, d="": reader.text(node_of(k), join(where, k), d)  # noqa: E731
    path = join(prefix, key)
    values = dict(
        key=key, kind=kind, label=text("标签", key), path=path, short=text("简称"),
        required=reader.flag(node_of("必填"), join(where, "必填")), doc=text("说明"),
        default=_default(kind, node_of("默认")), has_default="默认" in entries,
        alias=_alias(reader, node_of("别名"), join(where, "别名")),
        example=plain(node_of("示例")), has_example="示例" in entries, example_note=text("示例说明"),
        skeleton=reader.flag(node_of("骨架"), join(where, "骨架"), True),
        markdown=reader.flag(node_of("markdown"), join(where, "markdown")),
        minimum=reader.integer(node_of("最小"), join(where, "最小")),
        maximum=reader.integer(node_of("最大"), join(where, "最大")),
        items_name=text("明细名"), rule=text("规则"), print_as=text("印法"),
        from_target=reader.texts(node_of("来自申报"), join(where, "来自申报")),
    )
    if kind != fs.MONEY_TABLE:
        values["roles"] = reader.roles(node_of("角色"), join(where, "角色"))
    if "计算" in entries:
        values["compute"] = _compute(reader, entries["计算"].node, join(where, "计算"))
    if kind == "选项":
        if "可选" not in entries:
            reader.error(loc, where, "选项字段要写“可选”：可选的值的列表，如 [新增项目, 延续项目]")
            return None
        values["choices"] = reader.texts(entries["可选"].node, join(where, "可选"))
    if kind == fs.GROUP:
        values["fields"] = parse_fields(reader, node_of("字段"), path, join(where, "字段"), unit)
    if kind == fs.TABLE:
        if "列" not in entries:
            reader.error(loc, where, "表格字段要写“列”：各列的名称，如 [实施内容, 开始时间, 完成时间]")
            return None
        values["columns"] = _table_columns(reader, entries["列"].node, join(where, "列"), unit)
        if "合计" in entries:
            total = reader.mapping(entries["合计"].node, join(where, "合计"), ("标签",)) or {}
            values["total_label"] = reader.text(total["标签"].node, join(where, "合计.标签")) if "标签" in total \
                else "合计"
    if kind == fs.MONEY_TABLE:
        values["table"] = parse_money_table(reader, key, entries, where, text("单位", unit), values["label"])
        values["roles"] = frozenset()
        if values["table"] is None:
            return None
    if kind == fs.INDICATORS:
        values["indicators"] = _indicator_spec(reader, entries, where, unit)
    return fs.FieldSpec(**values)


def parse_fields(reader: Reader, node: Node | None, prefix: str, where: str, unit: str,
                 column: bool = False) -> tuple[fs.FieldSpec, ...]:
    if node is None:
        return ()
    entries = reader.mapping(node, where, None, "键值表：字段名: 类型")
    specs = []
    for key, entry in (entries or {}).items():
        spec = parse_field(reader, key, entry.node, prefix, join(where, key), unit, column)
        if spec is not None:
            specs.append(spec)
    return tuple(specs)


def _table_columns(reader: Reader, node: Node, where: str, unit: str) -> tuple[fs.FieldSpec, ...]:
    if isinstance(node, Sequence):  # today's list of names: every column is text
        names = reader.texts(node, where)
        if not names:
            reader.error(node.loc, where, "至少要有一列")
        return tuple(fs.FieldSpec(key=name, kind="文本", label=name, path=name) for name in names)
    return parse_fields(reader, node, "", where, unit, column=True)


def _compute(reader: Reader, node: Node, where: str) -> tuple | None:
    if isinstance(node, Scalar):
        name = reader.text(node, where)
        if name != "项目个数":
            reader.error(node.loc, where, f"未知的计算“{name}”（可用：项目个数，或 {{合计: 单元格路径}}）")
        return ("项目个数",)
    entries = reader.mapping(node, where, ("合计",))
    if not entries or "合计" not in entries:
        return None
    return ("合计", reader.text(entries["合计"].node, join(where, "合计")))


def parse_framework(reader: Reader, node: Node, where: str, legacy: bool = False) -> tuple[fs.Category, ...]:
    """指标体系: 一级 → [二级 …] (today's), or 一级 → {标签, 二级, 角色, 必有}."""
    entries = reader.mapping(node, where, None, "键值表：一级指标: [二级指标, …]")
    if not entries:
        if entries is not None:
            reader.error(node.loc, where, "应为键值表：一级指标: [二级指标, …]")
        return ()
    categories = []
    for key, entry in entries.items():
        path = join(where, key)
        label, roles, required, level2 = key, frozenset(), True, entry.node
        if isinstance(entry.node, Mapping):
            spec = reader.mapping(entry.node, path, CATEGORY_KEYS) or {}
            label = reader.text(spec["标签"].node, join(path, "标签"), key) if "标签" in spec else key
            roles = reader.roles(spec["角色"].node, join(path, "角色")) if "角色" in spec else frozenset()
            required = reader.flag(spec["必有"].node, join(path, "必有"), True) if "必有" in spec else True
            level2 = spec["二级"].node if "二级" in spec else None
            path = join(path, "二级")
        children = _level2(reader, level2, path, entry.node.loc)
        if legacy:  # today's name test: the category named 成本指标 holds the cost indicators
            children = tuple(dataclasses.replace(c, roles=c.roles | {"成本"}) if c.key == COST else c for c in children)
        if not children:
            continue
        if legacy and key == COST:
            roles = roles | {"成本"}
        categories.append(fs.Category(key, label, roles, required, children))
    return tuple(categories)


def _level2(reader: Reader, node: Node | None, where: str, loc) -> tuple[fs.Category, ...]:
    children = []
    if isinstance(node, Sequence):
        for name in reader.texts(node, where):
            children.append(fs.Category(name, name, frozenset(), True))
    elif isinstance(node, Mapping):
        for key, entry in node.entries.items():
            spec = reader.mapping(entry.node, join(where, key), ("标签", "角色")) \
                if not (isinstance(entry.node, Scalar) and entry.node.value is None) else {}
            spec = spec or {}
            label = reader.text(spec["标签"].node, join(where, f"{key}.标签"), key) if "标签" in spec else key
            roles = reader.roles(spec["角色"].node, join(where, f"{key}.角色")) if "角色" in spec else frozenset()
            children.append(fs.Category(key, label, roles, True))
    elif node is not None:
        reader.error(node.loc, where, f"应为二级指标的列表，这里写的是{describe(node)}")
        return ()
    if not children:
        reader.error(node.loc if node is not None else loc, where, "至少要有一个二级指标")
    elif len({c.key for c in children}) != len(children):
        reader.error(node.loc, where, "二级指标重复")
    return tuple(children)


def _indicator_spec(reader: Reader, entries: dict, where: str, unit: str) -> fs.IndicatorSpec:
    framework = parse_framework(reader, entries["体系"].node, join(where, "体系")) if "体系" in entries else ()
    columns = parse_fields(reader, entries["列"].node, "", join(where, "列"), unit, column=True) \
        if "列" in entries else ()
    shorthand = reader.text(entries["简写"].node, join(where, "简写")) if "简写" in entries else None
    if shorthand and shorthand not in {c.key for c in columns}:
        hint = suggest(shorthand, [c.key for c in columns])
        more = f"，是否应为“{hint}”？" if hint else ""
        reader.error(entries["简写"].node.loc, join(where, "简写"), f"“{shorthand}”不是本指标的列{more}")
    return fs.IndicatorSpec(framework=framework, shorthand=shorthand, columns=columns)
