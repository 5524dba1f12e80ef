"""Render a document context into a .docx template with docxtpl, safely and fast.

The jinja2 environment is sandboxed and autoescaping: a value such as
``A&B <C>`` or ``{{ x }}`` is printed literally and can neither break the XML
nor reach Python internals. The rendered body is parsed strictly (never with
lxml's "recover" mode, which silently drops everything after a bad value) and
spliced into the package as text, which for a 1,000-project document is about
three times faster than handing the tree back to python-docx.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from builder.render.segments import Segments
from builder.render.template import (
    TemplateProblem, check_template_package, read_template, template_environment,
)


_BODY = re.compile(rb"<w:body\b.*</w:body>", re.S)
_DOCPR_ID = re.compile(r'(<wp:docPr\b[^>]*?\bid=")\d+(")')


def render_template(template: Path, context: dict) -> bytes:
    """Render ``template`` with ``context``; returns the .docx bytes (not yet normalized)."""
    return render_parts(template, context).package_with_body()


@dataclass
class Rendered:
    """A rendered template: the package python-docx saved (its body not yet replaced) and the
    rendered body in segments; ``digest`` identifies what the project items depend on besides
    their projects (empty when the body is one segment)."""

    package: bytes
    segments: Segments
    digest: str = ""
    frame_digest: str = ""  # builder.render.segments.frame_digest of the context
    item_source: str = ""  # the project loop as a template of its own (see LoopPlan)
    open_tag: str = ""  # the rendered body's start tag, with its namespaces

    def package_with_body(self) -> bytes:
        return _splice_body(self.package, self.segments.body().encode("utf-8"))

    def pack(self) -> bytes:
        """As bytes, to come back from the bounded child process."""
        items = self.segments.items
        parts = [self.package, self.segments.head.encode(), self.segments.tail.encode(), self.digest.encode(),
                 self.frame_digest.encode(), self.item_source.encode(), self.open_tag.encode(),
                 b"1" if items is not None else b"0", *(item.encode() for item in items or ())]
        return struct.pack(f"<I{len(parts)}Q", len(parts), *map(len, parts)) + b"".join(parts)

    @classmethod
    def unpack(cls, data: bytes) -> "Rendered":
        (count,) = struct.unpack_from("<I", data)
        sizes = struct.unpack_from(f"<{count}Q", data, 4)
        position, parts = 4 + 8 * count, []
        for size in sizes:
            parts.append(data[position:position + size])
            position += size
        package, head, tail, digest, frame, item_source, open_tag, split, *items = parts
        decoded = [item.decode() for item in items] if split == b"1" else None
        return cls(package, Segments(head.decode(), decoded, tail.decode()), digest.decode(), frame.decode(),
                   item_source.decode(), open_tag.decode())


def render_parts(template: Path, context: dict, expected_items: int | None = None) -> Rendered:
    """Render ``template`` with ``context`` into a package and body segments (see
    ``builder.render.segments``); ``expected_items`` is how many projects the loop renders."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError
    from jinja2.exceptions import SecurityError

    from builder.render.segments import globals_digest, lists_projects, plan_loop

    check_template_package(template)
    env = template_environment()
    plans = []

    class _Template(DocxTemplate):
        def resolve_listing(self, xml):  # values never carry \n, \t or \a: paragraphs are split upstream
            return xml

        def patch_xml(self, xml):  # the body first, then each header and footer
            xml = super().patch_xml(xml)
            if plans:
                if lists_projects(xml):  # a header or footer that lists the projects: no segments
                    plans[0] = None
                return xml
            plan = plan_loop(xml, env)
            plans.append(plan)
            return plan.source if plan is not None else xml

    try:
        tpl = _Template(read_template(template))
        tpl.render_init()
        prepare_body(tpl.docx.element.body)
        body = tpl.build_xml(context, env)
        for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
            for rel_key, xml in tpl.build_headers_footers_xml(context, uri, env):
                tpl.map_headers_footers_xml(rel_key, xml)
    except SecurityError as exc:
        attribute = re.search(r"attribute '([^']*)'", str(exc))
        what = f"属性“{attribute.group(1)}”" if attribute else "内容"
        raise TemplateProblem(f"模板 {template.name} 试图访问不允许的{what}（模板只能使用文档的数据），已拒绝") from exc
    except TemplateError as exc:
        from builder.render.templatecheck import describe_render_error

        raise TemplateProblem(describe_render_error(template, exc, context)) from exc
    except MemoryError:
        raise  # a template that outgrew the memory bound: reported as such, not as an unreadable file
    except Exception as exc:  # a package python-docx cannot read
        raise TemplateProblem(f"模板 {template.name} 无法打开：{type(exc).__name__}: {exc}") from exc
    counter = iter(range(1001, 10**9))
    body = _DOCPR_ID.sub(lambda m: f"{m.group(1)}{next(counter)}{m.group(2)}", body)
    plan = plans[0] if plans else None
    if expected_items is None and plan is not None:
        expected_items = len(context.get(plan.list_name) or ())
    segments = _segments(template, body, plan, expected_items)
    buffer = io.BytesIO()
    tpl.docx.save(buffer)
    if segments.items is None:
        return Rendered(buffer.getvalue(), segments)
    from builder.render.segments import body_open_tag, frame_digest

    return Rendered(buffer.getvalue(), segments, globals_digest(context, plan), frame_digest(context),
                    plan.item_source, body_open_tag(body))


