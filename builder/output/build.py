"""The build, top to bottom: load → check → render → assemble → write.

Every document is loaded and checked before anything is written, so a problem
in any source leaves every previous output as it was. Documents whose sources,
templates and outputs are unchanged (content hashes, see ``builder.output.cache``)
are not rendered again.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from builder.model import core as m
from builder.output.cache import BuildCache, cache_enabled
from builder.read.errors import InputError, Problem, display_path, problem_order
from builder.load.loader import expand_document_folders, load_document, load_documents
from builder.output.atomic import write_atomic, write_failure
from builder.read.readonce import one_read
from builder.output.docx import RenderedDocument, render_document_parts, template_for
from builder.render.template import TEMPLATE_DIR
from builder.read.sources import source_files


def input_files(folder: Path) -> list[Path]:
    """Every file of a document folder its output is made from: the YAML/TOML sources and the
    Markdown narratives."""
    from builder.read.markdown import markdown_files

    return source_files(folder) + markdown_files(folder)


FORMATS = ("docx", "pdf", "xlsx", "html")


@dataclass
class BuildResult:
    name: str  # the document folder's name
    outputs: list[Path]
    seconds: float
    projects: int = 0
    skipped: bool = False  # unchanged: nothing rendered
    warnings: list[Problem] = field(default_factory=list)
    rendered: int | None = None  # an incremental build (builder.output.incremental): the projects rendered again


def check(paths: list[Path], cache: BuildCache | None = None,
          against: Path | None = None) -> tuple[list[m.Document], list[Problem]]:
    """Load and check every document: the documents that loaded and every finding.

    The checks also run over the projects that did load when others did not,
    so that one run reports everything there is to fix. ``against`` (``check --against``): a
    document folder (the 申报) the comparing rules compare each document with; its own
    problems, when it does not load, are reported and nothing is compared.
    """
    documents, problems = [], []
    other = None
    if against is not None:
        loaded = load_document(against, cache)
        if loaded.errors or loaded.document is None:
            problems.extend(loaded.problems)
        else:
            other = loaded.document
    for loaded in load_documents(paths, cache):
        problems.extend(loaded.problems)
        if loaded.document is not None:
            from builder.check.profile import review

            problems.extend(review(loaded.document, other))
            documents.append(loaded.document)
    return documents, sorted(problems, key=problem_order)


def write_baseline(path: Path, problems: list[Problem], inputs=()) -> int:
    """``budgetdoc check --write-baseline``: the known findings written (never over an input);
    how many."""
    from builder.check.profile import baseline_bytes

    data, count = baseline_bytes(problems)
    write_atomic(path, data, inputs=inputs)
    return count


def prepare(paths: list[Path], cache: BuildCache | None = None) -> tuple[list[m.Document], list[Problem]]:
    """Load and check every document; raise InputError with every problem if any is an error."""
    documents, problems = check(paths, cache)
    if any(p.severity == "错误" for p in problems):
        raise InputError(problems)
    return documents, problems


@dataclass
class BuildFailure:
    name: str
    problems: list[Problem]
    reason: str = ""  # a fault of the machine rather than of the sources: one line, in Chinese


class OutputClash(Exception):
    """Two documents would write the same output file; the message names both folders."""


def output_names(folders: list[Path]) -> dict[Path, str]:
    """Each document folder's output name (its folder's name); raises OutputClash when two
    folders in different places have the same name and would overwrite each other."""
    names: dict[str, Path] = {}
    for folder in folders:
        name = folder.name
        if name in names:
            raise OutputClash(f"两个文档文件夹同名，会写到同一个输出文件“{name}.docx”：{display_path(names[name])} 和 "
                              f"{display_path(folder)}（请改名其中一个，或分别用 --out 生成到不同的文件夹）")
        names[name] = folder
    return {folder: folder.name for folder in folders}


def build(paths: list[Path], out_dir: Path, formats: tuple[str, ...] = ("docx",), on_document=None,
          use_cache: bool = True, jobs: int = 1) -> tuple[list[BuildResult], list[BuildFailure]]:
    """Build every document folder under ``paths``, each on its own: a document with errors is
    not written (its previous output stays) and does not stop the others. ``jobs`` > 1 builds
    documents in that many processes. Raises OutputClash before writing anything when two
    documents would write the same file."""
    folders = expand_document_folders(paths)
    refuse_outputs_over_inputs(folders, out_dir, formats, BuildCache(out_dir) if use_cache and cache_enabled() else None)
    if "pdf" in formats:
        from builder.output.pdf import find_soffice

        find_soffice()  # PdfUnavailable before anything is written, not after the first document
    tasks = [(folder, out_dir, formats, use_cache) for folder in folders]
    outcomes: list[BuildResult | BuildFailure | None] = [None] * len(tasks)
    pending_pdfs: list[tuple[int, BuildResult, object]] = []  # (task, its result so far, its PdfJob)

    def collect(index, outcome_and_pdfs):
        outcome, pdfs = outcome_and_pdfs
        if isinstance(outcome, BuildResult) and pdfs:  # finished once its PDF is made, in the PDF stage below
            pending_pdfs.append((index, outcome, pdfs[0]))
            return
        outcomes[index] = outcome
        if isinstance(outcome, BuildResult) and on_document:
            on_document(outcome)

    if jobs > 1 and len(tasks) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
            for index, outcome in enumerate(pool.map(_build_task, tasks)):
                collect(index, outcome)
    else:
        for index, task in enumerate(tasks):
            collect(index, _build_task(task))
    if pending_pdfs:
        _make_pdfs(pending_pdfs, folders, outcomes, out_dir, use_cache, jobs, on_document)
    results = [outcome for outcome in outcomes if isinstance(outcome, BuildResult)]
    failures = [outcome for outcome in outcomes if isinstance(outcome, BuildFailure)]
    return results, failures


def _make_pdfs(pending, folders: list[Path], outcomes: list, out_dir: Path, use_cache: bool, jobs: int,
               on_document) -> None:
    """The PDF stage of a build: every document's PDF through at most ``jobs`` LibreOffice
    processes (builder.output.pdf.convert_many), each written as soon as it is made; a document whose
    PDF fails becomes a BuildFailure with LibreOffice's one-line reason, as before."""
    from builder.output.pdf import convert_many

    cache = BuildCache(out_dir) if use_cache and cache_enabled() else None

    def finished(position: int, data: bytes | None, reason: str | None, seconds: float) -> None:
        index, result, job = pending[position]
        if data is None:
            outcomes[index] = BuildFailure(result.name, [], reason or "")
            return
        try:
            write_atomic(job.pdf, data)
        except OSError as exc:
            outcomes[index] = BuildFailure(result.name, [], write_failure(exc))
            return
        if cache is not None:  # the record names the PDF by a placeholder until now
            cache.replace_output(folders[index], job.pdf, job.placeholder, data)
        result.seconds += seconds
        outcomes[index] = result
        if on_document:
            on_document(result)

    convert_many([job for _, _, job in pending], jobs, finished)


