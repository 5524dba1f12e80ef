"""Import: a 绩效目标申报 or 绩效自评 .docx back into source files (docs/sources.md), read by the
labels the shipped form's definition declares (builder.cycle.labelread) — the same path as a
bureau's form imported with ``--form``.

``budgetdoc import FILE.docx --out sources/<folder>`` reads a document laid out
like the official forms — one built by budgetdoc, or one typed by hand in Word
with the same tables — and writes ``document.yaml`` and one ``NN-<项目名称>.yaml``
per project. Labels are matched after removing whitespace and unifying
full-/half-width punctuation, so "项目\\n名称" and "项目资金(元)" are recognised;
vertically merged 一级/二级 cells (and cells simply left blank below a label)
are resolved from above. Whatever cannot be placed is listed in
``ImportReport.unplaced``; what was placed but needs a look (inferred values,
figures the builder recomputes) in ``ImportReport.notes``.

Round trip: build → import → build gives the same document text.
"""

from __future__ import annotations


from pathlib import Path

from builder.model import core as m
from builder.cycle.importread import ImportProblem, ImportReport, Para, Table, label_key, read_blocks
from builder.cycle.importout import check_out_dir, project_stem, verify_import


__all__ = ["ImportProblem", "ImportReport", "check_out_dir", "import_docx", "project_stem", "verify_import"]


def recognised(form) -> tuple[str, ...]:
    """The labels whose presence in a table identifies the form (``导入.认出``)."""
    return tuple(form.import_spec.get("认出", ()))


def detect_kind(blocks: list[Para | Table]) -> str:
    """The shipped form a hand-typed .docx is in: the one whose ``导入.认出`` labels its tables hold."""
    from builder.forms.formdef import shipped_form

    paragraph_keys = [label_key(line) for b in blocks if isinstance(b, Para) for line in b.lines]
    cell_keys = {c.key for b in blocks if isinstance(b, Table) for row in b.rows for c in row}
    forms = tuple(shipped_form(kind) for kind in reversed(m.DOCUMENT_KINDS))  # the rarer forms' labels first
    for form in forms:
        if set(recognised(form)) & cell_keys:
            return form.kind
    titled = any(form.name[-5:] in k for form in forms for k in paragraph_keys)
    if titled:  # the title of a form, but not the shipped form's tables: a bureau's own form
        known = "”“".join(label for form in forms for label in recognised(form))
        raise ImportProblem("这份文件不是 budgetdoc 认得的表单：标题像申报表或自评表，表格却不是标准表单的"
                            f"（没有“{known}”等栏）；本局表单请加 --form 指明表单定义和模板")
    names = "，也不是".join(f"{form.kind}表（{form.name}）" for form in reversed(forms))
    raise ImportProblem(f"无法识别文档类型：既不是{names}")


def import_docx(docx: Path, out_dir: Path, markdown: bool = False) -> ImportReport:
    """Read ``docx`` and write its sources into ``out_dir`` (a new or empty folder); with ``markdown``
    the narratives go to a ``NN-项目.md`` file beside each project's YAML."""
    from builder.cycle.formimport import import_with_form
    from builder.forms.formdef import shipped_form

    from builder.render.template import TEMPLATE_DIR

    docx = Path(docx)
    form = shipped_form(detect_kind(read_blocks(docx)))
    # 导入.按模板: a copy built with the shipped template is read back by aligning that template
    template = TEMPLATE_DIR / f"{form.kind}.docx" if form.import_spec.get("按模板") else None
    return import_with_form(docx, Path(out_dir), form, template, None, None, markdown=markdown)
