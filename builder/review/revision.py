"""Reading a git revision's sources for ``budgetdoc diff`` — through git itself, never trusting
its names: a crafted commit can hold a tree entry named ``..`` (``git mktree`` accepts one), an
absolute path or ``.git``; such a revision is refused before anything is written. Contents come
from ``git cat-file``; files are only created, inside the temporary folder, and no link is made.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class DiffProblem(Exception):
    """A revision or path that cannot be read; the message is user-facing Chinese."""


def _git(root: Path, *args: str) -> bytes:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise DiffProblem(f"git {' '.join(args[:2])} 失败：{message[0]}")
    return result.stdout


def unknown_revisions(root: Path, revisions: list[str]) -> list[str]:
    """The revisions git does not know (a typo, or a path that does not exist written before ``--``)."""
    unknown = []
    for revision in revisions:
        result = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], cwd=root,
                                capture_output=True)
        if result.returncode != 0:
            unknown.append(revision)
    return unknown


def repository_root(start: Path) -> Path:
    try:
        return Path(os.fsdecode(_git(start, "rev-parse", "--show-toplevel").rstrip(b"\r\n")))
    except DiffProblem:
        raise DiffProblem(f"{start} 不在 git 仓库中") from None


# what a document may name outside its folder (表单, 模板, 规则, 基于): written along, so the
# same repository boundary (builder.read.repo) holds in the checkout as in the working tree
_NAMED_SUFFIXES = (b".yaml", b".yml", b".toml", b".docx")
_BLOB_MODES = (b"100644", b"100755")
MAX_BLOB_BYTES = 256 * 1024 * 1024


def _safe_components(name: bytes) -> list[str] | None:
    """A tree entry's path as folder names, or None when it could leave the checkout: empty,
    ``.`` or ``..`` components, an absolute path, ``.git`` (a crafted tree can hold any of them)."""
    parts = name.split(b"/")
    if name.startswith(b"/") or any(part in (b"", b".", b"..") or part.lower() == b".git" or b"\0" in part
                                    for part in parts):
        return None
    return [os.fsdecode(part) for part in parts]  # a name in any encoding, as the file system has it


def _revision_entries(root: Path, revision: str, wanted: list[bytes]) -> list[tuple[bytes, bytes, int]]:
    """(name, object id, size) of the revision's regular files under ``wanted`` (repository-relative
    prefixes), and of the files there a document may name; refuses an entry that could escape."""
    listing = _git(root, "ls-tree", "-r", "-z", "-l", "--full-tree", revision)
    entries = []
    for record in filter(None, listing.split(b"\0")):
        meta, _, name = record.partition(b"\t")
        fields = meta.split()
        if len(fields) != 4:
            continue
        mode, kind, oid, size = fields
        if _safe_components(name) is None:  # anywhere in the tree: such a revision is not read at all
            shown = name.decode("utf-8", "backslashreplace")
            raise DiffProblem(f"版本 {revision} 中有不安全的文件名“{shown}”（含 ..、绝对路径或 .git），已拒绝读取此版本")
        under = any(name == prefix or name.startswith(prefix + b"/") or not prefix for prefix in wanted)
        if not under and not (name.lower().endswith(_NAMED_SUFFIXES) and not name.startswith(b"build/")):
            continue
        if kind != b"blob" or mode not in _BLOB_MODES:
            continue  # a link or a submodule is not written (a source is a regular file)
        if int(size) > MAX_BLOB_BYTES:
            continue  # the loader reports the file as missing, as it would a file too large to read
        entries.append((name, oid, int(size)))
    return entries


def checkout_sources(root: Path, revision: str, paths: list[Path], into: Path) -> list[Path]:
    """Write the files under ``paths`` as they are at ``revision`` into ``into``, at their places
    relative to the repository (with the form definitions, templates and rule profiles elsewhere
    in it), and mark ``into`` as the repository (an empty ``.git``), so a document's names are
    checked against the same boundary as in the working tree. Names are taken from git's own
    listing and validated; contents come from ``git cat-file``, files are only ever created
    (never through a link: none is made). Returns ``paths`` as they are in ``into``."""
    base = root.resolve()
    relative = []
    for path in paths:
        try:
            relative.append(Path(path).resolve().relative_to(base))
        except ValueError:
            raise DiffProblem(f"{path} 不在仓库 {root} 中") from None
    wanted = [b"" if str(r) == "." else os.fsencode(r.as_posix()) for r in relative]
    entries = _revision_entries(root, revision, wanted)
    into.mkdir(parents=True, exist_ok=True)
    (into / ".git").mkdir(exist_ok=True)
    contents = _git_input(root, b"".join(oid + b"\n" for _, oid, _ in entries), "cat-file", "--batch")
    offset = 0
    for name, oid, size in entries:
        header_end = contents.index(b"\n", offset)
        header = contents[offset:header_end].split()
        if len(header) != 3 or header[0] != oid or int(header[2]) != size:
            raise DiffProblem(f"git cat-file 的输出与版本 {revision} 的文件列表不符")
        data = contents[header_end + 1: header_end + 1 + size]
        offset = header_end + 1 + size + 1
        _create(into, _safe_components(name), data, revision)
    return [into / r for r in relative]


def _create(into: Path, parts: list[str], data: bytes, revision: str) -> None:
    from builder.read.safeio import inside

    target = into.joinpath(*parts)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not inside(target, into):  # cannot happen with validated names and no links; checked anyway
            raise DiffProblem(f"版本 {revision} 中的文件“{'/'.join(parts)}”不在临时文件夹中，已拒绝")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError:  # a crafted tree naming one path twice, or as a file and a folder
        shown = "/".join(parts).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise DiffProblem(f"版本 {revision} 中的文件“{shown}”无法写出（同名的文件或文件夹重复），已拒绝读取此版本") from None


def _git_input(root: Path, data: bytes, *args: str) -> bytes:
    result = subprocess.run(["git", *args], cwd=root, input=data, capture_output=True)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise DiffProblem(f"git {' '.join(args[:2])} 失败：{message[0]}")
    return result.stdout
