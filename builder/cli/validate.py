"""``budgetdoc validate 文件.docx ...``: Microsoft's Open XML SDK validator (builder.output.validate)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from builder.cli.common import EXIT_INPUT, EXIT_USAGE, cli


@cli.command(name="validate")
@click.argument("files", nargs=-1, required=True, metavar="文件.docx...",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate_command(files: tuple[Path, ...]) -> None:
    """用 Microsoft 的 Open XML SDK 验证器检查 .docx（模板或生成的文档）是否符合 Word 的文件格式
    （Office 2016）。

    每个文件一行：没有错误时为“0 个错误”，否则列出每个错误所在的部件、位置和说明。
    有错误时退出码为 1；验证器未安装时说明安装方法，退出码为 2。
    验证器需要 Node.js 和 npm 包 @ooxml-tools/validate，安装一次即可（未安装时本命令给出安装命令）。
    """
    from builder.output.validate import ValidatorFailed, ValidatorMissing, validate
    from builder.read.errors import display_path
    from builder.read.where import repository_root

    try:
        results = validate(list(files), repository_root())
    except ValidatorMissing as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_USAGE)
    except ValidatorFailed as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    failed = 0
    for path, findings in results.items():
        click.echo(f"{display_path(path)}：{len(findings)} 个错误")
        for finding in findings:
            click.echo(finding.format())
        failed += bool(findings)
    sys.exit(EXIT_INPUT if failed else 0)
