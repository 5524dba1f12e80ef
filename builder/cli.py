"""The command line: parse arguments, call one stage function, print.

Exit codes: 0 done, 1 problems in the sources (each printed with its place),
2 wrong usage, 3 an internal error (one line; the traceback is saved to a file).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from builder import __version__
from builder.errors import InputError, display_path, printable

EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL = 1, 2, 3
DEFAULT_SOURCES = Path("sources")
DEFAULT_OUT = Path("build")


def _report_problems(problems, document: str = "") -> None:
    for problem in problems:
        click.echo(problem.format(), err=True)
    errors = sum(1 for p in problems if p.severity == "错误")
    warnings = len(problems) - errors
    which = f"{document}：" if document else ""
    summary = f"{which}共 {errors} 个错误" + (f"，{warnings} 个警告" if warnings else "") + "，未生成文档（原有输出保持不变）。"
    click.echo(summary, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="budgetdoc")
def cli() -> None:
    """budgetdoc：从 YAML/TOML 源文件生成绩效目标申报、绩效自评 Word 文档。

    退出码：0 完成；1 源文件有问题（逐条列出位置）；2 用法错误；3 内部错误（出错信息另存文件）。
    """


def _formats(value: str) -> tuple[str, ...]:
    from builder.build import FORMATS

    formats = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise click.BadParameter(f"未知的格式：{', '.join(unknown) or value}（可用：{', '.join(FORMATS)}，可用逗号连写）")
    return formats


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT,
              show_default=True, help="输出文件夹。")
@click.option("--format", "format_list", default="docx", show_default=True,
              help="输出格式：docx、pdf、xlsx，可用逗号连写（docx,pdf）。")
@click.option("--watch", is_flag=True, help="生成后继续监视源文件和模板，每次保存都重新生成。")
@click.option("--no-cache", is_flag=True, help="不使用缓存，全部重新生成。")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="同时生成的文档数（多进程），用于一次生成许多文档文件夹。")
def build(paths: tuple[Path, ...], out_dir: Path, format_list: str, watch: bool, no_cache: bool, jobs: int) -> None:
    """生成文档：PATHS 为文档文件夹或包含文档文件夹的文件夹（默认 sources/）。

    每个文档文件夹生成 OUT/<文件夹名>.docx（及所选的 .pdf、.xlsx）。一个文档的源文件有错误时，
    列出它的全部错误、不写它的任何文件（原有输出保持不变），其他文档照常生成；
    源文件、模板都没有变化的文档不重新生成。
    """
    from builder.assemble import epoch_problem

    formats = _formats(format_list)
    targets = list(paths) or [DEFAULT_SOURCES]
    problem = epoch_problem()
    if problem:
        click.echo(problem, err=True)
        sys.exit(EXIT_USAGE)

    def once() -> int:
        return _build_once(targets, out_dir, formats, not no_cache, jobs)

    if watch:
        from builder.watch import watch_and_build

        watch_and_build(targets, out_dir, formats, once)
        return
    sys.exit(once())


def _build_once(targets: list[Path], out_dir: Path, formats: tuple[str, ...], use_cache: bool, jobs: int) -> int:
    """One build with its report; returns the exit code."""
    from builder.build import build as run_build
    from builder.pdf import PdfUnavailable

    from builder.build import OutputClash
    from builder.safeio import describe_os_error

    started = time.perf_counter()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        click.echo(f"无法创建输出文件夹 {display_path(out_dir)}：{describe_os_error(exc)}（请用 --out 指定另一个文件夹）", err=True)
        return EXIT_INPUT
    pdf_missing = None
    if "pdf" in formats:  # without LibreOffice, the other formats are still made; the PDF is reported missing
        from builder.pdf import find_soffice

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
    for result in results:
        for warning in result.warnings:
            click.echo(warning.format(), err=True)
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
            click.echo(f"已生成 {names}（{result.projects} 个项目，{result.seconds:.2f} 秒）")
    total = len(results) + len(failures)
    if total > 1:
        skipped = sum(r.skipped for r in results)
        click.echo(f"共 {total} 个文档：{len(results) - skipped} 个已生成，{skipped} 个未改变，{len(failures)} 个失败，"
                   f"用时 {time.perf_counter() - started:.2f} 秒")
    if pdf_missing is not None:
        click.echo(f"{pdf_missing}；未生成 PDF。", err=True)
    return EXIT_INPUT if failures or pdf_missing else 0


@cli.command(name="check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text：每条一行；json：供编辑器和 CI 使用的列表。")
@click.option("--strict", is_flag=True, help="有警告也以退出码 1 结束。")
@click.option("--baseline", "baseline", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="基线文件：其中的发现列为“已知”，不使检查失败，只有新的发现照常报告。")
@click.option("--write-baseline", "write_baseline_to", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="把当前的全部错误和警告写入基线文件（团队开始在旧文档上使用本工具时）。")
@click.option("--docx", "docx_out", type=click.Path(path_type=Path), default=None,
              help="另外写出带批注的 Word 文档：每条发现是它所在单元格或段落上的一条批注"
                   "（一个文档时可写 .docx 文件名，否则为文件夹）。")
def check_command(paths: tuple[Path, ...], output_format: str, strict: bool, baseline: Path | None,
                  write_baseline_to: Path | None, docx_out: Path | None) -> None:
    """检查源文件：算术、万元/元、指标框架、复制的文字、自评得分……（规则表见 docs/checks.md）。

    每条发现为“路径:行:列 [错误|警告|已接受|已知] 规则编号 说明”。没有错误时退出码为 0，
    有错误（或加 --strict 时有警告）为 1；“已接受”（源文件中“忽略:”写明原因的）和“已知”（在基线中的）不算。
    """
    import json

    from builder.build import check
    from builder.review import BaselineProblem, apply_baseline, read_baseline, write_baseline

    documents = []
    try:
        documents, problems = check(list(paths) or [DEFAULT_SOURCES])
    except InputError as exc:
        problems = exc.problems
    gone = 0
    if baseline is not None:
        try:
            known = read_baseline(baseline)
        except BaselineProblem as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_INPUT)
        problems, gone = apply_baseline(problems, known, display_path(baseline))
    if write_baseline_to is not None:
        count = write_baseline(write_baseline_to, problems)
        click.echo(f"已把 {count} 条发现写入基线 {display_path(write_baseline_to)}", err=True)
    if docx_out is not None:
        from builder.annotate import AnnotateProblem, write_annotated

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
        click.echo(summary, err=True)
    failing = [p for p in problems if p.severity == "错误" or (strict and p.severity == "警告")]
    sys.exit(EXIT_INPUT if failing else 0)


@cli.command()
@click.option("--for", "which", type=click.Choice(["绩效目标申报", "绩效自评", "document"]), default="绩效目标申报",
              show_default=True, help="哪一种源文件：申报项目、自评项目，或 document.yaml。")
def schema(which: str) -> None:
    """打印源文件格式的 JSON Schema，供编辑器补全和实时校验（见 docs/editors.md）。"""
    import json

    from builder.loader import source_json_schema

    click.echo(json.dumps(source_json_schema(which), ensure_ascii=False, indent=2))


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--type", "kind", type=click.Choice(["绩效目标申报", "绩效自评"]), default="绩效目标申报",
              show_default=True, help="文档类型。")
@click.option("--year", type=click.IntRange(2000, 2100), default=None, help="年度（默认今年）。")
@click.option("--unit", default="（单位名称）", help="单位名称。")
def init(folder: Path, kind: str, year: int | None, unit: str) -> None:
    """新建一个文档文件夹：document.yaml 和一个带注释的示例项目（通过 budgetdoc check）。"""
    import datetime as dt

    from builder.scaffold import ScaffoldExists, scaffold

    try:
        written = scaffold(folder, kind, year or dt.date.today().year, unit)
    except ScaffoldExists as exc:
        raise click.UsageError(str(exc)) from None
    for path in written:
        click.echo(f"已写入 {display_path(path)}")


@cli.command()
@click.argument("docx", type=click.Path(dir_okay=False, path_type=Path))
def totext(docx: Path) -> None:
    """把生成的 .docx 打印为稳定的文本：每段一行，表格每行“| a | b |”，合并单元格只出现一次。

    供 git diff 使用（见 budgetdoc git-setup）。
    """
    import zipfile

    from lxml.etree import XMLSyntaxError

    from builder.docxtext import to_text
    from builder.safeio import UnsafeFile

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
    from builder.gitsetup import NotARepository, setup

    try:
        for line in setup(Path.cwd()):
            click.echo(line)
    except NotARepository as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)


@cli.command(context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--docx", "redline_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="另外生成两边的文档并写出带修订标记的 .docx（需要 pip install 'budgetdoc[redline]'）。")
def diff(args: tuple[str, ...], output_format: str, redline_out: Path | None) -> None:
    """比较两个 git 版本的源文件：budgetdoc diff [REV_A [REV_B]] [-- PATH ...]

    默认比较 HEAD 与工作区、路径为 sources/。按项目和一级/二级/三级指标名称对应（不按顺序），
    用申报表的栏目名说明每处修改；中文文字按字比较。
    """
    import json

    from builder.semdiff import WORKING_TREE, DiffProblem, diff as run_diff, format_changes, redline_revisions, \
        repository_root

    revisions, paths = _split_revisions_and_paths(list(args))
    if len(revisions) > 2:
        raise click.UsageError("最多两个版本：budgetdoc diff [REV_A [REV_B]] [-- PATH ...]")
    old = revisions[0] if revisions else "HEAD"
    new = revisions[1] if len(revisions) > 1 else WORKING_TREE
    targets = [Path(p) for p in paths] or [DEFAULT_SOURCES]
    try:
        root = repository_root(Path.cwd())
        changes = run_diff(root, old, new, targets)
    except DiffProblem as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    if redline_out is not None:
        from builder.redline import RedlineFailed, RedlineUnavailable

        try:
            for path in redline_revisions(root, old, new, targets, redline_out):
                click.echo(f"已生成修订文档 {display_path(path)}", err=True)
        except (DiffProblem, RedlineUnavailable, RedlineFailed) as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_INPUT)
    if output_format == "json":
        click.echo(json.dumps([c.as_json() for c in changes], ensure_ascii=False, indent=2))
    elif changes:
        click.echo(format_changes(changes))
    else:
        click.echo("源文件没有变化", err=True)


def _split_revisions_and_paths(args: list[str]) -> tuple[list[str], list[str]]:
    """Arguments before "--" are revisions, after it paths (click drops the "--" itself)."""
    argv = sys.argv
    if "--" in argv:
        after = len(argv) - argv.index("--") - 1
        return args[: len(args) - after], args[len(args) - after:]
    revisions = [a for a in args if not Path(a).exists()]
    return revisions, [a for a in args if Path(a).exists()]


@cli.command(name="redline")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出的 .docx。")
@click.option("--author", default="budgetdoc", show_default=True, help="修订者。")
@click.option("--date", default="2000-01-01T00:00:00Z", show_default=True, help="修订时间（固定，便于重现）。")
def redline_command(old: Path, new: Path, out: Path, author: str, date: str) -> None:
    """比对两个 .docx，生成带修订标记（w:ins/w:del）的 Word 文档，可在 Word、LibreOffice 中逐条接受或拒绝。

    需要可选组件：pip install 'budgetdoc[redline]'。
    """
    from builder.redline import RedlineFailed, RedlineUnavailable, redline

    try:
        redline(old, new, out, author=author, date=date)
    except (RedlineUnavailable, RedlineFailed) as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    click.echo(f"已生成 {display_path(out)}")


@cli.command(name="import")
@click.argument("docx_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="新的文档文件夹，如 sources/2025-绩效目标申报。")
@click.option("--markdown", is_flag=True, help="情况说明（自评：预期目标、实际完成情况）写成与项目同名的 .md 文件。")
def import_command(docx_file: Path, out_dir: Path, markdown: bool) -> None:
    """从按官方表格排版的 .docx（本工具生成的，或在 Word 中手工填写的）导入源文件。

    列出无法归位的内容（“未导入”）和需要核对之处（“请核对”）。
    """
    from builder.importer import ImportProblem, import_docx

    try:
        report = import_docx(docx_file, out_dir, markdown=markdown)
    except ImportProblem as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    for path in report.files:
        click.echo(f"已写入 {display_path(path)}")
    for text in report.unplaced:
        click.echo(f"未导入：{text}", err=True)
    for text in report.notes:
        click.echo(f"请核对：{text}", err=True)


@cli.command(name="new")
@click.argument("kind", type=click.Choice(["绩效自评", "绩效目标申报"]))
@click.option("--from", "source", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="绩效目标申报的文档文件夹。")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="新的文档文件夹（默认 sources/<年度>-<类型>）。")
@click.option("--year", type=click.IntRange(2000, 2100), default=None, help="绩效目标申报：新的年度（默认下一年）。")
def new_command(kind: str, source: Path, out_dir: Path | None, year: int | None) -> None:
    """一年的循环：从某年的绩效目标申报生成同年的绩效自评，或下一年的绩效目标申报草稿。

    \b
    budgetdoc new 绩效自评 --from sources/2025-绩效目标申报 --out sources/2025-绩效自评
    budgetdoc new 绩效目标申报 --from sources/2025-绩效目标申报 --year 2026
    """
    from builder.cycle import CycleProblem, new_evaluation, next_year
    from builder.loader import load_document

    try:
        loaded = load_document(source)
        current = loaded.document.year if loaded.document else None
        if kind == "绩效自评":
            out = out_dir or source.parent / f"{current}-绩效自评"
            written = new_evaluation(source, out)
        else:
            target_year = year or (current + 1 if current else None)
            if target_year is None:
                raise InputError(loaded.problems)
            out = out_dir or source.parent / f"{target_year}-绩效目标申报"
            written = next_year(source, out, target_year)
    except InputError as exc:
        _report_problems(exc.problems)
        sys.exit(EXIT_INPUT)
    except CycleProblem as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    for path in written:
        click.echo(f"已写入 {display_path(path)}")
    click.echo(f"请运行 budgetdoc check {display_path(out)}：“待填写”各项填好后即可生成。", err=True)


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

    _ensure_streams()
    signal.signal(signal.SIGTERM, _terminate)
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("已中止。", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code)
    except SystemExit:
        raise
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
