"""Generate the Word templates in this folder: ``python templates/make_templates.py``.

The templates are ordinary .docx files with docxtpl tags; a unit may open them
in Word and restyle them (fonts, sizes, widths, wording), and budgetdoc will
use the changed file. This script is how the shipped ones are made, so they can
be rebuilt from scratch; it writes reproducible bytes.

Layout follows GB/T 9704-2012 habits (see docs/layout.md): A4, title in
方正小标宋简体 二号, body 仿宋_GB2312 三号 with 28 pt lines and a two-character
indent, headings 黑体 三号, tables 宋体 五号 with every cell bordered.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from builder.assemble import normalize_package  # noqa: E402
from builder.oxml import TWIPS_PER_CM, el, field_runs, replace_child, set_fonts  # noqa: E402
from builder.render.merge import MERGE_MARKER  # noqa: E402

HERE = Path(__file__).resolve().parent

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


# ---------------------------------------------------------------- 绩效目标申报

# Grid of the 申报 form, 16.5 cm (a little wider than the 15.6 cm text width, centred):
# 0 left label | 1 一级 | 2 二级 | 3–5 三级 | 6–7 指标值; the header rows reuse it.
# At 五号 (10.5 pt = 0.37 cm a character) with 0.08 cm cell margins, every label of up to six
# characters (计划开始日期, 经济成本指标) fits on one line: 6 × 0.37 + 0.16 = 2.38 cm;
# 年度资金申请总额 (columns 5–6) breaks after six characters, 其他经常性项目 fits column 4 and a
# unit name of 13 characters columns 5–7.
TARGET_GRID = [2.4, 2.05, 2.4, 1.7, 2.9, 1.7, 0.85, 2.5]


def target_form_rows() -> list:
    C = Cell
    body = "表格正文"
    return [
        [C("项目名称"), C("{{ p.name }}", 2), C("项目性质"), C("{{ p.nature }}"), C("项目类别"), C("{{ p.category }}", 2)],
        [C("主管部门"), C("{{ p.authority }}", 3), C("实施单位"), C("{{ p.implementer }}", 3)],
        [C("计划开始日期"), C("{{ p.start }}", 3), C("计划完成日期"), C("{{ p.end }}", 3)],
        # 项目资金（元）: left column the whole project, right column this year
        [C("项目资金（元）", merge=True), C("项目资金总额", 2), C("{{ p.funds.total }}", 2),
         C("年度资金申请总额", 2), C("{{ p.funds.annual }}")],
        [C("项目资金（元）", merge=True), C("其中：财政资金", 2, merge=True), C("{{ p.funds.fiscal }}", 2, merge=True),
         C("其中：当年财政拨款", 2), C("{{ p.funds.appropriation }}")],
        [C("项目资金（元）", merge=True), C("其中：财政资金", 2, merge=True), C("{{ p.funds.fiscal }}", 2, merge=True),
         C("上年结转资金", 2), C("{{ p.funds.carryover }}")],
        [C("项目资金（元）", merge=True), C("其他资金", 2), C("{{ p.funds.total_other }}", 2),
         C("其他资金", 2), C("{{ p.funds.annual_other }}")],
        # 项目绩效目标: the 年度总体目标 column exists only when the source gives one;
        # otherwise the 项目总目标 text spans both columns, as the official form does.
        Row([C("项目绩效目标", merge=True),
             C("项目总目标{% if p.multi_year %}（{{ p.start_year }} 年 -{{ p.end_year }} 年）{% endif %}", 4),
             C("年度总体目标", 3)], keep=True),
        "{%tr if p.annual_goal %}",
        [C("项目绩效目标", merge=True), C(cell_loop("p.total_goal"), 4, style=body),
         C(cell_loop("p.annual_goal"), 3, style=body)],
        "{%tr else %}",
        [C("项目绩效目标", merge=True), C(cell_loop("p.total_goal"), 7, style=body)],
        "{%tr endif %}",
    ]


def target_grid_rows() -> list:
    """The 绩效指标 grid, a table of its own so that its header row repeats on every page."""
    C = Cell
    return [
        Row([C("绩效指标", merge=True), C("一级指标"), C("二级指标"), C("三级指标", 3), C("年度(/项目)指标值", 2)],
            header=True),
        "{%tr for r in p.indicator_rows %}",
        # 一级 and 二级 cells carry the merge marker: equal labels merge, 二级 within its 一级
        [C("绩效指标", merge=True), C("{{ r.level1 }}", merge=True), C("{{ r.level2 }}", merge=True),
         C("{{ r.name }}", 3), C("{{ r.value }}", 2)],
        "{%tr endfor %}",
    ]


def new_template_document():
    """An empty A4 document with the official-document styles and the N / M footer."""
    document = docx.Document()
    make_styles(document)
    setup_page(document)
    body = document.element.body
    for p in list(body.findall(qn("w:p"))):
        body.remove(p)
    return document


def make_target_template(path: Path) -> None:
    document = new_template_document()

    para(document, "{{ unit_name }} {{ year }} 年", "Title")
    para(document, "财政支出项目绩效目标申报表", "Title")
    para(document, "")
    para(document, "绩效目标设置情况", "Heading 1")
    para(document, "按照本市预算绩效管理工作的总体要求，本部门 {{ budget_units }} 个预算单位开展了{{ year }}年"
                   "项目预算绩效目标编报工作，编报绩效目标的项目{{ project_count }}个，涉及项目预算资金 "
                   "{{ total_wan }} 万元。")
    para(document, "{%p for p in projects %}")
    para(document, "项目经费情况说明 {{ p.number }}", "Heading 1", page_break_before=True)
    sections = [
        ("一、项目概述", "p.overview"), ("二、立项依据", "p.basis"), ("三、实施主体", "p.implementer_text"),
        ("四、实施方案", "p.plan"), ("五、实施周期", "p.period"),
    ]
    for heading, items in sections:
        para(document, heading, "Heading 2")
        loop(document, items, "{{ t }}")
    para(document, "六、年度预算安排", "Heading 2")
    loop(document, "p.budget_lead", "{{ t }}")
    # a structured 年度预算安排 prints its items as numbered lines
    para(document, "{%p for i in p.budget_items %}")
    para(document, "（{{ i.number }}）{{ i.name }} {{ i.amount_wan }} 万元。{{ i.note }}")
    para(document, "{%p endfor %}")
    para(document, "七、绩效目标", "Heading 2")
    loop(document, "p.goal_reference", "{{ t }}")
    para(document, "财政项目支出绩效目标申报表 {{ p.number }}", "Heading 1", page_break_before=True)
    para(document, "（{{ year }} 年度）", "Subtitle")
    form_table(document, TARGET_GRID, target_form_rows())
    table_gap(document)
    form_table(document, TARGET_GRID, target_grid_rows())
    para(document, "{%p endfor %}")
    save(document, path)


# ---------------------------------------------------------------- 绩效自评

# Grid of the 自评 form (16.5 cm, centred): the union of the column edges of the money
# block (label | row | 年初 | 全年预算 | 全年执行 | 分值 | 执行率 | 得分) and of the
# indicator grid (label | 一级 | 二级 | 三级 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差).
# At 小五 (9 pt = 0.32 cm a character) labels of up to six characters (年度总体目标,
# 经济成本指标) fit on one line: 6 × 0.32 + 0.16 = 2.07 cm; amounts fit columns 3, 4–5, 6–7,
# and the 总分 100.00 column 9.
EVALUATION_GRID = [2.1, 1.75, 2.1, 1.85, 1.0, 1.35, 0.4, 1.75, 0.9, 1.2, 0.4, 1.7]


def evaluation_form_rows() -> list:
    C = Cell
    body = "表格正文小"
    t = "表格文字小"

    def money(row: str) -> list:
        return [C(f"{{{{ p.funds.{row}.initial }}}}", style=t), C(f"{{{{ p.funds.{row}.budget }}}}", 2, style=t),
                C(f"{{{{ p.funds.{row}.spent }}}}", 2, style=t)]

    label = "项目资金（元）"
    return [
        [C("项目名称", style=t), C("{{ p.name }}{% if p.is_part %}(二级构成){% endif %}", 11, style=t)],
        [C("主管部门", style=t), C("{{ p.authority }}", 4, style=t), C("实施单位", 2, style=t),
         C("{{ p.implementer }}", 5, style=t)],
        Row([C(label, merge=True, style=t), C("", 2, style=t), C("年初预算数", style=t),
             C("全年预算数", 2, style=t), C("全年执行数", 2, style=t), C("分值", style=t), C("执行率", 2, style=t),
             C("得分", style=t)], keep=True),
        [C(label, merge=True, style=t), C("年度资金总额", 2, style=t), *money("total"),
         C("{{ p.execution.weight }}", style=t), C("{{ p.execution.rate }}", 2, style=t),
         C("{{ p.execution.score }}", style=t)],
        *[
            [C(label, merge=True, style=t), C(name, 2, style=t), *money(row), C("—", style=t),
             C("", 2, style=t), C("", style=t)]
            for name, row in (("其中：当年财政拨款", "appropriation"), ("上年结转资金", "carryover"),
                              ("其他资金", "other"))
        ],
        Row([C("年度总体目标", merge=True, style=t), C("预期目标", 6, style=t), C("实际完成情况", 5, style=t)],
            keep=True),
        [C("年度总体目标", merge=True, style=t), C(cell_loop("p.expected"), 6, style=body),
         C(cell_loop("p.achieved"), 5, style=body)],
    ]


def evaluation_grid_rows() -> list:
    """The 绩效指标 grid and 总分, a table of its own so that its header row repeats."""
    C = Cell
    body = "表格正文小"
    t = "表格文字小"
    return [
        Row([C("绩效指标", merge=True, style=t), C("一级指标", style=t), C("二级指标", style=t),
             C("三级指标", 2, style=t), C("年度指标值", 2, style=t), C("实际完成值", style=t), C("分值", style=t),
             C("得分", style=t), C("偏差原因分析及改进措施", 2, style=t)], header=True),
        "{%tr for r in p.indicator_rows %}",
        [C("绩效指标", merge=True, style=t), C("{{ r.level1 }}", merge=True, style=t),
         C("{{ r.level2 }}", merge=True, style=t), C("{{ r.name }}", 2, style=t),
         C("{{ r.target }}", 2, style=t), C("{{ r.actual }}", style=t), C("{{ r.weight }}", style=t),
         C("{{ r.score }}", style=t), C("{{ r.deviation }}", 2, style=body)],
        "{%tr endfor %}",
        # 总分: Σ 分值 (budget execution included) and 总分; {{ p.grade }} (优/良/中/差)
        # is available to a unit whose form prints the grade.
        [C("总分", 8, style=t), C("{{ p.total_weight }}", style=t), C("{{ p.total_score }}", style=t),
         C("", 2, style=t)],
    ]


def make_evaluation_template(path: Path) -> None:
    document = new_template_document()
    para(document, "{%p for p in projects %}")
    para(document, "财政项目支出绩效自评表", "Heading 1", page_break_before=True)
    para(document, "（{{ year }} 年度）", "Subtitle")
    form_table(document, EVALUATION_GRID, evaluation_form_rows())
    table_gap(document)
    form_table(document, EVALUATION_GRID, evaluation_grid_rows())
    para(document, "{%p endfor %}")
    save(document, path)


def save(document, path: Path) -> None:
    buffer = io.BytesIO()
    document.core_properties.author = "budgetdoc"
    document.core_properties.title = path.stem
    document.save(buffer)
    path.write_bytes(normalize_package(buffer.getvalue(), "2025-01-01T00:00:00Z"))


def main() -> None:
    make_target_template(HERE / "绩效目标申报.docx")
    make_evaluation_template(HERE / "绩效自评.docx")
    print("templates written:", ", ".join(p.name for p in sorted(HERE.glob("*.docx"))))


if __name__ == "__main__":
    main()
