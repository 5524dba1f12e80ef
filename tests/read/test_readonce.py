"""One read per input per build (builder.read.readonce): the bytes the cache key and the incremental
record hash are the bytes the loader parses and the renderer renders — even when a file is
saved in the middle of a build."""

from __future__ import annotations

import builtins
import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import TARGET_SOURCES

ORIGINAL = "G60 日常办公经费项目：办公室日常运转"
SAVED = "G60 日常办公经费项目（保存于生成途中）：办公室日常运转"


@pytest.fixture(autouse=True)
def _own_cache_key(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("BUDGETDOC_NO_CACHE", raising=False)


@pytest.fixture
def folder(tmp_path) -> Path:
    target = tmp_path / "src" / TARGET_SOURCES.name
    shutil.copytree(TARGET_SOURCES, target)
    return target


def _project(folder: Path) -> Path:
    return next(folder.glob("02-*.yaml"))


def _body(docx: Path) -> str:
    return zipfile.ZipFile(docx).read("word/document.xml").decode("utf-8")


def _build(folder: Path, out: Path):
    from builder.output.build import build_document

    return build_document(folder, out, ("docx",))


def test_each_input_is_opened_once_per_build(folder, tmp_path, monkeypatch):
    """Every source, the template and the rule profile is opened once in a build — by the key,
    the loader, the template check and the renderer together (rendering in process here, so
    that its opens are counted too)."""
    from builder.render.template import TEMPLATE_DIR

    monkeypatch.delattr(os, "fork")  # builder.render.bounded renders in this process without it
    watched = [folder.resolve(), TEMPLATE_DIR.resolve(), (Path(__file__).resolve().parents[2] / "builder" / "check" / "profiles")]
    opened: dict[str, int] = {}

    def note(path):
        if isinstance(path, (str, os.PathLike)):
            name = os.path.realpath(os.fspath(path))
            if any(name.startswith(str(w) + os.sep) for w in watched):
                opened[name] = opened.get(name, 0) + 1

    real_os_open, real_open = os.open, builtins.open

    def counting_os_open(path, *args, **kwargs):
        note(path)
        return real_os_open(path, *args, **kwargs)

    def counting_open(file, *args, **kwargs):
        note(file)
        return real_open(file, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(os, "open", counting_os_open)
        patch.setattr(builtins, "open", counting_open)
        result = _build(folder, tmp_path / "out")
    assert not result.skipped and result.projects == 10
    sources = {os.path.realpath(p) for p in folder.glob("*.yaml")}
    template = os.path.realpath(TEMPLATE_DIR / "绩效目标申报.docx")
    assert sources | {template} <= set(opened), sorted(opened)
    twice = {name: count for name, count in opened.items() if count != 1}
    assert not twice, twice


def test_a_save_during_the_build_records_what_was_read_and_an_undo_rebuilds(folder, tmp_path, monkeypatch):
    """The file is saved right after the cache key read it: the .docx and the incremental record
    are both of the bytes read (the old text), the next build sees the save, and undoing it
    builds the old text again (never a stale 未改变)."""
    from builder.output import incremental
    from builder.output.cache import BuildCache

    project = _project(folder)
    before = project.read_bytes()
    assert ORIGINAL.encode() in before
    after = before.replace(ORIGINAL.encode(), SAVED.encode())
    real_key = BuildCache.document_key
    saves = []

    def key_then_save(self, *args, **kwargs):
        key = real_key(self, *args, **kwargs)
        if not saves:
            project.write_bytes(after)  # the user saves while the build is under way
            saves.append(key)
        return key

    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        patch.setattr(BuildCache, "document_key", key_then_save)
        first = _build(folder, out)
    assert saves and not first.skipped
    docx = out / f"{folder.name}.docx"
    assert ORIGINAL in _body(docx) and SAVED not in _body(docx)  # the bytes the key hashed
    record = incremental.load_record(BuildCache(out), folder)
    assert record is not None
    entry = next(p for p in record.projects if p.file == project.name)
    assert entry.sha == hashlib.sha256(before).hexdigest()

    second = _build(folder, out)  # the saved text, now on disk
    assert not second.skipped
    assert SAVED in _body(docx) and ORIGINAL not in _body(docx)

    project.write_bytes(before)  # undo
    third = _build(folder, out)
    assert not third.skipped
    assert ORIGINAL in _body(docx) and SAVED not in _body(docx)
    cold = tmp_path / "cold"
    from builder.output.build import build_document

    build_document(folder, cold, ("docx",), use_cache=False)
    assert docx.read_bytes() == (cold / docx.name).read_bytes()


def test_a_project_file_deleted_during_the_build_is_in_both_the_key_and_the_output(folder, tmp_path, monkeypatch):
    """The folder is listed once: a file deleted after the key was taken is still built from the
    bytes read, so when the deletion is undone, "未改变" is true."""
    from builder.output.cache import BuildCache

    project = _project(folder)
    kept = project.read_bytes()
    real_key = BuildCache.document_key
    state = {"deleted": False}

    def key_then_delete(self, *args, **kwargs):
        key = real_key(self, *args, **kwargs)
        if not state["deleted"]:
            project.unlink()
            state["deleted"] = True
        return key

    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        patch.setattr(BuildCache, "document_key", key_then_delete)
        first = _build(folder, out)
    assert state["deleted"] and first.projects == 10
    assert ORIGINAL in _body(out / f"{folder.name}.docx")
    project.write_bytes(kept)  # the deletion undone
    again = _build(folder, out)
    assert again.skipped and ORIGINAL in _body(out / f"{folder.name}.docx")


def test_outside_a_build_every_read_is_fresh(tmp_path):
    from builder.read.readonce import one_read, read_input

    path = tmp_path / "a.yaml"
    path.write_bytes(b"one")
    with one_read():
        assert read_input(path, 100) == b"one"
        path.write_bytes(b"two")
        assert read_input(path, 100) == b"one"  # the same bytes for the whole block
        from builder.read.safeio import UnsafeFile

        with pytest.raises(UnsafeFile):
            read_input(path, 2)  # a smaller bound still applies to what was read
    assert read_input(path, 100) == b"two"
