"""A bureau's own form (issue 13): the form definition, its fields and indicator sets, the Chinese
template names, template new, the 佳县 example built and read back, import by the template."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from helpers import validator_errors

from builder.output.build import build

from builder.render.context import document_context
from builder.read.docxtext import TableRow, read_items, to_text
from builder.load.loader import load_document
from conftest import ROOT, run_cli

EXAMPLES = ROOT / "examples"
JIAXIAN = EXAMPLES / "佳县-2016"
FORM = EXAMPLES / "_共用" / "佳县表单.yaml"


def _repo_copy(tmp_path) -> Path:
    """The examples folder in a repository of its own (so imports may name the shared files)."""
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES, repo / "examples")
    (repo / ".git").mkdir()
    return repo / "examples"


def _errors(folder: Path) -> list[str]:
    loaded = load_document(folder)
    return [p.format().replace(str(folder) + os.sep, "") for p in loaded.problems if p.severity == "错误"]


# ---------------------------------------------------------------- the form definition

def test_the_example_loads_with_its_fields_framework_and_indicator_sets():
    document = load_document(JIAXIAN).document
    assert document.form.groups == ("长期绩效指标", "年度绩效指标")
    assert document.form.framework_map["产出指标"][-1] == "成本指标"
    assert document.values["填报人"] == "王小红"
    first = document.projects[0]
    assert first.get("项目属性") == "延续项目"
    assert first.get("项目实施进度计划")[1]["开始时间"] == "2016年5月"
    assert first.get("项目资金.年度资金申请总额.自有资金") == 200000
    assert [i.group for i in first.indicators].count("长期绩效指标") == len(first.indicator_sets["长期绩效指标"])
    remarks = {i.name: i.extra["备注"] for i in first.indicators if i.extra.get("备注")}
    assert remarks == {"示范园建设面积": "三年累计", "新建示范园面积": "6 个乡镇"}


def test_declared_fields_are_validated_with_places_and_undeclared_keys_stay_errors(tmp_path):
    folder = _repo_copy(tmp_path) / "佳县-2016"
    path = folder / "02-农业技术培训.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("项目属性: 新增项目", "项目属性: 新项目").replace("项目负责人: 刘慧", "项目负责任人: 刘慧")
    text = text.replace("      培训人数: {指标值: =600人, 备注: 每期 50 人}", "      培训人数: {指标值: =600人, 备考: 每期}")
    text = text.replace("    质量指标:\n      考核合格率", "    效益指标:\n      考核合格率")
    text = text.replace("    自有资金: 4万", "    自有资金: 4,0万")
    path.write_text(text, encoding="utf-8")
    errors = _errors(folder)
    joined = "\n".join(errors)
    assert "项目属性: “新项目”不是可用的值，是否应为“新增项目”？" in joined
    assert "项目负责任人: 未知的键“项目负责任人”，是否应为“项目负责人”？" in joined
    assert "备考: 未知的键“备考”，是否应为“备注”？" in joined
    assert "未知的二级指标“效益指标”" in joined
    assert "项目资金.年度资金申请总额.自有资金:" in joined
    assert all(line.startswith("02-农业技术培训.yaml:") and line.count(":") >= 3 for line in errors), errors


def test_mistakes_in_the_form_definition_are_located(tmp_path):
    examples = _repo_copy(tmp_path)
    form = examples / "_共用" / "佳县表单.yaml"
    text = form.read_text(encoding="utf-8").replace("主管部门编码: 文本", "主管部门编码: 文字")
    form.write_text(text.replace("    类型: 金额表\n", "    类型: 钱表\n"), encoding="utf-8")
    errors = _errors(examples / "佳县-2016")
    joined = "\n".join(errors)
    assert "项目.主管部门编码: 未知的字段类型“文字”，是否应为“文本”？" in joined
    assert "项目.项目资金: 未知的字段类型“钱表”" in joined
    assert all(line.split(" ")[0].split(":")[0].endswith("_共用/佳县表单.yaml") for line in errors), errors


def test_mistakes_in_a_legacy_form_definition_are_located(tmp_path):
    examples = _repo_copy(tmp_path)
    form = examples / "_共用" / "佳县表单.yaml"
    text = (ROOT / "tests" / "data" / "佳县表单-旧.yaml").read_text(encoding="utf-8")
    text = text.replace("主管部门编码: 文本", "主管部门编码: 文字").replace("  指标:\n    备注: 文本", "  指标项:\n    备注: 文本")
    text = text.replace("  - 项目性质\n", "  - 项目性值\n")
    form.write_text(text, encoding="utf-8")
    errors = _errors(examples / "佳县-2016")
    joined = "\n".join(errors)
    assert "未知的字段类型“文字”，是否应为“文本”？" in joined
    assert "字段.指标项: 未知的键“指标项”，是否应为“指标”？" in joined
    assert "不用: “项目性值”不是表单中的字段，是否应为“项目性质”？" in joined
    assert all(line.split(" ")[0].split(":")[0].endswith("_共用/佳县表单.yaml") for line in errors), errors


def test_json_schema_of_a_form_has_its_fields_and_sets():
    result = run_cli("schema", "--form", JIAXIAN)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    properties = schema["properties"]
    assert properties["项目属性"]["enum"] == ["新增项目", "延续项目"] and "项目属性" in schema["required"]
    assert {"长期绩效指标", "年度绩效指标"} <= set(properties) and "绩效指标" not in properties
    assert "成本指标" in properties["年度绩效指标"]["properties"]["产出指标"]["properties"]
    assert "项目性质" not in schema["required"]


# ---------------------------------------------------------------- the context

def test_chinese_names_mirror_the_source_keys():
    document = load_document(JIAXIAN).document
    context = document_context(document)
    project = context["项目列表"][0]
    assert project["项目名称"] == "红枣提质增效示范工程"
    assert project["项目资金"]["年度资金申请总额"]["合计"] == {"元": "1,587,600.00", "万元": "158.76", "万元4位": "158.7600"}
    assert project["项目资金"]["年度资金申请总额"]["自有资金"]["万元"] == "20.00"
    assert project["项目属性"]["框"] == {"新增项目": "□", "延续项目": "☑"}
    assert project["计划开始日期"]["中文"] == "2015年3月1日"
    row = project["长期绩效指标"][0]
    assert row["指标值"] == {"原文": "≥15000亩", "规范": "≥15000.00(亩)", "比较符": "≥", "数值": "15000.00", "单位": "亩"}
    assert row["备注"] == "三年累计"
    assert context["填报日期"]["中文"] == "2016年3月15日"
    # the shipped sources have the Chinese names too, beside the English ones
    shipped = document_context(load_document(ROOT / "sources" / "2025-绩效目标申报").document)
    assert shipped["项目列表"][0]["项目名称"] == shipped["projects"][0]["name"]


def test_context_command_prints_one_project_as_yaml():
    result = run_cli("context", JIAXIAN, "--project", "02-农业技术培训")
    assert result.returncode == 0, result.stderr
    assert "项目名称: 新型职业农民技术培训" in result.stdout and "红枣" not in result.stdout
    wrong = run_cli("context", JIAXIAN, "--project", "02-农业技术")
    assert wrong.returncode == 1 and wrong.stderr.strip().count("\n") == 0 and "是否应为“02-农业技术培训”" in wrong.stderr


def test_docs_list_every_name_generated_from_code():
    from builder.render.docsgen import names_section

    text = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    assert names_section() in text, "docs/templates.md is out of step: run python -m builder.render.docsgen"


# ---------------------------------------------------------------- template new

@pytest.mark.parametrize("args", [["--from", "绩效目标申报"], ["--from", "绩效自评"], ["--form", str(FORM)]])
def test_template_new_writes_a_starter_that_template_check_accepts(tmp_path, args):
    target = tmp_path / "新模板.docx"
    result = run_cli("template", "new", target, *args)
    assert result.returncode == 0, result.stderr
    check = run_cli("template", "check", target, "-q", *(["--form", FORM] if "--form" in args else []))
    assert check.returncode == 0, check.stderr
    assert "没有发现问题" in check.stderr
    text = to_text(target)
    assert "可用的名称" in text
    again = run_cli("template", "new", target, *args)
    assert again.returncode == 1 and "已存在" in again.stderr


def test_shipped_templates_are_made_by_the_package():
    from builder.cycle.templatemaker import make_shipped_templates

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        for path in make_shipped_templates(Path(folder)):
            assert path.read_bytes() == (ROOT / "templates" / path.name).read_bytes()


# ---------------------------------------------------------------- the 佳县 example, built

@pytest.fixture(scope="module")
def jiaxian_built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("jiaxian")
    results, failures = build([JIAXIAN], out, use_cache=False)
    assert not failures, failures and failures[0].problems
    return out / "佳县-2016.docx"


def _rows(path) -> list[TableRow]:
    return [item for item in read_items(path) if isinstance(item, TableRow)]


def test_the_built_example_carries_the_facts_of_its_sources(jiaxian_built):
    """Facts transcribed from the sources by hand, read back from the built .docx."""
    items = read_items(jiaxian_built)
    texts = [getattr(i, "text", "") for i in items]
    assert texts.count("佳县财政支出项目绩效目标申报表") == 3
    assert "（2016年度）" in texts and "填报单位（盖章）：佳县农业局" in texts
    rows = _rows(jiaxian_built)
    cells = [row.resolved for row in rows]
    flat = [c for row in cells for c in row]
    # 项目属性 as boxes; money in 万元 with two decimals
    assert "新增项目 □   延续项目 ☑" in flat and "新增项目 ☑   延续项目 □" in flat
    money = next(row for row in cells if "资金总额" in row)
    assert money[money.index("资金总额") + 1] == "158.76" and money[money.index("财政拨款") + 1] == "120.00"
    assert "2015年3月1日 至 2017年12月31日" in flat
    # the 进度计划 table, numbered
    assert "2、防裂果与病虫害防治技术推广" in flat and "2016年10月" in flat
    # two indicator grids per project, each with its own 一级/二级 merges
    long_rows = [row for row in rows if row.resolved[0] == "长期绩效指标"]
    annual_rows = [row for row in rows if row.resolved[0] == "年度绩效指标"]
    assert len(long_rows) == 3 + 4 + 4 + 4 - 0 or len(long_rows) > 0
    first_annual = annual_rows[1:8]  # project 1: header + 7 indicators
    assert [r.resolved[3] for r in first_annual] == ["新建示范园面积", "现场观摩会", "技术推广完成时间", "亩均投入",
                                                      "示范园亩均增收", "带动枣农户数", "枣农满意度"]
    assert [r.cells[1] for r in first_annual] == ["产出指标", "", "", "", "效益指标", "", "服务对象满意度指标"]
    assert [r.cells[2] for r in first_annual] == ["数量指标", "", "时效指标", "成本指标", "经济效益指标", "社会效益指标",
                                                   "具体指标"]
    assert first_annual[0].resolved[-1] == "6 个乡镇" and first_annual[0].resolved[-2] == "≥5000亩"
    assert "填报人：王小红        单位负责人：李建国        填报日期：2016年3月15日" in texts
    assert "可用的名称" not in texts  # the listing page of the template is never built


def test_the_example_builds_the_same_bytes_twice(tmp_path, jiaxian_built):
    results, failures = build([JIAXIAN], tmp_path, use_cache=False)
    assert not failures
    assert (tmp_path / "佳县-2016.docx").read_bytes() == jiaxian_built.read_bytes()


def test_a_shared_form_file_is_an_input_of_the_cache(tmp_path):
    examples = _repo_copy(tmp_path)
    out = tmp_path / "out"
    assert not build([examples / "佳县-2016"], out)[1]
    assert build([examples / "佳县-2016"], out)[0][0].skipped
    form = examples / "_共用" / "佳县表单.yaml"
    form.write_text(form.read_text(encoding="utf-8").replace("备注: 文本", "备注: {类型: 文本, 标签: 备注}"),
                    encoding="utf-8")
    results, failures = build([examples / "佳县-2016"], out)
    assert not failures and not results[0].skipped


# ---------------------------------------------------------------- import

def test_import_of_the_built_example_reads_every_declared_field_back(tmp_path, jiaxian_built):
    examples = _repo_copy(tmp_path)
    imported = examples / "佳县-导入"
    result = run_cli("import", jiaxian_built, "--out", imported, "--form", examples / "佳县-2016")
    assert result.returncode == 0, result.stderr
    assert "未导入" not in result.stderr and "请核对" not in result.stderr, result.stderr
    original, again = load_document(JIAXIAN).document, load_document(imported).document
    assert again.values == original.values
    for a, b in zip(original.projects, again.projects):
        own = lambda p: {k: getattr(v, 'cells', v) for k, v in p.values.items() if k not in p.indicator_sets}  # noqa: E731
        assert own(a) == own(b)
        facts = lambda p: [(i.group, i.level1, i.level2, i.name, i.target, i.extra) for i in p.indicators]  # noqa: E731
        assert facts(a) == facts(b)
    out = tmp_path / "rebuilt"
    results, failures = build([imported], out, use_cache=False)
    assert not failures, failures[0].problems
    assert to_text(out / "佳县-导入.docx") == to_text(jiaxian_built)


def test_import_of_a_form_it_does_not_know_fails_with_one_line(tmp_path, jiaxian_built):
    result = run_cli("import", jiaxian_built, "--out", tmp_path / "x")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "不是 budgetdoc 认得的表单" in result.stderr
    assert not (tmp_path / "x").exists()


# ---------------------------------------------------------------- Word validator

def test_open_xml_sdk_validator_accepts_the_example_and_the_starters(tmp_path, jiaxian_built):
    from builder.forms.formdef import read_form
    from builder.cycle.templatemaker import make_starter

    files = [jiaxian_built, EXAMPLES / "_共用" / "佳县申报表.docx"]
    for name, kwargs in (("申报", {"kind": "绩效目标申报"}), ("自评", {"kind": "绩效自评"}),
                         ("表单", {"form": read_form(FORM)})):
        path = tmp_path / f"{name}.docx"
        make_starter(path, **kwargs)
        files.append(path)
    assert validator_errors(*files) == {}


# ---------------------------------------------------------------- diff, xlsx, new --year

def test_diff_reports_declared_fields_under_their_labels(tmp_path):
    from builder.review.semdiff import diff_documents

    examples = _repo_copy(tmp_path)
    folder = examples / "佳县-2016"
    old = load_document(folder).document
    path = folder / "01-红枣提质增效.yaml"
    text = path.read_text(encoding="utf-8").replace("联系电话: 0912-6721234", "联系电话: 0912-6720000")
    text = text.replace("{指标值: ≥15000亩, 备注: 三年累计}", "{指标值: ≥15000亩, 备注: 四年累计}")
    text = text.replace("    自有资金: 20万\n    事业收入: 10.76万", "    自有资金: 10.76万\n    事业收入: 20万")
    path.write_text(text, encoding="utf-8")
    new = load_document(folder).document
    lines = [c.line() for c in diff_documents(old, new)]
    assert "红枣提质增效示范工程 · 基本信息 · 联系电话: 0912-6721234 → 0912-6720000" in lines
    assert "红枣提质增效示范工程 · 项目资金 · 自有资金: 20.00 万元 → 10.76 万元" in lines
    assert "红枣提质增效示范工程 · 长期绩效指标 · 产出指标/数量指标/示范园建设面积/备注: 三年累计 → 四年累计" in lines
    assert not any("实施主体" in line for line in lines)


def test_the_workbook_has_the_declared_fields(tmp_path):
    import openpyxl

    results, failures = build([JIAXIAN], tmp_path, formats=("xlsx",), use_cache=False)
    assert not failures
    workbook = openpyxl.load_workbook(tmp_path / "佳县-2016.xlsx")
    projects, indicators = workbook["项目"], workbook["绩效指标"]
    headers = [c.value for c in projects[1]]
    first = dict(zip(headers, [c.value for c in projects[2]]))
    assert first["项目属性"] == "延续项目" and first["自有资金（万元）"] == 20  # in the 万元 the form prints and first["项目负责人"] == "张志刚"
    rows = list(indicators.iter_rows(values_only=True))
    assert rows[0][0] == "指标组" and rows[0][-1] == "备注"
    assert rows[1][0] == "长期绩效指标" and rows[1][-1] == "三年累计"


def test_next_year_follows_the_shared_form_and_template_and_moves_declared_dates(tmp_path):
    from builder.cycle.newyear import next_year

    examples = _repo_copy(tmp_path)
    next_year(examples / "佳县-2016", examples / "佳县-2017", 2017)
    text = (examples / "佳县-2017" / "document.yaml").read_text(encoding="utf-8")
    assert "表单: ../_共用/佳县表单.yaml" in text and "模板: ../_共用/佳县申报表.docx" in text
    assert "填报日期: 2017-03-15" in text
    results, failures = build([examples / "佳县-2017"], tmp_path / "out", use_cache=False)
    assert not failures, failures[0].problems


def test_new_evaluation_of_a_form_document_carries_the_form_and_its_fields(tmp_path):
    examples = _repo_copy(tmp_path)
    out = examples / "佳县-2016-自评"
    result = run_cli("new", "绩效自评", "--from", examples / "佳县-2016", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "表单: ../_共用/佳县表单.yaml" in (out / "document.yaml").read_text(encoding="utf-8")
    loaded = load_document(out)
    assert not loaded.errors, loaded.errors
    project = loaded.document.projects[0]
    assert project.get("项目负责人") == "张志刚"
    # the 自评 evaluates the year's set, with its 备注; 满意度 gets its default points
    assert [i.name for i in project.indicators][:2] == ["新建示范园面积", "现场观摩会"]
    assert project.indicators[0].extra["备注"] == "6 个乡镇"
    assert project.indicators[-1].weight == 10
    # the form's money rows are in 其他资金 (the 自评 form has no rows of theirs)
    assert project.get("项目资金.其他资金.年初预算数") == 80000 + 200000 + 107600 + 0
    context = document_context(loaded.document)
    assert context["项目列表"][0]["项目负责人"] == "张志刚" and context["填报人"] == "王小红"
    # the workbook of the 自评 has the form's fields too
    import openpyxl
    from builder.output.xlsx import workbook_bytes
    import io

    workbook = openpyxl.load_workbook(io.BytesIO(workbook_bytes(loaded.document)))
    headers = [c.value for c in workbook["项目"][1]]
    assert "项目负责人" in headers and workbook["项目"].cell(2, headers.index("项目负责人") + 1).value == "张志刚"
    assert [c.value for c in workbook["绩效指标"][1]][-1] == "备注"


def test_from_a_blank_folder_to_a_built_form_in_four_commands(tmp_path):
    """README, “Your bureau's own form”: the steps as a user types them."""
    (tmp_path / ".git").mkdir()
    shutil.copyfile(FORM, tmp_path / "表单.yaml")
    steps = [("init", "2017", "--form", "表单.yaml", "--unit", "佳县林业局", "--year", "2017"),
             ("template", "new", "2017/我的表单.docx", "--form", "2017")]
    for step in steps:
        result = run_cli(*step, cwd=tmp_path)
        assert result.returncode == 0, (step, result.stderr)
    document = tmp_path / "2017" / "document.yaml"
    text = document.read_text(encoding="utf-8")
    assert "# 模板: 我的表单.docx" in text
    document.write_text(text.replace("# 模板: 我的表单.docx", "模板: 我的表单.docx"), encoding="utf-8")
    for step in (("check", "2017"), ("build", "2017", "--out", "out")):
        result = run_cli(*step, cwd=tmp_path)
        assert result.returncode == 0, (step, result.stderr)
    assert "示例服务对象满意度指标" in to_text(tmp_path / "out" / "2017.docx")


