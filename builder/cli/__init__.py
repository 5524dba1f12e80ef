"""The command line: parse arguments, call one stage function, print.

Exit codes: 0 done, 1 problems in the sources (each printed with its place),
2 wrong usage, 3 an internal error (one line; the traceback is saved to a file).
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import click

from builder import __version__

from builder.cli import clitext
from builder.read.errors import InputError, display_path, printable

clitext.install()

EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL = 1, 2, 3


def _echo_findings(problems) -> None:
    """One line per finding, written at once (hundreds of findings: one write, not hundreds)."""
    if problems:
        click.echo("\n".join(problem.format_finding() for problem in problems), err=True)


def _report_problems(problems, document: str = "") -> None:
    _echo_findings(problems)
    errors = sum(1 for p in problems if p.severity == "错误")
    warnings = len(problems) - errors
    which = f"{document}：" if document else ""
    summary = f"{which}共 {errors} 个错误" + (f"，{warnings} 个警告" if warnings else "") + "，未生成文档（原有输出保持不变）。"
    click.echo(summary, err=True)


def _existing_paths(paths) -> list[Path]:
    """PATH arguments as given; one that does not exist is wrong usage (exit 2), one line."""
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        click.echo(f"路径不存在：{'、'.join(display_path(p) for p in missing)}（相对路径从当前文件夹算起）", err=True)
        sys.exit(EXIT_USAGE)
    return list(paths)


def _default_sources() -> Path:
    from builder.read.where import sources_root

    root = sources_root()
    if not root.exists():
        command = click.get_current_context().command_path
        raise click.UsageError(f"找不到 sources 文件夹：请在仓库中（任何子文件夹均可）运行，或写出文档文件夹的路径，"
                               f"如 {command} 我的文档/")
    return root


def _default_out() -> Path:
    from builder.read.where import build_root, default_output_problem

    out = build_root()
    problem = default_output_problem(out)
    if problem is not None:
        raise click.UsageError(problem)
    return out


def _as_document_folders(paths: list[Path]) -> list[Path]:
    """A project file given as PATH stands for its document folder."""
    from builder.read.sources import document_folder_of

    result = []
    for path in paths:
        folder = document_folder_of(path) if path.is_file() else None
        result.append(folder if folder is not None else path)
    return list(dict.fromkeys(result))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="budgetdoc", help="显示版本号并退出。")
@click.help_option("-h", "--help", help="显示本帮助并退出。")
def cli() -> None:
    """budgetdoc：从 YAML/TOML 源文件生成绩效目标申报、绩效自评 Word 文档。

    退出码：0 完成；1 源文件有问题（逐条列出位置）；2 用法错误；3 内部错误（出错信息另存文件）。
    """


def _formats(value: str) -> tuple[str, ...]:
    from builder.output.build import FORMATS

    formats = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise click.BadParameter(f"未知的格式：{', '.join(unknown) or value}（可用：{', '.join(FORMATS)}，可用逗号连写）")
    return formats


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[路径]...")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="文件夹",
              help="输出文件夹（默认为仓库顶层的 build/）。")
@click.option("--format", "format_list", default="docx", show_default=True, metavar="格式",
              help="输出格式：docx、pdf、xlsx、html，可用逗号连写（docx,pdf）。")
@click.option("--watch", is_flag=True, help="生成后继续监视源文件和模板，每次保存都重新生成。")
@click.option("--no-cache", is_flag=True, help="不使用缓存，全部重新生成。")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True, metavar="个数",
              help="同时生成的文档数（多进程；PDF 也分给同样多个 LibreOffice 进程），用于一次生成许多文档文件夹。")
def build(paths: tuple[Path, ...], out_dir: Path | None, format_list: str, watch: bool, no_cache: bool,
          jobs: int) -> None:
    """生成文档：路径为文档文件夹、包含文档文件夹的文件夹或项目文件（默认为仓库的 sources/）。

    在仓库的任何子文件夹中运行，结果都相同（像 git 一样向上查找仓库顶层）。
    每个文档文件夹生成 <输出文件夹>/<文件夹名>.docx（及所选的 .pdf、.xlsx）。一个文档的源文件有错误时，
    列出它的全部错误、不写它的任何文件（原有输出保持不变），其他文档照常生成；
    源文件、模板都没有变化的文档不重新生成。
    """
    from builder.output.assemble import epoch_problem

    formats = _formats(format_list)
    targets = _as_document_folders(_existing_paths(paths)) or [_default_sources()]
    out_dir = out_dir if out_dir is not None else _default_out()
    problem = epoch_problem()
    if problem:
        click.echo(problem, err=True)
        sys.exit(EXIT_USAGE)

    def once() -> int:
        return _build_once(targets, out_dir, formats, not no_cache, jobs)

    if watch:
        from builder.live.watch import watch_and_build

        watch_and_build(targets, out_dir, formats, once)
        return
    sys.exit(once())


def _build_once(targets: list[Path], out_dir: Path, formats: tuple[str, ...], use_cache: bool, jobs: int) -> int:
    """One build with its report; returns the exit code."""
    from builder.output.build import build as run_build
    from builder.output.pdf import PdfUnavailable

    from builder.output.build import OutputClash
    from builder.read.safeio import describe_os_error

    started = time.perf_counter()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        click.echo(f"无法创建输出文件夹 {display_path(out_dir)}：{describe_os_error(exc)}（请用 --out 指定另一个文件夹）", err=True)
        return EXIT_INPUT
    pdf_missing = None
    if "pdf" in formats:  # without LibreOffice, the other formats are still made; the PDF is reported missing
        from builder.output.pdf import find_soffice

        try:
            find_soffice()
        except PdfUnavailable as exc:
            pdf_missing = exc
            formats = tuple(f for f in formats if f != "pdf")
            if not formats:
                click.echo(f"{exc}。", err=True)
                return EXIT_INPUT
    try:
        results, failures = run_build(targets, out_dir, formats, on_document=_progress(), use_cache=use_cache,
                                      jobs=jobs)
    except InputError as exc:
        _report_problems(exc.problems)
        return EXIT_INPUT
    except OutputClash as exc:
        click.echo(f"{exc}。未生成任何文档。", err=True)
        return EXIT_INPUT
    except PdfUnavailable as exc:
        click.echo(f"{exc}；未生成 PDF。", err=True)
        return EXIT_INPUT
    warned = 0
    for result in results:
        _echo_findings(result.warnings)
        warned += sum(warning.severity == "警告" for warning in result.warnings)
    for failure in failures:
        if failure.reason:
            click.echo(f"{failure.name}：{failure.reason}", err=True)
        else:
            _report_problems(failure.problems, failure.name)
    for result in results:
        names = "、".join(display_path(p) for p in result.outputs)
        if result.skipped:
            click.echo(f"未改变，未重新生成 {names}")
        else:
            again = f"，其中 {result.rendered} 个有改动、重新生成" if result.rendered is not None else ""
            click.echo(f"已生成 {names}（{result.projects} 个项目{again}，{result.seconds:.2f} 秒）")
    total = len(results) + len(failures)
    if total > 1:
        skipped = sum(r.skipped for r in results)
        click.echo(f"共 {total} 个文档：{len(results) - skipped} 个已生成，{skipped} 个未改变，{len(failures)} 个失败，"
                   f"用时 {time.perf_counter() - started:.2f} 秒")
    if warned:
        click.echo(f"以上 {warned} 个警告不影响生成，请逐条核对（budgetdoc check 列出同样的发现，"
                   f"各规则的说明见 docs/checks.md）", err=True)
    if pdf_missing is not None:
        click.echo(f"{pdf_missing}；未生成 PDF。", err=True)
    return EXIT_INPUT if failures or pdf_missing else 0


@cli.command(name="serve")
@click.argument("path", required=False, type=click.Path(path_type=Path), metavar="[路径]")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="端口（0：任选一个空闲端口）。")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；默认只在本机。改成其他地址时同一网络中的其他人也能看到文档。")
def serve_command(path: Path | None, port: int, host: str) -> None:
    """在浏览器中预览：按申报表、自评表的样子显示文档，保存源文件后页面自动更新。

    路径为文档文件夹或包含文档文件夹的文件夹（默认为仓库的 sources/）。检查发现标在对应的单元格旁，
    并链接到源文件的行；有错误的保存保留上次的预览。Ctrl+C 结束。
    """
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        click.echo(f"预览需要可选组件：pip install 'budgetdoc[serve]'（缺少 {exc.name}）", err=True)
        sys.exit(EXIT_USAGE)
    from builder.live.serve import ServeProblem, serve

    try:
        targets = _as_document_folders(_existing_paths((path,) if path else ())) or [_default_sources()]
        serve(targets, host, port, lambda text, err: click.echo(text, err=err))
    except ServeProblem as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_USAGE)


@cli.command(name="check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[路径]...")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text：每条一行；json：供编辑器和 CI 使用的列表。")
@click.option("--strict", is_flag=True, help="有警告也以退出码 1 结束。")
@click.option("--baseline", "baseline", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="文件",
              help="基线文件：其中的发现列为“已知”，不使检查失败，只有新的发现照常报告。")
@click.option("--write-baseline", "write_baseline_to", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="文件", help="把当前的全部错误和警告写入基线文件（团队开始在旧文档上使用本工具时）。")
@click.option("--docx", "docx_out", type=click.Path(path_type=Path), default=None, metavar="输出",
              help="另外写出带批注的 Word 文档：每条发现是它所在单元格或段落上的一条批注"
                   "（一个文档时可写 .docx 文件名，否则为文件夹）。")
def check_command(paths: tuple[Path, ...], output_format: str, strict: bool, baseline: Path | None,
                  write_baseline_to: Path | None, docx_out: Path | None) -> None:
    """检查源文件：算术、万元/元、指标框架、复制的文字、自评得分……（规则表见 docs/checks.md）。

    每条发现为“路径:行:列 [错误|警告|已接受|已知] 规则编号 字段路径: 说明”（build 也这样列出）。
    没有错误时退出码为 0，有错误（或加 --strict 时有警告）为 1；“已接受”（源文件中“忽略:”写明原因的）
    和“已知”（在基线中的）不算。路径为一个项目文件时，检查它所在的整个文档，只列出这个文件的发现。
    """
    import json

    from builder.output.build import check
    from builder.check.profile import BaselineProblem, apply_baseline, read_baseline, write_baseline

    given = _existing_paths(paths)
    targets = _as_document_folders(given) or [_default_sources()]
    documents = []
    try:
        documents, problems = check(targets)
    except InputError as exc:
        problems = exc.problems
    problems, elsewhere = _only_given_files(given, problems)
    gone = 0
    if baseline is not None:
        try:
            known = read_baseline(baseline)
        except BaselineProblem as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_INPUT)
        problems, gone = apply_baseline(problems, known, display_path(baseline))
    if write_baseline_to is not None:
        from builder.output.build import read_inputs
        from builder.load.loader import expand_document_folders

        try:
            inputs = [path for folder in expand_document_folders(targets) for path in read_inputs(folder)]
        except InputError:
            inputs = []
        count = write_baseline(write_baseline_to, problems, inputs)
        click.echo(f"已把 {count} 条发现写入基线 {display_path(write_baseline_to)}", err=True)
    if docx_out is not None:
        from builder.review.annotate import AnnotateProblem, write_annotated

        try:
            for path in write_annotated(documents, problems, docx_out):
                click.echo(f"已生成带批注的文档 {display_path(path)}", err=True)
        except AnnotateProblem as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_INPUT)
    if output_format == "json":
        click.echo(json.dumps([p.as_json() for p in problems], ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            click.echo(problem.format_finding())
        counts = {level: sum(1 for p in problems if p.severity == level) for level in ("错误", "警告", "已接受", "已知")}
        summary = f"{counts['错误']} 个错误，{counts['警告']} 个警告"
        if counts["已接受"]:
            summary += f"，{counts['已接受']} 条已接受"
        if counts["已知"]:
            summary += f"，{counts['已知']} 条已知（基线）"
        if gone:
            summary += f"；基线中有 {gone} 条已不再出现，可重新写出基线"
        for folder, count in elsewhere.items():
            summary += f"；文档 {display_path(folder)} 的其他文件还有 {count} 条发现（budgetdoc check {display_path(folder)} 列出全部）"
        click.echo(summary, err=True)
    failing = [p for p in problems if p.severity == "错误" or (strict and p.severity == "警告")]
    sys.exit(EXIT_INPUT if failing else 0)


def _only_given_files(given: list[Path], problems):
    """For a project file given as PATH, only that file's findings (the checks run on its whole
    document); returns them and, per such document, how many findings were left out."""
    from builder.read.sources import document_folder_of

    restrict: dict[str, set[str]] = {}
    folders: dict[str, Path] = {}
    for path in given:
        folder = document_folder_of(path) if path.is_file() else None
        if folder is not None:
            restrict.setdefault(str(folder), set()).add(os.path.abspath(path))
            folders[str(folder)] = folder
    if not restrict:
        return problems, {}
    kept, elsewhere = [], {}
    for problem in problems:
        file = os.path.abspath(problem.location.file)
        folder = file if file in restrict else os.path.dirname(file)
        if folder not in restrict or file in restrict[folder]:
            kept.append(problem)
        else:
            elsewhere[folders[folder]] = elsewhere.get(folders[folder], 0) + 1
    return kept, elsewhere


@cli.command()
@click.option("--for", "which", type=click.Choice(["绩效目标申报", "绩效自评", "document"]), default="绩效目标申报",
              show_default=True, help="哪一种源文件：申报项目、自评项目，或 document.yaml。", metavar="种类")
@click.option("--form", "form_path", type=click.Path(exists=True, path_type=Path), default=None, metavar="表单",
              help="本局表单：表单定义文件，或 document.yaml 写有“表单”的文档文件夹（含扩展字段、指标体系和指标组）。")
def schema(which: str, form_path: Path | None) -> None:
    """打印源文件格式的 JSON Schema，供编辑器补全和实时校验（见 docs/editors.md）。"""
    import json

    from builder.model.sourceschema import source_json_schema

    form = _read_form(form_path) if form_path else None
    click.echo(json.dumps(source_json_schema(which, form), ensure_ascii=False, indent=2))


@cli.command(name="context")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--project", "stem", default=None, help="只打印这个项目（项目文件名，不含扩展名）。")
def context_command(folder: Path, stem: str | None) -> None:
    """以 YAML 打印一个文档交给模板的全部值（模板中 {{ … }} 可用的名称和它们的实际内容）。"""
    from builder.render.context import document_context
    from builder.read.errors import InputError
    from builder.load.loader import load_document

    loaded = load_document(folder)
    if loaded.errors or loaded.document is None:
        for problem in loaded.errors or loaded.problems:
            click.echo(problem.format(), err=True)
        sys.exit(EXIT_INPUT)
    document = loaded.document
    try:
        context = document_context(document)
    except InputError as exc:
        for problem in exc.problems:
            click.echo(problem.format(), err=True)
        sys.exit(EXIT_INPUT)
    if stem is not None:
        stems = [p.stem for p in document.projects]
        if stem not in stems:
            from builder.model.schema import suggest

            hint = suggest(stem, stems)
            click.echo(f"没有名为“{stem}”的项目文件" + (f"，是否应为“{hint}”？" if hint else f"（可用：{'、'.join(stems)}）"),
                       err=True)
            sys.exit(EXIT_INPUT)
        index = stems.index(stem)
        for key in ("projects", "项目列表"):
            if key in context:
                context[key] = [context[key][index]]
    click.echo(_context_yaml(context), nl=False)


def _context_yaml(context: dict) -> str:
    import io

    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.allow_unicode = True
    yaml.width = 1_000_000
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(context, buffer)
    return buffer.getvalue()


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), metavar="文件夹")
@click.option("--type", "kind", type=click.Choice(["绩效目标申报", "绩效自评"]), default="绩效目标申报",
              show_default=True, help="文档类型。")
@click.option("--year", type=click.IntRange(2000, 2100), default=None, metavar="年度", help="年度（默认今年）。")
@click.option("--unit", default="（单位名称）", metavar="名称", help="单位名称。")
@click.option("--form", "form_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="本局表单的定义文件：document.yaml 引用它，示例项目写出它的每个字段。")
def init(folder: Path, kind: str, year: int | None, unit: str, form_path: Path | None) -> None:
    """新建一个文档文件夹：document.yaml 和一个带注释的示例项目（通过 budgetdoc check）。"""
    import datetime as dt

    from builder.cycle.scaffold import ScaffoldExists, scaffold, scaffold_form

    try:
        if form_path is not None:
            import os

            form = _read_form(form_path)
            reference = Path(os.path.relpath(form_path.resolve(), folder.resolve())).as_posix()
            written = scaffold_form(folder, form, reference, year or dt.date.today().year, unit)
        else:
            written = scaffold(folder, kind, year or dt.date.today().year, unit)
    except ScaffoldExists as exc:
        raise click.UsageError(str(exc)) from None
    for path in written:
        click.echo(f"已写入 {display_path(path)}")


@cli.command()
@click.argument("docx", type=click.Path(dir_okay=False, path_type=Path), metavar="文件.docx")
def totext(docx: Path) -> None:
    """把生成的 .docx 打印为稳定的文本：每段一行，表格每行“| a | b |”，合并单元格只出现一次。

    供 git diff 使用（见 budgetdoc git-setup）。
    """
    import zipfile

    from lxml.etree import XMLSyntaxError

    from builder.review.docxtext import to_text
    from builder.read.safeio import UnsafeFile

    try:
        text = to_text(docx)
    except UnsafeFile as exc:
        click.echo(f"{display_path(docx)}: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    except (OSError, zipfile.BadZipFile, KeyError, XMLSyntaxError, EOFError, NotImplementedError, ValueError):
        click.echo(f"{display_path(docx)}: 不是可读的 Word 文档（.docx）", err=True)
        sys.exit(EXIT_INPUT)
    sys.stdout.buffer.write(text.encode("utf-8"))


@cli.command(name="git-setup")
def git_setup() -> None:
    """设置当前 git 仓库：.gitattributes 和 git config，让 git diff 显示 .docx 的文字、按字比较中文。"""
    from builder.cycle.gitsetup import NotARepository, setup

    try:
        for line in setup(Path.cwd()):
            click.echo(line)
    except NotARepository as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)


@cli.command(context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1, metavar="[版本A [版本B]] [-- 路径...]")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text：每处修改一行；json：供程序使用的列表。")
@click.option("--docx", "redline_out", type=click.Path(path_type=Path), default=None, metavar="输出",
              help="另外生成两边的文档，为每个有修改的文档写出带修订标记的 .docx（需要 pip install "
                   "'budgetdoc[redline]'）：输出为文件夹时写成 <输出>/<文档>.docx；只有一个文档有修改时也可写 .docx 文件名。")
def diff(args: tuple[str, ...], output_format: str, redline_out: Path | None) -> None:
    """比较两个 git 版本的源文件：budgetdoc diff [版本A [版本B]] [-- 路径 ...]

    默认比较 HEAD 与工作区、路径为仓库的 sources/（在仓库的任何子文件夹中运行，结果都相同）；
    路径为一个项目文件时，只列出这个项目的修改。
    按项目和一级/二级/三级指标名称对应（不按顺序），用申报表的栏目名说明每处修改；中文文字按字比较。
    """
    import json

    from builder.review.semdiff import WORKING_TREE, DiffProblem, diff as run_diff, format_changes, redline_revisions, \
        repository_root, unknown_revisions

    revisions, paths = _split_revisions_and_paths(list(args))
    if len(revisions) > 2:
        raise click.UsageError("最多两个版本：budgetdoc diff [版本A [版本B]] [-- 路径 ...]")
    old = revisions[0] if revisions else "HEAD"
    new = revisions[1] if len(revisions) > 1 else WORKING_TREE
    # a project file stands for its document; every path is made absolute, so that the
    # revisions' files are found the same from any folder of the repository
    try:
        root = repository_root(Path.cwd())
        targets = [Path(os.path.abspath(p)) for p in _as_document_folders([Path(p) for p in paths])] \
            or [Path(os.path.abspath(_default_sources()))]
        unknown = unknown_revisions(root, revisions)
        if unknown:
            raise click.UsageError(f"没有名为“{'”“'.join(unknown)}”的版本，也没有这样的路径（版本如 HEAD~1、分支名、标签名；"
                                   f"路径写在 -- 之后，相对于当前文件夹）")
        missing = [p for p in paths if not os.path.lexists(p)
                   and not any(_in_revision(root, rev, Path(os.path.abspath(p)).resolve()) for rev in (old, new) if rev)]
        if missing:
            raise click.UsageError(f"路径不存在：{'、'.join(missing)}（工作区和所比较的版本中都没有；相对路径从当前文件夹算起）")
        changes = _only_given_projects(run_diff(root, old, new, targets), [Path(p) for p in paths])
    except DiffProblem as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    if redline_out is not None:
        from builder.review.redline import RedlineFailed, RedlineUnavailable

        changed = list(dict.fromkeys(c.document for c in changes))
        if len(changed) > 1 and redline_out.suffix.lower() == ".docx" and not redline_out.is_dir():
            raise click.UsageError(f"有 {len(changed)} 个文档有修改（{'、'.join(changed)}），--docx 应为文件夹，"
                                   f"如 --docx 修订/（每个文档写成 修订/<文档>.docx）")
        try:
            for path in redline_revisions(root, old, new, targets, redline_out, changed):
                click.echo(f"已生成修订文档 {display_path(path)}", err=True)
        except (DiffProblem, RedlineUnavailable, RedlineFailed) as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_INPUT)
        if not changed:
            click.echo("没有修改的文档，未生成修订文档", err=True)
    if output_format == "json":
        click.echo(json.dumps([c.as_json() for c in changes], ensure_ascii=False, indent=2))
    elif changes:
        click.echo(format_changes(changes))
    else:
        click.echo("源文件没有变化", err=True)


def _only_given_projects(changes, paths: list[Path]):
    """For project files given as paths, only those projects' changes (the document is compared whole)."""
    from builder.load.loader import load_document
    from builder.read.sources import document_folder_of

    files = [p for p in paths if p.is_file() and document_folder_of(p) is not None]
    if not files:
        return changes
    names: dict[str, set[str]] = {}
    for path in files:
        folder = document_folder_of(path)
        loaded = load_document(folder)
        wanted = Path(os.path.abspath(path))
        names.setdefault(folder.name, set()).update(
            project.name for project in (loaded.document.projects if loaded.document else ())
            if Path(os.path.abspath(project.source)) == wanted)
    return [c for c in changes if c.document not in names or c.project in names[c.document]]


