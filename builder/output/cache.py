"""The build cache under the output folder: content hashes, never mtimes (git resets them).

Everything in it is plain data (JSON), checked field by field when read back:
a cache can never run code, and an entry that is damaged, planted, or written
by another version of budgetdoc is a miss that the next build rewrites.

- A document's key hashes the tool's version, the formats and the environment
  that changes output (``SOURCE_DATE_EPOCH``), the bytes of every source file of
  its folder and of every template the last build used (found again through the
  record). When the key and the outputs are unchanged the document is not
  rendered again, and the warnings of the build that wrote it are printed again.
- Each source file's parsed tree is kept by (version, path, content hash), so a
  change to one project re-reads only that file.
- Every entry is sealed with an HMAC-SHA256 under a random key kept outside the output
  folder (``$XDG_CACHE_HOME/budgetdoc/cache-key``, else ``~/.cache/budgetdoc/cache-key``,
  made 0600 on first use) and bound to the entry's own name: an entry edited by hand,
  copied from another machine's build/ or from another entry's place is a miss, and is
  rewritten. When that key cannot be read or made, the cache is not used at all.
- ``incremental/`` holds, per 申报 document, what a build after a few project
  edits reuses (``builder.output.incremental``): each project's findings and rendered
  piece, in a JSON index and one binary file of pieces checked by its CRC. The
  pieces are XML and the project loop's template text, rendered in the same
  sandbox and bounds as any template; nothing in the cache is ever executed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import stat
from decimal import Decimal, InvalidOperation
from pathlib import Path

from builder import __version__
from builder.read.errors import Location, Problem
from builder.output.atomic import write_atomic
from builder.read.rawtree import Entry, Mapping, Node, Scalar, Sequence
from builder.read.readonce import MAX_TEMPLATE_FILE_BYTES, read_input
from builder.read.safeio import UnsafeFile, inside, read_regular
from builder.read.sources import source_bytes

CACHE_DIR_NAME = ".budgetdoc-cache"
FORMAT = f"budgetdoc-cache 2 {__version__}"  # entries of any other version are misses
MAX_RECORD_BYTES = 16 * 1024 * 1024
MAX_OUTPUT_BYTES = 1 << 31


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BuildCache:
    def __init__(self, out_dir: Path):
        self.dir = out_dir / CACHE_DIR_NAME
        self.secret = cache_secret(out_dir)  # None: nothing in the cache is trusted or written

    @property
    def usable(self) -> bool:
        return self.secret is not None

    # ------------------------------------------------------------ sealed entries

    def _mac(self, path: Path, body: bytes) -> str:
        name = os.fsencode(path.relative_to(self.dir).as_posix())
        return hmac.new(self.secret, b"budgetdoc-cache\0" + name + b"\0" + body, hashlib.sha256).hexdigest()

    def sealed(self, path: Path, record: dict) -> bytes | None:
        """The bytes of an entry at ``path``: JSON whose first member is the HMAC of the rest."""
        if self.secret is None:
            return None
        # a name that is not UTF-8 (a folder named in GBK) is held as lone surrogates: written as
        # the JSON escape \udcXX ("backslashreplace" gives exactly that), read back as the same name
        body = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "backslashreplace")
        return _SEAL_HEAD + self._mac(path, body).encode() + _SEAL_MID + body + b"}"

    def read_entry(self, path: Path, limit: int = MAX_RECORD_BYTES):
        """The JSON value of the entry at ``path``, or None when it is missing, damaged or not
        sealed by this user's key for this very place (planted, edited, copied)."""
        if self.secret is None:
            return None
        try:
            raw = read_regular(path, limit)
        except UnsafeFile:
            return None
        start = len(_SEAL_HEAD) + 64 + len(_SEAL_MID)
        if not (raw.startswith(_SEAL_HEAD) and raw[start - len(_SEAL_MID):start] == _SEAL_MID and raw.endswith(b"}")):
            return None
        body = raw[start:-1]
        if not hmac.compare_digest(raw[len(_SEAL_HEAD):len(_SEAL_HEAD) + 64], self._mac(path, body).encode()):
            return None
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None

    # ------------------------------------------------------------ documents

    def _record_path(self, folder: Path) -> Path:
        """One record per document, so parallel builds never write the same file."""
        return self.dir / "documents" / f"{sha256(os.fsencode(folder.resolve()))}.json"

    def _record(self, folder: Path) -> dict:
        data = self.read_entry(self._record_path(folder))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        return data

    def recorded_templates(self, folder: Path) -> list[Path]:
        """The templates the last build of ``folder`` used (part of the key)."""
        names = self._record(folder).get("templates")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            return []
        return [Path(n) for n in names]

    def document_key(self, folder: Path, templates: list[Path], files: list[Path], extra: str = "",
                     digests: dict[Path, str] | None = None) -> str | None:
        """The content key of a document, or None when an input cannot be hashed safely
        (it is then built without the cache, and the loader reports what is wrong).
        ``digests`` are the files' digests when ``input_digests`` has taken them already."""
        digest = hashlib.sha256(f"{FORMAT}\0{extra}\0".encode())
        if digests is None:
            digests = input_digests(folder, files)
            if digests is None:
                return None
        try:
            for path in sorted(files, key=os.fspath):
                digest.update(os.fsencode(path.name) + b"\0" + digests[path].encode() + b"\0")
            for path in sorted(set(templates), key=os.fspath):
                digest.update(os.fsencode(path) + b"\0")
                digest.update(read_input(path, MAX_TEMPLATE_FILE_BYTES) if path.exists() else b"<missing>")
                digest.update(b"\0")
        except (UnsafeFile, KeyError):
            return None
        return digest.hexdigest()

    def fresh_warnings(self, folder: Path, key: str, outputs: list[Path]) -> list[Problem] | None:
        """The warnings of the build that wrote ``outputs`` when they are still what it wrote
        for ``key``; None when the document must be built."""
        record = self._record(folder)
        if record.get("key") != key:
            return None
        hashes = record.get("outputs")
        if not isinstance(hashes, dict):
            return None
        for output in outputs:
            expected = hashes.get(str(output.resolve()))
            if not isinstance(expected, str) or _file_digest(output) != expected:
                return None
        return problems_from_json(record.get("warnings"))

    def remember(self, folder: Path, key: str, outputs: dict[Path, bytes], templates: list[Path],
                 warnings: list[Problem]) -> None:
        record = {
            "format": FORMAT, "folder": str(folder.resolve()), "key": key,
            "templates": [str(p) for p in templates],
            "outputs": {str(p.resolve()): sha256(data) for p, data in outputs.items()},
            "warnings": [problem_to_json(p) for p in warnings],
        }
        self._write(self._record_path(folder), record)

    def replace_output(self, folder: Path, output: Path, placeholder: bytes, data: bytes) -> None:
        """Record ``data`` as ``output``'s bytes where the build recorded ``placeholder`` before the
        output was made (a PDF converted after the document's other outputs were written). A record
        that does not hold this placeholder (another build's) is left alone; one that still holds it
        (the PDF failed, the build was interrupted) never matches a file, so the next build makes it."""
        record = self._record(folder)
        outputs = record.get("outputs")
        name = str(output.resolve())
        if not isinstance(outputs, dict) or outputs.get(name) != sha256(placeholder):
            return
        outputs[name] = sha256(data)
        self._write(self._record_path(folder), record)

    # ------------------------------------------------------------ parsed sources

    def _raw_path(self, path: Path, data: bytes) -> Path:
        name = sha256(f"{FORMAT}\0".encode() + os.fsencode(path.resolve()) + b"\0" + data)
        return self.dir / "sources" / name[:2] / f"{name}.json"

    def load_raw(self, path: Path, data: bytes) -> Node | None:
        """The parsed tree of a source file with these bytes, or None (a miss)."""
        record = self.read_entry(self._raw_path(path, data))
        if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("sha256") != sha256(data):
            return None
        try:
            return _node_from_json(record["tree"], path, 0)
        except (KeyError, TypeError, ValueError, IndexError, InvalidOperation, RecursionError):
            return None

    def store_raw(self, path: Path, data: bytes, node: Node) -> None:
        self._write(self._raw_path(path, data), {"format": FORMAT, "sha256": sha256(data), "tree": _node_to_json(node)})

    # ------------------------------------------------------------ converted Markdown

    def _markdown_path(self, folder: Path) -> Path:
        return self.dir / "markdown" / f"{sha256(os.fsencode(folder.resolve()))}.json"

    def load_markdown(self, folder: Path) -> dict[str, list]:
        """The pandoc blocks of the Markdown fragments the last build of ``folder`` converted, by
        fragment key (plain JSON: a damaged entry fails the reader's checks and is converted again)."""
        from builder.read.pandoc import CONVERSION_VERSION, PANDOC_FORMAT

        record = self.read_entry(self._markdown_path(folder), MAX_MARKDOWN_RECORD_BYTES)
        if (not isinstance(record, dict) or record.get("format") != FORMAT
                or record.get("conversion") != f"{CONVERSION_VERSION} {PANDOC_FORMAT}"):
            return {}
        entries = record.get("entries")
        if not isinstance(entries, dict):
            return {}
        return {k: v for k, v in entries.items() if isinstance(k, str) and isinstance(v, list)}

    def store_markdown(self, folder: Path, entries: dict[str, list]) -> None:
        from builder.read.pandoc import CONVERSION_VERSION, PANDOC_FORMAT

        self._write(self._markdown_path(folder), {"format": FORMAT, "conversion": f"{CONVERSION_VERSION} {PANDOC_FORMAT}",
                                                  "entries": entries})

    def _write(self, path: Path, record: dict) -> None:
        data = self.sealed(path, record)
        if data is None:
            return
        try:
            write_atomic(path, data, durable=False)
        except (OSError, ValueError):
            pass  # a cache that cannot be written (read-only, full, a file in the way) only costs time


