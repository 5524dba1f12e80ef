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
import zipfile
from pathlib import Path

from jinja2.sandbox import SandboxedEnvironment

MAX_TEMPLATE_BYTES = 20 * 1024 * 1024  # uncompressed; a real template is well under 1 MB
MAX_TEMPLATE_RATIO = 200  # uncompressed / compressed: beyond this it is a zip bomb


class TemplateProblem(Exception):
    """A template that cannot be used; the message is user-facing Chinese."""


def template_environment() -> SandboxedEnvironment:
    """Sandboxed, autoescaping, and strict: a name the context lacks is an error, never a blank."""
    from jinja2 import StrictUndefined

    return SandboxedEnvironment(autoescape=True, keep_trailing_newline=False, undefined=StrictUndefined)


def check_template_package(template: Path) -> None:
    """Refuse a file that is not a .docx, or a zip bomb, before any parser sees it."""
    try:
        with zipfile.ZipFile(template) as package:
            infos = package.infolist()
            names = {info.filename for info in infos}
    except (OSError, zipfile.BadZipFile) as exc:
        raise TemplateProblem(f"模板 {template.name} 不是有效的 Word 文档（.docx）：{type(exc).__name__}") from exc
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise TemplateProblem(f"模板 {template.name} 不是有效的 Word 文档（缺少 word/document.xml）")
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if total > MAX_TEMPLATE_BYTES or total / packed > MAX_TEMPLATE_RATIO:
        raise TemplateProblem(
            f"模板 {template.name} 解压后过大（{total:,} 字节，压缩比 {total / packed:.0f}），可能是恶意文件，已拒绝"
        )


_BODY = re.compile(rb"<w:body\b.*</w:body>", re.S)
_DOCPR_ID = re.compile(r'(<wp:docPr\b[^>]*?\bid=")\d+(")')


def render_template(template: Path, context: dict) -> bytes:
    """Render ``template`` with ``context``; returns the .docx bytes (not yet normalized)."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError
    from jinja2.exceptions import SecurityError
    from lxml import etree

    check_template_package(template)
    env = template_environment()

    class _Template(DocxTemplate):
        def resolve_listing(self, xml):  # values never carry \n, \t or \a: paragraphs are split upstream
            return xml

    try:
        tpl = _Template(str(template))
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

        raise TemplateProblem(describe_render_error(template, exc)) from exc
    except MemoryError:
        raise  # a template that outgrew the memory bound: reported as such, not as an unreadable file
    except Exception as exc:  # a package python-docx cannot read
        raise TemplateProblem(f"模板 {template.name} 无法打开：{type(exc).__name__}: {exc}") from exc
    counter = iter(range(1001, 10**9))
    body = _DOCPR_ID.sub(lambda m: f"{m.group(1)}{next(counter)}{m.group(2)}", body)
    try:
        tree = etree.fromstring(body.encode("utf-8"))  # strict: a broken template fails here, loudly
    except etree.XMLSyntaxError as exc:
        raise TemplateProblem(f"模板 {template.name} 生成的 XML 无效（{exc}），请检查模板中的标签") from exc
    buffer = io.BytesIO()
    tpl.docx.save(buffer)
    return _splice_body(buffer.getvalue(), finish_body(body, tree))


def prepare_body(body) -> None:
    """The template's body before docxtpl reads it: page breaks that an office program's save
    put into a ``{%p`` paragraph go back onto the paragraph they started."""
    from builder.render.merge import move_page_breaks

    move_page_breaks(body)


def finish_body(body: str, tree) -> bytes:
    """The rendered body with the template's merge markers applied and on/off values written as
    Word writes them (unchanged when there is neither)."""
    from lxml import etree

    from builder.render.merge import MERGE_MARKER, merge_marked_cells, normalize_on_off

    if MERGE_MARKER in body:
        merge_marked_cells(tree)
        body = etree.tostring(tree, encoding="unicode")
    return normalize_on_off(body).encode("utf-8")


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
