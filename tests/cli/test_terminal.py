"""The command line in a real (pseudo-)terminal: what a person typing ``budgetdoc build`` gets.

Captured output hides every code path that only runs when stderr is a terminal;
these tests run the CLI with stdin, stdout and stderr on a pty.
"""

from __future__ import annotations

import shutil
import time

from conftest import SOURCES, TARGET_SOURCES
from ptyrun import PtyProcess, run_in_pty


def test_build_in_a_terminal_writes_every_document(tmp_path):
    code, text = run_in_pty("build", "--out", tmp_path)
    assert code == 0, text
    assert "内部错误" not in text
    assert "✓" in text and "2025-绩效目标申报" in text
    assert {p.name for p in tmp_path.glob("*.docx")} == {"2025-绩效目标申报.docx", "2023-绩效自评.docx"}
    code, text = run_in_pty("build", "--out", tmp_path)  # the no-op rebuild in a terminal too
    assert code == 0, text
    assert "未改变" in text


def test_parallel_build_in_a_terminal(tmp_path):
    code, text = run_in_pty("build", SOURCES, "--out", tmp_path, "--jobs", "2", "--no-cache")
    assert code == 0, text
    assert "内部错误" not in text
    assert len(list(tmp_path.glob("*.docx"))) == 2


def test_check_in_a_terminal():
    code, text = run_in_pty("check", SOURCES)
    assert code == 0, text
    assert "0 个错误" in text and "内部错误" not in text


def test_watch_in_a_terminal_rebuilds_after_a_save(tmp_path):
    folder = tmp_path / "文档"
    shutil.copytree(TARGET_SOURCES, folder)
    out = tmp_path / "out"
    process = PtyProcess("build", folder, "--out", out, "--watch")
    try:
        process.expect("正在监视", timeout=120)
        first = (out / "文档.docx").read_bytes()
        time.sleep(0.3)
        project = folder / "01-宣传阵地建设.yaml"
        project.write_text(project.read_text(encoding="utf-8").replace("宣传阵地建设", "宣传阵地建设改", 1),
                           encoding="utf-8")
        process.expect("重新生成完成", timeout=120)
        assert (out / "文档.docx").read_bytes() != first
    finally:
        process.interrupt()
        code = process.wait(60)
    assert "内部错误" not in process.text, process.text
    assert code in (0, 130), process.text


def test_ctrl_c_typed_during_a_parallel_build(tmp_path):
    import os

    from ptyrun import PtyProcess

    env = dict(os.environ, BUDGETDOC_TEST_WRITE_DELAY="3")  # each write pauses half-way
    process = PtyProcess("build", SOURCES, "--out", tmp_path, "--jobs", "2", "--no-cache", env=env)
    time.sleep(2)
    process.ctrl_c()
    code = process.wait(60)
    assert code == 130, process.text
    assert "已中止" in process.text and "Traceback" not in process.text and "内部错误" not in process.text
    assert not list(tmp_path.iterdir())  # nothing half-written, no temporary left
