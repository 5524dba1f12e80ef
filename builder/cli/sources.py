"""budgetdoc init / new / import: commands that write source files (a new folder, next year, a .docx imported).
"""

from __future__ import annotations

import sys
from pathlib import Path
import click

from builder.read.errors import InputError, display_path
from builder.cli.common import EXIT_INPUT, cli, report_problems


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

    from builder.cycle.scaffold import ScaffoldExists, scaffold
    from builder.forms.formdef import read_form as read_form_file

    try:
        form = reference = None
        if form_path is not None:
            import os

            form = read_form_file(form_path)
            kind = form.kind
            reference = Path(os.path.relpath(form_path.resolve(), folder.resolve())).as_posix()
        written = scaffold(folder, kind, year or dt.date.today().year, unit, form, reference)
    except ScaffoldExists as exc:
        raise click.UsageError(str(exc)) from None
    except InputError as exc:
        report_problems(exc.problems)
        sys.exit(EXIT_INPUT)
    for path in written:
        click.echo(f"已写入 {display_path(path)}")


@cli.command(name="import")
@click.argument("docx_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="文件.docx")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, metavar="文件夹",
              help="新的文档文件夹，如 sources/2025-绩效目标申报。")
@click.option("--form", "form_path", type=click.Path(exists=True, path_type=Path), default=None,
              help="本局表单：写有“表单”和“模板”的文档文件夹，或表单定义文件（再用 --template 指明模板）。")
@click.option("--template", "template_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="与 --form 表单定义文件一起：生成这份文件所用的模板。")
@click.option("--markdown", is_flag=True, help="表单中可写在 .md 文件中的各段（如申报的情况说明）写成与项目同名的 .md 文件。")
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

    from builder.forms.formdef import read_form as read_form_file
    from builder.read.errors import InputError

    try:
        form = read_form_file(form_path)
    except InputError as exc:
        report_problems(exc.problems)
        sys.exit(EXIT_INPUT)
    form_ref = template_ref = None
    if form_path.is_dir():
        from builder.output.docx import template_for
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
    if template_path is not None:
        template_ref = relative(template_path, out_dir)
    # without a template the document is read as typed by hand: by the labels the form declares
    return import_with_form(docx_file, out_dir, form, template_path, form_ref, template_ref)


MONITOR = "绩效运行监控"  # new 绩效运行监控 --as-of (builder.cycle.monitornew)


@cli.command(name="new")
@click.argument("kind", type=click.Choice(["绩效自评", "绩效目标申报", MONITOR, "项目"]), metavar="种类")
@click.argument("name", required=False, metavar="[项目名称]")
@click.option("--from", "source", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="文件夹",
              help="绩效自评、绩效目标申报：从哪个绩效目标申报的文档文件夹生成（绩效自评也可从绩效运行监控生成，"
                   "金额和实际完成值取自监控的全年预计，列为待确认）。")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="文件夹",
              help="新的文档文件夹（默认与 --from 并列的 <年度>-<类型>）。")
@click.option("--year", type=click.IntRange(2000, 2100), default=None, metavar="年度",
              help="绩效目标申报：新的年度（默认下一年）。")
@click.option("--in", "folder", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              metavar="文件夹", help="项目：放在哪个文档文件夹（在文档文件夹中运行时可不写）。")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="日期",
              help="绩效运行监控：监控日期（数据截至），如 2025-07-31。")
def new_command(kind: str, name: str | None, source: Path | None, out_dir: Path | None, year: int | None,
                folder: Path | None, as_of=None) -> None:
    """新建：下一年的申报草稿、同年的自评，或文档中的一个新项目。

    \b
    budgetdoc new 绩效自评 --from sources/2025-绩效目标申报 --out sources/2025-绩效自评
    budgetdoc new 绩效目标申报 --from sources/2025-绩效目标申报 --year 2026
    budgetdoc new 绩效运行监控 --from sources/2025-绩效目标申报 --as-of 2025-07-31
    budgetdoc new 项目 新项目名称 --in sources/2025-绩效目标申报
    """
    if kind == "项目":
        _new_project(name, folder)
        return
    if name is not None:
        raise click.UsageError(f"多余的参数“{name}”（只有 budgetdoc new 项目 <项目名称> 带名称）")
    if source is None:
        raise click.UsageError(f"缺少选项 --from：从哪个绩效目标申报生成，如 budgetdoc new {kind} --from sources/2025-绩效目标申报")
    if kind == MONITOR and as_of is None:
        raise click.UsageError("缺少选项 --as-of：监控日期（数据截至），如 --as-of 2025-07-31")
    from builder.cycle.monitornew import new_monitoring
    from builder.cycle.monitornext import new_evaluation_from
    from builder.cycle.newyear import CycleProblem, next_year
    from builder.load.loader import load_document

    try:
        loaded = load_document(source)
        current = loaded.document.year if loaded.document else None
        if kind == "绩效自评":
            out = out_dir or source.parent / f"{current}-绩效自评"
            written = new_evaluation_from(source, out)  # from a 申报, or from a 绩效运行监控
            drafted = None
        elif kind == MONITOR:
            if current is None:
                raise InputError(loaded.problems)
            out = out_dir or source.parent / f"{current}-{MONITOR}"
            written, drafted = new_monitoring(source, out, as_of.date()), None
        else:
            target_year = year or (current + 1 if current else None)
            if target_year is None:
                raise InputError(loaded.problems)
            out = out_dir or source.parent / f"{target_year}-绩效目标申报"
            drafted = next_year(source, out, target_year)
            written = drafted.written
    except InputError as exc:
        report_problems(exc.problems)
        sys.exit(EXIT_INPUT)
    except CycleProblem as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    for path in written:
        click.echo(f"已写入 {display_path(path)}")
    if kind == MONITOR:
        click.echo(f"{current} 年绩效运行监控草稿已写入 {display_path(out)}：请按每个文件开头注释填写监控情况，"
                   f"再 budgetdoc check {display_path(out)}、budgetdoc build {display_path(out)}。", err=True)
        return
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
        report_problems(exc.problems)
        sys.exit(EXIT_INPUT)
    click.echo(f"已写入 {display_path(path)}")
    if added:
        click.echo(f"已把“{path.stem}”加到 {display_path(added)} 的项目顺序末尾")
    else:
        click.echo("document.yaml 中没有项目顺序：项目按文件名排序")
    click.echo(f"请按文件中的注释填写各项，然后运行 budgetdoc check {display_path(path)}。", err=True)
