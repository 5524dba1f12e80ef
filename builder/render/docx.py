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
    return SandboxedEnvironment(autoescape=True, keep_trailing_newline=False)


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


_TOKENS = {
    "end of print statement": "}}", "end of statement block": "%}", "end of template": "模板结尾",
    "name": "名称", "string": "文字", "integer": "数字", "float": "数字", "operator": "运算符",
    "begin of print statement": "{{", "begin of statement block": "{%", "data": "文字",
}
_JINJA_MESSAGES = [
    (re.compile(r"expected token '([^']*)', got '([^']*)'"),
     lambda m: f"这里应为“{_token(m.group(1))}”，写的是“{_token(m.group(2))}”（标签没有正确结束？）"),
    (re.compile(r"unexpected end of template.*?looking for the following tags: ([^.]*)\.", re.S | re.I),
     lambda m: f"模板在标签结束之前就结束了：缺少 {_tags(m.group(1))}"),
    (re.compile(r"unexpected end of template", re.I), lambda m: "模板在标签结束之前就结束了（缺少 }} 或 %}？）"),
    (re.compile(r"Encountered unknown tag '([^']*)'"), lambda m: f"未知的标签“{m.group(1)}”（或它所属的块没有开始）"),
    (re.compile(r"unexpected '([^']*)'"), lambda m: f"多余的“{m.group(1)}”"),
    (re.compile(r"unexpected char '([^']*)'"), lambda m: f"无法识别的字符“{m.group(1)}”"),
    (re.compile(r"'([^']*)' is undefined"), lambda m: f"模板中的“{m.group(1)}”没有定义（请对照随附模板 templates/*.docx 中的标签，或 templates/make_templates.py）"),
    (re.compile(r"has no attribute '([^']*)'"), lambda m: f"没有名为“{m.group(1)}”的属性"),
    (re.compile(r"No (?:filter|test) named '([^']*)'", re.I), lambda m: f"没有名为“{m.group(1)}”的过滤器"),
    (re.compile(r"tag name expected"), lambda m: "{% 之后应为标签名（如 for、if）"),
    (re.compile(r"expected an expression", re.I), lambda m: "这里应有一个表达式（{{ }} 中不能为空）"),
]


def _token(text: str) -> str:
    return _TOKENS.get(text, text)


def _tags(text: str) -> str:
    names = re.findall(r"'([^']*)'", text)
    return " 或 ".join(f"{{% {name} %}}" for name in names) or "结束标签"


def jinja_message(exc) -> str:
    """jinja's English error, in Chinese (a message we do not know is described, not quoted)."""
    text = str(getattr(exc, "message", None) or exc)
    for pattern, chinese in _JINJA_MESSAGES:
        match = pattern.search(text)
        if match:
            return chinese(match)
    return "模板标签的写法有误（请检查 {{ }}、{% %} 是否成对、拼写是否正确）"


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
        body = tpl.build_xml(context, env)
        for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
            for rel_key, xml in tpl.build_headers_footers_xml(context, uri, env):
                tpl.map_headers_footers_xml(rel_key, xml)
    except SecurityError as exc:
        attribute = re.search(r"attribute '([^']*)'", str(exc))
        what = f"属性“{attribute.group(1)}”" if attribute else "内容"
        raise TemplateProblem(f"模板 {template.name} 试图访问不允许的{what}（模板只能使用文档的数据），已拒绝") from exc
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise TemplateProblem(f"模板 {template.name} 有误：{jinja_message(exc)}"
                              + (f"（XML 第 {line} 行附近）" if line else "")) from exc
    except MemoryError:
        raise  # a template that outgrew the memory bound: reported as such, not as an unreadable file
    except Exception as exc:  # a package python-docx cannot read
        raise TemplateProblem(f"模板 {template.name} 无法打开：{type(exc).__name__}: {exc}") from exc
    counter = iter(range(1001, 10**9))
    body = _DOCPR_ID.sub(lambda m: f"{m.group(1)}{next(counter)}{m.group(2)}", body)
    try:
        etree.fromstring(body.encode("utf-8"))  # strict: a broken template fails here, loudly
    except etree.XMLSyntaxError as exc:
        raise TemplateProblem(f"模板 {template.name} 生成的 XML 无效（{exc}），请检查模板中的标签") from exc
    buffer = io.BytesIO()
    tpl.docx.save(buffer)
    return _splice_body(buffer.getvalue(), body.encode("utf-8"))


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
