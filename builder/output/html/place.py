"""Where a finding shows in the HTML: the cell (or paragraph) of the built document that prints its field.

A finding's ``field`` is the dotted path of the source key it concerns
(``项目资金.年度资金申请总额.合计``, ``绩效指标.产出指标.数量指标.平台运维数.得分``, ``情况说明.立项依据`` …).
The traced render (builder.output.html.trace) says, for each cell, the field paths it prints. A
finding goes beside the cell of its project whose path shares the most leading parts with its
field (``项目资金.年度资金申请总额.合计`` ↔ the cell printing ``…合计.万元``; an indicator by its row;
the first such cell on a tie); a finding that matches no cell of its project goes beside the cell
printing the project's 名称 role (else its first cell); a finding in no project's file
(``document.yaml``, a rule profile) beside the document-level value it names, else at the top only.
No field, label or section of any form is named here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builder.read.errors import Problem, display_path

SEVERITY_CLASS = {"错误": "error", "警告": "warning", "已接受": "accepted", "已知": "known"}


@dataclass(frozen=True)
class Placed:
    """A finding as the HTML shows it (plain strings only: the template gets no objects)."""

    number: int  # 1, 2, … in the order of the list at the top; the id of its note
    severity: str  # 错误 / 警告 / 已接受 / 已知
    css: str  # error / warning / accepted / known
    rule: str
    field: str
    message: str
    note: str
    where: str  # file:line (as the command line prints it)
    short: str  # the file's own name:line (a note inside a narrow cell; the full ``where`` is its title)
    href: str  # vscode://file/ABS:LINE:COL
    project: int | None  # index of the project whose file it is in

    def as_dict(self) -> dict:
        return {
            "number": self.number, "severity": self.severity, "css": self.css, "rule": self.rule,
            "field": self.field, "message": self.message, "note": self.note, "where": self.where,
            "short": self.short, "href": self.href,
        }


def editor_link(path: Path, line: int, col: int) -> str:
    """``vscode://file/<absolute path>:line:col`` (characters outside ASCII percent-encoded)."""
    from urllib.parse import quote

    absolute = Path(path).absolute().as_posix()
    if not absolute.startswith("/"):  # C:/… on Windows
        absolute = "/" + absolute
    import os

    # the name's own bytes percent-encoded: a name that is not UTF-8 (surrogate escapes) is no error
    return f"vscode://file{quote(os.fsencode(absolute), safe='/:')}:{line}:{col}"


def _parts(path: str) -> list[str]:
    return [part for part in path.split(".") if part] if path else []


def score(field: str, traced: str) -> int:
    """How many leading parts of a finding's field a traced path shares (``明细`` matches ``明细[2]``)."""
    count = 0
    for want, have in zip(_parts(field), _parts(traced)):
        if want != have and not have.startswith(want + "["):
            break
        count += 1
    return count


def best_holder(field: str, project: int | None, holders: list[list[tuple[int | None, str]]],
                fallback: str | None) -> int | None:
    """The index of the holder (a cell's list of (project, path)) a finding goes beside, or None."""
    from builder.render.chinese import ROW_NAME

    best, best_key = None, (0, 0, 0)
    for number, paths in enumerate(holders):  # most shared parts, the fewest beyond them, then a row's name cell
        here = max(((score(field, path), -len(_parts(path)), _parts(path)[-1:] == [ROW_NAME])
                    for owner, path in paths if owner == project), default=(0, 0, 0))
        if here[0] and here > best_key:
            best, best_key = number, here
    if best is not None or project is None:
        return best
    if fallback:
        for number, paths in enumerate(holders):
            if any(owner == project and score(fallback, path) == len(_parts(fallback)) for owner, path in paths):
                return number
    return next((number for number, paths in enumerate(holders) if any(o == project for o, _ in paths)), None)


def place(document, problems: list[Problem]) -> list[Placed]:
    """Every finding with the project form and the cell it is shown beside (no form when
    ``document`` is None)."""
    projects = {p.source.resolve(): index for index, p in enumerate(document.projects)} if document else {}
    placed = []
    for number, problem in enumerate(problems, start=1):
        location = problem.location
        try:
            index = projects.get(Path(location.file).resolve())
        except OSError:
            index = None
        placed.append(Placed(
            number=number, severity=problem.severity, css=SEVERITY_CLASS.get(problem.severity, "warning"),
            rule=problem.rule or "SOURCE", field=problem.field, message=problem.message, note=problem.note,
            where=f"{display_path(location.file)}:{location.line}", short=f"{Path(location.file).name}:{location.line}",
            href=editor_link(location.file, location.line, location.col),
            project=index,
        ))
    return placed
