from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources"
TARGET_SOURCES = SOURCES / "2025-绩效目标申报"
EVALUATION_SOURCES = SOURCES / "2023-绩效自评"
SEEDS = ROOT.parent / "shared" / "seeds"


def run_cli(*args, cwd=None, env=None):
    """Run ``python -m builder`` as a user would; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "builder", *map(str, args)],
        cwd=cwd or ROOT, capture_output=True, text=True, env=env, timeout=300,
    )


@pytest.fixture(scope="session")
def built_documents(tmp_path_factory) -> Path:
    """Build the shipped sources once for the whole session; returns the output folder."""
    out = tmp_path_factory.mktemp("build")
    result = run_cli("build", SOURCES, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A writable copy of the 申报 sources to break on purpose."""
    target = tmp_path / "文档"
    shutil.copytree(TARGET_SOURCES, target)
    return target
