"""The HTML of every document: its built .docx's body, read back.

Every document — on the shipped forms, its own template or a bureau's form — prints what its
template says, so its page is made from the .docx that template rendered (Markdown narratives
already placed): the body's paragraphs and tables in order, merged cells as
``colspan``/``rowspan``, bold/italic/underline, alignment, a new sheet at each page or section
break, footnotes at the end. The page's words are the document's words by construction.

A page with findings reads the *traced* render instead (builder.output.html.trace): each cell
(or paragraph outside a table) that prints a traced value gets ``data-field`` and the findings
placed on it (``Decorations``); the markers themselves never reach the page.

Every text is escaped; nothing of the package but its text, a few run and paragraph
properties and the table grid is used (no images, links or fields reach the page).
"""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import urlsplit

from lxml import etree
from markupsafe import Markup, escape

from builder.output.html.trace import strip_marks

SAFE_SCHEMES = ("http", "https", "mailto")
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
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


def _links(package: bytes) -> dict[str, str]:
    """The body's external link targets by relationship id (only those a page may link to)."""
    rels = _part(package, "word/_rels/document.xml.rels")
    if not rels:
        return {}
    out = {}
    for rel in etree.fromstring(rels, etree.XMLParser(**_PARSER)):
        target = safe_href(rel.get("Target"))
        if rel.get("TargetMode") == "External" and target:
            out[rel.get("Id", "")] = target
    return out

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
MAX_PART = 256 * 1024 * 1024
_PARSER = dict(resolve_entities=False, no_network=True, huge_tree=True)
_JC = {"center": "center", "right": "right", "end": "right", "both": "justify", "distribute": "justify"}


def _part(package: bytes, name: str) -> bytes | None:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        try:
            info = archive.getinfo(name)
        except KeyError:
            return None
        with archive.open(info) as handle:
            return handle.read(MAX_PART)


def _on(element) -> bool:
    """A w:b / w:i … toggle: present and not switched off."""
    return element is not None and element.get(f"{W}val", "true") not in ("0", "false", "off")


def _style_looks(styles: bytes | None) -> dict[str, tuple[str, int]]:
    """Each paragraph style's alignment and font size (half-points), following basedOn."""
    if not styles:
        return {}
    own: dict[str, tuple[str, int, str]] = {}
    for style in etree.fromstring(styles, etree.XMLParser(**_PARSER)).findall(f"{W}style"):
        jc, size, based = style.find(f"{W}pPr/{W}jc"), style.find(f"{W}rPr/{W}sz"), style.find(f"{W}basedOn")
        own[style.get(f"{W}styleId", "")] = (jc.get(f"{W}val", "") if jc is not None else "",
                                             _int(size.get(f"{W}val")) if size is not None else 0,
                                             based.get(f"{W}val", "") if based is not None else "")
    looks = {}
    for sid in own:
        jc, size, seen, current = "", 0, set(), sid
        while current in own and current not in seen:
            seen.add(current)
            jc, size = jc or own[current][0], size or own[current][1]
            current = own[current][2]
        looks[sid] = (jc, size)
    return looks


class Decoration:
    """What a cell or paragraph gets beside its words: a class, its field, the findings placed on it."""

    def __init__(self, css: str = "", field: str = "", notes: str = "", project: str = ""):
        self.css, self.field, self.notes, self.project = css, field, notes, project


def holders(root) -> dict:
    """Every cell (the innermost ``w:tc``) or body paragraph that prints traced values → their
    indices, in document order."""
    found: dict = {}
    for text in root.iter(f"{W}t"):
        _, indices = strip_marks(text.text or "")
        if not indices:
            continue
        holder, node = None, text.getparent()
        while node is not None:
            if node.tag == f"{W}tc":
                holder = node
                break
            if node.tag == f"{W}p" and node.getparent() is not None and node.getparent().tag == f"{W}body":
                holder = node
            node = node.getparent()
        if holder is not None:
            found.setdefault(holder, []).extend(indices)
    return found