def test_a_paragraph_tag_with_other_words_in_its_paragraph_is_reported(tmp_path):
    import docx

    document = docx.Document(str(ROOT / "templates" / "绩效目标申报.docx"))
    paragraph = next(p for p in document.paragraphs if p.text.startswith("七、"))
    paragraph.runs[0].text = "七、绩效目标 {%p if false %}"
    document.save(str(tmp_path / "坏.docx"))
    result = run_cli("template", "check", tmp_path / "坏.docx", "-q", "--kind", "绩效目标申报")
    assert result.returncode == 1
    assert "“{%p if false %}”须单独占一个段落：生成时整段换成这个标签，同一段的其他文字（“七、绩效目标”）会丢失" in result.stderr


@pytest.mark.parametrize("folder", [JIAXIAN, ROOT / "sources" / "2023-绩效自评", ROOT / "sources" / "2025-绩效目标申报"])
def test_the_names_template_check_knows_are_those_the_context_has(folder):
    """context_names (what template check accepts, what the docs list) in step with the context."""
    from builder.render.context import context_names

    def shape(value):
        if isinstance(value, dict):
            return {key: shape(item) for key, item in value.items()}
        if isinstance(value, list):
            if not value:
                return "empty"  # an empty list fits any element
            elements = [shape(item) for item in value if isinstance(item, (dict, list))]
            return [elements[0] if elements else "leaf"]
        return "leaf"

    def fits(found, names) -> bool:
        if found == "empty":
            return isinstance(names, list)
        if isinstance(found, dict):
            return isinstance(names, dict) and found.keys() == names.keys() and all(
                fits(found[k], names[k]) for k in found)
        if isinstance(found, list):
            return isinstance(names, list) and fits(found[0], names[0])
        return found == names

    def declared(value):
        if isinstance(value, dict):
            return {key: declared(item) for key, item in value.items()}
        if isinstance(value, list):
            return [declared(value[0])]
        return "leaf"

    document = load_document(folder).document
    context = document_context(document)
    chinese = {key: value for key, value in context.items() if not key.isascii()}
    names = {key: value for key, value in context_names(document.kind, None if document.form.shipped else document.form).items() if not key.isascii()}
    assert fits(shape(chinese), declared(names))


