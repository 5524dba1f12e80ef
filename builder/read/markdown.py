"""Narratives written in Markdown: the ``NN-项目.md`` files, inline Markdown, and pandoc.

A project's narrative sections (``## 项目概述`` …) may be written in a sibling
``.md`` file, or inline in the YAML when ``情况说明格式: markdown`` is set.
Every fragment of a document is converted by **one** pandoc process (from
``pypandoc-binary``) into pandoc's JSON AST: the fragments are joined with
separator paragraphs, their footnote labels renamed per fragment so that two
``[^1]`` never collide. The AST is checked here (raw HTML/LaTeX and images are
refused, located in the source file), projected to plain paragraphs for the
model (so ``check``, ``diff`` and the workbook read words), and written to Word
XML after rendering by ``builder.render.markdown_docx``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from builder.read.errors import Location, Problems

MARKDOWN_SUFFIX = ".md"
NOT_NARRATIVES = {"readme.md"}  # a note about the folder, not a project's narrative
MAX_MARKDOWN_BYTES = 2 * 1024 * 1024

# pandoc's Markdown, with what would turn a finance text into something else switched off:
# "1~3人" is no subscript, "$" no formula, "@" no citation, "---" at the top no metadata,
# quotes stay as typed; a line break between two Chinese characters adds no space.
PANDOC_FORMAT = ("markdown-smart-subscript-superscript-citations-yaml_metadata_block-pandoc_title_block"
                 "-tex_math_dollars-tex_math_single_backslash-example_lists-definition_lists-line_blocks"
                 "-implicit_figures-fenced_divs-native_divs-native_spans-bracketed_spans-auto_identifiers"
                 "+east_asian_line_breaks")
CONVERSION_VERSION = "1"  # bump when the conversion or its checks change (cache entries of others miss)

# the form's section headings → the field paths of the source format
TARGET_SECTIONS = {
    "项目概述": "情况说明.项目概述",
    "立项依据": "情况说明.立项依据",
    "实施主体": "情况说明.实施主体",
    "实施方案": "情况说明.实施方案",
    "实施周期": "情况说明.实施周期",
    "年度预算安排": "情况说明.年度预算安排",
    "绩效目标": "情况说明.绩效目标",
    "项目总目标": "项目总目标",
    "年度总体目标": "年度总体目标",
}
EVALUATION_SECTIONS = {"预期目标": "预期目标", "实际完成情况": "实际完成情况"}
ALL_SECTIONS = {**TARGET_SECTIONS, **EVALUATION_SECTIONS}

FORMAT_KEY = "情况说明格式"
FORMATS = ("纯文本", "markdown")


class MarkdownUnavailable(Exception):
    """pandoc cannot be run; the message is user-facing Chinese."""


@dataclass(frozen=True)
class Overran:
    """In place of a text's blocks: pandoc went over its time or memory on that text alone
    (``builder.read.childproc``); ``message`` is the located error's Chinese."""

    message: str


class _PandocOverrun(Exception):
    pass


@dataclass(frozen=True)
class MarkdownText:
    """One converted Markdown fragment: its pandoc blocks, and where it was written."""

    key: str  # content hash (with the conversion settings): the marker and the cache key
    blocks: list = field(compare=False, repr=False)
    location: Location | None = field(default=None, compare=False)

    @property
    def marker(self) -> str:
        return marker_for(self.key)


def marker_for(key: str) -> str:
    """The single paragraph the template prints where a Markdown fragment goes."""
    return f"\ue000budgetdoc-md:{key}\ue001"


MARKER = re.compile("\ue000budgetdoc-md:([0-9a-f]{32})\ue001")


# ---------------------------------------------------------------- .md files


@dataclass
class Section:
    heading: str  # as the form names it (numbering such as 一、 removed)
    field: str  # the source field path
    text: str
    line: int  # the heading's line
    body_line: int  # the first line of the text

    def location(self, path: Path) -> Location:
        return Location(path, self.line, 1)


@dataclass
class MarkdownFile:
    path: Path
    sections: list[Section]


def markdown_files(folder: Path) -> list[Path]:
    """The ``.md`` files of a document folder (ignored and README files left out), by name."""
    from builder.read.readonce import folder_entries

    try:
        entries = folder_entries(folder)
    except OSError:
        return []
    return sorted(p for p in entries if p.suffix == MARKDOWN_SUFFIX and not p.name.startswith(("_", "."))
                  and p.name.lower() not in NOT_NARRATIVES)


_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）])\s*")