def _build_task(task) -> tuple[BuildResult | BuildFailure, list]:
    """One document folder: its outcome, and the PDF still to make (a PdfJob; none without pdf,
    for a document skipped as unchanged, or a failure)."""
    from builder.output.pdf import deferring

    folder, out_dir, formats, use_cache = task
    with deferring() as pdfs:
        outcome = _build_one(folder, out_dir, formats, use_cache)
    return outcome, pdfs if isinstance(outcome, BuildResult) else []


def _build_one(folder: Path, out_dir: Path, formats: tuple[str, ...], use_cache: bool) -> BuildResult | BuildFailure:
    try:
        return build_document(folder, out_dir, formats, use_cache)
    except InputError as exc:
        return BuildFailure(folder.name, exc.problems)
    except OutputFailed as exc:
        return BuildFailure(folder.name, [], str(exc))
    except OSError as exc:  # the machine, not the sources: full disk, no permission, a file in the way
        return BuildFailure(folder.name, [], write_failure(exc))


class OutputFailed(Exception):
    """An output could not be made for a reason outside the sources (LibreOffice failed …)."""


def _inputs_key_extra(formats: tuple[str, ...]) -> str:
    """What besides sources and templates changes the output bytes."""
    extra = ",".join(formats) + "|" + os.environ.get("SOURCE_DATE_EPOCH", "")
    if "pdf" in formats:
        from builder.output.pdf import FONTCONFIG

        extra += "|" + sha256_file(FONTCONFIG)
    if "html" in formats:
        from builder.output.html import template_files

        extra += "|" + ",".join(sha256_file(path) for path in template_files())
    return extra


