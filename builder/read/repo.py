"""The repository boundary: every file a source names — 模板, 表单, 规则 and 基于 — lies inside the
repository, never outside it. (The sources and Markdown of a document lie in its own folder:
``builder.read.sources.source_bytes``; both are checked with ``builder.read.safeio.inside``.)

The repository root is the nearest folder at or above the document folder that holds ``.git``
(``builder.read.where.repository_root``), else the document folder's parent. Links are resolved
before the check, so a link inside the repository pointing out of it is refused too, and a
name outside is refused before anything is read from it — its contents are never shown.
"""

from __future__ import annotations

from pathlib import Path

from builder.read.safeio import inside


def repository_root(folder: Path) -> Path:
    """The nearest parent (or the folder itself) holding ``.git``; else the folder's parent."""
    from builder.read.where import repository_root as nearest

    folder = Path(folder).resolve()
    return nearest(folder) or folder.parent


class OutsideRepository(Exception):
    """The message is user-facing Chinese."""


def in_repository(folder: Path, name: str, what: str) -> Path:
    """``name`` (relative to ``folder``, or absolute) resolved, links followed; raises
    OutsideRepository when it lies outside the repository — whether or not it exists."""
    root = repository_root(folder)
    candidate = Path(folder) / name
    if not inside(candidate, root):
        raise OutsideRepository(f"{what}必须放在本仓库内（{root}），“{name}”在仓库之外，未读取")
    return candidate.resolve()


def resolve_in_repository(folder: Path, name: str, what: str) -> Path:
    """``in_repository``, and the file must exist (OutsideRepository otherwise)."""
    candidate = in_repository(folder, name, what)
    if not candidate.is_file():
        raise OutsideRepository(f"找不到{what}“{name}”")
    return candidate
