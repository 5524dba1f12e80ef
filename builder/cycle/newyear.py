"""The yearly cycle (``budgetdoc new``): the targets of year N become the 自评 of year N
at year end, and the starting point of year N+1."""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from builder.forms import formspec as fs
from builder.forms.formdef import document_form
from builder.cycle.evaldraft import evaluation_data
from builder.model import core as m
from builder.read.errors import InputError, Problem
from builder.load.loader import load_document
from builder.output.atomic import write_new
from builder.read.readonce import reading_once
from builder.read.sources import source_bytes, source_files

class CycleProblem(Exception):
    """The message is user-facing Chinese."""


def _load_target(folder: Path) -> m.Document:
    loaded = load_document(folder)
    if loaded.errors or loaded.document is None:
        raise InputError(loaded.problems)
    if loaded.document.kind != m.TARGET_KIND:
        raise CycleProblem(f"{folder} 不是绩效目标申报文档（文档类型为 {loaded.document.kind}）")
    return loaded.document


def check_out(out: Path) -> None:
    """The new folder must be new or empty: any file in it (a template, a note, not only a
    source) could be overwritten; each write refuses an existing file too (write_new)."""
    if os.path.lexists(out) and (not out.is_dir() or out.is_symlink() or any(out.iterdir())):
        raise CycleProblem(f"输出文件夹“{out}”已存在且不为空，请指定一个新的（或空的）文件夹，以免覆盖其中的文件")


def raw_source(path: Path) -> dict:
    """A YAML source as ruamel reads it (comments and quoting kept) — for values copied along —,
    of the text the bounded reader accepted."""
    from ruamel.yaml import YAML

    from builder.read.sources import accepted_text

    text = accepted_text(path)
    if path.suffix not in (".yaml", ".yml"):
        import tomllib

        return tomllib.loads(text)
    return YAML(typ="rt").load(text) or {}


def evaluation_form(document):
    """The 自评 form of a 申报 document: as a 自评 document naming the 申报's form gets it (its
    ``自评:``, or the shipped 自评 with the form's framework), else the shipped one."""
    from builder.forms.formdef import read_form, shipped_form

    form = document_form(document)
    if form.shipped:
        return shipped_form(m.EVALUATION_KIND)
    if form.evaluation is not None:
        return form.evaluation
    return read_form(document.source.parent, m.EVALUATION_KIND)


@reading_once
def new_evaluation(source: Path, out: Path) -> list[Path]:
    """The year-end 自评 sources of a 申报 document, field by field of the 自评 form: the 申报's
    values where a role says so (来自申报), the same keys copied, empty 实际值 / 执行数 to fill,
    分值 by the default weights."""
    from builder.cycle.writer import dump

    document = _load_target(source)
    evaluation = evaluation_form(document)
    written = write_evaluation_header(document, source, out, evaluation)
    for project in document.projects:
        path = out / f"{project.stem}.yaml"
        dump(evaluation_data(project, evaluation, raw_source(project.source)), path,
             _fill_note(evaluation, document.year))
        written.append(path)
    return written


