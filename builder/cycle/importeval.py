"""Import, step 2 for a 绩效自评: the blocks of its .docx placed into projects — each project's
自评表, and the 二级构成 parts linked to the project they belong to.
"""

from __future__ import annotations

import re
from decimal import Decimal

from builder.model import core as m
from builder.model.values import TEN_THOUSAND, ValueProblem, format_score, parse_indicator_value
from builder.cycle.importlabels import evaluation_form_labels
from builder.cycle.importread import (
    Cell, EvaluationProject, Form, Para, ParsedDocument, Table, block_label, has_label, label_key, map_cells,
    one_line, paragraphs_of, parse_money_cell, parse_number, short, text_cells,
)
from builder.cycle.importtarget import UNIT_YEAR, YEAR_SUBTITLE, table_preview


# ---------------------------------------------------------------- 绩效自评

# every label below is the shipped 绩效自评 form's (builder/forms/绩效自评.yaml)
_L = evaluation_form_labels()
EVALUATION_LABELS = _L.fields
EVALUATION_ROWS = _L.rows
_PART_SUFFIX = _L.part_suffix
_EVALUATION_TITLE = _L.title
# the money columns by position (年初预算数, 全年预算数, 全年执行数) and what the 自评 table prints after them
_MONEY_ROLES = ("initial", "budget", "spent")
_FUNDS_ROLES = dict(zip(_L.column_keys, _MONEY_ROLES))


def _evaluation_row_label(key: str) -> str | None:
    key = key.removeprefix("其中:").removeprefix("其中")
    return key if key in EVALUATION_ROWS else None


class _EvaluationForm(Form):
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
        if any(k in _FUNDS_ROLES for k in keys):
            self.mode = "funds"
            if block_label(first.key, "项目资金") and "万元" in first.key:
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
        if _L.expected in keys or _L.achieved in keys:
            self.mode = "goal"
            self.goal_header = [
                ("expected" if c.key == _L.expected else "achieved" if c.key == _L.achieved else None, c.col)
                for c in row
            ]
            return
        if keys and keys[0] == "总分":
            self.mode = None
            return self.total_row(fresh[1:])
        self.block_row(row, fresh, _L.goal_block)

    @staticmethod
    def funds_role(key: str) -> str | None:
        return {**_FUNDS_ROLES, "分值": "weight", "执行率": "rate", "得分": "score"}.get(key)

    @staticmethod
    def indicator_role(key: str) -> str | None:
        roles = {"一级指标": "l1", "二级指标": "l2", "三级指标": "name", _L.actual: "actual", _L.score_weight: "weight",
                 _L.score: "score"}
        if key in roles:
            return roles[key]
        if _L.target in key:
            return "target"
        if key.startswith(_L.deviation[:2]):
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
                    self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：“{label}”重复出现，未导入：{short(text)}")
                    continue
                if label == _L.name and _PART_SUFFIX.search(text):
                    self.p.is_part = True
                    text = _PART_SUFFIX.sub("", text)
                if not text:
                    self.notes.append(f"{self.p.where}：{label}一栏为空")
                    continue
                self.p.fields[label] = text
            else:
                if not cell.blank:
                    self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：“{short(cell.text)}”无法归入任何一栏，未导入")
                i += 1

    def funds_row(self, row: list[Cell]) -> None:
        label_cell = next(c for c in row if not c.continued and _evaluation_row_label(c.key))
        label = _evaluation_row_label(label_cell.key)
        cells = map_cells(row, self.funds_header) if self.funds_header else {}
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
        if label == _L.total_row:
            weight = cells.get("weight")
            if weight is not None and not weight.blank:
                try:
                    self.p.execution_weight = parse_number(weight.text)
                except ValueProblem as exc:
                    self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：{_L.weight}：{exc}，未导入")
            self.p.printed_execution = {role: one_line(cells.get(role)) for role in ("rate", "score")}

    def goal_row(self, row: list[Cell]) -> None:
        cells = text_cells(row, self.goal_header)
        mapped = map_cells(row, self.goal_header) if self.goal_header else {}
        if not mapped:
            mapped = dict(zip(("expected", "achieved"), cells))
        placed = {id(c) for c in mapped.values()}
        for role in ("expected", "achieved"):
            cell = mapped.get(role)
            if cell is not None and not cell.continued:
                getattr(self.p, role).extend(paragraphs_of(cell))
        for cell in cells:
            if id(cell) not in placed and not cell.blank:
                self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：目标栏外的文字未导入：{short(cell.text)}")

    def indicator_row(self, row: list[Cell]) -> None:
        cells = map_cells(row, self.ind_header)
        named = self.named_value(row, cells, "target", _L.form.label(f"{_L.indicators}.{_L.target}"))
        if named is None:
            return
        name, target = named
        payload = {_L.target: target}
        actual = one_line(cells.get("actual"))
        for label, value in ((_L.target, target), (_L.actual, actual)):
            if value:
                try:
                    parse_indicator_value(value)
                except ValueProblem as exc:
                    self.notes.append(f"{self.p.where} 第 {self.row_number} 行：{label}：{exc}（已照录，请在源文件中修改）")
        if actual:
            payload[_L.actual] = actual
        for role, label in (("weight", _L.score_weight), ("score", _L.score)):
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
        if _L.score_weight in payload and _L.score not in payload:
            self.notes.append(f"{self.p.where} 第 {self.row_number} 行：{name} 有分值没有得分，生成时按规则计算得分")
        deviation = cells.get("deviation")
        if deviation is not None and not deviation.continued and paragraphs_of(deviation):
            payload[_L.deviation] = "".join(paragraphs_of(deviation))
        self.indicators.add(self.row_number, cells.get("l1"), cells.get("l2"), name, payload, row)

    def total_row(self, cells: list[Cell]) -> None:
        numbers = []
        for cell in cells:
            if cell.blank:
                continue
            try:
                numbers.append(parse_number(cell.text))
            except ValueProblem:
                self.unplaced.append(f"{self.p.where} 第 {self.row_number} 行：总分一行中的“{short(cell.text)}”未导入")
        if numbers:
            self.p.printed_total = dict(zip(("分值", "得分"), numbers))

    def finish(self) -> None:
        self.p.indicators = self.indicators.rows