def _in_revision(root: Path, revision: str, path: Path) -> bool:
    from builder.read import childproc

    try:
        relative = path.relative_to(root.resolve()) if path.is_absolute() else path
    except ValueError:
        return False
    result = childproc.run(["git", "cat-file", "-e", f"{revision}:{relative.as_posix()}"], "GIT", cwd=root)
    return result.returncode == 0


def _split_revisions_and_paths(args: list[str]) -> tuple[list[str], list[str]]:
    """Arguments before "--" are revisions, after it paths (click drops the "--" itself)."""
    argv = sys.argv
    if "--" in argv:
        after = len(argv) - argv.index("--") - 1
        return args[: len(args) - after], args[len(args) - after:]
    revisions = [a for a in args if not Path(a).exists()]
    return revisions, [a for a in args if Path(a).exists()]


@cli.command(name="redline")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="旧.docx")
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="新.docx")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="输出.docx",
              help="输出的 .docx。")
@click.option("--author", default="budgetdoc", show_default=True, metavar="名字", help="修订者。")
@click.option("--date", default="2000-01-01T00:00:00Z", show_default=True, metavar="时间", help="修订时间（固定，便于重现）。")
def redline_command(old: Path, new: Path, out: Path, author: str, date: str) -> None:
    """比对两个 .docx，生成带修订标记（w:ins/w:del）的 Word 文档，可在 Word、LibreOffice 中逐条接受或拒绝。

    需要可选组件：pip install 'budgetdoc[redline]'。
    """
    from builder.output.atomic import replaced_note
    from builder.review.redline import RedlineFailed, RedlineUnavailable, redline

    try:
        replaced = redline(old, new, out, author=author, date=date)
    except (RedlineUnavailable, RedlineFailed) as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    click.echo(f"已生成 {display_path(out)}{replaced_note(replaced)}")


