"""A district's batch: many document folders built in parallel processes, failures isolated."""

from __future__ import annotations

import shutil

from conftest import SOURCES, run_cli


def test_parallel_batch_with_one_broken_document(tmp_path):
    batch = tmp_path / "district"
    for unit in range(6):
        shutil.copytree(SOURCES / "2025-绩效目标申报", batch / f"单位{unit:02d}")
    shutil.copytree(SOURCES / "2023-绩效自评", batch / "单位99-自评")
    broken = batch / "单位03" / "05-展示馆运维费.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("项目名称: 展示馆运维费", "项目明称: 展示馆运维费"),
                      encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", batch, "--out", out, "--jobs", "2")
    assert result.returncode == 1
    built = sorted(p.name for p in out.glob("*.docx"))
    assert built == [f"单位{u:02d}.docx" for u in (0, 1, 2, 4, 5)] + ["单位99-自评.docx"]
    assert f"{broken}:1:1 [错误] SOURCE 项目明称: 未知的键“项目明称”，是否应为“项目名称”？" in result.stderr
    assert "单位03：共 1 个错误" in result.stderr
    assert "共 7 个文档：6 个已生成，0 个未改变，1 个失败" in result.stdout
    # the same outputs as a serial build, byte for byte
    serial = run_cli("build", batch, "--out", tmp_path / "serial", "--jobs", "1")
    assert serial.returncode == 1
    for name in built:
        assert (out / name).read_bytes() == (tmp_path / "serial" / name).read_bytes()
