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

import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path

from builder.forms import formspec as fs
from builder.cycle.importout import check_out_dir, project_stem
from builder.cycle.importread import ImportProblem, ImportReport, Para, Table
from builder.cycle.importread import joined_dates, parse_date, parse_money_cell, read_blocks
from builder.render.merge import MERGE_MARKER
from builder.model.values import TEN_THOUSAND

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


# ---------------------------------------------------------------- values → sources

_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


def _date(text: str):
    found = _CN_DATE.match(text.strip())
    if found:
        return dt.date(*map(int, found.groups()))
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return parse_date(text) or text  # 2025/3/1, 2025.12.31 as the shipped reader reads them


def _money(text: str, unit: str):
    """A printed amount in the table's unit, read by the one money-cell parser; text that is no
    amount is written as it is, so checking the import names its cell (应为金额), never a traceback."""
    from builder.cycle.writer import money
    from builder.model.values import ValueProblem

    try:
        amount = parse_money_cell(text, TEN_THOUSAND if unit.startswith("万元") else Decimal(1))
    except ValueProblem:
        return text.strip()
    return None if amount is None else money(amount)


def _choice(text: str) -> str | None:
    found = re.search(r"(\S+)\s*☑", text)
    return found.group(1) if found else None


def _convert(expr: str, value):
    """A context expression and its printed text → (source path, source value)."""
    parts = expr.split(".")
    last = parts[-1]
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return expr, value
    if last in ("万元", "万元4位", "元") and len(parts) > 1:
        return ".".join(parts[:-1]), _money(value, last)
    if last in ("中文", "文字") and len(parts) > 1:
        return ".".join(parts[:-1]), _date(value)
    if last == "选框":
        return ".".join(parts[:-1]), _choice(value)
    if last == "值" and len(parts) > 1:  # a 选项's value printed as it is
        return ".".join(parts[:-1]), value or None
    if last in ("原文", "规范") and len(parts) > 1:
        return ".".join(parts[:-1]), value
    return expr, value


def _set(tree, path: str, value) -> None:
    from ruamel.yaml.comments import CommentedMap

    keys = path.split(".")
    for key in keys[:-1]:
        tree = tree.setdefault(key, CommentedMap())
    tree[keys[-1]] = value


def _rows(rows: list[dict], spec) -> list:
    """A 表格's printed rows as source rows: its declared columns only, each cell read by its kind."""
    from ruamel.yaml.comments import CommentedMap

    columns = {column.key for column in spec.columns} if spec is not None and spec.columns else None
    result = []
    for row in rows:
        cells = CommentedMap()
        for expr, value in joined_dates(dict(row)).items():
            key, converted = _convert(expr, value)
            if (columns is None and key != "序号") or (columns is not None and key in columns):
                cells[key] = converted
        result.append(cells)
    return result


def _project_yaml(scope: dict, form, order: list[str]):
    from ruamel.yaml.comments import CommentedMap

    from builder.cycle.writer import text_block

    data = CommentedMap()
    groups = {spec.key for spec in form.indicator_fields()}
    declared = {spec.key for spec in form.project_fields}
    for expr, value in joined_dates(dict(scope)).items():
        if expr == "?":
            continue
        path, converted = _convert(expr, value)
        top = path.split(".")[0]
        if top in groups or top not in declared:  # derived names (序号, 跨年度 …) and totals are computed
            continue
        if converted is None and _null(form, path):
            _set(data, path, None)
            continue
        if converted is None or converted == [] or converted == "":
            continue
        spec = form.field(path)
        if spec is not None and spec.has_default and not spec.skeleton and converted == list(spec.default):
            continue  # the field's default (七、绩效目标 详见…): not written
        if isinstance(converted, list) and converted and isinstance(converted[0], dict):
            converted = _rows(converted, form.field(path))
        elif isinstance(converted, list):
            converted = text_block(converted)
        _set(data, path, converted)
    _by_row(data, form)
    for spec in form.indicator_fields():
        data[spec.key] = _indicator_tree(scope.get(spec.key, []), spec.indicators,
                                       spec.indicators.framework or form.framework)
    ordered = CommentedMap()
    for key in order:
        if key in data:
            ordered[key] = data.pop(key)
    ordered.update(data)
    return ordered


