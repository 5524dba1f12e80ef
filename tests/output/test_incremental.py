"""Incremental builds: content-hash cache, per-file parse cache, and --watch."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path


from builder.read import sources
from builder.output.build import build
from conftest import ROOT, SOURCES, TARGET_SOURCES, run_cli


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_noop_build_renders_nothing_and_says_so(tmp_path):
    first = run_cli("build", SOURCES, "--out", tmp_path)
    assert first.returncode == 0
    stamps = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.docx")}
    second = run_cli("build", SOURCES, "--out", tmp_path)
    assert second.returncode == 0
    assert second.stdout.count("未改变，未重新生成") == 2
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.docx")} == stamps


def test_one_changed_project_reparses_only_that_file(tmp_path, monkeypatch):
    src = tmp_path / "sources"
    shutil.copytree(SOURCES, src)
    out = tmp_path / "out"
    build([src], out)
    parsed: list[str] = []
    original = sources.parse

    def counting(path, raw, problems):
        parsed.append(path.name)
        return original(path, raw, problems)

    monkeypatch.setattr(sources, "parse", counting)
    project = src / "2025-绩效目标申报" / "03-派驻干部费用.yaml"
    project.write_text(project.read_text(encoding="utf-8").replace("按月按实发放补助。", "按月按实足额发放补助。"),
                       encoding="utf-8")
    evaluation_before = digest(out / "2023-绩效自评.docx")
    results, failures = build([src], out)
    assert not failures
    assert parsed == ["03-派驻干部费用.yaml"]
    assert [(r.name, r.skipped) for r in results] == [("2023-绩效自评", True), ("2025-绩效目标申报", False)]
    assert digest(out / "2023-绩效自评.docx") == evaluation_before


def test_a_deleted_or_edited_output_is_rebuilt(tmp_path):
    build([TARGET_SOURCES], tmp_path)
    output = tmp_path / "2025-绩效目标申报.docx"
    good = digest(output)
    output.write_bytes(b"broken")
    assert not build([TARGET_SOURCES], tmp_path)[0][0].skipped
    assert digest(output) == good


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_watch_rebuilds_on_save_and_survives_an_invalid_save(tmp_path):
    src = tmp_path / "doc"
    shutil.copytree(TARGET_SOURCES, src)
    out = tmp_path / "out"
    output = out / "doc.docx"
    log = open(tmp_path / "watch.log", "w+", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "builder", "build", str(src), "--out", str(out), "--watch"],
                               cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        assert _wait_for(lambda: "正在监视" in (tmp_path / "watch.log").read_text(encoding="utf-8"))
        first = digest(output)
        project = src / "03-派驻干部费用.yaml"
        text = project.read_text(encoding="utf-8")
        project.write_text(text.replace("按月按实发放补助。", "按月按实足额发放补助。"), encoding="utf-8")
        assert _wait_for(lambda: output.is_file() and digest(output) != first)
        second = digest(output)
        project.write_text(text.replace("项目名称: 派驻干部费用", "项目明称: 派驻干部费用"), encoding="utf-8")
        assert _wait_for(lambda: "是否应为“项目名称”" in (tmp_path / "watch.log").read_text(encoding="utf-8"))
        assert digest(output) == second  # the last good output stays
        assert process.poll() is None  # still watching
        project.write_text(text, encoding="utf-8")
        assert _wait_for(lambda: digest(output) == first)
        assert "重新生成完成" in (tmp_path / "watch.log").read_text(encoding="utf-8")
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
