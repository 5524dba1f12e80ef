"""A Word template before rendering: which one (the shipped ones in templates/), read once and
bounded (a zip bomb is refused), and the sandboxed jinja environment every template runs in.

Below builder.render.docx (rendering) and builder.render.templatecheck (checking), which both
read templates through here.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from jinja2.sandbox import SandboxedEnvironment


MAX_TEMPLATE_BYTES = 20 * 1024 * 1024  # uncompressed; a real template is well under 1 MB
MAX_TEMPLATE_RATIO = 200  # uncompressed / compressed: beyond this it is a zip bomb


def _template_dir() -> Path:
    """templates/ of the repository (source checkout, editable install), or the copy that a
    wheel installs as builder/templates."""
    here = Path(__file__).resolve().parents[1]  # builder/
    checkout = here.parent / "templates"
    return checkout if (checkout / "make_templates.py").is_file() else here / "templates"


TEMPLATE_DIR = _template_dir()


class TemplateProblem(Exception):
    """A template that cannot be used; the message is user-facing Chinese."""


def template_environment() -> SandboxedEnvironment:
    """Sandboxed, autoescaping, and strict: a name the context lacks is an error, never a blank."""
    from jinja2 import StrictUndefined

    return SandboxedEnvironment(autoescape=True, keep_trailing_newline=False, undefined=StrictUndefined)


def read_template(template: Path) -> io.BytesIO:
    """The template's bytes as a stream: read once per build (``builder.read.readonce``), so the
    template checked, rendered and hashed into the cache key is one and the same."""
    from builder.read.readonce import input_stream
    from builder.read.safeio import UnsafeFile

    try:
        return input_stream(template)
    except UnsafeFile as exc:
        raise TemplateProblem(f"模板 {template.name} 无法读取：{exc}") from None


def check_template_package(template: Path) -> None:
    """Refuse a file that is not a .docx, or a zip bomb, before any parser sees it."""
    stream = read_template(template)
    try:
        with zipfile.ZipFile(stream) as package:
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
