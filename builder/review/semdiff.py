"""``budgetdoc diff``: what changed in the sources between two git revisions, in the form's words.

Projects are matched by file (then by 项目名称 for a renamed file), indicators
by 一级/二级/三级 name — never by list position. Chinese text is compared by
character.
"""

from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from builder.model import core as m
from builder.read.errors import InputError
from builder.load.loader import load_documents
from builder.review.revision import DiffProblem, checkout_sources, repository_root, unknown_revisions  # noqa: F401
from builder.forms.formkinds import INDICATORS
from builder.model.values import format_money
from builder.review.difffields import document_fields, project_fields, summary

WORKING_TREE = None  # the "revision" that means the files on disk


@dataclass(frozen=True)
class Change:
    document: str
    project: str  # "" for document-level changes
    section: str
    field: str
    old: str
    new: str
    kind: str  # changed | added | removed | text
    detail: str = ""  # for text: the changed characters with some context, 〔删：…〕〔增：…〕
    pieces: tuple = ()  # for text: the same as (before, deleted, inserted, after), to colour them

    def line(self, colour: bool = False) -> str:
        where = " · ".join(part for part in (self.project, self.section, self.field) if part)
        if self.kind == "added":
            return f"{where}: 新增{_spaced(self.new)}".rstrip()
        if self.kind == "removed":
            return f"{where}: 删除{_spaced(self.old)}".rstrip()
        if self.kind == "text":
            return f"{where}: {self.new}"
        if colour:
            return f"{where}: {deleted(self.old, colour)} → {inserted(self.new, colour)}"
        return f"{where}: {self.old} → {self.new}"

    def as_json(self) -> dict:
        entry = asdict(self)
        del entry["pieces"]
        return entry


def _spaced(value: str) -> str:
    """``新增项目（…）`` but ``新增 =16.00(人)``: no space before Chinese, as Chinese is written."""
    return value if value[:1] and "\u4e00" <= value[:1] <= "\u9fff" else f" {value}"


def _side_label(revision: str | None) -> str:
    return f"版本 {revision} " if revision else "工作区"


# ---------------------------------------------------------------- reading a revision (builder.review.revision)

@contextmanager
def side_paths(root: Path, revision: str | None, paths: list[Path]):
    """The source paths of one side: the working tree's, or ``revision``'s written to a temporary
    folder for the duration (empty when the revision has none of them)."""
    if revision is WORKING_TREE:
        yield paths
        return
    with tempfile.TemporaryDirectory(prefix="budgetdoc-diff-") as tmp:
        try:
            yield [p for p in checkout_sources(root, revision, paths, Path(tmp)) if p.exists()]
        except DiffProblem as exc:  # a file of the revision is named as git names it: REV:path
            raise DiffProblem(str(exc).replace(str(Path(tmp).resolve()) + os.sep, f"{revision}:")
                              .replace(tmp + os.sep, f"{revision}:")) from None


def load_side(root: Path, revision: str | None, paths: list[Path]) -> dict[str, m.Document]:
    label = _side_label(revision)
    with side_paths(root, revision, paths) as side:
        if not side:
            return {}
        try:
            loaded = load_documents(side)
        except InputError:
            return {}
        documents = {}
        for item in loaded:
            if item.errors or item.document is None:
                first = item.errors[0].format_finding() if item.errors else ""
                raise DiffProblem(f"{label}的源文件有错误，无法比较：{first}")
            documents[item.folder.name] = item.document
        return documents


def build_side(root: Path, revision: str | None, paths: list[Path], out: Path) -> dict[str, Path]:
    """Build the documents of one side (a revision, or the working tree) into ``out``."""
    from builder.output.build import build

    label = _side_label(revision)
    with side_paths(root, revision, paths) as side:
        if not side:
            return {}
        try:
            results, failures = build(side, out, use_cache=False)
        except InputError as exc:
            raise DiffProblem(f"{label.strip()}：{exc.problems[0].format_finding()}") from None
        if failures:
            first = failures[0].problems[0].format_finding() if failures[0].problems else failures[0].reason
            raise DiffProblem(f"{label}的源文件有错误，无法生成：{first}")
        return {r.name: r.outputs[0] for r in results}


