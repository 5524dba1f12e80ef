"""A pandoc AST written as WordprocessingML: runs, paragraphs, lists, tables and footnotes in
the look of the paragraph a template printed (its style, fonts, sizes, indents) — the raw XML
side of builder.render.markdown_docx, which places the result in the document.
"""

from __future__ import annotations

import math
import re
from lxml import etree

from builder.read.mdast import BULLETS, BadAst, display_width, node_content, ordered_marker, plain_paragraphs


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as XML entities (as xml.sax.saxutils.escape, without importing
    urllib and the network stack it pulls in)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
FOOTNOTES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"

# schema order of the children of w:pPr and w:rPr (CT_PPrBase, CT_RPr)
PPR_ORDER = ("pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd "
             "tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
             "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc "
             "textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange").split()
RPR_ORDER = ("rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof "
             "snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd "
             "fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath").split()

BORDER = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
TABLE_BORDERS = "<w:tblBorders>" + "".join(BORDER.format(side) for side in
                                           ("top", "left", "bottom", "right", "insideH", "insideV")) + "</w:tblBorders>"
CELL_MARGIN = 57  # as the form's tables


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def props_of(element) -> dict[str, str]:
    """A w:pPr / w:rPr as {child name: its XML}, in document order."""
    if element is None:
        return {}
    return {_local(child.tag): etree.tostring(child, encoding="unicode") for child in element
            if isinstance(child.tag, str)}


def clean_xml(xml: str) -> str:
    """An element serialized out of its tree carries the namespace declarations: drop them."""
    return re.sub(r'\s+xmlns:\w+="[^"]*"', "", xml)


def _emit(props: dict[str, str], order: list[str], tag: str) -> str:
    if not props:
        return ""
    known = [props[name] for name in order if name in props]
    return f"<w:{tag}>" + "".join(known) + f"</w:{tag}>"


class Styles:
    """What the template's styles say: ids present, and each paragraph style's font size."""

    def __init__(self, styles_xml: bytes | None):
        self.ids: set[str] = set()
        self.sizes: dict[str, int] = {}
        self.based: dict[str, str] = {}
        self.default_size = 22
        if not styles_xml:
            return
        root = etree.fromstring(styles_xml)
        size = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}sz")
        if size is not None:
            self.default_size = int_attr(size.get(f"{W}val"), 22)
        for style in root.findall(f"{W}style"):
            sid = style.get(f"{W}styleId")
            if not sid:
                continue
            self.ids.add(sid)
            based = style.find(f"{W}basedOn")
            if based is not None:
                self.based[sid] = based.get(f"{W}val")
            size = style.find(f"{W}rPr/{W}sz")
            if size is not None:
                self.sizes[sid] = int_attr(size.get(f"{W}val"), 0)
            if style.get(f"{W}default") == "1" and style.get(f"{W}type") == "paragraph":
                self.sizes.setdefault("", self.sizes.get(sid, 0))
                self.normal = sid

    def size(self, style_id: str) -> int:
        """Half-points of a paragraph style's text (following basedOn), else the default's."""
        seen = set()
        sid = style_id or getattr(self, "normal", "")
        while sid and sid not in seen:
            seen.add(sid)
            if self.sizes.get(sid):
                return self.sizes[sid]
            sid = self.based.get(sid, "")
        return self.sizes.get("") or self.default_size


