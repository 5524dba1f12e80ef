"""A small declarative schema for source files, in the manner of MkDocs' config options.

Every field kind converts one located raw node into a typed value and reports
what is wrong with it — in Chinese, with the field's path and the place in the
file — instead of raising. A ``Record`` reports unknown keys with the closest
valid key, and missing required keys, all at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from builder.read.errors import Location, Problems
from builder.read.rawtree import Mapping, Node, Scalar, Sequence, describe
from builder.model.values import (
    MAX_NUMBER, ValueProblem, find_xml_illegal, paragraphs, parse_indicator_value, parse_money,
)


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID = _Invalid()  # a value that was reported as wrong; never reaches the model


@dataclass
class Context:
    problems: Problems

    def error(self, loc: Location, path: str, message: str, rule: str = ""):
        self.problems.error(loc, path, message, rule)
        return INVALID


def join_path(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def suggest(key: str, choices) -> str | None:
    matches = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.5)
    return matches[0] if matches else None


def loc_of(node: Node) -> Location:
    return node.loc


class Field:
    """One value of a source file. ``required`` keys must be present and not null."""

    def __init__(self, required: bool = False, default: Any = None, doc: str = ""):
        self.required = required
        self.default = default
        self.doc = doc

    def json_schema(self, defs: dict | None = None) -> dict:
        """This field as JSON Schema, for editors (``budgetdoc schema``)."""
        schema = self.type_schema({} if defs is None else defs)
        if self.doc:
            schema["description"] = self.doc
        return schema

    def type_schema(self, defs) -> dict:
        return {}

    def convert(self, node: Node, ctx: Context, path: str) -> Any:
        if isinstance(node, Scalar) and node.value is None:
            if self.required:
                return ctx.error(node.loc, path, "不能为空")
            return self.default
        return self.convert_value(node, ctx, path)

    def convert_value(self, node: Node, ctx: Context, path: str) -> Any:  # pragma: no cover
        raise NotImplementedError

    def scalar(self, node: Node, ctx: Context, path: str, expected: str) -> Scalar | None:
        if isinstance(node, Scalar):
            return node
        ctx.error(node.loc, path, f"应为{expected}，这里写的是{describe(node)}")
        return None


class Text(Field):
    """One line or paragraph of text; numbers and dates are taken as written."""

    def type_schema(self, defs):
        return {"type": "string"}

    def convert_value(self, node, ctx, path):
        scalar = self.scalar(node, ctx, path, "文字")
        if scalar is None:
            return INVALID
        if isinstance(scalar.value, bool):
            return ctx.error(node.loc, path, f"应为文字，这里写的是{describe(node)}（如确是文字请加引号）")
        text = scalar.text if isinstance(scalar.value, (Decimal, dt.date)) else str(scalar.value)
        bad = find_xml_illegal(text)
        if bad:
            return ctx.error(node.loc, path, f"含有 Word 文档不能保存的控制字符 {bad}，请删除")
        text = text.strip()
        if self.required and not text:
            return ctx.error(node.loc, path, "不能为空")
        return text


class Paragraphs(Text):
    """A text of one or more paragraphs: one Word paragraph per non-empty line."""

    def convert_value(self, node, ctx, path):
        text = super().convert_value(node, ctx, path)
        return text if text is INVALID else paragraphs(text)


class Choice(Text):
    def __init__(self, choices: tuple[str, ...], **kwargs):
        super().__init__(**kwargs)
        self.choices = choices

    def type_schema(self, defs):
        return {"type": "string", "enum": list(self.choices)}

    def convert_value(self, node, ctx, path):
        text = super().convert_value(node, ctx, path)
        if text is INVALID or text in self.choices:
            return text
        hint = suggest(text, self.choices)
        options = "、".join(self.choices)
        more = f"，是否应为“{hint}”？" if hint else "。"
        return ctx.error(node.loc, path, f"“{text}”不是可用的值{more}（可用：{options}）")


class Money(Field):
    def type_schema(self, defs):
        return {"anyOf": [{"type": "number", "minimum": 0},
                          {"type": "string", "pattern": r"^\s*[0-9][0-9,，]*(\.[0-9]+)?\s*(万元|万|元)?\s*$"}],
                "description": "金额：元（250000、\"250,000.00\"）或万元（\"25万\"）"}

    def convert_value(self, node, ctx, path):
        scalar = self.scalar(node, ctx, path, "金额")
        if scalar is None:
            return INVALID
        try:
            return parse_money(scalar.value)
        except ValueProblem as exc:
            return ctx.error(node.loc, path, str(exc))


class Number(Field):
    """A score or weight (分值, 得分): a plain number."""

    def type_schema(self, defs):
        return {"type": "number", "minimum": 0}

    def convert_value(self, node, ctx, path):
        scalar = self.scalar(node, ctx, path, "数字")
        if scalar is None:
            return INVALID
        value = scalar.value
        if isinstance(value, str):
            try:
                value = Decimal(value.strip())
            except ArithmeticError:
                value = None
        if not isinstance(value, Decimal) or not value.is_finite():
            return ctx.error(node.loc, path, f"应为数字，这里写的是{describe(node)}")
        if value == 0:
            value = abs(value)  # -0 is 0
        if value < 0:
            return ctx.error(node.loc, path, f"不能为负数（{scalar.text}）")
        if value >= MAX_NUMBER:
            return ctx.error(node.loc, path, f"数值过大（{describe(node)}）")
        return value


class Integer(Field):
    def __init__(self, minimum: int | None = None, maximum: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.minimum, self.maximum = minimum, maximum

    def type_schema(self, defs):
        schema = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema

    def convert_value(self, node, ctx, path):
        scalar = self.scalar(node, ctx, path, "整数")
        if scalar is None:
            return INVALID
        value = scalar.value
        if isinstance(value, str) and value.strip().isdigit():
            value = Decimal(value.strip())
        if not isinstance(value, Decimal) or isinstance(value, bool) or not value.is_finite():
            return ctx.error(node.loc, path, f"应为整数，这里写的是{describe(node)}")
        if value.adjusted() > 18:  # checked before any conversion: int(1e999999999) would never finish
            return ctx.error(node.loc, path, f"数值过大（{describe(node)}），超出范围（应在 {self.minimum} 到 {self.maximum} 之间）")
        if value != value.to_integral():
            return ctx.error(node.loc, path, f"应为整数，这里写的是{describe(node)}")
        number = int(value)
        if self.minimum is not None and number < self.minimum or self.maximum is not None and number > self.maximum:
            return ctx.error(node.loc, path, f"{number} 超出范围（应在 {self.minimum} 到 {self.maximum} 之间）")
        return number


class Boolean(Field):
    def type_schema(self, defs):
        return {"type": "boolean"}

    def convert_value(self, node, ctx, path):
        scalar = self.scalar(node, ctx, path, "true 或 false")
        if scalar is None:
            return INVALID
        if isinstance(scalar.value, bool):
            return scalar.value
        text = str(scalar.value).strip()
        if text in ("是", "否"):
            return text == "是"
        return ctx.error(node.loc, path, f"应为 true 或 false，这里写的是{describe(node)}")


class Date(Field):
    def type_schema(self, defs):
        return {"type": "string", "format": "date", "description": "日期，如 2025-01-01"}

    def convert_value(self, node, ctx, path):
        scalar = self.scalar(node, ctx, path, "日期")
        if scalar is None:
            return INVALID
        if isinstance(scalar.value, dt.date):
            return scalar.value
        text = str(scalar.value).strip()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return ctx.error(node.loc, path, f"日期“{scalar.text}”无法识别（应写成 2025-01-01）")


class IndicatorText(Field):
    """A 指标值 / 实际完成值: parsed into comparator, number and unit, or kept as text."""

    def type_schema(self, defs):
        return {"type": ["string", "number"], "description": "如 ≥90(%)、=16(人)，或文字（匹配、及时）"}

    def convert_value(self, node, ctx, path):
        scalar = self.scalar(node, ctx, path, "指标值")
        if scalar is None:
            return INVALID
        if isinstance(scalar.value, bool):
            return ctx.error(node.loc, path, f"应为指标值，这里写的是{describe(node)}")
        value = scalar.value if isinstance(scalar.value, str) else scalar.text
        try:
            parsed = parse_indicator_value(value)
        except ValueProblem as exc:
            return ctx.error(node.loc, path, str(exc))
        bad = find_xml_illegal(parsed.text)
        if bad:
            return ctx.error(node.loc, path, f"含有 Word 文档不能保存的控制字符 {bad}，请删除")
        return parsed


class ListOf(Field):
    def __init__(self, item: Field, **kwargs):
        super().__init__(**kwargs)
        self.item = item

    def type_schema(self, defs):
        return {"type": "array", "items": self.item.json_schema(defs)}

    def convert_value(self, node, ctx, path):
        if not isinstance(node, Sequence):
            return ctx.error(node.loc, path, f"应为列表（每项一行，以“- ”开头，或写成 [a, b]），这里写的是{describe(node)}")
        values = [self.item.convert(item, ctx, f"{path}[{i}]") for i, item in enumerate(node.items, start=1)]
        return INVALID if any(v is INVALID for v in values) else values


class Row(Field):
    """A fixed-length row of cells, e.g. [年初预算数, 全年预算数, 全年执行数]."""

    def __init__(self, cell: Field, names: tuple[str, ...], **kwargs):
        super().__init__(**kwargs)
        self.cell, self.names = cell, names

    def type_schema(self, defs):
        cell = self.cell.json_schema(defs)
        cell = {"anyOf": [cell, {"type": "null"}]}
        return {"type": "array", "prefixItems": [dict(cell, title=n) for n in self.names], "items": False,
                "minItems": len(self.names), "maxItems": len(self.names),
                "description": "[" + ", ".join(self.names) + "]；null 为空白格"}

    def convert_value(self, node, ctx, path):
        if not isinstance(node, Sequence):
            return ctx.error(node.loc, path, f"应为 {len(self.names)} 个值的列表 [{', '.join(self.names)}]，这里写的是{describe(node)}")
        if len(node.items) != len(self.names):
            return ctx.error(
                node.loc, path,
                f"应有 {len(self.names)} 个值（{'、'.join(self.names)}），这里有 {len(node.items)} 个",
            )
        values = [self.cell.convert(item, ctx, f"{path}.{name}") for item, name in zip(node.items, self.names)]
        return INVALID if any(v is INVALID for v in values) else tuple(values)


class Record(Field):
    """A mapping with known keys; returns a dict of converted values (and ``_locs``)."""

    def __init__(self, fields: dict[str, Field], name: str = "", **kwargs):
        super().__init__(**kwargs)
        self.fields = fields
        self.name = name  # a named record is a JSON Schema definition (it may contain itself)

    def type_schema(self, defs):
        if self.name:
            if self.name not in defs:
                defs[self.name] = {}
                defs[self.name] = self.object_schema(defs)
            return {"$ref": f"#/$defs/{self.name}"}
        return self.object_schema(defs)

    def object_schema(self, defs):
        return {
            "type": "object",
            "properties": {key: _property(key, spec, defs) for key, spec in self.fields.items()},
            "required": [key for key, spec in self.fields.items() if spec.required],
            "additionalProperties": False,
        }

    def convert_value(self, node, ctx, path):
        if not isinstance(node, Mapping):
            return ctx.error(node.loc, path, f"应为键值表（下一行缩进写“键: 值”），这里写的是{describe(node)}")
        result: dict[str, Any] = {"_locs": {"": node.loc}}
        misspelt = {}  # key a typo was taken for → the typo's entry: not reported again as missing
        for key, entry in node.entries.items():
            field_path = join_path(path, key)
            spec = self.fields.get(key)
            if spec is None:
                hint = suggest(key, [k for k in self.fields if k not in node.entries])
                more = f"，是否应为“{hint}”？" if hint else f"（可用：{'、'.join(self.fields)}）"
                if hint and hint not in misspelt:
                    misspelt[hint] = entry
                ctx.error(entry.key_loc, field_path, f"未知的键“{key}”{more}")
                continue
            result["_locs"][key] = entry.node.loc
            result[key] = spec.convert(entry.node, ctx, field_path)
        for key, entry in misspelt.items():
            # the typo's value is read as the key it was meant to be, so that the rest of the file is
            # still checked (the unknown key is an error all the same, and stops the build)
            result["_locs"][key] = entry.node.loc
            result[key] = self.fields[key].convert(entry.node, ctx, join_path(path, key))
        for key, spec in self.fields.items():
            if key in result:
                continue
            if spec.required:
                if key not in misspelt:
                    ctx.error(node.loc, join_path(path, key), f"缺少必填项“{key}”")
                result[key] = INVALID
            else:
                result[key] = spec.default
        return result


def _property(key: str, spec: Field, defs: dict) -> dict:
    schema = spec.json_schema(defs)
    if not spec.required:  # an optional key may be written as null (~)
        schema = {"anyOf": [schema, {"type": "null"}], **({"description": spec.doc} if spec.doc else {})}
    return dict(schema, title=key)


class Either(Field):
    """Text, or a structured record when the user writes a mapping."""

    def __init__(self, text: Field, record: Record, **kwargs):
        super().__init__(**kwargs)
        self.text, self.record = text, record

    def type_schema(self, defs):
        return {"anyOf": [self.text.json_schema(defs), self.record.json_schema(defs)]}

    def convert_value(self, node, ctx, path):
        if isinstance(node, Mapping):
            return self.record.convert(node, ctx, path)
        return self.text.convert(node, ctx, path)


class Nested(Field):
    """Mappings with user-chosen keys (三级指标 names) checked by ``key_check``."""

    def __init__(self, value: Field, key_check: Callable | None = None, **kwargs):
        super().__init__(**kwargs)
        self.value, self.key_check = value, key_check

    def type_schema(self, defs):
        return {"type": "object", "additionalProperties": self.value.json_schema(defs)}

    def convert_value(self, node, ctx, path):
        if not isinstance(node, Mapping):
            return ctx.error(node.loc, path, f"应为键值表，这里写的是{describe(node)}")
        result = {}
        for key, entry in node.entries.items():
            field_path = join_path(path, key)
            if self.key_check and not self.key_check(key, entry, ctx, field_path):
                continue
            bad = find_xml_illegal(key)
            if bad:
                ctx.error(entry.key_loc, field_path, f"名称含有 Word 文档不能保存的控制字符 {bad}，请删除")
                continue
            result[key] = (entry.key_loc, self.value.convert(entry.node, ctx, field_path))
        return result
