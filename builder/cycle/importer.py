"""Import: a 绩效目标申报 or 绩效自评 .docx back into source files (docs/sources.md).

``budgetdoc import FILE.docx --out sources/<folder>`` reads a document laid out
like the official forms — one built by budgetdoc, or one typed by hand in Word
with the same tables — and writes ``document.yaml`` and one ``NN-<项目名称>.yaml``
per project. Labels are matched after removing whitespace and unifying
full-/half-width punctuation, so "项目\\n名称" and "项目资金(元)" are recognised;
vertically merged 一级/二级 cells (and cells simply left blank below a label)
are resolved from above. Whatever cannot be placed is listed in
``ImportReport.unplaced``; what was placed but needs a look (inferred values,
figures the builder recomputes) in ``ImportReport.notes``.

Round trip: build → import → build gives the same document text.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree

from builder.model import core as m
from builder.review.docxtext import W, paragraph_text
from builder.read.safeio import UnsafeFile, read_package_part
from builder.cycle.writer import dump, flow, indicator_tree, money, score, text_block
from builder.model.values import (
    CENT, FULLWIDTH_DIGITS, TEN_THOUSAND, ValueProblem, format_score, format_wan, format_wan_short, parse_indicator_value,
    read_number,
)

__all__ = ["ImportProblem", "ImportReport", "import_docx"]


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
        what = "；".join(part for part in (f"插入“{_short(inserted)}”" if inserted else "",
                                          f"删除“{_short(deleted)}”" if deleted else "") if part)
        notes.append(f"原文件中有未接受的修订，已按修订后的文字导入：“{_short(paragraph_text(paragraph))}”（{what}）；"
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


def _short(text: str, limit: int = 40) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def _row_preview(row: list[Cell]) -> str:
    return " | ".join(_short(one_line(c), 30) for c in row if not c.continued and not c.blank)


def _has_label(table: Table, label: str) -> bool:
    return any(c.key == label for row in table.rows for c in row)


def _map_cells(row: list[Cell], header: list[tuple[str | None, int]]) -> dict[str, Cell]:
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


def _text_cells(row: list[Cell], header: list[tuple[str | None, int]]) -> list[Cell]:
    """The fresh cells of a goal row, without the block's left label column."""
    label_col = header[0][1] if header and header[0][0] is None else None
    return [c for c in row if not c.continued and c.col != label_col]


def _level_names(l1_text: str, l2_text: str) -> tuple[str | None, str | None, str]:
    """一级/二级 labels checked against the framework: (一级, 二级, problem)."""
    k1, k2 = label_key(l1_text), label_key(l2_text)
    l1 = k1 if k1 in m.FRAMEWORK else (k1 + "指标" if k1 + "指标" in m.FRAMEWORK else None)
    if l1 is None:
        return None, None, f"一级指标“{l1_text.strip() or '（空）'}”不在指标框架中"
    allowed = m.FRAMEWORK[l1]
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
            self.unplaced.append(f"{self.where} 第 {number} 行：{problem}，该指标未导入：{_row_preview(row)}")
            return
        if (l1, l2, name) in self.seen:
            self.unplaced.append(f"{self.where} 第 {number} 行：指标“{l1}/{l2}/{name}”重复出现，后一行未导入：{_row_preview(row)}")
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
    budget_units: int | None = None
    projects: list = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- 绩效目标申报

SECTION_NAMES = ("项目概述", "立项依据", "实施主体", "实施方案", "实施周期", "年度预算安排", "绩效目标")
_SECTION = re.compile(
    r"^\s*([一二三四五六七])\s*[、.．,，]?\s*(" + "|".join(SECTION_NAMES) + r")\s*[:：]?\s*(.*)$", re.S
)
_NARRATIVE_HEAD = re.compile(r"^项目经费情况说明(\d*)$")
_TARGET_FORM_HEAD = re.compile(r"^(.*?)财政(?:项目支出|支出项目)绩效目标申报表(\d*)$")
_YEAR_SUBTITLE = re.compile(r"^\((\d{4})年度?\)$")
_UNIT_YEAR = re.compile(r"^(.+?)\s*(\d{4})\s*年度?$")

TARGET_LABELS = ("项目名称", "项目性质", "项目类别", "主管部门", "实施单位", "计划开始日期", "计划完成日期")
# a 项目资金 label (其中： removed) → (column, key); 其他资金 is on both sides
TARGET_FUND_LABELS = {
    "项目资金总额": ("left", "合计"), "财政资金": ("left", "财政资金"),
    "年度资金申请总额": ("right", "合计"), "当年财政拨款": ("right", "当年财政拨款"),
    "上年结转资金": ("right", "上年结转资金"), "其他资金": (None, "其他资金"),
}


def _fund_label(key: str) -> str | None:
    key = key.removeprefix("其中:").removeprefix("其中")
    key = re.sub(r"\((万?元)\)$", "", key)
    return key if key in TARGET_FUND_LABELS else None


def _block_label(key: str, label: str) -> bool:
    """The left label column of a block: "项目资金（元）", "项目绩效目标", "绩效指标"."""
    return key.startswith(label)


