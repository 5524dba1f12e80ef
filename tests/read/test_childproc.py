"""The one bound for child processes (builder/read/childproc.py): time, memory, the whole process
group killed — and pandoc, LibreOffice and git run through it."""

from __future__ import annotations

import os
import sys
import time

import pytest

from builder.read import childproc


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except OSError:
        return False


def test_a_child_past_its_time_is_killed_with_its_whole_group(tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGETDOC_GIT_SECONDS", "0.5")
    pid_file = tmp_path / "grandchild"
    script = f"sleep 300 & echo $! > {pid_file}; wait"  # a grandchild that would outlive a plain kill
    with pytest.raises(childproc.Overrun) as raised:
        childproc.run(["sh", "-c", script], "GIT")
    assert raised.value.seconds == 0.5
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_a_child_gets_its_memory_limit(monkeypatch):
    monkeypatch.setenv("BUDGETDOC_GIT_MEMORY_MB", "300")
    grab = "import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0]); bytearray(600 * 1024 * 1024)"
    finished = childproc.run([sys.executable, "-c", grab], "GIT")
    assert finished.returncode != 0 and b"MemoryError" in finished.stderr
    assert int(finished.stdout) == 300 * 1024 * 1024


def test_a_child_within_its_limits_gives_its_output():
    finished = childproc.run([sys.executable, "-c", "import sys; sys.stdout.write(sys.stdin.read()[::-1])"], "GIT",
                             input="预算abc".encode("utf-8"))
    assert (finished.returncode, finished.stdout.decode("utf-8")) == (0, "cba算预")


@pytest.mark.parametrize("value, expected", [("", 60.0), ("2.5", 2.5), ("0", 60.0), ("-1", 60.0), ("abc", 60.0),
                                             ("inf", 60.0), ("nan", 60.0)])
def test_limits_come_from_one_family_of_variables(monkeypatch, value, expected):
    monkeypatch.setenv("BUDGETDOC_PANDOC_SECONDS", value)
    assert childproc.limits("PANDOC").seconds == expected


def test_pandoc_past_its_time_is_a_located_error_and_the_rest_still_converts(monkeypatch):
    pytest.importorskip("pypandoc")
    from builder.read.pandoc import Overran, convert_texts

    monkeypatch.setenv("BUDGETDOC_PANDOC_SECONDS", "2")
    texts = ["一段**粗体**。", "[" * 10_000, "*斜体*"]
    converted = convert_texts(texts)
    assert converted[1] == Overran("Markdown 过于复杂，pandoc 在 2 秒内未完成（可调 BUDGETDOC_PANDOC_SECONDS）")
    assert converted[0][0]["c"][1]["t"] == "Strong" and converted[2][0]["c"][0]["t"] == "Emph"


def test_a_hung_git_is_stopped_and_said(tmp_path):
    """git-setup's git runs through the runner: a git that never answers is stopped at BUDGETDOC_GIT_SECONDS."""
    from conftest import run_cli

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "git"
    fake.write_text("#!/bin/sh\nsleep 300\n", encoding="utf-8")
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", BUDGETDOC_GIT_SECONDS="1")
    result = run_cli("git-setup", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "git 在 1 秒内未完成（可调 BUDGETDOC_GIT_SECONDS）" in result.stderr