def redline_revisions(root: Path, old_revision: str, new_revision: str | None, paths: list[Path],
                      out: Path, changed: list[str] | None = None) -> list[Path]:
    """Build both sides and write a tracked-changes .docx per document present on both that has
    changes (all of them when ``changed`` is None): ``out`` itself when it is a ``.docx`` file name
    and one document is written, otherwise ``out/<document>.docx`` (``out`` a folder)."""
    from builder.review.redline import redline

    if changed is not None and not changed:
        return []
    with tempfile.TemporaryDirectory(prefix="budgetdoc-redline-") as tmp:
        old = build_side(root, old_revision, paths, Path(tmp) / "old")
        new = build_side(root, new_revision, paths, Path(tmp) / "new")
        names = [name for name in new if name in old and (changed is None or name in changed)]
        as_file = len(names) == 1 and out.suffix.lower() == ".docx" and not out.is_dir()
        written = []
        for name in names:
            target = out if as_file else out / f"{name}.docx"
            target.parent.mkdir(parents=True, exist_ok=True)
            redline(old[name], new[name], target)
            written.append(target)
        return written


# ---------------------------------------------------------------- comparing

Piece = tuple[str, str, str, str]  # the text before, deleted, inserted, the text after


def text_change(old: str, new: str, context: int = 8) -> tuple[str, tuple[Piece, ...]]:
    """``文字修改 (+12 −3 字)`` and the changed characters, each with some context (by character;
    a long text in bounded time, by coarser units where it must: ``builder.review.textdiff``)."""
    from builder.review.textdiff import changed_ranges, clip

    added = removed = 0
    pieces = []
    for a1, a2, b1, b2 in changed_ranges(old, new):
        added += b2 - b1
        removed += a2 - a1
        pieces.append((old[max(0, a1 - context):a1], clip(old[a1:a2]), clip(new[b1:b2]), old[a2:a2 + context]))
    return f"文字修改 (+{added} −{removed} 字)", tuple(pieces)


# how a reviewer reads a deletion and an insertion: coloured (red struck out, green underlined) on a
# terminal, 〔删：…〕〔增：…〕 anywhere else; a line break inside a text as 〔换行〕
DELETED, INSERTED = "\x1b[31;9m", "\x1b[32;4m"
RESET = "\x1b[0m"
LINE_BREAK = "〔换行〕"


def deleted(text: str, colour: bool) -> str:
    return f"{DELETED}{text}{RESET}" if colour else f"〔删：{text}〕"


def inserted(text: str, colour: bool) -> str:
    return f"{INSERTED}{text}{RESET}" if colour else f"〔增：{text}〕"


def show_pieces(pieces: tuple[Piece, ...], colour: bool = False) -> str:
    """``…按月按实〔增：足额〕发放补助。…`` (or coloured), the pieces two spaces apart."""
    shown = []
    for before, gone, added, after in pieces:
        change = (deleted(gone, colour) if gone else "") + (inserted(added, colour) if added else "")
        shown.append(f"…{before}{change}{after}…".replace("\n", LINE_BREAK))
    return "  ".join(shown)


def _compare_fields(changes, document, project, section, old: dict, new: dict, text: bool = False):
    for key in list(dict.fromkeys([*old, *new])):
        a, b = old.get(key, ""), new.get(key, "")
        if a == b:
            continue
        if text or "\n" in a or "\n" in b or len(a) > 30 or len(b) > 30:
            summary, pieces = text_change(a, b)
            changes.append(Change(document, project, section, key, a, summary, "text", show_pieces(pieces), pieces))
        else:
            changes.append(Change(document, project, section, key, a, b, "changed"))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _match_projects(old: m.Document, new: m.Document):
    """Pairs (old, new) by file stem, then by 项目名称 for files that were renamed."""
    old_by_stem = {p.stem: p for p in old.projects}
    new_by_stem = {p.stem: p for p in new.projects}
    pairs = [(old_by_stem[s], new_by_stem[s]) for s in new_by_stem if s in old_by_stem]
    rest_old = {_squash(p.name): p for s, p in old_by_stem.items() if s not in new_by_stem}
    for stem, project in new_by_stem.items():
        if stem in old_by_stem:
            continue
        pairs.append((rest_old.pop(_squash(project.name), None), project))
    pairs.extend((p, None) for p in rest_old.values())
    return pairs