class _Writer:
    def __init__(self, notes: dict[str, list], looks: dict[str, tuple[str, int]] | None = None,
                 decorations: dict | None = None):
        self.notes = notes  # footnote id → its paragraphs
        self.looks = looks or {}
        self.referenced: list[str] = []
        self.decorations = decorations or {}  # holder element → Decoration
        self.links: dict[str, str] = {}  # relationship id → a safe link target

    def run(self, r) -> str:
        rpr = r.find(f"{W}rPr")
        parts = []
        for node in r:
            if node.tag == f"{W}t":
                parts.append(str(escape(strip_marks(node.text or "")[0])))
            elif node.tag == f"{W}tab":
                parts.append("\t")
            elif node.tag in (f"{W}br", f"{W}cr"):
                if node.get(f"{W}type") != "page":
                    parts.append("<br>")
            elif node.tag == f"{W}footnoteReference":
                note = node.get(f"{W}id", "")
                if note in self.notes:
                    self.referenced.append(note)
                    number = len(self.referenced)
                    parts.append(f'<sup class="md-note-ref"><a href="#fn-{number}">{number}</a></sup>')
        inner = "".join(parts)
        if not inner or rpr is None:
            return inner
        for tag, name in (("strong", "b"), ("em", "i"), ("s", "strike")):
            if _on(rpr.find(f"{W}{name}")):
                inner = f"<{tag}>{inner}</{tag}>"
        underline = rpr.find(f"{W}u")
        if underline is not None and underline.get(f"{W}val", "single") != "none":
            inner = f"<u>{inner}</u>"
        align = rpr.find(f"{W}vertAlign")
        if align is not None and align.get(f"{W}val") in ("superscript", "subscript"):
            tag = "sup" if align.get(f"{W}val") == "superscript" else "sub"
            inner = f"<{tag}>{inner}</{tag}>"
        return inner

    def runs(self, element) -> str:
        out = []
        for node in element:
            if node.tag == f"{W}r":
                out.append(self.run(node))
            elif node.tag == f"{W}hyperlink" and node.get(f"{R}id") in self.links:
                href = escape(self.links[node.get(f"{R}id")])
                out.append(f'<a href="{href}" rel="noopener noreferrer nofollow">{self.runs(node)}</a>')
            elif node.tag in (f"{W}hyperlink", f"{W}ins", f"{W}smartTag", f"{W}sdt", f"{W}sdtContent",
                              f"{W}fldSimple", f"{W}customXml"):
                out.append(self.runs(node))  # their runs' words (no link target is kept)
        return "".join(out)

    def paragraph(self, p) -> str:
        ppr = p.find(f"{W}pPr")
        style_id = ppr.find(f"{W}pStyle") if ppr is not None else None
        jc_of_style, size = self.looks.get(style_id.get(f"{W}val", "") if style_id is not None else "", ("", 0))
        jc = ppr.find(f"{W}jc") if ppr is not None else None
        alignment = _JC.get(jc.get(f"{W}val", "") if jc is not None else jc_of_style)
        style = [f"text-align:{alignment}"] if alignment else []
        if size:
            style.append(f"font-size:{size / 2:g}pt")
        attribute = f' style="{";".join(style)}"' if style else ""
        decoration = self.decorations.get(p)
        if decoration is None:
            return f'<p class="docx"{attribute}>{self.runs(p)}</p>'
        field = f' data-field="{escape(decoration.field)}"' if decoration.field else ""
        notes = f'<div class="section-notes">{decoration.notes}</div>' if decoration.notes else ""
        return f'<p class="docx{decoration.css}"{field}{attribute}>{self.runs(p)}</p>{notes}'

    def table(self, tbl) -> str:
        grid = [_twips(col.get(f"{W}w")) for col in tbl.findall(f"{W}tblGrid/{W}gridCol")]
        rows = tbl.findall(f"{W}tr")
        # each row's cells with their grid column, span and vertical merge
        placed = []
        for tr in rows:
            cells, column = [], 0
            for tc in tr.findall(f"{W}tc"):
                span_node = tc.find(f"{W}tcPr/{W}gridSpan")
                span = max(1, _int(span_node.get(f"{W}val")) if span_node is not None else 1)
                merge = tc.find(f"{W}tcPr/{W}vMerge")
                state = None if merge is None else merge.get(f"{W}val", "continue")
                cells.append((column, span, state, tc))
                column += span
            placed.append(cells)
        project = next((d.project for tc in tbl.iter(f"{W}tc") if (d := self.decorations.get(tc)) and d.project), "")
        out = [f'<table class="form docx"{f" data-project={_quoted(project)}" if project else ""}>']
        if grid and all(grid):
            out.append("<colgroup>" + "".join(f'<col style="width:{w / 567:.2f}cm">' for w in grid) + "</colgroup>")
        for index, cells in enumerate(placed):
            out.append("<tr>")
            for column, span, state, tc in cells:
                if state == "continue":
                    continue
                rowspan = 1
                if state == "restart":
                    for below in placed[index + 1:]:
                        if any(c == column and s == "continue" for c, _, s, _ in below):
                            rowspan += 1
                        else:
                            break
                attributes = (f' colspan="{span}"' if span > 1 else "") + (f' rowspan="{rowspan}"' if rowspan > 1 else "")
                decoration = self.decorations.get(tc)
                if decoration is not None:
                    if decoration.css:
                        attributes += f' class="{decoration.css.strip()}"'
                    if decoration.field:
                        attributes += f' data-field="{escape(decoration.field)}"'
                out.append(f"<td{attributes}>{self.body(tc)}{decoration.notes if decoration else ''}</td>")
            out.append("</tr>")
        out.append("</table>")
        return "".join(out)

    def body(self, container) -> str:
        out = []
        for node in container:
            if node.tag == f"{W}p":
                out.append(self.paragraph(node))
            elif node.tag == f"{W}tbl":
                out.append(self.table(node))
            elif node.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
                out.append(self.body(node))
        return "".join(out)


