"""--format pdf/xlsx through the CLI, and the message when LibreOffice is missing."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import TARGET_SOURCES, run_cli


@pytest.mark.libreoffice
@pytest.mark.skipif(not shutil.which("soffice") and not os.environ.get("CI"), reason="LibreOffice not installed")
def test_build_docx_pdf_xlsx(tmp_path):
    result = run_cli("build", TARGET_SOURCES, "--out", tmp_path, "--format", "docx,pdf,xlsx")
    assert result.returncode == 0, result.stderr
    assert sorted(p.suffix for p in tmp_path.glob("2025-*")) == [".docx", ".pdf", ".xlsx"]
    pages = subprocess.run(["pdftoppm", "-r", "20", "-png", str(tmp_path / "2025-绩效目标申报.pdf"),
                            str(tmp_path / "page")], check=True)
    assert pages.returncode == 0
    assert 25 <= len(list(tmp_path.glob("page-*.png"))) <= 45


def test_pdf_without_libreoffice_is_one_clear_message_and_writes_nothing_else(tmp_path):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = dict(os.environ, PATH=str(empty_bin))
    result = run_cli("build", TARGET_SOURCES, "--out", tmp_path / "out", "--format", "pdf", env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("未找到 LibreOffice，无法生成 PDF：请安装 libreoffice-writer-nogui")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "2025-绩效目标申报.docx").exists()  # not asked for: not written
    assert not (tmp_path / "out" / "2025-绩效目标申报.pdf").exists()


def test_docx_and_pdf_without_libreoffice_still_writes_the_docx(tmp_path):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = dict(os.environ, PATH=str(empty_bin))
    result = run_cli("build", TARGET_SOURCES, "--out", tmp_path / "out", "--format", "docx,pdf", env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("未找到 LibreOffice")
    assert (tmp_path / "out" / "2025-绩效目标申报.docx").is_file()
    assert not (tmp_path / "out" / "2025-绩效目标申报.pdf").exists()


def test_xlsx_alone_writes_only_the_workbook(tmp_path):
    result = run_cli("build", TARGET_SOURCES, "--out", tmp_path, "--format", "xlsx")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["2025-绩效目标申报.xlsx"]


def test_unknown_format_is_a_usage_error(tmp_path):
    result = run_cli("build", TARGET_SOURCES, "--out", tmp_path, "--format", "docx,odt")
    assert result.returncode == 2 and "未知的格式：odt" in result.stderr
