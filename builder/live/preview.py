"""What budgetdoc serve shows: each document folder loaded, checked and rendered as HTML,
again for the folders a save touched, and the sources it may show beside them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from builder.model import core as m
from builder.read.errors import InputError, Problem, display_path, printable


HTML_DIR = Path(__file__).resolve().parents[1] / "output" / "html"
SCRIPT_URL = "/_budgetdoc/live.js"
MAX_SOURCE_BYTES = 4 * 1024 * 1024
KEEPALIVE_SECONDS = 15


class ServeProblem(Exception):
    """The server cannot start; the message is one line of Chinese."""


@dataclass
class DocState:
    id: str
    folder: Path
    good: m.Document | None = None  # the last load without errors
    good_at: str = ""  # when it was loaded (HH:MM:SS)
    current: m.Document | None = None  # the latest load (may have errors)
    problems: list[Problem] = field(default_factory=list)  # findings of the latest load
    version: int = 0
    html: str = ""

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "错误")

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == "警告")

    @property
    def href(self) -> str:
        return f"/doc/{quote(self.id, safe='')}"


def _problem_order(problem: Problem):
    """Errors first (they are what keeps the preview from updating), then by place."""
    return (problem.severity != "错误", str(problem.location.file), problem.location.line, problem.location.col,
            problem.rule)


def load_and_check(folder: Path) -> tuple[m.Document | None, list[Problem]]:
    """What ``build`` knows of one document folder before rendering: the model and every finding."""
    from builder.output.docx import template_for
    from builder.load.loader import load_document
    from builder.check.profile import review

    loaded = load_document(folder)
    problems = list(loaded.problems)
    document = loaded.document
    if document is not None:
        problems.extend(review(document))
        try:
            template_for(document)
        except InputError as exc:
            problems.extend(exc.problems)
    return document, sorted(problems, key=_problem_order)


class Preview:
    """The documents under ``targets`` and their rendered pages; safe to use from two threads."""

    def __init__(self, targets: list[Path]):
        self.targets = [Path(t) for t in targets]
        self.lock = threading.Lock()
        self.docs: dict[str, DocState] = {}
        self.problems: list[str] = []  # paths that hold no document
        self.version = 0
        self.index = ""
        self.reloaded: list[DocState] = []

    # ---------------------------------------------------------------- loading

    def _folders(self) -> list[Path]:
        from builder.load.loader import expand_document_folders

        folders, problems = [], []
        for target in self.targets:
            try:
                folders.extend(expand_document_folders([target]))
            except InputError as exc:
                problems.extend(p.format() for p in exc.problems)
        self.problems = problems
        return list(dict.fromkeys(folders))

    @staticmethod
    def _ids(folders: list[Path]) -> dict[Path, str]:
        ids: dict[Path, str] = {}
        taken: set[str] = set()
        for folder in folders:
            name = printable(folder.name) or "文档"
            candidate, number = name, 2
            while candidate in taken:
                candidate, number = f"{name}~{number}", number + 1
            taken.add(candidate)
            ids[folder] = candidate
        return ids

    def refresh(self, changed: list[Path] | None = None) -> list[str]:
        """Load again the documents that ``changed`` concerns (all when None or when a
        template changed) and render their pages; returns the ids of the pages that changed."""
        folders = self._folders()
        ids = self._ids(folders)
        affected = set(folders) if changed is None else self._affected(folders, changed)
        states = {}
        with self.lock:
            old = {state.folder: state for state in self.docs.values()}
        updated, reloaded = [], []
        for folder in folders:
            state = old.get(folder)
            if state is None or state.id != ids[folder]:
                state, fresh = DocState(ids[folder], folder), True
            else:
                fresh = False
            if fresh or folder in affected:
                before = state.html
                self._load(state)
                self._render(state)
                reloaded.append(state)
                if state.html != before:
                    updated.append(state.id)
            states[state.id] = state
        removed = [state.id for state in old.values() if state.id not in states]
        with self.lock:
            self.docs = states
            self.reloaded = reloaded  # the documents this refresh loaded again (the watcher reports their errors)
            if updated or removed or changed is None or not self.index:
                self.version += 1
                self.index = self._render_index()
        return updated + removed

    def _affected(self, folders: list[Path], changed: list[Path]) -> set[Path]:
        resolved = {folder: _resolve(folder) for folder in folders}
        affected = set()
        for path in changed:
            target = _resolve(path)
            owners = [f for f, r in resolved.items() if r == target or r in target.parents or target in r.parents]
            if not owners:
                return set(folders)  # a template, a profile, the HTML templates: every document
            affected.update(owners)
        return affected

    def _load(self, state: DocState) -> None:
        try:
            document, problems = load_and_check(state.folder)
        except Exception as exc:  # noqa: BLE001 - a bug must not stop the preview of the others
            document, problems = None, [Problem(_location(state.folder), "", f"budgetdoc 内部错误：{exc!r}")]
        state.current, state.problems = document, problems
        if document is not None and not any(p.severity == "错误" for p in problems):
            state.good = document
            state.good_at = dt.datetime.now().strftime("%H:%M:%S")

    # ---------------------------------------------------------------- rendering

    def _view_link(self, state: DocState):
        names = {p.name for p in _source_paths(state.folder)}
        folder = _resolve(state.folder)

        def view(path: Path, line: int):
            path = Path(path)
            if path.name in names and _resolve(path).parent == folder:
                return f"/source/{quote(state.id, safe='')}/{quote(os.fsencode(path.name), safe='')}#L{line}"
            return None

        return view

    def _render(self, state: DocState) -> None:
        from builder.output.html import document_html, problems_html

        errors = state.errors
        live = {"script": SCRIPT_URL, "id": state.id, "name": state.id, "stale": "", "version": "{version}"}
        shown = state.good or state.current
        if errors and state.good is not None:
            live["stale"] = (f"最近一次保存有 {errors} 个错误（见下方和表中标出的单元格），"
                             f"预览保持 {state.good_at} 的内容，改正后自动更新。")
        elif errors and shown is not None:
            live["stale"] = f"源文件有 {errors} 个错误，还没有可生成的版本；下面是按已读入的内容排出的草稿。"
        elif errors:
            live["stale"] = f"源文件有 {errors} 个错误，无法读入文档。"
        html = None
        if shown is not None:
            try:
                html = document_html(shown, state.problems, live=live, view=self._view_link(state))
            except Exception:  # noqa: BLE001 - a draft of broken sources may not render; the list still helps
                html = None
        if html is None:
            from builder.output.html import findings_list

            html = problems_html(state.id, findings_list(state.problems, self._view_link(state)), live)
        html = _encodable(html)
        candidate = html.replace('data-version="{version}"', f'data-version="{state.version}"')
        if candidate != state.html:
            state.version += 1
            candidate = html.replace('data-version="{version}"', f'data-version="{state.version}"')
        state.html = candidate

    def _render_index(self) -> str:
        from builder.output.html import index_html

        entries = []
        for state in self.docs.values():
            document = state.current or state.good
            if state.errors:
                status, css = f"{state.errors} 个错误" + (f"，{state.warnings} 个警告" if state.warnings else ""), "error"
            elif state.warnings:
                status, css = f"{state.warnings} 个警告", "warning"
            else:
                status, css = "通过", "ok"
            entries.append({
                "name": state.id, "href": state.href, "status": status, "css": css,
                "kind": document.kind if document else "", "year": str(document.year) if document else "",
                "projects": str(len(document.projects)) if document else "",
            })
        root = "、".join(display_path(t) for t in self.targets)
        return _encodable(index_html(entries, {"script": SCRIPT_URL, "version": str(self.version), "root": root,
                                                "problems": self.problems}))

    # ---------------------------------------------------------------- reading (request side)

    def page(self, doc_id: str) -> str | None:
        with self.lock:
            state = self.docs.get(doc_id)
            return state.html if state else None

    def index_page(self) -> str:
        with self.lock:
            return self.index

    def source(self, doc_id: str, name: str) -> tuple[str, list[str], dict] | None:
        """A source file of a document, by its name among the document's own sources; None
        for anything else (other names, links leading out of the folder, folders, big files)."""
        with self.lock:
            state = self.docs.get(doc_id)
        if state is None:
            return None
        candidates = {p.name: p for p in _source_paths(state.folder)}
        path = candidates.get(name)
        if path is None:
            return None
        folder = _resolve(state.folder)
        real = _resolve(path)
        if real.parent != folder or not real.is_file():
            return None
        try:
            if real.stat().st_size > MAX_SOURCE_BYTES:
                return None
            text = real.read_bytes().decode("utf-8", "replace")
        except OSError:
            return None
        live = {"script": SCRIPT_URL, "id": state.id, "name": state.id, "back": state.href,
                "version": str(state.version)}
        return printable(name), text.splitlines() or [""], live


_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(page: str) -> str:
    """A page that can be sent as UTF-8: a byte of a file name that was not UTF-8 (a surrogate
    escape) shown as ``\\xNN``, as the terminal shows it (builder.read.errors.printable)."""
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}" if ord(m.group()) >= 0xDC80 else "\ufffd",
                          page)


def _location(path: Path):
    from builder.read.errors import Location

    return Location(path)


def _resolve(path: Path) -> Path:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return Path(path).absolute()


def _source_paths(folder: Path) -> list[Path]:
    from builder.read.sources import source_files

    return source_files(folder)