_SEAL_HEAD, _SEAL_MID = b'{"mac":"', b'","entry":'
KEY_BYTES = 32
_SECRETS: dict[str, bytes] = {}


def key_file() -> Path | None:
    """Where this user's cache key is: under $XDG_CACHE_HOME (when absolute), else ~/.cache."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "budgetdoc" / "cache-key"


def cache_secret(out_dir: Path) -> bytes | None:
    """This user's key for sealing cache entries, made on first use; None when it cannot be read
    or made, or would lie in the output folder (whose contents may come from anyone)."""
    path = key_file()
    if path is None or inside(path, out_dir):
        return None
    known = _SECRETS.get(str(path))
    if known is not None:
        return known
    secret = _read_secret(path)
    if secret is None:
        secret = _make_secret(path)
    if secret is not None:
        _SECRETS[str(path)] = secret
    return secret


def _read_secret(path: Path) -> bytes | None:
    try:
        data = read_regular(path, KEY_BYTES)
    except UnsafeFile:
        return None
    return data if len(data) == KEY_BYTES else None


def _make_secret(path: Path) -> bytes | None:
    """A new random key, 0600, put in place whole (a parallel build reads one or the other, never half)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            os.write(fd, os.urandom(KEY_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another build made it first: use that one
        finally:
            os.unlink(temporary)
    except OSError:
        return None
    return _read_secret(path)


def input_digests(folder: Path, files: list[Path]) -> dict[Path, str] | None:
    """The sha256 of each source file (read safely, each once), or None when one cannot be read
    safely (the loader then reports what is wrong)."""
    try:
        return {path: sha256(source_bytes(path, folder)) for path in files}
    except UnsafeFile:
        return None
MAX_MARKDOWN_RECORD_BYTES = 512 * 1024 * 1024


def cache_enabled() -> bool:
    return os.environ.get("BUDGETDOC_NO_CACHE", "") == ""


def _file_digest(path: Path) -> str | None:
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        return sha256(read_regular(path, MAX_OUTPUT_BYTES))
    except (OSError, UnsafeFile):
        return None


# ---------------------------------------------------------------- raw trees as JSON
# A scalar is ["s", type, value, line, col, text, quoted]; a mapping ["m", line, col,
# [[key, line, col, node], …]]; a sequence ["l", line, col, [node, …]]. Every location
# is in the file the tree was parsed from, so the path is not stored.

_MAX_DEPTH = 64


def _node_to_json(node: Node):
    if isinstance(node, Mapping):
        return ["m", node.loc.line, node.loc.col,
                [[e.key, e.key_loc.line, e.key_loc.col, _node_to_json(e.node)] for e in node.entries.values()]]
    if isinstance(node, Sequence):
        loc = node.loc or Location(Path(), 1, 1)
        return ["l", loc.line, loc.col, [_node_to_json(item) for item in node.items]]
    value = node.value
    if value is None:
        kind, data = "n", None
    elif isinstance(value, bool):
        kind, data = "b", value
    elif isinstance(value, Decimal):
        kind, data = "d", str(value)
    elif isinstance(value, dt.date):
        kind, data = "t", value.isoformat()
    else:
        kind, data = "s", str(value)
    return ["s", kind, data, node.loc.line, node.loc.col, node.text, node.quoted]


def _int(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 1 << 31:
        raise ValueError("bad position")
    return value


def checked_str(value) -> str:
    if not isinstance(value, str):
        raise ValueError("not a string")
    return value


def _node_from_json(data, path: Path, depth: int) -> Node:
    if depth > _MAX_DEPTH or not isinstance(data, list) or not data:
        raise ValueError("bad node")
    tag = data[0]
    if tag == "m":
        _, line, col, entries = data
        result: dict[str, Entry] = {}
        for key, key_line, key_col, child in entries:
            result[checked_str(key)] = Entry(key, Location(path, _int(key_line), _int(key_col)),
                                      _node_from_json(child, path, depth + 1))
        return Mapping(result, Location(path, _int(line), _int(col)))
    if tag == "l":
        _, line, col, items = data
        if not isinstance(items, list):
            raise ValueError("bad list")
        return Sequence([_node_from_json(item, path, depth + 1) for item in items], Location(path, _int(line), _int(col)))
    if tag == "s":
        _, kind, raw, line, col, text, quoted = data
        if kind == "n" and raw is None:
            value = None
        elif kind == "b" and isinstance(raw, bool):
            value = raw
        elif kind == "d":
            value = Decimal(checked_str(raw))
        elif kind == "t":
            value = dt.date.fromisoformat(checked_str(raw))
        elif kind == "s":
            value = checked_str(raw)
        else:
            raise ValueError("bad scalar")
        if not isinstance(quoted, bool):
            raise ValueError("bad flag")
        return Scalar(value, Location(path, _int(line), _int(col)), checked_str(text), quoted)
    raise ValueError("bad tag")


def problem_to_json(problem: Problem) -> dict:
    # absolute: the warnings are printed again from whatever folder the next build runs in
    return {"file": os.path.abspath(problem.location.file), "line": problem.location.line, "col": problem.location.col,
            "field": problem.field, "message": problem.message, "severity": problem.severity,
            "rule": problem.rule, "values": [list(pair) for pair in problem.values], "note": problem.note}


def problems_from_json(data, file: Path | None = None) -> list[Problem] | None:
    """The problems as stored; ``file`` (when given) is where they are, instead of the path stored."""
    if not isinstance(data, list):
        return None
    try:
        return [
            Problem(Location(file or Path(checked_str(d["file"])), _int(d["line"]), _int(d["col"])), checked_str(d["field"]),
                    checked_str(d["message"]), checked_str(d["severity"]), checked_str(d["rule"]),
                    tuple((checked_str(a), checked_str(b)) for a, b in d["values"]), checked_str(d.get("note", "")))
            for d in data
        ]
    except (KeyError, TypeError, ValueError):
        return None
