"""How the Word templates are made: the shipped ones (``python templates/make_templates.py``)
and the starters of ``budgetdoc template new``.

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
from pathlib import Path
import docx
from docx.oxml.ns import qn

from builder.output.assemble import normalize_package
from builder.cycle.templatelook import (
    Cell, Row, cell_loop, form_table, loop, make_styles, para, setup_page, table_gap,
)


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


def make_target_template(path: Path, again: bool = False) -> None:
    save(_target_document(), path, again)


def _target_document():
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
    return document


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


def make_evaluation_template(path: Path, again: bool = False) -> None:
    save(_evaluation_document(), path, again)


def _evaluation_document():
    document = new_template_document()
    para(document, "{%p for p in projects %}")
    para(document, "财政项目支出绩效自评表", "Heading 1", page_break_before=True)
    para(document, "（{{ year }} 年度）", "Subtitle")
    form_table(document, EVALUATION_GRID, evaluation_form_rows())
    table_gap(document)
    form_table(document, EVALUATION_GRID, evaluation_grid_rows())
    para(document, "{%p endfor %}")
    return document


def save(document, path: Path, again: bool = False) -> None:
    buffer = io.BytesIO()
    document.core_properties.author = "budgetdoc"
    document.core_properties.title = path.stem
    document.save(buffer)
    from builder.output.atomic import write_atomic, write_new

    data = normalize_package(buffer.getvalue(), "2025-01-01T00:00:00Z")
    # the shipped templates are made again over themselves; a starter never replaces a file
    write_atomic(path, data) if again else write_new(path, data)


def make_shipped_templates(folder: Path) -> list[Path]:
    """The shipped templates, written into ``folder`` (byte for byte the same every time)."""
    make_target_template(folder / "绩效目标申报.docx", again=True)
    make_evaluation_template(folder / "绩效自评.docx", again=True)
    return [folder / "绩效目标申报.docx", folder / "绩效自评.docx"]


# ---------------------------------------------------------------- starters (budgetdoc template new)

STARTER_WIDTH = 16.5  # cm, as the shipped forms
LISTING_NOTE = ("本页列出模板可用的名称，供复制；生成文档时本页不出现（它前后两个只有标签的段落"
                "把它排除在外），不需要时可连同这两个段落整页删除。在单元格或段落中写两对花括号括起的名称即可取值，"
                "例如项目名称写作 ｛｛ 项目.项目名称 ｝｝（用半角花括号）。")


def _listing_rows(kind: str, form=None) -> list[tuple[str, str, str, str]]:
    from builder.model import core as m
    from builder.render.chinese import catalog, rows

    from builder.render.chinese import evaluation_catalog
    from builder.render.context import ENGLISH_NAMES

    chinese = rows(catalog(form)) if kind == m.TARGET_KIND else rows(evaluation_catalog(form))
    english = []

    def walk(tree, prefix):
        for key, value in tree.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(value, path)
            elif isinstance(value, list) and isinstance(value[0], dict):
                var = {"projects": "p", "indicator_rows": "r", "budget_items": "i"}.get(key, "x")
                tag = "p" if key == "projects" else "tr"
                english.append((path, f"列表：每项是一个“{var}”", "列表", f"{{%{tag} for {var} in {path} %}}"))
                walk(value[0], var)
            elif isinstance(value, list):
                english.append((path, value[0], "段落列表", ""))
            else:
                english.append((path, value, "文字", ""))

    walk(ENGLISH_NAMES[kind], "")
    return chinese + [("（以下为标准模板所用的英文名称，与上面的中文名称等价）", "", "", "")] + english


def add_listing_page(document, kind: str, form=None) -> None:
    """A last page listing every name a template of ``kind`` (and ``form``) can use; it sits in a
    block that is never rendered, so it is help in Word and nothing in the built document."""
    para(document, "{%p if false %}")
    para(document, "可用的名称", "Heading 1", page_break_before=True)
    para(document, LISTING_NOTE)
    C = Cell
    rows: list = [Row([C("名称"), C("含义"), C("类型"), C("例")], header=True)]
    for name, label, kind_, example in _listing_rows(kind, form):
        # braces are written full-width: a listed name is never a tag
        example = example.replace("{%", "｛%").replace("%}", "%｝")
        rows.append([C(name), C(label), C(kind_), C(example)])
    form_table(document, [5.0, 5.5, 2.0, 4.0], rows)
    para(document, "{%p endif %}")


def _spans(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _form_rows(form) -> list:
    """The form table of a bureau's form: the fields the form keeps, two short fields a row, texts
    and tables across; money in 万元."""
    C = Cell
    body = "表格正文"
    unused = set(form.unused)
    rows: list = [[C("项目名称"), C("{{ 项目.项目名称 }}", 9)]]
    short: list[tuple[str, str]] = []
    for key in ("项目性质", "项目类别"):
        if key not in unused:
            short.append((key, f"{{{{ 项目.{key} }}}}"))
    short += [("主管部门", "{{ 项目.主管部门 }}"), ("实施单位", "{{ 项目.实施单位 }}")]
    texts: list[tuple[str, str]] = []
    tables = []
    for spec in form.level("项目"):
        value = f"项目.{spec.name}"
        if spec.kind == "选项":
            short.append((spec.label, f"{{{{ {value}.选框 }}}}"))
        elif spec.kind in ("日期", "金额"):
            short.append((spec.label, f"{{{{ {value}.{'中文' if spec.kind == '日期' else '万元'} }}}}"))
        elif spec.kind == "段落":
            texts.append((spec.label, value))
        elif spec.kind == "表格":
            tables.append(spec)
        else:
            short.append((spec.label, f"{{{{ {value} }}}}"))
    for i in range(0, len(short), 2):
        pair = short[i:i + 2]
        if len(pair) == 2:
            rows.append([C(pair[0][0], 2), C(pair[0][1], 3), C(pair[1][0], 2), C(pair[1][1], 3)])
        else:
            rows.append([C(pair[0][0], 2), C(pair[0][1], 8)])
    rows.append([C("项目起止时间", 2), C("{{ 项目.计划开始日期.中文 }} 至 {{ 项目.计划完成日期.中文 }}", 8)])
    money = [("资金总额", "合计"), ("当年财政拨款", "当年财政拨款"), ("上年结转资金", "上年结转资金"),
             ("其他资金", "其他资金")] + [(s.label, s.name) for s in form.level("项目资金")]
    for i in range(0, len(money), 2):
        pair = money[i:i + 2]
        cells = [C("项目资金申请（万元）", 2, merge=True)]
        spans = [2, 2, 2, 2] if len(pair) == 2 else [2, 6]
        for (label, key), (a, b) in zip(pair, zip(spans[::2], spans[1::2])):
            cells += [C(label, a), C(f"{{{{ 项目.项目资金.年度资金申请总额.{key}.万元 }}}}", b)]
        rows.append(cells)
    if "项目资金.项目资金总额" not in unused:
        rows.append([C("项目资金总额（万元）", 2), C("{{ 项目.项目资金.项目资金总额.合计.万元 }}", 8)])
    for spec in form.level("文档"):
        if spec.kind == "段落":
            texts.insert(0, (spec.label, spec.name))
    narrative = ("项目概述", "立项依据", "实施主体", "实施方案", "实施周期", "年度预算安排", "绩效目标")
    if "情况说明" not in unused:
        for key in narrative:
            if f"情况说明.{key}" not in unused:
                texts.append((key, f"项目.情况说明.{key}"))
    for spec in form.level("情况说明"):
        texts.append((spec.label, f"项目.情况说明.{spec.name}"))
    for label, items in texts:
        rows.append([C(label, 2), C(cell_loop(items), 8, style=body)])
    for spec in tables:
        spans = _spans(8, len(spec.columns))
        rows.append(Row([C(spec.label, 2, merge=True)] + [C(c, s) for c, s in zip(spec.columns, spans)], keep=True))
        rows.append(f"{{%tr for 行 in 项目.{spec.name} %}}")
        cells = [C(spec.label, 2, merge=True)]
        for n, (column, span) in enumerate(zip(spec.columns, spans)):
            number = "{{ 行.序号 }}、" if n == 0 else ""
            cells.append(C(f"{number}{{{{ 行.{column} }}}}", span))
        rows.append(cells)
        rows.append("{%tr endfor %}")
    if "项目总目标" not in unused:
        rows.append(Row([C("项目绩效目标", 2, merge=True), C("项目总目标", 4), C("年度总体目标", 4)], keep=True))
        rows.append([C("项目绩效目标", 2, merge=True), C(cell_loop("项目.项目总目标"), 4, style=body),
                     C(cell_loop("项目.年度总体目标"), 4, style=body)])
    return rows


def _grid_rows(form, group: str) -> tuple[list[float], list]:
    C = Cell
    extras = [spec for spec in form.level("指标")]
    rest = STARTER_WIDTH - 1.6 - 2.0 - 2.2
    unit = rest / (3 + len(extras) + 1)
    widths = [1.6, 2.0, 2.2, 2 * unit, unit] + [unit] * len(extras)
    widths[3] += unit  # 三级指标: three units
    header = [C(group, merge=True), C("一级指标"), C("二级指标"), C("指标内容"), C("指标值")]
    header += [C(spec.label) for spec in extras]
    row = [C(group, merge=True), C("{{ 指标.一级指标 }}", merge=True), C("{{ 指标.二级指标 }}", merge=True),
           C("{{ 指标.三级指标 }}"), C("{{ 指标.指标值.原文 }}")]
    row += [C(f"{{{{ 指标.{spec.name} }}}}" if spec.kind != "段落" else cell_loop(f"指标.{spec.name}"))
            for spec in extras]
    return widths, [Row(header, header=True), f"{{%tr for 指标 in 项目.{group} %}}", row, "{%tr endfor %}"]


def make_form_template(path: Path, form) -> None:
    """A starter for a bureau's own form: one form per project, every field the form declares in a
    labelled cell, each indicator set a grid with its merges, and the page of names."""
    from builder.model import core as m

    document = new_template_document()
    para(document, "{%p for 项目 in 项目列表 %}")
    para(document, form.name or "财政支出项目绩效目标申报表", "Heading 1", page_break_before=True)
    para(document, "（{{ 年度 }}年度）", "Subtitle")
    para(document, "填报单位（盖章）：{{ 单位名称 }}", "表格文字")
    form_table(document, [STARTER_WIDTH / 10] * 10, _form_rows(form))
    for group in form.groups:
        table_gap(document)
        widths, rows = _grid_rows(form, group)
        form_table(document, widths, rows)
    footer = []
    for spec in form.level("文档"):
        if spec.kind == "段落":
            continue
        value = {"日期": ".中文", "金额": ".万元", "选项": ".选框"}.get(spec.kind, "")
        footer.append(f"{spec.label}：{{{{ {spec.name}{value} }}}}")
    if footer:
        para(document, "    ".join(footer), "表格文字")
    para(document, "{%p endfor %}")
    add_listing_page(document, m.TARGET_KIND, form)
    save(document, path)


def make_starter(path: Path, kind: str | None = None, form=None) -> None:
    """``budgetdoc template new``: the shipped template of ``kind`` with the page of names, or a
    starter for ``form``."""
    from builder.model import core as m

    if form is not None:
        make_form_template(path, form)
        return
    kind = kind or m.TARGET_KIND
    document = _target_document() if kind == m.TARGET_KIND else _evaluation_document()
    add_listing_page(document, kind)
    save(document, path)
