"""Stage 2 — load: located raw trees → the typed model, every problem reported at once.

The schemas below are the source format of ``docs/sources.md``: the keys are
the labels printed on the official forms.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from builder.model import core as m
from builder.read.errors import InputError, Location, Problem, Problems
from builder.model.schema import INVALID, Context, Record, suggest
from builder.read.rawtree import Mapping, Scalar, describe
from builder.read.markdown import FORMAT_KEY
from builder.read.sources import SourceFile, find_document_folders, read_folder
from builder.forms.aliases import last, parent, paths_for, value_at
from builder.forms.formcompat import legacy_view, with_shipped_defaults
from builder.forms.formdef import ENGINE_KEYS, LEVELS, form_for, shipped_form
from builder.forms.formvalues import budget_item
from builder.model.sourceschema import TO_CONFIRM_KEY, valid

_KIND_KEY, _FORM_KEY = ENGINE_KEYS[0], ENGINE_KEYS[7]  # 文档类型, 表单


# ---------------------------------------------------------------- loading


@dataclass
class Loaded:
    """What loading one document folder gave: the document (with the projects that
    loaded, None if the document file itself is unusable) and every problem found."""

    folder: Path
    document: m.Document | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "错误"]


def load_documents(paths: list[Path], cache=None) -> list[Loaded]:
    """Load every document folder under ``paths`` (InputError only for a path that is no document)."""
    return [load_document(folder, cache) for folder in expand_document_folders(paths)]


def expand_document_folders(paths: list[Path]) -> list[Path]:
    folders = []
    for path in paths:
        found = find_document_folders(path)
        if not found:
            raise InputError([Problem(Location(path), "", _not_a_document_message(path))])
        # "." or "sub/.." name no folder: the document is named after the folder itself
        folders.extend(Path(os.path.abspath(folder)) if folder.name in ("", ".", "..") else folder for folder in found)
    return list(dict.fromkeys(folders))


def _not_a_document_message(path: Path) -> str:
    if not path.exists():
        return "路径不存在"
    return "这里没有文档：文件夹中应有 document.yaml（或其下的子文件夹中有）"


def load_document(folder: Path, cache=None, only: set[str] | None = None) -> Loaded:
    """Load a document folder. With ``only`` (project stems), only those project files are read
    and converted: the document holds those projects (builder.output.incremental adds the roster).
    Each file is read once (``builder.read.readonce``; inside a build, once for the whole build)."""
    from builder.read.readonce import one_read

    with one_read():
        return _load_document(folder, cache, only)


def _load_document(folder: Path, cache=None, only: set[str] | None = None) -> Loaded:
    from builder.load.mdload import MarkdownPhase, sections_for

    problems = Problems()
    ctx = Context(problems)
    shipped = {kind: shipped_form(kind) for kind in m.DOCUMENT_KINDS}
    sections = sections_for(_form_ahead(folder, cache), shipped)
    markdown = MarkdownPhase(folder, problems, cache, sections)  # pandoc starts on the .md files while the YAML is read
    sources = read_folder(folder, problems, cache, only)
    if sources.document is None or sources.document.root is None:
        return Loaded(folder, None, problems.items)
    if not _root_is_mapping(sources.document, ctx):
        return Loaded(folder, None, problems.items)
    form_node = sources.document.root.get(_FORM_KEY)
    spec = form_for(_written_kind(sources.document.root), form_node, ctx, folder)
    if spec is None:
        return Loaded(folder, None, problems.items)
    fields = spec.document_schema().convert(sources.document.root, ctx, "")
    if fields is INVALID or not valid(fields[_KIND_KEY], fields["年度"], fields["单位名称"]):
        return Loaded(folder, None, problems.items)
    kind = fields[_KIND_KEY]
    if kind != spec.kind:  # 文档类型 written oddly (a space): the form of the converted kind
        spec = form_for(kind, form_node, Context(Problems()), folder)
    fields = with_shipped_defaults(fields, spec, LEVELS[0])
    form = legacy_view(spec)  # today's form object, for the attributes built below
    project_schema = spec.project_schema()
    ordered = _order_projects(sources.projects, fields, ctx, sources.document)
    overlay = markdown.finish(kind, ordered, {s.stem for s in sources.projects}, fields[FORMAT_KEY], ctx)
    projects = []
    for source in ordered:
        if source.root is None:
            continue
        root, pieces = overlay.get(source.stem, (source.root, None))
        if root is not source.root:
            source = SourceFile(source.path, root)
        if kind != m.EVALUATION_KIND:  # 申报 and 运行监控: the project as its form declares it
            project = _build_target_project(source, ctx, project_schema, form, spec)
        else:
            project = _build_evaluation_project(source, ctx, project_schema, form, spec)
        if project is not None:
            projects.append(replace(project, markdown=pieces) if pieces else project)
    if kind == m.EVALUATION_KIND:
        projects = _resolve_parents(projects, {s.stem for s in ordered}, ctx)
    if not ordered:
        problems.error(sources.document.root.loc, "", "文档中没有项目文件（每个项目一个 .yaml 文件，与 document.yaml 放在同一文件夹）")
    document = m.Document(
        kind=kind,
        year=fields["年度"],
        unit_name=fields["单位名称"],
        budget_units=fields.get("预算单位数"),
        projects=tuple(projects),
        folder=folder,
        source=sources.document.path,
        template=fields["模板"],
        stated_summary={"项目数": fields.get("项目数"), "涉及项目预算资金": fields.get("涉及项目预算资金")},
        locations=dict(fields["_locs"]),
        rules=fields["规则"],
        waivers=_waivers(fields["忽略"]),
        form=spec,
        custom_form=form,
        # the form's own 文档 fields (no alias, not computed: 监控日期), a legacy view's extension fields
        extra={**{field.key: fields.get(field.key) for field in spec.document_fields
                  if field.alias is None and field.compute is None},
               **({field.name: field.finish(fields[field.name]) for field in form.level("文档")} if form else {})},
    )
    return Loaded(folder, document, problems.items)


def _form_ahead(folder: Path, cache=None):
    """The folder's form, read before the load proper (whose reading reports its problems): the
    Markdown sections it has are split while the YAML is read. The shipped 申报 form when
    document.yaml or its form does not read."""
    from builder.read.sources import DOCUMENT_STEM, read_source, source_files

    quiet = Problems()
    document = next((p for p in source_files(folder) if p.stem == DOCUMENT_STEM), None)
    root = read_source(document, quiet, cache, folder) if document is not None else None
    if not isinstance(root, Mapping):
        return shipped_form(m.TARGET_KIND)
    return form_for(_written_kind(root), root.get(_FORM_KEY), Context(quiet), folder) or shipped_form(m.TARGET_KIND)


def _written_kind(root: Mapping) -> str:
    """文档类型 as written, for choosing the form before document.yaml is converted by it (a kind
    that is no document kind is reported by that conversion; the 申报 form is used for it)."""
    node = root.get(_KIND_KEY)
    value = node.value if isinstance(node, Scalar) else None
    return value.strip() if isinstance(value, str) and value.strip() in m.DOCUMENT_KINDS else m.TARGET_KIND


def _waivers(entries) -> tuple[m.Waiver, ...]:
    if not entries or entries is INVALID:
        return ()
    return tuple(
        m.Waiver(rule=e["规则"].strip(), place=(e["位置"] or "").strip(), reason=e["原因"].strip(),
                 location=e["_locs"][""], project=(e["项目"] or "").strip())
        for e in entries if valid(e)
    )


def _order_projects(projects: list[SourceFile], fields: dict, ctx: Context, document: SourceFile) -> list[SourceFile]:
    order = fields.get("项目顺序")
    if not order or order is INVALID:
        return projects
    by_stem = {p.stem: p for p in projects}
    loc = fields["_locs"].get("项目顺序", document.root.loc)
    ordered, seen = [], set()
    for stem in order:
        if stem in seen:
            ctx.error(loc, "项目顺序", f"“{stem}”重复出现")
            continue
        seen.add(stem)
        if stem not in by_stem:
            hint = suggest(stem, by_stem)
            more = f"，是否应为“{hint}”？" if hint else ""
            ctx.error(loc, "项目顺序", f"没有名为“{stem}”的项目文件{more}")
            continue
        ordered.append(by_stem[stem])
    for project in projects:
        if project.stem not in seen:
            ctx.error(loc, "项目顺序", f"项目文件“{project.path.name}”没有列在项目顺序中（不需要的文件请以“_”开头命名）")
    return ordered


def _indicators(rows, leaf_builder) -> tuple[m.Indicator, ...]:
    """Indicators whose values are valid (the others were reported where they are)."""
    return tuple(leaf_builder(l1, l2, name, loc, leaf) for l1, l2, name, loc, leaf in rows if valid(leaf))


def _locations(fields: dict, prefix: str = "") -> dict[str, Location]:
    """Flatten the ``_locs`` of nested records into dotted paths."""
    result = {}
    for key, loc in fields.get("_locs", {}).items():
        result[f"{prefix}.{key}".strip(".") if key else prefix] = loc
    for key, value in fields.items():
        if isinstance(value, dict) and "_locs" in value:
            result.update(_locations(value, f"{prefix}.{key}".strip(".")))
    return result


def _valid_except_indicators(fields: dict) -> bool:
    """Invalid indicator values are skipped one by one (so the other checks still run)."""
    return valid(*(value for key, value in fields.items() if key != "绩效指标"))


def _root_is_mapping(source: SourceFile, ctx: Context) -> bool:
    """A source file holds ``键: 值`` lines; an empty file or a bare value or list is reported."""
    if isinstance(source.root, Mapping):
        return True
    what = "为空" if isinstance(source.root, Scalar) and source.root.value in (None, "") else f"是{describe(source.root)}"
    ctx.error(source.root.loc, "", f"文件内容{what}，应为“键: 值”形式的各项（如“项目名称: …”）")
    return False


def _build_target_project(source: SourceFile, ctx: Context, schema: Record | None = None,
                          form=None, spec=None) -> m.TargetProject | None:
    if not _root_is_mapping(source, ctx):
        return None
    spec = spec or shipped_form(m.TARGET_KIND)
    fields = with_shipped_defaults((schema or spec.project_schema()).convert(source.root, ctx, ""), spec)
    groups = form.groups if form is not None else ("绩效指标",)
    if fields is INVALID or any(fields[g] is INVALID for g in groups) or not valid(
            *(value for key, value in fields.items() if key not in groups)):
        return None
    locations = _locations(fields)
    sets: dict[str, tuple[m.Indicator, ...]] = {}
    for group in groups:
        for row in fields[group]:
            locations[f"{group}.{row[0]}.{row[1]}.{row[2]}"] = row[3]

        def indicator(l1, l2, name, loc, value, group=group):
            value, extra = value if isinstance(value, tuple) else (value, {})
            return m.Indicator(l1, l2, name, value, loc, group=group, extra=extra)

        sets[group] = _indicators(fields[group], indicator)
    paths = paths_for(spec, shipped_form(m.TARGET_KIND))
    at = lambda alias: value_at(fields, paths[alias])  # noqa: E731 — the converted value of a field by its alias
    annual_column = parent(paths["funds.annual"])
    narrative_path = parent(paths["overview"])
    extra = {}
    if form is not None:
        extra.update({spec.name: spec.finish(fields[spec.name]) for spec in form.level(LEVELS[1])})
        extra.update({f"{narrative_path}.{spec.name}": spec.finish(value_at(fields, f"{narrative_path}.{spec.name}"))
                      for spec in form.level(LEVELS[3])})
        extra.update({f"{annual_column}.{spec.name}": value_at(fields, f"{annual_column}.{spec.name}")
                      for spec in form.level(LEVELS[2])})
    return m.TargetProject(
        stem=source.stem,
        source=source.path,
        name=at("name"),
        nature=at("nature") or "",
        category=at("category") or "",
        authority=at("authority"),
        implementer=at("implementer"),
        start=at("start"),
        end=at("end"),
        funds=_target_funds(fields, paths, form),
        narrative=_narrative(fields, paths) if value_at(fields, narrative_path) is not None else _NO_NARRATIVE,
        total_goal=tuple(at("total_goal") or ()),
        annual_goal=tuple(at("annual_goal")) if at("annual_goal") else None,
        indicators=tuple(i for group in groups for i in sets[group]),
        locations=locations,
        waivers=_waivers(fields["忽略"]),
        extra=extra,
        indicator_sets=sets,
        form=spec,
        values=_values(spec, fields, sets),
    )


def _sum_present(*amounts) -> Decimal:
    return sum((a for a in amounts if a is not None), Decimal(0))


def _target_funds(fields: dict, paths: dict, form=None) -> m.FundsTable:
    """The 申报 money table by its aliases: a form without the whole-project column has the year's
    request as its total."""
    at = lambda alias: value_at(fields, paths[alias])  # noqa: E731
    annual_column = parent(paths["funds.annual"])
    extra = tuple((spec.name, value_at(fields, f"{annual_column}.{spec.name}")) for spec in form.level(LEVELS[2])) \
        if form is not None else ()
    annual = at("funds.annual")
    if annual is None:
        annual = _sum_present(at("funds.appropriation"), at("funds.carryover"), at("funds.annual_other"),
                              *(v for _, v in extra))
    fiscal, total_other = at("funds.fiscal"), at("funds.total_other")
    if value_at(fields, parent(paths["funds.total"])) is None:  # no whole-project column
        total = annual
    else:
        total = at("funds.total") if at("funds.total") is not None else _sum_present(fiscal, total_other)
    return m.FundsTable(
        total=total, fiscal=fiscal, total_other=total_other,
        annual=annual, appropriation=at("funds.appropriation"), carryover=at("funds.carryover"),
        annual_other=at("funds.annual_other"), annual_extra=extra,
    )


_NO_NARRATIVE = m.Narrative((), (), (), (), (), (), ())  # a form without the narrative group


def _narrative(fields: dict, paths: dict) -> m.Narrative:
    budget = value_at(fields, parent(paths["budget_lead"]))
    if isinstance(budget, dict):
        budget = m.BudgetPlan(tuple(budget[last(paths["budget_lead"])]),
                              tuple(budget_item(item) for item in budget[last(paths["budget_items"])]))
    else:
        budget = tuple(budget or ())
    text = lambda alias: tuple(value_at(fields, paths[alias]) or ())  # noqa: E731
    return m.Narrative(
        overview=text("overview"), basis=text("basis"), implementer=text("implementer_text"), plan=text("plan"),
        period=text("period"), budget=budget, goal_reference=text("goal_reference"),
    )


# ---------------------------------------------------------------- 绩效自评

_EMPTY_ROW = (None, None, None)
_ROWS = ("total", "appropriation", "carryover", "other")  # EvaluationFunds, by the rows' aliases
_COLUMNS = ("initial", "budget", "spent")  # FundRow, by the columns' aliases


def _evaluation_paths(spec) -> dict:
    return paths_for(spec, shipped_form(m.EVALUATION_KIND))


def _build_evaluation_project(source: SourceFile, ctx: Context, schema: Record | None = None,
                              form=None, spec=None) -> m.EvaluationProject | None:
    if not _root_is_mapping(source, ctx):
        return None
    spec = spec or shipped_form(m.EVALUATION_KIND)
    fields = with_shipped_defaults((schema or spec.project_schema()).convert(source.root, ctx, ""), spec)
    if fields is INVALID or fields["绩效指标"] is INVALID or not _valid_except_indicators(fields):
        return None
    paths = _evaluation_paths(spec)
    column = lambda leaf, alias: leaf[paths[f"indicator.{alias}"]]  # noqa: E731
    funds = value_at(fields, paths["funds"])
    locations = _locations(fields)
    for l1, l2, name, loc, leaf in fields["绩效指标"]:
        path = f"绩效指标.{l1}.{l2}.{name}"
        locations[path] = loc
        if isinstance(leaf, dict):
            locations.update(_locations(leaf, path))
    indicators = []
    for l1, l2, name, loc, leaf in fields["绩效指标"]:
        if not valid(leaf):
            continue
        indicators.append(m.Indicator(
            l1, l2, name, column(leaf, "target"), loc, actual=column(leaf, "actual"), weight=column(leaf, "weight"),
            score=column(leaf, "score"), deviation=column(leaf, "deviation") or "", band=leaf["完成程度"],
            extra={spec.name: spec.finish(leaf[spec.name]) for spec in form.level("指标")} if form else {},
        ))
    rows = [value_at(fields, paths[f"funds.{row}"]) for row in _ROWS]
    if fields["组成"] and funds is not None:
        locations[f"{paths['funds']}.given"] = funds["_locs"][""]
    return m.EvaluationProject(
        stem=source.stem,
        source=source.path,
        name=fields["项目名称"],
        is_part=fields["二级构成"],
        authority=fields["主管部门"],
        implementer=fields["实施单位"],
        parts=tuple(fields["组成"]),
        funds=m.EvaluationFunds(*(m.FundRow(*(row or _EMPTY_ROW)) for row in rows)),
        execution_weight=fields["预算执行分值"],
        expected=tuple(value_at(fields, paths["expected"]) or ()),
        achieved=tuple(value_at(fields, paths["achieved"]) or ()),
        indicators=tuple(indicators),
        locations=locations,
        waivers=_waivers(fields["忽略"]),
        extra={spec.name: spec.finish(fields[spec.name]) for spec in form.level("项目")} if form else {},
        to_confirm=tuple(fields.get(TO_CONFIRM_KEY) or ()),
        form=spec,
        values=_values(spec, fields, {g.key: tuple(indicators) for g in spec.indicator_fields()} if spec else {}),
    )


def _values(spec, fields: dict, sets: dict) -> dict:
    """The project's values by the keys of its form (FormAccess), indicators as built here."""
    if spec is None:
        return {}
    from builder.forms.formvalues import project_values

    return {**project_values(spec, fields), **sets}


