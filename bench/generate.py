"""Generate large 绩效目标申报 documents for the benchmark: the seed projects replicated with distinct names."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sources" / "2025-绩效目标申报"


def generate(target: Path, projects: int) -> Path:
    """A document folder with ``projects`` projects (copies of the ten seed projects, renamed)."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    document = (SEED / "document.yaml").read_text(encoding="utf-8")
    document = re.sub(r"项目顺序:.*?(?=\n\S|\Z)", "", document, flags=re.S)  # file-name order
    (target / "document.yaml").write_text(document, encoding="utf-8")
    seeds = sorted(p for p in SEED.glob("[0-9]*.yaml"))
    for index in range(projects):
        seed = seeds[index % len(seeds)]
        copy = index // len(seeds)
        text = seed.read_text(encoding="utf-8")
        if copy:
            text = re.sub(r"^项目名称: (.*)$", lambda m: f"项目名称: {m.group(1)}（{copy + 1}）", text, count=1, flags=re.M)
        (target / f"{index + 1:04d}-{seed.stem[3:]}.yaml").write_text(text, encoding="utf-8")
    return target


if __name__ == "__main__":
    print(generate(Path(sys.argv[1]), int(sys.argv[2])))
