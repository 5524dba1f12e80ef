"""Reading a form definition (docs/forms.md) into a :class:`~builder.forms.formspec.Form`.

The shipped forms (``builder/forms/绩效目标申报.yaml``, ``绩效自评.yaml``) and a bureau's form go
through this same code. A definition with ``项目:`` is complete; one without is a legacy edit of a
shipped form (``不用``, ``字段``, ``指标组``), expanded here into a complete form.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

from builder.forms import formspec as fs
from builder.forms.formparse import parse_fields, parse_framework
from builder.forms.formread import TAGS, Reader, join, plain
from builder.model.schema import Context, suggest
from builder.read.errors import Location
from builder.read.rawtree import Mapping, Node, Scalar, describe

FORM_KEYS = ("名称", "文档类型", "基于", "单位", "英文名", "骨架说明", "指标体系", "指标组", "不用", "字段", "文档",
             "项目", "自评", "导入", "版式")
LEVELS = ("文档", "项目", "项目资金", "情况说明", "指标")
# the keys of document.yaml and of a project file that belong to the engine, not to a form
ENGINE_KEYS = ("文档类型", "年度", "单位名称", "项目顺序", "模板", "规则", "忽略", "表单", "情况说明格式", "待确认")
UNITS = ("元", "万元")
FIXED_ROLES = ("名称", "开始日期", "完成日期")  # a legacy 不用 may not name these
SHIPPED = Path(__file__).parent


@lru_cache(maxsize=None)
def shipped_form(kind: str) -> fs.Form:
    """The shipped form of a document kind, read (once per process) by the code that reads any form."""
    from builder.read.errors import InputError, Problems
    from builder.read.sources import read_source

    path = SHIPPED / f"{kind}.yaml"
    problems = Problems()
    root = read_source(path, problems, folder=SHIPPED)
    form = parse_form(root, Context(problems), "", path, kind) if root is not None else None
    if form is None or problems.errors:
        raise InputError(problems.errors)
    return dataclasses.replace(form, shipped=True)


def document_form(document) -> fs.Form:
    """The form a loaded document follows: the one the loader read it by (``Document.form``), else
    its projects' (a document put together by hand), else the shipped form of its kind. The one
    answer every stage asks for (rules, context, HTML, xlsx, diff, the yearly cycle)."""
    form = getattr(document, "form", None)
    if isinstance(form, fs.Form):
        return form
    form = next((p.form for p in document.projects if isinstance(getattr(p, "form", None), fs.Form)), None)
    return form if form is not None else shipped_form(document.kind)


def parse_form(node: Node, ctx: Context, path: str, source: Path | None = None, kind: str = "",
               parent_framework: tuple = ()) -> fs.Form | None:
    """A definition (located mapping) → Form; ``kind``: the document's 文档类型 (legacy base)."""
    reader = Reader(ctx)
    entries = reader.mapping(node, path, FORM_KEYS, "表单定义（键值表）")
    if entries is None:
        return None
    get = lambda k: entries[k].node if k in entries else None  # noqa: E731
    at = lambda k: join(path, k)  # noqa: E731
    text = lambda k, d="": reader.text(get(k), at(k), d)  # noqa: E731
    unit = text("单位", "")
    if unit and unit not in UNITS:
        reader.error(get("单位").loc, at("单位"), f"“{unit}”不是金额单位（可用：{'、'.join(UNITS)}）")
    if "项目" not in entries:
        return _legacy(reader, entries, path, source, kind, parent_framework)
    for key in ("不用", "字段", "指标组", "基于"):
        if key in entries:
            reader.error(entries[key].key_loc, at(key), f"完整的表单在“项目:”中写出每个字段，不用“{key}”")
    unit = unit or UNITS[0]
    framework = parse_framework(reader, get("指标体系"), at("指标体系")) if "指标体系" in entries else parent_framework
    shipped_kind = (SHIPPED / f"{text('文档类型', kind)}.yaml").is_file()  # a kind budgetdoc ships a form of
    if not framework and shipped_kind and source != SHIPPED / f"{kind}.yaml":
        framework = shipped_form(text("文档类型", kind)).framework  # without 指标体系: the shipped framework
    document_fields = parse_fields(reader, get("文档"), "", at("文档"), unit)
    project_fields = parse_fields(reader, get("项目"), "", at("项目"), unit)
    for level, specs, where in (("文档", document_fields, at("文档")), ("项目", project_fields, at("项目"))):
        for spec in specs:
            if spec.key in ENGINE_KEYS:
                reader.error(entries[level].node.entries[spec.key].key_loc, join(where, spec.key),
                             f"“{spec.key}”是通用的键，表单不能再定义")
    form_kind = text("文档类型", kind)
    form = fs.Form(
        name=text("名称"), kind=form_kind, unit=unit,
        english=reader.flag(get("英文名"), at("英文名")), skeleton_note=text("骨架说明"),
        framework=framework, document_fields=document_fields, project_fields=project_fields,
        import_spec=plain(get("导入")) or {}, layout=tuple(plain(get("版式")) or ()) or None, source=source,
    )
    form = _with_frameworks(form)
    _check_roles(reader, form, node.loc, path)
    if "自评" in entries:
        evaluation = parse_form(get("自评"), ctx, at("自评"), source, _EVALUATION, form.framework)
        form = dataclasses.replace(form, evaluation=evaluation)
    return form if reader.ok else None


