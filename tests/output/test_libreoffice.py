"""LibreOffice (headless, really started) opens the built documents and renders them to PDF."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from builder.output.pdf import convert_to_pdf

pytestmark = pytest.mark.libreoffice

if not shutil.which("soffice") and not os.environ.get("CI"):
    pytest.skip("LibreOffice is not installed here (.ci/run installs it)", allow_module_level=True)


def pdf_pages(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def pdf_text(pdf) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def target_pdf(built_documents, tmp_path_factory):
    pdf = tmp_path_factory.mktemp("pdf") / "target.pdf"
    convert_to_pdf(built_documents / "2025-绩效目标申报.docx", pdf)
    return pdf


def test_target_document_renders_with_a_plausible_page_count(target_pdf):
    pages = pdf_pages(target_pdf)
    assert 25 <= pages <= 45, pages  # the seed has 30 pages; each project starts two new pages
    text = pdf_text(target_pdf)
    for fact in ("850.00 万元", "1,587,640.00", "828,000.00", "财政项目支出绩效目标申报表 10", "≥90.00(%)"):
        assert fact in text, fact
    assert f"1 / {pages}" in text and f"{pages} / {pages}" in text  # footer page numbers were updated


def test_cjk_fonts_are_embedded_not_dejavu(target_pdf):
    fonts = subprocess.run(["pdffonts", str(target_pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts or "UKai" in fonts
    assert "DejaVu" not in fonts


def test_fangsong_prints_in_a_song_face_and_kai_stays_kai(target_pdf):
    """仿宋 (the body) → Noto Serif CJK SC, never the Kai face AR PL UKai; 楷体 (the year line) → UKai."""
    from builder.output.pdf import FONTCONFIG

    def face(family: str) -> str:
        env = dict(os.environ, FONTCONFIG_FILE=str(FONTCONFIG))
        return subprocess.run(["fc-match", "-f", "%{family[0]}", family], capture_output=True, text=True,
                              env=env, check=True).stdout

    for family in ("仿宋_GB2312", "仿宋", "FangSong", "宋体", "方正小标宋简体"):
        assert face(family) == "Noto Serif CJK SC", family
    for family in ("楷体_GB2312", "楷体"):
        assert face(family) == "AR PL UKai CN", family
    fonts = subprocess.run(["pdffonts", str(target_pdf)], capture_output=True, text=True, check=True).stdout
    assert "NotoSerifCJK" in fonts


def test_evaluation_document_renders(built_documents, tmp_path):
    pdf = tmp_path / "evaluation.pdf"
    convert_to_pdf(built_documents / "2023-绩效自评.docx", pdf)
    assert 5 <= pdf_pages(pdf) <= 20
    text = pdf_text(pdf)
    assert "5,300,000.00" in text and "100.00%" in text and "政策研究(二级构成)" in text
