"""budgetdoc import: a .docx laid out like the official forms back into sources.

1. Round trip on both shipped documents: build → import → build gives the same text,
   and the imported sources carry the same facts as the shipped ones.
2. A 绩效目标申报 (and a 绩效自评) typed by hand — made here with python-docx, not
   with our templates — with labels broken over lines, extra spaces, money in 万,
   and 一级/二级 cells merged vertically with cell.merge().
3. What cannot be placed is reported.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import docx
import pytest
from ruamel.yaml import YAML

from builder.model import core as m
from builder.read.docxtext import to_text
from builder.cycle.importer import ImportProblem, import_docx
from builder.cycle.importread import parse_money_cell
from builder.cycle.labelshapes import structured_budget
from builder.load.loader import load_document
from conftest import EVALUATION_SOURCES, TARGET_SOURCES, run_cli

D = Decimal


# ---------------------------------------------------------------- 1. round trip

def _build(source, out):
    result = run_cli("build", source, "--out", out)
    assert result.returncode == 0, result.stderr
    return out / f"{source.name}.docx"


@pytest.fixture(scope="module", params=[TARGET_SOURCES, EVALUATION_SOURCES], ids=["申报", "自评"])
def round_trip(request, tmp_path_factory):
    source = request.param
    tmp = tmp_path_factory.mktemp("roundtrip")
    first = _build(source, tmp / "first")
    imported = tmp / "imported" / source.name
    report = import_docx(first, imported)
    second = _build(imported, tmp / "second")
    return source, first, imported, report, second


def test_round_trip_gives_identical_text(round_trip):
    _, first, _, _, second = round_trip
    before, after = to_text(first), to_text(second)
    assert before.count("\n") > 100
    assert after == before


def test_round_trip_places_everything(round_trip):
    source, _, imported, report, _ = round_trip
    assert report.unplaced == []
    if source == TARGET_SOURCES:
        assert report.notes == []
    else:  # the 自评 form does not print the unit's name: taken from the first project, and said so
        assert len(report.notes) == 1 and "单位名称" in report.notes[0]
    names = sorted(p.name for p in report.files)
    assert names[-1] == "document.yaml"
    expected_stems = sorted(p.stem for p in source.glob("[0-9]*.yaml"))
    if source == TARGET_SOURCES:  # the shipped 06 dropped the 、 of its name from the file name; we keep it
        expected_stems = [s.replace("06-展示馆物业管理能源和水电费", "06-展示馆物业管理、能源和水电费") for s in expected_stems]
    assert [n.removesuffix(".yaml") for n in names[:-1]] == expected_stems


def _yaml(path):
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def test_round_trip_yaml_format(round_trip):
    source, _, imported, _, _ = round_trip
    document = _yaml(imported / "document.yaml")
    shipped = _yaml(source / "document.yaml")
    for key in ("文档类型", "年度", "单位名称"):
        assert document[key] == shipped[key]
    if source == TARGET_SOURCES:
        text = (imported / "03-派驻干部费用.yaml").read_text(encoding="utf-8")
        assert "    合计: 1418000.00\n" in text  # money: plain numbers in 元, two decimals
        assert "计划开始日期: 2025-01-01\n" in text
        assert "年度总体目标: null\n" in text
        assert "  年度预算安排: |-\n    1、派驻干部费用" in text  # text fields as literal blocks
        data = _yaml(imported / "01-宣传阵地建设.yaml")
        assert data["项目资金"]["项目资金总额"]["其他资金"] is None  # a blank cell
        assert data["计划开始日期"] == dt.date(2025, 1, 1)
        budget = _yaml(imported / "06-展示馆物业管理、能源和水电费.yaml")["情况说明"]["年度预算安排"]
        assert [item["名称"] for item in budget["明细"]] == ["展示馆物业管理、保洁保安、能源费", "展示馆水费", "展示馆电费"]
    else:
        parent = _yaml(imported / "01-G60科创走廊建设.yaml")
        assert parent["组成"] == ["02-政策研究", "03-要素对接", "04-创新合作", "05-金融赋能"]
        assert "项目资金" not in parent
        part = _yaml(imported / "02-政策研究.yaml")
        assert part["二级构成"] is True and part["项目名称"] == "政策研究"
        text = (imported / "02-政策研究.yaml").read_text(encoding="utf-8")
        assert "  上年结转资金: [null, 0.00, 0.00]\n" in text
        assert "  年度资金总额: [2000000.00, 1898957.56, 1898957.56]\n" in text
        text = (imported / "03-要素对接.yaml").read_text(encoding="utf-8")
        assert '        实际完成值: ">4场"\n' in text  # quoted where YAML needs it, in double quotes


def _indicator_facts(project):
    return [(i.level1, i.level2, i.name, i.target.text if project_kind(project) == "自评" else i.target.canonical(),
             i.actual.text if i.actual else None, i.weight, i.score, i.deviation) for i in project.indicators]


def project_kind(project):
    return project.form.kind[-2:]


def _budget_facts(budget):
    if isinstance(budget, m.BudgetPlan):
        return budget.lead, [(i.name, i.amount, i.note) for i in budget.items]
    return budget


def test_round_trip_same_facts_as_shipped_sources(round_trip):
    source, _, imported, _, _ = round_trip
    shipped, back = load_document(source), load_document(imported)
    assert not shipped.errors and not back.errors, back.errors
    a, b = shipped.document, back.document
    assert (a.kind, a.year, a.unit_name, a.values) == (b.kind, b.year, b.unit_name, b.values)
    assert len(a.projects) == len(b.projects)
    for p, q in zip(a.projects, b.projects):
        assert (p.name, p.parts) == (q.name, q.parts)
        assert _indicator_facts(p) == _indicator_facts(q)
        for spec in p.form.walk():  # every field the form declares, money cells one by one
            if spec.kind == "金额表":
                for cell in spec.table.cells():
                    path = f"{spec.path}.{cell.address}"
                    assert p.get(path) == q.get(path), (p.stem, path)
            elif spec.kind not in ("分组", "指标"):
                value = p.get(spec.path)
                assert _budget_facts(value) == _budget_facts(q.get(spec.path)), (p.stem, spec.path)


# ---------------------------------------------------------------- 2. typed by hand

def _merge(table, r1, c1, r2, c2, text=None):
    cell = table.cell(r1, c1).merge(table.cell(r2, c2))
    if text is not None:
        cell.text = text
    return cell


def _put(table, row, col, text):
    table.cell(row, col).text = text


INDICATORS = [  # 一级, 二级, 三级, 指标值 — 一级/二级 labels written once and merged down
    ("成本指标", "经济成本指标", "人均培训成本", "≤ 500 元"),
    ("产出指标", "数量指标", "培训场次", "≥10(场)"),
    ("产出指标", "数量指标", "培训人数", ">= 200 人"),
    ("产出指标", "质量指标", "培训合格率", "≥90%"),
    ("效益指标", "社会效益指标", "提升业务能力", "提升"),
    ("满意度指标", "服务对象满意度指标", "学员满意度", "≥90(%)"),
]


def make_hand_typed_target(path, extra_rows=()):
    """A 绩效目标申报 as a unit might type it in Word: a 6-column table of its own."""
    document = docx.Document()
    document.add_paragraph("测试单位  2025 年")
    document.add_paragraph("财政支出项目绩效目标申报表")
    document.add_paragraph("项目经费情况说明 1")
    for heading, body in (
        ("一、项目概述", ["业务培训项目：全年开展业务培训。"]),
        ("二. 立项依据", ["依据年度培训计划。", "第二段依据。"]),
        ("三、 实施主体", ["测试单位办公室。"]),
        ("四、实施方案：", ["分期分批组织培训。"]),
        ("五、实施周期：2025 年 1 月至 2025 年 12 月", []),
        ("六、年度预算安排", ["预算资金 25 万元。"]),
        ("七、绩效目标", ["详见财政项目支出绩效目标申报表"]),  # text, though it names the form
    ):
        document.add_paragraph(heading)
        for text in body:
            document.add_paragraph(text)
    document.add_paragraph("财政项目支出绩效目标申报表 1")
    document.add_paragraph("（ 2025 年度 ）")

    first_indicator = 10
    rows = first_indicator + len(INDICATORS) + len(extra_rows)
    table = document.add_table(rows=rows, cols=6)
    table.style = "Table Grid"
    # header rows: labels with line breaks and stray spaces
    for col, text in enumerate(["项目\n名称", " 业务培训 ", "项目 性质", "其他经常性项目", "项目类别：", "其他运转类"]):
        _put(table, 0, col, text)
    _put(table, 1, 0, " 主管 部门 ")
    _merge(table, 1, 1, 1, 2, "测试主管部门")
    _put(table, 1, 3, "实施单位")
    _merge(table, 1, 4, 1, 5, "测试实施单位")
    _put(table, 2, 0, "计划开始日\n期")
    _merge(table, 2, 1, 2, 2, "2025-01-01")
    _put(table, 2, 3, "计划完成日期")
    _merge(table, 2, 4, 2, 5, "2025年12月31日")
    # 项目资金: money as "25万" and "250,000.00"
    _put(table, 3, 1, "项目资金总额")
    _put(table, 3, 2, "25万")
    _merge(table, 3, 3, 3, 4, "年度资金申请总额")
    _put(table, 3, 5, "250,000.00")
    _merge(table, 4, 3, 4, 4, "其中：当年财政拨款")
    _put(table, 4, 5, "250,000.00")
    _merge(table, 5, 3, 5, 4, "上年结转资金")
    _put(table, 5, 5, "0")
    _put(table, 6, 1, "其他 资金")
    _put(table, 6, 2, "0.00")
    _merge(table, 6, 3, 6, 4, "其他资金")
    _put(table, 6, 5, "0.00")
    _merge(table, 4, 1, 5, 1, "其中:财政资金")
    _merge(table, 4, 2, 5, 2, "250,000.00")
    _merge(table, 3, 0, 6, 0, "项目资金\n（元）")
    # 项目绩效目标: one text spanning both goal columns
    _merge(table, 7, 1, 7, 2, "项目总目标")
    _merge(table, 7, 3, 7, 5, "年度总体目标")
    goal = _merge(table, 8, 1, 8, 5, "1.提升业务能力；")
    goal.add_paragraph("2.规范工作流程。")
    _merge(table, 7, 0, 8, 0, "项目绩效\n目标")
    # 绩效指标 (row 9 header; row 10… indicators)
    for col, text in ((1, "一级\n指标"), (2, "二级指标"), (4, "年度(/项目)指标值")):
        _put(table, 9, col, text)
    _put(table, 9, 3, "三级指标")
    _put(table, 9, 5, "备用")  # a sixth column the official form does not have: left empty below
    # the indicator grid: 三级 in column 3, value in column 4
    for offset, (_, _, name, value) in enumerate(INDICATORS):
        _put(table, first_indicator + offset, 3, name)
        _put(table, first_indicator + offset, 4, value)
    _merge_runs(table, first_indicator, 1, [i[0] for i in INDICATORS], {"满意度指标": "满意度\n指标"})
    _merge_runs(table, first_indicator, 2, [(i[0], i[1]) for i in INDICATORS], {})
    _merge(table, 9, 0, first_indicator + len(INDICATORS) - 1, 0, "绩效指标")
    for offset, cells in enumerate(extra_rows):
        row = first_indicator + len(INDICATORS) + offset
        for col, text in enumerate(cells):
            _put(table, row, col, text)
    document.save(path)
    return path


def _merge_runs(table, first_row, col, keys, display):
    """Merge each run of equal keys vertically with cell.merge(), writing the label once."""
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            key = keys[start]
            label = key[-1] if isinstance(key, tuple) else key
            text = display.get(label, label)
            if i - 1 > start:
                _merge(table, first_row + start, col, first_row + i - 1, col, text)
            else:
                _put(table, first_row + start, col, text)
            start = i


def test_hand_typed_target_form(tmp_path):
    source = make_hand_typed_target(tmp_path / "手工.docx")
    out = tmp_path / "导入"
    report = import_docx(source, out)
    assert report.kind == m.TARGET_KIND
    assert report.unplaced == []
    assert [n for n in report.notes if "导入结果需要修改" in n] == []

    loaded = load_document(out)
    assert loaded.errors == []
    document = loaded.document
    assert (document.kind, document.year, document.unit_name) == (m.TARGET_KIND, 2025, "测试单位")
    (project,) = document.projects
    assert project.name == "业务培训"
    get = project.get
    assert (get("项目性质"), get("项目类别")) == ("其他经常性项目", "其他运转类")
    assert (get("主管部门"), get("实施单位")) == ("测试主管部门", "测试实施单位")
    assert (get("计划开始日期"), get("计划完成日期")) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    whole, annual = "项目资金.项目资金总额.", "项目资金.年度资金申请总额."
    assert get(whole + "合计") == D("250000.00") and get(whole + "财政资金") == D("250000.00") and get(whole + "其他资金") == D("0")
    assert get(annual + "合计") == get(annual + "当年财政拨款") == D("250000.00")
    assert get(annual + "上年结转资金") == D("0") and get(annual + "其他资金") == D("0")
    assert get("情况说明.立项依据") == ("依据年度培训计划。", "第二段依据。")
    assert get("情况说明.实施方案") == ("分期分批组织培训。",)
    assert get("情况说明.实施周期") == ("2025 年 1 月至 2025 年 12 月",)
    assert get("情况说明.年度预算安排") == ("预算资金 25 万元。",)
    assert get("情况说明.绩效目标") == ("详见财政项目支出绩效目标申报表",)
    assert get("项目总目标") == ("1.提升业务能力；", "2.规范工作流程。")
    assert not get("年度总体目标")
    assert [(i.level1, i.level2, i.name, i.target.text) for i in project.indicators] == INDICATORS
    assert [i.target.canonical() for i in project.indicators][:3] == ["≤500.00(元)", "≥10.00(场)", "≥200.00(人)"]

    text = (out / "01-业务培训.yaml").read_text(encoding="utf-8")
    assert "    合计: 250000.00\n" in text and "    财政资金: 250000.00\n" in text
    assert "计划完成日期: 2025-12-31\n" in text

    result = run_cli("build", out, "--out", tmp_path / "build")
    assert result.returncode == 0, result.stderr
    built = to_text(tmp_path / "build" / "导入.docx")
    assert "| 项目资金（元） | 项目资金总额 | 250,000.00 | 年度资金申请总额 | 250,000.00 |" in built
    assert "|  | 产出指标 | 数量指标 | 培训人数 | ≥200.00(人) |" not in built  # merged: printed once
    assert "|  |  |  | 培训人数 | ≥200.00(人) |" in built


def test_hand_typed_form_in_two_tables_without_label_column(tmp_path):
    """The form split in two tables; the second has no left label column and no merges."""
    document = docx.Document()
    document.add_paragraph("测试单位2025年财政支出项目绩效目标申报表")
    document.add_paragraph("项目经费情况说明")
    for section in ("项目概述", "立项依据", "实施主体", "实施方案", "实施周期", "年度预算安排"):
        document.add_paragraph(f"{'一二三四五六'['项目概述 立项依据 实施主体 实施方案 实施周期 年度预算安排'.split().index(section)]}、{section}")
        document.add_paragraph(f"{section}文字。")
    first = [
        ["项目名称", "两表项目", "项目性质", "其他一次性项目"],
        ["项目类别", "特定目标类", "主管部门", "测试主管部门"],
        ["实施单位", "测试实施单位", "计划开始日期", "2025/3/1"],
        ["计划完成日期", "2025.12.31", "", ""],
        ["项目资金（万元）", "项目资金总额", "30", ""],
        ["", "财政资金", "30", ""],
        ["", "其他资金", "", ""],
        ["", "年度资金申请总额", "30", ""],
        ["", "当年财政拨款", "25", ""],
        ["", "上年结转资金", "5", ""],
        ["", "其他资金", "0", ""],
    ]
    second = [
        ["项目总目标", "年度总体目标", "", ""],
        ["总目标。", "年度目标。", "", ""],
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "场次", "≥2场"],
        ["", "", "人数", "≥20人"],
        ["效益指标", "社会效益指标", "影响", "提升"],
        ["满意度指标", "服务对象满意度指标", "满意度", "≥90%"],
    ]
    for rows in (first, second):
        table = document.add_table(rows=len(rows), cols=4)
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                if text:
                    table.cell(r, c).text = text
    path = tmp_path / "两表.docx"
    document.save(path)
    out = tmp_path / "导入"
    report = import_docx(path, out)
    assert report.unplaced == []
    loaded = load_document(out)
    assert loaded.errors == []
    assert (loaded.document.unit_name, loaded.document.year) == ("测试单位", 2025)
    (project,) = loaded.document.projects
    get = project.get
    assert (get("计划开始日期"), get("计划完成日期")) == (dt.date(2025, 3, 1), dt.date(2025, 12, 31))
    whole, annual = "项目资金.项目资金总额.", "项目资金.年度资金申请总额."
    assert (get(whole + "合计"), get(whole + "财政资金"), get(whole + "其他资金")) == (D("300000.00"), D("300000.00"), None)
    assert tuple(get(annual + row) for row in ("合计", "当年财政拨款", "上年结转资金", "其他资金")) == \
           (D("300000.00"), D("250000.00"), D("50000.00"), D("0"))
    assert (get("项目总目标"), get("年度总体目标")) == (("总目标。",), ("年度目标。",))
    assert [(i.level1, i.level2, i.name) for i in project.indicators] == [
        ("产出指标", "数量指标", "场次"), ("产出指标", "数量指标", "人数"),
        ("效益指标", "社会效益指标", "影响"), ("满意度指标", "服务对象满意度指标", "满意度"),
    ]
    assert project.get("情况说明.项目概述") == ("项目概述文字。",)


def make_hand_typed_evaluation(path, extra_rows=(), name="调研课题（二级构成）", overrides=None):
    """A 绩效自评 typed by hand: full-width (二级构成), amounts in 万, unmerged blanks for 一级/二级."""
    document = docx.Document()
    document.add_paragraph("财政项目支出绩效自评表")
    document.add_paragraph("(2024年度)")
    rows = [
        ["项目名称", "调研课题（二级构成）", "", "", "", "", "", ""],
        ["主管部门", "测试主管部门", "", "", "实施单位", "测试实施单位", "", ""],
        ["项目资金\n(元)", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["", "年度资金总额", "20万", "200,000.00", "190000", "10", "95.00%", "9.5"],
        ["", "其中：当年财政拨款", "20万", "200,000.00", "190000", "—", "", ""],
        ["", "上年结转资金", "", "0", "0", "—", "", ""],
        ["", "其他资金", "", "0", "0", "—", "", ""],
        ["年度总体\n目标", "预期目标", "", "", "实际完成情况", "", "", ""],
        ["", "完成两项课题。", "", "", "完成两项课题研究。", "", "", ""],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["", "产出指标", "数量 指标", "课题数", "=2个", "=2个", "50", "50"],
        ["", "", "", "报告数", "=2份", "=1份", "20", "10"],
        ["", "", "时效指标", "完成时间", "2024年12月前", "2024年12月前", "10", "10"],
        ["", "满意度\n指标", "服务对象满意度指标", "满意度", ">=85%", "90%", "10", "10"],
        *extra_rows,
        ["总分", "", "", "", "", "", "100", "89.5"],
    ]
    for (r, c), text in (overrides or {}).items():
        rows[r][c] = text
    table = document.add_table(rows=len(rows), cols=8)
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            if text:
                table.cell(r, c).text = text
    _merge(table, 0, 1, 0, 7, name)
    document.save(path)
    return path


def test_hand_typed_evaluation_form(tmp_path):
    source = make_hand_typed_evaluation(tmp_path / "自评.docx")
    out = tmp_path / "自评导入"
    report = import_docx(source, out)
    assert report.kind == m.EVALUATION_KIND
    assert report.unplaced == []
    loaded = load_document(out)
    assert loaded.errors == []
    (project,) = loaded.document.projects
    assert loaded.document.year == 2024
    row = lambda name: tuple(project.get(f"项目资金.{name}.{c}") for c in ("年初预算数", "全年预算数", "全年执行数"))  # noqa: E731
    assert project.name == "调研课题" and project.get("二级构成") is True
    assert row("年度资金总额") == (D("200000.00"), D("200000.00"), D("190000.00"))
    assert row("上年结转资金") == (None, D("0"), D("0"))
    assert project.get("预算执行分值") == D("10")
    assert project.get("预期目标") == ("完成两项课题。",) and project.get("实际完成情况") == ("完成两项课题研究。",)
    facts = [(i.level1, i.level2, i.name, i.target.text, i.actual.text, i.weight, i.score) for i in project.indicators]
    assert facts == [
        ("产出指标", "数量指标", "课题数", "=2个", "=2个", D(50), D(50)),
        ("产出指标", "数量指标", "报告数", "=2份", "=1份", D(20), D(10)),
        ("产出指标", "时效指标", "完成时间", "2024年12月前", "2024年12月前", D(10), D(10)),
        ("满意度指标", "服务对象满意度指标", "满意度", ">=85%", "90%", D(10), D(10)),
    ]
    assert any("单位名称" in note for note in report.notes)


def test_texts_that_need_quoting_survive(tmp_path):
    """Names and values YAML would read as numbers, dates, booleans, comments or indicators."""
    overrides = {
        (1, 1): "true", (8, 1): "# 不是注释\n- 不是列表\n: 冒号开头\n  前后有空格  ", (8, 4): "null",
        (10, 3): "123", (10, 4): "2024-12-31", (10, 5): "*星号", (11, 3): "a: b # c", (11, 4): "@2份",
        (11, 5): "| 竖线", (12, 3): "[方括号]", (12, 4): "{花括号}", (12, 5): "%百分号",
        (13, 3): "'单引号' \"双引号\"", (13, 4): "> 85%", (13, 5): "! 感叹号",
    }
    source = make_hand_typed_evaluation(tmp_path / "自评.docx", name="2024", overrides=overrides)
    out = tmp_path / "导入"
    report = import_docx(source, out)
    assert report.unplaced == []
    assert [n for n in report.notes if "导入结果需要修改" in n] == []
    loaded = load_document(out)
    assert loaded.errors == []
    (project,) = loaded.document.projects
    assert (project.name, project.get("二级构成"), project.get("主管部门")) == ("2024", False, "true")
    assert project.get("预期目标") == ("# 不是注释", "- 不是列表", ": 冒号开头", "前后有空格")
    assert project.get("实际完成情况") == ("null",)
    assert [(i.name, i.target.text, i.actual.text) for i in project.indicators] == [
        ("123", "2024-12-31", "*星号"), ("a: b # c", "@2份", "| 竖线"),
        ("[方括号]", "{花括号}", "%百分号"), ("'单引号' \"双引号\"", "> 85%", "! 感叹号"),
    ]


# ---------------------------------------------------------------- 3. what cannot be placed

def test_unknown_rows_are_reported(tmp_path):
    source = make_hand_typed_target(tmp_path / "多一行.docx", extra_rows=[
        ["备注", "此表另附说明", "", "", "", ""],
        ["", "其他指标", "其他", "未知指标", "完成", ""],
    ])
    out = tmp_path / "导入"
    report = import_docx(source, out)
    assert any("备注" in note and "此表另附说明" in note for note in report.unplaced), report.unplaced
    assert any("其他指标" in note and "未知指标" in note for note in report.unplaced), report.unplaced
    assert len(report.unplaced) == 2
    loaded = load_document(out)  # what was placed still loads
    assert loaded.errors == []
    assert len(loaded.document.projects[0].indicators) == len(INDICATORS)


def test_unknown_rows_in_evaluation_are_reported(tmp_path):
    source = make_hand_typed_evaluation(tmp_path / "自评.docx", extra_rows=[["审核意见", "同意", "", "", "", "", "", ""]])
    report = import_docx(source, tmp_path / "导入")
    assert len(report.unplaced) == 1 and "审核意见" in report.unplaced[0]


def test_stray_paragraphs_and_tables_are_reported(tmp_path):
    path = make_hand_typed_target(tmp_path / "手工.docx")
    document = docx.Document(path)
    document.add_paragraph("附件：培训名单")
    extra = document.add_table(rows=1, cols=2)
    extra.cell(0, 0).text = "姓名"
    extra.cell(0, 1).text = "张三"
    document.save(path)
    report = import_docx(path, tmp_path / "导入")
    assert any("附件：培训名单" in note for note in report.unplaced)
    assert any("姓名" in note for note in report.unplaced)


# ---------------------------------------------------------------- refusals and small readers

def test_import_leaves_ruamel_alone(tmp_path):
    """Our number/null/date/quote rules live on a subclass: other YAML writers are not affected."""
    from ruamel.yaml.representer import RoundTripRepresenter

    before = dict(RoundTripRepresenter.yaml_representers)
    import_docx(make_hand_typed_target(tmp_path / "手工.docx"), tmp_path / "导入")
    assert RoundTripRepresenter.yaml_representers == before


def test_refuses_what_it_cannot_import(tmp_path):
    not_docx = tmp_path / "x.docx"
    not_docx.write_text("hello", encoding="utf-8")
    with pytest.raises(ImportProblem, match="不是 Word"):
        import_docx(not_docx, tmp_path / "a")
    other = tmp_path / "other.docx"
    plain = docx.Document()
    plain.add_paragraph("会议纪要")
    plain.save(other)
    with pytest.raises(ImportProblem, match="无法识别文档类型"):
        import_docx(other, tmp_path / "b")
    source = make_hand_typed_target(tmp_path / "手工.docx")
    import_docx(source, tmp_path / "c")
    with pytest.raises(ImportProblem, match="已存在且不为空"):
        import_docx(source, tmp_path / "c")


@pytest.mark.parametrize("text, expected", [
    ("250,000.00", D("250000.00")), ("25万", D("250000.00")), ("25 万元", D("250000.00")),
    ("４.８万", D("48000.00")), ("￥1,000", D("1000.00")), ("828000元", D("828000.00")), ("", None), ("—", None),
])
def test_money_cells(text, expected):
    assert parse_money_cell(text) == expected


def test_money_cells_in_a_wan_table():
    assert parse_money_cell("25", factor=D(10000)) == D("250000.00")


def test_structured_budget_only_when_it_adds_up():
    lines = ["根据合同。", "（1）物业费 81.9 万元。其中按面积计。", "（2）水费 0.04 万元。", "（3）电费 20.06 万元。"]
    lead, items = structured_budget(lines, D("1020000"))
    assert lead == ["根据合同。"]
    assert items == [("物业费", D("819000.00"), "其中按面积计。"), ("水费", D("400.00"), ""), ("电费", D("200600.00"), "")]
    assert structured_budget(lines, D("1000000")) is None  # does not add up: kept as text
    assert structured_budget(["（1）台式计算机 8台，单价 0.6 万，4.8 万；"], D("48000")) is None