def write_evaluation_header(document, source: Path, out: Path, evaluation) -> list[Path]:
    """The new 自评 folder (new or empty) and its document.yaml: the kind, year and unit, the same
    form named again from the new folder, the 自评 form's document fields the source has, the order
    of the projects. Returns what it wrote."""
    from ruamel.yaml.comments import CommentedMap as Map

    from builder.cycle.writer import dump

    check_out(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    header = Map([("文档类型", m.EVALUATION_KIND), ("年度", document.year), ("单位名称", document.unit_name)])
    raw_document = raw_source(document.source)
    named = raw_document.get("表单")
    if named is not None:  # the same form: named again from the new folder (or copied, when it is written inline)
        header["表单"] = _follow_file(source, out, named, written) if isinstance(named, str) else named
    for spec in evaluation.document_fields:
        if raw_document.get(spec.key) is not None:
            header[spec.key] = raw_document[spec.key]
    header["项目顺序"] = [p.stem for p in document.projects]
    dump(header, out / "document.yaml")
    written.append(out / "document.yaml")
    return written


def _fill_note(evaluation, year) -> str:
    """The note atop a 自评 project: what is left to fill, named by the 自评 form's labels."""
    todo = []
    for spec in evaluation.money_tables():
        later = spec.table.columns[1:]
        if later:
            places = "、".join(str(n) for n in range(2, len(spec.table.columns) + 1))
            todo.append(f"{spec.key}的{'、'.join(c.label for c in later)}（每行第 {places} 个值）")
    todo += [spec.key for spec in evaluation.fields_with("完成情况")]
    for spec in evaluation.indicator_fields():
        actual = spec.indicators.column_with("实际值")
        if actual is not None:
            todo.append(f"各指标的{actual.label}")
    return _FILL_NOTE.format(year=year, todo="，".join(todo))


_FILL_NOTE = """\
# 由 budgetdoc new 从 {year} 年绩效目标申报生成的 {year} 年绩效自评。
# 待填写：{todo}；
# 得分不写则按规则计算。分值按默认权重分配（产出 50、效益 30、满意度 10、预算执行 10），可调整。
"""

_NEXT_NOTE = """\
# 由 budgetdoc new 从 {old} 年的源文件生成的 {new} 年草稿：计划日期已顺延一年，金额保持不变。
# 请逐项核对：{review}。
"""

_ENDED_NOTE = """\
# 注意：此项目计划 {plan}，已在 {new} 年之前结束，计划日期未顺延。
# {new} 年仍要申报的，请改写计划日期、金额和各项内容；不再申报的，请删除此文件，并从 document.yaml 的项目顺序中去掉。
"""

_YEAR = re.compile(r"((?:19|20)\d{2})(\s*年)")


def _plan(project) -> str:
    """``2024-01-01 至 2025-12-31（其他一次性项目）``: the project's dates and its nature."""
    start, end = project.role("开始日期"), project.role("完成日期")
    dates = " 至 ".join(d.isoformat() for d in (start, end) if d is not None)
    return dates + (f"（{nature(project)}）" if nature(project) else "")


def _shift_date(value, years: int):
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February
        return value.replace(year=value.year + years, day=28)


_FOLLOWED_FILES = ("模板", "表单")  # document.yaml keys naming a file by its path from the folder


def _follow_file(source: Path, out: Path, name: str, written: list[Path]) -> str:
    """A file that document.yaml names: copied along when it lies in the document folder,
    otherwise (a file shared by several years) named again by its path from the new folder."""
    from builder.output.atomic import write_new
    from builder.read.repo import OutsideRepository, resolve_in_repository
    from builder.read.safeio import read_regular

    try:
        path = resolve_in_repository(source, name, "文件")
    except OutsideRepository:
        return name  # the check of the new document reports it where it is written
    if source.resolve() in path.parents:
        target = out / path.relative_to(source.resolve())
        write_new(target, read_regular(path, 256 * 1024 * 1024))
        written.append(target)
        return name
    return Path(os.path.relpath(path, out.resolve())).as_posix()


@dataclass
class NextYear:
    """What ``next_year`` wrote and what the user has to look at: projects that had ended (their
    dates not moved) and the texts that still speak of an earlier year (YEAR-STALE findings)."""

    written: list[Path] = field(default_factory=list)
    ended: list[Problem] = field(default_factory=list)
    stale: list[Problem] = field(default_factory=list)


_PERIOD = "周期"  # the role of the text giving the project's period: its years move with the dates
_NATURE = ("一次性", "经常性")  # how a form's text field says whether a project recurs


def nature(project) -> str:
    """The project's text that says whether it recurs (其他一次性项目 …), "" when the form has none."""
    for spec in project.form.project_fields:
        value = project.get(spec.path) if spec.kind in ("文本", "选项") else None
        if isinstance(value, str) and any(word in value for word in _NATURE):
            return value
    return ""


def ended_before(project, year: int, old_year: int) -> bool:
    """A project that does not go on into ``year``: a one-off (一次性) project or one that ran over
    several years, whose 完成日期 is before ``year``. A recurring yearly project (经常性,
    within its budget year) goes on and is moved by a year."""
    start, end = project.role("开始日期"), project.role("完成日期")
    if end is None or end.year >= year:
        return False
    return _NATURE[0] in nature(project) or (start is not None and start.year < old_year)


def _review(form) -> str:
    """What the next year's note asks to review: the money tables, the groups' years and texts, the
    paragraphs and the indicators, by the form's keys."""
    names = []
    for spec in form.project_fields:
        if spec.kind == fs.MONEY_TABLE or spec.kind == fs.INDICATORS or spec.kind == "段落":
            names.append(spec.key)
        elif spec.kind == fs.GROUP:
            names.append(f"{spec.key}中的年份与内容")
    return "、".join(names[:-1]) + f"和{names[-1]}" if len(names) > 1 else "".join(names)


def _at(data, path: str):
    """(mapping, key) of a dotted path in a source's data, or (None, key) when it is not there."""
    *parents, key = path.split(".")
    for parent in parents:
        data = data.get(parent) if hasattr(data, "get") else None
    return (data if hasattr(data, "get") else None), key


def _shift_years(text, shift: int):
    shifted = _YEAR.sub(lambda m_: f"{int(m_.group(1)) + shift}{m_.group(2)}", text)
    return type(text)(shifted) if shifted != text else text


def _shift_project(data, form, shift: int) -> None:
    """Every 日期 field moved by ``shift`` years, the years in the 实施周期 text too."""
    for spec in form.walk():
        holder, key = _at(data, spec.path)
        if holder is None:
            continue
        if spec.kind == "日期" and hasattr(holder.get(key), "year"):
            holder[key] = _shift_date(holder[key], shift)
        elif _PERIOD in spec.roles and isinstance(holder.get(key), str):
            holder[key] = _shift_years(holder[key], shift)


@reading_once
def next_year(source: Path, out: Path, year: int) -> NextYear:
    """Next year's 申报 sources: the files copied with their comments, dates moved by the
    difference of years, years in 实施周期 moved too, amounts kept, a note at the top.
    A project that has ended keeps its dates and gets a note saying so; texts that name an
    earlier year are reported (the YEAR-STALE check on the draft), never rewritten."""
    from ruamel.yaml import YAML

    from builder.read.sources import accepted_text

    document = _load_target(source)
    check_out(out)
    shift = year - document.year
    if shift <= 0:
        raise CycleProblem(f"--year {year} 应晚于源文档的年度 {document.year}")
    yaml = YAML(typ="rt")
    yaml.width = 1_000_000
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    out.mkdir(parents=True, exist_ok=True)
    result = NextYear()
    written = result.written
    projects = {p.source.name: p for p in document.projects}
    form = document_form(document)
    for path in source_files(source):
        project = projects.get(path.name)
        ended = project is not None and ended_before(project, year, document.year)
        if ended:
            end_path = project.role_path("完成日期")
            result.ended.append(Problem(
                project.location(end_path), end_path,
                f"项目“{project.name}”计划 {_plan(project)}，"
                f"在 {year} 年之前已结束：日期未顺延；仍要申报请改写，不再申报请删除此文件并从项目顺序中去掉",
                "警告", rule="PROJECT-ENDED"))
        if path.suffix not in (".yaml", ".yml"):
            target = out / path.name
            write_new(target, source_bytes(path, source))  # TOML is copied as it is; the note says to review
            written.append(target)
            continue
        data = yaml.load(accepted_text(path, source))
        if path.stem == "document":
            data["年度"] = year
            for key in _FOLLOWED_FILES:
                if isinstance(data.get(key), str):
                    data[key] = _follow_file(source, out, data[key], written)
            for spec in form.walk("文档"):
                holder, key = _at(data, spec.path)
                if holder is not None and spec.kind == "日期" and hasattr(holder.get(key), "year"):
                    holder[key] = _shift_date(holder[key], shift)
        elif not ended:
            _shift_project(data, form, shift)
        target = out / path.name
        handle = io.StringIO()
        handle.write(_NEXT_NOTE.format(old=document.year, new=year, review=_review(form)))
        if ended:
            handle.write(_ENDED_NOTE.format(plan=_plan(project), new=year))
        yaml.dump(data, handle)
        write_new(target, handle.getvalue())
        written.append(target)
    written.extend(_next_year_markdown(source, out, document.year, year, form))
    result.stale = _stale_years(out)
    result.ended = [_relocate(p, source, out) for p in result.ended]
    return result


def _relocate(problem: Problem, source: Path, out: Path) -> Problem:
    """A problem found in the old file, placed in the new one (two note lines were added above)."""
    from dataclasses import replace

    from builder.read.errors import Location

    old = problem.location
    return replace(problem, location=Location(out / old.file.name, old.line + 4, old.col))


def _stale_years(out: Path) -> list[Problem]:
    """The draft's texts that name a year before the new one (``2025 年 1年需支付 84.2 万元``)."""
    from builder.output.build import check

    try:
        _, problems = check([out])
    except InputError:
        return []
    return [p for p in problems if p.rule == "YEAR-STALE"]


_SECTION_HEADING = re.compile(r"^ {0,3}##[ \t]+(.*?)[ \t#]*$")


def _next_year_markdown(source: Path, out: Path, old: int, new: int, form) -> list[Path]:
    """The Markdown narratives copied, with a note at the top (an HTML comment, which is not printed)
    and the years in ``## 实施周期`` moved like the YAML's."""
    from builder.read.markdown import markdown_files
    from builder.read.sources import source_bytes

    shift = new - old
    written = []
    periods = {spec.key for spec in form.fields_with(_PERIOD)}
    for path in markdown_files(source):
        text = source_bytes(path, source).decode("utf-8-sig")
        lines, section = [], ""
        for line in text.splitlines(keepends=True):
            heading = _SECTION_HEADING.match(line.rstrip("\r\n"))
            if heading:
                section = re.sub(r"^[一二三四五六七八九十]+[、.．]\s*", "", heading.group(1).strip())
            elif section in periods:
                line = _YEAR.sub(lambda m_: f"{int(m_.group(1)) + shift}{m_.group(2)}", line)
            lines.append(line)
        note = " ".join(_NEXT_NOTE.format(old=old, new=new, review=_review(form)).replace("# ", "").split())
        target = out / path.name
        write_new(target, f"<!-- {note} -->\n\n" + "".join(lines))
        written.append(target)
    return written


