"""The skeletons of new source files: document.yaml and the example projects (of the shipped
forms and of a bureau's form), with their example texts marked ⟦…⟧ — written by budgetdoc init
and new, and recognised by the SKELETON rule (builder.check.slips) when left in.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from builder.forms.formspec import BY_COLUMN, COMPUTE, GROUP, INDICATORS, MONEY_TABLE, TABLE


_MARK = re.compile(r"⟦([^⟦⟧]+)⟧")


def unmark(text: str) -> str:
    return _MARK.sub(r"\1", text)


def placeholders(form=None) -> tuple[str, ...]:
    """The skeletons' example texts (of the shipped forms' skeletons and of ``form``'s), longest first."""
    from builder.forms.formdef import shipped_form
    from builder.model.core import EVALUATION_KIND, TARGET_KIND

    forms = [shipped_form(TARGET_KIND), shipped_form(EVALUATION_KIND)] + ([form] if form is not None else [])
    texts = [project_skeleton(each, 2000, "", "") for each in forms]
    return tuple(sorted({found for text in texts for found in _MARK.findall(text)}, key=lambda t: (-len(t), t)))


# words YAML 1.1 tools (editors, other readers) take for booleans or null, though budgetdoc reads them as text
_YAML11_WORDS = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_NUMBERISH = re.compile(r"^[-+.]?[0-9][0-9A-Za-z_.:+-]*$")  # 0x1f, 1:30, 1_000: numbers to YAML 1.1
_INDICATOR = tuple("-?:,[]{}#&*!|>'\"%@`")  # a plain scalar may not start with these (or only in some places)


def yaml_scalar(text: str) -> str:
    """``text`` as a YAML value that every reader loads back as exactly that text: plain when
    budgetdoc's own reader (builder.read.syntax.read_yaml) gives it back unchanged as text and no
    YAML 1.1 reader would see a boolean, else double-quoted (``"yes"``, ``"123"``, ``"- a"``,
    ``"a: b"``, ``"a #b"`` …)."""
    import json

    from builder.read.errors import Problems
    from builder.read.rawtree import Mapping, Scalar
    from builder.read.syntax import read_yaml

    quoted = json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
    if (not text or text != text.strip() or "\n" in text or _YAML11_WORDS.match(text) or _NUMBERISH.match(text)
            or text.startswith(_INDICATOR)):
        return quoted
    problems = Problems()
    try:
        tree = read_yaml(Path("名称.yaml"), f"k: {text}\n", problems)
    except Exception:  # noqa: BLE001 - whatever the reader makes of it, quoting is safe
        return quoted
    value = tree.get("k") if isinstance(tree, Mapping) and len(tree.entries) == 1 else None
    if problems.errors or not isinstance(value, Scalar) or value.value != text or not isinstance(value.value, str):
        return quoted
    return text


def named_line(line: str, name: str) -> str:
    """A skeleton line with 示例项目 replaced by ``name``, its value quoted when YAML would misread it."""
    if "示例项目" not in line or ": " not in line or line.lstrip().startswith("#"):
        return line
    key, _, value = line.partition(": ")
    value, gap, note = value.partition(_GAP)
    return f"{key}: {yaml_scalar(value.replace('示例项目', name))}{gap}{note}"




# ---------------------------------------------------------------- the skeleton of a form (language.md §10)

_GAP = "    # "  # before a line's comment
_NAME = "⟦示例项目⟧"
_SAMPLE = {"文本": "⟦示例⟧", "段落": "⟦示例段落⟧。", "预算安排": "⟦示例段落⟧。", "金额": 0, "整数": 0, "数值": 0,
           "真假": False, "名单": []}
_TARGET = "≥1(项)"
_ACTUAL = "=1(项)"
_FULL_SCORE = 100
_HINT = {"文本": "文本", "段落": "段落：一行一段，多行用 |-", "预算安排": "段落，或 {{说明, 明细: [{{名称, 金额}}]}}",
         "金额": "金额：元，或“25万”", "日期": "日期，如 {year}-01-01", "整数": "整数", "数值": "数值", "真假": "true 或 false",
         "名单": "文字的列表", "表格": "表格：每行一项", "金额表": "金额", "指标": "一级指标 → 二级指标 → 三级指标: 指标值"}
_PROJECT_NOTE = "一个项目一个文件；键是表单上的栏目名（表单定义的字段见表单文件）。"
_SPACED = (MONEY_TABLE, GROUP, INDICATORS, TABLE)  # a blank line before these (and before the first 段落)


