"""The build cache under the output folder: content hashes, never mtimes (git resets them).

- A document's key hashes the tool's version, its template bytes and the bytes of
  every source file of its folder; when the key and the outputs are unchanged,
  the document is not rendered again.
- Each source file's parsed tree is kept by (path, content hash), so a change to
  one project re-reads only that file; the document itself depends on all of its
  projects and is rendered again whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path

from builder import __version__
from builder.outputs import write_atomic

CACHE_DIR_NAME = ".budgetdoc-cache"
INDEX_NAME = "index.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BuildCache:
    def __init__(self, out_dir: Path):
        self.dir = out_dir / CACHE_DIR_NAME
        self._index: dict | None = None

    # ------------------------------------------------------------ documents

    @property
    def index(self) -> dict:
        if self._index is None:
            try:
                self._index = json.loads((self.dir / INDEX_NAME).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._index = {}
        return self._index

    def document_key(self, folder: Path, templates: list[Path], files: list[Path], extra: str = "") -> str:
        digest = hashlib.sha256(f"budgetdoc {__version__}\0{extra}\0".encode())
        for path in sorted(files) + sorted(templates):
            digest.update(str(path.name).encode() + b"\0")
            digest.update(path.read_bytes() if path.is_file() else b"<missing>")
            digest.update(b"\0")
        return digest.hexdigest()

    def is_fresh(self, folder: Path, key: str, outputs: list[Path]) -> bool:
        record = self.index.get(str(folder.resolve()))
        if not record or record.get("key") != key:
            return False
        hashes = record.get("outputs", {})
        for output in outputs:
            expected = hashes.get(str(output.resolve()))
            if expected is None or not output.is_file() or sha256(output.read_bytes()) != expected:
                return False
        return True

    def remember(self, folder: Path, key: str, outputs: dict[Path, bytes]) -> None:
        record = {"key": key, "outputs": {str(p.resolve()): sha256(data) for p, data in outputs.items()}}
        self.index[str(folder.resolve())] = record
        write_atomic(self.dir / INDEX_NAME, json.dumps(self.index, ensure_ascii=False, indent=1).encode())

    # ------------------------------------------------------------ parsed sources

    def _raw_path(self, path: Path, data: bytes) -> Path:
        name = sha256(str(path.resolve()).encode() + b"\0" + data)
        return self.dir / "sources" / name[:2] / f"{name}.pickle"

    def load_raw(self, path: Path, data: bytes):
        try:
            with open(self._raw_path(path, data), "rb") as handle:
                return pickle.load(handle)
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
            return None

    def store_raw(self, path: Path, data: bytes, node) -> None:
        try:
            write_atomic(self._raw_path(path, data), pickle.dumps(node, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass  # a cache that cannot be written only costs time


def cache_enabled() -> bool:
    return os.environ.get("BUDGETDOC_NO_CACHE", "") == ""
