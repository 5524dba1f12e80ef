"""A finding beside the cell it names, in the HTML page of a bureau's form (issue 22): a finding of an
indicator row as a whole sits beside the row's 三级 (its name) cell, not its 一级/二级 cells."""

from __future__ import annotations

import re
import shutil

from builder.output.build import check
from builder.output.html import document_html
from conftest import ROOT


def test_an_indicator_rows_finding_sits_beside_its_name_cell(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", repo / "examples")
    (repo / ".git").mkdir()
    folder = repo / "examples" / "佳县-2016"
    source = next(folder.glob("01-*.yaml"))
    text = source.read_text(encoding="utf-8")
    assert "示范园裂果率: ≤20%" in text
    source.write_text(text.replace("示范园裂果率: ≤20%", "示范园裂果率: ≤20"), encoding="utf-8")
    documents, problems = check([folder])
    (finding,) = [p for p in problems if p.rule == "IND-UNIT"]
    assert finding.field == "长期绩效指标.产出指标.质量指标.示范园裂果率"
    html = document_html(documents[0], problems)
    before = html[:html.index(finding.message)]
    cells = re.findall(r'data-field="([^"]*)"', before)
    assert cells[-1] == "长期绩效指标.产出指标.质量指标.示范园裂果率.三级指标", cells[-3:]
