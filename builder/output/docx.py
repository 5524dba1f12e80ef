"""The .docx output: a loaded document rendered through its template and assembled into one package.

Takes: a checked ``builder.model`` document. Gives: the .docx bytes (``render_document``) and, when
the template's project loop splits, the pieces and frame an incremental build reuses
(``builder.output.incremental``). The one place a template is chosen (``template_for``), checked
before rendering (``check_before_build``) and rendered in the bounded child (``run_template``).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from builder.model import core as m
from builder.output.assemble import Piece, assemble_docx, build_timestamp, normalize_package
from builder.read.errors import InputError, Location, Problem
from builder.read.readonce import one_read
from builder.render.bounded import RenderLimit, run_bounded
from builder.render.context import document_context
from builder.forms.formdef import document_form
from builder.render.template import TEMPLATE_DIR, TemplateProblem
from builder.render.markdown_docx import document_fragments, place_markdown


@dataclass
class Frame:
    """What a build whose totals and other document-wide values did not change can reuse
    instead of rendering the whole template again: the rendered frame and the project loop."""

    digest: str  # builder.render.segments.frame_digest of the context it was rendered with
    item_source: str  # Rendered.item_source ("" when the loop cannot be rendered alone)
    open_tag: str
    head: str
    tail: str
    package: bytes  # the template package python-docx saved (headers and footers rendered)
    span: list | None = None  # where the package is in the record's blob, if it is


def template_for(document: m.Document) -> Path:
    """The document's own template (``模板:`` in document.yaml: a file anywhere inside the
    repository, e.g. one template shared by every year) or the shipped one for its kind."""
    if document.template:
        from builder.read.repo import OutsideRepository, resolve_in_repository

        location = document.locations.get("模板", Location(document.source))
        try:
            return resolve_in_repository(document.folder, document.template, "模板文件")
        except OutsideRepository as exc:
            raise InputError([Problem(location, "模板", str(exc))]) from None
    return TEMPLATE_DIR / f"{document.kind}.docx"


def _under_field(message: str, field_name: str) -> str:
    """Under the field 模板 a message does not begin with 模板 again (``模板: x.docx …``, not ``模板: 模板 x.docx``)."""
    return message.removeprefix("模板 ") if field_name == "模板" else message


def render_document(document: m.Document) -> bytes:
    return render_document_parts(document).data


@dataclass
class RenderedDocument:
    """A document's .docx and, when its template's project loop splits (``builder.render.segments``),
    the pieces an incremental build reuses: one per project, and the digest they depend on."""

    data: bytes
    items: list | None = None  # builder.output.assemble.Piece per project
    digest: str = ""
    frame: object = None  # builder.output.incremental.Frame


def render_document_parts(document: m.Document) -> RenderedDocument:
    if os.environ.get("BUDGETDOC_TEST_CRASH"):  # lets the tests prove a bug becomes one line
        raise RuntimeError("crash requested by BUDGETDOC_TEST_CRASH")
    with one_read():  # the template checked is the template rendered
        return _render_document_parts(document)


def _render_document_parts(document: m.Document) -> RenderedDocument:
    template = template_for(document)
    context = document_context(document)
    with _template_problems(document, template):
        form = document_form(document)  # the form-language form (an inline legacy edit expanded too)
        check_before_build(template, document.kind, None if form.shipped else form, context)
    rendered = run_template(document, template, context)
    timestamp, properties = build_timestamp(document.year), document_properties(document)
    fragments = document_fragments(document)
    if fragments:  # Markdown narratives: their Word XML in place of the marker paragraphs
        data = place_markdown(rendered.package_with_body(), fragments)
        return RenderedDocument(normalize_package(data, timestamp, properties))
    items = [Piece.of(item.encode("utf-8")) for item in rendered.segments.items or ()]
    data = assemble_docx(rendered.package, rendered.segments.head.encode("utf-8"), items,
                         rendered.segments.tail.encode("utf-8"), timestamp, properties)
    if rendered.segments.items is None:
        return RenderedDocument(data)
    frame = Frame(rendered.frame_digest, rendered.item_source, rendered.open_tag, rendered.segments.head,
                  rendered.segments.tail, rendered.package)
    return RenderedDocument(data, items, rendered.digest, frame)


@contextlib.contextmanager
def _template_problems(document: m.Document, template: Path):
    """A template problem, or a rendering bound reached, as an InputError located at 模板 (or
    at document.yaml for the shipped template)."""
    location = document.locations.get("模板", Location(document.source))
    field_name = "模板" if document.template else ""
    try:
        yield
    except TemplateProblem as exc:
        raise InputError([Problem(location, field_name, _under_field(line, field_name))
                          for line in str(exc).splitlines()]) from exc
    except RenderLimit as exc:
        raise InputError([Problem(location, field_name, _under_field(f"模板 {template.name}：{exc}", field_name))]) from exc


def run_template(document: m.Document, template: Path, context: dict, expected_items: int | None = None):
    """The template rendered (builder.render.docx.Rendered) in the bounded child process."""
    from builder.render.docx import Rendered, render_parts
    from builder.render.template import read_template

    with _template_problems(document, template):
        read_template(template)  # here, not first in the child: the bytes stay this build's (builder.read.readonce)
        packed = run_bounded(lambda: render_parts(template, context, expected_items).pack(), TemplateProblem)
    return Rendered.unpack(packed)


def run_items(document: m.Document, template: Path, item_source: str, open_tag: str, context: dict,
              expected: int) -> list[str] | None:
    """Only the template's project loop rendered (builder.render.docx.render_items), bounded as
    ``run_template``; None when its items do not come out as planned."""
    import json

    from builder.render.docx import render_items

    def render() -> bytes:
        return json.dumps(render_items(template, item_source, open_tag, context, expected)).encode()

    with _template_problems(document, template):
        return json.loads(run_bounded(render, TemplateProblem))


def document_properties(document: m.Document) -> dict[str, str]:
    return {
        "dc:title": f"{document.unit_name} {document.year} 年 {document.kind}",
        "dc:creator": document.unit_name,
        "cp:lastModifiedBy": "budgetdoc",
        "cp:revision": "1",
    }


def check_before_build(template: Path, kind: str, form=None, context: dict | None = None) -> None:
    """``budgetdoc template check`` before rendering: every problem of the template, located
    in Word's terms, one line each (TemplateProblem with one line per problem); with the build's
    ``context``, also the rows a tag takes by number that a project lacks."""
    from builder.render.template import check_template_package
    from builder.render.templatecheck import check_template

    check_template_package(template)
    report = check_template(template, kind, form, context)
    if report.problems:
        raise TemplateProblem("\n".join(report.problem_lines()))