class EvaluationReader:
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
                if has_label(block, _L.name):
                    form = _EvaluationForm(EvaluationProject(f"自评表 {len(forms) + 1}"), doc.unplaced, doc.notes)
                    form.feed(block)
                    forms.append(form)
                    last = form
                elif last is not None:
                    last.feed(block)
                else:
                    doc.unplaced.append(f"无法识别的表格，未导入：{table_preview(block)}")
                continue
            for line in block.lines:
                key = label_key(line)
                if not key:
                    continue
                subtitle = YEAR_SUBTITLE.match(key)
                if subtitle:
                    self.years.append(int(subtitle[1]))
                    continue
                title = _EVALUATION_TITLE.match(key)
                if title:
                    found = UNIT_YEAR.match(title[1]) if title[1] else None
                    if found:
                        doc.unit = doc.unit or found[1]
                        self.years.append(int(found[2]))
                    continue
                doc.unplaced.append(f"表格之外的文字未导入：“{short(line)}”")
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
        name = p.fields.get(_L.name, "")
        for label in EVALUATION_LABELS:
            if label not in p.fields:
                notes.append(f"{p.where}（{name}）：没有找到“{label}”，源文件中缺此项")
        if not p.indicators:
            notes.append(f"{p.where}（{name}）：没有找到绩效指标")
        if p.execution_weight is None:
            notes.append(f"{p.where}（{name}）：{_L.weight}为空或未找到，按默认 10 分")
        weight = p.execution_weight if p.execution_weight is not None else Decimal(10)
        total = p.funds.get(_L.total_row) or [None, None, None]
        budget, spent = total[1], total[2]
        if budget:
            rate = (spent or Decimal(0)) / budget
            rate_text, score = f"{round_cents(rate * 100)}%", round_cents(weight * min(rate, Decimal(1)))
        else:
            rate_text, score = "—", Decimal(0)
        printed = p.printed_execution
        if printed.get("rate") and label_key(printed["rate"]).replace("％", "%") != rate_text:
            notes.append(f"{p.where}（{name}）：执行率印为 {printed['rate']}，按{_L.column('执行数')}/{_L.column('预算数')}为 {rate_text}"
                         "（生成时按计算值）")
        if printed.get("score"):
            try:
                given = parse_number(printed["score"])
            except ValueProblem:
                given = None
            if given is not None and given != score:
                notes.append(f"{p.where}（{name}）：预算执行得分印为 {printed['score']}，按规则为 {format_score(score)}（生成时按计算值）")
        if "得分" in p.printed_total:
            indicator_scores = sum((payload.get(_L.score, Decimal(0)) for *_, payload in p.indicators), Decimal(0))
            computed = score + indicator_scores
            if p.printed_total["得分"] != computed:
                notes.append(f"{p.where}（{name}）：总分印为 {p.printed_total['得分']}，各项得分合计为 {computed}（生成时按合计）")


def _sum_rows(rows: list[list]) -> list:
    summed = []
    for column in range(3):
        present = [r[column] for r in rows if r[column] is not None]
        summed.append(sum(present, Decimal(0)) if present else None)
    return summed


def link_parts(doc: ParsedDocument) -> None:
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
                    f"{parent.where}（{parent.fields.get(_L.name, '')}）后面是{_L.part}，但其资金不等于各部分之和"
                    "（或缺少目标文字），未写“组成”，资金照表写出")
        i = max(j, i + 1)
