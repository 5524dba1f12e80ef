"""Stage 2 — load: located raw trees → the typed model, every problem reported at once.

The schemas below are the source format of ``docs/sources.md``: the keys are
the labels printed on the official forms.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from builder.model import core as m
from builder.read.errors import InputError, Location, Problem, Problems
from builder.model.schema import INVALID, Context, suggest
from builder.read.rawtree import Mapping, Scalar, describe
from builder.read.markdown import FORMAT_KEY
from builder.read.sources import SourceFile, find_document_folders, read_folder
from builder.forms.formdef import ENGINE_KEYS, form_for, shipped_form
from builder.forms.formvalues import finish
from builder.load.project import build_project, resolve_parents, waivers_of
from builder.model.sourceschema import valid

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
        project = build_project(source, ctx, project_schema, spec) if _root_is_mapping(source, ctx) else None
        if project is not None:
            projects.append(replace(project, markdown=pieces) if pieces else project)
    projects = resolve_parents(projects, {s.stem for s in ordered}, ctx)
    if not ordered:
        problems.error(sources.document.root.loc, "", "文档中没有项目文件（每个项目一个 .yaml 文件，与 document.yaml 放在同一文件夹）")
    document = m.Document(
        kind=kind,
        year=fields["年度"],
        unit_name=fields["单位名称"],
        projects=tuple(projects),
        folder=folder,
        source=sources.document.path,
        template=fields["模板"],
        locations=dict(fields["_locs"]),
        rules=fields["规则"],
        waivers=waivers_of(fields["忽略"]),
        form=spec,
        values={s.key: finish(s, fields.get(s.key)) for s in spec.document_fields},
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
