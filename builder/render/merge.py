"""Vertical merges typed in the template, and the page starts an office program's save moves.

A template says "merge" with a marker a person can type and see in Word: a cell whose text
contains ``【合并】`` (after any tag, e.g. ``{{ r.level1 }}【合并】``). After rendering,
budgetdoc merges such a cell with the marked cells directly below it in the same column
(same grid column and width) that print the same text, within the group of the nearest
marked column to its left: a 二级指标 merges only with the 二级指标 of the same 一级指标 run,
so the same 二级 label under two different 一级 labels stays two cells. The marker itself is
removed; the merged cells get ``w:vMerge`` (text only in the first), as Word writes them.

Rows of a small nested merged group (up to six rows) are kept on one page (``w:keepNext``
on all but the last row's paragraphs); a table of up to 15 rows is kept on one page, and in a
longer one the last row (总分) is kept with the three rows above it.

``move_page_breaks`` runs on the template before rendering: LibreOffice saves a paragraph's
"page break before" as a page-break run at the end of the previous paragraph. When that
paragraph is a docxtpl ``{%p … %}`` paragraph (removed at rendering) the break would be lost,
so it is moved back onto the next paragraph as ``w:pageBreakBefore``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from builder.render.tracemarks import unmarked

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
MERGE_MARKER = "【合并】"
KEEP_TOGETHER_ROWS = 6  # a nested merged group of at most this many rows is kept on one page
KEEP_WITH_LAST_ROW = 3  # rows kept on the page of a table's last row (总分)
KEEP_WHOLE_TABLE_ROWS = 15  # a table (with merge markers) of at most this many rows is kept on one page

# w:pPr children in schema order (ECMA-376 CT_PPrBase): new children are inserted in order
PPR_ORDER = [
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
    "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
    "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange",
]
# w:tcPr children in schema order
TCPR_ORDER = [
    "cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar", "textDirection",
    "tcFitText", "vAlign", "hideMark", "headers", "cellIns", "cellDel", "cellMerge", "tcPrChange",
]


def _make(tag: str, attrs: dict | None = None):
    from lxml import etree

    element = etree.Element(f"{W}{tag}")
    for key, value in (attrs or {}).items():
        element.set(f"{W}{key}", value)
    return element


def insert_ordered(parent, child, order: list[str]):
    """Insert ``child`` into ``parent`` at its schema position, replacing one of the same tag."""
    local = child.tag.split("}")[1]
    for old in parent.findall(child.tag):
        parent.remove(old)
    rank = order.index(local)
    for index, existing in enumerate(parent):
        name = existing.tag.split("}")[1] if isinstance(existing.tag, str) and "}" in existing.tag else ""
        if name in order and order.index(name) > rank:
            parent.insert(index, child)
            return child
    parent.append(child)
    return child


def paragraph_properties(p):
    ppr = p.find(f"{W}pPr")
    if ppr is None:
        ppr = _make("pPr")
        p.insert(0, ppr)
    return ppr


def set_keep_next(p) -> None:
    ppr = paragraph_properties(p)
    if ppr.find(f"{W}keepNext") is None:  # keepNext comes right after pStyle, the first child
        first = ppr[0] if len(ppr) else None
        ppr.insert(1 if first is not None and first.tag == f"{W}pStyle" else 0, _make("keepNext"))


def _texts(tc) -> list:
    """The w:t nodes of a cell's own paragraphs (not of a table nested in it)."""
    return [t for p in tc.findall(f"{W}p") for t in p.iter(f"{W}t")]


def cell_text(tc) -> str:
    return "".join(t.text or "" for t in _texts(tc))


def strip_marker(tc) -> bool:
    """Remove every ``【合并】`` from the cell's text, even split across runs; True if there was one."""
    texts = _texts(tc)
    full = "".join(t.text or "" for t in texts)
    spans = [(m.start(), m.end()) for m in re.finditer(re.escape(MERGE_MARKER), full)]
    if not spans:
        return False
    offset = 0
    for t in texts:
        value = t.text or ""
        kept = "".join(ch for i, ch in enumerate(value, start=offset)
                       if not any(a <= i < b for a, b in spans))
        offset += len(value)
        if kept != value:
            t.text = kept
    return True


def _span(tc) -> int:
    node = tc.find(f"{W}tcPr/{W}gridSpan")
    try:
        return max(1, int(node.get(f"{W}val"))) if node is not None else 1
    except ValueError:
        return 1


def _set_vmerge(tc, value: str) -> None:
    tcpr = tc.find(f"{W}tcPr")
    if tcpr is None:
        tcpr = _make("tcPr")
        tc.insert(0, tcpr)
    insert_ordered(tcpr, _make("vMerge", {"val": value}), TCPR_ORDER)


