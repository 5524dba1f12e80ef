"""Today's built-in source schemas (before issue 22), kept as the reference the form engine's schemas
(builder.forms.formschema, made from the shipped forms) are tested against: the same values and the
same located messages for every shipped project. Not used by the package."""

from __future__ import annotations

from decimal import Decimal

from builder.model import core as m
from builder.model.schema import (
    INVALID, Boolean, Choice, Date, Either, Field, IndicatorText, Integer, ListOf, Money, Number, Paragraphs,
    Record, Row, Text,
)
from builder.read.markdown import FORMAT_KEY, FORMATS
from builder.model.sourceschema import IndicatorTree as _Tree, IndicatorWithFields  # noqa: F401

# today's built-in framework (the shipped forms' 指标体系)
FRAMEWORK: dict[str, tuple[str, ...]] = {
    "成本指标": ("经济成本指标", "社会成本指标", "生态环境成本指标"),
    "产出指标": ("数量指标", "质量指标", "时效指标"),
    "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    "满意度指标": ("服务对象满意度指标",),
}


def IndicatorTree(leaf, framework=None, **kwargs):  # noqa: N802 — today's default framework
    return _Tree(leaf, framework=framework or FRAMEWORK, **kwargs)


# ---------------------------------------------------------------- schemas


class RawField(Field):
    """A value read on its own (the form definition): passed on as the located node."""

    def convert_value(self, node, ctx, path):
        return node


WAIVER = Record({
    "规则": Text(required=True, doc="要接受的发现的规则编号，如 IND-COST-UNIT"),
    "位置": Text(doc="字段路径（如 绩效指标.成本指标.经济成本指标.补贴标准）或三级指标名称；不写则为整个文件"),
    "项目": Text(doc="只在 document.yaml 中：项目文件名（不含扩展名）或项目名称"),
    "原因": Text(required=True, doc="为什么接受这条发现（会随发现一起列出）"),
}, name="忽略项")
WAIVERS = ListOf(WAIVER, default=[], doc="接受的发现：每项写明规则、位置和原因（见 docs/checks.md）")

DOCUMENT_SCHEMA = Record({
    "文档类型": Choice(m.DOCUMENT_KINDS, required=True, doc="绩效目标申报 或 绩效自评"),
    "年度": Integer(minimum=2000, maximum=2100, required=True, doc="预算年度，如 2025"),
    "单位名称": Text(required=True, doc="预算单位全称，印在标题中"),
    "预算单位数": Integer(minimum=1, maximum=100000, default=1, doc="绩效目标设置情况中的预算单位数，默认 1"),
    "项目顺序": ListOf(Text(required=True), doc="项目文件名（不含扩展名）的顺序；不写则按文件名排序"),
    "模板": Text(doc="自备的 Word 模板：相对于文档文件夹的路径，可在本仓库内任何位置（如 ../模板/佳县.docx，多个年度共用）"),
    # optional: the 绩效目标设置情况 figures as reported elsewhere, checked against the projects
    "项目数": Integer(minimum=0, maximum=100000),
    "涉及项目预算资金": Money(),
    "规则": Text(doc="检查规则集：内置的“默认”“上海-2025”，或相对于文档文件夹的规则集文件路径（见 docs/checks.md）"),
    "忽略": WAIVERS,
    "表单": RawField(doc="本局表单的定义（扩展字段、指标体系、指标组），或表单定义文件的路径（见 docs/forms.md）"),
    FORMAT_KEY: Choice(FORMATS, doc="情况说明等文字的写法：纯文本（默认）或 markdown（列表、表格、脚注、粗体）"),
})

# the keys of document.yaml that are the engine's, not a form's: before and after the form's 文档 fields
ENGINE_DOCUMENT_BEFORE = {key: DOCUMENT_SCHEMA.fields[key] for key in ("文档类型", "年度", "单位名称")}
ENGINE_DOCUMENT_AFTER = {key: DOCUMENT_SCHEMA.fields[key] for key in ("项目顺序", "模板", "规则", "忽略", "表单", FORMAT_KEY)}

BUDGET_ITEM_FIELDS = {
    "名称": Text(required=True),
    "算式": Text(),
    "金额": Money(required=True),
    "说明": Text(default=""),
}
BUDGET_ITEM = Record(BUDGET_ITEM_FIELDS, name="预算明细")
BUDGET_ITEM.fields["明细"] = ListOf(BUDGET_ITEM, default=[])  # an item's own arithmetic

