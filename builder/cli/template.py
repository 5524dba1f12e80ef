"""budgetdoc template check / template new: a Word template checked before use, or made from a form.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
import click

from builder.cli.common import EXIT_INPUT, EXIT_USAGE, cli, read_form
from builder.model.core import DOCUMENT_KINDS


@cli.group()
def template() -> None:
    """Word 模板：检查模板中的标签、合并标记和分页（见 docs/templates.md）。"""


@template.command(name="check")
@click.argument("template_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="模板.docx")
@click.option("--kind", type=click.Choice(list(DOCUMENT_KINDS)), default=None,
              help="文档类型（默认按文件名或内容判断）。")
@click.option("--form", "form_path", type=click.Path(exists=True, path_type=Path), default=None,
              help="本局表单：表单定义文件，或 document.yaml 写有“表单”的文档文件夹（其扩展字段和指标组也是可用的名称）。")
@click.option("--quiet", "-q", is_flag=True, help="只列出问题，不列出每个标签。")
@click.option("--validate/--no-validate", "run_validator", default=True,
              help="另用 Microsoft 的 Open XML SDK 验证器检查文件格式（默认：已安装时运行，约需 5—10 秒）。")
def template_check(template_file: Path, kind: str | None, form_path: Path | None, quiet: bool,
                   run_validator: bool) -> None:
    """列出模板中的每个标签及其位置（表 N 第 r 行第 c 列，或第 n 段），检查语法、
    变量名（对照该类文档可用的名称，给出最接近的名称）、合并标记和分页。

    最后一行说明是否运行了 Open XML SDK 验证器（budgetdoc validate）及其结果。
    没有问题时退出码为 0，有问题为 1。生成文档之前也做同样的检查（不含验证器）。
    """
    from builder.render.template import TemplateProblem
    from builder.render.templatecheck import check_template, format_listing

    try:
        # the form in the form language (an inline legacy edit of a document folder expanded too)
        form = read_form(form_path, kind=kind) if form_path else None
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
    valid = True
    if run_validator:
        from builder.output.validate import summary_line
        from builder.read.where import repository_root

        line, valid = summary_line(template_file, repository_root())
        click.echo(line, err=True)
    else:
        click.echo("未运行 Open XML SDK 验证器（--no-validate）。", err=True)
    sys.exit(EXIT_INPUT if report.problems or not valid else 0)


@template.command(name="new")
@click.argument("template_file", type=click.Path(dir_okay=False, path_type=Path), metavar="模板.docx")
@click.option("--from", "kind", type=click.Choice(list(DOCUMENT_KINDS)), default=None,
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
    form = read_form(form_path) if form_path else None
    make_starter(template_file, kind, form)
    report = check_template(template_file, kind, form)
    for line in report.problem_lines():  # never expected: the starter is checked by the tests
        click.echo(line, err=True)
    click.echo(f"已写出 {template_file}（{len(report.tags)} 个标签；最后一页是可用名称的列表）。"
               f"在 Word 中修改后运行 budgetdoc template check {template_file}"
               + (f" --form {form_path}" if form_path else ""), err=True)