class _Lines:
    """The skeleton's lines, the values written from a form's 示例 (``{年度}`` and ``{单位名称}`` filled in)."""

    def __init__(self, year, unit: str, form=None):
        self.year, self.unit, self.lines = year, unit, []
        # the points the indicators share: 100 less the 执行分值 field's (a form that scores)
        scored = next((s for s in form.project_fields if "执行分值" in s.roles), None) if form is not None else None
        self.points = _FULL_SCORE - int(scored.default or 0) if scored is not None else _FULL_SCORE

    def add(self, indent: str, key: str, value: str | None, note: str = "") -> None:
        text = f"{indent}{yaml_scalar(key) if key else ''}:" + (f" {value}" if value is not None else "")
        self.lines.append(text + (_GAP + note if note else ""))

    def text(self, value) -> str:
        return str(value).replace("{年度}", str(self.year)).replace("{单位名称}", self.unit)

    def scalar(self, value, kind: str = "") -> str:
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, Decimal)):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, list):
            return "[" + ", ".join(self.scalar(item) for item in value) + "]"
        text = self.text(value)
        if kind == "日期" and _iso_date(text):
            return text
        return yaml_scalar(text)

    def tree(self, indent: str, value: dict) -> None:
        for key, item in value.items():
            if isinstance(item, dict):
                self.add(indent, str(key), None)
                self.tree(indent + "  ", item)
            else:
                self.add(indent, str(key), self.scalar(item))


def _iso_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _note(spec, year) -> str:
    if spec.example_note or spec.doc:
        return spec.example_note or spec.doc
    if spec.kind == MONEY_TABLE and spec.table is not None:
        return _money_note(spec.table)
    return "" if spec.has_example else _HINT.get(spec.kind, "").format(year=year)


def _money_note(table) -> str:
    """A money table's comment: its unit, its rows' shape (a grid: the columns in order), what is computed."""
    wan = (table.unit or "").startswith("万元")
    unit = "万元（写“25万”）" if wan else "元（或写“25万”）"
    if table.layout == BY_COLUMN:
        return f"金额，单位{unit}"
    total = next((r.label for r in table.rows if r.key == table.total_row), "")
    computed = f"；{total}可省略，由各行相加" if total and table.when_blank == COMPUTE else ""
    return f"每行为 [{', '.join(c.label for c in table.columns)}]，单位{unit}，null 为空白格{computed}"


def _sample(spec, year):
    """A field's value in the skeleton: its 示例, else one of its kind."""
    if spec.has_example:
        return spec.example
    if spec.kind == "文本" and "名称" in spec.roles:
        return _NAME
    if spec.kind == "日期":
        return f"{year}-12-31" if "完成日期" in spec.roles else f"{year}-01-01"
    if spec.kind == "选项":
        return spec.choices[0] if spec.choices else _SAMPLE["文本"]
    if spec.kind == "整数" and spec.minimum is not None:
        return spec.minimum
    return _SAMPLE.get(spec.kind, _SAMPLE["文本"])


def _field(out: _Lines, spec, framework, indent: str, unused=()) -> None:
    if not spec.skeleton or spec.path in unused:
        return
    note = _note(spec, out.year)
    if spec.kind == GROUP:
        out.add(indent, spec.key, None, note)
        for child in spec.fields:
            _field(out, child, framework, indent + "  ", unused)
    elif spec.kind == MONEY_TABLE:
        out.add(indent, spec.key, None, note)
        _money_table(out, spec.table, indent + "  ",
                     {path[len(spec.path) + 1:] for path in unused if path.startswith(spec.path + ".")})
    elif spec.kind == TABLE:
        out.add(indent, spec.key, None, note)
        for position, column in enumerate(spec.columns):
            lead = indent + ("  - " if position == 0 else "    ")
            out.add(lead, column.key, out.scalar(_sample(column, out.year), column.kind))
    elif spec.kind == INDICATORS:
        out.add(indent, spec.key, None, note)
        own = spec.indicators.framework or framework
        example = spec.example if _fits(spec.example, own) else _indicator_sample(spec, framework, out.points)
        out.tree(indent + "  ", example)
    else:
        value = _sample(spec, out.year)
        if spec.kind in ("段落", "预算安排") and isinstance(value, list) and value:
            value = "\n".join(map(str, value))
        if isinstance(value, str) and spec.kind in ("段落", "预算安排") and value.startswith(tuple("0123456789")):
            out.add(indent, spec.key, "|-", note)  # “1.……” reads as text, but is written as the block it becomes
            out.lines += [f"{indent}  {line}" for line in out.text(value).split("\n")]
            return
        out.add(indent, spec.key, out.scalar(value, spec.kind), note)


def _money_table(out: _Lines, table, indent: str, unused=()) -> None:
    if table.layout == BY_COLUMN:
        for column in table.columns:
            if column.key in unused:
                continue
            out.add(indent, column.key, None)
            for cell in table.column_cells(column.key):
                if cell.example is None and cell.is_total and table.when_blank == COMPUTE:
                    continue  # computed when left out
                out.add(indent + "  ", cell.row, out.scalar(0 if cell.example is None else cell.example),
                        cell.example_note)
        return
    for row in table.rows:
        example = row.example if isinstance(row.example, list) else [0] * len(table.columns)
        out.add(indent, row.key, out.scalar(example))