class _Form:
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
        self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行{why}，未导入：{_row_preview(row)}")

    def block_row(self, row: list[Cell], fresh: list[Cell], goal_label: str) -> None:
        """A row inside the goal or indicator block (its left label merged, blank or absent)."""
        if all(c.blank for c in fresh):
            return
        first = row[0]
        if self.mode == "goal" and (first.blank or _block_label(first.key, goal_label) or
                                    _no_label_column(self.goal_header)):
            return self.goal_row(row)
        if self.mode == "indicators" and (first.blank or _block_label(first.key, "绩效指标") or
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


class _TargetForm(_Form):
    """One 财政项目支出绩效目标申报表 (possibly continued in a following table)."""

    def __init__(self, project: TargetProject, unplaced: list[str], notes: list[str]):
        super().__init__(project, unplaced, notes)
        self.right_col: int | None = None

    def row(self, row: list[Cell]) -> None:
        if not row:
            return
        fresh = [c for c in row if not c.continued]
        keys = [c.key for c in fresh]
        first = row[0]
        if self.mode in ("goal", "indicators") and first.continued:
            return self.goal_row(row) if self.mode == "goal" else self.indicator_row(row)
        if any(k in TARGET_LABELS for k in keys):
            self.mode = None
            return self.pairs(fresh, row)
        if any(_fund_label(k) for k in keys):
            self.mode = "funds"
            return self.funds_row(fresh, row)
        if "一级指标" in keys:
            self.mode = "indicators"
            self.ind_header = [(self.indicator_role(c.key), c.col) for c in row]
            return
        if any(k.startswith("项目总目标") or k.startswith("年度总体目标") for k in keys):
            self.mode = "goal"
            self.p.goal_seen = True
            self.goal_header = [
                ("total" if c.key.startswith("项目总目标") else "annual" if c.key.startswith("年度总体目标") else None,
                 c.col) for c in row
            ]
            return
        self.block_row(row, fresh, "项目绩效目标")

    @staticmethod
    def indicator_role(key: str) -> str | None:
        if key == "一级指标":
            return "l1"
        if key == "二级指标":
            return "l2"
        if key == "三级指标":
            return "name"
        if "指标值" in key:
            return "value"
        return None

    def pairs(self, fresh: list[Cell], row: list[Cell]) -> None:
        leftovers = []
        i = 0
        while i < len(fresh):
            cell = fresh[i]
            if cell.key in TARGET_LABELS:
                value = fresh[i + 1] if i + 1 < len(fresh) and fresh[i + 1].key not in TARGET_LABELS else None
                self.set_field(cell.key, value, row)
                i += 2 if value is not None else 1
            else:
                if not cell.blank:
                    leftovers.append(cell)
                i += 1
        for cell in leftovers:
            self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：“{_short(cell.text)}”无法归入任何一栏，未导入")

    def set_field(self, label: str, cell: Cell | None, row: list[Cell]) -> None:
        if label in self.p.fields:
            self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：“{label}”重复出现，未导入：{_short(one_line(cell))}")
            return
        text = one_line(cell)
        if label in ("计划开始日期", "计划完成日期"):
            date = parse_date(text)
            if date is None:
                self.unplaced.append(f"{self.p.where}：{label}“{text}”无法识别为日期，未导入（应写成 2025-01-01）")
                return
            self.p.fields[label] = date
            return
        if not text:
            self.notes.append(f"{self.p.where}：{label}一栏为空")
            return
        self.p.fields[label] = text

    def funds_row(self, fresh: list[Cell], row: list[Cell]) -> None:
        cells = list(fresh)
        if cells and not _fund_label(cells[0].key) and _block_label(cells[0].key, "项目资金"):
            if "万元" in cells[0].key:
                self.factor = TEN_THOUSAND
            cells = cells[1:]
        labels = [c for c in cells if _fund_label(c.key)]
        others = [c for c in labels if _fund_label(c.key) == "其他资金"]
        i = 0
        while i < len(cells):
            cell = cells[i]
            label = _fund_label(cell.key)
            if not label:
                if not cell.blank:
                    self.unplaced.append(
                        f"{self.p.where} 第 {self.row_number} 行：项目资金中的“{_short(cell.text)}”无法归入任何一栏，未导入")
                i += 1
                continue
            value = cells[i + 1] if i + 1 < len(cells) and not _fund_label(cells[i + 1].key) else None
            i += 2 if value is not None else 1
            side, key = TARGET_FUND_LABELS[label]
            if label == "年度资金申请总额":
                self.right_col = cell.col
            if side is None:  # 其他资金: left or right column
                if self.right_col is not None:
                    side = "right" if cell.col >= self.right_col else "left"
                elif len(others) > 1:
                    side = "left" if cell is others[0] else "right"
                else:
                    side = "left" if "其他资金" not in self.p.left else "right"
            target = self.p.left if side == "left" else self.p.right
            title = "项目资金总额" if side == "left" else "年度资金申请总额"
            if key in target:
                self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：{title}.{key} 重复出现，未导入")
                continue
            try:
                target[key] = parse_money_cell(value.text if value is not None else "", self.factor)
            except ValueProblem as exc:
                self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：{title}.{key}：{exc}，未导入")

    def goal_row(self, row: list[Cell]) -> None:
        cells = _text_cells(row, self.goal_header)
        header = dict((role, col) for role, col in self.goal_header if role)
        if len(cells) == 1 and header:
            cell = cells[0]
            spans_both = "annual" not in header or (cell.covers(header.get("total", cell.col)) and
                                                    cell.covers(header["annual"]))
            if spans_both or len(self.goal_header) != len(row):
                self._append_goal("total", paragraphs_of(cell))
                return
        mapped = _map_cells(row, self.goal_header) if self.goal_header else {}
        if not mapped:
            mapped = dict(zip(("total", "annual"), cells))
        placed = {id(c) for c in mapped.values()}
        for role in ("total", "annual"):
            if role in mapped and not mapped[role].continued:
                self._append_goal(role, paragraphs_of(mapped[role]))
        for cell in cells:
            if id(cell) not in placed and not cell.blank:
                self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：目标栏外的文字未导入：{_short(cell.text)}")

    def _append_goal(self, role: str, lines: list[str]) -> None:
        if role == "total":
            self.p.total_goal = (self.p.total_goal or []) + lines
        else:
            self.p.annual_goal = (self.p.annual_goal or []) + lines

    def indicator_row(self, row: list[Cell]) -> None:
        cells = _map_cells(row, self.ind_header)
        named = self.named_value(row, cells, "value", "指标值")
        if named is None:
            return
        name, value = named
        try:
            parse_indicator_value(value)
        except ValueProblem as exc:
            self.notes.append(f"{self.p.where} 第 {self.row_number} 行：{exc}（已照录，请在源文件中修改）")
        self.indicators.add(self.row_number, cells.get("l1"), cells.get("l2"), name, {"指标值": value}, row)

    def finish(self) -> None:
        self.p.indicators = self.indicators.rows


@dataclass
class _Narrative:
    number: int | None
    sections: dict[str, list[str]] = field(default_factory=dict)
    used: bool = False


class _TargetReader:
    def __init__(self, blocks: list[Para | Table]):
        self.blocks = blocks
        self.doc = ParsedDocument(m.TARGET_KIND)
        self.narratives: list[_Narrative] = []
        self.forms: list[tuple[int | None, _TargetForm]] = []
        self.subtitle_years: set[int] = set()
        self.summary: dict = {}

    def read(self) -> ParsedDocument:
        doc = self.doc
        state, narrative, section = "front", None, None
        form_number: int | None = None
        last_form: _TargetForm | None = None
        for block in self.blocks:
            if isinstance(block, Table):
                if _has_label(block, "项目名称"):
                    where = f"申报表 {len(self.forms) + 1}"
                    form = _TargetForm(TargetProject(where, number=form_number), doc.unplaced, doc.notes)
                    form.feed(block)
                    self.forms.append((form_number, form))
                    last_form, form_number, state, section = form, None, "after_form", None
                elif last_form is not None and state == "after_form":
                    last_form.feed(block)  # the form continued in a second table
                else:
                    doc.unplaced.append(f"无法识别的表格，未导入：{_table_preview(block)}")
                continue
            for line in block.lines:
                key = label_key(line)
                if not key:
                    continue
                head = _NARRATIVE_HEAD.match(key)
                if head:
                    narrative = _Narrative(int(head[1]) if head[1] else None)
                    self.narratives.append(narrative)
                    state, section = "narrative", None
                    continue
                title = _TARGET_FORM_HEAD.match(key)
                if title and title[1] and state != "front":
                    title = None  # "详见财政项目支出绩效目标申报表": text, not a heading
                if title and not title[1] and (title[2] or state != "front"):
                    form_number = int(title[2]) if title[2] else None
                    state, section = "form_title", None
                    continue
                subtitle = _YEAR_SUBTITLE.match(key)
                if subtitle:
                    self.subtitle_years.add(int(subtitle[1]))
                    continue
                if state == "front":
                    self.front(line, key, title)
                    continue
                if state == "narrative":
                    found = _SECTION.match(line)
                    if found:
                        section = found[2]
                        if section in narrative.sections:
                            doc.notes.append(f"项目经费情况说明 {narrative.number or ''}：“{section}”出现两次，内容合并")
                        narrative.sections.setdefault(section, [])
                        rest = found[3].strip()
                        if rest:
                            narrative.sections[section].append(rest)
                        continue
                    if section:
                        narrative.sections[section].append(line.strip())
                        continue
                    doc.unplaced.append(f"项目经费情况说明 {narrative.number or ''} 中标题之前的文字未导入：“{_short(line)}”")
                    continue
                doc.unplaced.append(f"表格之外的文字未导入：“{_short(line)}”")
        self.finish()
        return doc

    def front(self, line: str, key: str, title) -> None:
        doc = self.doc
        if title:
            found = _UNIT_YEAR.match(title[1]) if title[1] else None
            if found and doc.unit is None:
                doc.unit, doc.year = found[1].strip(), int(found[2])
            return
        if key == "绩效目标设置情况":
            return
        if "本部门" in key and "预算单位" in key:
            units = re.search(r"本部门(\d+)个预算单位", key)
            count = re.search(r"编报绩效目标的项目(\d+)个", key)
            money = re.search(r"涉及项目预算资金([0-9][0-9,]*(?:\.[0-9]+)?)万元", key)
            if units:
                doc.budget_units = int(units[1])
            self.summary = {"项目数": int(count[1]) if count else None,
                            "万元": money[1].replace(",", "") if money else None}
            return
        found = _UNIT_YEAR.match(line.strip())
        if found and doc.unit is None:
            doc.unit, doc.year = found[1].strip(), int(found[2])
            return
        doc.unplaced.append(f"标题部分的文字未导入：“{_short(line)}”")

    def finish(self) -> None:
        doc = self.doc
        numbered = all(n is not None for n, _ in self.forms) and all(n.number is not None for n in self.narratives)
        for number, form in self.forms:
            form.finish()
            project = form.p
            candidates = [n for n in self.narratives if not n.used]
            match = None
            if numbered:
                match = next((n for n in candidates if n.number == number), None)
            if match is None and candidates and not numbered:
                match = candidates[0]
            if match is None:
                doc.notes.append(f"{project.where}（{project.fields.get('项目名称', '')}）没有对应的项目经费情况说明")
            else:
                match.used = True
                project.sections = match.sections
            doc.projects.append(project)
        for narrative in self.narratives:
            if not narrative.used:
                doc.unplaced.append(f"项目经费情况说明 {narrative.number or ''} 没有对应的申报表，未导入")
        if not doc.projects:
            doc.notes.append("文档中没有找到申报表（带“项目名称”的表格）")
        for project in doc.projects:
            self.check_project(project)
        if doc.year is None and self.subtitle_years:
            doc.year = min(self.subtitle_years)
            doc.notes.append(f"标题中没有年度，取表格标题中的 {doc.year} 年度")
        elif doc.year is not None and self.subtitle_years - {doc.year}:
            others = "、".join(str(y) for y in sorted(self.subtitle_years - {doc.year}))
            doc.notes.append(f"表格标题中的年度 {others} 与文档年度 {doc.year} 不同（生成时统一印为 {doc.year}）")
        if doc.unit is None and doc.projects and doc.projects[0].fields.get("主管部门"):
            doc.unit = doc.projects[0].fields["主管部门"]
            doc.notes.append(f"标题中没有单位名称，取第一个项目的主管部门“{doc.unit}”，请核对")
        self.check_summary()

    def check_project(self, project: TargetProject) -> None:
        notes = self.doc.notes
        name = project.fields.get("项目名称", project.where)
        for label in TARGET_LABELS:
            if label not in project.fields:
                notes.append(f"{project.where}（{name}）：没有找到“{label}”，源文件中缺此项")
        if project.sections or any(n.used for n in self.narratives):
            for section in SECTION_NAMES[:-1]:
                if not project.sections.get(section):
                    notes.append(f"{project.where}（{name}）：项目经费情况说明中没有找到“{section}”，源文件中缺此项")
        for side, title in (("left", "项目资金总额"), ("right", "年度资金申请总额")):
            values = project.left if side == "left" else project.right
            if values.get("合计") is None:
                notes.append(f"{project.where}（{name}）：{title}一格为空或未找到，生成时由各项相加")
        if project.total_goal is None:
            notes.append(f"{project.where}（{name}）：没有找到项目总目标，源文件中缺此项")
        if not project.indicators:
            notes.append(f"{project.where}（{name}）：没有找到绩效指标")

    def check_summary(self) -> None:
        doc, summary = self.doc, self.summary
        if not summary:
            return
        if summary.get("项目数") is not None and summary["项目数"] != len(doc.projects):
            doc.notes.append(f"绩效目标设置情况写的项目数 {summary['项目数']} 与申报表个数 {len(doc.projects)} 不同（生成时按申报表计算）")
        if summary.get("万元") is not None:
            total = sum((p.right.get("合计") or Decimal(0) for p in doc.projects), Decimal(0))
            if Decimal(summary["万元"]) != Decimal(format_wan(total)):
                doc.notes.append(f"绩效目标设置情况写的项目预算资金 {summary['万元']} 万元与各项目年度资金申请总额之和"
                                 f" {format_wan(total)} 万元不同（生成时按各项目计算）")


def _table_preview(table: Table) -> str:
    rows = [_row_preview(row) for row in table.rows[:2]]
    return " / ".join(r for r in rows if r) or "（空表）"


# structured 年度预算安排: "（N）<名称> <金额> 万元。<说明>" as the template prints it
_BUDGET_ITEM = re.compile(r"^（(\d+)）(.+?) (\d+(?:\.\d+)?) 万元。(.*)$", re.S)
_NUMBERED = re.compile(r"^[（(]\d+[)）]")


def structured_budget(lines: list[str], annual: Decimal | None):
    """(lead, items) when the lines are exactly a printed structured plan adding up to ``annual``."""
    first = next((i for i, line in enumerate(lines) if _NUMBERED.match(line)), None)
    if first is None or annual is None:
        return None
    lead, rest = lines[:first], lines[first:]
    items = []
    for number, line in enumerate(rest, start=1):
        found = _BUDGET_ITEM.match(line)
        if not found or int(found[1]) != number:
            return None
        name, amount, note = found[2].strip(), Decimal(found[3]) * TEN_THOUSAND, found[4].strip()
        if not name or amount != amount.quantize(CENT):
            return None
        if f"（{number}）{name} {format_wan_short(amount)} 万元。{note}" != line:
            return None
        items.append((name, amount.quantize(CENT), note))
    if sum((a for _, a, _ in items), Decimal(0)) != annual:
        return None
    return lead, items


# ---------------------------------------------------------------- 绩效自评

EVALUATION_LABELS = ("项目名称", "主管部门", "实施单位")
EVALUATION_ROWS = ("年度资金总额", "当年财政拨款", "上年结转资金", "其他资金")
_PART_SUFFIX = re.compile(r"\s*[（(]\s*二级构成\s*[)）]\s*$")
_EVALUATION_TITLE = re.compile(r"^(.*?)财政项目支出绩效自评表$")


def _evaluation_row_label(key: str) -> str | None:
    key = key.removeprefix("其中:").removeprefix("其中")
    return key if key in EVALUATION_ROWS else None


class _EvaluationForm(_Form):
    def __init__(self, project: EvaluationProject, unplaced: list[str], notes: list[str]):
        super().__init__(project, unplaced, notes)
        self.funds_header: list[tuple[str | None, int]] = []

    def row(self, row: list[Cell]) -> None:
        if not row:
            return
        fresh = [c for c in row if not c.continued]
        keys = [c.key for c in fresh]
        first = row[0]
        if self.mode in ("goal", "indicators") and first.continued:
            return self.goal_row(row) if self.mode == "goal" else self.indicator_row(row)
        if any(k in EVALUATION_LABELS for k in keys):
            self.mode = None
            return self.pairs(fresh)
        if "年初预算数" in keys or "全年预算数" in keys:
            self.mode = "funds"
            if _block_label(first.key, "项目资金") and "万元" in first.key:
                self.factor = TEN_THOUSAND
            self.funds_header = [(self.funds_role(c.key), c.col) for c in row]
            return
        if any(_evaluation_row_label(k) for k in keys):
            self.mode = "funds"
            return self.funds_row(row)
        if "一级指标" in keys:
            self.mode = "indicators"
            self.ind_header = [(self.indicator_role(c.key), c.col) for c in row]
            return
        if "预期目标" in keys or "实际完成情况" in keys:
            self.mode = "goal"
            self.goal_header = [
                ("expected" if c.key == "预期目标" else "achieved" if c.key == "实际完成情况" else None, c.col)
                for c in row
            ]
            return
        if keys and keys[0] == "总分":
            self.mode = None
            return self.total_row(fresh[1:])
        self.block_row(row, fresh, "年度总体目标")

    @staticmethod
    def funds_role(key: str) -> str | None:
        return {"年初预算数": "initial", "全年预算数": "budget", "全年执行数": "spent", "分值": "weight",
                "执行率": "rate", "得分": "score"}.get(key)

    @staticmethod
    def indicator_role(key: str) -> str | None:
        roles = {"一级指标": "l1", "二级指标": "l2", "三级指标": "name", "实际完成值": "actual", "分值": "weight",
                 "得分": "score"}
        if key in roles:
            return roles[key]
        if "指标值" in key:
            return "target"
        if key.startswith("偏差"):
            return "deviation"
        return None

    def pairs(self, fresh: list[Cell]) -> None:
        i = 0
        while i < len(fresh):
            cell = fresh[i]
            if cell.key in EVALUATION_LABELS:
                value = fresh[i + 1] if i + 1 < len(fresh) and fresh[i + 1].key not in EVALUATION_LABELS else None
                i += 2 if value is not None else 1
                label = cell.key
                text = one_line(value)
                if label in self.p.fields:
                    self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：“{label}”重复出现，未导入：{_short(text)}")
                    continue
                if label == "项目名称" and _PART_SUFFIX.search(text):
                    self.p.is_part = True
                    text = _PART_SUFFIX.sub("", text)
                if not text:
                    self.notes.append(f"{self.p.where}：{label}一栏为空")
                    continue
                self.p.fields[label] = text
            else:
                if not cell.blank:
                    self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：“{_short(cell.text)}”无法归入任何一栏，未导入")
                i += 1

    def funds_row(self, row: list[Cell]) -> None:
        label_cell = next(c for c in row if not c.continued and _evaluation_row_label(c.key))
        label = _evaluation_row_label(label_cell.key)
        cells = _map_cells(row, self.funds_header) if self.funds_header else {}
        if not self.funds_header:  # no header row: label, then the three amounts
            after = [c for c in row if c.col > label_cell.col]
            cells = dict(zip(("initial", "budget", "spent", "weight", "rate", "score"), after))
        if label in self.p.funds:
            return self.fail(row, f"（{label}重复出现）")
        values = []
        for role in ("initial", "budget", "spent"):
            cell = cells.get(role)
            try:
                values.append(parse_money_cell(cell.text if cell is not None and cell is not label_cell else "",
                                               self.factor))
            except ValueProblem as exc:
                self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：{label}：{exc}，未导入")
                values.append(None)
        self.p.funds[label] = values
        if label == "年度资金总额":
            weight = cells.get("weight")
            if weight is not None and not weight.blank:
                try:
                    self.p.execution_weight = parse_number(weight.text)
                except ValueProblem as exc:
                    self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：预算执行分值：{exc}，未导入")
            self.p.printed_execution = {role: one_line(cells.get(role)) for role in ("rate", "score")}

    def goal_row(self, row: list[Cell]) -> None:
        cells = _text_cells(row, self.goal_header)
        mapped = _map_cells(row, self.goal_header) if self.goal_header else {}
        if not mapped:
            mapped = dict(zip(("expected", "achieved"), cells))
        placed = {id(c) for c in mapped.values()}
        for role in ("expected", "achieved"):
            cell = mapped.get(role)
            if cell is not None and not cell.continued:
                getattr(self.p, role).extend(paragraphs_of(cell))
        for cell in cells:
            if id(cell) not in placed and not cell.blank:
                self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：目标栏外的文字未导入：{_short(cell.text)}")

    def indicator_row(self, row: list[Cell]) -> None:
        cells = _map_cells(row, self.ind_header)
        named = self.named_value(row, cells, "target", "年度指标值")
        if named is None:
            return
        name, target = named
        payload = {"指标值": target}
        actual = one_line(cells.get("actual"))
        for label, value in (("指标值", target), ("实际完成值", actual)):
            if value:
                try:
                    parse_indicator_value(value)
                except ValueProblem as exc:
                    self.notes.append(f"{self.p.where} 第 {self.row_number} 行：{label}：{exc}（已照录，请在源文件中修改）")
        if actual:
            payload["实际完成值"] = actual
        for role, label in (("weight", "分值"), ("score", "得分")):
            cell = cells.get(role)
            if cell is None or cell.blank:
                continue
            try:
                number = parse_number(cell.text)
            except ValueProblem as exc:
                self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：{name} 的{label}：{exc}，未导入")
                continue
            if number is not None:
                payload[label] = number
        if "分值" in payload and "得分" not in payload:
            self.notes.append(f"{self.p.where} 第 {self.row_number} 行：{name} 有分值没有得分，生成时按规则计算得分")
        deviation = cells.get("deviation")
        if deviation is not None and not deviation.continued and paragraphs_of(deviation):
            payload["偏差原因分析及改进措施"] = "".join(paragraphs_of(deviation))
        self.indicators.add(self.row_number, cells.get("l1"), cells.get("l2"), name, payload, row)

    def total_row(self, cells: list[Cell]) -> None:
        numbers = []
        for cell in cells:
            if cell.blank:
                continue
            try:
                numbers.append(parse_number(cell.text))
            except ValueProblem:
                self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：总分一行中的“{_short(cell.text)}”未导入")
        if numbers:
            self.p.printed_total = dict(zip(("分值", "得分"), numbers))

    def finish(self) -> None:
        self.p.indicators = self.indicators.rows


class _EvaluationReader:
    def __init__(self, blocks: list[Para | Table]):
        self.blocks = blocks
        self.doc = ParsedDocument(m.EVALUATION_KIND)
        self.years: list[int] = []

    def read(self) -> ParsedDocument:
        doc = self.doc
        forms: list[_EvaluationForm] = []
        last = None
        for block in self.blocks:
            if isinstance(block, Table):
                if _has_label(block, "项目名称"):
                    form = _EvaluationForm(EvaluationProject(f"自评表 {len(forms) + 1}"), doc.unplaced, doc.notes)
                    form.feed(block)
                    forms.append(form)
                    last = form
                elif last is not None:
                    last.feed(block)
                else:
                    doc.unplaced.append(f"无法识别的表格，未导入：{_table_preview(block)}")
                continue
            for line in block.lines:
                key = label_key(line)
                if not key:
                    continue
                subtitle = _YEAR_SUBTITLE.match(key)
                if subtitle:
                    self.years.append(int(subtitle[1]))
                    continue
                title = _EVALUATION_TITLE.match(key)
                if title:
                    found = _UNIT_YEAR.match(title[1]) if title[1] else None
                    if found:
                        doc.unit = doc.unit or found[1]
                        self.years.append(int(found[2]))
                    continue
                doc.unplaced.append(f"表格之外的文字未导入：“{_short(line)}”")
        for form in forms:
            form.finish()
            doc.projects.append(form.p)
        self.finish()
        return doc

    def finish(self) -> None:
        doc = self.doc
        if self.years:
            doc.year = self.years[0]
            if len(set(self.years)) > 1:
                doc.notes.append(f"各表的年度不同（{'、'.join(str(y) for y in sorted(set(self.years)))}），取 {doc.year}")
        if doc.unit is None and doc.projects:
            first = doc.projects[0].fields
            doc.unit = first.get("实施单位") or first.get("主管部门")
            if doc.unit:
                doc.notes.append(f"自评表不印单位名称：取第一个项目的实施单位“{doc.unit}”作为单位名称，请核对")
        if not doc.projects:
            doc.notes.append("文档中没有找到自评表（带“项目名称”的表格）")
        for project in doc.projects:
            self.check_project(project)

    def check_project(self, p: EvaluationProject) -> None:
        from builder.check.scoring import round_cents

        notes = self.doc.notes
        name = p.fields.get("项目名称", "")
        for label in EVALUATION_LABELS:
            if label not in p.fields:
                notes.append(f"{p.where}（{name}）：没有找到“{label}”，源文件中缺此项")
        if not p.indicators:
            notes.append(f"{p.where}（{name}）：没有找到绩效指标")
        if p.execution_weight is None:
            notes.append(f"{p.where}（{name}）：预算执行分值为空或未找到，按默认 10 分")
        weight = p.execution_weight if p.execution_weight is not None else Decimal(10)
        total = p.funds.get("年度资金总额") or [None, None, None]
        budget, spent = total[1], total[2]
        if budget:
            rate = (spent or Decimal(0)) / budget
            rate_text, score = f"{round_cents(rate * 100)}%", round_cents(weight * min(rate, Decimal(1)))
        else:
            rate_text, score = "—", Decimal(0)
        printed = p.printed_execution
        if printed.get("rate") and label_key(printed["rate"]).replace("％", "%") != rate_text:
            notes.append(f"{p.where}（{name}）：执行率印为 {printed['rate']}，按全年执行数/全年预算数为 {rate_text}（生成时按计算值）")
        if printed.get("score"):
            try:
                given = parse_number(printed["score"])
            except ValueProblem:
                given = None
            if given is not None and given != score:
                notes.append(f"{p.where}（{name}）：预算执行得分印为 {printed['score']}，按规则为 {format_score(score)}（生成时按计算值）")
        if "得分" in p.printed_total:
            indicator_scores = sum((payload.get("得分", Decimal(0)) for *_, payload in p.indicators), Decimal(0))
            computed = score + indicator_scores
            if p.printed_total["得分"] != computed:
                notes.append(f"{p.where}（{name}）：总分印为 {p.printed_total['得分']}，各项得分合计为 {computed}（生成时按合计）")


def _sum_rows(rows: list[list]) -> list:
    summed = []
    for column in range(3):
        present = [r[column] for r in rows if r[column] is not None]
        summed.append(sum(present, Decimal(0)) if present else None)
    return summed


def _link_parts(doc: ParsedDocument) -> None:
    """A project followed by 二级构成 parts lists them in 组成 when its figures are exactly their sums."""
    projects = doc.projects
    i = 0
    while i < len(projects):
        parent = projects[i]
        j = i + 1
        while j < len(projects) and projects[j].is_part:
            j += 1
        parts = projects[i + 1: j]
        if parts and not parent.is_part:
            blank = [None, None, None]
            rows = {label: parent.funds.get(label, blank) for label in EVALUATION_ROWS}
            sums = {label: _sum_rows([p.funds.get(label, blank) for p in parts]) for label in EVALUATION_ROWS}
            texts_ok = (parent.expected or not any(p.expected for p in parts)) and \
                       (parent.achieved or not any(p.achieved for p in parts))
            if rows == sums and texts_ok:
                parent.parts = [p.stem for p in parts]
            else:
                doc.notes.append(
                    f"{parent.where}（{parent.fields.get('项目名称', '')}）后面是二级构成，但其资金不等于各部分之和"
                    "（或缺少目标文字），未写“组成”，资金照表写出")
        i = max(j, i + 1)


def _target_yaml(p: TargetProject):
    from ruamel.yaml.comments import CommentedMap as Map

    data = Map()
    for label in TARGET_LABELS:
        if label in p.fields:
            data[label] = p.fields[label]
    left, right = Map(), Map()
    for key in ("合计", "财政资金", "其他资金"):
        if key in p.left and not (key == "合计" and p.left[key] is None):
            left[key] = money(p.left[key])
    for key in ("合计", "当年财政拨款", "上年结转资金", "其他资金"):
        if key in p.right and not (key == "合计" and p.right[key] is None):
            right[key] = money(p.right[key])
    data["项目资金"] = Map([("项目资金总额", left), ("年度资金申请总额", right)])
    narrative = Map()
    for section in SECTION_NAMES:
        lines = p.sections.get(section)
        if section == "绩效目标" and (not lines or lines == [m.DEFAULT_GOAL_REFERENCE]):
            continue
        if not lines:
            continue
        if section == "年度预算安排":
            plan = structured_budget(lines, p.right.get("合计"))
            if plan is not None:
                lead, items = plan
                value = Map()
                if lead:
                    value["说明"] = text_block(lead)
                value["明细"] = [
                    Map([("名称", name), ("金额", money(amount))] + ([("说明", note)] if note else []))
                    for name, amount, note in items
                ]
                narrative[section] = value
                continue
        narrative[section] = text_block(lines)
    data["情况说明"] = narrative
    if p.total_goal is not None:
        data["项目总目标"] = text_block(p.total_goal)
    data["年度总体目标"] = text_block(p.annual_goal) if p.annual_goal else None
    data["绩效指标"] = indicator_tree(p.indicators, lambda payload: payload["指标值"])
    return data


def _evaluation_yaml(p: EvaluationProject):
    from ruamel.yaml.comments import CommentedMap as Map

    data = Map()
    if "项目名称" in p.fields:
        data["项目名称"] = p.fields["项目名称"]
    data["二级构成"] = p.is_part
    for label in ("主管部门", "实施单位"):
        if label in p.fields:
            data[label] = p.fields[label]
    if p.parts:
        data["组成"] = flow(list(p.parts))
    else:
        funds = Map()
        for label in EVALUATION_ROWS:
            row = p.funds.get(label, [None, None, None])
            funds[label] = flow([money(v) for v in row])
        data["项目资金"] = funds
    if p.execution_weight is not None:
        data["预算执行分值"] = score(p.execution_weight)
    if p.expected:
        data["预期目标"] = text_block(p.expected)
    if p.achieved:
        data["实际完成情况"] = text_block(p.achieved)

    def leaf(payload: dict):
        value = Map()
        for key in ("指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"):
            if key in payload:
                item = payload[key]
                value[key] = score(item) if isinstance(item, Decimal) else item
        return value

    data["绩效指标"] = indicator_tree(p.indicators, leaf)
    return data


_UNSAFE_FILE_CHARS = re.compile(r'[\s\\/:*?"<>|\x00-\x1f]+')


def project_stem(number: int, count: int, name: str) -> str:
    """``NN-<项目名称 without spaces>``, safe as a file name."""
    width = max(2, len(str(count)))
    safe = _UNSAFE_FILE_CHARS.sub("", name).strip(".") or "项目"
    return f"{number:0{width}d}-{safe[:60]}"


def _document_yaml(doc: ParsedDocument, stems: list[str]):
    from ruamel.yaml.comments import CommentedMap as Map

    data = Map()
    data["文档类型"] = doc.kind
    if doc.year is not None:
        data["年度"] = doc.year
    if doc.unit:
        data["单位名称"] = doc.unit
    if doc.kind == m.TARGET_KIND:
        data["预算单位数"] = doc.budget_units or 1
    data["项目顺序"] = list(stems)
    return data


# ---------------------------------------------------------------- import

def detect_kind(blocks: list[Para | Table]) -> str:
    paragraph_keys = [label_key(line) for b in blocks if isinstance(b, Para) for line in b.lines]
    cell_keys = {c.key for b in blocks if isinstance(b, Table) for row in b.rows for c in row}
    if {"全年执行数", "实际完成值"} & cell_keys:
        return m.EVALUATION_KIND
    if {"项目性质", "年度资金申请总额"} & cell_keys:
        return m.TARGET_KIND
    titled = any("绩效自评表" in k or "绩效目标申报表" in k for k in paragraph_keys)
    if titled:  # the title of a form, but not the shipped form's tables: a bureau's own form
        raise ImportProblem("这份文件不是 budgetdoc 认得的表单：标题像申报表或自评表，表格却不是标准表单的"
                            "（没有“项目性质”“年度资金申请总额”或“全年执行数”等栏）；本局表单请加 --form 指明表单定义和模板")
    raise ImportProblem("无法识别文档类型：既不是绩效目标申报表（财政支出项目绩效目标申报表），也不是绩效自评表（财政项目支出绩效自评表）")


def _check_out_dir(out_dir: Path) -> None:
    """A new or empty folder: any file there (a note, a .md, not only a source) could be
    overwritten; each file is then created by write_new, which refuses an existing one too."""
    if os.path.lexists(out_dir) and (not out_dir.is_dir() or out_dir.is_symlink()):
        raise ImportProblem(f"输出位置“{out_dir}”是一个文件（或链接），请指定文件夹")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise ImportProblem(f"输出文件夹“{out_dir}”已存在且不为空，请指定一个新的（或空的）文件夹，以免覆盖其中的文件")


def parse_docx(docx: Path) -> ParsedDocument:
    """Read a .docx into the parsed document (nothing written)."""
    blocks = read_blocks(Path(docx))
    kind = detect_kind(blocks)
    if kind == m.TARGET_KIND:
        return _TargetReader(blocks).read()
    return _EvaluationReader(blocks).read()


def _narratives_to_markdown(data, kind: str) -> list[tuple[str, list[str]]]:
    """Take the text narratives out of a project's YAML data: (section, paragraphs) for its .md file.
    A structured 年度预算安排 (明细) stays in the YAML."""
    sections = []
    if kind == m.TARGET_KIND:
        narrative = data.get("情况说明") or {}
        for section in list(narrative):
            value = narrative[section]
            if isinstance(value, str):
                sections.append((section, [line for line in str(value).split("\n") if line.strip()]))
                del narrative[section]
        if not narrative and "情况说明" in data:
            del data["情况说明"]
    else:
        for section in ("预期目标", "实际完成情况"):
            if isinstance(data.get(section), str):
                sections.append((section, [line for line in str(data[section]).split("\n") if line.strip()]))
                del data[section]
    return sections


def import_docx(docx: Path, out_dir: Path, markdown: bool = False) -> ImportReport:
    """Read ``docx`` and write its sources into ``out_dir`` (a new or empty folder); with ``markdown``
    the narratives go to a ``NN-项目.md`` file beside each project's YAML."""
    docx, out_dir = Path(docx), Path(out_dir)
    doc = parse_docx(docx)
    _check_out_dir(out_dir)
    count = len(doc.projects)
    stems = [project_stem(i, count, p.fields.get("项目名称", "项目")) for i, p in enumerate(doc.projects, start=1)]
    for project, stem in zip(doc.projects, stems):
        if isinstance(project, EvaluationProject):
            project.stem = stem
    if doc.kind == m.EVALUATION_KIND:
        _link_parts(doc)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [out_dir / "document.yaml"]
    dump(_document_yaml(doc, stems), files[0])
    for project, stem in zip(doc.projects, stems):
        path = out_dir / f"{stem}.yaml"
        data = _target_yaml(project) if doc.kind == m.TARGET_KIND else _evaluation_yaml(project)
        sections = _narratives_to_markdown(data, doc.kind) if markdown else []
        dump(data, path)
        files.append(path)
        if sections:
            from builder.read.markdown import sections_markdown
            from builder.output.atomic import write_new

            text = sections_markdown(project.fields.get("项目名称", stem), sections)
            write_new(out_dir / f"{stem}.md", text)
            files.append(out_dir / f"{stem}.md")
    report = ImportReport(files, doc.unplaced, tracked_changes(docx) + doc.notes, doc.kind)
    _verify(out_dir, report)
    return report


def _verify(out_dir: Path, report: ImportReport) -> None:
    """Load and check what was written; its errors (what would stop a build) become notes."""
    from builder.output.build import check
    from builder.read.errors import InputError

    try:
        _, problems = check([out_dir])
    except InputError as exc:
        problems = exc.problems
    errors = [p for p in problems if p.severity == "错误"]
    for problem in errors:
        report.notes.append(f"导入结果需要修改后才能生成：{problem.format_finding()}")
