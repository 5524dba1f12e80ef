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
from builder.forms.skeleton import form_files, named_line, project_skeleton, unmark


SCHEMA_DIR = ".budgetdoc"
SHIPPED_KINDS = (TARGET_KIND, EVALUATION_KIND)


class ScaffoldExists(Exception):
    pass


class ProjectExists(Exception):
    """The message is user-facing Chinese."""


def schema_files(form) -> dict[str, dict]:
    """The JSON Schemas an editor uses for ``form``'s sources, by file name: document.yaml's and the
    project files' (``<文档类型>.schema.json``), made from the form (builder.forms.formschema); for the
    shipped forms both kinds', for they share a folder."""
    from builder.forms.formdef import shipped_form

    forms = [shipped_form(kind) for kind in SHIPPED_KINDS] if form is None or form.shipped else [form]
    files = {"document.schema.json": forms[0].json_schema("document")}
    for each in forms:
        files[f"{each.kind}.schema.json"] = each.json_schema("project")
    return files


def schema_folder(form) -> str:
    """Where under ``.budgetdoc/`` a form's schemas go: the shipped forms' at the top, a bureau's
    form in a folder of its file's name (two forms in one repository never share a file)."""
    if form is None or form.shipped or form.source is None:
        return SCHEMA_DIR
    return f"{SCHEMA_DIR}/{_UNSAFE.sub('-', form.source.stem) or 'form'}"


def write_schemas(folder: Path, form=None) -> tuple[Path, list[Path]]:
    """Write the JSON Schemas of ``form`` (default: the shipped forms) into ``<repository>/.budgetdoc/``
    (beside ``folder`` outside a repository, never higher); returns that folder's path relative to
    ``folder`` and the files written (only those that were missing or out of date)."""
    import json

    from builder.read.where import repository_root

    absolute = Path(os.path.abspath(folder))
    root = repository_root(absolute.parent) or absolute.parent
    schema_dir = root / schema_folder(form)
    schema_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schema_files(form).items():
        text = json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
        path = schema_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            write_atomic(path, text.encode("utf-8"))  # the tool's own file, made again when out of date
            written.append(path)
    return Path(os.path.relpath(schema_dir, absolute)), written


# The example texts a person must replace are written ⟦so⟧ in the skeletons below: ``unmark``
# takes the marks out before a file is written, and ``placeholders`` gives the marked texts to
# the SKELETON check (builder.check.slips) — one definition, so the check cannot drift from the skeletons.
def scaffold(folder: Path, kind: str, year: int, unit: str, form=None, form_ref: str | None = None) -> list[Path]:
    """A new document folder: document.yaml and an example project of ``form`` (default: the shipped
    form of ``kind``; a bureau's form is named in document.yaml by ``form_ref``), and the schemas."""
    from builder.forms.formdef import shipped_form

    if folder.exists() and any(folder.iterdir()):
        raise ScaffoldExists(f"{folder} 已存在且不为空")
    form = form if form is not None else shipped_form(kind)
    folder.mkdir(parents=True, exist_ok=True)
    schemas, schema_written = write_schemas(folder, form)
    texts = form_files(form, None if form.shipped else form_ref, year, unit, schemas.as_posix())
    files = [folder / name for name in texts]
    for path, text in zip(files, texts.values()):
        write_new(path, text)
    return files + schema_written


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
    form = document_form(folder, kind, data.get("表单") is not None)
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
    schemas, _ = write_schemas(folder, form)
    body = unmark(project_skeleton(form, year, str(unit), schemas.as_posix()))
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


def document_form(folder: Path, kind: str, named: bool):
    """The form of the document in ``folder``: the shipped one of ``kind``, or the one its 表单 names
    (InputError, located, when that form is wrong)."""
    from builder.forms.formdef import read_form, shipped_form

    return read_form(folder, kind) if named else shipped_form(kind)


def skeleton_text(form, year, unit: str, schemas: str) -> str:
    """The project skeleton of ``form`` as ``new 项目`` writes it (marks taken out)."""
    return unmark(project_skeleton(form, year, unit, schemas))


# ---------------------------------------------------------------- a bureau's own form

def scaffold_form(folder: Path, form, form_ref: str, year: int, unit: str) -> list[Path]:
    return scaffold(folder, form.kind, year, unit, form, form_ref)
