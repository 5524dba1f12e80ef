"""A build after a few project files changed: load, check and render those projects only.

A full build of a 申报 document whose template's project loop splits into one piece
per project (``builder.render.segments``) leaves a record beside the build cache:
for every project file its content hash, what the document-wide rules and totals
read of it (its name and every money cell, 年度金额 among them), its findings, and its rendered piece of
``word/document.xml`` (deflated, with its CRC-32 and length). When only project
files changed since, and nothing else did — not document.yaml, a template, a rule profile, the form,
the set of files, the formats, nor the tool —, the next build

1. loads document.yaml and the changed project files only, with the recorded
   roster of the others (``Document.roster``);
2. runs every rule on them (the document-wide ones read the roster), and takes the
   unchanged projects' findings from the record;
3. renders the template with the changed projects only: the frame (title, totals)
   and their pieces; the other pieces come from the record, already deflated;
4. writes the same .docx, byte for byte, that a full build would write.

Anything it cannot vouch for falls back to the full build: a project renamed
(other projects' findings name it), more than a quarter of the projects changed, a
piece that depends on something else than its project (``globals_digest``
changed), Markdown, a 自评 document, document-wide waivers, or a record that is
missing, damaged or of another version. The record is plain JSON plus one binary
file of pieces whose hash the JSON holds.
"""

from __future__ import annotations

import hashlib
import os
import re
import zlib
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from builder import __version__
from builder.model import core as m
from builder.output.assemble import Piece
from builder.output.docx import Frame
from builder.read.errors import InputError, Problem, problem_order
from builder.read.readonce import MAX_TEMPLATE_FILE_BYTES, read_input
from builder.read.safeio import UnsafeFile
from builder.forms.formvalues import annual_amount, project_money

FORMAT = f"budgetdoc-incremental 3 {__version__}"  # 3: each project's money cells (document totals)
MAX_CHANGED_SHARE = 4  # more than one project and over 1/4 of them changed: a full build is as quick
MAX_RECORD_BYTES = 256 * 1024 * 1024
MAX_BLOB_BYTES = 1 << 31


@dataclass(frozen=True)
class Inputs:
    """A document's inputs as the incremental build sees them."""

    base: str  # everything but the project files' contents (document.yaml, templates, formats …)
    projects: dict[str, str]  # project file name → sha256 of its bytes


def document_inputs(folder: Path, key_extra: str, others: list[Path], digests: dict[Path, str]) -> Inputs | None:
    """From the per-file digests the build key was made of (``digests``: every source and .md
    file of the folder); None when the folder has Markdown files (not built incrementally)."""
    from builder.read.sources import DOCUMENT_STEM

    if any(path.suffix == ".md" for path in digests):
        return None
    base = hashlib.sha256(f"{FORMAT}\0{key_extra}\0".encode())
    projects = {}
    for path in sorted(digests, key=os.fspath):
        name = os.fsencode(path.name)  # a name that is not UTF-8 is an error the loader reports
        if path.stem == DOCUMENT_STEM:
            base.update(b"document\0" + name + b"\0" + digests[path].encode() + b"\0")
        else:
            projects[path.name] = digests[path]
            base.update(b"project\0" + name + b"\0")
    for path in sorted(set(others), key=os.fspath):
        try:  # the bytes the key hashed and the build reads (builder.read.readonce)
            data = read_input(path, MAX_TEMPLATE_FILE_BYTES)
        except UnsafeFile:
            data = b"<missing>"
        base.update(os.fsencode(path) + b"\0" + hashlib.sha256(data).digest())
    return Inputs(base.hexdigest(), projects)


# ---------------------------------------------------------------- the record

@dataclass
class ProjectRecord:
    file: str
    sha: str
    name: str
    annual: Decimal
    findings: list  # as stored: builder.output.cache's JSON form of each Problem (see _stored)
    piece: Piece
    span: list | None = None  # where the piece's deflated bytes are in the record's blob, if they are
    money: dict = field(default_factory=dict)  # every money cell: path → Decimal | None (document totals)


@dataclass
class Record:
    base: str
    digest: str  # builder.render.segments.globals_digest of the build that rendered the pieces
    projects: list[ProjectRecord]  # in document order
    frame: Frame
    size: int = 0  # of the blob's part that the index describes
    crc: int = 0  # zlib.crc32 of that part


def record_paths(cache, folder: Path) -> tuple[Path, Path]:
    name = hashlib.sha256(os.fsencode(folder.resolve())).hexdigest()
    return cache.dir / "incremental" / f"{name}.json", cache.dir / "incremental" / f"{name}.bin"