NARRATIVE_SCHEMA = Record({
    "项目概述": Paragraphs(required=True),
    "立项依据": Paragraphs(required=True),
    "实施主体": Paragraphs(required=True),
    "实施方案": Paragraphs(required=True),
    "实施周期": Paragraphs(required=True),
    "年度预算安排": Either(
        Paragraphs(),
        Record({"说明": Paragraphs(default=[]), "明细": ListOf(BUDGET_ITEM, required=True)}),
        required=True,
    ),
    "绩效目标": Paragraphs(default=[m.DEFAULT_GOAL_REFERENCE]),
})

TARGET_FUNDS_SCHEMA = Record({
    "项目资金总额": Record({"合计": Money(), "财政资金": Money(), "其他资金": Money()}, required=True),
    "年度资金申请总额": Record(
        {"合计": Money(), "当年财政拨款": Money(), "上年结转资金": Money(), "其他资金": Money()},
        required=True,
    ),
})


# the keys of a project file that are the engine's
ENGINE_PROJECT = {
    "忽略": WAIVERS,
    FORMAT_KEY: Choice(FORMATS, doc="本项目文字的写法：纯文本 或 markdown（不写则按 document.yaml）"),
}

TARGET_PROJECT_SCHEMA = Record({
    "项目名称": Text(required=True, doc="申报表“项目名称”"),
    "项目性质": Text(required=True, doc="如 其他经常性项目、其他一次性项目"),
    "项目类别": Text(required=True, doc="如 其他运转类、特定目标类"),
    "主管部门": Text(required=True),
    "实施单位": Text(required=True),
    "计划开始日期": Date(required=True, doc="如 2025-01-01"),
    "计划完成日期": Date(required=True, doc="如 2025-12-31"),
    "项目资金": TARGET_FUNDS_SCHEMA,
    "情况说明": NARRATIVE_SCHEMA,
    "项目总目标": Paragraphs(required=True, doc="一行一段"),
    "年度总体目标": Paragraphs(doc="不写（null）时项目总目标横跨两栏"),
    "绩效指标": IndicatorTree(IndicatorText(required=True), required=True),
    "忽略": WAIVERS,
    FORMAT_KEY: Choice(FORMATS, doc="本项目文字的写法：纯文本 或 markdown（不写则按 document.yaml）"),
    "待确认": ListOf(Text(required=True), default=[]),  # issue 26: an engine key of every project file
})
TARGET_PROJECT_SCHEMA.fields["项目资金"].required = True
TARGET_PROJECT_SCHEMA.fields["情况说明"].required = True

EVALUATION_ROW = Row(Money(), ("年初预算数", "全年预算数", "全年执行数"))
EVALUATION_INDICATOR = Record({
    "指标值": IndicatorText(required=True),
    "实际完成值": IndicatorText(),
    "分值": Number(doc="该指标的分值"),
    "得分": Number(doc="不写则按规则计算；写了以所写为准"),
    "偏差原因分析及改进措施": Text(default=""),
    "完成程度": Choice(("达成", "基本达成", "部分达成", "未达成"),
                   doc="定性指标的完成档次：达成 100%、基本达成 80%–100%、部分达成 50%–80%、未达成 0–50% 的分值"),
})
EVALUATION_PROJECT_SCHEMA = Record({
    "项目名称": Text(required=True),
    "二级构成": Boolean(default=False, doc="是上级项目的组成部分时为 true，标题后加“(二级构成)”"),
    "主管部门": Text(required=True),
    "实施单位": Text(required=True),
    "组成": ListOf(Text(required=True), default=[], doc="上级项目：各组成部分的文件名（不含扩展名）"),
    "项目资金": Record({
        "年度资金总额": EVALUATION_ROW,
        "当年财政拨款": EVALUATION_ROW,
        "上年结转资金": EVALUATION_ROW,
        "其他资金": EVALUATION_ROW,
    }),
    "预算执行分值": Number(default=Decimal(10), doc="默认 10；执行率和得分自动计算"),
    "预期目标": Paragraphs(),
    "实际完成情况": Paragraphs(),
    "绩效指标": IndicatorTree(EVALUATION_INDICATOR, required=True),
    "忽略": WAIVERS,
    FORMAT_KEY: Choice(FORMATS, doc="本项目文字的写法：纯文本 或 markdown（不写则按 document.yaml）"),
    "待确认": ListOf(Text(required=True), default=[]),  # issue 26: an engine key of every project file
})