def int_attr(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class Look:
    """The body look of one marker paragraph: its properties, font size and available width."""

    def __init__(self, ppr: dict[str, str], rpr: dict[str, str], styles: Styles, width: int, in_cell: bool):
        self.ppr = ppr
        self.rpr = rpr
        self.styles = styles
        self.width = width
        self.in_cell = in_cell
        style = re.search(r'w:val="([^"]*)"', ppr.get("pStyle", ""))
        self.style = style.group(1) if style else ""
        size = re.search(r'w:val="(\d+)"', rpr.get("sz", ""))
        self.size = int(size.group(1)) if size else styles.size(self.style)

    @property
    def char(self) -> int:
        """One Chinese character's width in twips."""
        return self.size * 10

    def paragraph(self, runs: str, ind: str | None = None, jc: str | None = None, style: str | None = None) -> str:
        ppr = dict(self.ppr)
        if style is not None:
            ppr["pStyle"] = f'<w:pStyle w:val="{escape(style)}"/>'
        if ind is not None:
            ppr["ind"] = ind
        if jc is not None:
            ppr["jc"] = f'<w:jc w:val="{jc}"/>'
        return "<w:p>" + _emit(ppr, PPR_ORDER, "pPr") + runs + "</w:p>"


class Writer:
    """Pandoc blocks → WordprocessingML, one document at a time (footnotes numbered across it)."""

    def __init__(self, styles: Styles, first_note: int = 1):
        self.styles = styles
        self.first_note = first_note
        self.footnotes: list[str] = []

    # ------------------------------------------------------------ inlines

    def runs(self, nodes, look: Look, marks: dict[str, str] | None = None) -> str:
        marks = marks or {}
        out = []
        for node in nodes:
            kind = node.get("t") if isinstance(node, dict) else None
            if kind == "Str":
                out.append(self.text_run(node_content(node, str), look, marks))
            elif kind in ("Space", "SoftBreak"):
                out.append(self.text_run(" ", look, marks))
            elif kind == "LineBreak":
                out.append(self.run("<w:br/>", look, marks))
            elif kind == "Strong":
                out.append(self.runs(node_content(node), look, {**marks, "b": "<w:b/>", "bCs": "<w:bCs/>"}))
            elif kind == "Emph":
                out.append(self.runs(node_content(node), look, {**marks, "i": "<w:i/>", "iCs": "<w:iCs/>"}))
            elif kind == "Underline":
                out.append(self.runs(node_content(node), look, {**marks, "u": '<w:u w:val="single"/>'}))
            elif kind == "Strikeout":
                out.append(self.runs(node_content(node), look, {**marks, "strike": "<w:strike/>"}))
            elif kind == "Superscript":
                out.append(self.runs(node_content(node), look, {**marks, "vertAlign": '<w:vertAlign w:val="superscript"/>'}))
            elif kind == "Subscript":
                out.append(self.runs(node_content(node), look, {**marks, "vertAlign": '<w:vertAlign w:val="subscript"/>'}))
            elif kind == "SmallCaps":
                out.append(self.runs(node_content(node), look, {**marks, "smallCaps": "<w:smallCaps/>"}))
            elif kind == "Quoted":
                quote = node_content(node)[0].get("t")
                open_, close = ("“", "”") if quote == "DoubleQuote" else ("‘", "’")
                out.append(self.text_run(open_, look, marks) + self.runs(node_content(node)[1], look, marks)
                           + self.text_run(close, look, marks))
            elif kind in ("Link", "Span", "Cite"):
                out.append(self.runs(node_content(node)[1], look, marks))
            elif kind == "Code":
                out.append(self.text_run(node_content(node)[1], look, marks))
            elif kind == "Note":
                out.append(self.note(node_content(node), look, marks))
            elif kind in ("RawInline", "Math", "Image"):
                continue  # refused by the loader, or an HTML comment
            elif kind is None:
                raise BadAst("inline")
        return "".join(out)

    def run(self, inner: str, look: Look, marks: dict[str, str]) -> str:
        rpr = {**look.rpr, **marks}
        return "<w:r>" + _emit(rpr, RPR_ORDER, "rPr") + inner + "</w:r>"

    def text_run(self, text: str, look: Look, marks: dict[str, str]) -> str:
        if not text:
            return ""
        return self.run(f'<w:t xml:space="preserve">{escape(text)}</w:t>', look, marks)

    def note(self, blocks, look: Look, marks: dict[str, str]) -> str:
        number = self.first_note + len(self.footnotes)
        note_look = Look({"spacing": '<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>',
                          "ind": '<w:ind w:firstLineChars="0" w:firstLine="0"/>', "jc": '<w:jc w:val="both"/>'},
                         {"sz": '<w:sz w:val="18"/>', "szCs": '<w:szCs w:val="18"/>'}, self.styles, 8845, False)
        paragraphs = self.blocks(blocks, note_look)
        reference = ('<w:r><w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/><w:vertAlign w:val="superscript"/></w:rPr>'
                     '<w:footnoteRef/></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:t xml:space="preserve"> </w:t></w:r>')
        if paragraphs.startswith("<w:p>"):
            head = paragraphs.find("</w:pPr>")
            cut = head + len("</w:pPr>") if head >= 0 else len("<w:p>")
            paragraphs = paragraphs[:cut] + reference + paragraphs[cut:]
        else:
            paragraphs = note_look.paragraph(reference) + paragraphs
        self.footnotes.append(f'<w:footnote w:id="{number}">{paragraphs}</w:footnote>')
        return self.run(f'<w:footnoteReference w:id="{number}"/>',
                        look, {**marks, "vertAlign": '<w:vertAlign w:val="superscript"/>'})

    # ------------------------------------------------------------ blocks

    def blocks(self, blocks, look: Look, indent: int | None = None) -> str:
        """``indent``: the left indent (twips) of text inside a list item, else None."""
        out = []
        for node in blocks:
            kind = node.get("t") if isinstance(node, dict) else None
            if kind in ("Para", "Plain"):
                out.append(self.para(self.runs(node_content(node), look), look, indent))
            elif kind == "Header":
                runs = self.runs(node_content(node)[2], look, {"b": "<w:b/>", "bCs": "<w:bCs/>"})
                out.append(self.para(runs, look, indent))
            elif kind == "CodeBlock":
                for line in node_content(node)[1].split("\n"):
                    out.append(self.para(self.text_run(line, look, {}), look, indent))
            elif kind == "LineBlock":
                for line in node_content(node):
                    out.append(self.para(self.runs(line, look), look, indent))
            elif kind == "BlockQuote":
                inner = (indent or (0 if look.in_cell else 2 * look.char)) + 2 * look.char
                out.append(self.blocks(node_content(node), look, inner))
            elif kind == "Div":
                out.append(self.blocks(node_content(node)[1], look, indent))
            elif kind == "BulletList":
                items = node_content(node)
                depth = getattr(self, "_depth", 0)
                out.append(self.list_items(items, [BULLETS[depth % len(BULLETS)]] * len(items), look, indent))
            elif kind == "OrderedList":
                attributes, items = node_content(node)
                start = attributes[0] if isinstance(attributes[0], int) else 1
                out.append(self.list_items(items, [ordered_marker(attributes, start + i) for i in range(len(items))],
                                           look, indent))
            elif kind == "Table":
                out.append(self.table(node, look, indent))
            elif kind in ("HorizontalRule", "RawBlock", "Figure", "Null"):
                continue  # no words (a rule), refused, or a comment
            elif kind == "DefinitionList":
                for term, definitions in node_content(node):
                    out.append(self.para(self.runs(term, look, {"b": "<w:b/>"}), look, indent))
                    for definition in definitions:
                        out.append(self.blocks(definition, look, indent))
            elif kind is None:
                raise BadAst("block")
        return "".join(out)

    def para(self, runs: str, look: Look, indent: int | None) -> str:
        # a justified line that ends in a hard break is stretched over the whole width (Word and
        # LibreOffice alike): such a paragraph is set flush left
        jc = "left" if "<w:br/>" in runs and "jc" not in look.ppr or 'w:val="both"' in look.ppr.get("jc", "") \
            and "<w:br/>" in runs else None
        if indent is None:
            return look.paragraph(runs, jc=jc)
        return look.paragraph(runs, ind=f'<w:ind w:left="{indent}" w:firstLineChars="0" w:firstLine="0"/>', jc=jc)

    def list_items(self, items, markers: list[str], look: Look, indent: int | None) -> str:
        base = indent if indent is not None else (0 if look.in_cell else 2 * look.char)
        widest = max((display_width(m) for m in markers), default=1)
        hanging = max(2, math.ceil((widest + 1) / 2)) * look.char
        left = base + hanging
        out = []
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            for marker, item in zip(markers, items):
                if not isinstance(item, list):
                    raise BadAst("item")
                head = self.text_run(marker, look, {}) + "<w:r><w:tab/></w:r>"
                ind = f'<w:ind w:left="{left}" w:hanging="{hanging}" w:firstLineChars="0"/>'
                first = item[0] if item else None
                if isinstance(first, dict) and first.get("t") in ("Para", "Plain"):
                    rest = self.blocks(item[1:], look, left)
                    out.append(look.paragraph(head + self.runs(node_content(first), look), ind=ind) + rest)
                else:
                    out.append(look.paragraph(head, ind=ind) + self.blocks(item, look, left))
        finally:
            self._depth -= 1
        return "".join(out)

    def table(self, node, look: Look, indent: int | None) -> str:
        content = node_content(node)
        if len(content) != 6:
            raise BadAst("table")
        _, _, colspecs, head, bodies, foot = content
        columns = len(colspecs)
        if columns == 0:
            return ""
        header_rows = list(head[1])
        body_rows = []
        for body in bodies:
            body_rows.extend(body[2])
            body_rows.extend(body[3])
        body_rows.extend(foot[1])
        rows = [(row, True) for row in header_rows] + [(row, False) for row in body_rows]
        offset = 0 if indent is None or look.in_cell else max(0, indent - 2 * look.char)
        available = max(look.width - offset, 1000)
        widths = self.column_widths(colspecs, rows, available)
        aligns = [_align(spec[0]) for spec in colspecs]
        header_style, body_style = self.cell_styles(look)
        # place the cells on the grid: (row, column) → origin cell and whether it continues a merge
        occupied: dict[tuple[int, int], tuple[int, int]] = {}
        placed: list[list[tuple[int, dict, bool]]] = []  # per row: (column, cell, is continuation)
        for r, (row, _) in enumerate(rows):
            cells = []
            column = 0
            for cell in row[1]:
                while (r, column) in occupied and column < columns:
                    origin = occupied[(r, column)]
                    cells.append((column, origin, True))
                    column += origin[1]
                if column >= columns:
                    break
                rowspan = max(1, int_attr(cell[2], 1))
                colspan = max(1, min(int_attr(cell[3], 1), columns - column))
                for dr in range(1, rowspan):
                    occupied[(r + dr, column)] = (rowspan, colspan)
                cells.append((column, (cell, colspan, rowspan), False))
                column += colspan
            while column < columns:
                if (r, column) in occupied:
                    origin = occupied[(r, column)]
                    cells.append((column, origin, True))
                    column += origin[1]
                else:
                    cells.append((column, None, False))  # a short row: an empty cell
                    column += 1
            placed.append(cells)
        out = ["<w:tbl><w:tblPr>", f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/>']
        if look.in_cell:
            pass
        elif offset:
            out.append(f'<w:tblInd w:w="{offset}" w:type="dxa"/>')
        else:
            out.append('<w:jc w:val="center"/>')
        out += [TABLE_BORDERS, '<w:tblLayout w:type="fixed"/>',
                f'<w:tblCellMar><w:left w:w="{CELL_MARGIN}" w:type="dxa"/><w:right w:w="{CELL_MARGIN}" w:type="dxa"/>'
                "</w:tblCellMar>", '<w:tblLook w:val="04A0"/></w:tblPr><w:tblGrid>']
        out += [f'<w:gridCol w:w="{w}"/>' for w in widths]
        out.append("</w:tblGrid>")
        for (row, is_header), cells in zip(rows, placed):
            out.append("<w:tr><w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if is_header else "") + "</w:trPr>")
            for column, cell, continued in cells:
                if continued:
                    span = cell[1]
                    width = sum(widths[column:column + span])
                    out.append(_tc(width, span, "continue", ""))
                    continue
                if cell is None:
                    out.append(_tc(widths[column], 1, None, ""))
                    continue
                pandoc_cell, span, rowspan = cell
                width = sum(widths[column:column + span])
                align = _align(pandoc_cell[1]) or (None if is_header else aligns[column])  # headings centred
                cell_look = Look({"pStyle": f'<w:pStyle w:val="{escape(header_style if is_header else body_style)}"/>'}
                                 if (header_style if is_header else body_style) else
                                 {"ind": '<w:ind w:firstLineChars="0" w:firstLine="0"/>'},
                                 {}, self.styles, width - 2 * CELL_MARGIN, True)
                if align:
                    cell_look.ppr["jc"] = f'<w:jc w:val="{align}"/>'
                if not cell_look.ppr.get("pStyle") and look.ppr.get("pStyle"):
                    cell_look.ppr["pStyle"] = look.ppr["pStyle"]
                body = self.blocks(pandoc_cell[4], cell_look)
                if not body.endswith("</w:p>"):
                    body += cell_look.paragraph("")
                out.append(_tc(width, span, "restart" if rowspan > 1 else None, body))
            out.append("</w:tr>")
        out.append("</w:tbl>")
        return "".join(out)

    def cell_styles(self, look: Look) -> tuple[str, str]:
        """The form's own table paragraph styles, the smaller ones inside a small-print table."""
        small = look.style.endswith("小")
        header = "表格文字小" if small else "表格文字"
        body = "表格正文小" if small else "表格正文"
        return (header if header in self.styles.ids else "", body if body in self.styles.ids else "")

    def column_widths(self, colspecs, rows, available: int) -> list[int]:
        fractions = []
        for spec in colspecs:
            width = spec[1] if len(spec) > 1 else None
            if isinstance(width, dict) and width.get("t") == "ColWidth" and isinstance(width.get("c"), (int, float)):
                fractions.append(max(float(width["c"]), 0.01))
            else:
                fractions = None
                break
        if fractions is None:  # pipe tables: by the longest text of each column
            longest = [2] * len(colspecs)
            for row, _ in rows:
                column = 0
                for cell in row[1]:
                    span = max(1, int_attr(cell[3], 1))
                    if column < len(longest) and span == 1:
                        text = " ".join(plain_paragraphs(cell[4]))
                        longest[column] = max(longest[column], min(display_width(text), 40))
                    column += span
            fractions = [float(n) for n in longest]
        total = sum(fractions)
        widths = [max(400, int(available * f / total)) for f in fractions]
        scale = available / sum(widths)
        if scale < 1:
            widths = [max(300, int(w * scale)) for w in widths]
        return widths


def _tc(width: int, span: int, merge: str | None, body: str) -> str:
    tcpr = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        tcpr += f'<w:gridSpan w:val="{span}"/>'
    if merge == "restart":
        tcpr += '<w:vMerge w:val="restart"/>'
    elif merge == "continue":
        tcpr += '<w:vMerge w:val="continue"/>'
    tcpr += '<w:vAlign w:val="center"/>'
    return f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{body or '<w:p/>'}</w:tc>"


def _align(alignment) -> str | None:
    kind = alignment.get("t") if isinstance(alignment, dict) else None
    return {"AlignLeft": "left", "AlignRight": "right", "AlignCenter": "center"}.get(kind)
