"""budgetdoc build [--watch]: every document folder built (builder.output.build), or watched (builder.live.watch).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
import click

from builder.read.errors import InputError, display_path, printable
from builder.cli.common import (
    EXIT_INPUT, EXIT_USAGE, as_document_folders, cli, default_out, default_sources, echo_findings,
    existing_paths, parse_formats, report_problems,
)


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

    formats = parse_formats(format_list)
    targets = as_document_folders(existing_paths(paths)) or [default_sources()]
    out_dir = out_dir if out_dir is not None else default_out()
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
        report_problems(exc.problems)
        return EXIT_INPUT
    except OutputClash as exc:
        click.echo(f"{exc}。未生成任何文档。", err=True)
        return EXIT_INPUT
    except PdfUnavailable as exc:
        click.echo(f"{exc}；未生成 PDF。", err=True)
        return EXIT_INPUT
    warned = 0
    for result in results:
        echo_findings(result.warnings)
        warned += sum(warning.severity == "警告" for warning in result.warnings)
    for failure in failures:
        if failure.reason:
            click.echo(f"{failure.name}：{failure.reason}", err=True)
        else:
            report_problems(failure.problems, failure.name)
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
                   f"各规则的说明：budgetdoc 规则 编号）", err=True)
    if pdf_missing is not None:
        click.echo(f"{pdf_missing}；未生成 PDF。", err=True)
    return EXIT_INPUT if failures or pdf_missing else 0


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
