"""``budgetdoc new 绩效自评 --from <a 绩效运行监控>``: the year-end 自评 begun from the mid-year
monitoring, so that nothing is typed twice in a year. Field by field of the 自评 form, through the
roles both forms declare (docs/forms.md, 角色) — no field of either form is named here:

- the money table: the first column (年初预算数) by row from the monitoring's 预算数 column; the 自评's
  预算数 column (全年预算数) from it too and its 执行数 column (全年执行数) from the monitoring's
  预计执行数 column — both drafts, listed under ``待确认`` (FILL-IN reports each until its line is
  deleted); rows matched by the 申报 role they come from (``来自申报``), else by key;
- a 段落 taken from the 申报 (预期目标): the monitoring's 段落 taken from the same 申报 roles;
- 完成情况: the monitoring's 完成情况 text (its 1—N月执行情况), a draft to confirm;
- the indicators of the monitoring's 预计值 set: 目标值 as monitored, 实际值 = the 预计值 (to confirm),
  分值 by the default weights, 偏差说明 from the ticked causes and 整改措施 of an indicator off track;
- any other 自评 field the monitoring has under the same key, copied.

A source that is no monitoring (a 申报) is handed to ``newyear.new_evaluation``.
"""

from __future__ import annotations

from pathlib import Path

from builder.check import scoring
from builder.check.monitor import CAUSE, FORECAST, REMEDY, monitoring_date
from builder.check.rules import declares, indicator_field, role_cell
from builder.cycle.evaldraft import evaluation_data, spread_weights
from builder.cycle.newyear import evaluation_form, new_evaluation, raw_source, write_evaluation_header
from builder.forms import formspec as fs
from builder.forms.formdef import document_form
from builder.forms.formvalues import indicator_cell
from builder.load.loader import load_document
from builder.model import core as m
from builder.read.errors import InputError
from builder.read.readonce import reading_once

BUDGETED, SPENT, FORECAST_SPENT, ACHIEVED = "预算数", "执行数", "预计执行数", "完成情况"
TARGET, ACTUAL, WEIGHT, DEVIATION = "目标值", "实际值", "分值", "偏差说明"


def is_monitoring(document: m.Document) -> bool:
    """A document whose form declares an indicator 预计值 column (a 绩效运行监控)."""
    return declares(document_form(document), FORECAST)


@reading_once
def new_evaluation_from(source: Path, out: Path) -> list[Path]:
    """The 自评 sources of ``source``: from a monitoring as above, from a 申报 as ``new_evaluation``."""
    loaded = load_document(source)
    if loaded.errors or loaded.document is None:
        raise InputError(loaded.problems)
    document = loaded.document
    if not is_monitoring(document):
        return new_evaluation(source, out)
    from builder.cycle.writer import dump

    evaluation = evaluation_form(document)
    written = write_evaluation_header(document, source, out, evaluation)
    note = _NOTE.format(year=document.year, date=_date(document))
    for project in document.projects:
        path = out / f"{project.stem}.yaml"
        draft = MonitorDraft(document, project, evaluation)
        dump(evaluation_data(project, evaluation, raw_source(project.source), draft), path, note)
        written.append(path)
    return written


def _date(document: m.Document) -> str:
    date = monitoring_date(document)
    return f"（截至 {date.isoformat()}）" if date else ""


_NOTE = """\
# 由 budgetdoc new 从 {year} 年绩效运行监控{date}生成的 {year} 年绩效自评草稿。
# 金额、实际完成值等取自监控的全年预计，列在“待确认”中：核对实际数后改正，并删去“待确认”中相应的一行
# （budgetdoc check 逐项提示 FILL-IN）。得分不写则按规则计算；分值按默认权重分配（产出 50、效益 30、满意度 10、预算执行 10），可调整。
"""


class MonitorDraft:
    """What a monitoring project gives the fields of its 自评 (``evaldraft.evaluation_data``); the
    paths of the draft values to confirm gather in ``confirm`` (the 自评's 待确认)."""

    def __init__(self, document, project, evaluation):
        self.document, self.project, self.evaluation = document, project, evaluation
        self.confirm: list[str] = []

    def money(self, spec):
        return _money(self.project, self.evaluation, spec.table, self.confirm)

    def indicators(self, spec):
        return _indicators(self.document, self.project, spec, self.confirm)

    def text(self, spec):
        from builder.cycle.writer import text_block

        return text_block(list(_same_source_text(self.project, spec)))

    def achieved(self, spec):
        from builder.cycle.writer import text_block

        form = self.project.form
        achieved = self.project.role(ACHIEVED) if form.has_role(ACHIEVED) else None
        if not achieved:
            return None
        self.confirm.append(spec.path)
        return text_block(list(achieved))


