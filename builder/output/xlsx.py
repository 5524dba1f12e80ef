"""Stage 5 (spreadsheet) — one document becomes one reproducible .xlsx workbook.

Two sheets: 项目 (one row per project: the form fields and money figures as
numbers) and 绩效指标 (one row per indicator, its 指标值 also split into
比较符 / 数值 / 单位). Values come from the model and ``builder.check.scoring``, the
same facts the .docx prints; texts stay texts (a 指标值 such as ``=7个`` is
never turned into a formula).

Money goes to openpyxl as ``Decimal``; openpyxl writes every number as
``"%.16g" % value``, which is exact for any amount in 元 and 分 below 10¹³ 元.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from builder.forms.derived import derived_for
from builder.forms.formdef import document_form
from builder.forms.formkinds import MONEY_TABLE
from builder.forms.formvalues import indicator_cell
from builder.model import core as m
from builder.check import scoring
from builder.check.monitor import GREEN_LIGHT, RED_LIGHT, YELLOW_LIGHT
from builder.render.context import extension_text
from builder.output.assemble import build_timestamp, normalize_package
from builder.model.values import TEN_THOUSAND, format_score, format_yuan, round_half_up

PROJECTS_SHEET = "项目"
INDICATORS_SHEET = "绩效指标"

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.00%"
TOTAL_SCORE_FORMAT = "0.00"
GENERAL = "General"

MIN_WIDTH = 6
MAX_WIDTH = 50  # a wider text wraps inside a column this wide
PADDING = 2
HEADER_PADDING = 4  # room for the autofilter button

# the engine's derived values (builder.forms.derived) each kind's project sheet carries, before and
# after the form's fields: a 申报 numbers and totals its projects, a 自评 scores them
LEADING = {m.TARGET_KIND: ("序号",)}
PACE = "执行进度"  # builder.forms.derived
TRAILING = {m.EVALUATION_KIND: ("预算执行", "总分", "等级"), m.MONITOR_KIND: (PACE,)}
# the fill of a 执行进度 light's cell (Excel's own good / neutral / bad colours)
LIGHT_FILLS = {GREEN_LIGHT: "C6EFCE", YELLOW_LIGHT: "FFEB9C", RED_LIGHT: "FFC7CE"}
TOTAL_ROW = "合计"
SET_HEADER = "指标组"
INDICATOR_HEADERS = ("项目", "一级指标", "二级指标", "三级指标", "比较符", "数值", "单位", "指标值")
TEXT_KINDS = ("文本", "选项", "表格")  # one column each, by the field's label (段落 stay in the .docx)
NUMBER_KINDS = ("整数", "数值")


class _Value:
    """A cell's value with its number format (None for a text or a blank)."""

    __slots__ = ("value", "number_format", "fill")

    def __init__(self, value, number_format: str | None = None, fill: str | None = None):
        self.value = value
        self.number_format = number_format
        self.fill = fill  # a background colour (RRGGBB)


def _money(amount: Decimal | None, unit: str = "元") -> _Value:
    """An amount (元) in the unit its table prints: 万元 divided exactly (178.60, not 1786000.00)."""
    if amount is not None and unit.startswith("万元"):
        return _Value(amount / TEN_THOUSAND, MONEY_FORMAT)
    return _Value(amount, MONEY_FORMAT)


def _unit_header(label: str, unit: str) -> str:
    return f"{label}（万元）" if unit.startswith("万元") and "万元" not in label else label


def _date(day: dt.date) -> _Value:
    return _Value(day, DATE_FORMAT)


def _number(number: Decimal | None, number_format: str = GENERAL) -> _Value:
    return _Value(number, number_format)


def workbook_bytes(document: m.Document) -> bytes:
    """The .xlsx of one document; the same document always gives the same bytes."""
    timestamp = build_timestamp(document.year)
    moment = dt.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ")
    workbook = Workbook()
    projects = workbook.active
    projects.title = PROJECTS_SHEET
    indicators = workbook.create_sheet(INDICATORS_SHEET)
    form = document_form(document)
    _fill(projects, *_project_rows(document, form))
    _fill(indicators, *_indicator_rows(document, form))
    title = f"{document.unit_name} {document.year} 年 {document.kind}"
    properties = workbook.properties
    properties.title = title
    properties.creator = document.unit_name
    properties.lastModifiedBy = "budgetdoc"
    properties.created = moment
    properties.modified = moment  # openpyxl stamps the clock on save; normalize_package resets it
    buffer = io.BytesIO()
    workbook.save(buffer)
    return normalize_package(buffer.getvalue(), timestamp)


# ---------------------------------------------------------------- columns from the form


@dataclass(frozen=True)
class _Column:
    header: str
    key: str  # the source path: a duplicate header gets it in brackets
    value: Callable  # (project, number) → a cell
    summed: bool = False  # a money column: the total row sums it
    name: bool = False  # the 名称 column: the total row's label


