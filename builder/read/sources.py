"""Stage 1 — read sources: files on disk → located raw trees (``builder.read.rawtree``).

Nothing here knows what a 项目 is; it only turns YAML/TOML text into values
that remember where they were written, and explains syntax errors in Chinese.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from builder.read.errors import InputError, Location, Problem, Problems
from builder.read.rawtree import Node
from builder.read.readonce import folder_entries, read_input
from builder.read.safeio import UnsafeFile, inside
from builder.read.syntax import parse


SOURCE_SUFFIXES = (".yaml", ".yml", ".toml")
DOCUMENT_STEM = "document"
MAX_SOURCE_BYTES = 2 * 1024 * 1024  # a project file is a few KB; refuse anything absurd


@dataclass
class SourceFile:
    path: Path
    root: Node | None  # None when the file could not be read

    @property
    def stem(self) -> str:
        return self.path.stem


@dataclass
class SourceFolder:
    """One document's sources: its document file and its project files (file-name order)."""

    folder: Path
    document: SourceFile | None
    projects: list[SourceFile] = field(default_factory=list)


def is_document_folder(path: Path) -> bool:
    return any((path / f"{DOCUMENT_STEM}{suffix}").is_file() for suffix in SOURCE_SUFFIXES)


def document_folder_of(path: Path) -> Path | None:
    """The document folder (the one holding ``document.yaml``) a source file belongs to."""
    parent = Path(os.path.abspath(path)).parent
    return parent if is_document_folder(parent) else None


def find_document_folders(path: Path) -> list[Path]:
    """A document folder itself, or the document folders directly inside ``path``."""
    if is_document_folder(path):
        return [path]
    if not path.is_dir():
        return []
    return sorted(p for p in path.iterdir() if p.is_dir() and not _ignored(p) and is_document_folder(p))


def _ignored(path: Path) -> bool:
    return path.name.startswith(("_", "."))


def source_files(folder: Path) -> list[Path]:
    """Every source file of a document folder, in file-name order (ignored ones left out).

    Entries are listed by name only: links, pipes and folders named like a source
    are listed too, so that reading them reports what they are instead of passing
    over them in silence."""
    try:
        entries = folder_entries(folder)
    except OSError:
        return []
    # by name: the same order as sorting the paths (one folder), without comparing their parts
    return sorted((p for p in entries if p.suffix in SOURCE_SUFFIXES and not _ignored(p)), key=lambda p: p.name)


def unexpected_source_files(folder: Path) -> list[Path]:
    """Files that look like sources but are not read: ``02-q.YAML``, ``03-r.json``."""
    try:
        entries = folder_entries(folder)
    except OSError:
        return []
    return sorted(
        (p for p in entries
         if not _ignored(p) and p.suffix not in SOURCE_SUFFIXES
         and (p.suffix.lower() in SOURCE_SUFFIXES or p.suffix.lower() == ".json")),
        key=lambda p: p.name,
    )


def read_folder(folder: Path, problems: Problems, cache=None, only: set[str] | None = None) -> SourceFolder:
    """Read every source file of a folder; ``cache`` (a BuildCache) skips re-parsing unchanged files.
    With ``only`` (project stems) the other project files are listed but not read (their tree is None).

    One project is one file: two files with the same stem (``01-p.yaml`` and ``01-p.toml``)
    are an error naming both, never one of them dropped in silence."""
    document = None
    projects = []
    by_stem: dict[str, Path] = {}
    for path in unexpected_source_files(folder):
        problems.warn(Location(path), "", f"扩展名“{path.suffix}”不是源文件的扩展名，此文件未读取"
                                          f"（源文件应以 {'、'.join(SOURCE_SUFFIXES)} 结尾，全部小写）")
    for path in source_files(folder):
        if not _utf8_name(path.name):
            problems.error(Location(path), "", "文件名含有无法识别的字符（不是 UTF-8 编码），请重命名此文件")
            continue
        if path.stem in by_stem:
            first = by_stem[path.stem]
            problems.error(Location(path), "", f"“{first.name}”和“{path.name}”是同一个项目的两个文件，请只保留一个")
            continue
        by_stem[path.stem] = path
        if only is not None and path.stem != DOCUMENT_STEM and path.stem not in only:
            projects.append(SourceFile(path, None))
            continue
        source = SourceFile(path, read_source(path, problems, cache, folder))
        if path.stem == DOCUMENT_STEM:
            document = source
        else:
            projects.append(source)
    if document is None:
        problems.error(Location(folder), "", "文件夹中没有 document.yaml（或 document.toml）")
    return SourceFolder(folder, document, projects)


def _utf8_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def source_bytes(path: Path, folder: Path | None = None) -> bytes:
    """A source file's bytes, refused (``UnsafeFile``) when it is not a regular file inside
    ``folder``, or larger than a source can be; read once per build (``builder.read.readonce``)."""
    link = path.is_symlink()
    if link and not path.exists():
        raise UnsafeFile("是指向不存在的文件的链接（或链接循环），无法读取")
    # a file (not a link) listed in the folder itself lies inside it: no need to resolve both paths
    if folder is not None and (link or path.parent != folder) and not inside(path, folder):
        raise UnsafeFile("是指向文档文件夹之外的链接，已拒绝读取（源文件必须放在文档文件夹中）")
    return read_input(path, MAX_SOURCE_BYTES)


def read_source(path: Path, problems: Problems, cache=None, folder: Path | None = None) -> Node | None:
    try:
        raw = source_bytes(path, folder if folder is not None else path.parent)
    except UnsafeFile as exc:
        problems.error(Location(path), "", str(exc))
        return None
    if cache is not None:
        node = cache.load_raw(path, raw)
        if node is not None:
            return node
    before = len(problems.items)
    node = parse(path, raw, problems)
    if cache is not None and node is not None and len(problems.items) == before:
        cache.store_raw(path, raw, node)
    return node


def accepted_text(path: Path, folder: Path | None = None) -> str:
    """A source file's text for a reader that needs ruamel's round-trip tree (comments kept:
    ``new 下一年``, ``new 项目``), read and parsed as ``read_source`` does — the same refusals,
    bounds and located errors (``InputError``) —, so that no other parser sees text this one refused."""
    problems = Problems()
    try:
        raw = source_bytes(path, folder if folder is not None else path.parent)
    except UnsafeFile as exc:
        raise InputError([Problem(Location(path), "", str(exc))]) from None
    parse(path, raw, problems)
    if problems.errors:
        raise InputError(problems.errors)
    return raw.decode("utf-8-sig")