def _null(form, path: str) -> bool:
    """Whether a value read as nothing is written ``null``: a 段落 printed under another's cell merged over
    it (年度总体目标 under 项目总目标), a money cell left blank — not a table's total (computed)."""
    spec = form.field(path)
    if spec is not None:
        return spec.kind == "段落"
    table = next((t for t in form.money_tables() if path.startswith(t.path + ".")), None)
    return table is not None and path.rsplit(".", 1)[-1] != table.table.total_row


def _by_row(data, form) -> None:
    """A 行为列表 money table as its source writes it: each row a list of its cells in column order
    (``合计: [178.60, 165.00, 178.60]``), not the mapping the printed addresses (行.列) make."""
    from builder.cycle.writer import flow

    for spec in form.walk():
        if spec.kind != fs.MONEY_TABLE or spec.table is None or spec.table.layout != fs.BY_ROW:
            continue
        node = data
        for key in spec.path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        if node and set(node) <= {c.key for c in spec.table.columns}:  # a grid read as 列.行: as rows
            by_column = {c: dict(node.pop(c)) for c in list(node)}
            node.update({r.key: {c: cells.get(r.key) for c, cells in by_column.items()} for r in spec.table.rows})
        for row, cells in list(node.items()):
            if isinstance(cells, dict):
                node[row] = flow([cells.get(column.key) for column in spec.table.columns])


def _category_key(categories, printed: str) -> str:
    """A 一级/二级 as the source writes it: the key of the category whose 标签 (or key) was printed."""
    return next((c.key for c in categories if printed in (c.label, c.key)), printed)


def _printed(row: dict, key: str):
    """An indicator column's printed text: an 指标值 by its 原文 (or 规范), a 勾选 column by its 文 (its
    框 follows from it; the two printed side by side are split apart here), any other as printed."""
    if f"{key}.框" in row or f"{key}.文" in row:
        return (str(row.get(f"{key}.框") or "") + str(row.get(f"{key}.文") or "")).lstrip("☑□ ")
    return next((row[f"{key}.{part}"] for part in ("原文", "规范") if row.get(f"{key}.{part}")), row.get(key, ""))


def _indicator_tree(rows: list[dict], columns, framework=()):
    """An indicator field's source from its printed rows: 一级 → 二级 → 三级 → the target value (the
    简写) or a mapping of the columns written; a blank 一级/二级 cell continues the one above; a
    category printed by its 标签 is written by its key."""
    from ruamel.yaml.comments import CommentedMap

    target = columns.column_with("目标值") or (columns.columns[0] if columns.columns else None)
    tree = CommentedMap()
    level1 = level2 = ""
    for row in rows:
        level1 = _category_key(framework, row.get("一级键") or row.get("一级指标") or level1)
        children = next((c.children for c in framework if c.key == level1), ())
        level2 = _category_key(children, row.get("二级键") or row.get("二级指标") or level2)
        value = _printed(row, target.key) if target is not None else ""
        extras = {c.key: _printed(row, c.key) for c in columns.columns if c is not target}
        leaf = value
        if any(extras.values()) or not columns.shorthand:
            leaf = CommentedMap([(target.key, value)] + [(k, v) for k, v in extras.items() if v])
        tree.setdefault(level1, CommentedMap()).setdefault(level2, CommentedMap())[row.get("三级指标", "")] = leaf
    return tree



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
        path, converted = _convert(expr, value)
        spec = form.field(path.split(".")[0], "文档")
        if spec is None or spec.compute:  # 项目个数, 涉及项目预算资金, 合计 …: computed, not sources
            continue
        if isinstance(converted, list):
            converted = text_block(converted)
        if converted not in (None, ""):
            _set(document, path, converted)
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
    for scope, stem in zip(values.projects, stems):
        if "?" in scope:
            unplaced.append(f"{stem}：有单元格与模板对不上，未导入：“{str(scope['?'])[:40]}”")
        path = out_dir / f"{stem}.yaml"
        data = _project_yaml(scope, form, order)
        sections = narratives_to_markdown(data, form.kind) if markdown else []
        dump(data, path)
        files.append(path)
        if sections:
            from builder.cycle.mdwrite import sections_markdown
            from builder.output.atomic import write_new

            write_new(out_dir / f"{stem}.md", sections_markdown(str(scope.get(name, stem)), sections))
            files.append(out_dir / f"{stem}.md")
    report = ImportReport(files, unplaced + values.unplaced, tracked_changes(docx) + list(values.notes), form.kind)
    verify_import(out_dir, report)
    return report


def relative(path: Path, out_dir: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), Path(out_dir).resolve())).as_posix()