def _unique(columns: list[_Column]) -> list[_Column]:
    """No two columns under one header: a later one with a taken header gets its key, 项目类别(项目分类)."""
    seen: set[str] = set()
    out = []
    for column in columns:
        if column.header in seen:
            column = replace(column, header=f"{column.header}({column.key})")
        seen.add(column.header)
        out.append(column)
    return out


def _field_cell(spec, value, unit: str = "元"):
    if value is None or value == "" or value == ():
        return None
    if spec.kind == "金额":
        return _money(value)
    if spec.kind == "日期":
        return _date(value)
    if spec.kind in NUMBER_KINDS:
        return _number(Decimal(value))
    return extension_text(spec, value, unit) or None


def _field_columns(form) -> list[_Column]:
    """The project fields a sheet shows, in form order: texts, dates, numbers, money, each money cell."""
    columns = []
    for spec in form.walk():
        if spec.kind == MONEY_TABLE:
            unit = spec.table.unit or form.unit
            for cell in spec.table.cells():
                path = spec.table.path(cell.address)
                columns.append(_Column(_unit_header(cell.xlsx_label, unit), path,
                                       lambda p, n, path=path, unit=unit: _money(p.get(path), unit), True))
        elif spec.kind == "金额":
            columns.append(_Column(_unit_header(spec.label, form.unit), spec.path,
                                   lambda p, n, path=spec.path: _money(p.get(path), form.unit), True))
        elif spec.kind in (*TEXT_KINDS, *NUMBER_KINDS, "日期"):
            named = "名称" in spec.roles
            columns.append(_Column(spec.label, spec.path, (lambda p, n: _display_name(p)) if named else
                                   (lambda p, n, spec=spec: _field_cell(spec, p.get(spec.path), form.unit)), name=named))
    return columns


def _derived_columns(form, names: tuple[str, ...], taken: set[str], getters=None) -> list[_Column]:
    """The engine's derived values ``names`` the form has; a part named as an indicator column
    (分值, 得分) is prefixed by its value's name (预算执行得分), a part already shown is left out."""
    columns = []
    indicator_columns = {c.key for s in form.indicator_fields() for c in s.indicators.columns}
    for derived in derived_for(form):
        if derived.chinese not in names:
            continue
        getter = (getters or DERIVED_CELLS)[derived.english]
        if not derived.parts:
            columns.append(_Column(derived.chinese, derived.chinese, getter))
            continue
        for part, english in derived.parts:
            header = f"{derived.chinese}{part}" if part in indicator_columns else part
            if header not in taken:
                columns.append(_Column(header, f"{derived.chinese}.{part}",
                                       lambda p, n, getter=getter, english=english: getter(p, n)[english]))
    return columns


def _execution(project, number) -> dict:
    run = scoring.execution(project)
    return {"weight": _number(run.weight), "rate": _number(run.rate, PERCENT_FORMAT), "score": _number(run.score)}


def _pace(document: m.Document):
    """(project, number) → its 执行进度 cells, as the monitoring rules compute them (the light coloured)."""
    from builder.check.monitor import off_track, pace
    from builder.check.profile import rule_settings

    settings = rule_settings(document)

    def cells(project, number) -> dict:
        found = pace(document, project, settings)
        rate = found.rate if found is not None else None
        light = found.light if found is not None else ""
        return {"rate": _number(rate, PERCENT_FORMAT), "elapsed": _number(found.elapsed if found else None, PERCENT_FORMAT),
                "light": _Value(light or None, None, LIGHT_FILLS.get(light)),
                "off_track": _number(len(off_track(document, project)))}
    return cells


DERIVED_CELLS = {
    "number": lambda p, n: _number(n),
    "execution": _execution,
    "total_score": lambda p, n: _number(scoring.totals(p).printed, TOTAL_SCORE_FORMAT),
    "grade": lambda p, n: scoring.totals(p).grade,
}


def project_columns(document: m.Document, form) -> list[_Column]:
    fields = _field_columns(form)
    leading = _derived_columns(form, LEADING.get(document.kind, ()), set())
    getters = {**DERIVED_CELLS, "pace": _pace(document)} if PACE in TRAILING.get(document.kind, ()) else None
    trailing = _derived_columns(form, TRAILING.get(document.kind, ()), {c.header for c in fields}, getters)
    return _unique([*leading, *fields, *trailing])


def _project_rows(document: m.Document, form):
    columns = project_columns(document, form)
    rows = [[c.value(p, n) for c in columns] for n, p in enumerate(document.projects, start=1)]
    if document.kind not in LEADING:
        return [c.header for c in columns], rows
    total = []
    for index, column in enumerate(columns):
        present = [row[index].value for row in rows if isinstance(row[index], _Value) and row[index].value is not None]
        total.append(_money(sum(present, Decimal(0)) if present else None) if column.summed
                     else TOTAL_ROW if column.name else None)
    return [c.header for c in columns], rows, total


