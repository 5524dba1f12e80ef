"""The same sources build the same bytes: a rebuild of unchanged sources changes nothing in git."""

from __future__ import annotations

import hashlib
import os
import time
import zipfile

from conftest import SOURCES, run_cli


def digests(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.docx"))}


def test_two_builds_in_separate_processes_give_identical_bytes(tmp_path):
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        env.pop("SOURCE_DATE_EPOCH", None)
        result = run_cli("build", SOURCES, "--out", out, env=env)
        assert result.returncode == 0, result.stderr
        outputs.append(digests(out))
        time.sleep(1.1)  # a zip timestamp taken from the clock would differ now
    assert len(outputs[0]) == 2 and outputs[0] == outputs[1]


def test_zip_entries_and_properties_are_fixed(built_documents):
    with zipfile.ZipFile(built_documents / "2025-绩效目标申报.docx") as package:
        infos = package.infolist()
        core = package.read("docProps/core.xml").decode()
    assert infos[0].filename == "[Content_Types].xml"
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert "2025-01-01T00:00:00Z" in core
    assert "上海市松江区科创发展办公室 2025 年 绩效目标申报" in core


def test_source_date_epoch_sets_the_document_time(tmp_path):
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    result = run_cli("build", SOURCES / "2023-绩效自评", "--out", tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "2023-绩效自评.docx") as package:
        assert "2023-11-14T22:13:20Z" in package.read("docProps/core.xml").decode()
