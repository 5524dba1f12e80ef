"""The engine's part of the source schemas: the keys of document.yaml and of a project file that
belong to no form (文档类型, 年度, 单位名称, 项目顺序, 忽略 …), the budget item, and the converters of
an indicator tree. A form's fields are converted by what builder.forms.formschema makes of them.
"""

from __future__ import annotations

from builder.model import core as m
from builder.model.schema import (
    INVALID, Choice, Context, Field, IndicatorText, Integer, ListOf, Money, Nested, Record, Text, suggest,
)
from builder.read.rawtree import Mapping
from builder.read.markdown import FORMAT_KEY, FORMATS


# ---------------------------------------------------------------- schemas


class RawField(Field):
    """A value read on its own (the form definition): passed on as the located node."""

    def convert_value(self, node, ctx, path):
        return node


WAIVER = Record({
    "规则": Text(required=True, doc="要接受的发现的规则编号，如 IND-COST-UNIT"),
    "位置": Text(doc="字段路径（如 绩效指标.一级指标.二级指标.三级指标）或三级指标名称；不写则为整个文件"),
    "项目": Text(doc="只在 document.yaml 中：项目文件名（不含扩展名）或项目名称"),
    "原因": Text(required=True, doc="为什么接受这条发现（会随发现一起列出）"),
}, name="忽略项")
WAIVERS = ListOf(WAIVER, default=[], doc="接受的发现：每项写明规则、位置和原因（见 budgetdoc 规则 编号）")

# the keys of document.yaml that are the engine's, not a form's: before and after the form's 文档 fields
ENGINE_DOCUMENT_BEFORE = {
    "文档类型": Choice(m.DOCUMENT_KINDS, required=True, doc="、".join(m.DOCUMENT_KINDS)),
    "年度": Integer(minimum=2000, maximum=2100, required=True, doc="预算年度，如 2025"),
    "单位名称": Text(required=True, doc="预算单位全称，印在标题中"),
}
ENGINE_DOCUMENT_AFTER = {
    "项目顺序": ListOf(Text(required=True), doc="项目文件名（不含扩展名）的顺序；不写则按文件名排序"),
    "模板": Text(doc="自备的 Word 模板：相对于文档文件夹的路径，可在本仓库内任何位置（如 ../模板/佳县.docx，多个年度共用）"),
    "规则": Text(doc="检查规则集：内置的“默认”“上海-2025”，或相对于文档文件夹的规则集文件路径（见 budgetdoc 规则 编号）"),
    "忽略": WAIVERS,
    "表单": RawField(doc="本局表单的定义（扩展字段、指标体系、指标组），或表单定义文件的路径（见 docs/forms.md）"),
    FORMAT_KEY: Choice(FORMATS, doc="情况说明等文字的写法：纯文本（默认）或 markdown（列表、表格、脚注、粗体）"),
}

BUDGET_ITEM_FIELDS = {
    "名称": Text(required=True),
    "算式": Text(),
    "金额": Money(required=True),
    "说明": Text(default=""),
}
BUDGET_ITEM = Record(BUDGET_ITEM_FIELDS, name="预算明细")
BUDGET_ITEM.fields["明细"] = ListOf(BUDGET_ITEM, default=[])  # an item's own arithmetic


def _level_checks(framework: dict[str, tuple[str, ...]]):
    """The key checks of a 一级 and a 二级指标 against ``framework`` (the form's)."""

    def check_level1(key, entry, ctx: Context, path: str) -> bool:
        allowed = tuple(framework)
        if key in allowed:
            return True
        hint = suggest(key, allowed)
        more = f"，是否应为“{hint}”？" if hint else "。"
        ctx.error(entry.key_loc, path, f"未知的一级指标“{key}”{more}（可用：{'、'.join(allowed)}）", "IND-FRAMEWORK")
        return False

    def check_level2(key, entry, ctx: Context, path: str) -> bool:
        parent = path.rsplit(".", 2)[-2]
        allowed = framework.get(parent, ())
        if key in allowed:
            return True
        options = "、".join(allowed)
        owner = next((l1 for l1, l2s in framework.items() if key in l2s), None)
        if owner:
            message = f"“{key}”属于“{owner}”，不是“{parent}”下的二级指标（可用：{options}）"
        else:
            hint = suggest(key, allowed)
            more = f"，是否应为“{hint}”？" if hint else "。"
            message = f"未知的二级指标“{key}”{more}（“{parent}”下可用：{options}）"
        ctx.error(entry.key_loc, path, message, "IND-FRAMEWORK")
        return False

    return check_level1, check_level2


