"""An interrupted build (SIGINT, SIGTERM, kill -9 mid-write) never leaves a truncated .docx
at the output path; the previous good output stays readable."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from conftest import ROOT, TARGET_SOURCES, run_cli


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"])
def test_interrupted_write_keeps_the_previous_output(tmp_path, sig):
    out = tmp_path / "out"
    assert run_cli("build", TARGET_SOURCES, "--out", out).returncode == 0
    output = out / "2025-绩效目标申报.docx"
    good = digest(output)
    env = dict(os.environ, BUDGETDOC_TEST_WRITE_DELAY="30")
    process = subprocess.Popen([sys.executable, "-m", "builder", "build", str(TARGET_SOURCES), "--out", str(out),
                                "--no-cache"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(out.glob(".2025-绩效目标申报.docx.*.tmp")):  # half of the new file is on disk
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(sig)
    process.wait(timeout=30)
    assert process.returncode != 0
    assert digest(output) == good
    with zipfile.ZipFile(output) as package:
        assert package.testzip() is None
    leftovers = list(out.glob(".2025-绩效目标申报.docx.*.tmp"))
    if sig == signal.SIGKILL:
        assert len(leftovers) == 1  # nothing can clean up after kill -9 ...
        assert run_cli("build", TARGET_SOURCES, "--out", out, "--no-cache").returncode == 0
        assert not list(out.glob("*.tmp"))  # ... but the next build does
        assert digest(output) == good
    else:
        assert leftovers == []
