"""A Markdown rendering of a loaded document, for the pandoc comparison in ``bench/run.py``.

It holds the same content as the .docx budgetdoc builds — the title, the
绩效目标设置情况 summary, and per project the seven 情况说明 sections and the
申报表 — with the form as pipe tables (Markdown has no merged cells, so the
form is split into a header-field table, a money table, a goals table and the
indicator grid). Values are formatted by the same context functions the Word
template reads, so the strings are identical.

    from builder.load.loader import load_document
    text = document_markdown(load_document(folder).document)
"""

from __future__ import annotations

import re
import string

from builder.model import core as m
from builder.render.context import evaluation_project_context, target_context

# pandoc's Markdown lets any ASCII punctuation be backslash-escaped; escaping all
# of it keeps source text such as "1.文件依据", "*", "@", "|" or quotes literal.
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")

SECTIONS = (
    ("一、项目概述", "overview"),
    ("二、立项依据", "basis"),
    ("三、实施主体", "implementer_text"),
    ("四、实施方案", "plan"),
    ("五、实施周期", "period"),
)


def escape(text: str) -> str:
    """One line of literal text (newlines become spaces)."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(text).split("\n")))


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A pipe table; the header and every row padded to the widest row."""
    width = max([len(header)] + [len(row) for row in rows])
    header = list(header) + [""] * (width - len(header))
    lines = ["| " + " | ".join(escape(h) for h in header) + " |", "|" + "---|" * width]
    for row in rows:
        cells = [escape(c) for c in row] + [""] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]


def paragraphs(texts) -> list[str]:
    lines = []
    for text in texts:
        lines += [escape(text), ""]
    return lines


def columns(*texts: list[str]) -> list[list[str]]:
    """Side-by-side paragraph lists as table rows, one paragraph per row."""
    height = max(len(t) for t in texts)
    return [[t[i] if i < len(t) else "" for t in texts] for i in range(height)]


def document_markdown(document: m.Document) -> str:
    if document.kind == m.EVALUATION_KIND:
        lines = _evaluation(document)
    else:
        lines = _target(document)
    return "\n".join(lines).rstrip("\n") + "\n"


# ---------------------------------------------------------------- 绩效目标申报

def _target(document: m.Document) -> list[str]:
    c = target_context(document)
    year = c["year"]
    lines = [f"# {escape(c['unit_name'])} {year} 年", "", "# 财政支出项目绩效目标申报表", "",
             "## 绩效目标设置情况", ""]
    lines += paragraphs([
        f"按照本市预算绩效管理工作的总体要求，本部门 {c['budget_units']} 个预算单位开展了{year}年"
        f"项目预算绩效目标编报工作，编报绩效目标的项目{c['project_count']}个，涉及项目预算资金 "
        f"{c['total_wan']} 万元。"
    ])
    for p in c["projects"]:
        lines += [f"## 项目经费情况说明 {p['number']}", ""]
        for heading, key in SECTIONS:
            lines += [f"### {heading}", ""] + paragraphs(p[key])
        lines += ["### 六、年度预算安排", ""] + paragraphs(p["budget_lead"])
        lines += paragraphs(f"（{i['number']}）{i['name']} {i['amount_wan']} 万元。{i['note']}"
                            for i in p["budget_items"])
        lines += ["### 七、绩效目标", ""] + paragraphs(p["goal_reference"])
        lines += _target_form(p, year)
    return lines


def _target_form(p: dict, year: str) -> list[str]:
    f = p["funds"]
    lines = [f"## 财政项目支出绩效目标申报表 {p['number']}", "", escape(f"（{year} 年度）"), ""]
    lines += table(["项目名称", p["name"], "项目性质", p["nature"], "项目类别", p["category"]], [
        ["主管部门", p["authority"], "实施单位", p["implementer"]],
        ["计划开始日期", p["start"], "计划完成日期", p["end"]],
    ])
    lines += table(["项目资金（元）", "项目资金总额", f["total"], "年度资金申请总额", f["annual"]], [
        ["", "其中：财政资金", f["fiscal"], "其中：当年财政拨款", f["appropriation"]],
        ["", "", "", "上年结转资金", f["carryover"]],
        ["", "其他资金", f["total_other"], "其他资金", f["annual_other"]],
    ])
    total_heading = "项目总目标"
    if p["multi_year"]:
        total_heading += f"（{p['start_year']} 年 -{p['end_year']} 年）"
    annual = p["annual_goal"] or []  # without one, the 项目总目标 text spans both columns in the .docx
    lines += table(["项目绩效目标", total_heading, "年度总体目标"],
                   [[""] + row for row in columns(p["total_goal"], annual)])
    lines += table(["绩效指标", "一级指标", "二级指标", "三级指标", "年度(/项目)指标值"],
                   [["", r["level1"], r["level2"], r["name"], r["value"]] for r in p["indicator_rows"]])
    return lines


# ---------------------------------------------------------------- 绩效自评

def _evaluation(document: m.Document) -> list[str]:
    lines = []
    for project in document.projects:
        p = evaluation_project_context(project)
        name = p["name"] + ("(二级构成)" if p["is_part"] else "")
        lines += ["# 财政项目支出绩效自评表", "", escape(f"({document.year} 年度)"), ""]
        lines += table(["项目名称", name], [["主管部门", p["authority"], "实施单位", p["implementer"]]])
        f, run = p["funds"], p["execution"]
        lines += table(["项目资金（元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"], [
            ["", "年度资金总额", f["total"]["initial"], f["total"]["budget"], f["total"]["spent"],
             run["weight"], run["rate"], run["score"]],
            *[["", label, f[key]["initial"], f[key]["budget"], f[key]["spent"], "—", "", ""]
              for label, key in (("其中：当年财政拨款", "appropriation"), ("上年结转资金", "carryover"),
                                 ("其他资金", "other"))],
        ])
        lines += table(["年度总体目标", "预期目标", "实际完成情况"],
                       [[""] + row for row in columns(p["expected"], p["achieved"])])
        lines += table(["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                        "偏差原因分析及改进措施"],
                       [["", r["level1"], r["level2"], r["name"], r["target"], r["actual"], r["weight"], r["score"],
                         r["deviation"]] for r in p["indicator_rows"]]
                       + [["总分", "", "", "", "", "", p["total_weight"], p["total_score"], ""]])
    return lines