def _quoted(value: str) -> str:
    return f'"{escape(value)}"'


def _twips(value) -> int:
    return max(0, _int(value))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _breaks_after(p) -> bool:
    """A paragraph ending its page: a page break in it, or a section ending with it."""
    return (p.find(f".//{W}br[@{W}type='page']") is not None
            or p.find(f"{W}pPr/{W}sectPr") is not None)


def _breaks_before(p) -> bool:
    return _on(p.find(f"{W}pPr/{W}pageBreakBefore"))


def docx_body_html(package: bytes, decorate=None) -> Markup:
    """The document's body as sheets (``<section class="sheet">``), then its footnotes.
    ``decorate(list of index lists) -> list of Decoration``: for a traced package, what each
    cell or paragraph printing traced values gets (builder.output.html)."""
    root = etree.fromstring(_part(package, "word/document.xml"), etree.XMLParser(**_PARSER))
    decorations = {}
    if decorate is not None:
        found = holders(root)
        decorations = dict(zip(found, decorate(list(found.values()))))
    notes: dict[str, list] = {}
    footnotes = _part(package, "word/footnotes.xml")
    if footnotes:
        for note in etree.fromstring(footnotes, etree.XMLParser(**_PARSER)).findall(f"{W}footnote"):
            if note.get(f"{W}type") in (None, "normal"):
                notes[note.get(f"{W}id", "")] = note.findall(f"{W}p")
    writer = _Writer(notes, _style_looks(_part(package, "word/styles.xml")), decorations)
    writer.links = _links(package)
    sheets, current = [], []
    body = root.find(f"{W}body")
    for node in body if body is not None else ():
        if node.tag == f"{W}p" and _breaks_before(node) and current:
            sheets.append(current)
            current = []
        if node.tag == f"{W}p":
            current.append(writer.paragraph(node))
            if _breaks_after(node):
                sheets.append(current)
                current = []
        elif node.tag == f"{W}tbl":
            current.append(writer.table(node))
        elif node.tag in (f"{W}sdt", f"{W}customXml"):
            current.append(writer.body(node))
    if current:
        sheets.append(current)
    out = [f'<section class="sheet{" first" if i == 0 else ""}">' + "".join(s) + "</section>"
           for i, s in enumerate(sheets)]
    if writer.referenced:
        paragraphs = []
        for number, note in enumerate(writer.referenced, start=1):
            text = "".join(writer.runs(p) for p in notes[note])
            paragraphs.append(f'<div class="md-note" id="fn-{number}"><span class="md-note-number">{number}</span>'
                              f"<p>{text}</p></div>")
        out.append('<section class="sheet"><div class="md-notes">' + "".join(paragraphs) + "</div></section>")
    return Markup("".join(out))
