"""budgetdoc check / schema / context: the findings, the editor schemas and the template context of sources.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
import click

from builder.read.errors import InputError, display_path
from builder.cli.common import (
    EXIT_INPUT, as_document_folders, cli, default_sources, existing_paths, report_problems,
)


@cli.command(name="check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[路径]...")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text：每条一行；json：供编辑器和 CI 使用的列表。")
@click.option("--strict", is_flag=True, help="有警告也以退出码 1 结束。")
@click.option("--baseline", "baseline", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="文件",
              help="基线文件：其中的发现列为“已知”，不使检查失败，只有新的发现照常报告。")
@click.option("--write-baseline", "write_baseline_to", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="文件", help="把当前的全部错误和警告写入基线文件（团队开始在旧文档上使用本工具时）。")
@click.option("--against", "against", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              metavar="文档文件夹",
              help="与这一文档（绩效目标申报）比较：来自申报的金额、文字和各指标的指标值不同的，列为调整（MON-ADJUST）。")
@click.option("--docx", "docx_out", type=click.Path(path_type=Path), default=None, metavar="输出",
              help="另外写出带批注的 Word 文档：每条发现是它所在单元格或段落上的一条批注"
                   "（一个文档时可写 .docx 文件名，否则为文件夹）。")
def check_command(paths: tuple[Path, ...], output_format: str, strict: bool, baseline: Path | None,
                  write_baseline_to: Path | None, docx_out: Path | None, against: Path | None) -> None:
    """检查源文件：算术、万元/元、指标框架、复制的文字、自评得分……（规则说明：budgetdoc 规则 编号）。

    每条发现为“路径:行:列 [错误|警告|已接受|已知] 规则编号 字段路径: 说明”（build 也这样列出）。
    没有错误时退出码为 0，有错误（或加 --strict 时有警告）为 1；“已接受”（源文件中“忽略:”写明原因的）
    和“已知”（在基线中的）不算。路径为一个项目文件时，检查它所在的整个文档，只列出这个文件的发现。
    """
    import json

    from builder.output.build import check
    from builder.check.profile import BaselineProblem, apply_baseline, read_baseline
    from builder.output.build import write_baseline

    given = existing_paths(paths)
    targets = as_document_folders(given) or [default_sources()]
    documents = []
    try:
        documents, problems = check(targets, against=against)
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
    """打印源文件格式的 JSON Schema（由表单定义生成），供编辑器补全和实时校验（见 docs/editors.md）。"""
    import json

    from builder.forms.formdef import read_form as read_form_file, shipped_form

    kind = "绩效目标申报" if which == "document" else which
    try:
        form = read_form_file(form_path, kind) if form_path else shipped_form(kind)
    except InputError as exc:
        report_problems(exc.problems)
        sys.exit(EXIT_INPUT)
    click.echo(json.dumps(form.json_schema("document" if which == "document" else "project"), ensure_ascii=False,
                          indent=2))


@cli.command(name="context")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="文件夹")
@click.option("--project", "stem", default=None, metavar="项目", help="只打印这个项目（项目文件名，不含扩展名）。")
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