def render_items(template: Path, item_source: str, open_tag: str, context: dict, expected: int) -> list[str] | None:
    """Only the project loop of a template (``Rendered.item_source``), for the projects in
    ``context``: their finished items, the same text a whole render gives them (rendered as
    docxtpl renders a part), or None when the markers do not come out as planned."""
    from jinja2 import TemplateError
    from jinja2.exceptions import SecurityError

    from builder.render.segments import split_items

    source = re.sub(r"<w:p([ >])", r"\n<w:p\1", item_source)
    try:
        rendered = template_environment().from_string(source).render(context)
    except SecurityError as exc:
        raise TemplateProblem(f"模板 {template.name} 试图访问不允许的内容（模板只能使用文档的数据），已拒绝") from exc
    except TemplateError as exc:
        from builder.render.templatecheck import describe_render_error

        raise TemplateProblem(describe_render_error(template, exc, context)) from exc
    rendered = re.sub(r"\n<w:p([ >])", r"<w:p\1", rendered)
    rendered = rendered.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    items = split_items(rendered)
    if items is None or len(items) != expected or any("<wp:docPr" in item for item in items):
        return None
    return [finish_item(template, open_tag, item) for item in items]


def _segments(template: Path, body: str, plan, expected_items: int | None) -> Segments:
    """The rendered body, finished, in segments when the plan's markers split it cleanly (and
    no item holds a drawing, whose ids are numbered across the whole body)."""
    from builder.render.segments import LOOP_START, body_open_tag, split_body, strip_markers

    def whole() -> Segments:
        return Segments(finish_segment(template, strip_markers(body)), None, "")

    split = split_body(body, expected_items) if plan is not None else None
    if split is None or any("<wp:docPr" in item for item in split[1]):
        return whole()
    frame, items = split
    finished = finish_segment(template, frame)
    if finished.count(LOOP_START) != 1:
        return whole()
    head, tail = finished.split(LOOP_START)
    if not head.startswith("<w:body") or not tail.endswith("</w:body>") or not _at_top_level(frame):
        return whole()
    open_tag = body_open_tag(frame)
    return Segments(head, [finish_item(template, open_tag, item) for item in items], tail)


def _at_top_level(frame: str) -> bool:
    """The loop's place is directly in the body (not inside a table or paragraph)."""
    from lxml import etree

    from builder.render.segments import LOOP_START

    tree = etree.fromstring(frame.encode("utf-8"))
    return any(isinstance(child, etree._Comment) and f"<!--{child.text}-->" == LOOP_START for child in tree)


def finish_item(template: Path, open_tag: str, item: str) -> str:
    """One project's rendered piece, finished as part of a body with the same namespaces."""
    finished = finish_segment(template, f"{open_tag}{item}</w:body>")
    if finished.endswith("/>") and "</w:body>" not in finished:
        return ""
    return finished[finished.index(">") + 1:-len("</w:body>")]


def finish_segment(template: Path, body: str) -> str:
    """A rendered ``<w:body>`` parsed strictly (a broken template fails here, loudly), its merge
    markers applied, serialized again, with on/off values written as Word writes them."""
    from lxml import etree

    from builder.render.merge import MERGE_MARKER, merge_marked_cells, normalize_on_off

    try:
        tree = etree.fromstring(body.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise TemplateProblem(f"模板 {template.name} 生成的 XML 无效（{exc}），请检查模板中的标签") from exc
    if MERGE_MARKER in body:
        merge_marked_cells(tree)
    return normalize_on_off(etree.tostring(tree, encoding="unicode"))


def prepare_body(body) -> None:
    """The template's body before docxtpl reads it: page breaks that an office program's save
    put into a ``{%p`` paragraph go back onto the paragraph they started."""
    from builder.render.merge import move_page_breaks

    move_page_breaks(body)


def _splice_body(package: bytes, body: bytes) -> bytes:
    """The saved package with word/document.xml's body replaced by the rendered one."""
    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = _BODY.sub(lambda _: body, data, count=1)
            target.writestr(info, data)
    return out.getvalue()
