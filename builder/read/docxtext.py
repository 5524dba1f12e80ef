"""Read a built .docx back as text: paragraphs and table rows, in document order.

Used by ``budgetdoc totext`` (stable text for git diffs) and by the tests that
compare built documents with the seeds. A merged cell is shown once: a cell
that continues a vertical merge is empty in ``cells`` and carries the merged
text in ``resolved``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from builder.read.safeio import read_package_part

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = ""


@dataclass(frozen=True)
class TableRow:
    cells: tuple[str, ...]  # as printed; a continued merge is ""
    resolved: tuple[str, ...]  # continued merges filled in from above
    spans: tuple[int, ...]  # gridSpan of each cell


def paragraph_text(p) -> str:
    parts = []
    for node in p.iter(f"{W}t", f"{W}tab", f"{W}br"):
        if node.tag == f"{W}t":
            parts.append(node.text or "")
        elif node.tag == f"{W}tab":
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _style(p) -> str:
    node = p.find(f"{W}pPr/{W}pStyle")
    return node.get(f"{W}val") if node is not None else ""


def read_items(path: Path | str) -> list[Paragraph | TableRow]:
    root = etree.fromstring(read_package_part(path),
                            etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    body = root.find(f"{W}body")
    items: list[Paragraph | TableRow] = []
    for node in body:
        if node.tag == f"{W}p":
            items.append(Paragraph(paragraph_text(node), _style(node)))
        elif node.tag == f"{W}tbl":
            items.extend(_table_rows(node))
    return items


def _table_rows(tbl) -> list[TableRow]:
    rows = []
    above: dict[int, str] = {}
    for tr in tbl.findall(f"{W}tr"):
        cells, resolved, spans = [], [], []
        column = 0
        for tc in tr.findall(f"{W}tc"):
            span_node = tc.find(f"{W}tcPr/{W}gridSpan")
            span = int(span_node.get(f"{W}val")) if span_node is not None else 1
            merge = tc.find(f"{W}tcPr/{W}vMerge")
            text = cell_text(tc)
            continued = merge is not None and merge.get(f"{W}val", "continue") == "continue"
            if continued:
                cells.append("")
                resolved.append(above.get(column, ""))
            else:
                cells.append(text)
                resolved.append(text)
                above[column] = text
            spans.append(span)
            column += span
        rows.append(TableRow(tuple(cells), tuple(resolved), tuple(spans)))
    return rows


def cell_text(tc) -> str:
    """A cell's paragraphs, one a line; a table inside the cell (a Markdown table in a narrative
    cell) a line per row, its cells separated by spaces."""
    lines = []
    for node in tc:
        if node.tag == f"{W}p":
            lines.append(paragraph_text(node))
        elif node.tag == f"{W}tbl":
            lines.extend(" ".join(cell_text(c).replace("\n", " ") for c in tr.findall(f"{W}tc"))
                         for tr in node.findall(f"{W}tr"))
    return "\n".join(lines)


def footnotes(path: Path | str) -> list[str]:
    """The footnotes' texts in order (Markdown narratives' ``[^1]``), none when there is no such part."""
    try:
        data = read_package_part(path, "word/footnotes.xml")
    except KeyError:
        return []
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    notes = []
    for note in root.findall(f"{W}footnote"):
        if note.get(f"{W}type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        notes.append(" ".join(paragraph_text(p).strip() for p in note.iter(f"{W}p")).strip())
    return notes


def to_text(path: Path | str) -> str:
    """One line per paragraph, ``| a | b |`` per table row (merged cells once), then the footnotes."""
    lines = []
    for item in read_items(path):
        if isinstance(item, Paragraph):
            lines.append(item.text.replace("\n", " "))
        else:
            lines.append("| " + " | ".join(c.replace("\n", " ⏎ ") for c in item.cells) + " |")
    for number, note in enumerate(footnotes(path), start=1):
        lines.append(f"[注{number}] {note}")
    return "\n".join(lines) + "\n"
