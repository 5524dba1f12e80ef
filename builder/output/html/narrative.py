"""Markdown narratives in the HTML: the marker a template prints turned into the fragment's content.

The template context holds, for a Markdown section, the marker paragraphs
(``builder.read.markdown.marker_for``) that the .docx replaces after rendering
(``builder.render.markdown_docx.place_markdown``). The HTML resolves the same
markers against the same fragments (``document_fragments``) and writes the same
pandoc AST, block for block as the Word writer does, so the page's words are the
document's words: list markers as written (``1.`` ``(1)`` ``•``), a table's rows and
spans, footnotes numbered through the page.

Everything is escaped here (the AST's text is text; raw HTML and images were refused
by the loader and are dropped should they reach this point); a link keeps its
target only for http, https and mailto, any other scheme (``javascript:``,
``data:``, ``file:``, a relative path) prints its words alone.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from builder.read.markdown import MARKER, MarkdownText

from builder.read.mdast import BULLETS, BadAst, node_content, ordered_marker, plain_paragraphs, table_rows

SAFE_SCHEMES = ("http", "https", "mailto")
_MARKS = {"Strong": "strong", "Emph": "em", "Underline": "u", "Strikeout": "s", "Superscript": "sup",
          "Subscript": "sub"}
_ALIGN = {"AlignLeft": "left", "AlignRight": "right", "AlignCenter": "center"}
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def safe_href(url) -> str | None:
    """The link's target when its scheme is one a published page may link to, else None."""
    if not isinstance(url, str):
        return None
    cleaned = _CONTROL.sub("", url)  # "java\tscript:" is javascript: to a browser
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return None
    return cleaned if scheme in SAFE_SCHEMES else None


