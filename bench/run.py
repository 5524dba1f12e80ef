"""Benchmark: budgetdoc build/check on 10, 100 and 1,000 projects, beside pandoc.

    python bench/run.py [--keep] [--only documents,pdf,district]

Every measurement is a separate process (``python -m builder …`` or pandoc),
timed from spawn to exit — interpreter start included — with its peak RSS from
``os.wait4``. Per document:

* cold build      a fresh output folder, so nothing is cached
* no-op rebuild   the same command again (the cache says nothing changed)
* 1 changed       one project's 项目概述 edited slightly, then the same command
* --watch         (1,000 projects) ``build --watch`` running: five one-project edits, each
                  timed from saving the file to the .docx being replaced
* check           ``budgetdoc check FOLDER``
* pandoc          ``pandoc -f markdown -t docx`` on a Markdown rendering of the
                  same content (bench/markdown.py), from pypandoc-binary
* Markdown        the 1,000-project document again with every project's text
                  narratives in a sibling ``.md`` file (``bench/generate.py
                  --markdown``), converted by one pandoc process per build

Many document folders (``--only pdf,district`` runs just these):

* PDF, 12 folders   ``build --format docx,pdf`` cold over 12 document folders (copies
                    of the shipped 申报 and 自评 sources), with ``--jobs 1`` and 2,
                    beside ``--format docx`` and beside the old way: one
                    ``soffice`` start per document (``builder.output.pdf.convert_to_pdf``
                    on each .docx in turn)
* district          10 and 100 document folders, docx only and with pdf: time per
                    document, and how it grows from 10 to 100 folders

Timings are the median of 3 runs (2 for 1,000 projects; 2 for the 12-folder PDF
rows and 1 for the district's PDF rows); peak memory is the highest of the runs. It reports and does not assert: the exit code is 0 unless
a build (or check) fails. See bench/README.md for the targets and past figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import SEED, generate, generate_folders  # noqa: E402
from bench.markdown import document_markdown  # noqa: E402

GB_MB = 1024


@dataclass
class Run:
    seconds: float
    peak_mb: float
    code: int
    log: Path


@dataclass
class Series:
    runs: list[Run] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(r.peak_mb for r in self.runs)


class CommandFailed(Exception):
    pass


def measure(cmd: list[str], log: Path, ok=(0,)) -> Run:
    """Run ``cmd`` to completion: wall time and the child's peak RSS (ru_maxrss)."""
    env = {k: v for k, v in os.environ.items() if k != "BUDGETDOC_NO_CACHE"}
    with open(log, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in kilobytes on Linux, bytes on macOS
    peak_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    run = Run(seconds, peak_mb, code, log)
    if code not in ok:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
        raise CommandFailed(f"{' '.join(map(str, cmd))} exited with {code}:\n    " + "\n    ".join(tail))
    return run


def cpu_reference() -> float:
    """Seconds for a fixed pure-Python loop (the best of three): how fast this machine is now."""
    best = float("inf")
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def budgetdoc(*args) -> list[str]:
    return [sys.executable, "-m", "builder", *map(str, args)]


def edit_overview(folder: Path, revision: int) -> Path:
    """Change the first project's 项目概述 slightly (a revision mark at the end of its first line)."""
    path = sorted(p for p in folder.glob("*.yaml") if p.name != "document.yaml")[0]
    text = path.read_text(encoding="utf-8")

    def mark(match: re.Match) -> str:
        line = re.sub(r"（修订\d+）$", "", match.group(2))
        return f"{match.group(1)}{line}（修订{revision}）"

    if path.with_suffix(".md").exists() and "项目概述:" not in text:  # the narratives are in Markdown
        path = path.with_suffix(".md")
        text = path.read_text(encoding="utf-8")
    edited, count = re.subn(r"(项目概述:[ \t]*(?:\|-?[ \t]*\n[ \t]+)?|## 项目概述\n\n)([^\n]+)", mark, text,
                            count=1)
    if not count:
        raise CommandFailed(f"{path}: no 项目概述 to edit")
    path.write_text(edited, encoding="utf-8")
    return path


def pandoc_path() -> str | None:
    try:
        import pypandoc
    except ImportError:
        return None
    try:
        return pypandoc.get_pandoc_path()
    except OSError:
        return None


@dataclass
class Result:
    label: str
    projects: int
    cold: Series = field(default_factory=Series)
    noop: Series = field(default_factory=Series)
    changed: Series = field(default_factory=Series)
    check: Series = field(default_factory=Series)
    pandoc: Series = field(default_factory=Series)
    watched: Series = field(default_factory=Series)  # one-project edits seen by build --watch
    notes: list[str] = field(default_factory=list)
    markdown: bool = False  # narratives in .md files


def bench_document(label: str, folder: Path, projects: int, runs: int, work: Path, pandoc: str | None,
                   markdown: bool = False) -> Result:
    from builder.load.loader import load_document

    result = Result(label, projects, markdown=markdown)
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    markdown = None
    if pandoc and not result.markdown:
        loaded = load_document(folder)
        if loaded.document is None:
            raise CommandFailed(f"{folder}: the document does not load")
        markdown = work / f"{folder.name}.md"
        markdown.write_text(document_markdown(loaded.document), encoding="utf-8")
    for run in range(1, runs + 1):
        out = work / f"out-{projects}-{run}"
        stem = f"{projects}-{run}"
        cold = measure(budgetdoc("build", folder, "--out", out), logs / f"cold-{stem}.log")
        noop = measure(budgetdoc("build", folder, "--out", out), logs / f"noop-{stem}.log")
        if "未改变" not in noop.log.read_text(encoding="utf-8", errors="replace"):
            result.notes.append(f"run {run}: the no-op rebuild did not report 未改变 (it rebuilt)")
        edit_overview(folder, run)
        changed = measure(budgetdoc("build", folder, "--out", out), logs / f"changed-{stem}.log")
        said = changed.log.read_text(encoding="utf-8", errors="replace")
        if "未改变" in said:
            result.notes.append(f"run {run}: the one-project-changed rebuild reported 未改变")
        elif "其中 1 个有改动、重新生成" not in said:
            result.notes.append(f"run {run}: the one-project-changed rebuild was a full build")
        # check exits 1 when it has findings (the seeds have real ones); 2/3 are failures
        check = measure(budgetdoc("check", folder), logs / f"check-{stem}.log", ok=(0, 1))
        for series, measured in ((result.cold, cold), (result.noop, noop), (result.changed, changed),
                                 (result.check, check)):
            series.runs.append(measured)
        if markdown is not None:
            try:
                result.pandoc.runs.append(measure(
                    [pandoc, "-f", "markdown", "-t", "docx", "-o", work / f"pandoc-{stem}.docx", markdown],
                    logs / f"pandoc-{stem}.log"))
            except CommandFailed as exc:
                result.notes.append(f"pandoc failed: {exc}")
                markdown = None
    if projects == 1000 and not result.markdown:
        try:
            result.watched = watch_edits(folder, work / f"out-{projects}-{runs}", logs / f"watch-{projects}.log")
        except CommandFailed as exc:
            result.notes.append(f"build --watch: {exc}")
    return result


def watch_edits(folder: Path, out: Path, log: Path, edits: int = 5) -> Series:
    """``build --watch`` on an already built document: for each of ``edits`` one-project edits,
    the seconds from saving the file to the .docx being replaced (what a user editing with
    --watch waits for, the watcher's own delay included); peak MB is the watching process's."""
    import queue
    import signal
    import threading

    docx = out / f"{folder.name}.docx"
    proc = subprocess.Popen(budgetdoc("build", folder, "--out", out, "--watch"), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd=ROOT, start_new_session=True)
    lines: queue.Queue = queue.Queue()
    with open(log, "w", encoding="utf-8") as handle:
        def pump():
            for line in proc.stdout:
                handle.write(line)
                lines.put(line)
        threading.Thread(target=pump, daemon=True).start()

        def wait_for(text: str, seconds: float) -> str:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                try:
                    line = lines.get(timeout=0.2)
                except queue.Empty:
                    continue
                if text in line:
                    return line
            raise CommandFailed(f"build --watch did not print {text} within {seconds:.0f} s (log: {log})")

        series = Series()
        try:
            wait_for("正在监视", 300)
            time.sleep(1.0)
            for edit in range(edits):
                before = docx.stat().st_mtime_ns
                started = time.perf_counter()
                edit_overview(folder, 900 + edit)
                while docx.stat().st_mtime_ns == before:
                    if time.perf_counter() - started > 60:
                        raise CommandFailed(f"build --watch did not rewrite {docx.name} within 60 s (log: {log})")
                    time.sleep(0.002)
                seconds = time.perf_counter() - started
                line = wait_for("已生成", 60)
                if "其中 1 个有改动" not in line:
                    raise CommandFailed(f"build --watch rebuilt the whole document after a one-project edit: {line}")
                series.runs.append(Run(seconds, 0.0, 0, log))
                time.sleep(1.0)
            peak = _peak_mb(proc.pid)
            series.runs = [Run(r.seconds, peak, 0, log) for r in series.runs]
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return series


def _peak_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
    except (OSError, AttributeError):
        return 0.0


# ---------------------------------------------------------------- the table

def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def table(results: list[Result], pandoc: str | None) -> list[str]:
    rows = []  # document, measurement, runs, wall, peak, target, result

    def add(doc, what, series: Series, target="", ok=None):
        rows.append([doc, what, str(len(series.runs)), f"{series.seconds:.2f}", f"{series.peak_mb:.0f}",
                     target, "" if ok is None else verdict(ok)])

    by_size = {r.projects: r for r in results if not r.markdown}
    for r in results:
        doc = r.label
        if r.markdown:
            ok = r.cold.seconds <= 8 and r.cold.peak_mb <= GB_MB
            add(doc, "cold build", r.cold, "≤ 8 s, ≤ 1 GB", ok)
            add(doc, "no-op rebuild", r.noop)
        elif r.projects == 10:
            add(doc, "cold build", r.cold, "≤ 0.6 s", r.cold.seconds <= 0.6)
            add(doc, "no-op rebuild", r.noop, "≤ 0.3 s", r.noop.seconds <= 0.3)
        elif r.projects == 1000:
            ok = r.cold.seconds <= 8 and r.cold.peak_mb <= GB_MB
            add(doc, "cold build", r.cold, "≤ 8 s, ≤ 1 GB", ok)
            add(doc, "no-op rebuild", r.noop)
        else:
            add(doc, "cold build", r.cold)
            add(doc, "no-op rebuild", r.noop)
        if r.projects == 1000 and not r.markdown:
            add(doc, "1 project changed", r.changed, "≤ 0.5 s", r.changed.seconds <= 0.5)
            if r.watched.runs:
                add(doc, "1 project changed, --watch", r.watched, "≤ 0.5 s", r.watched.seconds <= 0.5)
        else:
            add(doc, "1 project changed", r.changed)
        add(doc, "check", r.check)
        if r.pandoc.runs:
            add(doc, "pandoc md → docx", r.pandoc)
    derived = []
    if 100 in by_size and 1000 in by_size:
        ratio = by_size[1000].cold.seconds / by_size[100].cold.seconds
        derived.append(["scaling", "cold 1,000 / cold 100", "", f"{ratio:.1f}×", "", "≤ 12×", verdict(ratio <= 12)])
    if 1000 in by_size:
        big = by_size[1000]
        if big.pandoc.runs:
            ratio = big.cold.seconds / big.pandoc.seconds
            derived.append(["vs pandoc", "cold 1,000 / pandoc 1,000", "", f"{ratio:.2f}×", "", "≤ 1×",
                            verdict(ratio <= 1)])
        elif not pandoc:
            derived.append(["vs pandoc", "cold 1,000 / pandoc 1,000", "", "—", "", "≤ 1×", "skipped"])
    header = ["document", "measurement", "runs", "wall s", "peak MB", "target", "result"]
    return markdown_table(header, rows + derived, right={2, 3, 4})


def markdown_table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    """A Markdown table with aligned columns (the ``right`` ones right-aligned)."""
    everything = [header] + rows
    widths = [max(_width(row[i]) for row in everything) for i in range(len(header))]

    def line(row):
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        return "| " + " | ".join(cells) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":" if i in right else "-" * (w + 2)) for i, w in enumerate(widths)) + "|"
    return [line(header), rule] + [line(r) for r in rows]


