"""docs/forms.md is the language reference: its examples are forms (or parts of one) that read
without a problem, by the code that reads every form."""

from __future__ import annotations

import re

from builder.forms.formdef import parse_form
from builder.model.schema import Context
from builder.read.errors import Problems
from builder.read.syntax import parse
from conftest import ROOT

DOC = ROOT / "docs" / "forms.md"


def _blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def _read(text: str, tmp_path):
    path = tmp_path / "表单.yaml"
    path.write_text(text, encoding="utf-8")
    problems = Problems()
    node = parse(path, text.encode("utf-8"), problems)
    form = parse_form(node, Context(problems), "", path, "绩效目标申报")
    return form, [p.format() for p in problems.items]


def _indented(block: str) -> str:
    return "".join(f"  {line}\n" for line in block.splitlines())


def test_the_examples_of_the_reference_are_forms(tmp_path):
    blocks = _blocks()
    by_start = {block.split(":", 1)[0]: block for block in blocks}
    money, table, framework, indicators = (by_start[k] for k in ("项目资金", "项目实施进度计划", "指标体系", "绩效指标"))
    text = (framework + "项目:\n  项目名称: {类型: 文本, 必填: true, 角色: 名称}\n"
            + _indented(money) + _indented(table) + _indented(indicators))
    form, problems = _read(text, tmp_path)
    assert not problems and form is not None, problems
    assert form.role_path("年度金额") == "项目资金.年度资金申请总额.合计"
    assert [c.row for c in form.money_tables()[0].table.column_cells("年度资金申请总额")][0] == "合计"
    assert form.framework_map["成本指标"][0] == "经济成本指标"


def test_the_legacy_example_is_a_legacy_edit(tmp_path):
    legacy = next(block for block in _blocks() if block.startswith("名称:") and "不用:" in block)
    form, problems = _read(legacy, tmp_path)
    assert not problems and form.legacy, problems
    assert form.groups == ("长期绩效指标", "年度绩效指标")
    assert "项目资金.项目资金总额" in form.unused


def test_the_readme_example_is_a_complete_form(tmp_path):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index("   名称: 本县财政"):]
    block = "".join(line[3:] + "\n" for line in block[:block.index("   ```")].splitlines())
    form, problems = _read(block, tmp_path)
    assert not problems and form is not None and not form.legacy, problems
    assert form.role_path("年度金额") == "项目资金.年度资金申请总额.合计"
