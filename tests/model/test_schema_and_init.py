"""budgetdoc schema validates the shipped sources in an editor's way; budgetdoc init makes a folder that passes check (its example texts are warnings to replace)."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
from ruamel.yaml import YAML

from conftest import SOURCES, run_cli


def schema_for(which: str) -> dict:
    result = run_cli("schema", "--for", which)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def as_editor_sees_it(path):
    """The YAML as plain JSON data (dates as strings), as yaml-language-server validates it."""
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))

    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    return plain(data)


@pytest.mark.parametrize("folder, kind", [("2025-绩效目标申报", "绩效目标申报"), ("2023-绩效自评", "绩效自评")])
def test_shipped_sources_validate_against_the_schema(folder, kind):
    project_schema, document_schema = schema_for(kind), schema_for("document")
    jsonschema.validate(as_editor_sees_it(SOURCES / folder / "document.yaml"), document_schema)
    projects = sorted((SOURCES / folder).glob("[0-9]*.yaml"))
    assert projects
    for path in projects:
        jsonschema.validate(as_editor_sees_it(path), project_schema)


def test_schema_catches_a_typo_and_a_wrong_pair():
    schema = schema_for("绩效目标申报")
    data = as_editor_sees_it(SOURCES / "2025-绩效目标申报" / "01-宣传阵地建设.yaml")
    data["项目明称"] = data.pop("项目名称")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
    data = as_editor_sees_it(SOURCES / "2025-绩效目标申报" / "01-宣传阵地建设.yaml")
    data["绩效指标"]["产出指标"]["社会效益指标"] = {"x": "提升"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
    assert schema["properties"]["项目名称"]["title"] == "项目名称"


@pytest.mark.parametrize("kind", ["绩效目标申报", "绩效自评"])
def test_init_makes_a_folder_that_passes_check_and_builds(tmp_path, kind):
    folder = tmp_path / "sources" / "新文档"
    result = run_cli("init", folder, "--type", kind, "--year", "2026", "--unit", "某区某办公室")
    assert result.returncode == 0, result.stderr
    checked = run_cli("check", folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # no error; what the example leaves to replace is said, each text at its place (SKELETON, issue 21)
    findings = checked.stdout.splitlines()
    assert findings and all(" [警告] SKELETON " in line for line in findings), findings
    assert run_cli("check", "--strict", folder).returncode == 1
    built = run_cli("build", folder, "--out", tmp_path / "out")
    assert built.returncode == 0, built.stderr
    again = run_cli("init", folder)
    assert again.returncode == 2 and "已存在且不为空" in again.stderr
