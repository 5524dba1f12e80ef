"""A build/ folder from somewhere else is safe to build over: every cache entry and incremental
record is sealed by an HMAC under this user's key (builder.output.cache), kept outside the output
folder. An entry edited by hand (its sha256 intact), or sealed by someone else's key, is a miss
that the build rewrites; without a usable key the cache is not used at all."""

from __future__ import annotations

import json
import os
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from conftest import TARGET_SOURCES

PLANTED = "被篡改的项目名称"


@pytest.fixture
def folder(tmp_path) -> Path:
    target = tmp_path / "src" / TARGET_SOURCES.name
    shutil.copytree(TARGET_SOURCES, target)
    return target


def _use_key(monkeypatch, where: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(where))
    monkeypatch.delenv("BUDGETDOC_NO_CACHE", raising=False)


def _build(folder: Path, out: Path):
    from builder.output.build import build_document

    return build_document(folder, out, ("docx",))


def _body(docx: Path) -> str:
    return zipfile.ZipFile(docx).read("word/document.xml").decode("utf-8")


def _entries(out: Path, part: str) -> list[Path]:
    from builder.output.cache import CACHE_DIR_NAME

    return sorted((out / CACHE_DIR_NAME / part).rglob("*.json"))


def _reseal(path: Path, cache, edit) -> None:
    """An entry's JSON edited, and sealed again with ``cache``'s key (as its owner could)."""
    raw = path.read_bytes()
    entry = json.loads(raw)["entry"]
    path.write_bytes(cache.sealed(path, edit(entry)))


def _plant_name(entry):
    return json.loads(json.dumps(entry, ensure_ascii=False).replace("宣传阵地建设", PLANTED))


def test_the_key_is_made_once_private_and_outside_the_output_folder(folder, tmp_path, monkeypatch):
    _use_key(monkeypatch, tmp_path / "xdg")
    _build(folder, tmp_path / "out")
    key = tmp_path / "xdg" / "budgetdoc" / "cache-key"
    assert key.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    data = key.read_bytes()
    _build(folder, tmp_path / "out2")
    assert key.read_bytes() == data
    entry = _entries(tmp_path / "out", "documents")[0].read_bytes()
    assert data not in entry and data.hex().encode() not in entry


def test_an_edited_tree_with_its_sha256_intact_is_a_miss(folder, tmp_path, monkeypatch):
    """The reported case: a stored tree edited by hand (250,000.00 → 2,500,000.00), its sha256
    of the source bytes left as it was. The build parses the source again and prints its value."""
    _use_key(monkeypatch, tmp_path / "xdg")
    out = tmp_path / "out"
    _build(folder, out)
    edited = 0
    for path in _entries(out, "sources"):
        text = path.read_text(encoding="utf-8")
        if "宣传阵地建设" in text:
            path.write_text(text.replace("宣传阵地建设", PLANTED), encoding="utf-8")  # sha256 field untouched
            edited += 1
    assert edited >= 1
    (out / f"{folder.name}.docx").unlink()
    _build(folder, out)
    body = _body(out / f"{folder.name}.docx")
    assert PLANTED not in body and "宣传阵地建设" in body
    assert all(PLANTED not in p.read_text(encoding="utf-8") for p in _entries(out, "sources"))  # rewritten


def test_a_build_folder_sealed_by_someone_else_is_not_trusted(folder, tmp_path, monkeypatch):
    """Someone builds, plants a name and a made-up set of warnings in their cache, seals it with
    their own key and sends the folder: every entry is a miss for this user."""
    from builder.output.cache import BuildCache

    out = tmp_path / "out"
    _use_key(monkeypatch, tmp_path / "theirs")
    _build(folder, out)
    theirs = BuildCache(out)
    for path in _entries(out, "sources") + _entries(out, "documents"):
        _reseal(path, theirs, _plant_name)
    for path in _entries(out, "documents"):
        _reseal(path, theirs, lambda e: {**e, "warnings": []})
    docx = out / f"{folder.name}.docx"
    docx.write_bytes(docx.read_bytes())  # the outputs are as their record says
    assert _build(folder, out).skipped  # with their key, their cache is believed …

    _use_key(monkeypatch, tmp_path / "mine")
    docx.unlink()
    mine = _build(folder, out)  # … but not with mine
    assert not mine.skipped and mine.warnings
    assert PLANTED not in _body(docx) and "宣传阵地建设" in _body(docx)