SCHEMAS = {"document": DOCUMENT_SCHEMA, m.TARGET_KIND: TARGET_PROJECT_SCHEMA, m.EVALUATION_KIND: EVALUATION_PROJECT_SCHEMA}


def _with(record: Record, extra: dict, optional: tuple[str, ...] = (), name: str = "") -> Record:
    """A copy of ``record`` with ``extra`` fields added and the ``optional`` keys no longer required."""
    import copy

    fields = dict(record.fields)
    for key in optional:
        spec = copy.copy(fields[key])
        spec.required = False
        if isinstance(spec, Paragraphs):
            spec.default = []
        elif isinstance(spec, Text):
            spec.default = ""
        fields[key] = spec
    fields.update(extra)
    return Record(fields, name=name, required=record.required, default=record.default, doc=record.doc)


def form_schemas(form) -> tuple[Record, Record]:
    """The document.yaml and 申报 project schemas of a form: the shipped ones (unchanged)
    when ``form`` is None, else with its fields, framework, indicator sets and unused keys."""
    if form is None:
        return DOCUMENT_SCHEMA, TARGET_PROJECT_SCHEMA
    document = _with(DOCUMENT_SCHEMA, {spec.name: spec.schema_field() for spec in form.level("文档")})
    unused = set(form.unused)
    funds = TARGET_FUNDS_SCHEMA
    annual = _with(funds.fields["年度资金申请总额"], {spec.name: spec.schema_field() for spec in form.level("项目资金")})
    left = funds.fields["项目资金总额"]
    if "项目资金.项目资金总额" in unused:
        import copy

        left = copy.copy(left)
        left.required = False
    funds = _with(funds, {"项目资金总额": left, "年度资金申请总额": annual})
    funds.required = True
    narrative_optional = tuple(k.split(".", 1)[1] for k in unused if k.startswith("情况说明."))
    if "情况说明" in unused:
        narrative_optional = tuple(k for k, f in NARRATIVE_SCHEMA.fields.items() if f.required)
    narrative = _with(NARRATIVE_SCHEMA, {spec.name: spec.schema_field() for spec in form.level("情况说明")},
                      narrative_optional)
    if "年度预算安排" in narrative_optional:
        import copy

        narrative.fields["年度预算安排"] = copy.copy(narrative.fields["年度预算安排"])
        narrative.fields["年度预算安排"].required = False
        narrative.fields["年度预算安排"].default = []
    narrative.required = "情况说明" not in unused
    leaf = IndicatorWithFields(form.level("指标")) if form.level("指标") else IndicatorText(required=True)
    fields = {k: v for k, v in TARGET_PROJECT_SCHEMA.fields.items() if k != "绩效指标"}
    fields["项目资金"], fields["情况说明"] = funds, narrative
    project = _with(Record(fields), {}, tuple(k for k in unused if "." not in k and k != "情况说明"))
    for group in form.groups:
        project.fields[group] = IndicatorTree(leaf, framework=form.framework, required=True,
                                              doc="一级指标 → 二级指标 → 三级指标: 指标值")
    project.fields.update({spec.name: spec.schema_field() for spec in form.level("项目")})
    return document, project


def evaluation_form_schema(form) -> Record:
    """The 自评 project schema of a form: its framework, its 项目 and 指标 fields (one indicator set,
    绩效指标: a 自评 evaluates the year's targets)."""
    if form is None:
        return EVALUATION_PROJECT_SCHEMA
    indicator = _with(EVALUATION_INDICATOR, {spec.name: spec.schema_field() for spec in form.level("指标")})
    project = _with(EVALUATION_PROJECT_SCHEMA, {spec.name: spec.schema_field() for spec in form.level("项目")})
    project.fields["绩效指标"] = IndicatorTree(indicator, framework=form.framework, required=True)
    return project


def _unused_builtin_keys() -> dict[str, set[str]]:
    return {"文档": set(DOCUMENT_SCHEMA.fields), "项目": set(TARGET_PROJECT_SCHEMA.fields),
            "项目资金": set(TARGET_FUNDS_SCHEMA.fields["年度资金申请总额"].fields),
            "情况说明": set(NARRATIVE_SCHEMA.fields), "指标": {"指标值"}}


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
