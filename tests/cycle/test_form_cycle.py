"""Issue 22: new / init / schema / import follow the document's form.

- ``new 项目`` writes the skeleton of the document's form (shipped or a bureau's): every declared
  field, nothing it lacks; ``check`` of it then says only SKELETON.
- the shipped skeletons keep every key, value and ⟦⟧ mark of before the form engine
  (tests/cycle/skeletons/ holds them as they were; comments may move).
- ``init --form`` writes the JSON Schemas of the form; the skeleton's first line points at them.
- a document built from the 佳县 template reads back identical (build → import → build).
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from builder.read.docxtext import to_text
from conftest import EVALUATION_SOURCES, ROOT, TARGET_SOURCES, run_cli

SKELETONS = Path(__file__).parent / "skeletons"
EXAMPLES = ROOT / "examples"
MARK = re.compile(r"⟦([^⟦⟧]+)⟧")


def _load(text: str):
    return YAML(typ="safe", pure=True).load(io.StringIO(text))


def _repository(tmp_path: Path, *folders: Path) -> Path:
    """A git-less copy holding ``folders`` under their places relative to ROOT (the 佳县 example
    keeps its ../_共用 form and template)."""
    root = tmp_path / "repo"
    for folder in folders:
        shutil.copytree(folder, root / folder.relative_to(ROOT))
    (root / ".git").mkdir()
    return root


def _new_findings(folder: Path, stem: str) -> list[str]:
    checked = run_cli("check", folder)
    return [line for line in (checked.stdout + checked.stderr).splitlines() if f"/{stem}.yaml:" in line]


# ---------------------------------------------------------------- new 项目

@pytest.mark.parametrize("source", [TARGET_SOURCES, EVALUATION_SOURCES, EXAMPLES / "佳县-2016"],
                         ids=["申报", "自评", "佳县"])
def test_new_project_then_check_gives_only_skeleton_warnings(tmp_path, source):
    folders = [source] + ([EXAMPLES / "_共用"] if source.parent == EXAMPLES else [])
    root = _repository(tmp_path, *folders)
    folder = root / source.relative_to(ROOT)
    made = run_cli("new", "项目", "新项目", "--in", folder, cwd=root)
    assert made.returncode == 0, made.stderr
    written = next(folder.glob("*-新项目.yaml"))
    findings = _new_findings(folder, written.stem)
    assert findings, "the skeleton's example texts are said"
    assert all(" [警告] SKELETON " in line for line in findings), findings


@pytest.mark.parametrize("kind", ["绩效目标申报", "绩效自评"])
def test_shipped_skeleton_keeps_every_key_value_and_mark(kind):
    from builder.forms.formdef import shipped_form
    from builder.forms.skeleton import project_skeleton, unmark

    before = (SKELETONS / f"{kind}.yaml").read_text(encoding="utf-8")
    now = project_skeleton(shipped_form(kind), 2025, "某区某办公室", "../../.budgetdoc")
    assert now.splitlines()[0] == before.splitlines()[0]  # the schema link
    assert _load(unmark(now)) == _load(unmark(before))
    assert MARK.findall(now) == MARK.findall(before)


def test_placeholders_come_from_the_forms():
    from builder.forms.skeleton import placeholders

    before = {found for path in SKELETONS.glob("*.yaml") for found in MARK.findall(path.read_text(encoding="utf-8"))}
    assert set(placeholders()) == before


def test_jia_xian_skeleton_has_the_declared_fields_and_nothing_else(tmp_path):
    from builder.cycle.scaffold import skeleton_text
    from builder.forms.formdef import read_form

    form = read_form(EXAMPLES / "佳县-2016")
    data = _load(skeleton_text(form, year=2016, unit="佳县农业局", schemas="../.budgetdoc"))
    declared = {spec.key for spec in form.project_fields}
    assert set(data) <= declared
    assert {spec.key for spec in form.project_fields if spec.required} <= set(data)
    assert "绩效指标" not in data and "情况说明" in data


# ---------------------------------------------------------------- init --form, schema

def test_init_with_a_form_writes_its_schemas(tmp_path):
    root = _repository(tmp_path, EXAMPLES / "_共用")
    folder = root / "sources" / "新文档"
    made = run_cli("init", folder, "--form", root / "examples" / "_共用" / "佳县表单.yaml", "--year", "2017",
                   "--unit", "佳县农业局", cwd=root)
    assert made.returncode == 0, made.stderr
    schemas = root / ".budgetdoc" / "佳县表单"  # a bureau's form: its own schema folder, the shipped ones untouched
    document_schema = json.loads((schemas / "document.schema.json").read_text(encoding="utf-8"))
    project_schema = json.loads((schemas / "绩效目标申报.schema.json").read_text(encoding="utf-8"))
    assert "项目属性" in project_schema["properties"]
    assert "绩效指标" not in project_schema["properties"]
    assert "长期绩效指标" in project_schema["properties"]
    assert "单位名称" in document_schema["properties"]
    assert "⟦" not in (folder / "document.yaml").read_text(encoding="utf-8")  # the marks are the check's, not the file's
    first = (folder / "01-示例项目.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=") and first.endswith("绩效目标申报.schema.json")


# ---------------------------------------------------------------- import of a bureau form's document

def test_jia_xian_build_import_build_is_identical(tmp_path):
    root = _repository(tmp_path, EXAMPLES / "佳县-2016", EXAMPLES / "_共用")
    folder = root / "examples" / "佳县-2016"
    first = run_cli("build", folder, "--out", tmp_path / "first", cwd=root)
    assert first.returncode == 0, first.stderr
    built = tmp_path / "first" / "佳县-2016.docx"
    imported = root / "examples" / "佳县-导入"
    result = run_cli("import", built, "--out", imported, "--form", folder, cwd=root)
    assert result.returncode == 0, result.stderr
    assert "未导入" not in result.stdout + result.stderr
    checked = run_cli("check", imported, cwd=root)
    assert checked.returncode == 0 and "错误" not in checked.stdout.replace("0 个错误", ""), checked.stdout
    second = run_cli("build", imported, "--out", tmp_path / "second", cwd=root)
    assert second.returncode == 0, second.stderr
    assert to_text(tmp_path / "second" / "佳县-导入.docx") == to_text(built)
    # dates as dates, 选项 as its value, the 进度计划 table row by row
    data = _load((imported / "01-红枣提质增效示范工程.yaml").read_text(encoding="utf-8"))
    assert str(data["计划开始日期"]) == "2015-03-01"
    assert data["项目属性"] == "延续项目"
    assert [row["完成时间"] for row in data["项目实施进度计划"]][:1] == ["2016年4月"]


# ---------------------------------------------------------------- new 绩效自评 --from, new --year of a bureau's form

def test_jia_xian_evaluation_and_next_year_carry_the_forms_fields(tmp_path):
    root = _repository(tmp_path, EXAMPLES / "佳县-2016", EXAMPLES / "_共用")
    folder = root / "examples" / "佳县-2016"
    evaluation = root / "examples" / "佳县-自评"
    made = run_cli("new", "绩效自评", "--from", folder, "--out", evaluation, cwd=root)
    assert made.returncode == 0, made.stderr
    data = _load((evaluation / "01-红枣提质增效.yaml").read_text(encoding="utf-8"))
    assert data["项目属性"] == "延续项目" and data["项目负责人"] == "张志刚"  # declared by the derived 自评
    assert data["项目资金"]["年度资金总额"][0] == 1587600  # 年度金额 role
    assert data["项目资金"]["其他资金"][0] == 80000 + 200000 + 107600  # 其余: 其他 + 自有 + 事业 + 经营性
    assert "长期绩效指标" not in data and "绩效指标" in data  # the last set is the one evaluated
    checked = run_cli("check", evaluation, cwd=root)
    assert "[错误]" not in checked.stdout, checked.stdout
    draft = root / "examples" / "佳县-2017"
    made = run_cli("new", "绩效目标申报", "--from", folder, "--year", "2017", "--out", draft, cwd=root)
    assert made.returncode == 0, made.stderr
    document = _load((draft / "document.yaml").read_text(encoding="utf-8"))
    assert str(document["填报日期"]) == "2017-03-15"  # a 日期 field of the document moves too
    project = _load((draft / "01-红枣提质增效.yaml").read_text(encoding="utf-8"))
    before = _load((folder / "01-红枣提质增效.yaml").read_text(encoding="utf-8"))
    assert project["计划完成日期"].year == before["计划完成日期"].year + 1


def _with_cover(template: Path, out: Path) -> None:
    """The 佳县 template with a cover table before the projects: document values (a date printed as
    年/月/日), a row per project and a 合计 row — all computed but the first two."""
    import docx

    document = docx.Document(str(template))
    rows = [("单位名称", "{{ 单位名称 }}"), ("填报日期", "{{ 填报日期.年 }}年{{ 填报日期.月 }}月{{ 填报日期.日 }}日"),
            ("{%tr for 项目 in 项目列表 %}", ""), ("{{ 项目.项目名称 }}", "{{ 项目.项目资金.年度资金申请总额.合计.万元 }}"),
            ("{%tr endfor %}", ""), ("合计", "{{ 合计.项目资金.年度资金申请总额.合计.万元 }}")]
    table = document.add_table(rows=len(rows), cols=2)
    for row, texts in zip(table.rows, rows):
        for cell, text in zip(row.cells, texts):
            cell.text = text
    document.element.body.insert(0, table._tbl)
    document.save(str(out))


def test_a_cover_table_and_its_totals_read_back(tmp_path):
    root = _repository(tmp_path, EXAMPLES / "佳县-2016", EXAMPLES / "_共用")
    folder = root / "examples" / "佳县-2016"
    _with_cover(root / "examples" / "_共用" / "佳县申报表.docx", root / "examples" / "_共用" / "封面.docx")
    text = (folder / "document.yaml").read_text(encoding="utf-8").replace("佳县申报表.docx", "封面.docx")
    (folder / "document.yaml").write_text(text, encoding="utf-8")
    first = run_cli("build", folder, "--out", tmp_path / "first", cwd=root)
    assert first.returncode == 0, first.stderr
    built = tmp_path / "first" / "佳县-2016.docx"
    assert "218.76" in to_text(built)  # the cover's 合计 was printed
    imported = root / "examples" / "佳县-导入"
    result = run_cli("import", built, "--out", imported, "--form", folder, cwd=root)
    assert result.returncode == 0, result.stderr
    assert "未导入" not in result.stdout + result.stderr, result.stderr
    document = _load((imported / "document.yaml").read_text(encoding="utf-8"))
    assert str(document["填报日期"]) == "2016-03-15" and "合计" not in document
    second = run_cli("build", imported, "--out", tmp_path / "second", cwd=root)
    assert second.returncode == 0, second.stderr
    assert to_text(tmp_path / "second" / "佳县-导入.docx") == to_text(built)


def test_new_project_in_a_bureau_forms_evaluation_gives_only_skeleton_warnings(tmp_path):
    root = _repository(tmp_path, EXAMPLES / "佳县-2016", EXAMPLES / "_共用")
    evaluation = root / "examples" / "佳县-自评"
    assert run_cli("new", "绩效自评", "--from", root / "examples" / "佳县-2016", "--out", evaluation,
                   cwd=root).returncode == 0
    made = run_cli("new", "项目", "新项目", "--in", evaluation, cwd=root)
    assert made.returncode == 0, made.stderr
    findings = _new_findings(evaluation, next(evaluation.glob("*-新项目.yaml")).stem)
    assert findings and all(" [警告] SKELETON " in line for line in findings), findings
    data = _load(next(evaluation.glob("*-新项目.yaml")).read_text(encoding="utf-8"))
    assert "项目负责人" in data and "项目实施进度计划" in data  # the 佳县 fields of its derived 自评


def test_a_broken_form_is_said_where_it_is_not_a_traceback(tmp_path):
    root = _repository(tmp_path, EXAMPLES / "佳县-2016", EXAMPLES / "_共用")
    form = root / "examples" / "_共用" / "佳县表单.yaml"
    text = form.read_text(encoding="utf-8")
    assert "\n指标体系:" in text
    form.write_text(text.replace("\n指标体系:", "\n指标题组:"), encoding="utf-8")  # an unknown key at the top
    made = run_cli("new", "项目", "新项目", "--in", root / "examples" / "佳县-2016", cwd=root)
    assert made.returncode == 1 and "佳县表单.yaml:" in made.stderr and "指标题组" in made.stderr, made.stderr
    assert not list((root / "examples" / "佳县-2016").glob("*-新项目.yaml"))


# ---------------------------------------------------------------- a hand-typed copy read by the form's labels

def test_jia_xian_typed_by_hand_reads_back_by_the_forms_labels(tmp_path):
    """No template: the built 佳县 document is read as if typed in Word, by the labels the complete
    佳县 form declares (项目实施单位, 资金总额 / 财政拨款 / 其他 in 万元, 长期目标 | 年度目标, 指标内容 …)."""
    root = _repository(tmp_path, EXAMPLES / "佳县-2016", EXAMPLES / "_共用")
    shutil.copy(ROOT / "tests" / "data" / "佳县-完整.yaml", root / "examples" / "_共用" / "佳县-完整.yaml")
    folder = root / "examples" / "佳县-2016"
    first = run_cli("build", folder, "--out", tmp_path / "first", cwd=root)
    assert first.returncode == 0, first.stderr
    built = tmp_path / "first" / "佳县-2016.docx"
    imported = root / "examples" / "佳县-手填"
    form = root / "examples" / "_共用" / "佳县-完整.yaml"
    result = run_cli("import", built, "--out", imported, "--form", form, cwd=root)
    assert result.returncode == 0, result.stderr
    data = _load((imported / "01-红枣提质增效示范工程.yaml").read_text(encoding="utf-8"))
    assert data["实施单位"] == "佳县红枣产业发展中心"  # printed 项目实施单位
    assert str(data["计划开始日期"]) == "2015-03-01" and str(data["计划完成日期"]) == "2017-12-31"
    assert data["项目属性"] == "延续项目"
    funds = data["项目资金"]["年度资金申请总额"]
    assert funds["合计"] == "158.76万" and funds["其他资金"] == "8.00万"  # written in the 万元 the form prints
    assert data["长期绩效指标"]["产出指标"]["数量指标"]["示范园建设面积"] == {"指标值": "≥15000亩", "备注": "三年累计"}
    document = imported / "document.yaml"
    document.write_text(document.read_text(encoding="utf-8") + "模板: ../_共用/佳县申报表.docx\n", encoding="utf-8")
    second = run_cli("build", imported, "--out", tmp_path / "second", cwd=root)
    assert second.returncode == 0, second.stderr
    assert to_text(tmp_path / "second" / "佳县-手填.docx") == to_text(built)
