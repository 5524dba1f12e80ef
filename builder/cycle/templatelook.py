"""The look of the Word templates every template shares: the fonts and sizes of the official
forms, the styles and page, paragraphs and docxtpl loops, and form tables of cells and rows
(through the raw WordprocessingML helpers of builder.render.oxml).
"""

from __future__ import annotations

from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from builder.render.oxml import TWIPS_PER_CM, el, field_runs, replace_child, set_fonts
from builder.render.merge import MERGE_MARKER


# the keys of a form's 版式 (docs/forms.md): one item a paragraph, a paragraph loop, a table or the
# hairline between two tables; a table row is a list of cells, a docxtpl row tag, or a mapping
PARAGRAPH, STYLE, PAGE_BREAK, LOOP, TABLE, GAP = "段", "样式", "分页", "循环", "表", "间隔"
GRID, CELL_STYLE, ROWS, CELLS, HEADER, KEEP = "网格", "格样式", "行", "格", "表头", "连下"
TEXT, SPAN, MERGE = "文", "跨", "合并"
DEFAULT_STYLE, DEFAULT_CELL_STYLE = "Normal", "表格文字"

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBTITLE_FONT = "楷体_GB2312"
TABLE_FONT = "宋体"

SIZE_ER = Pt(22)  # 二号
SIZE_SAN = Pt(16)  # 三号
SIZE_SI = Pt(14)  # 四号
SIZE_WU = Pt(10.5)  # 五号
SIZE_XIAOWU = Pt(9)  # 小五


# ---------------------------------------------------------------- styles

def _clean_style(style, east_asia: str, size, bold: bool = False) -> None:
    rpr = style.element.get_or_add_rPr()
    for tag in ("w:color", "w:sz", "w:szCs", "w:b", "w:bCs", "w:i", "w:kern", "w:spacing"):
        for old in rpr.findall(qn(tag)):
            rpr.remove(old)
    set_fonts(rpr, east_asia)
    style.font.size = size
    style.font.bold = bold
    style.font.color.rgb = None
    ppr = style.element.get_or_add_pPr()
    for tag in ("w:pBdr", "w:keepNext", "w:outlineLvl") if style.name in ("Title",) else ("w:pBdr",):
        for old in ppr.findall(qn(tag)):
            ppr.remove(old)


def _exact_lines(style, points: float) -> None:
    pf = style.paragraph_format
    pf.line_spacing = Pt(points)
    from docx.enum.text import WD_LINE_SPACING
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)


def _indent_chars(style, chars: int, size_pt: float) -> None:
    ppr = style.element.get_or_add_pPr()
    ind = el("w:ind", {"w:firstLineChars": chars * 100, "w:firstLine": int(chars * size_pt * 20)})
    ppr._remove_ind()
    ppr._insert_ind(ind)  # in schema order (before w:jc), as Word's validator requires


def _doc_defaults(document) -> None:
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, BODY_FONT)
    replace_child(rpr, el("w:lang", {"w:val": "en-US", "w:eastAsia": "zh-CN", "w:bidi": "ar-SA"}))
    # theme fonts on any style would override the explicit names
    for node in styles.iter(qn("w:rFonts")):
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            node.attrib.pop(qn(attr), None)


def _paragraph_style(document, name: str, base: str = "Normal"):
    from docx.enum.style import WD_STYLE_TYPE

    try:
        return document.styles[name]
    except KeyError:
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles[base]
        return style