def _same_source_text(project, spec) -> tuple:
    """The monitoring's 段落 that comes from the same 申报 roles as the 自评's ``spec``."""
    wanted = set(spec.from_target)
    for field in project.form.walk():
        if field.kind == fs.TEXTS and wanted & set(field.from_target):
            return tuple(project.get(field.path) or ())
    return ()


def _money(project, evaluation, table, confirm: list):
    """The 自评 money table's rows from the monitoring's: [年初, 预算 (draft), 执行 (draft)]."""
    from ruamel.yaml.comments import CommentedMap as Map

    from builder.cycle.writer import flow, money

    form = project.form
    source, budget = role_cell(form, BUDGETED)
    forecast = role_cell(form, FORECAST_SPENT)[1]
    values = project.get(source.key) if source is not None else None
    _, budgeted = role_cell(evaluation, BUDGETED)
    _, spent = role_cell(evaluation, SPENT)
    drafts = {}  # 自评 column → (monitoring column, to confirm)
    if table.columns:
        drafts[table.columns[0].key] = (budget, False)
    if budgeted is not None and budgeted.column != table.columns[0].key:
        drafts[budgeted.column] = (budget, True)
    if spent is not None:
        drafts[spent.column] = (forecast, True)
    rows = Map()
    for row in table.rows:
        mine = _row(source, row) if source is not None else None
        cells = []
        for column in table.columns:
            cell, draft = drafts.get(column.key, (None, False))
            value = values.get(source.address(mine, cell.column)) if values is not None and cell and mine else None
            cells.append(money(value))
            if draft and value is not None:
                confirm.append(table.path(table.address(row.key, column.key)))
        rows[row.key] = flow(cells)
    return rows


def _row(source, row) -> str | None:
    """The monitoring table's row for a 自评 row: the one taken from the same 申报 role, else the same key."""
    if row.from_target:
        found = next((r.key for r in source.rows if r.from_target == row.from_target), None)
        if found is not None:
            return found
    return row.key if source.row(row.key) is not None else None


def _indicators(document, project, spec, confirm: list):
    """The 自评 indicators: the monitoring's 预计值 set, 实际值 drafted from 预计值."""
    from ruamel.yaml.comments import CommentedMap as Map

    from builder.cycle.writer import Num, indicator_tree

    watched = indicator_field(document, FORECAST)
    indicators = [i for i in project.indicators if i.group == watched.key]
    forecast = watched.indicators.column_with(FORECAST)
    columns = spec.indicators
    target, actual, weight, deviation = (columns.column_with(r) for r in (TARGET, ACTUAL, WEIGHT, DEVIATION))

    def leaf(payload):
        indicator, points = payload
        expected = indicator_cell(indicator, forecast)
        entries = [(target.key, indicator.target.text)] if target is not None else []
        if actual is not None:
            entries.append((actual.key, expected.text if expected is not None else None))
            if expected is not None:
                confirm.append(f"{spec.key}.{indicator.level1}.{indicator.level2}.{indicator.name}.{actual.key}")
        entries += [(weight.key, Num(str(points)))] if weight is not None else []
        why = _why(watched, indicator, expected)
        entries += [(deviation.key, why)] if deviation is not None and why else []
        return Map(entries)

    rows = [(i.level1, i.level2, i.name, (i, w)) for i, w in zip(indicators, spread_weights(indicators))]
    return indicator_tree(rows, leaf)


def _why(watched, indicator, expected) -> str:
    """An indicator off track: its ticked causes and 整改措施, by the monitoring form's labels."""
    if expected is None or not scoring.falls_short(indicator.target, expected):
        return ""
    parts = []
    for column in watched.indicators.columns:
        value = indicator_cell(indicator, column)
        if (CAUSE in column.roles or REMEDY in column.roles) and isinstance(value, str) and value.strip():
            parts.append(f"{column.label}：{value.strip()}")
    return "；".join(parts)
