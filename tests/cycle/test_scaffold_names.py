"""``budgetdoc new 项目 NAME`` writes the name so that YAML reads back exactly that name (issue 21)."""

from __future__ import annotations

import io
import shutil

import pytest

from builder.load.loader import load_document
from builder.model.core import EVALUATION_KIND, TARGET_KIND
from builder.cycle.scaffold import new_project, scaffold

NAMES = ["yes", "no", "No", "on", "off", "y", "null", "Null", "~", "true", "False", "123", "1e3", "0x1f", "1:30",
         ".5", "+1", "2025-01-01", "-项目", "- 项目", "[项目]", "{项目}", "*项目", "&项目", "!项目", "|项目", ">项目",
         "%项目", "@项目", "`项目`", "'项目'", '"项目"', "#项目", "?项目", ",项目", "项目: 二期", "项目 #二期",
         "项目\\二期", "宣传阵地建设", "G60 科创云平台", "a:b", "a#b"]


def _reads_yaml_11_and_12(text: str) -> list:
    from ruamel.yaml import YAML

    values = []
    for version in ((1, 1), (1, 2)):
        yaml = YAML(typ="safe", pure=True)
        yaml.version = version
        values.append(yaml.load(io.StringIO(text))["项目名称"])
    return values


@pytest.mark.parametrize("kind", [TARGET_KIND, EVALUATION_KIND])
def test_project_names_read_back_exactly(tmp_path, kind):
    blank = tmp_path / "空"
    scaffold(blank, kind, 2025, "yes")
    for index, name in enumerate(NAMES):
        folder = tmp_path / f"文档{index}"
        shutil.copytree(blank, folder)
        path, _ = new_project(folder, name)
        text = path.read_text(encoding="utf-8")
        assert _reads_yaml_11_and_12(text) == [name, name], (name, text.splitlines()[2])
        loaded = load_document(folder)
        source_errors = [p for p in loaded.errors if "项目名称" in p.field or "YAML" in p.message]
        assert source_errors == [], [p.format() for p in source_errors]
        assert [p.name for p in loaded.document.projects] == ["示例项目", name]
        assert all(p.get("主管部门") == "yes" for p in loaded.document.projects)  # the unit, quoted too
