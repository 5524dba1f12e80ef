"""After rendering: Markdown narratives written into the document as Word XML.

The template printed one marker paragraph (``builder.read.markdown.marker_for``) where
a Markdown fragment goes. Each such paragraph is replaced by the fragment's
blocks, written here from pandoc's JSON AST, with that paragraph's own
properties (style, indents, fonts) as the body look:

- bold / italic / underline / strike as run properties on top of the
  paragraph's run properties (the style's eastAsia font stays in force);
- hard line breaks as ``w:br``;
- lists with their numbers as written (``1.`` ``1)`` ``(1)``; bullets ``•``),
  a tab after the marker and a hanging indent (Chinese text such as ``（一）``
  is no Markdown list and stays literal);
- tables with the form's grid borders, the header row repeated on every page
  (``w:tblHeader``), grid-table spans as ``w:gridSpan`` / ``w:vMerge``, cells
  in the form's table styles (表格文字 / 表格正文) when the template has them;
- footnotes in a ``word/footnotes.xml`` part (with the separator footnotes
  Word requires), its relationship and content type.

Documents without Markdown never come here, so their bytes do not change.
"""

from __future__ import annotations

import io
import re
import zipfile
from lxml import etree

from builder.read.markdown import MarkdownText
from builder.read.mdast import inline_text, plain_paragraphs, table_rows_text
from builder.render.mdxml import (
    CELL_MARGIN, CT_NS, FOOTNOTES_CT, FOOTNOTES_REL, Look, PKG_REL_NS, R_NS, Styles, W, W_NS, Writer,
    clean_xml, escape, int_attr, props_of,
)


# ---------------------------------------------------------------- the package


def _text_width(document: str) -> int:
    """The text width of the document's (last) section: page width less the margins, in twips."""
    section = document[document.rfind("<w:sectPr"):]
    size = re.search(r'<w:pgSz\b[^>]*\bw:w="(\d+)"', section)
    left = re.search(r'<w:pgMar\b[^>]*\bw:left="(\d+)"', section)
    right = re.search(r'<w:pgMar\b[^>]*\bw:right="(\d+)"', section)
    if not (size and left and right):
        return 8845
    width = int(size.group(1)) - int(left.group(1)) - int(right.group(1))
    return width if width > 1000 else 8845


_MARKER_TEXT = re.compile("\ue000budgetdoc-md:([0-9a-f]{32})\ue001")
_T = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
_PPR = re.compile(r"<w:pPr>.*?</w:pPr>|<w:pPr/>", re.S)
_RUN_RPR = re.compile(r"<w:r(?:\s[^>]*)?>\s*(<w:rPr>.*?</w:rPr>)", re.S)
_TCW = re.compile(r'<w:tcW\b[^>]*\bw:w="(\d+)"')


class _Props:
    """w:pPr / w:rPr text → {child name: XML}, parsed once per distinct text."""

    def __init__(self):
        self.known: dict[str, dict[str, str]] = {}

    def __call__(self, xml: str | None) -> dict[str, str]:
        if not xml:
            return {}
        if xml not in self.known:
            wrapper = etree.fromstring(f'<w:x xmlns:w="{W_NS}">{xml}</w:x>')
            self.known[xml] = {k: clean_xml(v) for k, v in props_of(wrapper[0]).items()}
        return dict(self.known[xml])


def _open_tag(document: str, tag: str, position: int) -> int:
    """The nearest ``<tag>`` or ``<tag …>`` opening before ``position`` (not ``<tagPr>`` …), or -1.
    Searched back from ``position`` only as far as it is, so each look-up stays near its marker."""
    index = document.rfind(tag, 0, position)
    while index >= 0 and document[index + len(tag)] not in "> /":
        index = document.rfind(tag, 0, index)
    return index


def _paragraph_at(document: str, position: int) -> tuple[int, int]:
    """The start and end of the w:p that holds ``position``."""
    start = _open_tag(document, "<w:p", position)
    end = document.find("</w:p>", position)
    return start, (end + len("</w:p>") if end >= 0 else -1)


def _cell_at(document: str, position: int) -> int | None:
    """The start of the w:tc that holds ``position``, or None outside tables."""
    opened = _open_tag(document, "<w:tc", position)
    closed = document.rfind("</w:tc>", max(opened, 0), position)
    return opened if opened >= 0 and closed < 0 else None