def _fits(example, framework) -> bool:
    """Whether an indicator 示例 names only the framework's 一级 and 二级 (a legacy form may reframe)."""
    if not isinstance(example, dict):
        return False
    levels = {level1.key: {child.key for child in level1.children} for level1 in framework}
    return all(key in levels and isinstance(value, dict) and set(value) <= levels[key] for key, value in example.items())


def _indicator_sample(spec, framework, points: int | None = None) -> dict:
    """One indicator per 一级 (under its first 二级) when the form gives no 示例 that fits its framework;
    a form that scores (a 分值 column) gets 分值 adding up to ``points`` and an 实际值 to fill."""
    columns = spec.indicators
    target = columns.column_with("目标值") or (columns.columns[0] if columns.columns else None)
    actual, weight = columns.column_with("实际值"), columns.column_with("分值")
    levels = spec.indicators.framework or framework
    shares = [0] * len(levels)
    if weight is not None and points and levels:
        base, rest = divmod(points, len(levels))
        shares = [base + (1 if n < rest else 0) for n in range(len(levels))]
    tree: dict = {}
    for level1, share in zip(levels, shares):
        if target is None or (columns.shorthand and actual is None and weight is None):
            leaf = _TARGET
        else:
            leaf = {target.key: _TARGET}
            if actual is not None:
                leaf[actual.key] = _ACTUAL
            if weight is not None:
                leaf[weight.key] = share
        name = f"⟦示例{level1.key}⟧"
        tree[level1.key] = {level1.children[0].key: {name: leaf}} if level1.children else {name: leaf}
    return tree


def blank_before(spec, previous) -> bool:
    """Whether a source file has a blank line before this top-level field (after ``previous``):
    around tables, groups and indicators, and before the first of a run of paragraphs."""
    if previous is None:
        return False
    return spec.kind in _SPACED or previous.kind in _SPACED or (spec.kind == "段落" and previous.kind != "段落")


def spaced_keys(forms) -> tuple[str, ...]:
    """``键:`` of the top-level fields that have a blank line before them, in any of ``forms``."""
    keys = []
    for form in forms:
        previous = None
        for spec in form.project_fields:
            if blank_before(spec, previous):
                keys.append(f"{spec.key}:")
            previous = spec
    return tuple(dict.fromkeys(keys))


def _fields(out: _Lines, specs, framework, unused=()) -> None:
    previous = None
    for spec in specs:
        if not spec.skeleton or spec.path in unused:
            continue
        if blank_before(spec, previous):
            out.lines.append("")
        _field(out, spec, framework, "", unused)
        previous = spec


def project_skeleton(form, year, unit: str, schemas: str) -> str:
    """A project file of ``form`` with every field it declares, in its order, each commented; the
    texts a person must replace marked ⟦…⟧ (``unmark`` takes the marks out before writing)."""
    out = _Lines(year, unit, form)
    if schemas:
        out.lines.append(f"# yaml-language-server: $schema={schemas}/{form.kind}.schema.json")
    out.lines.append(f"# {form.skeleton_note or _PROJECT_NOTE}")
    _fields(out, form.project_fields, form.framework, form.unused)  # a legacy form's 不用: left out
    return "\n".join(out.lines) + "\n"


def document_skeleton(form, year, unit: str, schemas: str, form_ref: str | None = None) -> str:
    """document.yaml: the engine's keys, then the form's document fields (those with a default
    commented out), and the 项目顺序 hint."""
    out = _Lines(year, unit)
    if schemas:
        out.lines.append(f"# yaml-language-server: $schema={schemas}/document.schema.json")
    out.lines += [f"文档类型: {form.kind}", f"年度: {year}", f"单位名称: {yaml_scalar(unit)}"]
    if form_ref is not None:
        out.lines += [f"表单: {yaml_scalar(form_ref)}",
                      "# 模板: 我的表单.docx          # budgetdoc template new 我的表单.docx --form 本文件夹 写出后在 Word 中修改"]
    for spec in form.document_fields:
        if spec.compute or not spec.skeleton:
            continue
        if spec.has_default and not spec.required and not spec.has_example:
            out.lines.append(f"# {spec.key}: {out.scalar(spec.default, spec.kind)}{_GAP}{_note(spec, year)}")
            continue
        _field(out, spec, form.framework, "")
    out.lines.append("# 项目顺序: [01-示例项目]         # 不写则按文件名排序")
    return "\n".join(out.lines) + "\n"


def form_files(form, form_ref: str | None, year: int, unit: str, schemas: str = "") -> dict[str, str]:
    """document.yaml (naming the form when it is a bureau's) and an example project, marks taken out."""
    return {"document.yaml": unmark(document_skeleton(form, year, unit, schemas, form_ref)),
            "01-示例项目.yaml": unmark(project_skeleton(form, year, unit, schemas))}