def remember(cache, folder: Path, inputs: Inputs | None, document: m.Document, problems: list[Problem],
             items: list[Piece] | None, digest: str, frame: Frame | None) -> None:
    """Record a full build of ``document`` for the next incremental build (or forget the last
    record when this document cannot be rebuilt so)."""
    if not _eligible(document, inputs, items) or frame is None:
        _forget(*record_paths(cache, folder))
        return
    by_file = _by_file(folder, problems)
    write_record(cache, folder, inputs.base, digest, frame, [
        ProjectRecord(p.source.name, inputs.projects[p.source.name], p.name, annual_amount(p),
                      _stored(by_file.get(p.source.name, [])), piece, money=project_money(p))
        for p, piece in zip(document.projects, items)
    ])


def remember_rebuilt(cache, folder: Path, inputs: Inputs, rebuilt: "Rebuilt") -> None:
    """Record an incremental build: the changed projects' entries replaced."""
    by_file = _by_file(folder, rebuilt.problems)
    entries = []
    for entry, piece in zip(rebuilt.record.projects, rebuilt.items):
        project = rebuilt.fresh.get(entry.file)
        if project is None:
            entries.append(entry)
        else:
            entries.append(ProjectRecord(entry.file, inputs.projects[entry.file], project.name, annual_amount(project),
                                         _stored(by_file.get(entry.file, [])), piece, money=project_money(project)))
    write_record(cache, folder, inputs.base, rebuilt.record.digest, rebuilt.frame, entries, rebuilt.record)


def _stored(problems: list[Problem]) -> list:
    from builder.output.cache import problem_to_json

    return [problem_to_json(p) for p in problems]


def _by_file(folder: Path, problems: list[Problem]) -> dict[str, list[Problem]]:
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        if _in_folder(problem, folder):
            by_file.setdefault(Path(problem.location.file).name, []).append(problem)
    return by_file


def write_record(cache, folder: Path, base: str, digest: str, frame: Frame, projects: list[ProjectRecord],
           previous: Record | None = None) -> None:
    """Write the record. After an incremental build (``previous``) only the new pieces are
    appended to the blob, whose first ``previous.size`` bytes stay as they are; the blob is
    written afresh after a full build, or when less than half of it is still in use."""
    from builder.output.atomic import write_atomic

    index, blob = record_paths(cache, folder)
    live = sum(len(p.piece.deflated) for p in projects) + len(frame.package)
    if previous is not None and previous.size > 2 * live:
        previous = None
    if previous is None:
        projects = [replace(p, span=None) for p in projects]
        frame = replace(frame, span=None)
    position = previous.size if previous is not None else 0
    chunks, entries = [], []
    for project in projects:
        piece, span = project.piece, project.span
        if span is None:
            chunks.append(piece.deflated)
            span = [position, len(piece.deflated)]
            position += len(piece.deflated)
        entries.append({"file": project.file, "sha": project.sha, "name": project.name,
                        "annual": format(project.annual, "f"), "findings": project.findings,
                        "money": {k: None if v is None else format(v, "f") for k, v in project.money.items()},
                        "deflated": span, "sha256": _sha(piece.deflated), "crc": piece.crc, "size": piece.size})
    package = frame.span
    if package is None:
        chunks.append(frame.package)
        package = [position, len(frame.package)]
        position += len(frame.package)
    package_sha = _sha(frame.package)
    added = b"".join(chunks)
    crc = zlib.crc32(added, previous.crc if previous is not None else 0)
    record = {"format": FORMAT, "folder": str(folder.resolve()), "base": base, "digest": digest,
              "blob": crc, "size": position, "projects": entries,
              "frame": {"digest": frame.digest, "item_source": frame.item_source, "open_tag": frame.open_tag,
                        "head": frame.head, "tail": frame.tail, "package": package, "package_sha256": package_sha}}
    sealed = cache.sealed(index, record)  # the index is authenticated; it holds the hash of each piece it uses
    if sealed is None:
        _forget(index, blob)
        return
    try:
        if previous is None:
            write_atomic(blob, added, durable=False)
        elif not _append(blob, previous.size, added):
            write_record(cache, folder, base, digest, frame, projects)  # the blob written afresh instead
            return
        write_atomic(index, sealed, durable=False)
    except (OSError, ValueError):
        _forget(index, blob)


