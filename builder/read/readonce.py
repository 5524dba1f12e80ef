"""One read per input per build: the bytes that are hashed are the bytes that are parsed.

A build reads each input several times over: the cache key hashes the sources, the
templates, the rule profiles and the form; the loader parses the sources; the
template check, the renderer and the incremental record read the template. Were each
of them to open the file again, a save in between would record the key of one
version for the output of another — and after an undo, every later build would
call the wrong output "unchanged".

So every reader of an input goes through ``read_input`` (bounded by
``builder.read.safeio.read_regular``), and inside ``one_read()`` — around each document's
build, load or render — the first read of a path is the only one: every later
request for it, by whichever stage, gets the same bytes (or the same refusal).
Folder listings are taken once too, so the key, the loader and the record agree on
which files there are. Outside ``one_read()`` every call reads the file afresh.
The store lives for one document's build only (a later build, e.g. after a save
under ``build --watch``, reads the files again).
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import os
from pathlib import Path

from builder.read.safeio import UnsafeFile, read_regular

MAX_TEMPLATE_FILE_BYTES = 64 * 1024 * 1024  # a template, form or rule profile on disk

_STORE: contextvars.ContextVar["_Store | None"] = contextvars.ContextVar("budgetdoc_read_once", default=None)


class _Store:
    def __init__(self):
        self.files: dict[str, bytes | UnsafeFile] = {}
        self.folders: dict[str, list[Path] | OSError] = {}


@contextlib.contextmanager
def one_read():
    """Within this block each input path is read once (nested blocks share the outer store)."""
    if _STORE.get() is not None:
        yield
        return
    token = _STORE.set(_Store())
    try:
        yield
    finally:
        _STORE.reset(token)


def read_input(path: Path, limit: int) -> bytes:
    """The bytes of an input file, read at most once per ``one_read()`` block; raises UnsafeFile
    (not a regular file, larger than ``limit``, unreadable) as ``read_regular`` does."""
    store = _STORE.get()
    if store is None:
        return read_regular(path, limit)
    name = os.path.abspath(path)
    outcome = store.files.get(name)
    if outcome is None:
        try:
            outcome = read_regular(path, limit)
        except UnsafeFile as exc:
            outcome = exc
        store.files[name] = outcome
    if isinstance(outcome, UnsafeFile):
        raise UnsafeFile(str(outcome))
    if len(outcome) > limit:  # read before under a larger limit (a profile hashed as a template is)
        raise UnsafeFile(f"文件过大（{len(outcome):,} 字节，上限 {limit:,} 字节）")
    return outcome


def input_stream(path: Path, limit: int = MAX_TEMPLATE_FILE_BYTES) -> io.BytesIO:
    """An input file (a template) as a binary stream of the bytes ``read_input`` gives."""
    return io.BytesIO(read_input(path, limit))


def folder_entries(folder: Path) -> list[Path]:
    """The entries of a folder, listed once per ``one_read()`` block (raises OSError)."""
    store = _STORE.get()
    if store is None:
        return list(folder.iterdir())
    name = os.path.abspath(folder)
    outcome = store.folders.get(name)
    if outcome is None:
        try:
            outcome = list(folder.iterdir())
        except OSError as exc:
            outcome = exc
        store.folders[name] = outcome
    if isinstance(outcome, OSError):
        raise outcome
    return list(outcome)


def reading_once(function):
    """``function`` run inside ``one_read()`` (a command that loads sources and then copies them)."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with one_read():
            return function(*args, **kwargs)

    return wrapper