def sha256_file(path: Path) -> str:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "<missing>"


def _other_inputs(folder: Path, cache: BuildCache) -> list[Path]:
    """Files besides the sources that a document's output depends on: the shipped templates
    and the rule profiles its checks read (the template it names is found in the cache record)."""
    from builder.check.profile import profile_files

    from builder.forms.form import form_file

    shared_form = form_file(folder, cache)
    return sorted(TEMPLATE_DIR.glob("*.docx")) + profile_files(folder, cache) + ([shared_form] if shared_form else [])


def shared_inputs(folder: Path) -> list[Path]:
    """Files outside the document folder its output depends on: the form definition and the
    template it names (``build --watch`` watches their folders too)."""
    inside = folder.resolve()
    return [path for path in named_inputs(folder) if inside not in path.parents]


def named_inputs(folder: Path, cache=None) -> list[Path]:
    """The form definition and the template document.yaml names, where they are (inside the
    repository: ``builder.read.repo``); a name that cannot be used is left to the build to report."""
    from builder.read.errors import Problems
    from builder.read.repo import OutsideRepository, resolve_in_repository
    from builder.forms.form import form_file
    from builder.read.rawtree import Mapping, Scalar
    from builder.read.sources import read_source

    files = []
    shared_form = form_file(folder, cache)
    if shared_form is not None:
        files.append(shared_form)
    document = next((folder / f"document{s}" for s in (".yaml", ".yml", ".toml") if (folder / f"document{s}").is_file()),
                    None)
    root = read_source(document, Problems(), cache) if document else None
    node = root.get("模板") if isinstance(root, Mapping) else None
    if isinstance(node, Scalar) and isinstance(node.value, str):
        try:
            files.append(resolve_in_repository(folder, node.value.strip(), "模板文件"))
        except OutsideRepository:
            pass
    return files


def read_inputs(folder: Path, cache=None) -> list[Path]:
    """Every file a document's build reads: its sources and Markdown, the form, the template it
    names (or the shipped one) and its rule profiles. No output may be one of them. With the
    build's cache, document.yaml's tree is the one parsed last time when its bytes are the same
    (a no-op build parses nothing)."""
    from builder.check.profile import profile_files

    return (input_files(folder) + named_inputs(folder, cache) + profile_files(folder, cache)
            + sorted(TEMPLATE_DIR.glob("*.docx")))


def refuse_outputs_over_inputs(folders: list[Path], out_dir: Path, formats: tuple[str, ...], cache=None) -> None:
    """``WriteRefused`` before anything is written when an output would replace one of the files
    the build reads (``build --out`` into the folder of a template named like the document …)."""
    from builder.output.atomic import refuse_inputs

    names = output_names(folders)
    for folder in folders:
        inputs = read_inputs(folder, cache)
        for fmt in formats:
            refuse_inputs(out_dir / f"{names[folder]}.{fmt}", inputs)


def build_document(folder: Path, out_dir: Path, formats: tuple[str, ...], use_cache: bool = True) -> BuildResult:
    """Load, check, render and write one document folder (unless it is unchanged; when only a
    few project files changed, only they are loaded and rendered: ``builder.output.incremental``).
    Every input is read once (``builder.read.readonce``): the key, the record and the outputs are
    made of the same bytes."""
    with one_read():
        return _build_document(folder, out_dir, formats, use_cache)


