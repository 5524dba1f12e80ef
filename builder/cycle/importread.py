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

from builder.model import core as m
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


def paragraphs_of(cell: Cell | None) -> list[str]:
    """A text cell as paragraphs: one per non-empty line, trimmed (as the loader reads a text)."""
    if cell is None:
        return []
    return [line.strip() for line in cell.lines if line.strip()]


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


def has_label(table: Table, label: str) -> bool:
    return any(c.key == label for row in table.rows for c in row)


def map_cells(row: list[Cell], header: list[tuple[str | None, int]]) -> dict[str, Cell]:
    """The cells of a data row by role, from the header's roles (by position, else by grid column)."""
    if len(row) == len(header):
        return {role: cell for (role, _), cell in zip(header, row) if role}
    mapped = {}
    for role, column in header:
        if role:
            cell = next((c for c in row if c.covers(column)), None)
            if cell is not None:
                mapped[role] = cell
    return mapped


def _no_label_column(header: list[tuple[str | None, int]]) -> bool:
    """A block typed without its left label column: the header's first cell has a role."""
    return bool(header) and header[0][0] is not None


def text_cells(row: list[Cell], header: list[tuple[str | None, int]]) -> list[Cell]:
    """The fresh cells of a goal row, without the block's left label column."""
    label_col = header[0][1] if header and header[0][0] is None else None
    return [c for c in row if not c.continued and c.col != label_col]


def _level_names(l1_text: str, l2_text: str) -> tuple[str | None, str | None, str]:
    """一级/二级 labels checked against the framework: (一级, 二级, problem)."""
    from builder.forms.formdef import shipped_form

    framework = shipped_form(m.TARGET_KIND).framework_map
    k1, k2 = label_key(l1_text), label_key(l2_text)
    l1 = k1 if k1 in framework else (k1 + "指标" if k1 + "指标" in framework else None)
    if l1 is None:
        return None, None, f"一级指标“{l1_text.strip() or '（空）'}”不在指标框架中"
    allowed = framework[l1]
    l2 = k2 if k2 in allowed else (k2 + "指标" if k2 + "指标" in allowed else None)
    if l2 is None:
        return l1, None, f"二级指标“{l2_text.strip() or '（空）'}”不是“{l1}”下的二级指标"
    return l1, l2, ""


class _Indicators:
    """The 绩效指标 rows of a form: 一级/二级 resolved from merges or blanks above."""

    def __init__(self, where: str, unplaced: list[str], notes: list[str]):
        self.where, self.unplaced, self.notes = where, unplaced, notes
        self.rows: list[tuple[str, str, str, dict]] = []
        self.previous = ("", "")
        self.seen: set[tuple[str, str, str]] = set()
        self.groups: list[tuple[str, str]] = []
        self.last_group: tuple[str, str] | None = None

    def add(self, number: int, l1_cell: Cell | None, l2_cell: Cell | None, name: str, payload: dict,
            row: list[Cell]) -> None:
        l1_text = one_line(l1_cell) if l1_cell is not None and not l1_cell.blank else ""
        l2_text = one_line(l2_cell) if l2_cell is not None and not l2_cell.blank else ""
        if not l1_text:
            l1_text = self.previous[0]
            if not l2_text:
                l2_text = self.previous[1]
        elif not l2_text and label_key(l1_text) == label_key(self.previous[0]):
            l2_text = self.previous[1]
        self.previous = (l1_text, l2_text)
        l1, l2, problem = _level_names(l1_text, l2_text)
        if problem:
            self.unplaced.append(f"{self.where} 第 {number} 行：{problem}，该指标未导入：{row_preview(row)}")
            return
        if (l1, l2, name) in self.seen:
            self.unplaced.append(f"{self.where} 第 {number} 行：指标“{l1}/{l2}/{name}”重复出现，后一行未导入：{row_preview(row)}")
            return
        self.seen.add((l1, l2, name))
        group = (l1, l2)
        if group in self.groups and self.last_group != group:
            self.notes.append(f"{self.where} 第 {number} 行：“{l1}/{l2}”的指标不相邻，源文件中归入同一组（生成时顺序会改变）")
        if group not in self.groups:
            self.groups.append(group)
        self.last_group = group
        self.rows.append((l1, l2, name, payload))


# ---------------------------------------------------------------- parsed documents