_EVALUATION = "绩效自评"


def _with_frameworks(form: fs.Form) -> fs.Form:
    """Every 指标 field without its own 体系 uses the form's."""
    def resolve(spec: fs.FieldSpec) -> fs.FieldSpec:
        if spec.kind == fs.INDICATORS and not spec.indicators.framework:
            return dataclasses.replace(spec, indicators=dataclasses.replace(spec.indicators, framework=form.framework))
        if spec.kind == fs.GROUP:
            return dataclasses.replace(spec, fields=tuple(resolve(s) for s in spec.fields))
        return spec
    return dataclasses.replace(form, project_fields=tuple(resolve(s) for s in form.project_fields))


def _check_roles(reader: Reader, form: fs.Form, loc, path: str) -> None:
    seen: dict[str, str] = {}
    for level in ("项目", "文档"):
        for spec in form.walk(level):
            for role in spec.roles:
                if role not in TAGS and role in seen:
                    reader.error(loc, join(path, spec.path), f"角色“{role}”已给了“{seen[role]}”（每个角色只能有一个字段）")
                seen.setdefault(role, spec.path)
    if reader.ok and form.project_fields and form.role_path("名称") is None:
        reader.error(loc, join(path, "项目"), "表单中要有一个角色为“名称”的文本字段（项目的名称）")


# ---------------------------------------------------------------- legacy edits


def _legacy(reader: Reader, entries: dict, path: str, source: Path | None, kind: str,
            parent_framework: tuple) -> fs.Form | None:
    get = lambda k: entries[k].node if k in entries else None  # noqa: E731
    at = lambda k: join(path, k)  # noqa: E731
    # a legacy edit without 基于 edits the 申报 form; a 自评 document gets its §11.3 derivation
    base_kind = reader.text(get("基于"), at("基于"), _TARGET)
    if base_kind not in (_TARGET, _EVALUATION):
        reader.error(get("基于").loc, at("基于"), f"“{base_kind}”不是随附的表单（可用：{_TARGET}、{_EVALUATION}）")
        return None
    base = shipped_form(base_kind)
    framework = base.framework
    if "指标体系" in entries:
        framework = parse_framework(reader, get("指标体系"), at("指标体系"), legacy=True)
    elif parent_framework:
        framework = parent_framework
    fields = list(base.project_fields)
    if "指标组" in entries:
        fields = _indicator_groups(reader, fields, get("指标组"), at("指标组"))
    unused = reader.texts(get("不用"), at("不用"))
    fields = [_optional(reader, spec, unused, get("不用"), at("不用")) for spec in fields]
    for key in unused:
        if not any(key == spec.path or key.startswith(spec.path + ".") for spec in _every(fields)) \
                and not any(key == f"{t.path}.{c.key}" for t in fields if t.table for c in t.table.columns):
            choices = [s.path for s in _every(fields)]
            hint = suggest(key, choices)
            more = f"，是否应为“{hint}”？" if hint else ""
            reader.error(get("不用").loc, at("不用"), f"“{key}”不是表单中的字段{more}")
    document_fields = list(base.document_fields)
    extensions: dict[str, tuple] = {}
    if "字段" in entries:
        levels = reader.mapping(get("字段"), at("字段"), LEVELS, f"键值表：{'、'.join(LEVELS)} 各自的字段") or {}
        for level, entry in levels.items():
            specs = _extension(reader, level, entry, at(f"字段.{level}"), base, fields, document_fields)
            extensions[level] = specs
            if level == "文档":
                document_fields += specs
            elif level == "项目":
                fields += specs
            else:
                fields = [_extend(spec, level, specs) for spec in fields]
    form = dataclasses.replace(
        base, name=reader.text(get("名称"), at("名称")), kind=base_kind, framework=framework,
        document_fields=tuple(document_fields), project_fields=tuple(fields), source=source, shipped=False,
        legacy=True, extensions=extensions, unused=unused, evaluation=None, layout=None,
        english=reader.flag(get("英文名"), at("英文名"), base.english),
    )
    form = _reframe(form) if "指标体系" in entries or parent_framework else form
    return form if reader.ok else None


