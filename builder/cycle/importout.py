"""Import: what every reader's writer shares — the output folder checked, a project's file stem, the
narratives a form lets go to a .md file taken out of a project's data, what was written checked."""

from __future__ import annotations

import os
import re
from pathlib import Path

from builder.cycle.importread import ImportProblem, ImportReport
from builder.cycle.importlabels import evaluation_form_labels, target_form_labels
from builder.model import core as m


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


def narratives_to_markdown(data, kind: str) -> list[tuple[str, list[str]]]:
    """Take the text narratives out of a project's YAML data: (section, paragraphs) for its .md file.
    A structured 年度预算安排 (明细) stays in the YAML."""
    sections = []
    if kind == m.TARGET_KIND:
        group = target_form_labels().narrative.key
        narrative = data.get(group) or {}
        for section in list(narrative):
            value = narrative[section]
            if isinstance(value, str):
                sections.append((section, [line for line in str(value).split("\n") if line.strip()]))
                del narrative[section]
        if not narrative and group in data:
            del data[group]
    else:
        labels = evaluation_form_labels()
        for section in (labels.expected, labels.achieved):
            if isinstance(data.get(section), str):
                sections.append((section, [line for line in str(data[section]).split("\n") if line.strip()]))
                del data[section]
    return sections


def verify_import(out_dir: Path, report: ImportReport) -> None:
    """Load and check what was written; its errors (what would stop a build) become notes."""
    from builder.output.build import check
    from builder.read.errors import InputError

    try:
        _, problems = check([out_dir])
    except InputError as exc:
        problems = exc.problems
    errors = [p for p in problems if p.severity == "错误"]
    for problem in errors:
        report.notes.append(f"导入结果需要修改后才能生成：{problem.format_finding()}")
