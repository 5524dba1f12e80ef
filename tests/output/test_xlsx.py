"""The .xlsx workbook: the shipped sources' figures read back as real numbers, dates and texts."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import replace
from decimal import Decimal

import openpyxl
import pytest
from conftest import EVALUATION_SOURCES, TARGET_SOURCES

from builder.model import core as m
from builder.load.loader import load_document
from builder.output.xlsx import MAX_WIDTH, text_width, workbook_bytes


def _load(folder) -> m.Document:
    loaded = load_document(folder)
    assert loaded.document is not None and not loaded.errors, loaded.problems
    return loaded.document


def _build(document: m.Document) -> bytes:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        return workbook_bytes(document)


@pytest.fixture(scope="module")
def target_document() -> m.Document:
    return _load(TARGET_SOURCES)


@pytest.fixture(scope="module")
def evaluation_document() -> m.Document:
    return _load(EVALUATION_SOURCES)


@pytest.fixture(scope="module")
def target_bytes(target_document) -> bytes:
    return _build(target_document)


@pytest.fixture(scope="module")
def evaluation_bytes(evaluation_document) -> bytes:
    return _build(evaluation_document)


def _open(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def _records(sheet) -> list[dict]:
    """Each data row as {header: cell}."""
    rows = list(sheet.iter_rows())
    headers = [c.value for c in rows[0]]
    return [dict(zip(headers, row)) for row in rows[1:]]


@pytest.fixture(scope="module")
def target_book(target_bytes):
    return _open(target_bytes)


@pytest.fixture(scope="module")
def evaluation_book(evaluation_bytes):
    return _open(evaluation_bytes)


# ---------------------------------------------------------------- 绩效目标申报


def test_target_sheets_and_headers(target_book):
    assert target_book.sheetnames == ["项目", "绩效指标"]
    header = [c.value for c in target_book["项目"][1]]
    assert header == [
        "序号", "项目名称", "项目性质", "项目类别", "主管部门", "实施单位", "计划开始日期", "计划完成日期",
        "项目资金总额", "财政资金", "其他资金(总额)", "年度资金申请总额", "当年财政拨款", "上年结转资金", "其他资金(年度)",
    ]
    assert [c.value for c in target_book["绩效指标"][1]] == [
        "项目", "一级指标", "二级指标", "三级指标", "比较符", "数值", "单位", "指标值",
    ]


def test_target_projects_are_numbers_and_dates(target_book):
    records = _records(target_book["项目"])
    assert len(records) == 11  # 10 projects + 合计
    projects, total = records[:10], records[10]
    assert [r["序号"].value for r in projects] == list(range(1, 11))
    first, tenth = projects[0], projects[9]
    assert first["项目名称"].value == "宣传阵地建设"
    assert first["项目性质"].value == "其他经常性项目"
    assert tenth["项目名称"].value == "松江区长三角 G60 科创云平台信息化建设项目"
    assert tenth["项目资金总额"].value == 1587640
    assert tenth["项目资金总额"].data_type == "n"
    assert tenth["项目资金总额"].number_format == "#,##0.00"
    assert tenth["年度资金申请总额"].value == 828000
    assert tenth["其他资金(总额)"].value == 0  # written 0.00: a number
    assert first["其他资金(总额)"].value is None  # not written: the cell stays empty
    assert tenth["计划开始日期"].is_date and tenth["计划开始日期"].value == dt.datetime(2024, 1, 1)
    assert tenth["计划完成日期"].value == dt.datetime(2025, 12, 31)
    assert tenth["计划开始日期"].number_format == "yyyy-mm-dd"
    assert total["项目名称"].value == "合计" and total["序号"].value is None
    assert total["年度资金申请总额"].value == 8500000
    assert total["年度资金申请总额"].number_format == "#,##0.00"
    assert total["年度资金申请总额"].font.b
    assert sum(r["年度资金申请总额"].value for r in projects) == 8500000
    assert total["当年财政拨款"].value == 8500000
    assert total["项目资金总额"].value == sum(r["项目资金总额"].value for r in projects) == 9259640


def test_target_money_equals_the_model_exactly(target_book, target_document):
    records = _records(target_book["项目"])
    table = target_document.form.money_tables()[0]
    paths = [table.table.path(cell.address) for cell in table.table.cells()]  # the form's money cells, in order
    assert len(paths) == 7
    for project, record in zip(target_document.projects, records):
        written = [c.value for c in list(record.values())[8:15]]
        expected = [project.get(path) for path in paths]
        assert [None if v is None else Decimal(str(v)) for v in written] == expected


def test_target_indicators(target_book, target_document):
    records = _records(target_book["绩效指标"])
    assert len(records) == 71 == sum(len(p.indicators) for p in target_document.projects)
    satisfaction = [r for r in records if r["项目"].value == "宣传阵地建设" and r["三级指标"].value == "单位满意度"]
    assert len(satisfaction) == 1
    row = satisfaction[0]
    assert row["一级指标"].value == "满意度指标" and row["二级指标"].value == "服务对象满意度指标"
    assert row["比较符"].value == "≥"
    assert row["数值"].value == 90 and row["数值"].data_type == "n"
    assert row["单位"].value == "%"
    assert row["指标值"].value == "≥90.00(%)"
    text = next(r for r in records if r["三级指标"].value == "平台建设及时性")
    assert text["指标值"].value == "及时"
    assert text["比较符"].value is None and text["数值"].value is None and text["单位"].value is None
    bare = next(r for r in records if r["三级指标"].value == "平台在线率")  # a number without comparator
    assert bare["指标值"].value == "24小时每天"
    assert bare["比较符"].value is None and bare["数值"].value == 24 and bare["单位"].value == "小时每天"
    # every 指标值 as the form prints it
    printed = [i.target.canonical() for p in target_document.projects for i in p.indicators]
    assert [r["指标值"].value for r in records] == printed


def test_texts_starting_with_equals_are_not_formulas(target_book, evaluation_book):
    for book in (target_book, evaluation_book):
        sheet = book["绩效指标"]
        equals = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str) and c.value.startswith("=")]
        assert equals
        assert {c.data_type for c in equals} == {"s"}


# ---------------------------------------------------------------- 绩效自评


def test_evaluation_projects(evaluation_book):
    records = _records(evaluation_book["项目"])
    assert [r["项目名称"].value for r in records] == [
        "G60科创走廊建设", "政策研究(二级构成)", "要素对接(二级构成)", "创新合作(二级构成)", "金融赋能(二级构成)",
    ]
    parent = records[0]
    assert parent["年度资金总额·年初预算数"].value == 5300000
    assert parent["年度资金总额·年初预算数"].number_format == "#,##0.00"
    assert parent["年度资金总额·全年预算数"].value == pytest.approx(2954906.62, abs=0)
    assert parent["年度资金总额·全年执行数"].value == 2954906.62
    assert parent["上年结转资金·年初预算数"].value is None  # blank in the sources
    assert parent["上年结转资金·全年预算数"].value == 0
    assert parent["执行率"].value == 1.0 and parent["执行率"].number_format == "0.00%"
    assert parent["预算执行分值"].value == 10 and parent["预算执行得分"].value == 10
    assert parent["总分"].value == 100 and parent["总分"].number_format == "0.00"
    assert parent["等级"].value == "优"
    assert sum(r["年度资金总额·年初预算数"].value for r in records[1:]) == 5300000


def test_evaluation_indicators(evaluation_book, evaluation_document):
    records = _records(evaluation_book["绩效指标"])
    assert len(records) == sum(len(p.indicators) for p in evaluation_document.projects) == 75
    assert [c.value for c in evaluation_book["绩效指标"][1]][8:] == ["实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    row = next(r for r in records if r["项目"].value == "政策研究(二级构成)" and r["实际完成值"].value == "=7个")
    assert row["三级指标"].value == "发布重大领域、关键领域及其他领域研究方向"
    assert row["指标值"].value == "=10个"
    assert row["比较符"].value == "=" and row["数值"].value == 10 and row["单位"].value == "个"
    assert row["分值"].value == 30 and row["得分"].value == 30
    assert row["得分"].data_type == "n"
    # 指标值 as written (not the 申报 canonical form)
    satisfaction = next(r for r in records if r["三级指标"].value == "相关方满意度")
    assert satisfaction["指标值"].value == ">=85%" and satisfaction["比较符"].value == "≥"
    # a row without 分值/得分 in the sources keeps them empty
    blank = next(r for r in records if r["三级指标"].value == "留学生专场招聘会")
    assert blank["分值"].value is None and blank["得分"].value is None


def test_evaluation_prints_the_computed_score(evaluation_document):
    """得分 not written: the sheet shows what scoring.score gives (分值 × 实际/目标)."""
    part = next(p for p in evaluation_document.projects if p.name == "政策研究")
    indicators = tuple(replace(i, score=None) if i.name.startswith("发布重大领域") else i for i in part.indicators)
    values = part.values  # 执行率 reads the cells of the 预算数 and 执行数 roles (scoring.execution)
    for role, amount in (("预算数", "200.00"), ("执行数", "190.00")):
        key, _, address = part.role_path(role).partition(".")
        values = {**values, key: replace(values[key], cells={**values[key].cells, address: Decimal(amount)})}
    changed = replace(part, indicators=indicators, values=values)
    document = replace(evaluation_document, projects=(changed,))
    book = _open(_build(document))
    row = next(r for r in _records(book["绩效指标"]) if r["实际完成值"].value == "=7个")
    assert row["得分"].value == 21  # 30 × 7/10
    project = _records(book["项目"])[0]
    assert project["执行率"].value == 0.95
    assert project["预算执行得分"].value == 9.5


# ---------------------------------------------------------------- layout and bytes


def test_header_frozen_bold_filtered(target_book, evaluation_book):
    for book in (target_book, evaluation_book):
        for sheet in book:
            assert sheet.freeze_panes == "A2"
            assert all(c.font.b for c in sheet[1])
            assert sheet.auto_filter.ref.startswith("A1:")
    assert target_book["项目"].auto_filter.ref == "A1:O11"  # the 合计 row is not sorted with the projects
    assert target_book["绩效指标"].auto_filter.ref == "A1:H72"


def test_widths_count_chinese_as_two(target_book, evaluation_book):
    assert text_width("G60科创") == 7
    assert text_width("≥90.00(%)") == 10
    sheet = target_book["项目"]
    authority = "上海市松江区科创发展办公室"  # 13 characters, 26 columns
    assert 2 * len(authority) <= sheet.column_dimensions["E"].width <= MAX_WIDTH
    assert sheet.column_dimensions["A"].width < sheet.column_dimensions["E"].width
    names = evaluation_book["绩效指标"]
    assert names.column_dimensions["D"].width == MAX_WIDTH  # 三级指标 of 30 characters: capped …
    wrapped = [c for c in names["D"][1:] if c.alignment.wrap_text]
    assert wrapped and all(text_width(c.value) > MAX_WIDTH - 2 for c in wrapped)  # … and wrapped


def test_same_bytes_twice_with_fixed_dates(target_document, target_bytes, evaluation_document, evaluation_bytes):
    assert _build(target_document) == target_bytes
    assert _build(evaluation_document) == evaluation_bytes
    with zipfile.ZipFile(io.BytesIO(target_bytes)) as package:
        infos = package.infolist()
        core = package.read("docProps/core.xml").decode()
    assert infos[0].filename == "[Content_Types].xml"
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert core.count("2025-01-01T00:00:00Z") == 2  # created and modified
    assert "上海市松江区科创发展办公室 2025 年 绩效目标申报" in core


def test_source_date_epoch_sets_the_workbook_time(evaluation_document, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    with zipfile.ZipFile(io.BytesIO(workbook_bytes(evaluation_document))) as package:
        assert package.read("docProps/core.xml").decode().count("2023-11-14T22:13:20Z") == 2


# ---------------------------------------------------------------- columns from the form (issue 22)

def _headers(data: bytes) -> dict[str, list]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {sheet.title: [c.value for c in sheet[1]] for sheet in book}


def _jiaxian(tmp_path, form_edit=None) -> m.Document:
    import shutil

    from conftest import ROOT

    shutil.copytree(ROOT / "examples" / "佳县-2016", tmp_path / "examples" / "佳县-2016")
    shutil.copytree(ROOT / "examples" / "_共用", tmp_path / "examples" / "_共用")
    form = tmp_path / "examples" / "_共用" / "佳县表单.yaml"
    if form_edit:
        form.write_text(form_edit(form.read_text(encoding="utf-8")), encoding="utf-8")
    return _load(tmp_path / "examples" / "佳县-2016")


def test_a_forms_columns_come_from_its_labels_each_header_once(tmp_path):
    """A bureau's field labelled as another column (项目分类 printed 主管部门) gets its key; the form's
    money rows are columns of their table, its indicator sets a 指标组 column."""
    def edit(text):
        assert "\n  联系电话: 文本\n" in text  # a field of the complete form's 项目
        return text.replace("\n  联系电话: 文本\n", "\n  联系电话: 文本\n  项目分类: {类型: 文本, 标签: 主管部门}\n")
    document = _jiaxian(tmp_path, edit)
    headers = _headers(_build(document))
    projects, indicators = headers["项目"], headers["绩效指标"]
    assert len(projects) == len(set(projects)), projects
    assert "主管部门" in projects and "主管部门(项目分类)" in projects
    # the money rows in their table's order, by their labels (财政拨款 … 其他)
    # (佳县 prints 万元: the header says so)
    assert projects.index("财政拨款（万元）") < projects.index("自有资金（万元）") < projects.index("事业收入（万元）") \
        < projects.index("其他（万元）")
    assert "项目负责人" in projects and "项目实施进度计划" in projects
    assert indicators[0] == "指标组" and len(indicators) == len(set(indicators))
    book = openpyxl.load_workbook(io.BytesIO(_build(document)))
    groups = {row[0].value for row in book["绩效指标"].iter_rows(min_row=2)}
    assert groups == {"长期绩效指标", "年度绩效指标"}
    plan = [c.value for c in book["项目"][2]][projects.index("项目实施进度计划")]
    assert plan.startswith("项目实施内容：") and "FieldSpec" not in plan
