"""Import of a document built with a bureau's own form: the template says where each value is.

``budgetdoc import FILE.docx --out DIR --form 文档文件夹`` (a document folder whose document.yaml
names the 表单 and the 模板) or ``--form 表单定义.yaml --template 模板.docx``. The template is read
as the importer reads any .docx; every cell or paragraph holding a tag becomes a pattern (its fixed
words, a hole per tag); the built document's tables are matched against the template's, row by
row (a ``{%tr for %}`` row takes the rows the fixed rows after it leave), and each hole's text is
read back into the source key the tag names: ``{{ 项目.项目资金.年度资金申请总额.合计.万元 }}`` into
``项目资金.年度资金申请总额.合计`` (from 万元), ``{{ 项目.项目属性.选框 }}`` into the ticked option.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from builder.cycle.formparts import PRINTED, link_parts
from builder.cycle.formwrite import convert, in_order, joined_dates, project_yaml, set_path
from builder.cycle.importout import check_out_dir, project_stem
from builder.cycle.importread import ImportProblem, ImportReport, Para, Table, read_blocks
from builder.render.merge import MERGE_MARKER

_TAG = re.compile(r"\{\{\s*(.*?)\s*\}\}")
_BLOCK = re.compile(r"^\{%(p|tr)\s+(for|endfor|if|endif|else)\b\s*(.*?)\s*%\}$")
_FOR = re.compile(r"^(\S+)\s+in\s+(\S+)$")


def _pattern(text: str) -> tuple[re.Pattern, list[str]] | None:
    """A regex for a cell or paragraph with tags, and the tag expressions in order."""
    exprs = _TAG.findall(text)
    if not exprs:
        return None
    parts = _TAG.split(text)
    regex = ""
    for i, part in enumerate(parts):
        if i % 2:
            regex += r"(.*?)\s*"
        elif part and not part.strip() and 0 < i < len(parts) - 1:
            regex = regex[:-len(r"\s*")] + r"\s+"  # two tags apart by a space: the space parts them
        else:
            regex += re.escape(part.strip()) + r"\s*"
    return re.compile(r"^\s*" + regex + r"$", re.S), exprs


def _clean(lines: list[str]) -> list[str]:
    return [line.replace(MERGE_MARKER, "") for line in lines]


class Values:
    """Values read back: the document's and each project's, by context expression."""

    def __init__(self):
        self.document: dict[str, object] = {}
        self.projects: list[dict[str, object]] = []
        self.notes: list[str] = []
        self.unplaced: list[str] = []

    def put(self, scope: dict, expr: str, value) -> None:
        scope.setdefault(expr, value)


def _cell_value(template_lines: list[str], built_lines: list[str]) -> list[tuple[str, object]]:
    """(expression, value) for one template cell against the built one."""
    lines = _clean(template_lines)
    loop = next((_BLOCK.match(line.strip()) for line in lines if _BLOCK.match(line.strip())), None)
    if loop and loop.group(2) == "for":
        found = _FOR.match(loop.group(3))
        if found:
            paragraphs = [line for line in built_lines]
            if paragraphs == [""]:
                paragraphs = []
            return [(found.group(2), paragraphs)]
        return []
    pattern = _pattern("\n".join(lines))
    if pattern is None:
        return []
    regex, exprs = pattern
    match = regex.match("\n".join(built_lines))
    if not match:
        return [("?", "\n".join(built_lines))]
    return list(zip(exprs, (g.strip() for g in match.groups())))


def _template_parts(blocks):
    """The template's blocks split into: before the project loop, the project loop's, after."""
    start = end = None
    depth = 0
    for i, block in enumerate(blocks):
        if not isinstance(block, Para) or not block.lines:
            continue
        tag = _BLOCK.match(block.lines[0].strip())
        if not tag or tag.group(1) != "p":
            continue
        if tag.group(2) in ("for", "if"):
            if depth == 0 and tag.group(2) == "for" and start is None:
                start, loop = i, _FOR.match(tag.group(3))
            depth += 1
        elif tag.group(2) in ("endfor", "endif"):
            depth -= 1
            if depth == 0 and start is not None and end is None:
                end = i
    if start is None or end is None:
        raise ImportProblem("模板中没有“{%p for 项目 in 项目列表 %}”…“{%p endfor %}”：无法按模板导入")
    return blocks[:start], blocks[start + 1:end], loop.group(1) if loop else "项目", blocks[end + 1:]


def _printed_tables(blocks) -> list[Table]:
    """The tables of ``blocks`` a build prints: those inside ``{%p if false %}`` … (the template's
    listing page) are left out."""
    tables, hidden = [], 0
    for block in blocks:
        if isinstance(block, Para) and block.lines:
            tag = _BLOCK.match(block.lines[0].strip())
            if tag and tag.group(1) == "p" and tag.group(2) == "if" and (hidden or tag.group(3) == "false"):
                hidden += 1
            elif tag and tag.group(1) == "p" and tag.group(2) == "endif" and hidden:
                hidden -= 1
        elif isinstance(block, Table) and not hidden:
            tables.append(block)
    return tables


def _table_items(table: Table):
    """A template table as items: ('row', cells) or ('loop', var, expr, body rows)."""
    items, i, rows = [], 0, table.rows
    while i < len(rows):
        first = rows[i][0].text.strip() if rows[i] else ""
        tag = _BLOCK.match(first)
        if tag and tag.group(1) == "tr" and tag.group(2) == "for":
            var, expr = _FOR.match(tag.group(3)).groups()
            body = []
            i += 1
            while i < len(rows) and not (_BLOCK.match(rows[i][0].text.strip() if rows[i] else "") or [None])[0]:
                body.append(rows[i])
                i += 1
            items.append(("loop", var, expr, body))
        elif tag:
            raise ImportProblem(f"模板表格中的“{first}”不能按模板导入（只支持 {{%tr for %}} 重复行）")
        else:
            items.append(("row", rows[i]))
        i += 1
    return items


def _read_table(template: Table, built: Table, scope: dict, project_var: str) -> None:
    items = _table_items(template)
    rows = list(built.rows)
    fixed_after = [sum(1 for item in items[k + 1:] if item[0] == "row") for k in range(len(items))]
    position = 0
    for k, item in enumerate(items):
        if item[0] == "row":
            if position >= len(rows):
                return
            for t_cell, b_cell in zip(item[1], rows[position]):
                for expr, value in _cell_value(t_cell.lines, b_cell.lines):
                    scope.setdefault(expr, value)
            position += 1
            continue
        _, var, expr, body = item
        count = (len(rows) - position - fixed_after[k]) // max(1, len(body))
        entries = []
        for n in range(count):
            entry: dict = {}
            for offset, t_row in enumerate(body):
                for t_cell, b_cell in zip(t_row, rows[position + n * len(body) + offset]):
                    for e, value in _cell_value(t_cell.lines, b_cell.lines):
                        if e.startswith(var + "."):
                            entry.setdefault(e[len(var) + 1:], value)
            entries.append(entry)
        position += count * len(body)
        scope[expr] = entries


def read_with_template(docx: Path, template: Path) -> Values:
    t_blocks = read_blocks(template)
    b_blocks = read_blocks(docx)
    head, body, var, tail = _template_parts(t_blocks)
    t_tables = [b for b in body if isinstance(b, Table)]
    before, after = _printed_tables(head), _printed_tables(tail)  # cover and summary tables
    b_tables = [b for b in b_blocks if isinstance(b, Table)]
    projects = b_tables[len(before):len(b_tables) - len(after)]
    if not t_tables or not projects or len(projects) % len(t_tables):
        covers = f"，另有封面或汇总表 {len(before) + len(after)} 个" if before or after else ""
        raise ImportProblem(f"“{docx.name}”的表格与模板“{template.name}”对不上（模板每个项目 {len(t_tables)} 个表格{covers}，"
                            f"文档共 {len(b_tables)} 个）：这份文件不是用这个模板生成的")
    values = Values()
    covers: dict = {}
    for t_table, b_table in zip(before + after, b_tables[:len(before)] + b_tables[len(b_tables) - len(after):]):
        _read_table(t_table, b_table, covers, var)
    for expr, value in covers.items():  # a cover's rows of every project are the projects' own values
        if not isinstance(value, list):
            values.document.setdefault(expr, value)
    for n in range(len(projects) // len(t_tables)):
        scope: dict = {}
        for t_table, b_table in zip(t_tables, projects[n * len(t_tables):(n + 1) * len(t_tables)]):
            _read_table(t_table, b_table, scope, var)
        values.projects.append(scope)
    # paragraphs with tags (outside tables): the document's values, and the projects' in turn
    b_paras = ["\n".join(b.lines) for b in b_blocks if isinstance(b, Para)]
    for block in head + body:
        if not isinstance(block, Para) or not block.lines or _BLOCK.match(block.lines[0].strip()):
            continue
        pattern = _pattern("\n".join(block.lines))
        if pattern is None:
            continue
        regex, exprs = pattern
        matches = [regex.match(text) for text in b_paras]
        matches = [found for found in matches if found]
        for index, found in enumerate(matches):
            for expr, value in zip(exprs, found.groups()):
                if expr.startswith(var + "."):
                    if index < len(values.projects):
                        values.projects[index].setdefault(expr, value.strip())
                else:
                    values.document.setdefault(expr, value.strip())
    for scope in values.projects:  # document-level values printed inside the project forms
        for expr in [e for e in scope if not e.startswith(var + ".") and e != "?"]:
            values.document.setdefault(expr, scope.pop(expr))
        for expr in [e for e in scope if e.startswith(var + ".")]:
            scope[expr[len(var) + 1:]] = scope.pop(expr)
    return values


def import_with_form(docx: Path, out_dir: Path, form, template: Path, form_ref: str | None,
                     template_ref: str | None, markdown: bool = False) -> ImportReport:
    """``budgetdoc import --form``: the document's values, read where the template prints them (or, without
    a template, by the form's labels — also ``budgetdoc import`` of a shipped 申报); with ``markdown`` the
    narratives go to a ``NN-项目.md`` beside each project's YAML."""
    from ruamel.yaml.comments import CommentedMap

    from builder.cycle.importout import narratives_to_markdown, verify_import
    from builder.cycle.importread import tracked_changes
    from builder.cycle.writer import dump, text_block

    docx, out_dir = Path(docx), Path(out_dir)
    if template is None:  # a hand-typed copy: read by the labels the form declares
        from builder.cycle.labelread import read_by_labels

        values = read_by_labels(docx, form)
    else:
        values = read_with_template(docx, template)
    check_out_dir(out_dir)
    if not values.projects:
        where = f"按模板“{template.name}”排版的" if template is not None else f"带“{form.label(form.role_path('名称') or '')}”的"
        raise ImportProblem(f"“{docx.name}”中没有{where}项目")
    out_dir.mkdir(parents=True, exist_ok=True)
    document = CommentedMap([("文档类型", form.kind)])
    year = values.document.get("年度", "")
    document["年度"] = int(year) if str(year).isdigit() else year
    document["单位名称"] = values.document.get("单位名称", "")
    if form_ref:
        document["表单"] = form_ref
    if template_ref:
        document["模板"] = template_ref
    unplaced = []
    for expr, value in joined_dates(dict(values.document)).items():
        if expr in ("年度", "单位名称") or expr == "?":
            continue
        path, converted = convert(expr, value)
        spec = form.field(path.split(".")[0], "文档")
        if spec is None or spec.compute:  # 项目个数, 涉及项目预算资金, 合计 …: computed, not sources
            continue
        if isinstance(converted, list):
            converted = text_block(converted)
        if converted not in (None, ""):
            set_path(document, path, converted)
    for spec in form.document_fields:  # a field not read: its default, as the shipped reader writes it
        if not spec.compute and spec.has_default and spec.key not in document:
            document[spec.key] = spec.default
    order = [spec.key for spec in form.project_fields]
    name = form.role_path("名称") or ""
    names = [str(scope.get(name, "项目")) for scope in values.projects]
    stems = [project_stem(i, len(names), name) for i, name in enumerate(names, start=1)]
    document["项目顺序"] = stems
    files = [out_dir / "document.yaml"]
    dump(document, files[0])
    printed = [scope.pop(PRINTED, {}) for scope in values.projects]  # 导入.核对: checked once written
    datas = [project_yaml(scope, form, order) for scope in values.projects]
    values.notes.extend(link_parts(datas, stems, form))
    for scope, stem, data in zip(values.projects, stems, datas):
        if "?" in scope:
            unplaced.append(f"{stem}：有单元格与模板对不上，未导入：“{str(scope['?'])[:40]}”")
        path = out_dir / f"{stem}.yaml"
        data = in_order(data, order)
        sections = narratives_to_markdown(data, form) if markdown else []
        dump(data, path)
        files.append(path)
        if sections:
            from builder.cycle.mdwrite import sections_markdown
            from builder.output.atomic import write_new

            write_new(out_dir / f"{stem}.md", sections_markdown(str(scope.get(name, stem)), sections))
            files.append(out_dir / f"{stem}.md")
    report = ImportReport(files, unplaced + values.unplaced, tracked_changes(docx) + list(values.notes), form.kind)
    verify_import(out_dir, report, printed, form)
    return report


def relative(path: Path, out_dir: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), Path(out_dir).resolve())).as_posix()
