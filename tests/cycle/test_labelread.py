"""Issue 22, import: one label-driven reader (builder.cycle.labelread) for a hand-typed copy of any
form — the shipped 申报 included. Its 导入 section declares the shapes: the numbered sections of
情况说明 under 项目经费情况说明 N (导入.分节/说明标题), the structured 年度预算安排, the title line
“单位名称 2025 年” (导入.单位标题); money rows of both columns (其他资金), totals under the column's
label and a 项目总目标 merged over 年度总体目标 are read by the table's labels.
"""

from __future__ import annotations

import io

from ruamel.yaml import YAML

from builder.cycle.formimport import import_with_form
from builder.cycle.labelshapes import NumberedSections
from builder.forms.formdef import shipped_form
from builder.model import core as m
from builder.read.docxtext import to_text
from conftest import TARGET_SOURCES, run_cli


def _load(path):
    return YAML(typ="safe", pure=True).load(io.StringIO(path.read_text(encoding="utf-8")))


def test_the_shipped_target_read_by_its_forms_labels_builds_the_same_text(tmp_path):
    first = run_cli("build", TARGET_SOURCES, "--out", tmp_path / "first")
    assert first.returncode == 0, first.stderr
    built = tmp_path / "first" / f"{TARGET_SOURCES.name}.docx"
    imported = tmp_path / "imported" / TARGET_SOURCES.name
    report = import_with_form(built, imported, shipped_form(m.TARGET_KIND), None, None, None)
    assert report.unplaced == [] and report.notes == [], report.notes
    document = _load(imported / "document.yaml")
    assert (document["单位名称"], document["年度"]) == ("上海市松江区科创发展办公室", 2025)
    stems = document["项目顺序"]
    data = _load(imported / f"{stems[5]}.yaml")  # 展示馆物业管理: a structured 年度预算安排
    assert [item["名称"] for item in data["情况说明"]["年度预算安排"]["明细"]] == \
        ["展示馆物业管理、保洁保安、能源费", "展示馆水费", "展示馆电费"]
    shipped = _load(TARGET_SOURCES / "01-宣传阵地建设.yaml")
    first_project = _load(imported / f"{stems[0]}.yaml")
    assert first_project["情况说明"]["立项依据"] == shipped["情况说明"]["立项依据"]
    assert first_project["项目资金"]["年度资金申请总额"]["合计"] == shipped["项目资金"]["年度资金申请总额"]["合计"]
    second = run_cli("build", imported, "--out", tmp_path / "second")
    assert second.returncode == 0, second.stderr
    assert to_text(tmp_path / "second" / f"{TARGET_SOURCES.name}.docx") == to_text(built)


def test_numbered_sections_by_the_forms_labels():
    sections = NumberedSections(shipped_form(m.TARGET_KIND))
    assert sections.heading("项目经费情况说明 3")[1] == "3"
    assert sections.heading("财政项目支出绩效目标申报表 3") is None
    assert sections.section("二、立项依据：第一段") == ("立项依据", "第一段")
    assert sections.section("六．年度预算安排") == ("年度预算安排", "")
    assert sections.section("二、其他") is None
    assert NumberedSections(shipped_form(m.EVALUATION_KIND)).section("一、项目概述") is None  # no 分节


def test_a_money_table_printed_as_a_grid_is_read_by_its_column_and_row_labels(tmp_path):
    """The shipped 自评's 项目资金: a header row 年初预算数 | 全年预算数 | 全年执行数, then a row per
    money row (其中：当年财政拨款 …), each amount under its column's heading."""
    from conftest import EVALUATION_SOURCES

    from builder.cycle.labelread import read_by_labels

    first = run_cli("build", EVALUATION_SOURCES, "--out", tmp_path / "first")
    assert first.returncode == 0, first.stderr
    values = read_by_labels(tmp_path / "first" / f"{EVALUATION_SOURCES.name}.docx", shipped_form(m.EVALUATION_KIND))
    funds = {k: v for k, v in values.projects[0].items() if k.startswith("项目资金.")}
    assert funds == {
        "项目资金.年初预算数.年度资金总额.元": "5,300,000.00", "项目资金.全年预算数.年度资金总额.元": "2,954,906.62",
        "项目资金.全年执行数.年度资金总额.元": "2,954,906.62", "项目资金.年初预算数.当年财政拨款.元": "5,300,000.00",
        "项目资金.全年预算数.当年财政拨款.元": "2,954,906.62", "项目资金.全年执行数.当年财政拨款.元": "2,954,906.62",
        "项目资金.年初预算数.上年结转资金.元": "", "项目资金.全年预算数.上年结转资金.元": "0.00",
        "项目资金.全年执行数.上年结转资金.元": "0.00", "项目资金.年初预算数.其他资金.元": "",
        "项目资金.全年预算数.其他资金.元": "0.00", "项目资金.全年执行数.其他资金.元": "0.00"}