_TARGET = "绩效目标申报"


def _every(specs):
    for spec in specs:
        yield spec
        yield from _every(spec.fields)


def _reframe(form: fs.Form) -> fs.Form:
    def clear(spec):
        if spec.kind == fs.INDICATORS:
            return dataclasses.replace(spec, indicators=dataclasses.replace(spec.indicators, framework=()))
        return spec
    return _with_frameworks(dataclasses.replace(form, project_fields=tuple(clear(s) for s in form.project_fields)))


def _indicator_groups(reader: Reader, fields: list, node: Node, where: str) -> list:
    names = reader.texts(node, where)
    if not names:
        reader.error(node.loc, where, "至少要有一个指标组")
    elif len(set(names)) != len(names):
        reader.error(node.loc, where, "指标组名称重复")
    result = []
    for spec in fields:
        if spec.kind == fs.INDICATORS:
            # every group keeps the alias: the English grid is all the groups' rows (as today)
            result += [dataclasses.replace(spec, key=name, label=name, path=name) for name in names]
        else:
            result.append(spec)
    return result


def _optional(reader: Reader, spec: fs.FieldSpec, unused: tuple, node, where: str) -> fs.FieldSpec:
    """A legacy 不用 key: the field (or money column) is optional, still accepted when written."""
    if spec.path in unused:
        if spec.roles & set(FIXED_ROLES):
            reader.error(node.loc, where, f"“{spec.path}”不能省略（它是项目的{'、'.join(sorted(spec.roles & set(FIXED_ROLES)))}）")
        return _not_required(spec, every=spec.kind == fs.GROUP)
    if spec.kind == fs.GROUP:
        return dataclasses.replace(spec, fields=tuple(_optional(reader, s, unused, node, where) for s in spec.fields))
    if spec.table is not None:
        columns = []
        annual = spec.table.roles.get("年度金额")
        for column in spec.table.columns:
            if f"{spec.path}.{column.key}" in unused:
                total = spec.table.address(spec.table.total_row, column.key) if spec.table.total_row else ""
                column = dataclasses.replace(column, required=False,
                                             absent_total=annual if isinstance(annual, str) and annual != total else "")
            columns.append(column)
        return dataclasses.replace(spec, table=dataclasses.replace(spec.table, columns=tuple(columns)))
    return spec


def _not_required(spec: fs.FieldSpec, every: bool = False) -> fs.FieldSpec:
    default = spec.default
    if not spec.has_default:
        default = [] if spec.kind in ("段落", fs.BUDGET) else ("" if spec.kind == "文本" else spec.default)
    fields = tuple(_not_required(s, True) for s in spec.fields) if every else spec.fields
    return dataclasses.replace(spec, required=False, default=default, fields=fields)


def _extension(reader: Reader, level: str, entry, where: str, base: fs.Form, fields: list,
               document_fields: list) -> tuple:
    unit = base.unit
    prefix = ""
    if level == "情况说明":
        prefix = next((s.path for s in fields if s.kind == fs.GROUP and s.key == level), level)
    # today's extension fields: a 段落 left out is no paragraph ([]), not null
    specs = tuple(dataclasses.replace(s, default=[]) if s.kind == "段落" and not s.has_default else s
                  for s in parse_fields(reader, entry.node, prefix, where, unit))
    if level == "文档":
        taken = set(ENGINE_KEYS) | {s.key for s in document_fields}
    elif level == "项目":
        taken = set(ENGINE_KEYS) | {s.key for s in fields}
    elif level == "情况说明":
        taken = {s.key for g in fields if g.path == prefix for s in g.fields}
    elif level == "项目资金":
        taken = {r.key for t in fields if t.table for r in t.table.rows}
    else:
        taken = {c.key for s in fields if s.kind == fs.INDICATORS for c in s.indicators.columns}
    result = []
    for spec in specs:
        loc = entry.node.entries[spec.key].key_loc if isinstance(entry.node, Mapping) else entry.node.loc
        if spec.key in taken:
            reader.error(loc, join(where, spec.key), f"“{spec.key}”已是内置的键，不必再定义")
        elif level == "项目资金" and spec.kind != "金额":
            reader.error(entry.node.entries[spec.key].node.loc, join(where, spec.key), "项目资金层级的字段只能是金额")
        else:
            result.append(spec)
    return tuple(result)


