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
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from builder.model import core as m
from builder.check import scoring
from builder.output.assemble import build_timestamp, normalize_package
from builder.model.values import format_score, format_yuan, round_half_up

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

TARGET_PROJECT_HEADERS = (
    "序号", "项目名称", "项目性质", "项目类别", "主管部门", "实施单位", "计划开始日期", "计划完成日期",
    "项目资金总额", "财政资金", "其他资金(总额)",
    "年度资金申请总额", "当年财政拨款", "上年结转资金", "其他资金(年度)",
)
EVALUATION_FUND_ROWS = (
    ("total", "年度资金总额"), ("appropriation", "当年财政拨款"), ("carryover", "上年结转资金"), ("other", "其他资金"),
)
EVALUATION_FUND_COLUMNS = (("initial", "年初预算数"), ("budget", "全年预算数"), ("spent", "全年执行数"))
EVALUATION_PROJECT_HEADERS = (
    "项目名称", "主管部门", "实施单位",
    *(f"{row}·{col}" for _, row in EVALUATION_FUND_ROWS for _, col in EVALUATION_FUND_COLUMNS),
    "预算执行分值", "执行率", "预算执行得分", "总分", "等级",
)
INDICATOR_HEADERS = ("项目", "一级指标", "二级指标", "三级指标", "比较符", "数值", "单位", "指标值")
EVALUATION_INDICATOR_HEADERS = (*INDICATOR_HEADERS, "实际完成值", "分值", "得分", "偏差原因分析及改进措施")


class _Value:
    """A cell's value with its number format (None for a text or a blank)."""

    __slots__ = ("value", "number_format")

    def __init__(self, value, number_format: str | None = None):
        self.value = value
        self.number_format = number_format


def _money(amount: Decimal | None) -> _Value:
    return _Value(amount, MONEY_FORMAT)


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
    if document.kind == m.TARGET_KIND and document.custom_form is not None:
        headers, rows, total = _form_project_rows(document)
        _fill(projects, headers, rows, total)
        _fill(indicators, *_form_indicator_rows(document))
    elif document.kind == m.TARGET_KIND:
        _fill(projects, TARGET_PROJECT_HEADERS, *_target_project_rows(document))
        _fill(indicators, INDICATOR_HEADERS, _target_indicator_rows(document))
    else:
        project_headers, project_rows = list(EVALUATION_PROJECT_HEADERS), _evaluation_project_rows(document)
        indicator_headers, indicator_rows = list(EVALUATION_INDICATOR_HEADERS), _evaluation_indicator_rows(document)
        if document.custom_form is not None:  # a form's own fields, under their labels
            specs, indicator_specs = document.custom_form.level("项目"), document.custom_form.level("指标")
            project_headers += [spec.label for spec in specs]
            for row, project in zip(project_rows, document.projects):
                row.extend(_extension_cell(spec, project.extra.get(spec.name)) for spec in specs)
            indicator_headers += [spec.label for spec in indicator_specs]
            every = [i for project in document.projects for i in project.indicators]
            for row, indicator in zip(indicator_rows, every):
                row.extend(_extension_cell(spec, indicator.extra.get(spec.name)) for spec in indicator_specs)
        _fill(projects, project_headers, project_rows)
        _fill(indicators, indicator_headers, indicator_rows)
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


# ---------------------------------------------------------------- rows


def _target_project_rows(document: m.Document) -> tuple[list[list], list | None]:
    rows = []
    for number, project in enumerate(document.projects, start=1):
        funds = project.funds
        rows.append([
            _number(number), project.name, project.nature, project.category, project.authority,
            project.implementer, _date(project.start), _date(project.end),
            _money(funds.total), _money(funds.fiscal), _money(funds.total_other),
            _money(funds.annual), _money(funds.appropriation), _money(funds.carryover), _money(funds.annual_other),
        ])
    money_columns = range(8, len(TARGET_PROJECT_HEADERS))
    total = [None, "合计", *([None] * 6)]
    for column in money_columns:
        present = [row[column].value for row in rows if row[column].value is not None]
        total.append(_money(sum(present, Decimal(0)) if present else None))
    return rows, total


def _extension_cell(spec, value):
    from builder.render.context import extension_text

    if spec.kind == "金额":
        return _money(value)
    if spec.kind == "日期" and value is not None:
        return _date(value)
    if spec.kind == "整数" and value is not None:
        return _number(Decimal(value))
    return extension_text(spec, value) or None


def _form_project_rows(document: m.Document):
    """A bureau's form: the shipped columns, then its own fields under their labels."""
    form = document.custom_form
    rows, total = _target_project_rows(document)
    specs = [("", spec) for spec in form.level("项目")] + [("情况说明.", spec) for spec in form.level("情况说明")]
    money_specs = form.level("项目资金")
    headers = list(TARGET_PROJECT_HEADERS) + [spec.label for _, spec in specs] + [spec.label for spec in money_specs]
    for row, project in zip(rows, document.projects):
        row.extend(_extension_cell(spec, project.extra.get(prefix + spec.name)) for prefix, spec in specs)
        extra = dict(project.funds.annual_extra)
        row.extend(_money(extra.get(spec.name)) for spec in money_specs)
    total.extend([None] * len(specs))
    for spec in money_specs:
        present = [v for p in document.projects for n, v in p.funds.annual_extra if n == spec.name and v is not None]
        total.append(_money(sum(present, Decimal(0)) if present else None))
    return headers, rows, total


def _form_indicator_rows(document: m.Document):
    specs = document.custom_form.level("指标")
    headers = ["指标组", *INDICATOR_HEADERS, *(spec.label for spec in specs)]
    rows = [
        [i.group, project.name, i.level1, i.level2, i.name, *_split(i.target), i.target.canonical(),
         *(_extension_cell(spec, i.extra.get(spec.name)) for spec in specs)]
        for project in document.projects for i in project.indicators
    ]
    return headers, rows


def _display_name(project: m.TargetProject | m.EvaluationProject) -> str:
    return f"{project.name}(二级构成)" if getattr(project, "is_part", False) else project.name


def _evaluation_project_rows(document: m.Document) -> list[list]:
    rows = []
    for project in document.projects:
        run = scoring.execution(project)
        totals = scoring.totals(project)
        money = [
            _money(getattr(getattr(project.funds, row), column))
            for row, _ in EVALUATION_FUND_ROWS for column, _ in EVALUATION_FUND_COLUMNS
        ]
        rows.append([
            _display_name(project), project.authority, project.implementer, *money,
            _number(run.weight), _number(run.rate, PERCENT_FORMAT), _number(run.score),
            _number(totals.printed, TOTAL_SCORE_FORMAT), totals.grade,
        ])
    return rows


def _split(value) -> list:
    """比较符, 数值, 单位 of a 指标值 (blank for a text)."""
    return [value.comparator, _number(value.number), value.unit or None]


def _target_indicator_rows(document: m.Document) -> list[list]:
    return [
        [project.name, i.level1, i.level2, i.name, *_split(i.target), i.target.canonical()]
        for project in document.projects for i in project.indicators
    ]


def _evaluation_indicator_rows(document: m.Document) -> list[list]:
    return [
        [
            _display_name(project), i.level1, i.level2, i.name, *_split(i.target), i.target.text,
            i.actual.text if i.actual is not None else None,
            _number(i.weight), _number(scoring.score(i)), i.deviation or None,
        ]
        for project in document.projects for i in project.indicators
    ]


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