@cli.command(name="import")
@click.argument("docx_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="文件.docx")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, metavar="文件夹",
              help="新的文档文件夹，如 sources/2025-绩效目标申报。")
@click.option("--form", "form_path", type=click.Path(exists=True, path_type=Path), default=None,
              help="本局表单：写有“表单”和“模板”的文档文件夹，或表单定义文件（再用 --template 指明模板）。")
@click.option("--template", "template_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="与 --form 表单定义文件一起：生成这份文件所用的模板。")
@click.option("--markdown", is_flag=True, help="情况说明（自评：预期目标、实际完成情况）写成与项目同名的 .md 文件。")
def import_command(docx_file: Path, out_dir: Path, form_path: Path | None, template_path: Path | None,
                   markdown: bool) -> None:
    """从按官方表格排版的 .docx（本工具生成的，或在 Word 中手工填写的）导入源文件。
    本局表单（--form）按模板中标签的位置读回每一项，包括表单定义的扩展字段。

    列出无法归位的内容（“未导入”）和需要核对之处（“请核对”）。
    """
    from builder.cycle.importer import ImportProblem, import_docx

    try:
        if form_path is not None:
            report = _import_with_form(docx_file, out_dir, form_path, template_path)
        else:
            report = import_docx(docx_file, out_dir, markdown=markdown)
    except ImportProblem as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    for path in report.files:
        click.echo(f"已写入 {display_path(path)}")
    for text in report.unplaced:  # each says what was not imported ("…，未导入")
        click.echo(text if "未导入" in text else f"未导入：{text}", err=True)
    for text in report.notes:
        click.echo(f"请核对：{text}", err=True)


def _import_with_form(docx_file: Path, out_dir: Path, form_path: Path, template_path: Path | None):
    from builder.cycle.formimport import import_with_form, relative
    from builder.cycle.importer import ImportProblem

    form = _read_form(form_path)
    form_ref = template_ref = None
    if form_path.is_dir():
        from builder.output.docx import template_for
        from builder.read.errors import InputError
        from builder.load.loader import load_document

        loaded = load_document(form_path)
        if template_path is None and loaded.document is not None and loaded.document.template:
            try:
                template_path = template_for(loaded.document)
            except InputError as exc:
                raise ImportProblem(exc.problems[0].format()) from None
        form_ref = relative(form.source, out_dir) if form.source else None
    else:
        form_ref = relative(form_path, out_dir)
    if template_path is None:
        raise ImportProblem("按本局表单导入需要生成时所用的模板：用 --template 指明，或让 --form 的文档文件夹写有“模板”")
    template_ref = relative(template_path, out_dir)
    return import_with_form(docx_file, out_dir, form, template_path, form_ref, template_ref)


@cli.command(name="new")
@click.argument("kind", type=click.Choice(["绩效自评", "绩效目标申报", "项目"]), metavar="种类")
@click.argument("name", required=False, metavar="[项目名称]")
@click.option("--from", "source", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="文件夹",
              help="绩效自评、绩效目标申报：从哪个绩效目标申报的文档文件夹生成。")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="文件夹",
              help="新的文档文件夹（默认与 --from 并列的 <年度>-<类型>）。")
