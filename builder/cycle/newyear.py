"""The yearly cycle (``budgetdoc new``): the targets of year N become the 自评 of year N
at year end, and the starting point of year N+1."""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from builder.model import core as m
from builder.read.errors import InputError, Problem
from builder.load.loader import load_document
from builder.output.atomic import write_new
from builder.read.readonce import reading_once
from builder.read.sources import source_bytes, source_files

# default 分值 of a 自评: 产出 50 (成本指标 share it), 效益 30, 满意度 10, budget execution 10
DEFAULT_WEIGHTS = {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
EXECUTION_WEIGHT = 10


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


def _weight_group(level1: str) -> str:
    """The default-weight group of a 一级指标 (a form's too: 服务对象满意度指标 is 满意度)."""
    if level1 in DEFAULT_WEIGHTS:
        return level1
    if "满意度" in level1:
        return "满意度指标"
    if "效益" in level1:
        return "效益指标"
    return "产出指标"  # 成本指标 share 产出's points


def _other_with_extras(funds: m.FundsTable):
    extras = [value for _, value in funds.annual_extra if value is not None]
    if not extras:
        return funds.annual_other
    return sum(extras, funds.annual_other or 0)


def _raw(path: Path) -> dict:
    """A YAML source as ruamel reads it (comments and quoting kept) — for values copied along —,
    of the text the bounded reader accepted."""
    from ruamel.yaml import YAML

    from builder.read.sources import accepted_text

    text = accepted_text(path)
    if path.suffix not in (".yaml", ".yml"):
        import tomllib

        return tomllib.loads(text)
    return YAML(typ="rt").load(text) or {}


def spread_weights(indicators: list[m.Indicator]) -> list[int]:
    """Integer 分值 per indicator: each group's points split evenly, remainders to the first rows;
    a group with no indicators gives its points to 产出指标 (or the first group present)."""
    groups: dict[str, list[int]] = {}
    for index, indicator in enumerate(indicators):
        group = _weight_group(indicator.level1)
        groups.setdefault(group, []).append(index)
    points = dict(DEFAULT_WEIGHTS)
    for group, value in DEFAULT_WEIGHTS.items():
        if group not in groups and groups:
            receiver = "产出指标" if "产出指标" in groups else next(iter(groups))
            points[receiver] += value
            points[group] = 0
    weights = [0] * len(indicators)
    for group, rows in groups.items():
        base, remainder = divmod(points.get(group, 0), len(rows))
        for position, index in enumerate(rows):
            weights[index] = base + (1 if position < remainder else 0)
    return weights


@reading_once
def new_evaluation(source: Path, out: Path) -> list[Path]:
    """The year-end 自评 sources of a 申报 document: figures as 年初预算数, targets as 指标值,
    empty 实际完成值 / 执行数 to fill, 分值 by the default weights."""
    from ruamel.yaml.comments import CommentedMap as Map

    from builder.cycle.writer import Num, dump, flow, indicator_tree, money, text_block

    document = _load_target(source)
    form = document.custom_form
    check_out(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    header = Map([("文档类型", m.EVALUATION_KIND), ("年度", document.year), ("单位名称", document.unit_name)])
    raw_document = _raw(document.source) if form is not None else {}
    if form is not None:
        # the same form: named again from the new folder (or copied, when it is written inline)
        named = raw_document.get("表单")
        header["表单"] = _follow_file(source, out, named, written) if isinstance(named, str) else named
        for spec in form.level("文档"):
            if raw_document.get(spec.name) is not None:
                header[spec.name] = raw_document[spec.name]
    header["项目顺序"] = [p.stem for p in document.projects]
    dump(header, out / "document.yaml")
    written.append(out / "document.yaml")
    for project in document.projects:
        funds = project.funds
        data = Map()
        data["项目名称"] = project.name
        data["二级构成"] = False
        data["主管部门"] = project.authority
        data["实施单位"] = project.implementer
        data["项目资金"] = Map([
            ("年度资金总额", flow([money(funds.annual), None, None])),
            ("当年财政拨款", flow([money(funds.appropriation), None, None])),
            ("上年结转资金", flow([money(funds.carryover), None, None])),
            # a form's own money rows (自有资金 …) have no row of their own on the 自评 form: 其他资金
            ("其他资金", flow([money(_other_with_extras(funds)), None, None])),
        ])
        data["预算执行分值"] = Num(str(EXECUTION_WEIGHT))
        data["预期目标"] = text_block(list(project.annual_goal or project.total_goal))
        data["实际完成情况"] = None
        indicators = list(project.indicators)
        if form is not None:  # a 自评 evaluates the year's targets: the form's last indicator set
            raw = _raw(project.source)
            for spec in form.level("项目"):
                if raw.get(spec.name) is not None:
                    data[spec.name] = raw[spec.name]
            indicators = list(project.indicator_sets.get(form.groups[-1], ()))
        weights = spread_weights(indicators)
        rows = [(i.level1, i.level2, i.name, (i, weight)) for i, weight in zip(indicators, weights)]
        data["绩效指标"] = indicator_tree(rows, lambda payload: Map([
            ("指标值", payload[0].target.text), ("实际完成值", None), ("分值", Num(str(payload[1]))),
            *((name, value) for name, value in payload[0].extra.items() if value),
        ]))
        path = out / f"{project.stem}.yaml"
        dump(data, path, _FILL_NOTE.format(year=document.year))
        written.append(path)
    return written


_FILL_NOTE = """\
# 由 budgetdoc new 从 {year} 年绩效目标申报生成的 {year} 年绩效自评。
# 待填写：项目资金的全年预算数、全年执行数（每行第 2、3 个值），实际完成情况，各指标的实际完成值；
# 得分不写则按规则计算。分值按默认权重分配（产出 50、效益 30、满意度 10、预算执行 10），可调整。
"""

_NEXT_NOTE = """\
# 由 budgetdoc new 从 {old} 年的源文件生成的 {new} 年草稿：计划日期已顺延一年，金额保持不变。
# 请逐项核对：项目资金、情况说明中的年份与内容、项目总目标、年度总体目标和绩效指标。
"""

_ENDED_NOTE = """\
# 注意：此项目计划 {start} 至 {end}（{nature}），已在 {new} 年之前结束，计划日期未顺延。
# {new} 年仍要申报的，请改写计划日期、金额和各项内容；不再申报的，请删除此文件，并从 document.yaml 的项目顺序中去掉。
"""

_YEAR = re.compile(r"((?:19|20)\d{2})(\s*年)")


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


def ended_before(project: m.TargetProject, year: int, old_year: int) -> bool:
    """A project that does not go on into ``year``: a one-off (一次性) project or one that ran over
    several years, whose 计划完成日期 is before ``year``. A recurring yearly project (经常性,
    within its budget year) goes on and is moved by a year."""
    if project.end.year >= year:
        return False
    return "一次性" in project.nature or project.start.year < old_year


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
    for path in source_files(source):
        project = projects.get(path.name)
        ended = project is not None and ended_before(project, year, document.year)
        if ended:
            result.ended.append(Problem(
                project.location("计划完成日期"), "计划完成日期",
                f"项目“{project.name}”计划 {project.start.isoformat()} 至 {project.end.isoformat()}（{project.nature}），"
                f"在 {year} 年之前已结束：日期未顺延；仍要申报请改写，不再申报请删除此文件并从项目顺序中去掉",
                "警告", rule="PROJECT-ENDED"))
        if path.suffix not in (".yaml", ".yml"):
            target = out / path.name
            write_new(target, source_bytes(path, source))  # TOML is copied as it is; the note says to review
            written.append(target)
            continue
        data = yaml.load(accepted_text(path, source))
        form = document.custom_form
        if path.stem == "document":
            data["年度"] = year
            for key in _FOLLOWED_FILES:
                if isinstance(data.get(key), str):
                    data[key] = _follow_file(source, out, data[key], written)
            for spec in form.level("文档") if form is not None else ():
                if spec.kind == "日期" and hasattr(data.get(spec.name), "year"):
                    data[spec.name] = _shift_date(data[spec.name], shift)
        elif not ended:
            dates = ["计划开始日期", "计划完成日期"]
            dates += [spec.name for spec in form.level("项目") if spec.kind == "日期"] if form is not None else []
            for key in dates:
                if key in data and hasattr(data[key], "year"):
                    data[key] = _shift_date(data[key], shift)
            narrative = data.get("情况说明") or {}
            if isinstance(narrative.get("实施周期"), str):
                shifted = _YEAR.sub(lambda m_: f"{int(m_.group(1)) + shift}{m_.group(2)}", narrative["实施周期"])
                narrative["实施周期"] = type(narrative["实施周期"])(shifted) if shifted != narrative["实施周期"] else \
                    narrative["实施周期"]
        target = out / path.name
        handle = io.StringIO()
        handle.write(_NEXT_NOTE.format(old=document.year, new=year))
        if ended:
            handle.write(_ENDED_NOTE.format(start=project.start.isoformat(), end=project.end.isoformat(),
                                            nature=project.nature, new=year))
        yaml.dump(data, handle)
        write_new(target, handle.getvalue())
        written.append(target)
    written.extend(_next_year_markdown(source, out, document.year, year))
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


def _next_year_markdown(source: Path, out: Path, old: int, new: int) -> list[Path]:
    """The Markdown narratives copied, with a note at the top (an HTML comment, which is not printed)
    and the years in ``## 实施周期`` moved like the YAML's."""
    from builder.read.markdown import markdown_files
    from builder.read.sources import source_bytes

    shift = new - old
    written = []
    for path in markdown_files(source):
        text = source_bytes(path, source).decode("utf-8-sig")
        lines, section = [], ""
        for line in text.splitlines(keepends=True):
            heading = _SECTION_HEADING.match(line.rstrip("\r\n"))
            if heading:
                section = re.sub(r"^[一二三四五六七八九十]+[、.．]\s*", "", heading.group(1).strip())
            elif section == "实施周期":
                line = _YEAR.sub(lambda m_: f"{int(m_.group(1)) + shift}{m_.group(2)}", line)
            lines.append(line)
        note = " ".join(_NEXT_NOTE.format(old=old, new=new).replace("# ", "").split())
        target = out / path.name
        write_new(target, f"<!-- {note} -->\n\n" + "".join(lines))
        written.append(target)
    return written


