"""Markdown text → pandoc's AST: the fragments of a document converted by pandoc (from
pypandoc-binary) under the one bound on child processes, in as few processes as it takes,
and remembered per build (MarkdownStore).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from builder.read.errors import Location


# ---------------------------------------------------------------- fragments and pandoc

# pandoc's Markdown, with what would turn a finance text into something else switched off:
# "1~3人" is no subscript, "$" no formula, "@" no citation, "---" at the top no metadata,
# quotes stay as typed; a line break between two Chinese characters adds no space.
PANDOC_FORMAT = ("markdown-smart-subscript-superscript-citations-yaml_metadata_block-pandoc_title_block"
                 "-tex_math_dollars-tex_math_single_backslash-example_lists-definition_lists-line_blocks"
                 "-implicit_figures-fenced_divs-native_divs-native_spans-bracketed_spans-auto_identifiers"
                 "+east_asian_line_breaks")
CONVERSION_VERSION = "1"  # bump when the conversion or its checks change (cache entries of others miss)


class MarkdownUnavailable(Exception):
    """pandoc cannot be run; the message is user-facing Chinese."""


@dataclass(frozen=True)
class Overran:
    """In place of a text's blocks: pandoc went over its time or memory on that text alone
    (``builder.read.childproc``); ``message`` is the located error's Chinese."""

    message: str


class _PandocOverrun(Exception):
    pass


@dataclass
class Fragment:
    """A Markdown text to convert, and where its first line was written."""

    text: str
    location: Location  # of the text's first line
    field: str

    @property
    def key(self) -> str:
        return fragment_key(self.text)