@click.option("--year", type=click.IntRange(2000, 2100), default=None, metavar="年度",
              help="绩效目标申报：新的年度（默认下一年）。")
@click.option("--in", "folder", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              metavar="文件夹", help="项目：放在哪个文档文件夹（在文档文件夹中运行时可不写）。")
def new_command(kind: str, name: str | None, source: Path | None, out_dir: Path | None, year: int | None,
                folder: Path | None) -> None:
    """新建：下一年的申报草稿、同年的自评，或文档中的一个新项目。

    \b
    budgetdoc new 绩效自评 --from sources/2025-绩效目标申报 --out sources/2025-绩效自评
    budgetdoc new 绩效目标申报 --from sources/2025-绩效目标申报 --year 2026
    budgetdoc new 项目 新项目名称 --in sources/2025-绩效目标申报
    """
    if kind == "项目":
        _new_project(name, folder)
        return
    if name is not None:
        raise click.UsageError(f"多余的参数“{name}”（只有 budgetdoc new 项目 <项目名称> 带名称）")
    if source is None:
        raise click.UsageError(f"缺少选项 --from：从哪个绩效目标申报生成，如 budgetdoc new {kind} --from sources/2025-绩效目标申报")
    from builder.cycle.newyear import CycleProblem, new_evaluation, next_year
    from builder.load.loader import load_document

    try:
        loaded = load_document(source)
        current = loaded.document.year if loaded.document else None
        if kind == "绩效自评":
            out = out_dir or source.parent / f"{current}-绩效自评"
            written = new_evaluation(source, out)
            drafted = None
        else:
            target_year = year or (current + 1 if current else None)
            if target_year is None:
                raise InputError(loaded.problems)
            out = out_dir or source.parent / f"{target_year}-绩效目标申报"
            drafted = next_year(source, out, target_year)
            written = drafted.written
    except InputError as exc:
        _report_problems(exc.problems)
        sys.exit(EXIT_INPUT)
    except CycleProblem as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    for path in written:
        click.echo(f"已写入 {display_path(path)}")
    if drafted is None:
        click.echo(f"{current} 年绩效自评草稿已写入 {display_path(out)}：请填写每个文件开头注释所列的“待填写”各项"
                   f"（budgetdoc check {display_path(out)} 以 FILL-IN 逐条列出尚未填写的）；未填写的格在生成的文档中为空白。",
                   err=True)
        return
    for problem in drafted.ended + drafted.stale:
        click.echo(problem.format_finding(), err=True)
    todo = []
    if drafted.ended:
        todo.append(f"{len(drafted.ended)} 个已结束的项目（日期未顺延）")
    if drafted.stale:
        todo.append(f"{len(drafted.stale)} 处文字写的是往年（YEAR-STALE）")
    need = f"需要核对：{'，'.join(todo)}，见上；" if todo else ""
    click.echo(f"{target_year} 年草稿已写入 {display_path(out)}：计划日期已顺延，金额未改动。{need}"
               f"逐项核对后运行 budgetdoc check {display_path(out)}，再 budgetdoc build {display_path(out)}。", err=True)