def diff_documents(old: m.Document | None, new: m.Document | None) -> list[Change]:
    name = (new or old).name
    if old is None:
        return [Change(name, "", "文档", name, "", f"{len(new.projects)} 个项目", "added")]
    if new is None:
        return [Change(name, "", "文档", name, f"{len(old.projects)} 个项目", "", "removed")]
    changes: list[Change] = []
    _compare_fields(changes, name, "", "文档", document_fields(old), document_fields(new))
    for before, after in _match_projects(old, new):
        if before is None:
            changes.append(Change(name, after.name, "项目", "", "", f"项目{summary(after, new)}", "added"))
            continue
        if after is None:
            changes.append(Change(name, before.name, "项目", "", f"项目{summary(before, old)}", "", "removed"))
            continue
        if old.kind != new.kind:
            continue
        (old_fields, _), (new_fields, kinds) = project_fields(before, old), project_fields(after, new)
        for section in dict.fromkeys([*new_fields, *old_fields]):
            mine, theirs = old_fields.get(section, {}), new_fields.get(section, {})
            if kinds.get(section) == INDICATORS:
                _compare_indicators(changes, name, after.name, section, mine, theirs)
            else:
                _compare_fields(changes, name, after.name, section, mine, theirs, kinds.get(section) == "段落")
    _compare_totals(changes, name, old, new)
    return changes


def _compare_indicators(changes, document, project, section, old: dict, new: dict):
    """Rows (一级/二级/三级) added, removed or changed; a column of a row on both sides changed."""
    rows = {key for key in [*old, *new] if key.count("/") == 2}
    for key in list(dict.fromkeys([*old, *new])):
        row = "/".join(key.split("/")[:3])  # 一级/二级/三级, then the column's label
        if row in old and row in new:
            if old.get(key, "") != new.get(key, ""):
                changes.append(Change(document, project, section, key, old.get(key, ""), new.get(key, ""),
                                      "changed"))
        elif key in new and key in rows:
            changes.append(Change(document, project, section, key, "", new[key], "added"))
        elif key in old and key in rows:
            changes.append(Change(document, project, section, key, old[key], "", "removed"))


def _compare_totals(changes, name, old: m.Document, new: m.Document):
    """The document's computed fields (``计算:`` — 项目个数, a sum of a money cell over the projects), by
    their labels and in the unit they are printed in (``别名.写法``, else the summed table's)."""
    from builder.forms.formdef import document_form
    from builder.render.derived import DocumentFacts

    form = document_form(new)
    if document_form(old).kind != form.kind:
        return
    for spec in form.document_fields:
        if not spec.compute:
            continue
        before = DocumentFacts(old, document_form(old), []).value(spec)
        after = DocumentFacts(new, form, []).value(spec)
        if before == after:
            continue
        if spec.kind == "金额":
            unit = (spec.alias.style if spec.alias is not None else "") or total_unit(form, spec)
            plain = [format_money(v, unit).removesuffix(" 万元") for v in (before, after)]
            before, after = plain[0], plain[1] + (" 万元" if unit == "万元" else "")
        changes.append(Change(name, "", "", spec.label, str(before), str(after), "changed"))


def total_unit(form, spec) -> str:
    """The unit of the money table a document total sums."""
    path = spec.compute[1] if len(spec.compute) > 1 else ""
    table = next((t.table for t in form.money_tables() if str(path).startswith(t.path + ".")), None)
    return (table.unit if table is not None else "") or form.unit


def diff(root: Path, old_revision: str, new_revision: str | None, paths: list[Path]) -> list[Change]:
    old = load_side(root, old_revision, paths)
    new = load_side(root, new_revision, paths)
    changes = []
    for name in sorted(set(old) | set(new)):
        changes.extend(diff_documents(old.get(name), new.get(name)))
    return changes


def format_changes(changes: list[Change], colour: bool = False) -> str:
    """The changes as lines, document by document; ``colour``: for a terminal (see ``show_pieces``)."""
    lines = []
    documents = list(dict.fromkeys(c.document for c in changes))
    for document in documents:
        own = [c for c in changes if c.document == document]
        if len(documents) > 1:
            lines.append(f"== {document}")
        for change in own:
            lines.append(change.line(colour))
            if change.detail:
                lines.append(f"    {show_pieces(change.pieces, True) if colour else change.detail}")
    return "\n".join(lines)


