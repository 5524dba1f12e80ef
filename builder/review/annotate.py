"""Findings where the reviewer reads them: the built .docx with each finding as a Word comment.

``budgetdoc check --docx OUT`` renders every document that loaded (errors included: this
is a review copy, not the document to submit) and adds ``word/comments.xml`` (with its
content type and relationship) and, in ``word/document.xml``, a
``w:commentRangeStart`` / ``w:commentRangeEnd`` / ``w:commentReference`` around the
paragraph the finding concerns:

- a project's region is the part of the document from its heading
  (``项目经费情况说明 N`` in a 申报, the N-th ``财政项目支出绩效自评表`` in a 自评) to the next;
- in it, an indicator finding goes on the cell holding the indicator's name, a 情况说明
  finding on its section heading (``二、立项依据``), a 项目资金 finding on its row label,
  another field on its label cell (``项目名称``, ``年度总体目标`` …);
- whatever cannot be placed goes on the project-name cell, a document-level finding on
  the title.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path

from lxml import etree

from builder.forms.formdef import document_form
from builder.forms.formkinds import GROUP, INDICATORS, MONEY_TABLE
from builder.model import core as m
from builder.read.errors import InputError, Problem

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
COMMENTS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
AUTHOR, INITIALS, DATE = "budgetdoc check", "BC", "2000-01-01T00:00:00Z"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


class AnnotateProblem(Exception):
    """The annotated copy cannot be written; the message is user-facing Chinese."""


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _text(paragraph) -> str:
    return "".join(t.text or "" for t in paragraph.iter(f"{W}t"))


def _outputs(documents: list[m.Document], out: Path) -> list[tuple[m.Document, Path]]:
    if out.suffix.lower() == ".docx":
        if len(documents) != 1:
            raise AnnotateProblem(f"--docx {out}：检查了 {len(documents)} 个文档，请给出一个文件夹而不是 .docx 文件名")
        return [(documents[0], out)]
    return [(document, out / f"{document.name}.docx") for document in documents]


def write_annotated(documents: list[m.Document], problems: list[Problem], out: Path) -> list[Path]:
    """Write each document with its findings as comments; returns the files written."""
    from builder.output.build import read_inputs
    from builder.output.docx import render_document
    from builder.output.atomic import write_atomic

    written = []
    for document, path in _outputs(documents, out):
        try:
            data = render_document(document)
        except InputError as exc:
            raise AnnotateProblem("；".join(p.format_finding() for p in exc.problems)) from None
        files = {source.resolve() for source in (document.source, *(p.source for p in document.projects))}
        mine = [p for p in problems if p.location.file.resolve() in files or
                document.folder.resolve() in p.location.file.resolve().parents]
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, annotate(data, document, mine), inputs=read_inputs(document.folder))
        written.append(path)
    return written


def comment_text(problem: Problem) -> str:
    note = f"（{problem.note}）" if problem.note else ""
    field = f"{problem.field}：" if problem.field else ""
    return f"[{problem.severity}] {problem.rule or 'SOURCE'} {field}{problem.message}{note}"


# ---------------------------------------------------------------- placing

def _owners(document: m.Document, count: int) -> list[set] | None:
    """For each paragraph of the built document: the projects (index) and the document (None)
    whose values it prints, read from a traced render (builder.output.html.trace); None when the
    traced render does not have the built document's paragraphs."""
    from builder.output.html.trace import strip_marks, traced_docx

    data, paths = traced_docx(document)
    with zipfile.ZipFile(BytesIO(data)) as package:
        body = etree.fromstring(package.read("word/document.xml")).find(f"{W}body")
    paragraphs = list(body.iter(f"{W}p"))
    if len(paragraphs) != count:
        return None
    return [{paths[i][0] for i in strip_marks(_text(p))[1] if i < len(paths)} for p in paragraphs]


def _region_starts(owners: list[set], projects: int) -> list[int | None]:
    """Where each project's part of the document begins: after the last paragraph, before the first
    one printing a value of the project, that prints a value of another project or of the document."""
    starts: list[int | None] = []
    for index in range(projects):
        first = next((i for i, own in enumerate(owners) if index in own), None)
        if first is None:
            starts.append(None)
            continue
        before = [i for i in range(first) if owners[i] and index not in owners[i]]
        starts.append(before[-1] + 1 if before else 0)
    return starts