def test_template_check_of_a_form_template_without_its_form_says_to_name_it():
    result = run_cli("template", "check", EXAMPLES / "_共用" / "佳县申报表.docx", "-q")
    assert result.returncode == 1
    assert "“项目”没有“项目负责人”这一项" in result.stderr and "请加 --form 指明表单定义" in result.stderr
    named = run_cli("template", "check", EXAMPLES / "_共用" / "佳县申报表.docx", "-q", "--form", JIAXIAN)
    assert named.returncode == 0, named.stderr


def test_watch_rebuilds_when_the_shared_template_changes(tmp_path):
    import hashlib
    import subprocess
    import sys
    import time
    import zipfile

    examples = _repo_copy(tmp_path)
    out = tmp_path / "out"
    output = out / "佳县-2016.docx"
    log_path = tmp_path / "watch.log"
    log = open(log_path, "w+", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "builder", "build", str(examples / "佳县-2016"), "--out", str(out),
                                "--watch"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)

    def wait_for(condition, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.1)
        return False

    def digest():
        return hashlib.sha256(output.read_bytes()).hexdigest() if output.is_file() else ""

    try:
        assert wait_for(lambda: "正在监视" in log_path.read_text(encoding="utf-8"))
        assert "_共用" in log_path.read_text(encoding="utf-8")
        first = digest()
        template = examples / "_共用" / "佳县申报表.docx"
        with zipfile.ZipFile(template) as package:
            parts = {info: package.read(info.filename) for info in package.infolist()}
        edited = template.with_name("临时.docx")
        with zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as package:
            for info, data in parts.items():
                if info.filename == "word/document.xml":
                    data = data.decode("utf-8").replace("项目概况", "项目概况说明").encode("utf-8")
                package.writestr(info, data)
        edited.replace(template)
        assert wait_for(lambda: digest() not in ("", first)), log_path.read_text(encoding="utf-8")
        assert "项目概况说明" in to_text(output)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
