"""PDF output through LibreOffice headless (``soffice --convert-to pdf``).

Each LibreOffice process gets its own profile (``-env:UserInstallation``) and
temporary folder, so parallel conversions do not collide, and the shipped
fontconfig file (``fonts.conf``) maps the Windows Chinese font names to the
installed CJK fonts.

A build converts all its documents in one stage (``convert_many``): they are
split into at most ``--jobs`` batches, and each batch is one ``soffice`` call
naming all its documents, so LibreOffice starts once per batch instead of once
per document. Faults stay per document:

- LibreOffice prints ``convert A -> B`` for each document when it has loaded it,
  before it writes the PDF, and takes the documents in the order given; a
  document counts as finished only when a later one has started or the process
  has ended, and its PDF is kept only if it is complete (``%PDF-`` … ``%%EOF``).
- A batch that makes no progress for the per-document time limit
  (``BUDGETDOC_PDF_SECONDS``, default 300 s) is killed with its whole process
  group. The documents it had not finished are then converted again: the one (or
  two) it may have hung on each alone, the rest as a new batch; a document that
  fails alone is reported with its name, and the others are still written.
- A document the batch finished without a good PDF is converted again alone,
  which gives its one-line reason.

LibreOffice 7.4 writes the time of conversion (``/CreationDate``) and a random
``/ID`` (with ``/DocChecksum``) into every PDF and ignores ``SOURCE_DATE_EPOCH``,
so no two conversions are byte-identical, batched or not; apart from those three
entries a batch gives the same bytes as a conversion alone (and as before,
whatever the temporary file's name: the title comes from the document).
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from builder.read import childproc

FONTCONFIG = Path(__file__).resolve().parent / "fonts.conf"
SOFFICE_NAMES = ("soffice", "libreoffice")
POLL_SECONDS = 0.05


class PdfUnavailable(Exception):
    """LibreOffice is not installed; the message says which package to install."""


def find_soffice() -> str:
    for name in SOFFICE_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise PdfUnavailable("未找到 LibreOffice，无法生成 PDF：请安装 libreoffice-writer-nogui"
                         "（Debian/Ubuntu：apt-get install libreoffice-writer-nogui fonts-noto-cjk fonts-arphic-ukai）")


class PdfFailed(Exception):
    """LibreOffice ran but made no PDF (or hung and was stopped); the message is one Chinese line."""


def timeout_seconds() -> float:
    """The time limit per document (``BUDGETDOC_PDF_SECONDS``, default 300 s: ``builder.read.childproc``)."""
    return childproc.limits("PDF").seconds


def _seconds_text(seconds: float) -> str:
    return f"{seconds:g}"


def is_complete_pdf(data: bytes) -> bool:
    """A PDF written to the end: LibreOffice writes the ``%%EOF`` trailer last."""
    return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


# ---------------------------------------------------------------- one document

def convert_to_pdf(docx: Path, pdf: Path) -> bytes:
    """Render ``docx`` to ``pdf`` (written to a temporary name, then renamed); returns the PDF bytes."""
    return docx_bytes_to_pdf(docx.read_bytes(), docx.stem, pdf)


def docx_bytes_to_pdf(data: bytes, name: str, pdf: Path) -> bytes:
    """Render a document held in memory to ``pdf``: the .docx itself is written only to a
    private temporary folder, so asking for PDF alone leaves any .docx output untouched."""
    from builder.output.atomic import write_atomic

    converted = _convert_alone(data, f"{name}.docx")
    write_atomic(pdf, converted)
    return converted


def _convert_alone(data: bytes, shown_name: str) -> bytes:
    """One document in its own LibreOffice process; raises PdfFailed with one line."""
    outcome = _run_batch(find_soffice(), [data], timeout_seconds(), threading.Event())
    result = outcome.pdfs[0]
    if result is not None:
        return result
    raise PdfFailed(outcome.reason(shown_name))


# ---------------------------------------------------------------- many documents

@dataclass
class PdfJob:
    """A document's PDF still to be made: its .docx bytes and where the PDF goes. ``placeholder``
    stands for the PDF in the build cache's record until the PDF is written."""
    name: str  # the document's name (its .docx is shown as NAME.docx)
    docx: bytes
    pdf: Path
    placeholder: bytes = b""


_deferred: contextvars.ContextVar[list[PdfJob] | None] = contextvars.ContextVar("budgetdoc_deferred_pdf",
                                                                               default=None)


@contextmanager
def deferring():
    """While active, ``defer_pdf`` collects the PDFs to make (the list yielded) instead of
    each document starting LibreOffice on its own."""
    jobs: list[PdfJob] = []
    token = _deferred.set(jobs)
    try:
        yield jobs
    finally:
        _deferred.reset(token)


def defer_pdf(data: bytes, name: str, pdf: Path) -> bytes | None:
    """Inside ``deferring()``: note the PDF to make and return a placeholder for its bytes
    (unique to this build); outside it: None (convert now)."""
    jobs = _deferred.get()
    if jobs is None:
        return None
    placeholder = b"budgetdoc: PDF not yet converted\0" + os.urandom(16)
    jobs.append(PdfJob(name, data, pdf, placeholder))
    return placeholder