def _new_project(name: str | None, folder: Path | None) -> None:
    from builder.cycle.scaffold import ProjectExists, new_project
    from builder.read.sources import document_folder_of

    if not name or not name.strip():
        raise click.UsageError("缺少项目名称：budgetdoc new 项目 <项目名称> [--in 文档文件夹]")
    if folder is None:
        here = Path.cwd()
        folder = here if document_folder_of(here / "document.yaml") else None
        if folder is None:
            raise click.UsageError("请用 --in 指定文档文件夹（如 --in sources/2025-绩效目标申报），或在文档文件夹中运行")
    try:
        path, added = new_project(folder, name.strip())
    except ProjectExists as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    except InputError as exc:
        _report_problems(exc.problems)
        sys.exit(EXIT_INPUT)
    click.echo(f"已写入 {display_path(path)}")
    if added:
        click.echo(f"已把“{path.stem}”加到 {display_path(added)} 的项目顺序末尾")
    else:
        click.echo("document.yaml 中没有项目顺序：项目按文件名排序")
    click.echo(f"请按文件中的注释填写各项，然后运行 budgetdoc check {display_path(path)}。", err=True)


@cli.group()
def template() -> None:
    """Word 模板：检查模板中的标签、合并标记和分页（见 docs/templates.md）。"""


