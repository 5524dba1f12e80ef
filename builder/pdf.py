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


def convert_to_pdf(docx: Path, pdf: Path) -> None:
    """Render ``docx`` to ``pdf`` (written to a temporary name, then renamed)."""
    soffice = find_soffice()
    with tempfile.TemporaryDirectory(prefix="budgetdoc-pdf-") as work:
        work_dir = Path(work)
        profile = (work_dir / "profile").as_uri()
        env = dict(os.environ, FONTCONFIG_FILE=str(FONTCONFIG), HOME=str(work_dir))
        result = subprocess.run(
            [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(work_dir), str(docx)],
            capture_output=True, text=True, env=env, timeout=TIMEOUT_SECONDS,
        )
        produced = work_dir / f"{docx.stem}.pdf"
        if result.returncode != 0 or not produced.is_file():
            detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
            raise RuntimeError(f"LibreOffice 未能转换 {docx.name}：{detail[0]}")
        from builder.outputs import write_atomic

        write_atomic(pdf, produced.read_bytes())
