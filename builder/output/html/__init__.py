"""The documents as HTML: ``budgetdoc build --format html`` and the pages of ``budgetdoc serve``.

Every document's page is its built .docx read back (builder.output.html.fromdocx) — the shipped
forms, a document's own template and a bureau's form alike: the page says what the Word document
says, with no second layout. A page with findings reads the traced render of the same template
(builder.output.html.trace) and shows each finding beside the cell printing its field
(builder.output.html.place); the shipped jinja2 templates in this folder hold the page's frame
and the look. They run sandboxed and autoescaped, so no source text can become markup.

``document_html`` without findings and without ``live`` is the publishable file:
one self-contained page (inline CSS, fonts by name, no script, no network), the
same bytes for the same sources.
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from builder.forms.formdef import document_form
from builder.model import core as m

HERE = Path(__file__).resolve().parent
TEMPLATE_FILES = ("page.html.j2", "notes.html.j2", "index.html.j2", "source.html.j2", "style.css", "live.js")


def template_files() -> list[Path]:
    """The files the HTML output depends on (hashed into the build cache key)."""
    return [HERE / name for name in TEMPLATE_FILES]


def _environment():
    """The sandboxed, autoescaping environment of the page templates."""
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        loader=FileSystemLoader(str(HERE)), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, auto_reload=True,
    )


def _css() -> Markup:
    return Markup((HERE / "style.css").read_text(encoding="utf-8"))  # shipped file, inside <style>


def _resolved(path) -> Path | None:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError, TypeError):
        return None


def _listed(document: m.Document, findings, view) -> list[dict]:
    """The findings as the page lists them (``project``: index of the project whose file it is in)."""
    from builder.output.html.place import place

    problems = list(findings or [])
    document_file = _resolved(document.source)
    listed = []
    for item, problem in zip(place(document, problems), problems):
        own = item.project is None and _resolved(problem.location.file) == document_file
        listed.append(dict(item.as_dict(), project=item.project, own=own, placed=False,
                           view=view(problem.location.file, problem.location.line) if view else None))
    return listed


def _decorator(document: m.Document, listed: list[dict], paths: list[tuple[int | None, str]]):
    """The ``decorate`` of fromdocx.docx_body_html: each finding beside its cell (place.best_holder),
    each cell its class, its field and its findings' notes; marks the listed findings placed."""
    from builder.output.html.fromdocx import Decoration
    from builder.output.html.place import best_holder

    form = document_form(document)
    name_path = form.role_path("名称") if form is not None and hasattr(form, "role_path") else None
    notes_template = _environment().get_template("notes.html.j2")

    def decorate(holders: list[list[int]]) -> list:
        traced = [[paths[i] for i in indices if 0 <= i < len(paths)] for indices in holders]
        beside: list[list[dict]] = [[] for _ in holders]
        for entry in listed:
            if entry["project"] is None and not entry["own"]:
                continue
            number = best_holder(entry["field"], entry["project"], traced, name_path)
            if number is not None:
                beside[number].append(entry)
                entry["placed"] = True
        out = []
        for cell, found in zip(traced, beside):
            owners = [owner for owner, _ in cell if owner is not None]
            css = ""
            if found:
                css = " flag-error" if any(f["css"] == "error" for f in found) else " flag-warning"
            out.append(Decoration(
                css=css, field=next((path for _, path in cell if path), ""),
                notes=notes_template.render(findings=found) if found else "",
                project=document.projects[owners[0]].name if owners else ""))
        return out

    return decorate


def findings_list(findings, view=None) -> list[dict]:
    """The findings for the list at the top of a page that shows no form."""
    from builder.output.html.place import place

    problems = list(findings or [])
    return [dict(item.as_dict(), project=None, own=False, placed=False, view=view(p.location.file, p.location.line) if view else None)
            for item, p in zip(place(None, problems), problems)]


def document_html(document: m.Document, findings=None, live: dict | None = None, view=None,
                  docx: bytes | None = None) -> str:
    """The document as one HTML page: its .docx (``docx``, rendered when not given) read back.

    ``findings`` (Problems) are listed at the top and shown beside their cells (the traced render);
    ``live`` (a dict of plain strings from ``builder.live.serve``) adds the preview's banner and its
    update script.
    """
    from builder.output.html.fromdocx import docx_body_html

    listed = _listed(document, findings, view)
    if listed:
        from builder.output.html.trace import traced_docx

        package, paths = traced_docx(document)
        body = docx_body_html(package, _decorator(document, listed, paths))
    else:
        if docx is None:
            from builder.output.docx import render_document

            docx = render_document(document)
        body = docx_body_html(docx)
    template = _environment().get_template("page.html.j2")
    return template.render(findings=listed, docx_body=body, title=f"{document.unit_name} {document.year} 年 {document.kind}",
                           css=_css(), live=live)


def problems_html(title: str, findings: list[dict], live: dict) -> str:
    """A page for a document with nothing to preview yet: only its problems."""
    template = _environment().get_template("page.html.j2")
    return template.render(findings=findings, title=title, css=_css(), live=live, docx_body=None)


def index_html(entries: list[dict], live: dict) -> str:
    return _environment().get_template("index.html.j2").render(entries=entries, css=_css(), live=live)


def source_html(title: str, lines: list[str], live: dict) -> str:
    return _environment().get_template("source.html.j2").render(title=title, lines=lines, css=_css(), live=live)


def document_html_bytes(document: m.Document, docx: bytes | None = None) -> bytes:
    """The publishable file (``build --format html``); ``docx``: the document's built .docx, when made."""
    return document_html(document, docx=docx).encode("utf-8")
