"""Redline: compare two built .docx and write one with real tracked changes.

``redline(OLD, NEW, OUT)`` writes OUT = NEW with Word revisions against OLD:
``w:ins``/``w:del`` inside paragraphs (at character level for Chinese text, a
whole token for a figure such as 1,418,000.00), ``w:ins``/``w:del`` in
``w:trPr`` for added and removed table rows. Accept all gives NEW, reject all
gives OLD. Every revision carries the given author and date, so the same two
inputs always give the same bytes.

The comparison engine is Docxodus (a self-contained .NET program, ~45 MB),
shipped by the optional extra ``budgetdoc[redline]`` (python-redlines with its
docxodus binary package). Why this engine and not docx-trackdiff: see
docs/redline.md. It is imported only when ``redline`` is called; without it
``RedlineUnavailable`` says what to install.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from lxml import etree

from builder.output.assemble import rewrite_package
from builder.output.atomic import refuse_inputs, write_atomic
from builder.read.install import install_hint

TIMEOUT_SECONDS = 300

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_AUTHOR = f"{{{_W}}}author"
_DATE = f"{{{_W}}}date"

# Every WordprocessingML element that records a revision (and so an author and
# a date). Comments (w:comment) also have an author but are not revisions:
# they are left as they are.
REVISION_TAGS = frozenset(
    f"{{{_W}}}{name}"
    for name in (
        "ins", "del", "moveFrom", "moveTo",
        "moveFromRangeStart", "moveToRangeStart",
        "rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "tblPrExChange",
        "trPrChange", "tcPrChange", "tblGridChange", "numberingChange",
        "cellIns", "cellDel", "cellMerge",
        "customXmlInsRangeStart", "customXmlDelRangeStart",
        "customXmlMoveFromRangeStart", "customXmlMoveToRangeStart",
    )
)
# Parents of inline revisions (run containers) where a replacement is shown
# deletion first, as Word's own Compare does: ~~1,418,000.00~~1,500,000.00.
_INLINE_PARENTS = frozenset(f"{{{_W}}}{name}" for name in ("p", "hyperlink", "smartTag", "sdtContent", "fldSimple"))


class RedlineUnavailable(Exception):
    """The comparison engine is not installed (or has no binary for this machine)."""


class RedlineFailed(Exception):
    """The engine ran and failed (e.g. an input is not a valid .docx)."""


def engine_message(lines: list[str], code: int) -> str:
    """The engine's last line of English, said in Chinese."""
    text = " ".join(lines[-3:]).lower()
    if any(word in text for word in ("corrupt", "zip", "invalid", "not a valid", "not a wordprocessing")):
        return "其中一个文件已损坏或不是有效的 Word .docx 文件（请在 Word 中打开并另存为 .docx 后重试）"
    if "access" in text or "permission" in text or "denied" in text:
        return "没有读写文件的权限"
    if "not found" in text or "could not find" in text or "no such file" in text:
        return "找不到要比对的文件"
    if "memory" in text:
        return "内存不足"
    return f"比对引擎出错（退出码 {code}）"


def _check_input(path: Path) -> None:
    """A .docx the engine may read: a regular file of sane size whose parts are no zip bomb."""
    from builder.read.safeio import package_problem

    problem = package_problem(path)
    if problem:
        raise RedlineFailed(f"{path.name}：{problem}")


def redline(old: Path, new: Path, out: Path, author: str = "budgetdoc", date: str = "2000-01-01T00:00:00Z") -> str | None:
    """Write ``out``: ``new`` with tracked changes against ``old``, by ``author`` at ``date``.

    ``date`` is an ISO 8601 time (``YYYY-MM-DDTHH:MM:SSZ``). ``out`` is written
    atomically: on any failure an existing ``out`` is left as it was. Returns what it replaced
    (``outputs.write_atomic``).
    """
    old, new, out = Path(old), Path(new), Path(out)
    for path in (old, new):
        if not path.is_file():
            raise FileNotFoundError(f"找不到要比对的文档：{path}")
    refuse_inputs(out, (old, new))  # before the engine runs: ``-o`` must not be one of the documents
    binary = _engine_binary()
    for path in (old, new):
        _check_input(path)
    with tempfile.TemporaryDirectory(prefix="budgetdoc-redline-") as work:
        work_dir = Path(work)
        target = work_dir / "redline.docx"
        env = dict(
            os.environ,
            TMPDIR=str(work_dir),  # anything the engine writes goes here, and is removed with it
            DOTNET_EnableDiagnostics="0",  # no diagnostics sockets/pipes in /tmp
            DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1",  # no libicu needed; same output (docs/redline.md)
        )
        command = [binary, str(old.resolve()), str(new.resolve()), str(target),
                   f"--author={author}", f"--date-time={date}"]
        try:
            result = subprocess.run(command, cwd=work_dir, env=env, capture_output=True, text=True,
                                    timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise RedlineFailed(f"比对超时（超过 {TIMEOUT_SECONDS} 秒）：{old.name} → {new.name}") from None
        except OSError as exc:
            raise RedlineFailed(f"无法运行比对引擎 {binary}：{exc}") from exc
        if result.returncode != 0 or not target.is_file():
            lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
            raise RedlineFailed(f"比对失败（{old.name} → {new.name}）：{engine_message(lines, result.returncode)}")
        data = target.read_bytes()
    return write_atomic(out, fix_revisions(data, author, date), inputs=(old, new))


def _engine_binary() -> str:
    """The path of the Docxodus ``redline`` program, unpacked on first use.

    python-redlines unpacks it once into the user cache
    (``~/.cache/python-redlines``, or under ``$XDG_CACHE_HOME``). The program is
    then run directly with its documented options (``redline --help``) rather
    than through ``run_redline``, which puts its output file in the system temp
    folder and gives no control over the environment.
    """
    try:
        from python_redlines import DocxodusEngine
    except ImportError:
        raise RedlineUnavailable(f"未安装比对引擎：{install_hint('redline')}") from None
    try:
        engine = DocxodusEngine()
    except ImportError as exc:  # EngineNotInstalledError: the binary package is missing or for another platform
        raise RedlineUnavailable(f"比对引擎不完整或不支持本机平台：{install_hint('redline')}（{exc}）") from None
    except EnvironmentError as exc:  # unsupported OS/architecture, or the cache is not writable
        raise RedlineUnavailable(f"比对引擎无法在本机使用：{exc}") from None
    return engine.extracted_binaries_path


def fix_revisions(data: bytes, author: str, date: str) -> bytes:
    """Set ``author`` and ``date`` on every revision of every part; show deletions before insertions.

    The zip is written again with fixed entry dates, so the result depends only on its content.
    """

    def transform(name: str, payload: bytes) -> bytes:
        if name.startswith("word/") and name.endswith(".xml"):
            return _fix_part(payload, author, date)
        return payload

    return rewrite_package(data, transform)


def _fix_part(payload: bytes, author: str, date: str) -> bytes:
    if b"author=" not in payload:
        return payload
    root = etree.fromstring(payload)
    changed = False
    for node in root.iter(*REVISION_TAGS):
        node.set(_AUTHOR, author)
        node.set(_DATE, date)
        changed = True
    for node in list(root.iter(f"{{{_W}}}ins")):
        following = node.getnext()
        if (node.getparent() is not None and node.getparent().tag in _INLINE_PARENTS
                and following is not None and following.tag == f"{{{_W}}}del"):
            node.addprevious(following)  # moves the w:del before its w:ins
            changed = True
    if not changed:
        return payload
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