def make_styles(document) -> None:
    _doc_defaults(document)
    normal = document.styles["Normal"]
    # 四号 rather than the GB/T 9704 三号: the real form (seed 000) sets about 30
    # characters to a line, which is 四号 on the A4 text width, and runs 30 pages.
    _clean_style(normal, BODY_FONT, SIZE_SI)
    _exact_lines(normal, 28)
    _indent_chars(normal, 2, 14)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    title = document.styles["Title"]
    _clean_style(title, TITLE_FONT, SIZE_ER)
    _exact_lines(title, 36)
    _indent_chars(title, 0, 22)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    h1 = document.styles["Heading 1"]
    _clean_style(h1, TITLE_FONT, SIZE_ER)
    _exact_lines(h1, 36)
    _indent_chars(h1, 0, 22)
    h1.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    h1.paragraph_format.space_after = Pt(14)
    h1.paragraph_format.keep_with_next = True

    h2 = document.styles["Heading 2"]
    _clean_style(h2, HEADING_FONT, SIZE_SI)
    _exact_lines(h2, 28)
    _indent_chars(h2, 2, 14)
    h2.paragraph_format.keep_with_next = True

    # the tiny paragraph between a form and its indicator grid (two tables touching
    # would become one in Word)
    spacer = _paragraph_style(document, "表格间隔")
    _clean_style(spacer, TABLE_FONT, Pt(1))
    _exact_lines(spacer, 1)
    _indent_chars(spacer, 0, 1)

    subtitle = document.styles["Subtitle"]
    _clean_style(subtitle, SUBTITLE_FONT, SIZE_SAN)
    _exact_lines(subtitle, 28)
    _indent_chars(subtitle, 0, 16)
    subtitle.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle.paragraph_format.space_after = Pt(10)
    subtitle.paragraph_format.keep_with_next = True

    for name, align, size in (
        ("表格文字", WD_ALIGN_PARAGRAPH.CENTER, SIZE_WU), ("表格正文", WD_ALIGN_PARAGRAPH.JUSTIFY, SIZE_WU),
        ("表格文字小", WD_ALIGN_PARAGRAPH.CENTER, SIZE_XIAOWU), ("表格正文小", WD_ALIGN_PARAGRAPH.JUSTIFY, SIZE_XIAOWU),
    ):
        style = _paragraph_style(document, name)
        _clean_style(style, TABLE_FONT, size)
        style.paragraph_format.line_spacing = 1.0
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(0)
        _indent_chars(style, 0, 10.5)
        style.paragraph_format.alignment = align

    footer = document.styles["Footer"]
    _clean_style(footer, TABLE_FONT, Pt(14))  # 四号
    _indent_chars(footer, 0, 14)
    footer.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def setup_page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.footer_distance = Cm(2.5)
    paragraph = section.footer.paragraphs[0]
    paragraph.style = document.styles["Footer"]

    def rpr():
        return el("w:rPr", children=[el("w:rFonts", {"w:ascii": "Times New Roman", "w:hAnsi": "Times New Roman"})])

    # "N / M": PAGE and NUMPAGES fields, updated by Word and by LibreOffice
    for run in field_runs("PAGE", "1", rpr):
        paragraph._p.append(run)
    slash = paragraph.add_run(" / ")
    slash.font.name = "Times New Roman"
    for run in field_runs("NUMPAGES", "1", rpr):
        paragraph._p.append(run)


# ---------------------------------------------------------------- body

def para(document, text: str, style: str = "Normal", page_break_before: bool = False):
    paragraph = document.add_paragraph(text, style=style)
    if page_break_before:
        paragraph.paragraph_format.page_break_before = True
    return paragraph


def loop(document, items: str, body: str, style: str = "Normal") -> None:
    """Paragraphs ``{{ t }}`` for each ``t`` in ``items``: one Word paragraph each."""
    para(document, f"{{%p for t in {items} %}}", style)
    para(document, body, style)
    para(document, "{%p endfor %}", style)


# ---------------------------------------------------------------- tables

CELL_MARGIN = 45  # twips (0.08 cm) left and right of a cell's text


class Cell:
    """A cell of a form row: text (or paragraph loops), its span, and whether it carries the
    merge marker (【合并】: budgetdoc merges equal cells of the column vertically)."""

    def __init__(self, content="", span: int = 1, merge: bool = False, style: str = "表格文字"):
        self.content, self.span, self.merge, self.style = content, span, merge, style


class Row:
    """A form row with its pagination: ``header`` repeats on every page the table continues
    on (only for the first rows of a table) and keeps with the next row."""

    def __init__(self, cells: list[Cell], header: bool = False, keep: bool = False):
        self.cells, self.header, self.keep = cells, header, keep or header


