"""What every command shares: the budgetdoc command group, the exit codes, and how paths,
formats, forms and problems are taken and printed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
import click

from builder import __version__
import builder.cli.clitext as clitext
from builder.read.errors import display_path


clitext.install()

EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL = 1, 2, 3


def echo_findings(problems) -> None:
    """One line per finding, written at once (hundreds of findings: one write, not hundreds)."""
    if problems:
        click.echo("\n".join(problem.format_finding() for problem in problems), err=True)


def report_problems(problems, document: str = "") -> None:
    echo_findings(problems)
    errors = sum(1 for p in problems if p.severity == "错误")
    warnings = len(problems) - errors
    which = f"{document}：" if document else ""
    summary = f"{which}共 {errors} 个错误" + (f"，{warnings} 个警告" if warnings else "") + "，未生成文档（原有输出保持不变）。"
    click.echo(summary, err=True)


def existing_paths(paths) -> list[Path]:
    """PATH arguments as given; one that does not exist is wrong usage (exit 2), one line."""
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        click.echo(f"路径不存在：{'、'.join(display_path(p) for p in missing)}（相对路径从当前文件夹算起）", err=True)
        sys.exit(EXIT_USAGE)
    return list(paths)


def default_sources() -> Path:
    from builder.read.where import sources_root

    root = sources_root()
    if not root.exists():
        command = click.get_current_context().command_path
        raise click.UsageError(f"找不到 sources 文件夹：请在仓库中（任何子文件夹均可）运行，或写出文档文件夹的路径，"
                               f"如 {command} 我的文档/")
    return root


def default_out() -> Path:
    from builder.read.where import build_root, default_output_problem

    out = build_root()
    problem = default_output_problem(out)
    if problem is not None:
        raise click.UsageError(problem)
    return out


def as_document_folders(paths: list[Path]) -> list[Path]:
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


def parse_formats(value: str) -> tuple[str, ...]:
    from builder.output.build import FORMATS

    formats = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise click.BadParameter(f"未知的格式：{', '.join(unknown) or value}（可用：{', '.join(FORMATS)}，可用逗号连写）")
    return formats


def read_form(path: Path, kind: str | None = None):
    """The form named by --form (a definition file, or a document folder holding or naming one), or
    exit 1 with its problems (one line each)."""
    from builder.read.errors import InputError
    from builder.forms.formdef import read_form as read_definition

    try:
        return read_definition(path, kind)
    except InputError as exc:
        for problem in exc.problems:
            click.echo(problem.format(), err=True)
        sys.exit(EXIT_INPUT)