def _append(blob: Path, size: int, added: bytes) -> bool:
    """Append ``added`` to the blob after its first ``size`` bytes (which the index still
    describes); never through a link, never into anything but a regular file."""
    import stat

    try:
        fd = os.open(blob, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        os.ftruncate(fd, size)
        view = memoryview(added)
        position = size
        while view:
            written = os.pwrite(fd, view, position)
            view, position = view[written:], position + written
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _eligible(document: m.Document, inputs: Inputs | None, items) -> bool:
    return (inputs is not None and items is not None and document.kind == m.TARGET_KIND
            and document.roster is None and not document.waivers and len(items) == len(document.projects)
            and sorted(p.source.name for p in document.projects) == sorted(inputs.projects))


def _in_folder(problem: Problem, folder: Path) -> bool:
    """Located in a file of the folder (the loader names them ``folder / name``)."""
    return Path(problem.location.file).parent == folder


def _forget(*paths: Path) -> None:
    for path in paths:
        try:
            path.unlink()
        except OSError:
            pass


def load_record(cache, folder: Path) -> Record | None:
    """The record of the last build of ``folder``, checked field by field; None when it is
    missing, damaged, planted (its index not sealed by this user's key, or a piece not the one
    the index names by its sha256) or of another version."""
    from builder.output.cache import checked_str
    from builder.read.safeio import read_regular

    index, blob = record_paths(cache, folder)
    data = cache.read_entry(index, MAX_RECORD_BYTES)
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("folder") != str(folder.resolve()):
        return None
    try:
        raw = read_regular(blob, MAX_BLOB_BYTES)
    except (OSError, UnsafeFile):
        return None
    size, crc = data.get("size"), data.get("blob")
    if not isinstance(size, int) or not isinstance(crc, int) or not 0 <= size <= len(raw):
        return None
    raw = memoryview(raw)[:size]  # bytes after it: an append whose index was never written
    if zlib.crc32(raw) != crc:
        return None  # damaged, or written by another build than the index (a concurrent one)
    try:
        projects = []
        for entry in data["projects"]:
            findings = entry["findings"]
            if not isinstance(findings, list):
                return None
            piece = Piece(_slice(raw, entry["deflated"], entry["sha256"]), _count(entry["crc"], 0xFFFFFFFF),
                          _count(entry["size"]))
            if not isinstance(entry["money"], dict):
                return None
            money = {checked_str(k): None if v is None else _amount(v) for k, v in entry["money"].items()}
            projects.append(ProjectRecord(checked_str(entry["file"]), checked_str(entry["sha"]), checked_str(entry["name"]),
                                          _amount(entry["annual"]), findings, piece, entry["deflated"], money))
        frame = data["frame"]
        return Record(checked_str(data["base"]), checked_str(data["digest"]), projects,
                      Frame(checked_str(frame["digest"]), checked_str(frame["item_source"]), checked_str(frame["open_tag"]),
                            checked_str(frame["head"]), checked_str(frame["tail"]),
                            bytes(_slice(raw, frame["package"], frame["package_sha256"])),
                            frame["package"]),
                      size, crc)
    except (KeyError, TypeError, ValueError, InvalidOperation):
        return None


_AMOUNT = re.compile(r"-?\d{1,40}(?:\.\d{1,20})?")


def _amount(value) -> Decimal:
    """An amount as the record stores it (digits only: nothing that overflows when summed)."""
    if not isinstance(value, str) or not _AMOUNT.fullmatch(value):
        raise ValueError("bad amount")
    return Decimal(value)


def _money(value) -> dict:
    """Every money cell of a project as the record stores it: path → amount (digits) or null."""
    if not isinstance(value, dict):
        raise ValueError("bad money")
    return {_str_value(path): None if amount is None else _amount(amount) for path, amount in value.items()}


def _count(value, limit: int = 1 << 40) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
        raise ValueError("bad number")
    return value


def _slice(raw: bytes, span, digest) -> bytes:
    """The bytes ``span`` names in the blob, when their sha256 is ``digest`` (the sealed index's)."""
    start, size = span
    if not (isinstance(start, int) and isinstance(size, int) and 0 <= start and 0 <= size and start + size <= len(raw)):
        raise ValueError("bad span")
    data = raw[start:start + size]
    if _sha(data) != _str_value(digest):
        raise ValueError("not the piece the index names")
    return data


def _sha(data) -> str:
    return hashlib.sha256(data).hexdigest()


def _str_value(value) -> str:
    if not isinstance(value, str):
        raise ValueError("not a string")
    return value


# ---------------------------------------------------------------- the build

@dataclass
class Rebuilt:
    document: m.Document  # the changed projects, with the roster
    problems: list[Problem]  # every finding of the whole document, as a full build reports them
    data: bytes  # the .docx
    items: list[Piece]
    record: Record  # the record it was rebuilt from (its digest still holds: the pieces read the same values)
    fresh: dict  # file name → the changed project, as loaded now
    frame: Frame


def rebuild(folder: Path, cache, inputs: Inputs | None) -> Rebuilt | None:
    """The document rebuilt from the record and the changed project files; None when it must
    be built in full. Raises InputError (every finding of the document) when a changed
    project has errors, as a full build would."""
    if inputs is None or os.environ.get("BUDGETDOC_TEST_CRASH"):
        return None
    record = load_record(cache, folder)
    if record is None or record.base != inputs.base or sorted(p.file for p in record.projects) != sorted(inputs.projects):
        return None
    changed = [p for p in record.projects if inputs.projects[p.file] != p.sha]
    if not changed or (len(changed) > 1 and len(changed) * MAX_CHANGED_SHARE > len(record.projects)):
        return None  # many projects changed: a full build takes about as long
    from builder.check.rules import squash
    from builder.load.loader import load_document

    loaded = load_document(folder, cache, only={Path(p.file).stem for p in changed})
    document = loaded.document
    if document is None or [p.source.name for p in document.projects] != [p.file for p in changed]:
        return None
    fresh = {p.source.name: p for p in document.projects}
    if any(squash(fresh[p.file].name) != squash(p.name) for p in changed):
        return None  # a renamed project: other projects' findings (DOC-NAMES, COPIED-TEXT) may change
    roster = tuple(
        m.RosterEntry(folder / p.file, p.name, p.annual, p.money) if p.file not in fresh else fresh[p.file]
        for p in record.projects
    )
    document = replace(document, roster=roster)
    if document.waivers:
        return None
    problems = _findings(folder, document, loaded.problems, record, fresh)
    if problems is None:
        return None
    if any(p.severity == "错误" for p in problems):
        raise InputError(problems)
    rendered = _render(document, record)
    if rendered is None:
        return None
    frame, new_items = rendered
    pieces = iter(new_items)
    items = [next(pieces) if p.file in fresh else p.piece for p in record.projects]
    from builder.output.assemble import assemble_docx

    data = assemble_docx(frame.package, frame.head.encode("utf-8"), items, frame.tail.encode("utf-8"), *_stamp(document))
    return Rebuilt(document, problems, data, items, record, fresh, frame)


def _findings(folder: Path, document: m.Document, loaded: list[Problem], record: Record,
              fresh: dict) -> list[Problem] | None:
    """The findings of the whole document: the changed projects' and the document's from this
    run, the unchanged projects' from the record (None when those are damaged)."""
    from builder.output.cache import problems_from_json
    from builder.check.profile import review

    unchanged = [r for r in record.projects if r.file not in fresh]
    names = {r.file for r in unchanged}
    now = [p for p in loaded + review(document) if not (_in_folder(p, folder) and Path(p.location.file).name in names)]
    kept = []
    for entry in unchanged:
        problems = problems_from_json(entry.findings, folder / entry.file)
        if problems is None:
            return None
        kept += problems
    return sorted(now + kept, key=problem_order)


def _render(document: m.Document, record: Record) -> tuple[Frame, list[Piece]] | None:
    """The frame and the changed projects' pieces, or None when the pieces would not be what a
    full build renders. While the document-wide values (totals, unit, year …) are unchanged
    only the project loop is rendered; otherwise the whole template, with the changed projects."""
    from builder.output.docx import run_items, run_template, template_for
    from builder.render.context import document_context
    from builder.render.markdown_docx import document_fragments
    from builder.render.segments import frame_digest

    if document_fragments(document):
        return None
    template, context = template_for(document), document_context(document)
    frame = record.frame
    if frame.item_source and frame_digest(context) == frame.digest:
        items = run_items(document, template, frame.item_source, frame.open_tag, context, len(document.projects))
        if items is not None:
            return frame, [Piece.of(item.encode("utf-8")) for item in items]
    rendered = run_template(document, template, context, len(document.projects))
    items = rendered.segments.items
    if items is None or len(items) != len(document.projects) or rendered.digest != record.digest:
        return None
    frame = Frame(rendered.frame_digest, rendered.item_source, rendered.open_tag, rendered.segments.head,
                  rendered.segments.tail, rendered.package)
    return frame, [Piece.of(item.encode("utf-8")) for item in items]


def _stamp(document: m.Document) -> tuple[str, dict]:
    from builder.output.assemble import build_timestamp
    from builder.output.docx import document_properties

    return build_timestamp(document.year), document_properties(document)