def convert_many(jobs: list[PdfJob], processes: int,
                 on_result: Callable[[int, bytes | None, str | None, float], None]) -> None:
    """Convert every job's .docx to PDF with at most ``processes`` LibreOffice processes at a
    time (one batch each). ``on_result(index, pdf_bytes, reason, seconds)`` is called in the
    calling thread as each document is done: the PDF's bytes (not yet written: the caller
    writes ``jobs[index].pdf``), or None and a one-line Chinese reason. ``seconds`` is the
    document's share of its LibreOffice's time. Interrupted (Ctrl+C, SIGTERM), every
    LibreOffice started is killed and every temporary folder removed before this returns."""
    if not jobs:
        return
    soffice = find_soffice()
    seconds = timeout_seconds()
    import queue

    done: queue.Queue = queue.Queue()
    stop = threading.Event()
    threads = [threading.Thread(target=_batch_worker, args=(soffice, jobs, batch, seconds, stop, done),
                                name="budgetdoc-pdf", daemon=False)
               for batch in _split(jobs, processes)]
    remaining = len(jobs)
    try:
        for thread in threads:
            thread.start()
        while remaining:
            try:
                item = done.get(timeout=0.2)
            except queue.Empty:
                if not any(t.is_alive() for t in threads) and done.empty():
                    raise RuntimeError("PDF conversion threads ended with documents left") from None
                continue
            if isinstance(item, BaseException):
                raise item
            remaining -= 1
            on_result(*item)
    finally:
        stop.set()
        for thread in threads:
            if thread.ident is not None:  # started
                thread.join()


def _split(jobs: list[PdfJob], processes: int) -> list[list[int]]:
    """At most ``processes`` batches of about the same work (by .docx size, largest first onto
    the lightest batch); each batch keeps the documents' order."""
    count = max(1, min(processes, len(jobs)))
    batches: list[list[int]] = [[] for _ in range(count)]
    loads = [0] * count
    for index in sorted(range(len(jobs)), key=lambda i: -len(jobs[i].docx)):
        lightest = loads.index(min(loads))
        batches[lightest].append(index)
        loads[lightest] += len(jobs[index].docx) + 1
    return [sorted(batch) for batch in batches if batch]


def _batch_worker(soffice: str, jobs: list[PdfJob], batch: list[int], seconds: float, stop: threading.Event,
                  done) -> None:
    """Convert ``batch`` (job indexes), putting (index, bytes, reason, seconds) on ``done`` for each;
    what a batch leaves unfinished is converted again, in smaller batches or alone."""
    try:
        queue_of_batches = [batch]
        sent: set[int] = set()  # handed over while their batch was still running
        while queue_of_batches and not stop.is_set():
            current = queue_of_batches.pop(0)

            def deliver(position: int, data: bytes, share: float, current=current) -> None:
                sent.add(current[position])
                done.put((current[position], data, None, share))

            try:
                outcome = _run_batch(soffice, [jobs[i].docx for i in current], seconds, stop, deliver)
            except OSError as exc:  # the temporary folder: a full disk, no permission
                from builder.output.atomic import write_failure

                for index in current:
                    if index not in sent:
                        done.put((index, None, write_failure(exc), 0.0))
                continue
            if stop.is_set():
                return
            alone: list[int] = []
            for position, index in enumerate(current):
                data = outcome.pdfs[position]
                if outcome.delivered[position]:
                    continue
                if data is not None:
                    done.put((index, data, None, outcome.shares[position]))
                elif len(current) == 1:
                    done.put((index, None, outcome.reason(f"{jobs[index].name}.docx"), outcome.shares[position]))
                elif position <= outcome.finished_upto:
                    alone.append(index)  # LibreOffice went past it without a good PDF: alone, for its reason
            unfinished = current[outcome.finished_upto + 1:]
            if unfinished and len(current) > 1:
                # the one it stopped on (and, killed after announcing it, perhaps the next one it was loading)
                suspects = 2 if outcome.killed and outcome.announced_last else 1
                alone += unfinished[:suspects]
                rest = unfinished[suspects:]
            else:
                rest = []
            queue_of_batches[:0] = [[index] for index in sorted(alone)] + ([rest] if rest else [])
    except BaseException as exc:  # noqa: BLE001 - handed to the calling thread, which raises it
        done.put(exc)


@dataclass
class _Outcome:
    pdfs: list[bytes | None]  # per document: a complete PDF, or None
    shares: list[float]  # per document: seconds since the previous one finished (the first: since start)
    delivered: list[bool]  # per document: its PDF already handed over while LibreOffice went on
    finished_upto: int  # the last position LibreOffice is known to have finished with (-1: none)
    killed: bool  # stopped after the time limit
    announced_last: bool  # LibreOffice had announced the first unfinished document before it was killed
    returncode: int | None
    detail: str  # the last line LibreOffice printed
    seconds: float

    def reason(self, shown_name: str) -> str:
        if self.killed:
            return f"LibreOffice 转换 {shown_name} 超过 {_seconds_text(self.seconds)} 秒未完成，已停止"
        detail = self.detail or ("生成的 PDF 不完整" if self.returncode == 0 else f"退出码 {self.returncode}")
        return f"LibreOffice 未能转换 {shown_name}：{detail}"


