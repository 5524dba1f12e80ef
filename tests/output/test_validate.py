"""``budgetdoc validate`` and ``template check``'s validator line: Microsoft's Open XML SDK validator
really started on real files (a built document, a broken one, a file that is no .docx), and the one
Chinese line when it is not installed."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from helpers import require_validator

TEMPLATE = ROOT / "templates" / "绩效自评.docx"


def _broken(tmp_path: Path) -> Path:
    """The shipped template with an element Word's schema does not allow in the body."""
    broken = tmp_path / "坏的.docx"
    with zipfile.ZipFile(TEMPLATE) as source, zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body><w:bogus/>", 1)
            target.writestr(item, data)
    return broken


def test_validate_a_built_document_and_a_broken_one(built_documents, tmp_path):
    require_validator()
    good = built_documents / "2025-绩效目标申报.docx"
    result = run_cli("validate", good)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("2025-绩效目标申报.docx：0 个错误")
    broken = _broken(tmp_path)
    result = run_cli("validate", good, broken)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("2025-绩效目标申报.docx：0 个错误") and lines[1].endswith("坏的.docx：1 个错误")
    assert "/word/document.xml" in lines[2] and "bogus" in lines[2] and "略）" in lines[2]  # the list of allowed elements cut


def test_a_file_that_is_not_a_docx_is_named_not_handed_to_node(tmp_path):
    require_validator()
    result = run_cli("validate", ROOT / "README.md")
    assert result.returncode == 1
    assert result.stderr.strip().endswith("README.md：不是可读的 Word 文档（.docx）") and "Traceback" not in result.stderr


def test_without_the_validator_one_chinese_line_says_how_to_install_it(tmp_path):
    outside = tmp_path / "别处"
    outside.mkdir()
    env = dict(os.environ, OOXML_VALIDATE_DIR=str(tmp_path / "空"), XDG_DATA_HOME=str(tmp_path / "数据"))
    result = run_cli("validate", TEMPLATE, cwd=outside, env=env)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Open XML SDK 验证器" in lines[0]
    assert f"npm install --prefix {tmp_path / '数据' / 'budgetdoc' / 'validator'} @ooxml-tools/validate@0.4.6" in lines[0]
    check = run_cli("template", "check", "-q", TEMPLATE, cwd=outside, env=env)
    assert check.returncode == 0
    assert check.stderr.strip().splitlines()[-1].startswith("未运行 Open XML SDK 验证器：")


def test_the_install_line_is_where_validate_looks(tmp_path, monkeypatch):
    """The folder the message names is the folder validate then finds the package in."""
    from builder.output.validate import find_package, install_command, user_folder

    fake = tmp_path / "数据" / "budgetdoc" / "validator" / "node_modules" / "@ooxml-tools" / "validate"
    (fake / "dist" / "npm").mkdir(parents=True)
    (fake / "dist" / "npm" / "index.js").write_text("")
    monkeypatch.delenv("OOXML_VALIDATE_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "数据"))
    assert find_package(None) == fake
    assert str(user_folder()) in install_command()


@pytest.mark.parametrize("flag", [None, "--no-validate"])
def test_template_check_says_whether_the_validator_ran(tmp_path, flag):
    require_validator()
    args = ["template", "check", "-q", *([flag] if flag else [])]
    good = run_cli(*args, TEMPLATE)
    assert good.returncode == 0, good.stderr
    last = good.stderr.strip().splitlines()[-1]
    assert last == ("未运行 Open XML SDK 验证器（--no-validate）。" if flag else "Open XML SDK 验证器：0 个错误。")
    bad = run_cli(*args, _broken(tmp_path))
    if flag:
        assert bad.returncode == 0
    else:
        assert bad.returncode == 1
        assert bad.stderr.strip().splitlines()[-1].startswith("Open XML SDK 验证器：1 个错误")