def _indicator_value(project, indicator, column):
    if "目标值" in column.roles:
        return indicator.target.canonical() if column.print_as == "规范" else indicator.target.text
    if "得分" in column.roles:
        return _number(scoring.score(indicator))
    value = indicator_cell(indicator, column)
    if "实际值" in column.roles:
        return value.text if value is not None else None
    return _field_cell(column, value)


def _indicator_rows(document: m.Document, form):
    """One row per indicator: its set (when the form has several), project, 一级/二级/三级, the
    指标值 split and whole, then the set's other columns under their labels; a column neither
    必填 nor defaulted (默认) nor filled in any row is left out (a 自评's 完成程度 when no indicator
    is scored by band)."""
    sets = {spec.key: spec for spec in form.indicator_fields()}
    every = [(p, i) for p in document.projects for i in p.indicators]
    others: dict[str, object] = {}
    for spec in sets.values():
        for column in spec.indicators.columns:
            if "目标值" not in column.roles:
                others.setdefault(column.key, column)
    rows = [[_display_name(p), i.level1, i.level2, i.name, *_split(i.target),
             _indicator_value(p, i, sets[i.group].indicators.column_with("目标值"))
             if i.group in sets and sets[i.group].indicators.column_with("目标值") else i.target.text]
            for p, i in every]
    headers = [_Column(h, h, None) for h in INDICATOR_HEADERS]
    for key, column in others.items():
        cells = [_indicator_value(p, i, column) if i.group in sets and sets[i.group].indicators.column(key)
                 else None for p, i in every]
        if not column.required and not column.has_default and all(c is None or (isinstance(c, _Value) and c.value is None) for c in cells):
            continue
        headers.append(_Column(column.label, key, None))
        for row, item in zip(rows, cells):
            row.append(item)
    if len(sets) > 1:
        headers.insert(0, _Column(SET_HEADER, SET_HEADER, None))
        for row, (_, i) in zip(rows, every):
            row.insert(0, i.group)
    return [c.header for c in _unique(headers)], rows


def _display_name(project) -> str:
    from builder.forms.formvalues import display_name

    return display_name(project)


def _split(value) -> list:
    """比较符, 数值, 单位 of a 指标值 (blank for a text)."""
    return [value.comparator, _number(value.number), value.unit or None]


# ---------------------------------------------------------------- the sheet


def _fill(sheet, headers, rows: list[list], total: list | None = None) -> None:
    """Header row (bold, frozen, filtered), the rows, an optional bold total row, fitted widths."""
    widths = [text_width(h) + HEADER_PADDING for h in headers]
    bold = Font(bold=True)
    for column, header in enumerate(headers, start=1):
        _put(sheet.cell(row=1, column=column), header).font = bold
    body = [*rows, total] if total is not None else rows
    for row_number, row in enumerate(body, start=2):
        for column, item in enumerate(row, start=1):
            _put(sheet.cell(row=row_number, column=column), item)
            widths[column - 1] = max(widths[column - 1], _cell_width(item) + PADDING)
        if row is total:
            for column in range(1, len(headers) + 1):
                sheet.cell(row=row_number, column=column).font = bold
    for column, width in enumerate(widths, start=1):
        fitted = min(max(width, MIN_WIDTH), MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(column)].width = fitted
        if width > MAX_WIDTH:
            wrap = Alignment(wrap_text=True, vertical="top")
            for row_number in range(2, len(body) + 2):
                cell = sheet.cell(row=row_number, column=column)
                if _cell_width(body[row_number - 2][column - 1]) + PADDING > MAX_WIDTH:
                    cell.alignment = wrap
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(headers))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"  # the total row stays out of sorting


def _put(cell, item):
    if isinstance(item, _Value):
        cell.value = item.value
        if item.value is not None and item.number_format:
            cell.number_format = item.number_format
        if item.fill:
            cell.fill = PatternFill(fill_type="solid", start_color=item.fill, end_color=item.fill)
    elif item is not None:
        cell.value = item
        cell.data_type = "s"  # "=7个" is a text, not a formula
    return cell


def _cell_width(item) -> int:
    return text_width(_shown(item))


def _shown(item) -> str:
    """The text a cell shows, for fitting its column."""
    if item is None:
        return ""
    if not isinstance(item, _Value):
        return str(item)
    value, number_format = item.value, item.number_format
    if value is None:
        return ""
    if number_format == MONEY_FORMAT:
        return format_yuan(value)
    if number_format == DATE_FORMAT:
        return value.isoformat()
    if number_format == PERCENT_FORMAT:
        return f"{round_half_up(value * 100):f}%"
    if number_format == TOTAL_SCORE_FORMAT:
        return f"{round_half_up(value):f}"
    return format_score(Decimal(value)) if isinstance(value, (int, Decimal)) else str(value)


def text_width(text: str) -> int:
    """Columns a text needs: East Asian wide, full-width and ambiguous characters count 2."""
    lines = str(text).splitlines() or [""]
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in line) for line in lines)
