"""PDF for many documents through one LibreOffice per batch (issue 17), really started.

A ``soffice`` wrapper put first on PATH logs every start and runs the real LibreOffice;
for the fault cases it breaks the document whose text holds a marker (truncates it, as
a document LibreOffice cannot load) or hangs on it, and the tests check that only that
document fails, by name, and that the others are written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EVALUATION_SOURCES, run_cli

pytestmark = pytest.mark.libreoffice

if not shutil.which("soffice") and not os.environ.get("CI"):
    pytest.skip("LibreOffice is not installed here (.ci/run installs it)", allow_module_level=True)

NAMES = ("甲", "乙", "丙")

WRAPPER = r'''#!{python}
"""A soffice that logs its start, then runs the real one; breaks or hangs on a marked document."""
import json, os, subprocess, sys, time, zipfile

REAL, LOG, MODE, MARKER = {real!r}, {log!r}, {mode!r}, {marker!r}
args = sys.argv[1:]
with open(LOG, "a", encoding="utf-8") as log:
    log.write(json.dumps({{"pid": os.getpid(), "args": args}}, ensure_ascii=False) + "\n")
documents = [a for a in args if a.endswith(".docx")]
options = [a for a in args if not a.endswith(".docx")]


def marked(path):
    try:
        return MARKER in zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    except Exception:
        return False


bad = [d for d in documents if marked(d)]
if MODE == "fail":
    for path in bad:  # half a .docx: LibreOffice cannot load it
        data = open(path, "rb").read()
        open(path, "wb").write(data[: len(data) // 2])
elif MODE == "hang" and bad:
    before = documents[: documents.index(bad[0])]
    if before:
        subprocess.run([REAL, *options, *before])
    time.sleep(3600)
os.execv(REAL, [REAL, *args])
'''


def make_sources(root: Path, names=NAMES) -> Path:
    """Document folders named ``names``, each a copy of the 自评 sources whose first project is
    named ``<name>号专项建设``, so each PDF can be told from the others."""
    sources = root / "sources"
    for name in names:
        folder = sources / name
        shutil.copytree(EVALUATION_SOURCES, folder)
        first = sorted(folder.glob("01-*.yaml"))[0]
        text = first.read_text(encoding="utf-8")
        first.write_text(text.replace("项目名称: G60科创走廊建设", f"项目名称: {name}号专项建设", 1), encoding="utf-8")
    return sources


def wrapped_env(root: Path, mode: str = "pass", marker: str = "", seconds: float | None = None) -> dict:
    """An environment whose ``soffice`` is the logging wrapper, and a private TMPDIR."""
    real = shutil.which("soffice")
    assert real
    bin_dir = root / "bin"
    bin_dir.mkdir(exist_ok=True)
    wrapper = bin_dir / "soffice"
    wrapper.write_text(WRAPPER.format(python=sys.executable, real=real, log=str(root / "soffice.log"), mode=mode,
                                      marker=marker), encoding="utf-8")
    wrapper.chmod(0o755)
    tmp = root / "tmp"
    tmp.mkdir(exist_ok=True)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", TMPDIR=str(tmp))
    if seconds is not None:
        env["BUDGETDOC_PDF_SECONDS"] = str(seconds)
    return env


def starts(root: Path) -> list[list[str]]:
    """The .docx files each soffice start was given."""
    log = root / "soffice.log"
    if not log.exists():
        return []
    return [[a for a in json.loads(line)["args"] if a.endswith(".docx")]
            for line in log.read_text(encoding="utf-8").splitlines()]


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def assert_pdf_of(pdf: Path, name: str) -> None:
    assert 5 <= pdf_pages(pdf) <= 20, pdf
    text = pdf_text(pdf)
    assert f"{name}号专项建设" in text and "财政项目支出绩效自评表" in text, pdf
    for other in NAMES:
        if other != name:
            assert f"{other}号专项建设" not in text, (pdf, other)


def assert_nothing_left(root: Path) -> None:
    """No LibreOffice (nor wrapper) of this test still runs, and no temporary folder is left."""
    deadline = time.monotonic() + 5
    while True:
        running = [pid for pid in _processes_mentioning(str(root))]
        if not running or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not running, running
    assert list((root / "tmp").iterdir()) == []


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            state = (entry / "stat").read_bytes()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if text in cmdline and state[state.rfind(b")") + 2:][:1] not in (b"Z", b"X"):
            found.append(int(entry.name))
    return found


def test_three_documents_one_soffice_start(tmp_path):
    sources = make_sources(tmp_path)
    env = wrapped_env(tmp_path)
    out = tmp_path / "out"
    result = run_cli("build", sources, "--out", out, "--format", "docx,pdf", env=env)
    assert result.returncode == 0, result.stderr
    assert len(starts(tmp_path)) == 1 and len(starts(tmp_path)[0]) == 3  # one LibreOffice for the three
    for name in NAMES:
        assert (out / f"{name}.docx").is_file()
        assert_pdf_of(out / f"{name}.pdf", name)
        assert f"已生成 {out / name}.docx、{out / name}.pdf" in result.stdout
    assert_nothing_left(tmp_path)

    again = run_cli("build", sources, "--out", out, "--format", "docx,pdf", env=env)  # the cache: nothing to do
    assert again.returncode == 0 and again.stdout.count("未改变，未重新生成") == 3, again.stdout
    assert len(starts(tmp_path)) == 1


def without_stamps(pdf: bytes) -> bytes:
    """A PDF without what LibreOffice 7.4 makes new on every conversion (SOURCE_DATE_EPOCH or not):
    the creation time, the random /ID and the /DocChecksum."""
    pdf = re.sub(rb"/CreationDate\(D:[^)]*\)", b"", pdf)
    pdf = re.sub(rb"/ID \[ ?<[0-9A-Fa-f]+>\s*<[0-9A-Fa-f]+> ?\]", b"", pdf)
    return re.sub(rb"/DocChecksum /[0-9A-Fa-f]+", b"", pdf)


def test_a_pdf_from_a_batch_is_the_pdf_of_a_conversion_alone(tmp_path):
    """Same output as one soffice per document: the same bytes but for the three stamps."""
    from builder.output.pdf import convert_to_pdf

    sources = make_sources(tmp_path, NAMES[:2])
    out = tmp_path / "out"
    result = run_cli("build", sources, "--out", out, "--format", "docx,pdf")
    assert result.returncode == 0, result.stderr
    alone = convert_to_pdf(out / "乙.docx", tmp_path / "alone.pdf")
    batched = (out / "乙.pdf").read_bytes()
    assert alone != batched  # the stamps: LibreOffice's PDFs are not reproducible, batched or not
    assert without_stamps(alone) == without_stamps(batched)


def test_jobs_gives_one_soffice_per_batch_and_pdf_alone_writes_no_docx(tmp_path):
    sources = make_sources(tmp_path, NAMES + ("丁",))
    env = wrapped_env(tmp_path)
    out = tmp_path / "out"
    result = run_cli("build", sources, "--out", out, "--format", "pdf", "--jobs", "2", env=env)
    assert result.returncode == 0, result.stderr
    batches = starts(tmp_path)
    assert sorted(len(b) for b in batches) == [2, 2]  # two LibreOffice processes, two documents each
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        f"{name}.pdf" for name in NAMES + ("丁",))
    for name in NAMES:
        assert_pdf_of(out / f"{name}.pdf", name)
    assert_nothing_left(tmp_path)


def test_a_document_libreoffice_fails_on_is_reported_by_name_and_the_others_are_written(tmp_path):
    sources = make_sources(tmp_path)
    env = wrapped_env(tmp_path, mode="fail", marker="乙号专项建设")
    out = tmp_path / "out"
    result = run_cli("build", sources, "--out", out, "--format", "docx,pdf", env=env)
    assert result.returncode == 1
    failed = [line for line in result.stderr.splitlines() if "LibreOffice" in line]
    assert failed == ["乙：LibreOffice 未能转换 乙.docx：Error: source file could not be loaded"], result.stderr
    assert "Traceback" not in result.stderr
    assert_pdf_of(out / "甲.pdf", "甲")
    assert_pdf_of(out / "丙.pdf", "丙")
    assert not (out / "乙.pdf").exists() and (out / "乙.docx").is_file()  # the .docx is made before the PDF
    assert [len(b) for b in starts(tmp_path)] == [3, 1]  # the batch, then 乙 alone for its reason
    assert "共 3 个文档：2 个已生成，0 个未改变，1 个失败" in result.stdout
    assert_nothing_left(tmp_path)

    # with a LibreOffice that works, the next build makes 乙's PDF and leaves the other two alone
    fixed = wrapped_env(tmp_path)
    again = run_cli("build", sources, "--out", out, "--format", "docx,pdf", env=fixed)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("未改变，未重新生成") == 2 and f"已生成 {out / '乙'}.docx、{out / '乙'}.pdf" in again.stdout
    assert_pdf_of(out / "乙.pdf", "乙")


def test_a_hung_libreoffice_is_killed_and_the_other_documents_are_still_converted(tmp_path):
    sources = make_sources(tmp_path)
    env = wrapped_env(tmp_path, mode="hang", marker="乙号专项建设", seconds=8)
    out = tmp_path / "out"
    started = time.monotonic()
    result = run_cli("build", sources, "--out", out, "--format", "docx,pdf", env=env)
    took = time.monotonic() - started
    assert result.returncode == 1
    failed = [line for line in result.stderr.splitlines() if "LibreOffice" in line]
    assert failed == ["乙：LibreOffice 转换 乙.docx 超过 8 秒未完成，已停止"], result.stderr
    assert_pdf_of(out / "甲.pdf", "甲")
    assert_pdf_of(out / "丙.pdf", "丙")
    assert not (out / "乙.pdf").exists()
    # the batch hung after 甲 and was killed; 甲 (perhaps half-written) and 乙 alone, then 丙
    assert [len(b) for b in starts(tmp_path)] == [3, 1, 1, 1]
    assert took < 60, took  # two waits of 8 s, four LibreOffice starts
    assert_nothing_left(tmp_path)


@pytest.mark.parametrize("mode, sig", [("pass", signal.SIGINT), ("hang", signal.SIGTERM)])
def test_interrupted_during_the_pdf_stage_leaves_no_libreoffice_and_no_temporary_files(tmp_path, mode, sig):
    """Ctrl+C (SIGINT) while the real LibreOffice converts, SIGTERM while one hangs: LibreOffice's
    whole process group is killed (it runs in its own session, so the terminal's Ctrl+C does
    not reach it) and its temporary folder removed."""
    sources = make_sources(tmp_path)
    env = wrapped_env(tmp_path, mode=mode, marker="号专项建设")  # "hang": at once, on every document
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "builder", "build", str(sources), "--out", str(out),
                                "--format", "docx,pdf"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=Path(__file__).resolve().parents[2])

    def converting() -> bool:
        if mode == "hang":
            return bool(starts(tmp_path))
        return any("soffice.bin" in _cmdline(pid) for pid in _processes_mentioning(str(tmp_path)))

    deadline = time.monotonic() + 60
    while not converting() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert converting(), "LibreOffice was never started"
    time.sleep(0.3)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "已中止" in stderr and "Traceback" not in stderr
    assert_nothing_left(tmp_path)
    assert not list(out.glob("*.pdf")) and not list(out.glob(".*.tmp"))


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""
