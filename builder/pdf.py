"""PDF output through LibreOffice headless (``soffice --convert-to pdf``).

Each conversion gets its own LibreOffice profile, so parallel builds do not
collide, and the shipped fontconfig file (``fonts.conf``) maps the Windows
Chinese font names to the installed CJK fonts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

FONTCONFIG = Path(__file__).resolve().parent / "fonts.conf"
SOFFICE_NAMES = ("soffice", "libreoffice")
TIMEOUT_SECONDS = 300


class PdfUnavailable(Exception):
    """LibreOffice is not installed; the message says which package to install."""


def find_soffice() -> str:
    for name in SOFFICE_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise PdfUnavailable("未找到 LibreOffice，无法生成 PDF：请安装 libreoffice-writer-nogui"
                         "（Debian/Ubuntu：apt-get install libreoffice-writer-nogui fonts-noto-cjk fonts-arphic-ukai）")


class PdfFailed(Exception):
    """LibreOffice ran but made no PDF (or hung and was stopped); the message is one Chinese line."""


def convert_to_pdf(docx: Path, pdf: Path) -> bytes:
    """Render ``docx`` to ``pdf`` (written to a temporary name, then renamed); returns the PDF bytes."""
    return _convert(docx, docx.name, pdf)


def docx_bytes_to_pdf(data: bytes, name: str, pdf: Path) -> bytes:
    """Render a document held in memory to ``pdf``: the .docx itself is written only to a
    private temporary folder, so asking for PDF alone leaves any .docx output untouched."""
    with tempfile.TemporaryDirectory(prefix="budgetdoc-docx-") as work:
        docx = Path(work) / "document.docx"
        docx.write_bytes(data)
        return _convert(docx, f"{name}.docx", pdf)


def _convert(docx: Path, shown_name: str, pdf: Path) -> bytes:
    soffice = find_soffice()
    with tempfile.TemporaryDirectory(prefix="budgetdoc-pdf-") as work:
        work_dir = Path(work)
        profile = (work_dir / "profile").as_uri()
        env = dict(os.environ, FONTCONFIG_FILE=str(FONTCONFIG), HOME=str(work_dir))
        try:
            result = subprocess.run(
                [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                 "--convert-to", "pdf", "--outdir", str(work_dir), str(docx)],
                capture_output=True, text=True, env=env, timeout=TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            raise PdfFailed(f"LibreOffice 转换 {shown_name} 超过 {TIMEOUT_SECONDS} 秒未完成，已停止") from None
        produced = work_dir / f"{docx.stem}.pdf"
        if result.returncode != 0 or not produced.is_file():
            detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
            raise PdfFailed(f"LibreOffice 未能转换 {shown_name}：{detail[0]}")
        from builder.outputs import write_atomic

        data = produced.read_bytes()
        write_atomic(pdf, data)
        return data