def test_a_planted_incremental_record_is_a_full_build(folder, tmp_path, monkeypatch):
    """An incremental record (index and pieces) made by someone else, a piece's text changed and
    the index sealed by their key: after a one-project edit this user's build renders in full."""
    from builder.output import incremental
    from builder.output.cache import BuildCache

    out = tmp_path / "out"
    _use_key(monkeypatch, tmp_path / "theirs")
    _build(folder, out)
    theirs = BuildCache(out)
    record = incremental.load_record(theirs, folder)
    assert record is not None
    planted = [incremental.ProjectRecord(p.file, p.sha, p.name, p.annual, p.findings,
                                         _piece_with(p.piece, "宣传阵地建设", PLANTED)) for p in record.projects]
    incremental.write_record(theirs, folder, record.base, record.digest, record.frame, planted)
    assert incremental.load_record(theirs, folder).projects[0].piece != record.projects[0].piece

    _use_key(monkeypatch, tmp_path / "mine")
    assert incremental.load_record(BuildCache(out), folder) is None
    project = next(folder.glob("05-*.yaml"))
    project.write_text(project.read_text(encoding="utf-8").replace("项目概述: ", "项目概述: 改动。", 1), encoding="utf-8")
    result = _build(folder, out)
    assert result.rendered is None  # a full build, not one from their pieces
    assert PLANTED not in _body(out / f"{folder.name}.docx")


def test_a_piece_changed_in_the_blob_is_not_used(folder, tmp_path, monkeypatch):
    """The index names every piece by its sha256: a piece changed in the file of pieces (even with
    the file's CRC made to match) is not the one the sealed index names."""
    from builder.output import incremental
    from builder.output.cache import BuildCache

    _use_key(monkeypatch, tmp_path / "xdg")
    out = tmp_path / "out"
    _build(folder, out)
    cache = BuildCache(out)
    record = incremental.load_record(cache, folder)
    assert record is not None
    _, blob = incremental.record_paths(cache, folder)
    data = bytearray(blob.read_bytes())
    start, size = record.projects[0].span
    data[start:start + size] = bytes(size)  # same length; the CRC check is stubbed out below
    blob.write_bytes(bytes(data))
    monkeypatch.setattr(incremental.zlib, "crc32", lambda *args: record.crc)
    assert incremental.load_record(cache, folder) is None


def test_without_a_usable_key_the_cache_is_not_used(folder, tmp_path, monkeypatch):
    """A key folder that cannot be made (a file in its way): the build still works, renders
    every time, and neither trusts nor writes the cache."""
    blocker = tmp_path / "blocked"
    blocker.write_text("not a folder")
    _use_key(monkeypatch, blocker)
    out = tmp_path / "out"
    first = _build(folder, out)
    second = _build(folder, out)
    assert not first.skipped and not second.skipped
    from builder.output.cache import CACHE_DIR_NAME

    assert not list((out / CACHE_DIR_NAME).rglob("*.json"))
    # a key inside the output folder is not a key either
    _use_key(monkeypatch, out / "xdg")
    assert not _build(folder, out).skipped and not _build(folder, out).skipped
    assert not (out / "xdg").exists()


def _piece_with(piece, old: str, new: str):
    import zlib

    from builder.output.assemble import Piece

    text = zlib.decompressobj(-15).decompress(bytes(piece.deflated)).decode("utf-8")
    return Piece.of(text.replace(old, new).encode("utf-8"))


def test_a_document_folder_named_in_gbk_is_cached_like_any_other(tmp_path, monkeypatch):
    """Hostile tester (issue 21, defect 15): a document folder whose name is not UTF-8 (a GBK
    name copied from a Windows share) built, then built again — the cache record holds the name
    (the first build was exit 3: UnicodeEncodeError in the sealed entry), and the second build
    finds it unchanged."""
    _use_key(monkeypatch, tmp_path / "xdg")
    folder = tmp_path / "src" / os.fsdecode(b"2026-\xb2\xe2\xca\xd4")
    shutil.copytree(TARGET_SOURCES, folder)
    out = tmp_path / "out"
    first = _build(folder, out)
    assert not first.skipped and (out / f"{folder.name}.docx").is_file()
    assert _entries(out, "documents")
    assert _build(folder, out).skipped