class IndicatorTree(Nested):
    """绩效指标: 一级指标 → 二级指标 → 三级指标 → value, checked against the framework."""

    def __init__(self, leaf, framework: dict[str, tuple[str, ...]], **kwargs):
        # an empty 一级 or 二级 group (``数量指标:`` with nothing under it) is an error, not "no indicators"
        self.framework = framework  # 一级 → its 二级: the form's (builder.forms.formschema)
        check_level1, check_level2 = _level_checks(self.framework)
        level2 = Nested(Nested(leaf, required=True), key_check=check_level2, required=True)
        super().__init__(value=level2, key_check=check_level1, **kwargs)
        self.leaf = leaf

    def type_schema(self, defs):
        leaf = self.leaf.json_schema(defs)
        return {
            "type": "object",
            "properties": {
                level1: {
                    "type": "object",
                    "properties": {
                        level2: {"type": "object", "additionalProperties": leaf, "description": "三级指标: 指标值"}
                        for level2 in level2s
                    },
                    "additionalProperties": False,
                }
                for level1, level2s in self.framework.items()
            },
            "additionalProperties": False,
            "description": "一级指标 → 二级指标 → 三级指标: 指标值",
        }

    def convert_value(self, node, ctx, path):
        converted = super().convert_value(node, ctx, path)
        if converted is INVALID:
            return INVALID
        rows = []
        for level1, (_, level2s) in converted.items():
            if level2s is INVALID:
                continue
            for level2, (_, names) in level2s.items():
                if names is INVALID:
                    continue
                for name, (loc, leaf) in names.items():
                    rows.append((level1, level2, name, loc, leaf))
        return rows


# the keys of a project file that are the engine's
TO_CONFIRM_KEY = "待确认"  # a draft value taken from another document, to confirm (FILL-IN)

ENGINE_PROJECT = {
    "忽略": WAIVERS,
    FORMAT_KEY: Choice(FORMATS, doc="本项目文字的写法：纯文本 或 markdown（不写则按 document.yaml）"),
    TO_CONFIRM_KEY: ListOf(Text(required=True), default=[],
                           doc="待确认：由 budgetdoc new 从别的文档（如运行监控的全年预计）取来的草稿值的字段路径；"
                               "核对后删去相应的一行（FILL-IN 逐项提示）"),
}

class IndicatorWithFields(Field):
    """A 申报 indicator of a form with indicator-level fields: its 指标值 alone, or
    ``{指标值: …, 备注: …}``. Converted to (IndicatorValue, {field: value})."""

    def __init__(self, specs, **kwargs):
        super().__init__(**kwargs)
        self.specs = specs
        self.value = IndicatorText(required=True)
        self.record = Record({"指标值": IndicatorText(required=True),
                              **{spec.name: spec.schema_field() for spec in specs}})

    def type_schema(self, defs):
        return {"anyOf": [self.value.json_schema(defs), self.record.json_schema(defs)]}

    def convert(self, node, ctx, path):
        if isinstance(node, Mapping):
            fields = self.record.convert(node, ctx, path)
            if fields is INVALID or not valid(fields):
                return INVALID
            return fields["指标值"], {spec.name: spec.finish(fields[spec.name]) for spec in self.specs}
        value = self.value.convert(node, ctx, path)
        if value is INVALID:
            return INVALID
        return value, {spec.name: spec.finish(None) for spec in self.specs}


def valid(*values) -> bool:
    """No INVALID anywhere in the values, however deeply nested."""
    for value in values:
        if value is INVALID:
            return False
        if isinstance(value, dict) and not valid(*value.values()):
            return False
        if isinstance(value, (list, tuple)) and not valid(*value):
            return False
    return True
