"""Located problems: every message a user sees about their sources.

A problem is printed as ``path:line:col 字段路径: 说明``; loading collects all
problems of all files before anything is reported, so a user fixes them in one go.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from builder.read.where import repository_root


@dataclass(frozen=True, slots=True)
class Location:
    file: Path
    line: int = 1
    col: int = 1

    def display(self) -> str:
        return f"{display_path(self.file)}:{self.line}:{self.col}"


def display_path(path: Path) -> str:
    """Path relative to the working directory when it is below it; a name with line breaks or
    bytes that are not UTF-8 is shown escaped, so one problem stays one printable line."""
    try:
        relative = _relative(os.fspath(path))
    except ValueError:  # other drive (Windows)
        relative = ".."
    if relative.startswith("..") and _inside_repository(path):
        return printable(relative)  # ../../build/x.docx from a subfolder, as git shows it
    return printable(str(path) if relative.startswith("..") else relative)


def _relative(path: str) -> str:
    """``os.path.relpath(path)``, with the folder part worked out once per folder (a build
    prints hundreds of findings in the same few folders)."""
    head, tail = os.path.split(path)
    if not tail or tail in (".", ".."):
        return os.path.relpath(path)
    folder = _relative_folder(head or os.curdir, os.getcwd())
    if folder.startswith(os.pardir):  # outside the working folder: the name may lead back into it
        return os.path.relpath(path)
    return tail if folder == os.curdir else os.path.join(folder, tail)


@functools.lru_cache(maxsize=64)
def _relative_folder(folder: str, cwd: str) -> str:
    return os.path.relpath(folder, cwd)


def _inside_repository(path: Path) -> bool:
    """Whether ``path`` is in the git repository the current folder is in."""
    root = _repository_of(os.getcwd())
    if root is None:
        return False
    absolute = os.path.abspath(path)
    return absolute == root or absolute.startswith(root + os.sep)


_roots: dict[str, str | None] = {}


def _repository_of(cwd: str) -> str | None:
    if cwd not in _roots:
        root = repository_root(Path(cwd))
        _roots[cwd] = str(root) if root is not None else None
    return _roots[cwd]


def printable(text: str) -> str:
    if text.isprintable() and text.encode("utf-8", "surrogateescape").decode("utf-8", "replace") == text:
        return text
    out = []
    for char in text:
        if 0xDC80 <= ord(char) <= 0xDCFF:  # a byte that was not UTF-8 in a file name
            out.append(f"\\x{ord(char) - 0xDC00:02x}")
        elif not char.isprintable() and char != " ":
            out.append(char.encode("unicode_escape").decode("ascii"))
        else:
            out.append(char)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the sources, with where it is and what it is."""

    location: Location
    field: str
    message: str
    severity: str = "错误"  # or 警告
    rule: str = ""  # the check rule's id, for findings of ``builder.check.checks``
    values: tuple[tuple[str, str], ...] = ()  # the numbers involved, for --format json
    note: str = ""  # 已接受: the waiver's 原因; 已知: the baseline it is in

    def as_json(self) -> dict:
        return {
            "file": display_path(self.location.file),
            "line": self.location.line,
            "column": self.location.col,
            "severity": self.severity,
            "rule": self.rule or "SOURCE",
            "field": self.field,
            "message": self.message,
            "values": dict(self.values),
            **({"note": self.note} if self.note else {}),
        }

    def format(self) -> str:
        """``path:line:col 字段路径: 说明`` — the short form, for sentences that quote a problem."""
        where = self.location.display()
        text = f"{where} {self.field}: {self.message}" if self.field else f"{where} {self.message}"
        if self.note:
            return f"{text}（{self.severity}，{self.note}）"
        return text if self.severity == "错误" else f"{text}（警告）"

    def format_finding(self) -> str:
        """``path:line:col [级别] 规则编号 字段路径: 说明`` — the one format in which ``check``,
        ``build`` and ``build --watch`` print every error and warning (``SOURCE`` for a
        problem of the source format itself, which has no rule of its own)."""
        rule = self.rule or "SOURCE"
        note = f"（{self.note}）" if self.note else ""
        text = f"{self.field}: {self.message}" if self.field else self.message
        return f"{self.location.display()} [{self.severity}] {rule} {text}{note}"


@dataclass
class Problems:
    """A collector passed through the loading stages."""

    items: list[Problem] = field(default_factory=list)

    def error(self, location: Location, field_path: str, message: str, rule: str = "") -> None:
        self.items.append(Problem(location, field_path, message, rule=rule))

    def warn(self, location: Location, field_path: str, message: str) -> None:
        self.items.append(Problem(location, field_path, message, "警告"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "错误"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "警告"]

    def __bool__(self) -> bool:
        return bool(self.errors)


class InputError(Exception):
    """The sources cannot be built; ``problems`` says why, each with its place."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the sources")
        self.problems = sorted(problems, key=_problem_order)


def _problem_order(p: Problem):
    return (str(p.location.file), p.location.line, p.location.col)


def problem_order(problem: "Problem"):
    """The order every list of problems is printed in: file, line, column, rule."""
    return (str(problem.location.file), problem.location.line, problem.location.col, problem.rule)
