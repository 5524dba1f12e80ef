"""Render a document context into a .docx template with docxtpl, safely.

The jinja2 environment is sandboxed and autoescaping: a value such as
``A&B <C>`` or ``{{ x }}`` is printed literally and can neither break the XML
nor reach Python internals.
"""

from __future__ import annotations

import io
from pathlib import Path

from jinja2.sandbox import SandboxedEnvironment


class TemplateProblem(Exception):
    """A template that cannot be used; the message is user-facing Chinese."""


def template_environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True, keep_trailing_newline=False)


def render_template(template: Path, context: dict) -> bytes:
    """Render ``template`` with ``context``; returns the .docx bytes (not yet normalized)."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    try:
        tpl = DocxTemplate(str(template))
        tpl.render(context, jinja_env=template_environment(), autoescape=True)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise TemplateProblem(f"模板 {template.name} 有误：{exc.message if hasattr(exc, 'message') else exc}"
                              + (f"（XML 第 {line} 行附近）" if line else "")) from exc
    except Exception as exc:  # a file that is not a Word document at all
        raise TemplateProblem(f"模板 {template.name} 无法打开：{type(exc).__name__}: {exc}") from exc
    buffer = io.BytesIO()
    tpl.save(buffer)
    return buffer.getvalue()