def _build_document(folder: Path, out_dir: Path, formats: tuple[str, ...], use_cache: bool) -> BuildResult:
    from builder.output import incremental
    from builder.output.cache import input_digests

    started = time.perf_counter()
    cache = BuildCache(out_dir) if use_cache and cache_enabled() else None
    if cache is not None and not cache.usable:
        cache = None  # no key to seal entries with: nothing in the cache can be trusted
    outputs = [out_dir / f"{folder.name}.{fmt}" for fmt in formats]
    key = inputs = None
    if cache is not None:
        other, extra = _other_inputs(folder, cache), _inputs_key_extra(formats)
        recorded = cache.recorded_templates(folder)
        files = input_files(folder)
        digests = input_digests(folder, files)
        key = cache.document_key(folder, other + recorded, files, extra, digests) if digests is not None else None
        warnings = cache.fresh_warnings(folder, key, outputs) if key else None
        if warnings is not None:
            return BuildResult(folder.name, outputs, 0.0, skipped=True, warnings=warnings)
        if key and _incremental_formats(formats):
            inputs = incremental.document_inputs(folder, extra, other + recorded, digests)
            rebuilt = incremental.rebuild(folder, cache, inputs)
            if rebuilt is not None:
                warnings = rebuilt.problems
                written = _write_docx_and_pdf(folder.name, rebuilt.data, out_dir, formats)
                cache.remember(folder, key, written, recorded, warnings)
                incremental.remember_rebuilt(cache, folder, inputs, rebuilt)
                return BuildResult(folder.name, list(written), time.perf_counter() - started,
                                   len(rebuilt.document.roster), False, warnings, len(rebuilt.document.projects))
    documents, warnings = prepare([folder], cache)
    document = documents[0]
    rendered = render_document_parts(document)
    written = write_outputs(document, out_dir, formats, rendered)
    if cache is not None:
        template = template_for(document)
        if recorded != [template]:  # a first build, or another template: the key names the one used
            files = input_files(folder)
            digests = input_digests(folder, files)
            key = cache.document_key(folder, other + [template], files, extra, digests) if digests else None
            inputs = incremental.document_inputs(folder, extra, other + [template], digests) if key else None
        # else the key taken before loading stands: it hashes the very bytes the build read
        # (builder.read.readonce), even when a file was saved meanwhile
        if key:
            cache.remember(document.folder, key, written, [template], warnings)
            if _incremental_formats(formats) and inputs is not None:
                incremental.remember(cache, folder, inputs, document, warnings, rendered.items, rendered.digest,
                                     rendered.frame)
    return BuildResult(document.name, list(written), time.perf_counter() - started, len(document.projects), False,
                       warnings)


def write_outputs(document: m.Document, out_dir: Path, formats: tuple[str, ...],
                  rendered: "RenderedDocument | None" = None) -> dict[Path, bytes]:
    """Write the document in each format asked for (and no other); the .docx first, so it
    exists even if PDF fails."""
    written: dict[Path, bytes] = {}
    data = (rendered or render_document_parts(document)).data
    if "docx" in formats:
        docx = out_dir / f"{document.name}.docx"
        write_atomic(docx, data)
        written[docx] = data
    if "xlsx" in formats:
        from builder.output.xlsx import workbook_bytes

        path = out_dir / f"{document.name}.xlsx"
        workbook = workbook_bytes(document)
        write_atomic(path, workbook)
        written[path] = workbook
    if "html" in formats:
        from builder.output.html import document_html_bytes

        path = out_dir / f"{document.name}.html"
        page = document_html_bytes(document, data)
        write_atomic(path, page)
        written[path] = page
    if "pdf" in formats:
        path = out_dir / f"{document.name}.pdf"
        written[path] = _pdf_output(document.name, data, path)
    return written


def _pdf_output(name: str, data: bytes, path: Path) -> bytes:
    """The PDF of a document's .docx bytes: inside build() a placeholder (build() makes every
    document's PDF in one LibreOffice stage afterwards), else converted now."""
    from builder.output.pdf import PdfFailed, defer_pdf, docx_bytes_to_pdf

    placeholder = defer_pdf(data, name, path)
    if placeholder is not None:
        return placeholder
    try:
        return docx_bytes_to_pdf(data, name, path)
    except PdfFailed as exc:
        raise OutputFailed(str(exc)) from None


def _incremental_formats(formats: tuple[str, ...]) -> bool:
    """The formats an incremental build writes: the .docx, and its PDF."""
    return "docx" in formats and set(formats) <= {"docx", "pdf"}


def _write_docx_and_pdf(name: str, data: bytes, out_dir: Path, formats: tuple[str, ...]) -> dict[Path, bytes]:
    docx = out_dir / f"{name}.docx"
    write_atomic(docx, data)
    written = {docx: data}
    if "pdf" in formats:
        path = out_dir / f"{name}.pdf"
        written[path] = _pdf_output(name, data, path)
    return written


