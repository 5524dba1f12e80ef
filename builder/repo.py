"""Files a document names outside its own folder (a shared template, a shared form definition).

They may lie anywhere inside the repository, never outside it: the repository root is the
nearest parent of the document folder that holds ``.git``, else the document folder's parent.
Links are resolved before the check, so a link inside the repository pointing out of it is
refused too.
"""

from __future__ import annotations

from pathlib import Path


def repository_root(folder: Path) -> Path:
    """The nearest parent (or the folder itself) holding ``.git``; else the folder's parent."""
    folder = Path(folder).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder.parent


class OutsideRepository(Exception):
    """The message is user-facing Chinese."""


def resolve_in_repository(folder: Path, name: str, what: str) -> Path:
    """``name`` (relative to the document folder, or absolute) resolved, links followed; raises
    OutsideRepository when it lies outside the repository or is not a file."""
    root = repository_root(folder)
    candidate = (Path(folder) / name).resolve()
    if candidate != root and root not in candidate.parents:
        raise OutsideRepository(f"{what}必须放在本仓库内（{root}），“{name}”在仓库之外")
    if not candidate.is_file():
        raise OutsideRepository(f"找不到{what}“{name}”")
    return candidate
