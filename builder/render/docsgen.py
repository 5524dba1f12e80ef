"""The list of template names in docs/templates.md, generated from the code that fills them in.

``python -m builder.render.docsgen`` rewrites the part of docs/templates.md between the two
markers; tests/forms/test_forms.py fails when it is out of step. The Chinese names come from
the catalog of the shipped forms (builder.render.catalog: the form walk, each name with its
label, kind and example); the English ones from ``CONTEXT_NAMES`` with an example taken from the
shipped sources' real context.
"""

from __future__ import annotations

from pathlib import Path

from builder.model import core as m

BEGIN = "<!-- 名称表开始：由 python -m builder.render.docsgen 生成，请勿手改 -->"
END = "<!-- 名称表结束 -->"
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SOURCES = {m.TARGET_KIND: ROOT / "sources" / "2025-绩效目标申报", m.EVALUATION_KIND: ROOT / "sources" / "2023-绩效自评"}


def _cell(text: str, limit: int = 28) -> str:
    text = str(text).replace("|", "｜").replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def _english_rows(kind: str) -> list[tuple[str, str, str, str]]:
    from builder.render.context import document_context
    from builder.load.loader import load_document
    from builder.render.context import CONTEXT_NAMES

    document = load_document(EXAMPLE_SOURCES[kind]).document
    context = document_context(document)
    rows = []

    def walk(shape, value, path, var):
        for key, item in shape.items():
            if not key.isascii():
                continue  # the Chinese names have a table of their own
            name = f"{var}.{key}" if var else key
            sample = value.get(key) if isinstance(value, dict) else None
            if isinstance(item, dict):
                walk(item, sample or {}, path, name)
            elif isinstance(item, list):
                element = item[0]
                if isinstance(element, dict):
                    loop = {"projects": "p", "indicator_rows": "r", "budget_items": "i"}.get(key, "x")
                    rows.append((name, f"列表：每项是一个“{loop}”", "列表", f"for {loop} in {name}"))
                    first = sample[0] if sample else {}
                    walk(element, first, path, loop)
                else:
                    rows.append((name, element, "段落列表", (sample or [""])[0] if sample else ""))
            else:
                kind_ = "真/假" if isinstance(sample, bool) else "文字"
                rows.append((name, item, kind_, "" if sample is None else sample))

    walk(CONTEXT_NAMES[kind], context, "", "")
    return rows


def _table(rows) -> list[str]:
    lines = ["| 名称 | 含义 | 类型 | 例 |", "|---|---|---|---|"]
    for name, label, kind, example in rows:
        lines.append(f"| `{name}` | {_cell(label, 40)} | {kind} | {_cell(example)} |")
    return lines


def names_section() -> str:
    from builder.render.catalog import catalog, evaluation_catalog, rows

    lines = [BEGIN, "", "### 中文名称（绩效目标申报；本局表单为它所声明的字段）", "",
             "名称由表单生成：每个字段用它的键，金额表 `项目资金.<列>.<行>`，指标的行 `{%tr for 指标 in 项目.绩效指标 %}`"
             "（本局表单为各指标字段的键，如 `项目.年度绩效指标`），预算安排的明细 `明细`。金额是一组值："
             "`.元`、`.万元`（两位小数）、`.万元4位`；日期：`.文字`、`.中文`、`.年`、`.月`、`.日`。"
             "`合计.<金额表>.<单元格>` 是该格在全部项目上的合计（封面、汇总表用），"
             "`指标.一级键`/`指标.二级键` 是指标体系中的键（“一级指标”“二级指标”印其标签）。", ""]
    lines += _table(rows(catalog()))
    lines += ["", "本局表单的字段（按类型）：文本、整数、数值 → 文字；段落 → 段落列表；金额 → 同上的 `.元`/`.万元`；"
              "日期 → 同上；选项 → `.值`、`.选框`（如“新增项目 ☑   延续项目 □”）、`.框.<选项>`（☑ 或 □；"
              "表格和指标行中的选项是所选的文字）；名单 → 文字的列表；"
              "表格 → 行的列表，每行有 `序号` 和各列（按列的类型）。", ""]
    lines += ["### 中文名称（绩效自评）", "", "循环变量：`{%p for 项目 in 项目列表 %}`、`{%tr for 指标 in 项目.绩效指标 %}`。", ""]
    lines += _table(rows(evaluation_catalog()))
    lines.append("")
    for kind in EXAMPLE_SOURCES:  # the kinds whose shipped template uses English names
        lines += [f"### 英文名称（{kind}，标准模板使用）", ""]
        lines += _table(_english_rows(kind))
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def write(path: Path = ROOT / "docs" / "templates.md") -> None:
    text = path.read_text(encoding="utf-8")
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < 0:
        raise SystemExit(f"{path}: the markers {BEGIN!r} … {END!r} are missing")
    path.write_text(text[:start] + names_section() + text[end + len(END):], encoding="utf-8")


if __name__ == "__main__":
    write()