@template.command(name="check")
@click.argument("template_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="模板.docx")
@click.option("--kind", type=click.Choice(["绩效目标申报", "绩效自评"]), default=None,
              help="文档类型（默认按文件名或内容判断）。")
@click.option("--form", "form_path", type=click.Path(exists=True, path_type=Path), default=None,
              help="本局表单：表单定义文件，或 document.yaml 写有“表单”的文档文件夹（其扩展字段和指标组也是可用的名称）。")
@click.option("--quiet", "-q", is_flag=True, help="只列出问题，不列出每个标签。")
def template_check(template_file: Path, kind: str | None, form_path: Path | None, quiet: bool) -> None:
    """列出模板中的每个标签及其位置（表 N 第 r 行第 c 列，或第 n 段），检查语法、
    变量名（对照该类文档可用的名称，给出最接近的名称）、合并标记和分页。

    没有问题时退出码为 0，有问题为 1。生成文档之前也做同样的检查。
    """
    from builder.render.template import TemplateProblem
    from builder.render.templatecheck import check_template, format_listing

    try:
        form = _read_form(form_path) if form_path else None
        report = check_template(template_file, kind, form)
    except TemplateProblem as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    if not quiet:
        for line in format_listing(report):
            click.echo(line)
    for line in report.problem_lines():
        click.echo(line, err=True)
    summary = (f"{template_file.name}（按{report.kind}检查）：{len(report.tags)} 个标签，"
               f"{len(report.merge_cells)} 个带合并标记的单元格，{report.page_starts} 处分页；")
    summary += f"{len(report.problems)} 个问题。" if report.problems else "没有发现问题。"
    if form is None and any(re.search(r"(未知的名称|没有)\u201c[^\u201d]*[^\x00-\x7f\u201c\u201d][^\u201d]*\u201d", p.message) for p in report.problems):
        summary += "模板若用到本局表单的字段或指标组，请加 --form 指明表单定义（或写有“表单”的文档文件夹）。"
    click.echo(summary, err=True)
    sys.exit(EXIT_INPUT if report.problems else 0)


def _read_form(path: Path):
    """The form named by --form, or exit 1 with its problems (one line each)."""
    from builder.read.errors import InputError
    from builder.forms.form import read_form

    try:
        return read_form(path)
    except InputError as exc:
        for problem in exc.problems:
            click.echo(problem.format(), err=True)
        sys.exit(EXIT_INPUT)


@template.command(name="new")
@click.argument("template_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "kind", type=click.Choice(["绩效目标申报", "绩效自评"]), default=None,
              help="以标准模板为起点（默认绩效目标申报）。")
@click.option("--form", "form_path", type=click.Path(exists=True, path_type=Path), default=None,
              help="以本局表单为起点：表单定义文件，或 document.yaml 写有“表单”的文档文件夹。")
def template_new(template_file: Path, kind: str | None, form_path: Path | None) -> None:
    """写一个新的 Word 模板：标准模板（--from）或按本局表单定义（--form）排好的申报表，
    最后一页列出可用的名称（生成文档时不出现）。在 Word 中修改后即可使用。"""
    from builder.render.templatecheck import check_template
    from builder.cycle.templatemaker import make_starter

    if kind and form_path:
        click.echo("--from 和 --form 只能选一个", err=True)
        sys.exit(EXIT_USAGE)
    if template_file.suffix.lower() != ".docx":
        click.echo(f"模板文件名应以 .docx 结尾：{template_file}", err=True)
        sys.exit(EXIT_USAGE)
    if template_file.exists():
        click.echo(f"{template_file} 已存在，不覆盖（请换一个文件名或先删除它）", err=True)
        sys.exit(EXIT_INPUT)
    form = _read_form(form_path) if form_path else None
    make_starter(template_file, kind, form)
    report = check_template(template_file, kind, form)
    for line in report.problem_lines():  # never expected: the starter is checked by the tests
        click.echo(line, err=True)
    click.echo(f"已写出 {template_file}（{len(report.tags)} 个标签；最后一页是可用名称的列表）。"
               f"在 Word 中修改后运行 budgetdoc template check {template_file}"
               + (f" --form {form_path}" if form_path else ""), err=True)


clitext.localize(cli)


def _progress():
    """A line per finished document on a terminal; nothing when output is piped."""
    if not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True)

    def show(result) -> None:
        console.print(f"[green]✓[/green] {escape(printable(result.name))}", highlight=False)

    return show


