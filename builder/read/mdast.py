"""A pandoc AST checked and read back: what a narrative may not hold (raw HTML, images, links
outside …) located in its .md file, and the plain text of its paragraphs, lists and tables.
"""

from __future__ import annotations

import unicodedata

from builder.read.errors import Location, Problems
from builder.read.pandoc import Fragment


# ---------------------------------------------------------------- checking and plain text


class BadAst(Exception):
    """A pandoc AST of an unexpected shape (a damaged cache entry): converted again."""


def node_content(node, kind=list):
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
            fmt, raw = node_content(node)
            if not _is_comment(raw):
                found.append((raw, _raw_message(fmt, raw)))
        elif kind == "Image":
            found.append(("![", "不支持图片：情况说明中不能插入图片（请删除，或改为文字说明）"))
        elif kind == "Math":
            found.append(("$", "不支持 LaTeX 公式，请写成文字"))
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            for child in node_content(node):
                inline(child)
        elif kind in ("Quoted",):
            for child in node_content(node)[1]:
                inline(child)
        elif kind in ("Link", "Span"):
            for child in node_content(node)[1]:
                inline(child)
        elif kind == "Cite":
            for child in node_content(node)[1]:
                inline(child)
        elif kind == "Note":
            for child in node_content(node):
                block(child)

    def block(node):
        kind = node.get("t") if isinstance(node, dict) else None
        if kind is None:
            raise BadAst("block")
        if kind in ("Para", "Plain"):
            for child in node_content(node):
                inline(child)
        elif kind == "Header":
            for child in node_content(node)[2]:
                inline(child)
        elif kind == "RawBlock":
            fmt, raw = node_content(node)
            if not _is_comment(raw):
                found.append((raw.strip().splitlines()[0] if raw.strip() else raw, _raw_message(fmt, raw)))
        elif kind == "BlockQuote":
            for child in node_content(node):
                block(child)
        elif kind == "Div":
            for child in node_content(node)[1]:
                block(child)
        elif kind == "Figure":
            found.append(("![", "不支持图片：情况说明中不能插入图片（请删除，或改为文字说明）"))
        elif kind in ("BulletList",):
            for item in node_content(node):
                for child in _blocks_of(item):
                    block(child)
        elif kind == "OrderedList":
            for item in node_content(node)[1]:
                for child in _blocks_of(item):
                    block(child)
        elif kind == "LineBlock":
            for line in node_content(node):
                for child in line:
                    inline(child)
        elif kind == "Table":
            for cell_blocks in _table_cell_blocks(node):
                for child in cell_blocks:
                    block(child)
        elif kind == "DefinitionList":
            for term, definitions in node_content(node):
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
    content = node_content(node)
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
            parts.append(node_content(node, str))
        elif kind in ("Space", "SoftBreak"):
            parts.append(" ")
        elif kind == "LineBreak":
            parts.append("\n")
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            parts.append(inline_text(node_content(node)))
        elif kind == "Quoted":
            quote = node_content(node)[0].get("t")
            open_, close = ("“", "”") if quote == "DoubleQuote" else ("‘", "’")
            parts.append(open_ + inline_text(node_content(node)[1]) + close)
        elif kind in ("Link", "Span", "Cite"):
            parts.append(inline_text(node_content(node)[1]))
        elif kind == "Code":
            parts.append(node_content(node)[1])
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
            out.append(node_content(node))
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            _notes(node_content(node), out)
        elif kind in ("Link", "Span", "Cite", "Quoted"):
            _notes(node_content(node)[1], out)


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
                para(inline_text(node_content(node)))
                _notes(node_content(node), notes)
            elif kind == "Header":
                para(inline_text(node_content(node)[2]))
                _notes(node_content(node)[2], notes)
            elif kind == "CodeBlock":
                para(node_content(node)[1])
            elif kind == "BlockQuote":
                walk(node_content(node), depth)
            elif kind == "Div":
                walk(node_content(node)[1], depth)
            elif kind == "LineBlock":
                for line in node_content(node):
                    para(inline_text(line))
            elif kind in ("BulletList", "OrderedList"):
                if kind == "OrderedList":
                    attributes, items = node_content(node)
                    start = attributes[0] if isinstance(attributes[0], int) else 1
                    markers = [ordered_marker(attributes, start + i) for i in range(len(items))]
                else:
                    items = node_content(node)
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
