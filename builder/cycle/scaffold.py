"""``budgetdoc init``: a new document folder with a commented example project;
``budgetdoc new 项目``: a commented skeleton project in an existing document folder.

Each file's first line points an editor (VS Code's YAML extension) at a JSON Schema in
``<repository>/.budgetdoc/``; the schema files are written there too, so the link works.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from builder.model.core import EVALUATION_KIND, TARGET_KIND
from builder.output.atomic import write_atomic, write_new
from builder.forms.skeleton import (
    DOCUMENT, EVALUATION_PROJECT, TARGET_PROJECT, form_files, named_line, unmark, yaml_scalar,
)


SCHEMA_DIR = ".budgetdoc"
SCHEMA_FILES = {"document": "document.schema.json", TARGET_KIND: "绩效目标申报.schema.json",
                EVALUATION_KIND: "绩效自评.schema.json"}


class ScaffoldExists(Exception):
    pass


class ProjectExists(Exception):
    """The message is user-facing Chinese."""


def write_schemas(folder: Path) -> tuple[Path, list[Path]]:
    """Write the JSON Schemas into ``<repository>/.budgetdoc/`` (beside ``folder`` outside a
    repository, never higher); returns that folder's path relative to ``folder`` and the
    files written (only those that were missing or out of date)."""
    import json

    from builder.forms.formdef import source_json_schema
    from builder.read.where import repository_root

    absolute = Path(os.path.abspath(folder))
    root = repository_root(absolute.parent) or absolute.parent
    schema_dir = root / SCHEMA_DIR
    schema_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for which, name in SCHEMA_FILES.items():
        text = json.dumps(source_json_schema(which), ensure_ascii=False, indent=2) + "\n"
        path = schema_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            write_atomic(path, text.encode("utf-8"))  # the tool's own file, made again when out of date
            written.append(path)
    return Path(os.path.relpath(schema_dir, absolute)), written


# The example texts a person must replace are written ⟦so⟧ in the skeletons below: ``unmark``
# takes the marks out before a file is written, and ``placeholders`` gives the marked texts to
# the SKELETON check (builder.check.slips) — one definition, so the check cannot drift from the skeletons.
def scaffold(folder: Path, kind: str, year: int, unit: str) -> list[Path]:
    if folder.exists() and any(folder.iterdir()):
        raise ScaffoldExists(f"{folder} 已存在且不为空")
    folder.mkdir(parents=True, exist_ok=True)
    schemas, schema_files = write_schemas(folder)
    project = EVALUATION_PROJECT if kind == EVALUATION_KIND else TARGET_PROJECT
    files = {
        folder / "document.yaml": DOCUMENT.format(kind=kind, year=year, unit=yaml_scalar(unit), schemas=schemas.as_posix()),
        folder / "01-示例项目.yaml": unmark(project.format(year=year, unit=yaml_scalar(unit), schemas=schemas.as_posix())),
    }
    for path, text in files.items():
        write_new(path, text)
    return list(files) + schema_files


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def new_project(folder: Path, name: str) -> tuple[Path, Path | None]:
    """Write ``NN-<name>.yaml`` (the next number) into the document ``folder`` as a commented
    skeleton of its kind, and add its stem to 项目顺序 in document.yaml (comments kept).
    Returns the new file and the document.yaml that was changed (None when it has no 项目顺序)."""
    from ruamel.yaml import YAML

    from builder.read.errors import InputError, Location, Problem
    from builder.read.sources import accepted_text, source_files

    document = folder / "document.yaml"
    if not document.is_file():
        raise ProjectExists(f"{folder} 中没有 document.yaml（budgetdoc new 项目 只写入 YAML 格式的文档文件夹）")
    yaml = YAML(typ="rt")
    yaml.width = 1_000_000
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    text = accepted_text(document, folder)
    data = yaml.load(text)
    if not hasattr(data, "get") or data.get("文档类型") not in (TARGET_KIND, EVALUATION_KIND):
        raise InputError([Problem(Location(document), "文档类型", "应为“绩效目标申报”或“绩效自评”，才能新建项目")])
    kind, year, unit = data["文档类型"], data.get("年度"), data.get("单位名称") or "（单位名称）"
    stems = [p.stem for p in source_files(folder) if p.stem != "document"]
    clean = _UNSAFE.sub("-", name).strip(" .-") or "新项目"
    numbers = [m.group(1) for m in (re.match(r"^(\d+)-", s) for s in stems) if m]
    width = max((len(n) for n in numbers), default=2)
    number = max((int(n) for n in numbers), default=0) + 1
    stem = f"{number:0{width}d}-{clean}"
    for existing in stems:
        if existing == stem or existing.split("-", 1)[-1] == clean:
            raise ProjectExists(f"已有项目文件“{existing}”，请换一个名称，或直接编辑那个文件")
    path = folder / f"{stem}.yaml"
    schemas, _ = write_schemas(folder)
    skeleton = EVALUATION_PROJECT if kind == EVALUATION_KIND else TARGET_PROJECT
    body = unmark(skeleton.format(year=year, unit=yaml_scalar(str(unit)), schemas=schemas.as_posix()))
    body = "\n".join(named_line(line, name) for line in body.split("\n"))
    write_new(path, body)
    order = data.get("项目顺序")
    if order is None:
        return path, None
    if not isinstance(order, list):
        return path, None
    order.append(stem)
    handle = io.StringIO()
    yaml.dump(data, handle)
    write_atomic(document, handle.getvalue().encode("utf-8"))  # said: the command prints that it added the project
    return path, document


# ---------------------------------------------------------------- a bureau's own form

def scaffold_form(folder: Path, form, form_ref: str, year: int, unit: str) -> list[Path]:
    if folder.exists() and any(folder.iterdir()):
        raise ScaffoldExists(f"{folder} 已存在且不为空")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in form_files(form, form_ref, year, unit).items():
        write_new(folder / name, text)
        written.append(folder / name)
    return written