def _empty(tc) -> None:
    """A continued cell: one empty paragraph (its runs removed, not blanked, so no empty lines
    move into the merged cell and push the text up)."""
    paragraphs = tc.findall(f"{W}p")
    for extra in paragraphs[1:]:
        tc.remove(extra)
    first = paragraphs[0]
    for node in list(first):
        if node.tag != f"{W}pPr":
            first.remove(node)


@dataclass
class _Run:
    ident: int
    span: int
    text: str
    parent: int | None
    last_row: int
    cells: list


def merge_marked_cells(root) -> int:
    """Apply the merge markers of every table under ``root``; returns the number of merged runs."""
    merged = 0
    for tbl in root.iter(f"{W}tbl"):
        merged += _merge_table(tbl)
    return merged


def _merge_table(tbl) -> int:
    rows = tbl.findall(f"{W}tr")
    runs: list[_Run] = []
    open_runs: dict[int, _Run] = {}
    # the cells that may hold the marker (even split across runs, one of its parts has a bracket)
    # (a set of the elements themselves: lxml keeps one proxy per element while it is referenced)
    candidates = {next(t.iterancestors(f"{W}tc"), None) for t in tbl.iter(f"{W}t")
                  if t.text and ("【" in t.text or "】" in t.text)}
    for number, tr in enumerate(rows):
        column = 0
        parent: int | None = None
        for tc in tr.findall(f"{W}tc"):
            span = _span(tc)
            start = column
            column += span
            if tc not in candidates or not strip_marker(tc):
                continue
            text = unmarked(cell_text(tc))  # a traced render merges what the plain one merges
            run = open_runs.get(start)
            if (run is not None and run.last_row == number - 1 and run.span == span and run.text == text
                    and run.parent == parent):
                run.last_row = number
                run.cells.append(tc)
            else:
                run = _Run(len(runs), span, text, parent, number, [tc])
                runs.append(run)
                open_runs[start] = run
            parent = run.ident
    merged = 0
    for run in runs:
        if len(run.cells) < 2:
            continue
        merged += 1
        _set_vmerge(run.cells[0], "restart")
        for tc in run.cells[1:]:
            _set_vmerge(tc, "continue")
            _empty(tc)
        if run.parent is not None and len(run.cells) <= KEEP_TOGETHER_ROWS:
            # a small nested group (二级 within 一级…) stays on one page; a longer one may
            # continue on the next page, under the repeated header row
            for tc in run.cells[:-1]:
                for p in tc.getparent().iter(f"{W}p"):
                    set_keep_next(p)
    # a table of a form short enough for one page stays on one page; in a longer one, the last
    # row (总分) is never alone at the top of a page: it keeps the rows above it with it
    kept = rows[:-1] if len(rows) <= KEEP_WHOLE_TABLE_ROWS else rows[-1 - KEEP_WITH_LAST_ROW:-1]
    for row in kept:
        for p in row.iter(f"{W}p"):
            set_keep_next(p)
    return merged


# ---------------------------------------------------------------- before rendering

_ROW_TAG = re.compile(r"\{%-?\s*p\s")  # a docxtpl paragraph tag: the paragraph is removed


def paragraph_text(p) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W}t"))


def move_page_breaks(body) -> int:
    """Move page breaks out of docxtpl ``{%p … %}`` paragraphs onto the next paragraph (as
    "page break before"); returns how many were moved."""
    moved = 0
    for p in list(body.iter(f"{W}p")):
        if not _ROW_TAG.search(paragraph_text(p)):
            continue
        breaks = [br for br in p.iter(f"{W}br") if br.get(f"{W}type") == "page"]
        ppr = p.find(f"{W}pPr")
        before = ppr.find(f"{W}pageBreakBefore") if ppr is not None else None
        if before is not None and before.get(f"{W}val", "true") in ("0", "false", "off"):
            before = None
        if not breaks and before is None:
            continue
        following = p.getnext()
        while following is not None and following.tag != f"{W}p":
            if following.tag == f"{W}tbl":
                break
            following = following.getnext()
        if following is None or following.tag != f"{W}p":
            continue
        for br in breaks:
            br.getparent().remove(br)
        if before is not None:
            ppr.remove(before)
        insert_ordered(paragraph_properties(following), _make("pageBreakBefore"), PPR_ORDER)
        moved += 1
    return moved


# ---------------------------------------------------------------- after rendering, on/off values

_ON_OFF = re.compile(r'(<w:\w+) w:val="(true|on|false|off)"(\s*/>)')


def normalize_on_off(xml: str) -> str:
    """LibreOffice writes on/off properties as ``<w:cantSplit w:val="true"/>``, which Microsoft's
    validator rejects: write them as Word does (no value for on, ``0`` for off)."""
    return _ON_OFF.sub(lambda m: m.group(1) + ("" if m.group(2) in ("true", "on") else ' w:val="0"') + m.group(3),
                       xml)