def place_markdown(package: bytes, fragments: dict[str, MarkdownText]) -> bytes:
    """The rendered package with every marker paragraph replaced by its fragment's Word XML,
    and the footnotes part added when there are footnotes.

    The body is worked on as text — it was just serialized, and parsed strictly, by the render — which
    at 1,000 projects is seconds faster than thousands of tree insertions; the XML put in is made here."""
    source = zipfile.ZipFile(io.BytesIO(package))
    names = source.namelist()
    raw = source.read("word/document.xml")
    if b"\xee\x80\x80budgetdoc-md:" not in raw:  # U+E000: no marker, nothing to do
        return package
    document = raw.decode("utf-8")
    styles = Styles(source.read("word/styles.xml") if "word/styles.xml" in names else None)
    page_width = _text_width(document)
    existing_notes = source.read("word/footnotes.xml") if "word/footnotes.xml" in names else None
    first_note = 1
    if existing_notes:
        ids = [int_attr(n.get(f"{W}id"), 0) for n in etree.fromstring(existing_notes).findall(f"{W}footnote")]
        first_note = max([0, *ids]) + 1
    writer = Writer(styles, first_note)
    props = _Props()
    pieces: list[str] = []
    done = 0
    for match in _MARKER_TEXT.finditer(document):
        if match.start() < done:
            continue  # a second marker in a paragraph already replaced
        start, end = _paragraph_at(document, match.start())
        paragraph = document[start:end] if start >= 0 and end > 0 else ""
        fragment = fragments.get(match.group(1))
        if fragment is None or "".join(_T.findall(paragraph)).strip() != match.group(0):
            # a marker inside other text (a template printing it in a sentence): its words instead
            words = " ".join(plain_paragraphs(fragment.blocks)) if fragment is not None else ""
            pieces.append(document[done:match.start()])
            pieces.append(escape(words))
            done = match.end()
            continue
        ppr = _PPR.search(paragraph)
        after_ppr = ppr.end() if ppr else 0
        rpr = _RUN_RPR.search(paragraph, after_ppr)
        cell = _cell_at(document, start)
        width = page_width
        if cell is not None:
            tcw = _TCW.search(document, cell, start)
            width = (int(tcw.group(1)) if tcw else 2000) - 2 * CELL_MARGIN
        look = Look(props(ppr.group(0) if ppr else None), props(rpr.group(1) if rpr else None), styles, width,
                    cell is not None)
        xml = writer.blocks(fragment.blocks, look)
        if cell is not None and not xml.endswith("</w:p>") and document.startswith("</w:tc>", end):
            xml += look.paragraph("")  # a cell ends with a paragraph
        pieces.append(document[done:start])
        pieces.append(xml)
        done = end
    pieces.append(document[done:])
    extra: dict[str, bytes] = {"word/document.xml": "".join(pieces).encode("utf-8")}
    if writer.footnotes:
        extra.update(_footnote_parts(source, names, writer.footnotes))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:  # compressed once, by normalize_package
        for info in source.infolist():
            data = extra.pop(info.filename, None) or source.read(info.filename)
            target.writestr(zipfile.ZipInfo(info.filename, date_time=info.date_time), data)
        for name, data in extra.items():
            target.writestr(name, data)
    return out.getvalue()


_SEPARATORS = ('<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
               'w:lineRule="auto"/><w:ind w:firstLineChars="0" w:firstLine="0"/></w:pPr><w:r><w:separator/></w:r>'
               '</w:p></w:footnote><w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing '
               'w:after="0" w:line="240" w:lineRule="auto"/><w:ind w:firstLineChars="0" w:firstLine="0"/></w:pPr>'
               '<w:r><w:continuationSeparator/></w:r></w:p></w:footnote>')


def _footnote_parts(source: zipfile.ZipFile, names: list[str], notes: list[str]) -> dict[str, bytes]:
    if "word/footnotes.xml" in names:  # a template with footnotes of its own: ours follow them
        root = etree.fromstring(source.read("word/footnotes.xml"))
        wrapper = etree.fromstring(f'<w:wrap xmlns:w="{W_NS}">{"".join(notes)}</w:wrap>')
        for note in list(wrapper):
            root.append(note)
        return {"word/footnotes.xml": etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)}
    part = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes xmlns:w="{W_NS}" '
            f'xmlns:r="{R_NS}">{_SEPARATORS}{"".join(notes)}</w:footnotes>').encode("utf-8")
    rels = etree.fromstring(source.read("word/_rels/document.xml.rels"))
    ids = {rel.get("Id") for rel in rels}
    rid = next(f"rId{n}" for n in range(1, 10**6) if f"rId{n}" not in ids)
    relation = etree.SubElement(rels, f"{{{PKG_REL_NS}}}Relationship")
    relation.set("Id", rid)
    relation.set("Type", FOOTNOTES_REL)
    relation.set("Target", "footnotes.xml")
    types = etree.fromstring(source.read("[Content_Types].xml"))
    override = etree.SubElement(types, f"{{{CT_NS}}}Override")
    override.set("PartName", "/word/footnotes.xml")
    override.set("ContentType", FOOTNOTES_CT)
    return {
        "word/footnotes.xml": part,
        "word/_rels/document.xml.rels": etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True),
        "[Content_Types].xml": etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True),
    }


def document_fragments(document) -> dict[str, MarkdownText]:
    """Every Markdown fragment of a document by key."""
    found: dict[str, MarkdownText] = {}
    for project in document.projects:
        for pieces in getattr(project, "markdown", {}).values():
            for piece in pieces:
                if isinstance(piece, MarkdownText):
                    found[piece.key] = piece
    return found


__all__ = ["place_markdown", "document_fragments", "inline_text", "table_rows_text"]
