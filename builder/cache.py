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


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BuildCache:
    def __init__(self, out_dir: Path):
        self.dir = out_dir / CACHE_DIR_NAME

    # ------------------------------------------------------------ documents

    def _record_path(self, folder: Path) -> Path:
        """One record per document, so parallel builds never write the same file."""
        return self.dir / "documents" / f"{sha256(str(folder.resolve()).encode())}.json"

    def _record(self, folder: Path) -> dict:
        try:
            return json.loads(self._record_path(folder).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def document_key(self, folder: Path, templates: list[Path], files: list[Path], extra: str = "") -> str:
        digest = hashlib.sha256(f"budgetdoc {__version__}\0{extra}\0".encode())
        for path in sorted(files) + sorted(templates):
            digest.update(str(path.name).encode() + b"\0")
            digest.update(path.read_bytes() if path.is_file() else b"<missing>")
            digest.update(b"\0")
        return digest.hexdigest()

    def is_fresh(self, folder: Path, key: str, outputs: list[Path]) -> bool:
        record = self._record(folder)
        if record.get("key") != key:
            return False
        hashes = record.get("outputs", {})
        for output in outputs:
            expected = hashes.get(str(output.resolve()))
            if expected is None or not output.is_file() or sha256(output.read_bytes()) != expected:
                return False
        return True

    def remember(self, folder: Path, key: str, outputs: dict[Path, bytes]) -> None:
        record = {"folder": str(folder.resolve()), "key": key,
                  "outputs": {str(p.resolve()): sha256(data) for p, data in outputs.items()}}
        write_atomic(self._record_path(folder), json.dumps(record, ensure_ascii=False, indent=1).encode())

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
            write_atomic(self._raw_path(path, data), pickle.dumps(node, protocol=pickle.HIGHEST_PROTOCOL), durable=False)
        except OSError:
            pass  # a cache that cannot be written only costs time


def cache_enabled() -> bool:
    return os.environ.get("BUDGETDOC_NO_CACHE", "") == ""
