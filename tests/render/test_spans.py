"""The forms' merged cells are real w:vMerge / w:gridSpan in the XML, as the official forms."""

from __future__ import annotations

import zipfile

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def tables(docx):
    with zipfile.ZipFile(docx) as package:
        root = etree.fromstring(package.read("word/document.xml"))
    return root.iter(f"{W}tbl")


def cell_info(tc):
    span = tc.find(f"{W}tcPr/{W}gridSpan")
    merge = tc.find(f"{W}tcPr/{W}vMerge")
    text = "".join(t.text or "" for t in tc.iter(f"{W}t"))
    return (
        text,
        int(span.get(f"{W}val")) if span is not None else 1,
        None if merge is None else merge.get(f"{W}val", "continue"),
    )


def rows_of(table):
    return [[cell_info(tc) for tc in tr.findall(f"{W}tc")] for tr in table.findall(f"{W}tr")]


def forms(docx):
    """Each project's form: its table and the indicator grid that follows it (a table of its
    own, so that its header row repeats on every page), as one list of rows."""
    found = []
    for table in tables(docx):
        rows = rows_of(table)
        columns = len(table.findall(f"{W}tblGrid/{W}gridCol"))
        assert all(sum(c[1] for c in row) == columns for row in rows)  # every row fills its table's grid
        if rows[0][0][0] == "项目名称" or not found:
            found.append(rows)
        else:
            found[-1].extend(rows)
    return found


def indicator_rows(rows):
    start = next(i for i, row in enumerate(rows) if row[1][0] == "一级指标")
    return rows[start:]


def test_target_form_1_indicator_grid(built_documents):
    rows = forms(built_documents / "2025-绩效目标申报.docx")[0]
    grid = indicator_rows(rows)
    # left label spans header + all 7 indicator rows
    assert [r[0][2] for r in grid] == ["restart"] + ["continue"] * 7
    assert grid[0][0][0] == "绩效指标"
    # 一级: 成本(1) 产出(4) 效益(1) 满意度(1); text only where the span starts; a cell
    # that spans one row is not merged
    assert [(r[1][0], r[1][2]) for r in grid[1:]] == [
        ("成本指标", None), ("产出指标", "restart"), ("", "continue"), ("", "continue"), ("", "continue"),
        ("效益指标", None), ("满意度指标", None),
    ]
    # 二级: 数量指标 spans its two rows
    assert [(r[2][0], r[2][2]) for r in grid[1:]] == [
        ("经济成本指标", None), ("数量指标", "restart"), ("", "continue"), ("质量指标", None),
        ("时效指标", None), ("社会效益指标", None), ("服务对象满意度指标", None),
    ]
    assert [r[3][0] for r in grid[1:3]] == ["影像库维护费", "线上宣传推广长三角 G60 科创走廊数量"]


def test_goal_spans_both_columns_without_annual_goal(built_documents):
    rows = forms(built_documents / "2025-绩效目标申报.docx")[0]
    header = next(i for i, row in enumerate(rows) if row[0][0] == "项目绩效目标")
    assert [(c[0], c[1]) for c in rows[header][1:]] == [("项目总目标", 3), ("年度总体目标", 3)]
    goal = rows[header + 1]
    assert goal[0][2] == "continue" and len(goal) == 2 and goal[1][1] == 6
    assert goal[1][0].startswith("1.营造全社会关注支持推动G60科创走廊建设的浓厚氛围；")


def test_multi_year_project_has_both_goal_columns_and_years(built_documents):
    rows = forms(built_documents / "2025-绩效目标申报.docx")[9]
    header = next(i for i, row in enumerate(rows) if row[0][0] == "项目绩效目标")
    assert rows[header][1][0] == "项目总目标（2024 年 -2025 年）"
    goal = rows[header + 1]
    assert [c[1] for c in goal] == [1, 3, 3]
    assert goal[1][0] == goal[2][0] and goal[1][0].startswith("（1）建设综合性功能平台。")


def test_funds_block_spans(built_documents):
    rows = forms(built_documents / "2025-绩效目标申报.docx")[0]
    start = next(i for i, row in enumerate(rows) if row[0][0] == "项目资金（元）")
    block = rows[start:start + 4]
    assert [r[0][2] for r in block] == ["restart", "continue", "continue", "continue"]
    # 其中：财政资金 and its amount span two rows
    assert [(r[1][0], r[1][2]) for r in block[1:3]] == [("其中：财政资金", "restart"), ("", "continue")]
    assert [(r[2][0], r[2][2]) for r in block[1:3]] == [("250,000.00", "restart"), ("", "continue")]
    assert [c[0] for c in block[3]] == ["", "其他资金", "", "其他资金", "0.00"]


def test_evaluation_grid_spans(built_documents):
    rows = forms(built_documents / "2023-绩效自评.docx")[1]  # 政策研究
    grid = indicator_rows(rows)[:-1]  # without 总分
    assert [(r[1][0], r[1][2]) for r in grid[1:]] == [
        ("产出指标", "restart"), ("", "continue"), ("", "continue"),
        ("效益指标", "restart"), ("", "continue"), ("满意度指标", None),
    ]
    assert [(r[2][0], r[2][2]) for r in grid[1:]] == [
        ("数量指标", None), ("质量指标", None), ("时效指标", None),
        ("社会效益指标", None), ("可持续影响指标", None), ("服务对象满意度指标", None),
    ]