_ANNOUNCED = re.compile(r"^convert .*?[/\\](\d{4,})\.docx -> ", re.M)


def _run_batch(soffice: str, documents: list[bytes], seconds: float, stop: threading.Event,
               on_pdf: Callable[[int, bytes, float], None] | None = None) -> _Outcome:
    """One ``soffice --convert-to pdf`` call on ``documents``, in its own process group, profile
    and temporary folder (removed before returning); killed when it makes no progress for
    ``seconds`` or when ``stop`` is set. With more than one document, ``on_pdf(position, pdf,
    seconds)`` is called for each as soon as LibreOffice has gone on to the next one."""
    started = time.perf_counter()
    count = len(documents)
    with tempfile.TemporaryDirectory(prefix="budgetdoc-pdf-") as work:
        work_dir = Path(work)
        inputs, outputs = work_dir / "in", work_dir / "out"
        inputs.mkdir()
        outputs.mkdir()
        names = [f"{position:04d}" for position in range(count)]
        for name, data in zip(names, documents):
            (inputs / f"{name}.docx").write_bytes(data)
        scratch = work_dir / "tmp"  # LibreOffice's own temporary files (lu*.tmp), removed with the folder even
        scratch.mkdir()  # when it is killed
        env = dict(os.environ, FONTCONFIG_FILE=str(FONTCONFIG), HOME=str(work_dir), TMPDIR=str(scratch),
                   TMP=str(scratch), TEMP=str(scratch))
        command = [soffice, f"-env:UserInstallation={(work_dir / 'profile').as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(outputs), *(str(inputs / f"{n}.docx") for n in names)]
        log_out, log_err = work_dir / "stdout.txt", work_dir / "stderr.txt"
        pdfs: list[bytes | None] = [None] * count
        shares = [0.0] * count
        delivered = [False] * count
        settled = 0  # the positions before this one are finished and looked at
        last_at = started

        def settle(upto: int, now: float) -> None:
            """Positions up to ``upto`` are finished: keep their PDFs if complete."""
            nonlocal settled, last_at
            while settled <= upto:
                produced = outputs / f"{names[settled]}.pdf"
                data = produced.read_bytes() if produced.is_file() else None
                pdfs[settled] = data if data is not None and is_complete_pdf(data) else None
                shares[settled], last_at = max(now - last_at, 0.0), now
                if pdfs[settled] is not None and on_pdf is not None and count > 1:
                    on_pdf(settled, pdfs[settled], shares[settled])
                    delivered[settled] = True
                settled += 1

        announced = -1  # the last position LibreOffice has announced
        killed = False
        with open(log_out, "wb") as out, open(log_err, "wb") as err:
            try:
                process = childproc.spawn(command, childproc.limits("PDF").memory_mb, stdout=out, stderr=err,
                                          stdin=subprocess.DEVNULL, env=env)
            except OSError as exc:  # not executable, gone since it was found …
                from builder.read.safeio import describe_os_error

                return _Outcome(pdfs, shares, delivered, -1, False, False, None,
                                f"无法启动 {soffice}：{describe_os_error(exc)}", seconds)
            try:
                last_progress = time.perf_counter()
                while True:
                    try:
                        process.wait(timeout=POLL_SECONDS)
                        break
                    except subprocess.TimeoutExpired:
                        pass
                    if stop.is_set():
                        killed = True
                        break
                    now_announced = _last_announced(log_out, count)
                    if now_announced > announced:
                        announced, last_progress = now_announced, time.perf_counter()
                        settle(announced - 1, last_progress)
                    elif time.perf_counter() - last_progress > seconds:
                        killed = True
                        break
            finally:
                childproc.kill_group(process)
        announced = max(announced, _last_announced(log_out, count))
        if killed:
            finished_upto = announced - 1  # the one announced last may be half-written
        elif process.returncode == 0:
            finished_upto = count - 1
        else:  # ended with an error, perhaps early (a crash): the documents after the last announced are not done
            finished_upto = announced
        if not stop.is_set():
            settle(finished_upto, time.perf_counter())
        if count == 1 and process.returncode != 0:
            pdfs[0] = None  # alone, LibreOffice's exit code decides, as it always has
        detail = _last_line(log_err) or _last_line(log_out)
    return _Outcome(pdfs, shares, delivered, finished_upto, killed, announced > finished_upto, process.returncode,
                    detail, seconds)


def _last_announced(log: Path, count: int) -> int:
    """The highest position LibreOffice has printed ``convert …/NNNN.docx -> …`` for (-1: none)."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return -1
    positions = [int(match.group(1)) for match in _ANNOUNCED.finditer(text)]
    return max((p for p in positions if p < count), default=-1)


def _last_line(log: Path) -> str:
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1].strip() if lines else ""


