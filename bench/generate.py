"""Generate large 绩效目标申报 documents for the benchmark: the seed projects replicated with distinct names."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED = ROOT / "sources" / "2025-绩效目标申报"
EVALUATION_SEED = ROOT / "sources" / "2023-绩效自评"


def generate(target: Path, projects: int, markdown: bool = False) -> Path:
    """A document folder with ``projects`` projects (copies of the ten seed projects, renamed); with
    ``markdown`` each project's text narratives are in a sibling ``.md`` file (lists, emphasis)."""
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
        path = target / f"{index + 1:04d}-{seed.stem[3:]}.yaml"
        path.write_text(text, encoding="utf-8")
        if markdown:
            _to_markdown(path)
    return target


def generate_folders(target: Path, count: int) -> Path:
    """A folder of ``count`` document folders, like a district's units: copies of the shipped
    申报 (odd numbers) and 自评 (even numbers) sources under distinct names."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for number in range(1, count + 1):
        seed = SEED if number % 2 else EVALUATION_SEED
        shutil.copytree(seed, target / f"{number:03d}-单位{number}-{seed.name.split('-', 1)[1]}")
    return target


def _to_markdown(path: Path) -> None:
    """Move a project's text narratives from its YAML into ``<stem>.md``, with some Markdown in them:
    the project's name in bold in 项目概述, 实施方案's sentences as a numbered list."""
    from ruamel.yaml import YAML

    from builder.cycle.mdwrite import escape_paragraph

    yaml = YAML(typ="rt")
    yaml.width = 1_000_000
    data = yaml.load(path.read_text(encoding="utf-8"))
    narrative = data["情况说明"]
    lines = [f"# {data['项目名称']}", ""]
    for section in list(narrative):
        value = narrative[section]
        if not isinstance(value, str):
            continue  # a structured 年度预算安排 stays in the YAML
        paragraphs = [escape_paragraph(p) for p in str(value).split("\n") if p.strip()]
        if section == "项目概述":
            paragraphs[0] = f"**{escape_paragraph(str(data['项目名称']))}**：{paragraphs[0]}"
        if section == "实施方案":
            sentences = [s for s in re.split(r"(?<=[。；])", " ".join(paragraphs)) if s.strip()]
            paragraphs = ["\n".join(f"{n}. {s.strip()}" for n, s in enumerate(sentences, start=1))]
        # a comment (not printed) makes every fragment distinct, so pandoc converts all of them
        lines += [f"## {section}", "", *[p + "\n" for p in paragraphs], f"<!-- {path.stem} -->\n"]
        del narrative[section]
    if not narrative:
        del data["情况说明"]
    with open(path, "w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    path.with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    print(generate(Path(sys.argv[1]), int(sys.argv[2]), markdown="--markdown" in sys.argv[3:]))
