"""The forms as HTML: ``budgetdoc build --format html`` and the pages of ``budgetdoc serve``.

Python computes (the same template context as the Word templates get, with the
一级/二级 merges as row counts, and the findings placed beside their cells);
the shipped jinja2 templates in this folder hold the wording and the look. They
run sandboxed and autoescaped, so no source text can become markup.

``document_html`` without findings and without ``live`` is the publishable file:
one self-contained page (inline CSS, fonts by name, no script, no network), the
same bytes for the same sources.
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from builder.model import core as m

HERE = Path(__file__).resolve().parent
TEMPLATE_FILES = ("page.html.j2", "forms.html.j2", "index.html.j2", "source.html.j2", "style.css", "live.js")


def template_files() -> list[Path]:
    """The files the HTML output depends on (hashed into the build cache key)."""
    return [HERE / name for name in TEMPLATE_FILES]


def _environment(narratives=None):
    """The sandboxed, autoescaping environment. ``narratives`` (builder.output.html.narrative.Narratives)
    resolves the document's Markdown markers: ``{{ items|paragraphs("cls") }}`` prints a narrative's
    paragraphs, and every other printed value has any marker in it replaced by its words — no
    marker ever reaches the page."""
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    from builder.output.html.narrative import Narratives

    narratives = narratives or Narratives({})
    environment = SandboxedEnvironment(
        loader=FileSystemLoader(str(HERE)), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, auto_reload=True,
        finalize=narratives.words,
    )
    environment.filters["paragraphs"] = narratives.paragraphs
    return environment


def _css() -> Markup:
    return Markup((HERE / "style.css").read_text(encoding="utf-8"))  # shipped file, inside <style>


def _notes(document: m.Document, findings, view=None) -> tuple[list[dict], list[dict], list[dict]]:
    """(per project: anchor → its findings; the findings of document.yaml, shown under the
    summary; the whole list for the top). ``view(path, line)`` gives the preview's link to
    a source line (or None)."""
    from builder.output.html.place import place

    placed = place(document, list(findings or []))
    problems = list(findings or [])
    per_project: list[dict] = [{} for _ in document.projects]
    own, listed = [], []
    document_file = _resolved(document.source)
    for item, problem in zip(placed, problems):
        entry = item.as_dict()
        entry["view"] = view(problem.location.file, problem.location.line) if view else None
        if item.project is not None:
            per_project[item.project].setdefault(item.anchor, []).append(entry)
        elif _resolved(problem.location.file) == document_file:
            own.append(entry)
        listed.append(dict(entry, project=item.project, own=_resolved(problem.location.file) == document_file))
    return per_project, own, listed


def _resolved(path) -> Path | None:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError, TypeError):
        return None


def _with_note_rows(context: dict, notes: list[dict]) -> None:
    """Findings of an indicator row are printed in a strip under that row (the grid's cells
    are too narrow for them); the 一级/二级 and 绩效指标 spans then count those strips too.
    Adds ``notes_row``, ``level1_span``, ``level2_span`` to each row and ``indicator_span``."""
    from builder.output.html.place import INDICATOR_COLUMNS

    for project, found in zip(context["projects"], notes):
        rows = project["indicator_rows"]
        extra = []
        for index, row in enumerate(rows):
            keys = [f"绩效指标#{index}", *(f"绩效指标#{index}.{c}" for c in INDICATOR_COLUMNS)]
            row["note_keys"] = keys
            row["notes_row"] = any(found.get(key) for key in keys)
            extra.append(1 + row["notes_row"])
        for level in ("level1", "level2"):
            for index, row in enumerate(rows):
                count = row[f"{level}_rows"]
                row[f"{level}_span"] = sum(extra[index:index + count]) if count else 0
        project["indicator_span"] = 1 + sum(extra)


def findings_list(findings, view=None) -> list[dict]:
    """The findings for the list at the top of a page that shows no form."""
    from builder.output.html.place import place

    problems = list(findings or [])
    return [dict(item.as_dict(), project=None, own=False, view=view(p.location.file, p.location.line) if view else None)
            for item, p in zip(place(None, problems), problems)]


def own_layout(document: m.Document) -> bool:
    """True when the document prints through its own template or form (``模板:``/``表单:``): the
    shipped HTML forms would not say what its .docx says, so its page is made from that .docx."""
    return bool(document.template) or document.custom_form is not None


def document_html(document: m.Document, findings=None, live: dict | None = None, view=None,
                  docx: bytes | None = None) -> str:
    """The document's forms as one HTML page.

    ``findings`` (Problems) are shown at the top and beside their cells; ``live`` (a dict
    of plain strings from ``builder.live.serve``) adds the preview's banner and its update script.
    A document on its own template or form shows its .docx (``docx``, rendered when not given;
    builder.output.html.fromdocx), its findings at the top only.
    """
    if own_layout(document):
        return _docx_page(document, findings, live, view, docx)
    from builder.render.context import document_context
    from builder.output.html.narrative import Narratives
    from builder.render.markdown_docx import document_fragments

    context = document_context(document)
    notes, own, listed = _notes(document, findings, view)
    _with_note_rows(context, notes)
    template = _environment(Narratives(document_fragments(document))).get_template("page.html.j2")
    return template.render(
        kind=document.kind, target=document.kind == m.TARGET_KIND, doc=context, notes=notes, findings=listed,
        document_notes=own, docx_body=None,
        title=f"{document.unit_name} {document.year} 年 {document.kind}", css=_css(), live=live,
    )


def _docx_page(document: m.Document, findings, live, view, docx: bytes | None) -> str:
    from builder.output.html.fromdocx import docx_body_html

    if docx is None:
        from builder.output.docx import render_document

        docx = render_document(document)
    template = _environment().get_template("page.html.j2")
    return template.render(kind=document.kind, target=False, doc=None, notes=[], document_notes=[],
                           findings=findings_list(findings, view), docx_body=docx_body_html(docx),
                           title=f"{document.unit_name} {document.year} 年 {document.kind}", css=_css(), live=live)


def problems_html(title: str, findings: list[dict], live: dict) -> str:
    """A page for a document with nothing to preview yet: only its problems."""
    template = _environment().get_template("page.html.j2")
    return template.render(kind="", target=False, doc=None, notes=[], findings=findings, title=title, css=_css(),
                           live=live, document_notes=[], docx_body=None)


def index_html(entries: list[dict], live: dict) -> str:
    return _environment().get_template("index.html.j2").render(entries=entries, css=_css(), live=live)


def source_html(title: str, lines: list[str], live: dict) -> str:
    return _environment().get_template("source.html.j2").render(title=title, lines=lines, css=_css(), live=live)


def document_html_bytes(document: m.Document, docx: bytes | None = None) -> bytes:
    """The publishable file (``build --format html``); ``docx``: the document's built .docx, when made."""
    return document_html(document, docx=docx).encode("utf-8")