def _terminate(signum, frame):  # SIGTERM: unwind like Ctrl+C, so temporary files are removed
    raise KeyboardInterrupt


def _ensure_streams() -> None:
    """Started with stdout or stderr closed (``2>&-``), Python has None there: send what
    would be printed nowhere rather than fail on the first message."""
    import os

    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))


def main() -> None:
    import signal

    from builder.output.atomic import WriteRefused

    _ensure_streams()
    signal.signal(signal.SIGTERM, _terminate)
    try:
        cli.main(prog_name="budgetdoc", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("已中止。", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        clitext.show_usage_error(exc)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        click.echo(f"错误：{exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except WriteRefused as exc:  # every command's refused write (builder.output.atomic), said in one place
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    except KeyboardInterrupt:
        click.echo("已中止。", err=True)
        sys.exit(130)
    except Exception:  # noqa: BLE001 - the one place that turns a bug into one line
        path = _save_traceback()
        click.echo(f"budgetdoc 内部错误：{sys.exc_info()[1]!r}。完整的出错信息已保存到 {path}，请附上此文件报告问题。", err=True)
        sys.exit(EXIT_INTERNAL)


def _save_traceback() -> str:
    import tempfile
    import traceback

    handle = tempfile.NamedTemporaryFile("w", prefix="budgetdoc-error-", suffix=".log", delete=False, encoding="utf-8")
    with handle:
        traceback.print_exc(file=handle)
    return handle.name
