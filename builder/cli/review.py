"""budgetdoc totext / git-setup / diff / redline: reading built documents and git revisions back.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
import click

from builder.read.errors import display_path
from builder.cli.common import EXIT_INPUT, as_document_folders, cli, default_sources


@cli.command()
@click.argument("docx", type=click.Path(dir_okay=False, path_type=Path), metavar="文件.docx")
def totext(docx: Path) -> None:
    """把生成的 .docx 打印为稳定的文本：每段一行，表格每行“| a | b |”，合并单元格只出现一次。

    供 git diff 使用（见 budgetdoc git-setup）。
    """
    import zipfile

    from lxml.etree import XMLSyntaxError

    from builder.read.docxtext import to_text
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
    按项目和一级/二级/三级指标名称对应（不按顺序），用文档表单的栏目名和金额单位说明每处修改；中文文字按字比较。
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
        targets = [Path(os.path.abspath(p)) for p in as_document_folders([Path(p) for p in paths])] \
            or [Path(os.path.abspath(default_sources()))]
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
        click.echo(format_changes(changes, colour=_terminal()))
    else:
        click.echo("源文件没有变化", err=True)


def _terminal() -> bool:
    """Whether stdout is a terminal that shows colour (not piped, not NO_COLOR, not TERM=dumb)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


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
    """比对两个 .docx，生成一份带修订的 Word 文档（删去的文字划掉、新增的文字加下划线，如同在 Word 中打开“修订”后修改），可在 Word、LibreOffice 中逐条接受或拒绝。

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