def split_sections(path: Path, text: str, problems: Problems) -> list[Section]:
    """The level-2 sections of a .md file; text outside them and unknown headings are errors."""
    sections: list[Section] = []
    current: Section | None = None
    lines: list[str] = []
    fence = None
    seen: dict[str, int] = {}
    stray = False

    def close():
        if current is not None:
            body = list(lines)
            while body and not body[0].strip():
                body.pop(0)
                current.body_line += 1
            current.text = "\n".join(body).rstrip()
            if not current.text.strip():
                problems.error(current.location(path), current.field, f"“## {current.heading}”下没有内容")
            else:
                sections.append(current)

    for number, line in enumerate(text.splitlines(), start=1):
        if fence is None:
            opened = _FENCE.match(line)
            if opened:
                fence = opened.group(1)[0] * len(opened.group(1))
        elif line.strip().startswith(fence):
            fence = None
            lines.append(line)
            continue
        heading = _HEADING.match(line) if fence is None else None
        if heading and len(heading.group(1)) <= 2:
            level, title = len(heading.group(1)), (heading.group(2) or "").strip()
            if level == 1:
                if current is None:
                    continue  # a title above the sections (the project's name): not printed
                problems.error(Location(path, number, 1), "", f"一级标题“# {title}”不能写在各部分之间：部分标题用二级标题“## 项目概述”，"
                                                             "部分内的小标题用三级标题“### …”")
                continue
            close()
            lines = []
            stray = False
            name = _ORDINAL.sub("", title)
            if name not in ALL_SECTIONS:
                hint = _suggest(name, ALL_SECTIONS)
                more = f"，是否应为“## {hint}”？" if hint else "。"
                problems.error(Location(path, number, 1), "", f"“## {title}”不是情况说明的部分{more}"
                                                             f"（可用：{'、'.join(ALL_SECTIONS)}）")
                current = None
                stray = True  # its text is not reported again
                continue
            if name in seen:
                problems.error(Location(path, number, 1), ALL_SECTIONS[name],
                               f"“## {name}”重复（第 {seen[name]} 行已出现），请合并为一处")
                current = None
                stray = True
                continue
            seen[name] = number
            current = Section(name, ALL_SECTIONS[name], "", number, number + 1)
            continue
        if current is None:
            if line.strip() and not _is_comment_line(line) and not stray:
                problems.error(Location(path, number, 1), "", "这段文字不在任何“## 部分标题”之下，不会印出；"
                                                             "请把它移到对应的部分（如“## 项目概述”）之下")
                stray = True  # reported once until the next heading
            continue
        lines.append(line)
    close()
    return sections


def _is_comment_line(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("<!--") and stripped.endswith("-->")


def _suggest(key: str, choices) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.4)
    return matches[0] if matches else None


# ---------------------------------------------------------------- fragments and pandoc


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


# ---------------------------------------------------------------- checking and plain text


class BadAst(Exception):
    """A pandoc AST of an unexpected shape (a damaged cache entry): converted again."""


def _content(node, kind=list):
    if not isinstance(node, dict):
        raise BadAst("node")
    content = node.get("c")
    if not isinstance(content, kind):
        raise BadAst("content")
    return content


def _blocks_of(value) -> list:
    if not isinstance(value, list):
        raise BadAst("blocks")
    return value


def refusals(blocks: list) -> list[tuple[str, str]]:
    """What cannot go into the form: (needle to find in the source, message)."""
    found: list[tuple[str, str]] = []

    def inline(node):
        kind = node.get("t") if isinstance(node, dict) else None
        if kind is None:
            raise BadAst("inline")
        if kind == "RawInline":
            fmt, raw = _content(node)
            if not _is_comment(raw):
                found.append((raw, _raw_message(fmt, raw)))
        elif kind == "Image":
            found.append(("![", "不支持图片：情况说明中不能插入图片（请删除，或改为文字说明）"))
        elif kind == "Math":
            found.append(("$", "不支持 LaTeX 公式，请写成文字"))
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            for child in _content(node):
                inline(child)
        elif kind in ("Quoted",):
            for child in _content(node)[1]:
                inline(child)
        elif kind in ("Link", "Span"):
            for child in _content(node)[1]:
                inline(child)
        elif kind == "Cite":
            for child in _content(node)[1]:
                inline(child)
        elif kind == "Note":
            for child in _content(node):
                block(child)

    def block(node):
        kind = node.get("t") if isinstance(node, dict) else None
        if kind is None:
            raise BadAst("block")
        if kind in ("Para", "Plain"):
            for child in _content(node):
                inline(child)
        elif kind == "Header":
            for child in _content(node)[2]:
                inline(child)
        elif kind == "RawBlock":
            fmt, raw = _content(node)
            if not _is_comment(raw):
                found.append((raw.strip().splitlines()[0] if raw.strip() else raw, _raw_message(fmt, raw)))
        elif kind == "BlockQuote":
            for child in _content(node):
                block(child)
        elif kind == "Div":
            for child in _content(node)[1]:
                block(child)
        elif kind == "Figure":
            found.append(("![", "不支持图片：情况说明中不能插入图片（请删除，或改为文字说明）"))
        elif kind in ("BulletList",):
            for item in _content(node):
                for child in _blocks_of(item):
                    block(child)
        elif kind == "OrderedList":
            for item in _content(node)[1]:
                for child in _blocks_of(item):
                    block(child)
        elif kind == "LineBlock":
            for line in _content(node):
                for child in line:
                    inline(child)
        elif kind == "Table":
            for cell_blocks in _table_cell_blocks(node):
                for child in cell_blocks:
                    block(child)
        elif kind == "DefinitionList":
            for term, definitions in _content(node):
                for child in term:
                    inline(child)
                for definition in definitions:
                    for child in definition:
                        block(child)

    for node in _blocks_of(blocks):
        block(node)
    return found