def _parent_values(project, parts: list) -> dict:
    """A parent's values: each 组成相加 money table summed over its parts, each 组成合并 text its
    parts' texts when it has none of its own."""
    from builder.forms.formvalues import MoneyValues, set_value

    values = project.values
    if project.form is None:
        return values
    for spec in project.form.money_tables():
        if spec.table.parent_rule:
            values = set_value(values, spec.path, MoneyValues.summed([p.values[spec.key] for p in parts]))
    for spec in project.form.fields_with("组成合并"):
        if not project.get(spec.path):
            values = set_value(values, spec.path, tuple(t for p in parts for t in (p.get(spec.path) or ())))
    return values


def _resolve_parents(projects: list[m.EvaluationProject], stems: set[str], ctx: Context) -> list[m.EvaluationProject]:
    """A parent's money rows are its parts' sums; its texts default to its parts' texts."""
    by_stem = {p.stem: p for p in projects}
    resolved = []
    for project in projects:
        if not project.parts:
            resolved.append(project)
            continue
        parts = []
        seen: set[str] = set()
        for stem in project.parts:
            if stem in seen:  # counted twice, the parent's money would double
                ctx.error(project.location("组成"), "组成", f"“{stem}”重复列出（每个组成部分只能列一次）")
                continue
            seen.add(stem)
            part = by_stem.get(stem)
            if part is None and stem in stems:
                continue  # the part's file has problems of its own, reported there
            if part is None:
                hint = suggest(stem, by_stem)
                more = f"，是否应为“{hint}”？" if hint else ""
                ctx.error(project.location("组成"), "组成", f"没有名为“{stem}”的项目文件{more}")
            elif part.parts:
                ctx.error(project.location("组成"), "组成", f"“{stem}”本身也有组成：只支持一层二级构成")
            else:
                parts.append(part)
        if len(parts) != len(project.parts):
            resolved.append(project)  # kept for the checks; the build stops on the errors anyway
            continue
        paths = _evaluation_paths(project.form)
        summed = m.EvaluationFunds(*(_sum_rows([getattr(p.funds, row) for p in parts]) for row in _ROWS))
        if f"{paths['funds']}.given" in project.locations:
            _compare_parent_funds(project, summed, ctx, paths)
        markdown = dict(project.markdown)
        for path, own, of_part in ((paths["expected"], project.expected, lambda p: p.expected),
                                   (paths["achieved"], project.achieved, lambda p: p.achieved)):
            if not own and any(path in p.markdown for p in parts):  # the parts' texts, Markdown or plain, in order
                markdown[path] = tuple(piece for p in parts for piece in p.markdown.get(path, of_part(p)))
        resolved.append(replace(
            project,
            funds=summed,
            expected=project.expected or tuple(t for p in parts for t in p.expected),
            achieved=project.achieved or tuple(t for p in parts for t in p.achieved),
            markdown=markdown,
            values=_parent_values(project, parts),
        ))
    return resolved


def _sum_rows(rows: list[m.FundRow]) -> m.FundRow:
    def total(values):
        present = [v for v in values if v is not None]
        return sum(present, Decimal(0)) if present else None

    return m.FundRow(*(total([getattr(r, col) for r in rows]) for col in _COLUMNS))


def _compare_parent_funds(project: m.EvaluationProject, summed: m.EvaluationFunds, ctx: Context,
                          paths: dict) -> None:
    from builder.model.values import format_yuan

    for row in _ROWS:
        given, expected = getattr(project.funds, row), getattr(summed, row)
        for col in _COLUMNS:
            value, total = getattr(given, col), getattr(expected, col)
            if value is not None and value != (total or Decimal(0)):
                path = paths[f"funds.{row}"]
                ctx.error(
                    project.location(path), paths[f"funds.{row}.{col}"],
                    f"{format_yuan(value)} 与各组成部分之和 {format_yuan(total or Decimal(0))} 不一致"
                    "（上级项目的资金是其组成部分的合计，可删去此行由程序计算）",
                    "PARENT-SUM",
                )