@dataclass
class TargetProject:
    where: str
    fields: dict = field(default_factory=dict)  # 项目名称 … 计划完成日期
    left: dict = field(default_factory=dict)  # 项目资金总额: 合计/财政资金/其他资金 → Decimal | None
    right: dict = field(default_factory=dict)  # 年度资金申请总额: 合计/当年财政拨款/上年结转资金/其他资金
    total_goal: list[str] | None = None
    annual_goal: list[str] | None = None
    goal_seen: bool = False
    indicators: list = field(default_factory=list)  # (一级, 二级, 三级, 指标值)
    sections: dict[str, list[str]] = field(default_factory=dict)
    number: int | None = None


@dataclass
class EvaluationProject:
    where: str
    fields: dict = field(default_factory=dict)  # 项目名称, 主管部门, 实施单位
    is_part: bool = False
    funds: dict = field(default_factory=dict)  # 年度资金总额 … → [initial, budget, spent]
    execution_weight: Decimal | None = None
    printed_execution: dict = field(default_factory=dict)  # 执行率, 得分 as printed
    printed_total: dict = field(default_factory=dict)  # 总分 row: 分值, 得分
    expected: list[str] = field(default_factory=list)
    achieved: list[str] = field(default_factory=list)
    indicators: list = field(default_factory=list)  # (一级, 二级, 三级, {指标值, 实际完成值, 分值, 得分, 偏差…})
    parts: list[str] = field(default_factory=list)  # stems, for a parent whose parts follow it
    stem: str = ""


@dataclass
class ParsedDocument:
    kind: str
    year: int | None = None
    unit: str | None = None
    values: dict = field(default_factory=dict)  # document fields read (导入.概述: 预算单位数)
    projects: list = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def block_label(key: str, label: str) -> bool:
    """The left label column of a block: "项目资金（元）", "项目绩效目标", "绩效指标"."""
    return key.startswith(label)


class Form:
    """One project's form, fed table by table; what it cannot place goes to ``unplaced``."""

    def __init__(self, project, unplaced: list[str], notes: list[str]):
        self.p, self.unplaced, self.notes = project, unplaced, notes
        self.mode = None
        self.row_number = 0
        self.factor = Decimal(1)
        self.goal_header: list[tuple[str | None, int]] = []
        self.ind_header: list[tuple[str | None, int]] = []
        self.indicators = _Indicators(project.where, unplaced, notes)

    def feed(self, table: Table) -> None:
        for row in table.rows:
            self.row_number += 1
            self.row(row)

    def fail(self, row: list[Cell], why: str = "无法识别") -> None:
        self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行{why}，未导入：{row_preview(row)}")

    def block_row(self, row: list[Cell], fresh: list[Cell], goal_label: str) -> None:
        """A row inside the goal or indicator block (its left label merged, blank or absent)."""
        if all(c.blank for c in fresh):
            return
        first = row[0]
        if self.mode == "goal" and (first.blank or block_label(first.key, goal_label) or
                                    _no_label_column(self.goal_header)):
            return self.goal_row(row)
        if self.mode == "indicators" and (first.blank or block_label(first.key, "绩效指标") or
                                          _no_label_column(self.ind_header)):
            return self.indicator_row(row)
        self.fail(row)

    def named_value(self, row: list[Cell], cells: dict, value_role: str, value_label: str):
        """(三级指标, 指标值) of an indicator row, or None (reported unless the row is empty)."""
        name, value = one_line(cells.get("name")), one_line(cells.get(value_role))
        if not name and not value:
            if any(not c.blank and not c.continued for c in row[1:]):
                self.fail(row, "（没有三级指标）")
            return None
        if not name:
            self.fail(row, "（没有三级指标名称）")
            return None
        if not value:
            self.fail(row, f"（指标“{name}”没有{value_label}）")
            return None
        return name, value

    def row(self, row: list[Cell]) -> None:  # pragma: no cover - each form reads its own rows
        raise NotImplementedError


_DATE_PARTS = ("年", "月", "日")


def joined_dates(scope: dict) -> dict:
    """``X.年``, ``X.月`` (``X.日``) printed apart: one date ``X`` (the 1st when no day is printed)."""
    parts: dict = {}
    for expr in list(scope):
        head, _, last = expr.rpartition(".")
        if last in _DATE_PARTS and head:
            parts.setdefault(head, {})[last] = str(scope[expr]).strip()
    for head, found in parts.items():
        if {"年", "月"} <= set(found) and all(v.isdigit() for v in found.values()):
            try:
                date = dt.date(int(found["年"]), int(found["月"]), int(found.get("日", 1)))
            except ValueError:
                continue
            for last in found:
                scope.pop(f"{head}.{last}")
            scope.setdefault(head, date)
        elif any(f"{head}.{whole}" in scope for whole in ("中文", "文字")):  # a part of a date printed whole too
            for last in found:
                scope.pop(f"{head}.{last}")
    return scope