class Narratives:
    """One page's fragments by key, and the footnotes numbered across the page (as the .docx does)."""

    def __init__(self, fragments: dict[str, MarkdownText]):
        self.fragments = fragments
        self.note_number = 0

    # ------------------------------------------------------------ the resolution

    def words(self, value):
        """A printed value with every marker in it as its fragment's words (a template printing a
        marker inside other text — the .docx does the same); other values unchanged."""
        if not isinstance(value, str) or isinstance(value, Markup) or "\ue000" not in value:
            return value  # (Markup: written by ``paragraphs`` or the templates, already resolved)
        return MARKER.sub(lambda m: self._words(m.group(1)), value)

    def _words(self, key: str) -> str:
        fragment = self.fragments.get(key)
        return " ".join(plain_paragraphs(fragment.blocks)) if fragment is not None else ""

    def paragraphs(self, items, cls: str = "") -> Markup:
        """A narrative's paragraphs as HTML: a marker paragraph becomes its fragment's blocks, any
        other text one ``<p>`` (escaped)."""
        out = []
        for item in items or ():
            text = item if isinstance(item, str) else str(item)
            match = MARKER.fullmatch(text.strip())
            fragment = self.fragments.get(match.group(1)) if match else None
            if fragment is not None:
                out.append(self.blocks(fragment.blocks, cls))
            else:
                out.append(self._p(escape(self.words(text)), cls))
        return Markup("".join(out))

    # ------------------------------------------------------------ blocks

    @staticmethod
    def _p(inner, cls: str, extra: str = "") -> str:
        classes = " ".join(c for c in (cls, extra) if c)
        return f'<p class="{escape(classes)}">{inner}</p>' if classes else f"<p>{inner}</p>"

    def blocks(self, blocks, cls: str, depth: int = 0) -> str:
        out, notes = [], []
        for node in blocks:
            kind = node.get("t") if isinstance(node, dict) else None
            if kind in ("Para", "Plain"):
                out.append(self._p(self.inlines(node_content(node), notes), cls))
            elif kind == "Header":
                out.append(self._p("<strong>" + self.inlines(node_content(node)[2], notes) + "</strong>", cls, "md-heading"))
            elif kind == "CodeBlock":
                out.extend(self._p(escape(line), cls, "md-code") for line in node_content(node)[1].split("\n"))
            elif kind == "LineBlock":
                out.extend(self._p(self.inlines(line, notes), cls) for line in node_content(node))
            elif kind == "BlockQuote":
                out.append('<blockquote class="md-quote">' + self.blocks(node_content(node), cls, depth) + "</blockquote>")
            elif kind == "Div":
                out.append(self.blocks(node_content(node)[1], cls, depth))
            elif kind == "BulletList":
                items = node_content(node)
                out.append(self.list_items("ul", items, [BULLETS[depth % len(BULLETS)]] * len(items), cls, depth))
            elif kind == "OrderedList":
                attributes, items = node_content(node)
                start = attributes[0] if isinstance(attributes[0], int) else 1
                markers = [ordered_marker(attributes, start + i) for i in range(len(items))]
                out.append(self.list_items("ol", items, markers, cls, depth))
            elif kind == "Table":
                out.append(self.table(node, cls, depth))
            elif kind == "DefinitionList":
                for term, definitions in node_content(node):
                    out.append(self._p("<strong>" + self.inlines(term, notes) + "</strong>", cls))
                    for definition in definitions:
                        out.append(self.blocks(definition, cls, depth))
            elif kind in ("HorizontalRule", "RawBlock", "Figure", "Null"):
                continue  # no words (a rule, as in the .docx), refused, or a comment
            elif kind is None:
                raise BadAst("block")
        return "".join(out) + self.footnotes(notes, cls)

    def list_items(self, tag: str, items, markers: list[str], cls: str, depth: int) -> str:
        out = [f'<{tag} class="md-list">']
        for marker, item in zip(markers, items):
            if not isinstance(item, list):
                raise BadAst("item")
            head = f'<span class="md-marker">{escape(marker)}</span>\t'
            first = item[0] if item else None
            if isinstance(first, dict) and first.get("t") in ("Para", "Plain"):
                notes: list = []
                body = self._p(head + self.inlines(node_content(first), notes), cls) + self.footnotes(notes, cls)
                body += self.blocks(item[1:], cls, depth + 1)
            else:
                body = self._p(head, cls) + self.blocks(item, cls, depth + 1)
            out.append(f"<li>{body}</li>")
        out.append(f"</{tag}>")
        return "".join(out)

    def table(self, node, cls: str, depth: int) -> str:
        content = node_content(node)
        if len(content) != 6:
            raise BadAst("table")
        colspecs, head = content[2], content[3]
        header_count = len(head[1])
        aligns = [_ALIGN.get(spec[0].get("t")) if isinstance(spec[0], dict) else None for spec in colspecs]
        out = ['<table class="md-table">']
        for index, row in enumerate(table_rows(node)):
            tag = "th" if index < header_count else "td"
            out.append("<tr>")
            column = 0
            for cell in row[1]:
                rowspan, colspan = _int(cell[2]), _int(cell[3])
                align = _ALIGN.get(cell[1].get("t")) if isinstance(cell[1], dict) else None
                if align is None and tag == "td" and column < len(aligns):
                    align = aligns[column]
                attributes = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (
                    f' colspan="{colspan}"' if colspan > 1 else "") + (f' style="text-align:{align}"' if align else "")
                out.append(f"<{tag}{attributes}>{self.blocks(cell[4], '', depth)}</{tag}>")
                column += colspan
            out.append("</tr>")
        out.append("</table>")
        return "".join(out)

    def footnotes(self, notes: list, cls: str) -> str:
        """The footnotes of the blocks just written, right after them (the .docx puts them at the page's foot)."""
        if not notes:
            return ""
        out = ['<div class="md-notes">']
        for number, blocks in notes:
            out.append(f'<div class="md-note" id="fn-{number}"><span class="md-note-number">{number}</span>'
                       + self.blocks(blocks, "") + "</div>")
        out.append("</div>")
        return "".join(out)

    # ------------------------------------------------------------ inlines

    def inlines(self, nodes, notes: list) -> str:
        out = []
        for node in nodes:
            kind = node.get("t") if isinstance(node, dict) else None
            if kind == "Str":
                out.append(str(escape(node_content(node, str))))
            elif kind in ("Space", "SoftBreak"):
                out.append(" ")
            elif kind == "LineBreak":
                out.append("<br>")
            elif kind in _MARKS:
                tag = _MARKS[kind]
                out.append(f"<{tag}>{self.inlines(node_content(node), notes)}</{tag}>")
            elif kind == "SmallCaps":
                out.append(f'<span class="md-smallcaps">{self.inlines(node_content(node), notes)}</span>')
            elif kind == "Quoted":
                quote = node_content(node)[0].get("t")
                open_, close = ("“", "”") if quote == "DoubleQuote" else ("‘", "’")
                out.append(open_ + self.inlines(node_content(node)[1], notes) + close)
            elif kind == "Link":
                content = node_content(node)
                words = self.inlines(content[1], notes)
                target = content[2][0] if isinstance(content[2], list) and content[2] else None
                href = safe_href(target)
                out.append(f'<a href="{escape(href)}" rel="noopener noreferrer nofollow">{words}</a>' if href else words)
            elif kind in ("Span", "Cite"):
                out.append(self.inlines(node_content(node)[1], notes))
            elif kind == "Code":
                out.append(f"<code>{escape(node_content(node)[1])}</code>")
            elif kind == "Note":
                self.note_number += 1
                notes.append((self.note_number, node_content(node)))
                number = self.note_number
                out.append(f'<sup class="md-note-ref"><a href="#fn-{number}">{number}</a></sup>')
            elif kind in ("RawInline", "Math", "Image"):
                continue  # refused by the loader, or an HTML comment: never markup
            elif kind is None:
                raise BadAst("inline")
        return "".join(out)


def _int(value) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1