def _is_comment(raw: str) -> bool:
    stripped = raw.strip()
    return stripped.startswith("<!--") and stripped.endswith("-->")


def _raw_message(fmt: str, raw: str) -> str:
    shown = raw.strip().splitlines()[0] if raw.strip() else raw
    shown = shown if len(shown) <= 30 else shown[:30] + "…"
    what = "HTML" if fmt == "html" else "LaTeX" if fmt in ("tex", "latex") else fmt
    return (f"不支持 {what} 代码“{shown}”：请改用 Markdown 写法（粗体 **文字**、列表、表格），"
            "或在字符前加“\\”使其按原样印出")


def table_rows(node) -> list:
    """The rows of a pandoc Table in printed order: head, each body's head and rows, foot."""
    content = _content(node)
    if len(content) != 6:
        raise BadAst("table")
    _, _, _, head, bodies, foot = content
    rows = list(head[1])
    for body in bodies:
        rows.extend(body[2])
        rows.extend(body[3])
    rows.extend(foot[1])
    return rows


def _table_cell_blocks(node) -> list[list]:
    """Every cell's blocks of a pandoc Table (head, bodies, foot)."""
    cells = []
    for row in table_rows(node):
        for cell in row[1]:
            cells.append(_blocks_of(cell[4]))
    return cells


def locate(fragment: Fragment, needle: str, start: int) -> tuple[Location, int]:
    """Where ``needle`` is in the fragment's text (searching from ``start``): its location and offset."""
    text = fragment.text
    position = text.find(needle, start) if needle else -1
    if position < 0:
        position = text.find(needle) if needle else -1
    if position < 0:
        return fragment.location, start
    before = text[:position]
    line = fragment.location.line + before.count("\n")
    col = position - (before.rfind("\n") + 1) + 1
    if "\n" not in before:
        col += fragment.location.col - 1
    return Location(fragment.location.file, line, col), position + len(needle)


def check_fragment(fragment: Fragment, blocks: list, problems: Problems) -> bool:
    """Report what the form cannot hold, located in the source; True when nothing was refused."""
    cursor = 0
    refused = refusals(blocks)
    for needle, message in refused:
        where, cursor = locate(fragment, needle, cursor)
        problems.error(where, fragment.field, message)
    return not refused


# plain text: what check, diff and the workbook read

INLINE_KINDS = {"Str", "Space", "SoftBreak", "LineBreak", "Emph", "Strong", "Underline", "Strikeout", "Superscript",
                "Subscript", "SmallCaps", "Quoted", "Link", "Span", "Cite", "Code", "Note", "RawInline", "Math",
                "Image"}
BLOCK_KINDS = {"Para", "Plain", "Header", "CodeBlock", "BlockQuote", "Div", "LineBlock", "BulletList",
               "OrderedList", "Table", "HorizontalRule", "RawBlock", "Figure", "DefinitionList"}


def inline_text(nodes) -> str:
    parts: list[str] = []
    for node in nodes:
        kind = node.get("t") if isinstance(node, dict) else None
        if kind == "Str":
            parts.append(_content(node, str))
        elif kind in ("Space", "SoftBreak"):
            parts.append(" ")
        elif kind == "LineBreak":
            parts.append("\n")
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            parts.append(inline_text(_content(node)))
        elif kind == "Quoted":
            quote = _content(node)[0].get("t")
            open_, close = ("“", "”") if quote == "DoubleQuote" else ("‘", "’")
            parts.append(open_ + inline_text(_content(node)[1]) + close)
        elif kind in ("Link", "Span", "Cite"):
            parts.append(inline_text(_content(node)[1]))
        elif kind == "Code":
            parts.append(_content(node)[1])
        elif kind == "Note":
            pass  # footnotes follow the section's paragraphs
        elif kind in ("RawInline", "Math", "Image"):
            pass  # refused (or a comment)
        else:
            raise BadAst("inline")
    return "".join(parts)