class _Places:
    """The paragraphs of the document, cut into one region per project."""

    def __init__(self, body, document: m.Document, owners: list[set] | None = None):
        self.paragraphs = list(body.iter(f"{W}p"))
        self.texts = [_squash(_text(p)) for p in self.paragraphs]
        self.regions: dict[Path, tuple[int, int]] = {}
        starts = _region_starts(owners, len(document.projects)) if owners is not None else []
        for index, project in enumerate(document.projects):
            if index < len(starts) and starts[index] is not None:
                end = next((s for s in starts[index + 1:] if s is not None), len(self.paragraphs))
                self.regions[project.source.resolve()] = (starts[index], end)
        from builder.forms.formvalues import display_name

        self.names = {p.source.resolve(): (_squash(p.name), _squash(display_name(p))) for p in document.projects}
        self.title = next((i for i, t in enumerate(self.texts) if t), 0)
        form = document_form(document)
        self.columns = tuple(f".{column.key}" for spec in form.indicator_fields()
                             for column in spec.indicators.columns) if form is not None else ()
        walk = list(form.walk()) if form is not None else []
        self.indicator_keys = {s.key for s in walk if s.kind == INDICATORS} | {
            i.group for p in document.projects for i in p.indicators}
        self.sections = {s.key for s in walk if s.kind == GROUP}
        self.tables = {s.key for s in walk if s.kind == MONEY_TABLE}

    def find(self, start: int, end: int, test) -> int | None:
        return next((i for i in range(start, end) if test(self.texts[i])), None)

    def place(self, problem: Problem) -> int:
        file = problem.location.file.resolve()
        if file not in self.regions:
            return self.title
        start, end = self.regions[file]
        name = self.names[file]
        fallback = self.find(start, end, lambda t: t in name) or start  # the name, or as printed (…(二级构成))
        parts = problem.field.split(".") if problem.field else []
        if not parts:
            return fallback
        if parts[0] in self.indicator_keys and len(parts) >= 4:
            indicator = _squash(".".join(parts[3:]))
            for suffix in self.columns:  # a finding of one of the row's columns: the row's name cell
                if indicator.endswith(suffix):
                    indicator = indicator[: -len(suffix)]
            found = self.find(start, end, lambda t: t == indicator)
            return found if found is not None else fallback
        if parts[0] in self.sections and len(parts) >= 2:
            label = parts[1]
            found = self.find(start, end, lambda t: re.fullmatch(rf"[一二三四五六七八九十]+、{re.escape(label)}", t))
            return found if found is not None else start
        if parts[0] in self.tables and len(parts) >= 2:
            label = parts[1]
            found = self.find(start, end, lambda t: t == label or t == f"其中：{label}")
            return found if found is not None else fallback
        found = self.find(start, end, lambda t: t == parts[0])
        return found if found is not None else fallback


# ---------------------------------------------------------------- writing

def _comment(comment_id: int, text: str):
    comment = etree.Element(f"{W}comment", {f"{W}id": str(comment_id), f"{W}author": AUTHOR,
                                            f"{W}date": DATE, f"{W}initials": INITIALS})
    paragraph = etree.SubElement(comment, f"{W}p")
    run = etree.SubElement(paragraph, f"{W}r")
    t = etree.SubElement(run, f"{W}t")
    t.set(XML_SPACE, "preserve")
    t.text = text
    return comment


def _mark(paragraph, comment_id: int) -> None:
    """commentRangeStart after the paragraph properties, commentRangeEnd and the reference run at its end."""
    start = etree.Element(f"{W}commentRangeStart", {f"{W}id": str(comment_id)})
    properties = paragraph.find(f"{W}pPr")
    paragraph.insert(0 if properties is None else list(paragraph).index(properties) + 1, start)
    paragraph.append(etree.Element(f"{W}commentRangeEnd", {f"{W}id": str(comment_id)}))
    run = etree.SubElement(paragraph, f"{W}r")
    etree.SubElement(run, f"{W}commentReference", {f"{W}id": str(comment_id)})


def annotate(data: bytes, document: m.Document, problems: list[Problem]) -> bytes:
    """The .docx ``data`` with one comment per finding."""
    source = zipfile.ZipFile(BytesIO(data))
    parts = {info.filename: source.read(info) for info in source.infolist()}
    infos = source.infolist()
    root = etree.fromstring(parts["word/document.xml"])
    body = root.find(f"{W}body")
    places = _Places(body, document, _owners(document, len(list(body.iter(f"{W}p")))) if problems else None)
    if "word/comments.xml" in parts:
        comments = etree.fromstring(parts["word/comments.xml"])
        first = 1 + max((int(c.get(f"{W}id")) for c in comments.iter(f"{W}comment")), default=-1)
    else:
        comments = etree.Element(f"{W}comments", nsmap={"w": W_NS})
        first = 0
    for offset, problem in enumerate(problems):
        comment_id = first + offset
        comments.append(_comment(comment_id, comment_text(problem)))
        _mark(places.paragraphs[places.place(problem)], comment_id)
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    new_part = "word/comments.xml" not in parts
    parts["word/comments.xml"] = etree.tostring(comments, xml_declaration=True, encoding="UTF-8", standalone=True)
    if new_part:
        parts["[Content_Types].xml"] = _with_content_type(parts["[Content_Types].xml"])
        parts["word/_rels/document.xml.rels"] = _with_relationship(parts["word/_rels/document.xml.rels"])
    out = BytesIO()
    stamp = infos[0].date_time if infos else (1980, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        names = [info.filename for info in infos] + (["word/comments.xml"] if new_part else [])
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, parts[name])
    return out.getvalue()


def _with_content_type(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    etree.SubElement(root, f"{{{CT_NS}}}Override", {"PartName": "/word/comments.xml", "ContentType": COMMENTS_TYPE})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _with_relationship(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    ids = {r.get("Id") for r in root}
    number = 1
    while f"rId{number}" in ids:
        number += 1
    etree.SubElement(root, f"{{{REL_NS}}}Relationship",
                     {"Id": f"rId{number}", "Type": COMMENTS_REL, "Target": "comments.xml"})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
