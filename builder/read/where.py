"""Where a command runs from: the repository root and the sources root.

Like git, budgetdoc looks for the repository from the current folder upwards (the
first folder holding ``.git``, a folder in a clone or a file in a worktree), so
``budgetdoc build``, ``check``, ``diff`` and ``new`` give the same answers from any
folder of the repository: the default sources are ``<repository>/sources`` and
the default output folder ``<repository>/build``. Outside a repository they are
``sources`` and ``build`` of the current folder. A PATH given on the command line
is, as always, relative to the current folder.
"""

from __future__ import annotations

import os
from pathlib import Path

SOURCES = "sources"
BUILD = "build"


def repository_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: the current folder) that holds ``.git``."""
    here = Path(os.path.abspath(start or Path.cwd()))
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _relative(path: Path) -> Path:
    """``path`` relative to the current folder when it is the current folder or below it, so the
    messages read as they always did when a command runs at the repository's top."""
    try:
        relative = Path(os.path.relpath(path))
    except ValueError:
        return path
    return path if str(relative).startswith("..") else relative


def sources_root() -> Path:
    root = repository_root()
    if root is not None and (root / SOURCES).is_dir():
        return _relative(root / SOURCES)
    return Path(SOURCES)


def build_root() -> Path:
    root = repository_root()
    if root is not None and (root / SOURCES).is_dir():
        return _relative(root / BUILD)
    return Path(BUILD)


def default_output_problem(out: Path) -> str | None:
    """Why the default output folder (``build/``, not one the user typed) may not be written: it
    is a link leading out of the repository (a clone can commit such a link), so a plain
    ``budgetdoc build`` would write somewhere the user never named. None when it may be."""
    root = repository_root()
    if root is None or not os.path.islink(out):
        return None
    target = Path(os.path.realpath(out))
    base = Path(os.path.realpath(root))
    if target == base or base in target.parents:
        return None
    return (f"默认输出文件夹 {out} 是一个链接，指向仓库之外的 {target}，未写入任何文件"
            f"（如确要写到那里，请用 --out 明确写出该文件夹；否则删除这个链接）")
