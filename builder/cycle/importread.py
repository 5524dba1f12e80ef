"""Import, step 1: a built .docx read back as blocks — paragraphs and tables of cells — with the
small readers every form's importer shares (money, numbers, dates, indicator rows) and the
parsed-document records they fill.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from lxml import etree

from builder.read.docxtext import W, paragraph_text
from builder.read.safeio import UnsafeFile, read_package_part
from builder.model.values import CENT, FULLWIDTH_DIGITS, TEN_THOUSAND, ValueProblem, read_number


class ImportProblem(Exception):
    """The file cannot be imported at all (not a .docx, not a known form, output folder in use)."""


@dataclass
class ImportReport:
    files: list[Path]  # the source files written, document.yaml first
    unplaced: list[str]  # what could not be placed in the sources (Chinese, one note each)
    notes: list[str] = field(default_factory=list)  # placed, but inferred or to be checked
    kind: str = ""  # 绩效目标申报 or 绩效自评


# ---------------------------------------------------------------- reading the .docx

@dataclass
class Cell:
    lines: list[str]  # the cell's text, one entry per paragraph / line break
    col: int  # first grid column
    span: int  # gridSpan
    continued: bool = False  # continues a vertical merge: ``lines`` are the merged cell's

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def key(self) -> str:
        return label_key(self.text)

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    def covers(self, column: int) -> bool:
        return self.col <= column < self.col + self.span


@dataclass
class Table:
    rows: list[list[Cell]]


@dataclass
class Para:
    lines: list[str]  # a paragraph; a line break inside it starts a new line


_SPACE = re.compile(r"\s+")
_PUNCT = str.maketrans({
    "（": "(", "）": ")", "：": ":", "，": ",", "；": ";", "．": ".", "／": "/",
    "０": "0", "１": "1", "２": "2", "３": "3", "４": "4", "５": "5", "６": "6", "７": "7", "８": "8", "９": "9",
})


def label_key(text: str) -> str:
    """A label as compared: no whitespace, half-width punctuation, no trailing colon."""
    return _SPACE.sub("", text).translate(_PUNCT).rstrip(":")


def _lines(text: str) -> list[str]:
    return text.splitlines()


def read_blocks(path: Path) -> list[Para | Table]:
    """The body of a .docx: paragraphs and tables in document order."""
    try:
        xml = read_package_part(path)
    except FileNotFoundError:
        raise ImportProblem(f"文件不存在：{path}") from None
    except UnsafeFile as exc:
        raise ImportProblem(f"“{path.name}”{exc}") from None
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, NotImplementedError, ValueError):
        raise ImportProblem(f"“{path.name}”不是 Word .docx 文件（.doc 请先在 Word 中另存为 .docx）") from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError:
        raise ImportProblem(f"“{path.name}”的内容已损坏，无法读取") from None
    body = root.find(f"{W}body")
    if body is None:
        raise ImportProblem(f"“{path.name}”中没有正文")
    return list(_blocks(body))


def tracked_changes(path: Path) -> list[str]:
    """Unaccepted tracked changes (w:ins / w:del, w:moveTo / w:moveFrom) in the body: import takes
    every paragraph in its new form (inserted text kept, deleted text left out); one note per
    changed paragraph says which text that was."""
    try:
        root = etree.fromstring(read_package_part(path),
                                etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    except Exception:  # noqa: BLE001 - read_blocks has already reported a damaged file
        return []
    notes = []
    seen = set()
    for change in root.iter(f"{W}ins", f"{W}del", f"{W}moveTo", f"{W}moveFrom"):
        paragraph = next((a for a in change.iterancestors(f"{W}p")), None)
        if paragraph is None or id(paragraph) in seen:
            continue
        inserted = "".join(t.text or "" for c in paragraph.iter(f"{W}ins", f"{W}moveTo") for t in c.iter(f"{W}t"))
        deleted = "".join(t.text or "" for c in paragraph.iter(f"{W}del", f"{W}moveFrom")
                          for t in c.iter(f"{W}delText", f"{W}t"))
        if not inserted and not deleted:
            continue  # a revision mark without text (formatting, a paragraph mark)
        seen.add(id(paragraph))
        what = "；".join(part for part in (f"插入“{short(inserted)}”" if inserted else "",
                                          f"删除“{short(deleted)}”" if deleted else "") if part)
        notes.append(f"原文件中有未接受的修订，已按修订后的文字导入：“{short(paragraph_text(paragraph))}”（{what}）；"
                     "如不应采用，请在 Word 中拒绝该修订后重新导入，或修改源文件")
    return notes


def _blocks(parent):
    for node in parent:
        if node.tag == f"{W}p":
            yield Para(_lines(paragraph_text(node)))
        elif node.tag == f"{W}tbl":
            yield _table(node)
        elif node.tag == f"{W}sdt":
            content = node.find(f"{W}sdtContent")
            if content is not None:
                yield from _blocks(content)
        elif node.tag == f"{W}customXml":
            yield from _blocks(node)


def _row_cells(tr):
    for node in tr:
        if node.tag == f"{W}tc":
            yield node
        elif node.tag in (f"{W}sdt", f"{W}customXml"):
            content = node.find(f"{W}sdtContent") if node.tag == f"{W}sdt" else node
            if content is not None:
                yield from _row_cells(content)


def _int_attr(node, default: int) -> int:
    if node is None:
        return default
    try:
        return int(node.get(f"{W}val"))
    except (TypeError, ValueError):
        return default


def _cell_lines(tc) -> list[str]:
    lines: list[str] = []
    for node in tc:
        if node.tag == f"{W}p":
            lines.extend(_lines(paragraph_text(node)))
        elif node.tag == f"{W}tbl":  # a table inside a cell: its text, flattened
            for p in node.iter(f"{W}p"):
                lines.extend(_lines(paragraph_text(p)))
    return lines


def _table(tbl) -> Table:
    rows: list[list[Cell]] = []
    above: dict[int, list[str]] = {}
    for tr in tbl.findall(f"{W}tr"):
        column = _int_attr(tr.find(f"{W}trPr/{W}gridBefore"), 0)
        cells: list[Cell] = []
        for tc in _row_cells(tr):
            span = max(1, _int_attr(tc.find(f"{W}tcPr/{W}gridSpan"), 1))
            hmerge = tc.find(f"{W}tcPr/{W}hMerge")
            if hmerge is not None and hmerge.get(f"{W}val", "continue") == "continue" and cells:
                cells[-1].span += span  # legacy horizontal merge: part of the cell to the left
                column += span
                continue
            vmerge = tc.find(f"{W}tcPr/{W}vMerge")
            continued = vmerge is not None and vmerge.get(f"{W}val", "continue") == "continue"
            if continued:
                cells.append(Cell(list(above.get(column, [])), column, span, True))
            else:
                lines = _cell_lines(tc)
                above[column] = lines
                cells.append(Cell(lines, column, span))
            column += span
        rows.append(cells)
    return Table(rows)


# ---------------------------------------------------------------- small readers

def one_line(cell: Cell | None) -> str:
    """A one-line value (name, label, 指标值): its lines joined, each trimmed."""
    if cell is None:
        return ""
    return "".join(line.strip() for line in cell.lines)


_MONEY_UNIT = re.compile(r"^(万元|万|元)?$")
_BLANK_MARKS = ("—", "——", "-", "－", "–", "/", "无")


def parse_money_cell(text: str, factor: Decimal = Decimal(1)) -> Decimal | None:
    """A money cell: ``250,000.00``, ``25万``, ``25 万元``, ``￥250000`` → 元; blank → None.

    A plain number is taken in the unit of the table's label (``factor``:
    10000 for a 项目资金（万元） table). The number is read by ``values.read_number``,
    as every amount is. Raises ValueProblem when it is no amount.
    """
    cleaned = label_key(text).lstrip("¥￥")
    if not cleaned:
        return None
    if cleaned in _BLANK_MARKS:
        return None
    try:
        number = read_number(cleaned.translate(FULLWIDTH_DIGITS))
    except ValueProblem as problem:
        raise ValueProblem(f"金额“{text.strip()}”无法识别（{problem}）") from None
    unit = _MONEY_UNIT.match(number[2]) if number else None
    if not unit:
        raise ValueProblem(f"金额“{text.strip()}”无法识别")
    amount = number[1]
    if unit.group(1) in ("万", "万元"):
        amount *= TEN_THOUSAND
    elif unit.group(1) is None:
        amount *= factor
    if amount != amount.quantize(CENT):
        raise ValueProblem(f"金额“{text.strip()}”超出了分的精度")
    return amount.quantize(CENT)


def parse_number(text: str) -> Decimal | None:
    """A 分值/得分 cell: a plain number, or None when blank or no number."""
    cleaned = label_key(text).rstrip("分")
    if not cleaned or cleaned in _BLANK_MARKS:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueProblem(f"“{text.strip()}”不是数字") from None
    if not number.is_finite() or number < 0:
        raise ValueProblem(f"“{text.strip()}”不是数字")
    return number


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(text: str) -> dt.date | None:
    cleaned = label_key(text)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(cleaned)
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                return None
    return None


def short(text: str, limit: int = 40) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def row_preview(row: list[Cell]) -> str:
    return " | ".join(short(one_line(c), 30) for c in row if not c.continued and not c.blank)