def form_table(document, widths_cm: list[float], rows: list):
    """A bordered table with a fixed grid; a row given as a string is a docxtpl row tag.

    The grid keeps only the column edges some cell of this table uses: an office program
    saving the file drops the others (and renumbers every span), so a template saved in
    LibreOffice or Word keeps exactly this grid."""
    rows = [Row([Cell(r, span=len(widths_cm))]) if isinstance(r, str) else Row(r) if isinstance(r, list) else r
            for r in rows]
    widths_cm, rows = _minimal_grid(widths_cm, rows)
    twips = [round(w * TWIPS_PER_CM) for w in widths_cm]
    tbl = el("w:tbl")
    borders = el("w:tblBorders", children=[
        el(f"w:{side}", {"w:val": "single", "w:sz": 4, "w:space": 0, "w:color": "000000"})
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    ])
    tbl.append(el("w:tblPr", children=[
        el("w:tblW", {"w:w": sum(twips), "w:type": "dxa"}),
        el("w:jc", {"w:val": "center"}),
        borders,
        el("w:tblLayout", {"w:type": "fixed"}),
        el("w:tblCellMar", children=[
            el("w:left", {"w:w": CELL_MARGIN, "w:type": "dxa"}), el("w:right", {"w:w": CELL_MARGIN, "w:type": "dxa"}),
        ]),
        el("w:tblLook", {"w:val": "04A0"}),
    ]))
    tbl.append(el("w:tblGrid", children=[el("w:gridCol", {"w:w": w}) for w in twips]))
    for row in rows:
        tbl.append(_row(document, row, twips))
    document.element.body.append(tbl)
    # keep the table before the section properties
    sect = document.element.body.find(qn("w:sectPr"))
    document.element.body.remove(sect)
    document.element.body.append(sect)
    return tbl


def _minimal_grid(widths: list[float], rows: list[Row]) -> tuple[list[float], list[Row]]:
    edges = {0, len(widths)}
    for row in rows:
        column = 0
        for cell in row.cells:
            column += cell.span
            edges.add(column)
    edges = sorted(edges)
    grid = [round(sum(widths[a:b]), 4) for a, b in zip(edges, edges[1:])]
    for row in rows:
        column = 0
        for cell in row.cells:
            start, column = column, column + cell.span
            cell.span = edges.index(column) - edges.index(start)
    return grid, rows


def _row(document, row: Row, twips: list[int]):
    cells = row.cells
    assert sum(c.span for c in cells) == len(twips), [c.content for c in cells]
    # rows stay whole on a page, except rows of long texts (goals), which may be longer than a
    # page; header rows repeat where the table continues
    long_text = any(isinstance(c.content, list) for c in cells)
    tr_pr = el("w:trPr", children=[] if long_text else [el("w:cantSplit")])
    if row.header:
        tr_pr.append(el("w:tblHeader"))
    tr = el("w:tr", children=[tr_pr])
    column = 0
    for cell in cells:
        width = sum(twips[column: column + cell.span])
        column += cell.span
        tcpr = el("w:tcPr", children=[el("w:tcW", {"w:w": width, "w:type": "dxa"})])
        if cell.span > 1:
            tcpr.append(el("w:gridSpan", {"w:val": cell.span}))
        tcpr.append(el("w:vAlign", {"w:val": "center"}))
        tc = el("w:tc", children=[tcpr])
        contents = list(cell.content) if isinstance(cell.content, list) else [cell.content]
        if cell.merge:
            contents[-1] += MERGE_MARKER
        for text in contents:
            tc.append(_cell_paragraph(document, text, cell.style, row.keep))
        tr.append(tc)
    return tr


def _cell_paragraph(document, text: str, style: str, keep_next: bool = False):
    ppr = el("w:pPr", children=[el("w:pStyle", {"w:val": document.styles[style].style_id})])
    if keep_next:
        ppr.append(el("w:keepNext"))
    p = el("w:p", children=[ppr])
    if text:
        r = el("w:r")
        t = el("w:t", {"xml:space": "preserve"})
        t.text = text
        r.append(t)
        p.append(r)
    return p


def cell_loop(items: str) -> list[str]:
    return [f"{{%p for t in {items} %}}", "{{ t }}", "{%p endfor %}"]


def table_gap(document) -> None:
    """The hairline paragraph between a form and its indicator grid: two tables that touch
    would become one, and only a table's first rows can repeat as its header."""
    para(document, "", "表格间隔")
