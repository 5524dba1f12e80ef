"""Writing Markdown narratives (budgetdoc import --markdown, new): paragraphs escaped so that
pandoc reads them back as the same text, and the ## sections of one project's .md file.
"""

from __future__ import annotations

import re


# ---------------------------------------------------------------- writing Markdown (import, new)

_ESCAPE_INLINE = re.compile(r"([\\`*_\[\]<>|~^$@])")
_BLOCK_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)](?=\s|$)|\(\d+\)(?=\s))")


def escape_paragraph(text: str) -> str:
    """A plain paragraph written as Markdown that pandoc reads back as the same words."""
    escaped = _ESCAPE_INLINE.sub(r"\\\1", text.strip())
    match = _BLOCK_START.match(escaped)
    if match:
        marker = match.group(2)
        cut = match.start(2) + (len(marker) - 1 if marker[0].isdigit() else 0)  # "1\." and "\-", "\#"
        escaped = escaped[:cut] + "\\" + escaped[cut:]
    return escaped


def sections_markdown(title: str, sections: list[tuple[str, list[str]]], note: str = "") -> str:
    """A ``NN-项目.md`` text: a title, then ``## 部分`` with one escaped paragraph each."""
    lines = []
    if note:
        lines += [f"<!-- {note} -->", ""]
    lines += [f"# {title}", ""]
    for heading, paragraphs in sections:
        lines.append(f"## {heading}")
        lines.append("")
        for paragraph in paragraphs:
            lines.append(escape_paragraph(paragraph))
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
