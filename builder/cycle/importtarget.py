"""Import, step 2 for a 绩效目标申报: the blocks of its .docx placed into projects — the form of
each project, its 项目经费情况说明 and the budget lines written in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from builder.model import core as m
from builder.model.values import (
    TEN_THOUSAND, ValueProblem, parse_indicator_value,
)
from builder.cycle.importlabels import target_form_labels
from builder.cycle.labelshapes import NumberedSections, Summary, fixed_paragraphs, structured_budget
from builder.cycle.importread import (
    Cell, Form, Para, ParsedDocument, Table, TargetProject, block_label, has_label, label_key, map_cells,
    one_line, paragraphs_of, parse_date, parse_money_cell, row_preview, short, text_cells,
)

__all__ = ["SECTION_NAMES", "TARGET_LABELS", "TargetReader", "structured_budget", "table_preview"]

# ---------------------------------------------------------------- 绩效目标申报

# every label below is the shipped 绩效目标申报 form's (builder/forms/绩效目标申报.yaml)
_L = target_form_labels()
_SECTIONS = NumberedSections(_L.form)
_SUMMARY = Summary(_L.form)
_FIXED = fixed_paragraphs(_L.form)
SECTION_NAMES = _SECTIONS.keys
_NARRATIVE = _SECTIONS.label
_TARGET_FORM_HEAD = _L.title
YEAR_SUBTITLE = re.compile(r"^\((\d{4})年度?\)$")
UNIT_YEAR = re.compile(r"^(.+?)\s*(\d{4})\s*年度?$")

TARGET_LABELS = _L.fields
# a 项目资金 label (其中： removed) → (column, key); a row of both columns (其他资金) has None: the layout decides
_SIDES = ("left", "right")
TARGET_FUND_LABELS = {label: (None if side is None else _SIDES[side], key) for label, (side, key) in _L.fund_labels.items()}
_SHARED = tuple(label for label, (side, _) in TARGET_FUND_LABELS.items() if side is None)


def _fund_label(key: str) -> str | None:
    key = key.removeprefix("其中:").removeprefix("其中")
    key = re.sub(r"\((万?元)\)$", "", key)
    return key if key in TARGET_FUND_LABELS else None


class _TargetForm(Form):
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
        if any(k.startswith(_L.total_goal) or k.startswith(_L.annual_goal) for k in keys):
            self.mode = "goal"
            self.p.goal_seen = True
            self.goal_header = [
                ("total" if c.key.startswith(_L.total_goal) else "annual" if c.key.startswith(_L.annual_goal) else None,
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
            self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：“{short(cell.text)}”无法归入任何一栏，未导入")

    def set_field(self, label: str, cell: Cell | None, row: list[Cell]) -> None:
        if label in self.p.fields:
            self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：“{label}”重复出现，未导入：{short(one_line(cell))}")
            return
        text = one_line(cell)
        if label in _L.dates:
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
        if cells and not _fund_label(cells[0].key) and block_label(cells[0].key, "项目资金"):
            if "万元" in cells[0].key:
                self.factor = TEN_THOUSAND
            cells = cells[1:]
        labels = [c for c in cells if _fund_label(c.key)]
        others = [c for c in labels if _fund_label(c.key) in _SHARED]
        i = 0
        while i < len(cells):
            cell = cells[i]
            label = _fund_label(cell.key)
            if not label:
                if not cell.blank:
                    self.unplaced.append(
                        f"{self.p.where} 第 {self.row_number} 行：项目资金中的“{short(cell.text)}”无法归入任何一栏，未导入")
                i += 1
                continue
            value = cells[i + 1] if i + 1 < len(cells) and not _fund_label(cells[i + 1].key) else None
            i += 2 if value is not None else 1
            side, key = TARGET_FUND_LABELS[label]
            if label == _L.column_label(1):
                self.right_col = cell.col
            if side is None:  # 其他资金: left or right column
                if self.right_col is not None:
                    side = "right" if cell.col >= self.right_col else "left"
                elif len(others) > 1:
                    side = "left" if cell is others[0] else "right"
                else:
                    side = "left" if key not in self.p.left else "right"
            target = self.p.left if side == "left" else self.p.right
            title = _L.column_label(_SIDES.index(side))
            if key in target:
                self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：{title}.{key} 重复出现，未导入")
                continue
            try:
                target[key] = parse_money_cell(value.text if value is not None else "", self.factor)
            except ValueProblem as exc:
                self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：{title}.{key}：{exc}，未导入")

    def goal_row(self, row: list[Cell]) -> None:
        cells = text_cells(row, self.goal_header)
        header = dict((role, col) for role, col in self.goal_header if role)
        if len(cells) == 1 and header:
            cell = cells[0]
            spans_both = "annual" not in header or (cell.covers(header.get("total", cell.col)) and
                                                    cell.covers(header["annual"]))
            if spans_both or len(self.goal_header) != len(row):
                self._append_goal("total", paragraphs_of(cell))
                return
        mapped = map_cells(row, self.goal_header) if self.goal_header else {}
        if not mapped:
            mapped = dict(zip(("total", "annual"), cells))
        placed = {id(c) for c in mapped.values()}
        for role in ("total", "annual"):
            if role in mapped and not mapped[role].continued:
                self._append_goal(role, paragraphs_of(mapped[role]))
        for cell in cells:
            if id(cell) not in placed and not cell.blank:
                self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：目标栏外的文字未导入：{short(cell.text)}")

    def _append_goal(self, role: str, lines: list[str]) -> None:
        if role == "total":
            self.p.total_goal = (self.p.total_goal or []) + lines
        else:
            self.p.annual_goal = (self.p.annual_goal or []) + lines

    def indicator_row(self, row: list[Cell]) -> None:
        cells = map_cells(row, self.ind_header)
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


class TargetReader:
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
                if has_label(block, _L.name):
                    where = f"申报表 {len(self.forms) + 1}"
                    form = _TargetForm(TargetProject(where, number=form_number), doc.unplaced, doc.notes)
                    form.feed(block)
                    self.forms.append((form_number, form))
                    last_form, form_number, state, section = form, None, "after_form", None
                elif last_form is not None and state == "after_form":
                    last_form.feed(block)  # the form continued in a second table
                else:
                    doc.unplaced.append(f"无法识别的表格，未导入：{table_preview(block)}")
                continue
            for line in block.lines:
                key = label_key(line)
                if not key:
                    continue
                head = _SECTIONS.heading(line)
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
                subtitle = YEAR_SUBTITLE.match(key)
                if subtitle:
                    self.subtitle_years.add(int(subtitle[1]))
                    continue
                if state == "front":
                    self.front(line, key, title)
                    continue
                if state == "narrative":
                    found = _SECTIONS.section(line)
                    if found:
                        section = found[0]
                        if section in narrative.sections:
                            doc.notes.append(f"{_NARRATIVE} {narrative.number or ''}：“{section}”出现两次，内容合并")
                        narrative.sections.setdefault(section, [])
                        rest = found[1]
                        if rest:
                            narrative.sections[section].append(rest)
                        continue
                    if section:
                        narrative.sections[section].append(line.strip())
                        continue
                    doc.unplaced.append(f"{_NARRATIVE} {narrative.number or ''} 中标题之前的文字未导入：“{short(line)}”")
                    continue
                doc.unplaced.append(f"表格之外的文字未导入：“{short(line)}”")
        self.finish()
        return doc

    def front(self, line: str, key: str, title) -> None:
        doc = self.doc
        if title:
            found = UNIT_YEAR.match(title[1]) if title[1] else None
            if found and doc.unit is None:
                doc.unit, doc.year = found[1].strip(), int(found[2])
            return
        if key in _FIXED:  # a heading the layout prints as it is
            return
        found = _SUMMARY.match(key)
        if found is not None:  # 导入.概述: the summary sentence (预算单位数 written, 项目数 … checked)
            doc.values.update(_SUMMARY.written(found))
            self.summary = found
            return
        found = UNIT_YEAR.match(line.strip())
        if found and doc.unit is None:
            doc.unit, doc.year = found[1].strip(), int(found[2])
            return
        doc.unplaced.append(f"标题部分的文字未导入：“{short(line)}”")

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
                doc.notes.append(f"{project.where}（{project.fields.get(_L.name, '')}）没有对应的{_NARRATIVE}")
            else:
                match.used = True
                project.sections = match.sections
            doc.projects.append(project)
        for narrative in self.narratives:
            if not narrative.used:
                doc.unplaced.append(f"{_NARRATIVE} {narrative.number or ''} 没有对应的申报表，未导入")
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
        name = project.fields.get(_L.name, project.where)
        for label in TARGET_LABELS:
            if label not in project.fields:
                notes.append(f"{project.where}（{name}）：没有找到“{label}”，源文件中缺此项")
        if project.sections or any(n.used for n in self.narratives):
            for section in SECTION_NAMES[:-1]:
                if not project.sections.get(section):
                    notes.append(f"{project.where}（{name}）：{_NARRATIVE}中没有找到“{section}”，源文件中缺此项")
        for side, title in zip(_SIDES, (c.label for c in _L.columns)):
            values = project.left if side == "left" else project.right
            if values.get("合计") is None:
                notes.append(f"{project.where}（{name}）：{title}一格为空或未找到，生成时由各项相加")
        if project.total_goal is None:
            notes.append(f"{project.where}（{name}）：没有找到{_L.total_goal}，源文件中缺此项")
        if not project.indicators:
            notes.append(f"{project.where}（{name}）：没有找到绩效指标")

    def check_summary(self) -> None:
        doc = self.doc
        if self.summary:
            total = sum((p.right.get("合计") or Decimal(0) for p in doc.projects), Decimal(0))
            doc.notes.extend(_SUMMARY.checks(self.summary, len(doc.projects), total))


def table_preview(table: Table) -> str:
    rows = [row_preview(row) for row in table.rows[:2]]
    return " / ".join(r for r in rows if r) or "（空表）"