def _width(text: str) -> int:
    """Display width: CJK and fullwidth characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# ---------------------------------------------------------------- many document folders (issue 17)

OLD_WAY = """
import sys
from pathlib import Path
from builder.output.pdf import convert_to_pdf
for docx in sorted(Path(sys.argv[1]).glob('*.docx')):
    convert_to_pdf(docx, docx.with_suffix('.pdf'))
"""


@dataclass
class FolderRow:
    group: str
    measurement: str
    folders: int
    series: Series
    target: str = ""
    limit: float | None = None  # the target, in seconds per document
    base: Series | None = None  # subtracted (the docx-only build) for a "PDF per document" figure

    @property
    def per_document(self) -> float:
        seconds = self.series.seconds - (self.base.seconds if self.base else 0.0)
        return seconds / self.folders


def bench_folders(groups: set[str], work: Path, with_pdf: bool) -> list[FolderRow]:
    """The PDF rows (12 folders) and the district rows (10 and 100 folders)."""
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    rows: list[FolderRow] = []

    def cold(label: str, folder: Path, runs: int, *options) -> Series:
        series = Series()
        for run in range(1, runs + 1):
            out = work / f"out-{label}-{run}"
            shutil.rmtree(out, ignore_errors=True)
            series.runs.append(measure(budgetdoc("build", folder, "--out", out, *options), logs / f"{label}-{run}.log"))
        return series

    if "pdf" in groups and with_pdf:
        folder = generate_folders(work / "folders-12", 12)
        print("  PDF, 12 document folders …", flush=True)
        for jobs in (1, 2):
            docx = cold(f"12-docx-j{jobs}", folder, 3, "--jobs", jobs)
            rows.append(FolderRow("PDF", f"docx only --jobs {jobs}", 12, docx))
            pdf = cold(f"12-pdf-j{jobs}", folder, 2, "--format", "docx,pdf", "--jobs", jobs)
            rows.append(FolderRow("PDF", f"docx,pdf --jobs {jobs}", 12, pdf))
            rows.append(FolderRow("PDF", f"  PDF per document (--jobs {jobs})", 12, pdf, "≤ 0.5 s", 0.5, docx))
        old = Series()
        for run in range(1, 3):  # the .docx of the first docx-only run, one soffice per document
            old.runs.append(measure([sys.executable, "-c", OLD_WAY, work / "out-12-docx-j1-1"], logs / f"old-{run}.log"))
        rows.append(FolderRow("PDF", "old way: PDF alone, 12 soffice starts", 12, old))
    if "district" in groups:
        for count, runs in ((10, 3), (100, 3)):
            print(f"  district, {count} document folders …", flush=True)
            folder = generate_folders(work / f"folders-{count}", count)
            docx = cold(f"{count}-docx", folder, runs)
            rows.append(FolderRow("district", "docx only", count, docx))
            for jobs in (1, 2) if with_pdf else ():
                pdf = cold(f"{count}-pdf-j{jobs}", folder, 1, "--format", "docx,pdf", "--jobs", jobs)
                rows.append(FolderRow("district", f"docx,pdf --jobs {jobs}", count, pdf))
    return rows


def folder_table(rows: list[FolderRow]) -> list[str]:
    header = ["group", "measurement", "folders", "runs", "wall s", "s / document", "peak MB", "target", "result"]
    lines = []
    for row in rows:
        lines.append([row.group, row.measurement, str(row.folders), str(len(row.series.runs)),
                      f"{row.series.seconds:.2f}", f"{row.per_document:.3f}", f"{row.series.peak_mb:.0f}", row.target,
                      "" if row.limit is None else verdict(row.per_document <= row.limit)])
    district = {(r.measurement, r.folders): r for r in rows if r.group == "district"}
    for measurement in dict.fromkeys(m for m, _ in district):
        small, large = district.get((measurement, 10)), district.get((measurement, 100))
        if small and large:
            ratio = large.per_document / small.per_document
            lines.append(["district", f"{measurement}: per document 100 / 10", "", "", "", f"{ratio:.2f}×", "", "", ""])
    return markdown_table(header, lines, right={2, 3, 4, 5, 6})


# ---------------------------------------------------------------- main

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (documents, outputs, logs)")
    parser.add_argument("--only", default="documents,pdf,district", metavar="GROUPS",
                        help="which rows, comma-separated: documents (10/100/1,000 projects), pdf (12 folders), "
                             "district (10 and 100 folders); default all")
    args = parser.parse_args()
    groups = {g.strip() for g in args.only.split(",") if g.strip()}
    unknown = groups - {"documents", "pdf", "district"}
    if unknown:
        parser.error(f"unknown group(s): {', '.join(sorted(unknown))}")

    started = time.perf_counter()
    pandoc = pandoc_path()
    print(f"budgetdoc benchmark — Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs")
    print(f"CPU reference: {cpu_reference():.2f} s for 10 million additions in a Python loop "
          "(compare runs on machines, or on one machine at different times, by this)")
    if pandoc:
        version = subprocess.run([pandoc, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        print(f"pandoc: {version} ({pandoc})")
    else:
        print("pandoc: pypandoc-binary is not installed, the pandoc comparison is skipped "
              "(install it with: pip install 'budgetdoc[bench]')")
    # bytecode as an installed package has it (pip compiles on install; PYTHONDONTWRITEBYTECODE,
    # set on some machines, would otherwise make every measured process compile budgetdoc again)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "builder")], check=False,
                   stdout=subprocess.DEVNULL)
    work = Path(tempfile.mkdtemp(prefix="budgetdoc-bench-"))
    results = []
    folder_rows: list[FolderRow] = []
    try:
        plan = []
        if "documents" in groups:
            shipped = work / SEED.name
            shutil.copytree(SEED, shipped)  # a copy: the one-project-changed run edits it
            plan.append(("10 (shipped)", shipped, 10, 3, False))
            for projects, runs in ((100, 3), (1000, 2)):
                plan.append((f"{projects:,}", generate(work / f"generated-{projects}", projects), projects, runs, False))
            if pandoc:  # Markdown narratives need pandoc (pypandoc-binary, a dependency of budgetdoc)
                plan.append(("1,000 Markdown", generate(work / "generated-1000-md", 1000, markdown=True), 1000, 2,
                             True))
        for label, folder, projects, runs, markdown in plan:
            print(f"  {label} projects: {runs} runs …", flush=True)
            results.append(bench_document(label, folder, projects, runs, work, pandoc, markdown))
        if groups & {"pdf", "district"}:
            from builder.output.pdf import PdfUnavailable, find_soffice

            try:
                find_soffice()
                with_pdf = True
            except PdfUnavailable as exc:
                print(f"{exc}: the PDF rows are skipped", file=sys.stderr)
                with_pdf = False
            folder_rows = bench_folders(groups, work, with_pdf)
    except CommandFailed as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr)
        print(f"(outputs and logs kept in {work})", file=sys.stderr)
        return 1
    finally:
        if results:
            print()
            print("\n".join(table(results, pandoc)))
            for r in results:
                for note in dict.fromkeys(r.notes):
                    print(f"note ({r.label}): {note}")
        if folder_rows:
            print()
            print("\n".join(folder_table(folder_rows)))
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nwall time medians include interpreter start; peak MB is the child's max RSS; "
          f"benchmark took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
