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
from builder.cycle.templateform import derived_layout
from builder.cycle.templatelook import (
    CELL_STYLE, CELLS, DEFAULT_CELL_STYLE, DEFAULT_STYLE, GAP, GRID, HEADER, KEEP, LOOP, MERGE, PAGE_BREAK,
    PARAGRAPH, ROWS, SPAN, STYLE, TABLE, TEXT, Cell, Row, cell_loop, form_table, loop, make_styles, para,
    setup_page, table_gap,
)


# ---------------------------------------------------------------- a layout (版式) made into a document



def new_template_document():
    """An empty A4 document with the official-document styles and the N / M footer."""
    document = docx.Document()
    make_styles(document)
    setup_page(document)
    body = document.element.body
    for p in list(body.findall(qn("w:p"))):
        body.remove(p)
    return document


def _cell(spec, default_style: str) -> Cell:
    content = cell_loop(spec[LOOP]) if LOOP in spec else str(spec.get(TEXT, "") or "")
    return Cell(content, int(spec.get(SPAN, 1)), merge=bool(spec.get(MERGE)), style=spec.get(STYLE, default_style))


def _table_rows(table) -> list:
    style = table.get(CELL_STYLE, DEFAULT_CELL_STYLE)
    rows: list = []
    for row in table[ROWS]:
        if isinstance(row, str):
            rows.append(row)  # a docxtpl row tag across the table
        elif isinstance(row, (list, tuple)):
            rows.append([_cell(c, style) for c in row])
        else:
            rows.append(Row([_cell(c, style) for c in row[CELLS]], header=bool(row.get(HEADER)),
                            keep=bool(row.get(KEEP))))
    return rows


def write_layout(document, layout) -> None:
    """Append the items of a 版式 (the shipped forms' own, or one derived from a form) to ``document``."""
    for item in layout:
        if PARAGRAPH in item:
            para(document, str(item[PARAGRAPH] or ""), item.get(STYLE, DEFAULT_STYLE), bool(item.get(PAGE_BREAK)))
        elif LOOP in item:
            loop(document, item[LOOP], "{{ t }}", item.get(STYLE, DEFAULT_STYLE))
        elif TABLE in item:
            form_table(document, [float(w) for w in item[TABLE][GRID]], _table_rows(item[TABLE]))
        elif item.get(GAP):
            table_gap(document)


def layout_document(layout):
    document = new_template_document()
    write_layout(document, layout)
    return document


def _form_layout(form) -> list:
    """The form's own 版式, or one derived from its fields (builder.cycle.templateform)."""
    return list(form.layout) if form.layout else derived_layout(form)


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
    """The shipped templates, written into ``folder`` (byte for byte the same every time): each from
    the 版式 of its shipped form (builder/forms/<文档类型>.yaml)."""
    from builder.forms.formdef import shipped_form
    from builder.model import core as m

    written = []
    for kind in m.DOCUMENT_KINDS:
        path = folder / f"{kind}.docx"
        save(layout_document(shipped_form(kind).layout), path, again=True)
        written.append(path)
    return written


# ---------------------------------------------------------------- starters (budgetdoc template new)

LISTING_NOTE = ("本页列出模板可用的名称，供复制；生成文档时本页不出现（它前后两个只有标签的段落"
                "把它排除在外），不需要时可连同这两个段落整页删除。在单元格或段落中写两对花括号括起的名称即可取值，"
                "例如项目名称写作 ｛｛ 项目.项目名称 ｝｝（用半角花括号）。")


def _listing_rows(kind: str, form=None) -> list[tuple[str, str, str, str]]:
    from builder.model import core as m
    from builder.render.chinese import catalog, rows

    from builder.render.chinese import evaluation_catalog
    from builder.render.context import ENGLISH_NAMES

    if kind in (m.TARGET_KIND, m.EVALUATION_KIND):
        chinese = rows(catalog(form)) if kind == m.TARGET_KIND else rows(evaluation_catalog(form))
    else:  # a later kind's shipped form: its names only (no English ones)
        from builder.forms.formdef import shipped_form
        from builder.render.catalog import form_catalog

        chinese = rows(form_catalog(form or shipped_form(kind)))
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
    if not english:
        return chinese
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


def make_form_template(path: Path, form) -> None:
    """A starter for a form: its 版式 when it has one, else laid out as its fields are declared
    (builder.cycle.templateform), then the page of names."""
    document = layout_document(_form_layout(form))
    add_listing_page(document, form.kind, form)
    save(document, path)


def make_starter(path: Path, kind: str | None = None, form=None) -> None:
    """``budgetdoc template new``: the shipped template of ``kind`` with the page of names, or a
    starter for ``form``."""
    from builder.forms.formdef import shipped_form
    from builder.model import core as m

    kind = kind or m.TARGET_KIND
    if form is not None:
        from builder.render.templatenames import engine_form

        make_form_template(path, engine_form(kind, form) or form)
        return
    document = layout_document(shipped_form(kind).layout)
    add_listing_page(document, kind)
    save(document, path)
