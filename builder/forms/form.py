"""A bureau's own form: extension fields and an indicator framework, declared once.

``表单:`` in document.yaml holds the form definition, or names a YAML file holding it
(anywhere inside the repository, so that several documents and years share it):

```yaml
名称: 佳县财政支出项目绩效目标申报表
指标体系:                       # 一级指标: [二级指标, …]; default: the shipped (上海) framework
  产出指标: [数量指标, 质量指标, 时效指标, 成本指标]
  服务对象满意度指标: [具体指标]
指标组: [长期绩效指标, 年度绩效指标]  # named indicator sets of a project; default: [绩效指标]
不用: [项目性质, 项目类别, 情况说明]  # shipped keys this form does not print: optional here
字段:                           # extension fields, by level
  文档: {填报人: 文本}
  项目:
    项目属性: {类型: 选项, 可选: [新增项目, 延续项目]}
    项目实施进度计划: {类型: 表格, 列: [实施内容, 开始时间, 完成时间]}
  项目资金: {自有资金: 金额}       # in 项目资金.年度资金申请总额, counted into its 合计
  情况说明: {可行性: 段落}
  指标: {备注: 文本}              # an indicator is then 指标值 + 备注 (or just its 指标值)
```

A field is a kind (文本, 段落, 金额, 日期, 整数, 选项, 表格) or a mapping with 类型 and
optionally 标签 (the label ``diff`` and the xlsx use), 必填, 说明, 可选 (选项) and 列 (表格).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from builder.model import core as m
from builder.read.errors import Location
from builder.read.rawtree import Mapping, Node, Scalar, Sequence, describe
from builder.model.schema import (
    INVALID, Context, Date, Field, Integer, ListOf, Money, Paragraphs, Record, Text, Choice, suggest,
)

KINDS = ("文本", "段落", "金额", "日期", "整数", "选项", "表格")
LEVELS = ("文档", "项目", "项目资金", "情况说明", "指标")
FIELD_KEYS = ("类型", "标签", "必填", "说明", "可选", "列")
FORM_KEYS = ("名称", "指标体系", "指标组", "不用", "字段")
# shipped keys of a 申报 project a form may leave out
OPTIONAL_BUILTINS = ("项目性质", "项目类别", "项目资金.项目资金总额", "情况说明",
                     "情况说明.项目概述", "情况说明.立项依据", "情况说明.实施主体", "情况说明.实施方案",
                     "情况说明.实施周期", "情况说明.年度预算安排", "项目总目标")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    label: str
    required: bool = False
    doc: str = ""
    choices: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()

    def schema_field(self) -> Field:
        """The declared field as a schema field: validated like the built-in keys."""
        doc = self.doc or f"{self.label}（{self.kind}，表单定义的扩展字段）"
        kwargs = {"required": self.required, "doc": doc}
        if self.kind == "文本":
            return Text(default="", **kwargs)
        if self.kind == "段落":
            return Paragraphs(default=[], **kwargs)
        if self.kind == "金额":
            return Money(**kwargs)
        if self.kind == "日期":
            return Date(**kwargs)
        if self.kind == "整数":
            return Integer(minimum=-10**15, maximum=10**15, **kwargs)
        if self.kind == "选项":
            return Choice(self.choices, **kwargs)
        row = Record({column: Text(default="") for column in self.columns})
        return ListOf(row, default=[], **kwargs)

    def finish(self, value):
        """The converted value as the model keeps it (rows without their locations)."""
        if self.kind == "段落":
            return tuple(value or ())
        if self.kind == "表格":
            return tuple({c: row[c] or "" for c in self.columns} for row in (value or ()))
        return value


@dataclass(frozen=True)
class Form:
    name: str
    framework: dict[str, tuple[str, ...]]
    groups: tuple[str, ...]
    unused: tuple[str, ...]
    fields: dict[str, tuple[FieldSpec, ...]] = field(default_factory=dict)
    source: Path | None = None  # the shared file, when the definition is one

    def level(self, name: str) -> tuple[FieldSpec, ...]:
        return self.fields.get(name, ())

    @property
    def is_default(self) -> bool:
        return False


DEFAULT_GROUPS = ("绩效指标",)


def _list_of_text(node: Node, ctx: Context, path: str) -> tuple[str, ...] | None:
    values = ListOf(Text(required=True)).convert(node, ctx, path)
    if values is INVALID or values is None:
        return None
    return tuple(values)


def _field_spec(name: str, node: Node, ctx: Context, path: str) -> FieldSpec | None:
    if isinstance(node, Scalar):
        kind = str(node.value or "").strip()
        entries = {}
        loc = node.loc
    elif isinstance(node, Mapping):
        entries = node.entries
        for key, entry in entries.items():
            if key not in FIELD_KEYS:
                hint = suggest(key, FIELD_KEYS)
                more = f"，是否应为“{hint}”？" if hint else f"（可用：{'、'.join(FIELD_KEYS)}）"
                ctx.error(entry.key_loc, f"{path}.{key}", f"未知的键“{key}”{more}")
                return None
        if "类型" not in entries:
            ctx.error(node.loc, path, f"缺少“类型”（{'、'.join(KINDS)}）")
            return None
        kind_node = entries["类型"].node
        kind = str(kind_node.value).strip() if isinstance(kind_node, Scalar) and kind_node.value is not None else ""
        loc = kind_node.loc
    else:
        ctx.error(node.loc, path, f"应为字段类型（{'、'.join(KINDS)}）或键值表，这里写的是{describe(node)}")
        return None
    if kind not in KINDS:
        hint = suggest(kind, KINDS)
        more = f"，是否应为“{hint}”？" if hint else "。"
        ctx.error(loc, path, f"未知的字段类型“{kind}”{more}（可用：{'、'.join(KINDS)}）")
        return None

    def text(key, default=""):
        if key not in entries:
            return default
        value = Text().convert(entries[key].node, ctx, f"{path}.{key}")
        return default if value in (INVALID, None) else value

    from builder.model.schema import Boolean

    required = Boolean(default=False).convert(entries["必填"].node, ctx, f"{path}.必填") if "必填" in entries else False
    choices = columns = ()
    if kind == "选项":
        if "可选" not in entries:
            ctx.error(loc, path, "选项字段要写“可选”：可选的值的列表，如 [新增项目, 延续项目]")
            return None
        choices = _list_of_text(entries["可选"].node, ctx, f"{path}.可选")
        if not choices:
            return None
    if kind == "表格":
        if "列" not in entries:
            ctx.error(loc, path, "表格字段要写“列”：各列的名称，如 [实施内容, 开始时间, 完成时间]")
            return None
        columns = _list_of_text(entries["列"].node, ctx, f"{path}.列")
        if not columns:
            return None
    return FieldSpec(name=name, kind=kind, label=text("标签", name), required=required is True, doc=text("说明"),
                     choices=choices, columns=columns)


def parse_form(node: Node, ctx: Context, path: str, source: Path | None = None,
               builtins: dict[str, set[str]] | None = None) -> Form | None:
    """A form definition (a located mapping) → Form, every problem reported at its place.
    ``builtins``: the keys each level already has (a declared field may not reuse one)."""
    if not isinstance(node, Mapping):
        ctx.error(node.loc, path, f"表单定义应为键值表（名称、指标体系、指标组、不用、字段），这里写的是{describe(node)}")
        return None
    ok = True
    for key, entry in node.entries.items():
        if key not in FORM_KEYS:
            hint = suggest(key, FORM_KEYS)
            more = f"，是否应为“{hint}”？" if hint else f"（可用：{'、'.join(FORM_KEYS)}）"
            ctx.error(entry.key_loc, f"{path}.{key}".strip("."), f"未知的键“{key}”{more}")
            ok = False
    p = lambda key: f"{path}.{key}".strip(".")  # noqa: E731
    name = ""
    if "名称" in node.entries:
        name = Text().convert(node.entries["名称"].node, ctx, p("名称")) or ""
        ok = ok and name is not INVALID
    framework = dict(m.FRAMEWORK)
    if "指标体系" in node.entries:
        tree = node.entries["指标体系"].node
        if not isinstance(tree, Mapping) or not tree.entries:
            ctx.error(tree.loc, p("指标体系"), "应为键值表：一级指标: [二级指标, …]")
            ok = False
        else:
            framework = {}
            for level1, entry in tree.entries.items():
                level2s = _list_of_text(entry.node, ctx, p(f"指标体系.{level1}"))
                if not level2s:
                    if level2s is not None:
                        ctx.error(entry.node.loc, p(f"指标体系.{level1}"), "至少要有一个二级指标")
                    ok = False
                    continue
                if len(set(level2s)) != len(level2s):
                    ctx.error(entry.node.loc, p(f"指标体系.{level1}"), "二级指标重复")
                    ok = False
                framework[level1] = level2s
    groups = DEFAULT_GROUPS
    if "指标组" in node.entries:
        groups = _list_of_text(node.entries["指标组"].node, ctx, p("指标组")) or ()
        if not groups:
            ok = False
        elif len(set(groups)) != len(groups):
            ctx.error(node.entries["指标组"].node.loc, p("指标组"), "指标组名称重复")
            ok = False
    unused: tuple[str, ...] = ()
    if "不用" in node.entries:
        entry = node.entries["不用"]
        unused = _list_of_text(entry.node, ctx, p("不用")) or ()
        for key in unused:
            if key not in OPTIONAL_BUILTINS:
                hint = suggest(key, OPTIONAL_BUILTINS)
                more = f"，是否应为“{hint}”？" if hint else ""
                ctx.error(entry.node.loc, p("不用"), f"“{key}”不能省略{more}（可省略：{'、'.join(OPTIONAL_BUILTINS)}）")
                ok = False
    fields: dict[str, tuple[FieldSpec, ...]] = {}
    if "字段" in node.entries:
        levels = node.entries["字段"].node
        if not isinstance(levels, Mapping):
            ctx.error(levels.loc, p("字段"), f"应为键值表：{'、'.join(LEVELS)} 各自的字段，这里写的是{describe(levels)}")
            ok = False
        else:
            for level, entry in levels.entries.items():
                where = p(f"字段.{level}")
                if level not in LEVELS:
                    hint = suggest(level, LEVELS)
                    more = f"，是否应为“{hint}”？" if hint else ""
                    ctx.error(entry.key_loc, where, f"未知的字段层级“{level}”{more}（可用：{'、'.join(LEVELS)}）")
                    ok = False
                    continue
                if not isinstance(entry.node, Mapping):
                    ctx.error(entry.node.loc, where, f"应为键值表：字段名: 类型，这里写的是{describe(entry.node)}")
                    ok = False
                    continue
                specs = []
                taken = (builtins or {}).get(level, set())
                for name_, spec_entry in entry.node.entries.items():
                    if name_ in taken:
                        ctx.error(spec_entry.key_loc, f"{where}.{name_}", f"“{name_}”已是内置的键，不必再定义")
                        ok = False
                        continue
                    spec = _field_spec(name_, spec_entry.node, ctx, f"{where}.{name_}")
                    if spec is None:
                        ok = False
                        continue
                    if level == "项目资金" and spec.kind != "金额":
                        ctx.error(spec_entry.node.loc, f"{where}.{name_}", "项目资金层级的字段只能是金额")
                        ok = False
                        continue
                    specs.append(spec)
                fields[level] = tuple(specs)
    if not ok:
        return None
    return Form(name=name, framework=framework, groups=groups, unused=unused, fields=fields, source=source)


def load_form(node: Node, ctx: Context, folder: Path, builtins: dict[str, set[str]]) -> Form | None:
    """``表单:`` of document.yaml: an inline definition or the path of a shared YAML file."""
    if isinstance(node, Mapping):
        return parse_form(node, ctx, "表单", None, builtins)
    if not isinstance(node, Scalar) or not isinstance(node.value, str):
        ctx.error(node.loc, "表单", f"应为表单定义（键值表）或表单定义文件的路径，这里写的是{describe(node)}")
        return None
    from builder.read.repo import OutsideRepository, resolve_in_repository
    from builder.read.sources import read_source

    try:
        path = resolve_in_repository(folder, node.value.strip(), "表单定义文件")
    except OutsideRepository as exc:
        ctx.error(node.loc, "表单", str(exc))
        return None
    root = read_source(path, ctx.problems, folder=path.parent)
    if root is None:
        return None
    return parse_form(root, ctx, "", path, builtins)


def form_file(folder: Path, cache=None) -> Path | None:
    """The shared form definition file a document folder names (for the build cache's key)."""
    from builder.read.errors import Problems
    from builder.read.sources import read_source

    document = next((folder / f"document{s}" for s in (".yaml", ".yml", ".toml") if (folder / f"document{s}").is_file()),
                    None)
    if document is None:
        return None
    root = read_source(document, Problems(), cache)
    node = root.entries.get("表单") if isinstance(root, Mapping) else None
    if node is None or not isinstance(node.node, Scalar) or not isinstance(node.node.value, str):
        return None
    path = (folder / node.node.value.strip()).resolve()
    return path if path.is_file() else None


_ = Location  # re-exported for callers that build locations


def read_form(path: Path, builtins: dict[str, set[str]]) -> Form:
    """A form definition named on the command line: a definition file, or a document folder whose
    document.yaml holds or names one. Raises InputError with every problem, located. ``builtins``:
    the shipped keys by level (builder.forms.formcompat.builtin_keys)."""
    from builder.read.errors import InputError, Problem, Problems
    from builder.read.sources import read_source

    problems = Problems()
    ctx = Context(problems)
    form = None
    if path.is_dir():
        document = next((path / f"document{s}" for s in (".yaml", ".yml", ".toml") if (path / f"document{s}").is_file()),
                        None)
        root = read_source(document, problems) if document else None
        node = root.get("表单") if isinstance(root, Mapping) else None
        if document is None:
            problems.error(Location(path), "", "这里没有 document.yaml，也不是表单定义文件")
        elif root is not None and node is None:
            problems.error(Location(document), "表单", "document.yaml 中没有“表单”")
        elif node is not None:
            form = load_form(node, ctx, path, builtins)
    else:
        root = read_source(path, problems, folder=path.parent)
        if root is not None:
            form = parse_form(root, ctx, "", path.resolve(), builtins)
    errors = [p for p in problems.items if p.severity == "错误"]
    if form is None or errors:
        raise InputError(errors or [Problem(Location(path), "", "表单定义无法读取")])
    return form
