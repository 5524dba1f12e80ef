"""Import: a 绩效目标申报 or 绩效自评 .docx back into source files (docs/sources.md).

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

from decimal import Decimal
from pathlib import Path

from builder.forms.formdef import shipped_form
from builder.model import core as m
from builder.cycle.writer import dump, flow, indicator_tree, money, score, text_block
from builder.cycle.importread import (
    EvaluationProject, ImportProblem, ImportReport, Para, ParsedDocument, Table, label_key,
    read_blocks, tracked_changes,
)
from builder.cycle.importlabels import evaluation_form_labels, recognised, target_form_labels
from builder.cycle.importeval import EVALUATION_ROWS, EvaluationReader, link_parts
from builder.cycle.importout import check_out_dir, narratives_to_markdown, project_stem, verify_import


__all__ = ["ImportProblem", "ImportReport", "check_out_dir", "import_docx", "project_stem", "verify_import"]


def _evaluation_yaml(p: EvaluationProject):
    """A 自评 project's source, in the shipped form's order and keys."""
    from ruamel.yaml.comments import CommentedMap as Map

    labels = evaluation_form_labels()
    data = Map()
    if labels.name in p.fields:
        data[labels.name] = p.fields[labels.name]
    data[labels.part] = p.is_part
    for label in labels.fields:
        if label != labels.name and label in p.fields:
            data[label] = p.fields[label]
    parts = next((s.key for s in labels.form.project_fields if "组成" in s.roles), "")
    if p.parts:
        data[parts] = flow(list(p.parts))
    else:
        funds = Map()
        for label in EVALUATION_ROWS:
            row = p.funds.get(label, [None, None, None])
            funds[label] = flow([money(v) for v in row])
        data[labels.money.key] = funds
    if p.execution_weight is not None:
        data[labels.weight] = score(p.execution_weight)
    if p.expected:
        data[labels.expected] = text_block(p.expected)
    if p.achieved:
        data[labels.achieved] = text_block(p.achieved)

    def leaf(payload: dict):
        value = Map()
        for key in (labels.target, labels.actual, labels.score_weight, labels.score, labels.deviation):
            if key in payload:
                item = payload[key]
                value[key] = score(item) if isinstance(item, Decimal) else item
        return value

    data[labels.indicators] = indicator_tree(p.indicators, leaf)
    return data


def _document_yaml(doc: ParsedDocument, stems: list[str]):
    from ruamel.yaml.comments import CommentedMap as Map

    data = Map()
    data["文档类型"] = doc.kind
    if doc.year is not None:
        data["年度"] = doc.year
    if doc.unit:
        data["单位名称"] = doc.unit
    form = (target_form_labels() if doc.kind == m.TARGET_KIND else evaluation_form_labels()).form
    for spec in form.document_fields:  # a field read (导入.概述) or its default; computed ones are not sources
        if not spec.compute and (spec.key in doc.values or spec.has_default):
            data[spec.key] = doc.values.get(spec.key, spec.default)
    data["项目顺序"] = list(stems)
    return data


# ---------------------------------------------------------------- import

def detect_kind(blocks: list[Para | Table]) -> str:
    """The shipped form a hand-typed .docx is in: the one whose ``导入.认出`` labels its tables hold."""
    paragraph_keys = [label_key(line) for b in blocks if isinstance(b, Para) for line in b.lines]
    cell_keys = {c.key for b in blocks if isinstance(b, Table) for row in b.rows for c in row}
    # a 运行监控's and a 自评's labels first: they are rarer
    forms = (shipped_form(m.MONITOR_KIND), evaluation_form_labels().form, target_form_labels().form)
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


def parse_docx(docx: Path) -> ParsedDocument:
    """Read a 自评 .docx into the parsed document (nothing written); a 申报 is read by its form's labels
    (builder.cycle.labelread, see import_docx)."""
    blocks = read_blocks(Path(docx))
    kind = detect_kind(blocks)
    if kind == m.TARGET_KIND:
        raise ImportProblem("绩效目标申报按表单的标签读取（builder.cycle.labelread），不经 parse_docx")
    return EvaluationReader(blocks).read()


def import_docx(docx: Path, out_dir: Path, markdown: bool = False) -> ImportReport:
    """Read ``docx`` and write its sources into ``out_dir`` (a new or empty folder); with ``markdown``
    the narratives go to a ``NN-项目.md`` file beside each project's YAML."""
    docx, out_dir = Path(docx), Path(out_dir)
    kind = detect_kind(read_blocks(docx))
    if kind == m.TARGET_KIND:  # read by the shipped form's labels (labelread)
        from builder.cycle.formimport import import_with_form

        return import_with_form(docx, out_dir, target_form_labels().form, None, None, None, markdown=markdown)
    if kind == m.MONITOR_KIND:  # built with the shipped template: read back by aligning it
        from builder.cycle.formimport import import_with_form
        from builder.render.template import TEMPLATE_DIR

        return import_with_form(docx, out_dir, shipped_form(kind), TEMPLATE_DIR / f"{kind}.docx", None, None,
                                markdown=markdown)
    doc = parse_docx(docx)
    check_out_dir(out_dir)
    count = len(doc.projects)
    stems = [project_stem(i, count, p.fields.get("项目名称", "项目")) for i, p in enumerate(doc.projects, start=1)]
    for project, stem in zip(doc.projects, stems):
        if isinstance(project, EvaluationProject):
            project.stem = stem
    if doc.kind == m.EVALUATION_KIND:
        link_parts(doc)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [out_dir / "document.yaml"]
    dump(_document_yaml(doc, stems), files[0])
    for project, stem in zip(doc.projects, stems):
        path = out_dir / f"{stem}.yaml"
        data = _evaluation_yaml(project)
        sections = narratives_to_markdown(data, doc.kind) if markdown else []
        dump(data, path)
        files.append(path)
        if sections:
            from builder.cycle.mdwrite import sections_markdown
            from builder.output.atomic import write_new

            text = sections_markdown(project.fields.get("项目名称", stem), sections)
            write_new(out_dir / f"{stem}.md", text)
            files.append(out_dir / f"{stem}.md")
    report = ImportReport(files, doc.unplaced, tracked_changes(docx) + doc.notes, doc.kind)
    verify_import(out_dir, report)
    return report