def _notes(nodes, out: list) -> None:
    for node in nodes:
        kind = node.get("t") if isinstance(node, dict) else None
        if kind == "Note":
            out.append(_content(node))
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            _notes(_content(node), out)
        elif kind in ("Link", "Span", "Cite", "Quoted"):
            _notes(_content(node)[1], out)


def ordered_marker(attributes, number: int) -> str:
    style = attributes[1].get("t") if isinstance(attributes[1], dict) else "Decimal"
    delim = attributes[2].get("t") if isinstance(attributes[2], dict) else "DefaultDelim"
    if style == "LowerAlpha":
        label = _alpha(number).lower()
    elif style == "UpperAlpha":
        label = _alpha(number)
    elif style == "LowerRoman":
        label = _roman(number).lower()
    elif style == "UpperRoman":
        label = _roman(number)
    else:
        label = str(number)
    if delim == "OneParen":
        return f"{label})"
    if delim == "TwoParens":
        return f"({label})"
    return f"{label}."


def _alpha(number: int) -> str:
    label = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        label = chr(65 + rest) + label
    return label or "A"


def _roman(number: int) -> str:
    if number <= 0 or number >= 4000:
        return str(number)
    numerals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in numerals:
        while number >= value:
            out += letters
            number -= value
    return out


BULLETS = ("•", "◦", "▪")


def plain_paragraphs(blocks: list) -> list[str]:
    """The fragment's words as paragraphs (list markers kept, a table row per paragraph with its
    cells separated by spaces, footnotes at the end)."""
    out: list[str] = []
    notes: list = []

    def para(text: str, prefix: str = ""):
        for line in text.split("\n"):
            line = line.strip()
            if line:
                out.append(prefix + line)
                prefix = ""

    def walk(blocks, depth: int):
        for node in _blocks_of(blocks):
            kind = node.get("t") if isinstance(node, dict) else None
            if kind in ("Para", "Plain"):
                para(inline_text(_content(node)))
                _notes(_content(node), notes)
            elif kind == "Header":
                para(inline_text(_content(node)[2]))
                _notes(_content(node)[2], notes)
            elif kind == "CodeBlock":
                para(_content(node)[1])
            elif kind == "BlockQuote":
                walk(_content(node), depth)
            elif kind == "Div":
                walk(_content(node)[1], depth)
            elif kind == "LineBlock":
                for line in _content(node):
                    para(inline_text(line))
            elif kind in ("BulletList", "OrderedList"):
                if kind == "OrderedList":
                    attributes, items = _content(node)
                    start = attributes[0] if isinstance(attributes[0], int) else 1
                    markers = [ordered_marker(attributes, start + i) for i in range(len(items))]
                else:
                    items = _content(node)
                    markers = [BULLETS[depth % len(BULLETS)]] * len(items)
                for marker, item in zip(markers, items):
                    first = len(out)
                    walk(item, depth + 1)
                    if len(out) > first:
                        out[first] = f"{marker} {out[first]}"
                    else:
                        out.append(marker)
            elif kind == "Table":
                for row in table_rows_text(node):
                    para(" ".join(cell for cell in row if cell))
            elif kind not in BLOCK_KINDS:
                raise BadAst("block")

    walk(blocks, 0)
    for note in notes:
        before = len(out)
        walk(note, 0)
        if len(out) > before:
            out[before] = f"注：{out[before]}"
    return out


def table_rows_text(node) -> list[list[str]]:
    return [[" ".join(plain_paragraphs(cell[4])) for cell in row[1]] for row in table_rows(node)]


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# ---------------------------------------------------------------- writing Markdown (import, new)

_ESCAPE_INLINE = re.compile(r"([\\`*_\[\]<>|~^$@])")
_BLOCK_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)](?=\s|$)|\(\d+\)(?=\s))")


def escape_paragraph(text: str) -> str:
    """A plain paragraph written as Markdown that pandoc reads back as the same words."""
    escaped = _ESCAPE_INLINE.sub(r"\\\1", text.strip())
    match = _BLOCK_START.match(escaped)
    if match:
        marker = match.group(2)
        cut = match.start(2) + (len(marker) - 1 if marker[0].isdigit() else 0)  # "1\." and "\-", "\#"
        escaped = escaped[:cut] + "\\" + escaped[cut:]
    return escaped


def sections_markdown(title: str, sections: list[tuple[str, list[str]]], note: str = "") -> str:
    """A ``NN-项目.md`` text: a title, then ``## 部分`` with one escaped paragraph each."""
    lines = []
    if note:
        lines += [f"<!-- {note} -->", ""]
    lines += [f"# {title}", ""]
    for heading, paragraphs in sections:
        lines.append(f"## {heading}")
        lines.append("")
        for paragraph in paragraphs:
            lines.append(escape_paragraph(paragraph))
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