def _extend(spec: fs.FieldSpec, level: str, specs: tuple) -> fs.FieldSpec:
    """A legacy level's fields appended to the shipped field they extend."""
    if level == "情况说明" and spec.kind == fs.GROUP and spec.key == level:
        return dataclasses.replace(spec, fields=spec.fields + specs)
    if level == "项目资金" and spec.table is not None:
        table = spec.table
        columns = tuple(dataclasses.replace(c, rows=c.rows + tuple(s.key for s in specs),
                                            row_labels={**c.row_labels, **{s.key: s.label for s in specs}})
                        if c.extension else c for c in table.columns)
        rows = table.rows + tuple(fs.MoneyRow(key=s.key, label=s.label) for s in specs)
        return dataclasses.replace(spec, table=dataclasses.replace(table, rows=rows, columns=columns))
    if level == "指标" and spec.kind == fs.INDICATORS:
        return dataclasses.replace(spec, indicators=dataclasses.replace(
            spec.indicators, columns=spec.indicators.columns + specs))
    return spec


# ---------------------------------------------------------------- where a document's form comes from


def load_form(node: Node, ctx: Context, folder: Path, kind: str) -> fs.Form | None:
    """``表单:`` of document.yaml: an inline definition or the path of a definition file."""
    if isinstance(node, Mapping):
        return parse_form(node, ctx, "表单", None, kind)
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
    return parse_form(root, ctx, "", path, kind)


def form_for(kind: str, node: Node | None, ctx: Context, folder: Path) -> fs.Form | None:
    """The form a document of ``kind`` follows: the shipped one without ``表单:``; a 申报 form's
    ``自评:`` (or the shipped 自评 with its framework) for a 自评 document naming a 申报 form."""
    if node is None:
        return shipped_form(kind)
    form = load_form(node, ctx, folder, _TARGET)  # a legacy edit without 基于 edits the 申报 form
    return form_of_kind(form, kind) if form is not None else None


def form_of_kind(form: fs.Form, kind: str) -> fs.Form:
    """The form a document of ``kind`` follows when it names ``form``: itself, a 申报 form's ``自评:``,
    or the shipped form of that kind with the named form's framework (and a legacy edit's fields)."""
    if form.kind == kind:
        return form
    if form.evaluation is not None and form.evaluation.kind == kind:
        return form.evaluation
    base = shipped_form(kind)
    if form.legacy:  # today: the 自评 of a legacy edit has its framework and its 文档, 项目, 指标 fields
        kept = {level: form.extensions[level] for level in (LEVELS[0], LEVELS[1], LEVELS[4])
                if level in form.extensions}
        fields = [_extend(spec, LEVELS[4], kept.get(LEVELS[4], ())) for spec in base.project_fields]
        base = dataclasses.replace(
            base, document_fields=base.document_fields + kept.get(LEVELS[0], ()),
            project_fields=tuple(fields) + kept.get(LEVELS[1], ()), legacy=True, extensions=kept, name=form.name)
    return _reframe(dataclasses.replace(base, framework=form.framework, source=form.source, shipped=False))


def source_json_schema(which: str, form: fs.Form | None = None) -> dict:
    """The JSON Schema an editor checks one kind of source file against: ``document``, or a project
    file of ``绩效目标申报`` or ``绩效自评``; of the shipped forms, or of ``form`` (for the other kind,
    the form that kind follows with it)."""
    from builder.forms.formschema import json_schema

    kind = (form.kind if form is not None else _TARGET) if which == "document" else which
    chosen = form_of_kind(form, kind) if form is not None else shipped_form(kind)
    return json_schema(chosen, "document" if which == "document" else "project")


def form_file(folder: Path, cache=None) -> Path | None:
    """The shared form definition file a document folder names (for the build cache's key)."""
    from builder.forms.form import form_file as today

    return today(folder, cache)


def read_form(path: Path, kind: str | None = None) -> fs.Form:
    """A form named on the command line: a definition file, or a document folder whose document.yaml
    holds or names one. Raises InputError with every problem, located."""
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
        own = root.get("文档类型") if isinstance(root, Mapping) else None
        doc_kind = kind or (own.value if isinstance(own, Scalar) and isinstance(own.value, str) else _TARGET)
        if document is None:
            problems.error(Location(path), "", "这里没有 document.yaml，也不是表单定义文件")
        elif root is not None and node is None:
            problems.error(Location(document), "表单", "document.yaml 中没有“表单”")
        elif node is not None:
            form = form_for(doc_kind, node, ctx, path)
    else:
        root = read_source(path, problems, folder=path.parent)
        if root is not None:
            form = parse_form(root, ctx, "", path.resolve(), kind or _TARGET)
    errors = [p for p in problems.items if p.severity == "错误"]
    if form is None or errors:
        raise InputError(errors or [Problem(Location(path), "", "表单定义无法读取")])
    return form