def test_text_in_a_money_cell_is_written_as_printed_not_a_traceback(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for row, texts in zip(table.rows, (("项目名称", "培训", ""), ("项目资金（元）", "项目资金总额", "约十万"))):
        for cell, text in zip(row.cells, texts):
            cell.text = text
    path = tmp_path / "手填.docx"
    document.save(path)
    imported = tmp_path / "imported"
    report = import_with_form(path, imported, shipped_form(m.TARGET_KIND), None, None, None)
    assert any("导入结果需要修改" in note for note in report.notes), report.notes
    stem = _load(imported / "document.yaml")["项目顺序"][0]
    assert _load(imported / f"{stem}.yaml")["项目资金"]["项目资金总额"]["合计"] == "约十万"  # never a wrong amount


def test_the_summary_sentence_is_declared_by_the_form():
    """导入.概述: a pattern whose named groups are document fields — 预算单位数 written, the computed
    项目数 and 涉及项目预算资金 only checked (the same for the shipped reader and labelread)."""
    from decimal import Decimal

    from builder.cycle.importread import label_key
    from builder.cycle.labelshapes import Summary

    summary = Summary(shipped_form(m.TARGET_KIND))
    line = label_key("按照本市预算绩效管理工作的总体要求，本部门 3 个预算单位开展了2025年项目预算绩效目标编报工作，"
                     "编报绩效目标的项目2个，涉及项目预算资金 1,250.00 万元。")
    found = summary.match(line)
    assert summary.written(found) == {"预算单位数": 3}
    assert summary.checks(found, 2, Decimal("12500000")) == []
    notes = summary.checks(found, 3, Decimal("12000000"))
    assert len(notes) == 2 and "3" in notes[0] and "1200" in notes[1]
    assert summary.match(label_key("本表单没有这一段")) is None
    assert Summary(shipped_form(m.EVALUATION_KIND)).match(line) is None  # the 自评 declares none


def test_the_hand_typed_target_read_by_the_forms_labels(tmp_path):
    """The hand-typed 申报 of test_import read by labelread: indicators under a header row in the middle
    of the table (a 绩效指标 label merged down beside it), 一级 labels broken over lines."""
    from test_import import INDICATORS, make_hand_typed_target

    from builder.cycle.labelread import read_by_labels

    values = read_by_labels(make_hand_typed_target(tmp_path / "手工.docx"), shipped_form(m.TARGET_KIND))
    (scope,) = values.projects
    rows = scope["绩效指标"]
    assert [(r.get("一级指标"), r["三级指标"], r["指标值"]) for r in rows][-1] == ("满意度指标", "学员满意度", "≥90(%)")
    assert len(rows) == len(INDICATORS)


def _two_tables(path):
    """The 申报 of test_import's two-table case: no label column in the second table, dates 2025/3/1."""
    import docx

    document = docx.Document()
    document.add_paragraph("测试单位2025年财政支出项目绩效目标申报表")
    first = [["项目名称", "两表项目", "计划开始日期", "2025/3/1"], ["计划完成日期", "2025.12.31", "", ""],
             ["项目资金（万元）", "项目资金总额", "30", ""], ["", "财政资金", "30", ""], ["", "其他资金", "", ""],
             ["", "年度资金申请总额", "30", ""], ["", "当年财政拨款", "25", ""], ["", "上年结转资金", "5", ""],
             ["", "其他资金", "0", ""]]
    second = [["项目总目标", "年度总体目标"], ["总目标。", "年度目标。"], ["一级指标", "二级指标", "三级指标", "指标值"],
              ["产出指标", "数量指标", "场次", "≥2场"]]
    for rows in (first, second):
        table = document.add_table(rows=len(rows), cols=4)
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                table.cell(r, c).text = text
    document.save(path)
    return path


def test_goals_headed_side_by_side_without_a_label_column(tmp_path):
    from builder.cycle.labelread import read_by_labels

    values = read_by_labels(_two_tables(tmp_path / "两表.docx"), shipped_form(m.TARGET_KIND))
    (scope,) = values.projects
    assert (scope["项目总目标"], scope["年度总体目标"]) == (["总目标。"], ["年度目标。"])
    assert [r["三级指标"] for r in scope["绩效指标"]] == ["场次"]


def test_dates_typed_with_slashes_or_dots(tmp_path):
    import datetime as dt

    imported = tmp_path / "imported"
    import_with_form(_two_tables(tmp_path / "两表.docx"), imported, shipped_form(m.TARGET_KIND), None, None, None)
    data = _load(imported / f"{_load(imported / 'document.yaml')['项目顺序'][0]}.yaml")
    assert (data["计划开始日期"], data["计划完成日期"]) == (dt.date(2025, 3, 1), dt.date(2025, 12, 31))


def test_the_unit_printed_in_the_money_label_overrides_the_tables(tmp_path):
    """项目资金（万元） with the label cell left blank on the following rows: every amount in 万元."""
    from builder.cycle.labelread import read_by_labels

    (scope,) = read_by_labels(_two_tables(tmp_path / "两表.docx"), shipped_form(m.TARGET_KIND)).projects
    funds = {k: v for k, v in scope.items() if k.startswith("项目资金.")}
    assert funds["项目资金.项目资金总额.合计.万元"] == "30"
    assert funds["项目资金.年度资金申请总额.上年结转资金.万元"] == "5"
    assert funds["项目资金.年度资金申请总额.其他资金.万元"] == "0"
    assert not any(k.endswith(".元") for k in funds)


def test_titles_and_stray_paragraphs(tmp_path):
    """The title "测试单位2025年财政支出项目绩效目标申报表" (导入.标题 with a prefix) gives the unit and
    year; "详见财政项目支出绩效目标申报表" inside a section is its text; a stray paragraph is reported."""
    import docx
    from test_import import make_hand_typed_target

    from builder.cycle.labelread import read_by_labels

    form = shipped_form(m.TARGET_KIND)
    values = read_by_labels(_two_tables(tmp_path / "两表.docx"), form)
    assert (values.document["单位名称"], values.document["年度"]) == ("测试单位", "2025")
    path = make_hand_typed_target(tmp_path / "手工.docx")
    document = docx.Document(path)
    document.add_paragraph("附件：培训名单")
    document.save(path)
    values = read_by_labels(path, form)
    assert values.projects[0]["情况说明.绩效目标"] == ["详见财政项目支出绩效目标申报表"]
    assert values.unplaced == ["表格之外的文字未导入：“附件：培训名单”"]


def test_unknown_rows_indicators_and_tables_are_reported(tmp_path):
    import docx
    from test_import import INDICATORS, make_hand_typed_target

    from builder.cycle.labelread import read_by_labels

    path = make_hand_typed_target(tmp_path / "多一行.docx", extra_rows=[
        ["备注", "此表另附说明", "", "", "", ""], ["", "其他指标", "其他", "未知指标", "完成", ""]])
    document = docx.Document(path)
    extra = document.add_table(rows=1, cols=2)
    extra.cell(0, 0).text, extra.cell(0, 1).text = "姓名", "张三"
    document.save(path)
    values = read_by_labels(path, shipped_form(m.TARGET_KIND))
    assert len(values.unplaced) == 3, values.unplaced
    assert "备注 | 此表另附说明" in values.unplaced[0] and "未知指标" in values.unplaced[1]
    assert "姓名" in values.unplaced[2]
    assert len(values.projects) == 1 and len(values.projects[0]["绩效指标"]) == len(INDICATORS)


def test_nulls_and_defaults_written_as_the_shipped_reader_writes_them(tmp_path):
    """年度总体目标 under 项目总目标 merged over it: null; a blank money cell (not a total): null; a
    document field not read: its default (预算单位数: 1)."""
    from test_import import make_hand_typed_target

    form = shipped_form(m.TARGET_KIND)
    hand, two = tmp_path / "hand", tmp_path / "two"
    import_with_form(make_hand_typed_target(tmp_path / "手工.docx"), hand, form, None, None, None)
    assert "年度总体目标: null\n" in (hand / "01-业务培训.yaml").read_text(encoding="utf-8")
    assert _load(hand / "document.yaml")["预算单位数"] == 1
    import_with_form(_two_tables(tmp_path / "两表.docx"), two, form, None, None, None)
    assert _load(two / "01-两表项目.yaml")["项目资金"]["项目资金总额"] == {"合计": "30.00万", "财政资金": "30.00万", "其他资金": None}  # as printed, in 万元


def test_duplicate_labels_and_missing_fields_are_said(tmp_path):
    import docx

    from builder.cycle.labelread import read_by_labels

    document = docx.Document()
    table = document.add_table(rows=2, cols=4)
    for row, texts in zip(table.rows, (("项目名称", "培训", "项目性质", "其他一次性项目"), ("项目性质", "其他经常性项目", "", ""))):
        for cell, text in zip(row.cells, texts):
            cell.text = text
    document.save(tmp_path / "缺项.docx")
    values = read_by_labels(tmp_path / "缺项.docx", shipped_form(m.TARGET_KIND))
    assert values.projects[0]["项目性质"] == "其他一次性项目"
    assert values.unplaced == ["“项目性质”重复出现，未导入：其他经常性项目"]
    assert "项目 1（培训）：没有找到“项目类别”，源文件中缺此项" in values.notes
    assert any("“绩效指标”" in note for note in values.notes)
    assert not any("项目概述" in note for note in values.notes)  # 情况说明 not printed at all: not listed