def fragment_key(text: str) -> str:
    digest = hashlib.sha256(f"{CONVERSION_VERSION}\0{PANDOC_FORMAT}\0{text}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


_FOOTNOTE = re.compile(r"\[\^([^\]\s^]+)\]")
_SEPARATOR = "BUDGETDOCFRAGMENT"


def pandoc_path() -> str:
    try:
        import pypandoc
    except ImportError:
        raise MarkdownUnavailable("无法转换 Markdown：未安装 pypandoc-binary（pip install pypandoc-binary）") from None
    try:
        return pypandoc.get_pandoc_path()
    except OSError:
        raise MarkdownUnavailable("无法转换 Markdown：找不到 pandoc（请重新安装 pypandoc-binary）") from None


SPLIT_ABOVE = 1000  # fragments: a document with more is converted by one pandoc process per core (at most 2)


class Conversion:
    """The pandoc process converting a document's fragments, started at once and collected later.
    A very large document's fragments are split between two processes, one per core."""

    def __init__(self, texts: list[str]):
        self.texts = texts
        parts = 2 if len(texts) > SPLIT_ABOVE and (os.cpu_count() or 1) > 1 else 1
        size = -(-len(texts) // parts) if texts else 0
        self.chunks = [texts[i:i + size] for i in range(0, len(texts), size)] if texts else []
        self.results: list[list[list] | None] = [None] * len(self.chunks)
        self._errors: list[Exception] = []
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(len(self.chunks))]
        for thread in self._threads:
            thread.start()

    def _run(self, index: int):
        try:
            self.results[index] = convert_texts(self.chunks[index])
        except Exception as exc:  # handed to the caller in result()
            self._errors.append(exc)

    def result(self) -> list[list]:
        for thread in self._threads:
            thread.join()
        if self._errors:
            raise self._errors[0]
        return [blocks for chunk in self.results for blocks in chunk]


def _joined(texts: list[str]) -> str:
    parts = []
    for index, text in enumerate(texts):
        renamed = _FOOTNOTE.sub(lambda m, i=index: f"[^bd{i}x{m.group(1)}]", text)
        parts.append(f"{_SEPARATOR}{index}\n\n{renamed}\n\n")
    parts.append(f"{_SEPARATOR}{len(texts)}\n")
    return "".join(parts)


def _run_pandoc(text: str) -> dict:
    """pandoc's AST of ``text``, within the PANDOC limits of ``builder.read.childproc`` (raises
    _PandocOverrun past them); ``--sandbox``: no file or network is read."""
    from builder.read import childproc

    command = [pandoc_path(), "--sandbox", "-f", PANDOC_FORMAT, "-t", "json"]
    try:
        process = childproc.run(command, "PANDOC", input=text.encode("utf-8"))
    except childproc.Overrun as overrun:
        raise _PandocOverrun(f"Markdown 过于复杂，pandoc 在 {overrun.seconds:g} 秒内未完成"
                             "（可调 BUDGETDOC_PANDOC_SECONDS）") from None
    except OSError as exc:
        raise MarkdownUnavailable(f"无法运行 pandoc：{exc}") from None
    if process.returncode != 0 and b"out of memory" in process.stderr:
        memory = childproc.limits("PANDOC").memory_mb
        raise _PandocOverrun(f"Markdown 过于复杂，pandoc 占用内存超过 {memory} MB 的上限（可调 BUDGETDOC_PANDOC_MEMORY_MB）")
    if process.returncode != 0:
        message = process.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [
            f"pandoc 异常结束（退出码 {process.returncode}，BUDGETDOC_PANDOC_MEMORY_MB 是否过小？）"]
        raise MarkdownUnavailable(f"pandoc 转换 Markdown 失败：{message[0]}")
    return json.loads(process.stdout)


def _split(blocks: list, count: int) -> list[list] | None:
    """The blocks between separator paragraphs, or None when a fragment swallowed a separator
    (an unclosed code fence or HTML block)."""
    result: list[list] = []
    current: list = []
    expected = 0
    for block in blocks:
        if (isinstance(block, dict) and block.get("t") == "Para" and len(block.get("c", ())) == 1
                and block["c"][0].get("t") == "Str" and block["c"][0].get("c") == f"{_SEPARATOR}{expected}"):
            if expected > 0:
                result.append(current)
            current = []
            expected += 1
            continue
        if expected == 0:
            return None
        current.append(block)
    if expected != count + 1 or current:
        return None
    return result


def convert_texts(texts: list[str]) -> list[list | Overran]:
    """Each text's pandoc blocks, from one pandoc process (one per text only when a text breaks
    the separators, e.g. an unclosed code fence, or when that process went over its limits:
    then a text over them alone gets an ``Overran`` instead of blocks)."""
    if not texts:
        return []
    try:
        blocks = _split(_run_pandoc(_joined(texts)).get("blocks", []), len(texts))
    except _PandocOverrun as exc:
        if len(texts) == 1:
            return [Overran(str(exc))]
        blocks = None
    if blocks is not None:
        return blocks
    out = []
    for index, text in enumerate(texts):
        try:
            one = _split(_run_pandoc(_joined([text])).get("blocks", []), 1)
            if one is None:
                # the text swallows even its own end: convert it alone, separators left out
                renamed = _FOOTNOTE.sub(lambda m, i=index: f"[^bd{i}x{m.group(1)}]", text)
                one = [_run_pandoc(renamed).get("blocks", [])]
        except _PandocOverrun as exc:
            one = [Overran(str(exc))]
        out.append(one[0])
    return out


# Text that pandoc would read as nothing but paragraphs of words: no character Markdown gives a meaning
# to (emphasis, links, tables, escapes, entities, HTML), no line that could open a block (heading, list,
# quote, code, rule, setext underline) and no hard line break (two spaces at a line's end).
_SPECIAL = re.compile(r"[*_`\[\]<>|\\#~^$&{}!]")
_BLOCK_LINE = re.compile(r"^(?: {4}|\t| {0,3}(?:[-+=:%]|\(?[A-Za-z0-9]{1,9}[.)](?:\s|$)))|  $")
_SPACES = re.compile(r"[ \t]+")
_COMMENT_LINE = re.compile(r"^\s*<!--.*-->\s*$")


def plain_blocks(text: str) -> list | None:
    """The pandoc blocks of a text of plain paragraphs, made here as pandoc makes them; None when the
    text has anything pandoc must read. (Lines that are whole HTML comments are dropped, as pandoc's
    blocks for them are.)"""
    lines = text.split("\n")
    if "<!--" in text:  # comment lines at the end, after a blank line, are blocks of their own: dropped
        while lines and (not lines[-1].strip() or _COMMENT_LINE.match(lines[-1])):
            lines.pop()
        if "<!--" in "\n".join(lines) or len(lines) == len(text.split("\n")):
            return None
        if lines and text.split("\n")[len(lines)].strip():
            return None  # the comment follows the text's last line directly: inside its paragraph
    if any(_SPECIAL.search(line) or _BLOCK_LINE.search(line) for line in lines):
        return None
    blocks, current = [], []
    for line in lines + [""]:
        if line.strip(" \t"):
            current.append(line.strip(" \t"))
            continue
        if current:
            blocks.append({"t": "Para", "c": _plain_inlines(current)})
            current = []
    return blocks


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _plain_inlines(lines: list[str]) -> list:
    inlines: list = []
    for index, line in enumerate(lines):
        if index:
            previous = lines[index - 1]
            if not (_wide(previous[-1]) and _wide(line[0])):  # east_asian_line_breaks: no space between CJK
                inlines.append({"t": "SoftBreak"})
        for position, word in enumerate(w for w in _SPACES.split(line) if w):
            if position:
                inlines.append({"t": "Space"})
            inlines.append({"t": "Str", "c": word})
    return inlines


class MarkdownStore:
    """Converted fragments of one document by key: the build cache's, then one pandoc run for the rest."""

    def __init__(self, cache=None, folder: Path | None = None):
        self.cache = cache
        self.folder = folder
        self.known: dict[str, list] = {}
        self.overran: dict[str, str] = {}  # key → why pandoc was stopped on it
        self.used: set[str] = set()
        if cache is not None and folder is not None:
            for key, blocks in cache.load_markdown(folder).items():
                self.known[key] = blocks

    def start(self, fragments: list[Fragment]) -> "Pending":
        missing: dict[str, str] = {}
        for fragment in fragments:
            key = fragment.key
            if key in self.known:
                continue
            simple = plain_blocks(fragment.text)
            if simple is not None:  # nothing in it pandoc would read as Markdown: no process needed
                self.known[key] = simple
                continue
            missing.setdefault(key, fragment.text)
        return Pending(self, list(missing), Conversion(list(missing.values())))

    def save(self) -> None:
        if self.cache is not None and self.folder is not None:
            self.cache.store_markdown(self.folder, {k: self.known[k] for k in self.used if k in self.known})


class Pending:
    def __init__(self, store: MarkdownStore, keys: list[str], conversion: Conversion):
        self.store, self.keys, self.conversion = store, keys, conversion

    def finish(self) -> None:
        for key, blocks in zip(self.keys, self.conversion.result()):
            if isinstance(blocks, Overran):
                self.store.overran[key] = blocks.message
            else:
                self.store.known[key] = blocks
