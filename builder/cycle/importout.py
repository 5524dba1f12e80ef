"""Import: what every reader's writer shares — the output folder checked, a project's file stem, the
narratives a form lets go to a .md file taken out of a project's data, what was written checked."""

from __future__ import annotations

import os
import re
from pathlib import Path

from builder.cycle.importread import ImportProblem, ImportReport


_UNSAFE_FILE_CHARS = re.compile(r'[\s\\/:*?"<>|\x00-\x1f]+')


def project_stem(number: int, count: int, name: str) -> str:
    """``NN-<项目名称 without spaces>``, safe as a file name."""
    width = max(2, len(str(count)))
    safe = _UNSAFE_FILE_CHARS.sub("", name).strip(".") or "项目"
    return f"{number:0{width}d}-{safe[:60]}"


def check_out_dir(out_dir: Path) -> None:
    """A new or empty folder: any file there (a note, a .md, not only a source) could be
    overwritten; each file is then created by write_new, which refuses an existing one too."""
    if os.path.lexists(out_dir) and (not out_dir.is_dir() or out_dir.is_symlink()):
        raise ImportProblem(f"输出位置“{out_dir}”是一个文件（或链接），请指定文件夹")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise ImportProblem(f"输出文件夹“{out_dir}”已存在且不为空，请指定一个新的（或空的）文件夹，以免覆盖其中的文件")


def narratives_to_markdown(data, form) -> list[tuple[str, list[str]]]:
    """Take the text narratives out of a project's YAML data: (section, paragraphs) for its .md file —
    the form's markdown sections (``markdown: true``) written as text; a structured 预算安排 (明细)
    stays in the YAML, as does a group left with other keys."""
    sections = []
    for heading, path in form.markdown_sections().items():
        *groups, key = path.split(".")
        node = data
        for group in groups:
            node = node.get(group) if isinstance(node, dict) else None
        if not isinstance(node, dict) or not isinstance(node.get(key), str):
            continue
        sections.append((heading, [line for line in str(node[key]).split("\n") if line.strip()]))
        del node[key]
        if groups and not node:
            parent = data
            for group in groups[:-1]:
                parent = parent[group]
            del parent[groups[-1]]
    return sections


def verify_import(out_dir: Path, report: ImportReport, printed: list[dict] | None = None, form=None) -> None:
    """Load and check what was written; its errors (what would stop a build) become notes, as does each
    printed computed value (``printed``, by project: 导入.核对) that the written sources compute otherwise."""
    from builder.output.build import check
    from builder.read.errors import InputError

    try:
        documents, problems = check([out_dir])
    except InputError as exc:
        documents, problems = [], exc.problems
    if printed and documents and form is not None:
        from builder.cycle.formparts import check_printed

        report.notes.extend(check_printed(printed, documents[0], form))
    errors = [p for p in problems if p.severity == "错误"]
    for problem in errors:
        report.notes.append(f"导入结果需要修改后才能生成：{problem.format_finding()}")
