"""The rule registry: what a rule is, how rules register, how they run over a document, and the
helpers every rule module shares (a finding at its place, an indicator's field path, a section's
text). builder.check.checks and builder.check.slips register their rules here; nothing here knows a rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterator

from builder.forms import formspec as fs
from builder.forms.formdef import document_form  # noqa: F401  (re-exported for the rule modules)
from builder.model import core as m
from builder.read.errors import Location, Problem

ERROR, WARNING = "错误", "警告"
ZERO = Decimal(0)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    kinds: tuple[str, ...] | None  # None: documents of every kind (the roles decide)
    description: str
    check: Callable[..., Iterator[Problem]]
    default_on: bool = True  # False: runs only when a rule profile (规则:) turns it on
    needs: tuple[str, ...] = ()  # the roles the document's form must declare for the rule to run
    declared: bool = False  # an id a form declares (a money table's 合计规则, 关系 …): found by MONEY-*
    settings: tuple[str, ...] = ()  # the names of its 参数 in a rule profile: check(document, {name: value})
    against: bool = False  # compares with another document (check --against): check(document, other)


RULES: list[Rule] = []


def rule(rule_id: str, severity: str, description: str, kinds=None, default_on: bool = True,
         needs: tuple[str, ...] = (), settings: tuple[str, ...] = (), against: bool = False):
    """Register a rule. It runs for a document whose form declares every role of ``needs``
    (docs/forms.md, 角色) and is silent for one that does not; ``kinds`` narrows it further to
    documents of those kinds (every kind by default). A rule with ``settings`` is called with its
    参数 from the rule profile (the shipped 默认.yaml gives every one a default); one ``against``
    runs only when there is a document to compare with (``check --against``) and is given it."""
    def register(function):
        RULES.append(Rule(rule_id, severity, None if kinds is None else tuple(kinds), description, function,
                          default_on, tuple(needs), settings=tuple(settings), against=against))
        return function
    return register


def declare(rule_id: str, severity: str, description: str) -> None:
    """Register an id a form declares for its own arithmetic (a money table's 合计规则 or 关系):
    profiles and 忽略: name it like any rule; the generic table rule yields its findings."""
    if all(r.id != rule_id for r in RULES):
        RULES.append(Rule(rule_id, severity, None, description, lambda document: iter(()), True, (), True))


def declares(form, role: str) -> bool:
    """Whether a form declares a role: on a field or money cell, on an indicator column, on a
    category of its indicator framework."""
    if form.has_role(role) or form.categories(role):
        return True
    return any(spec.indicators is not None and spec.indicators.column_with(role) is not None
               for spec in form.indicator_fields())


OFF, OWN = "关闭", "默认"
GENERIC = "MONEY-"  # the generic table rules: their findings carry the ids a form declares


def run_checks(document: m.Document, levels: dict[str, str] | None = None, settings: dict | None = None,
               against: m.Document | None = None) -> list[Problem]:
    """Run the rules whose roles the document's form declares. ``levels`` (a rule profile) maps
    a rule id to 错误/警告 (every finding of the rule at that severity), 关闭 (not run) or 默认
    (the rule's own severities); a rule not in it runs when it is on by default. A finding
    carrying another id than its rule's (a form's declared id) takes that id's level.
    ``settings`` (rule id → {参数: value}, builder.check.profile.rule_settings) are given to the rules
    that have 参数 (without them those rules do not run); ``against`` to the rules comparing two
    documents (without it they do not run)."""
    from dataclasses import replace

    levels = levels or {}
    form = document_form(document)
    findings: list[Problem] = []
    for r in RULES:
        if r.declared or (r.kinds is not None and document.kind not in r.kinds) \
                or not all(declares(form, role) for role in r.needs):
            continue
        if (r.settings and (settings is None or r.id not in settings)) or (r.against and against is None):
            continue
        level = levels.get(r.id, OWN if r.default_on else OFF)
        if level == OFF and not r.id.startswith(GENERIC):
            continue
        given = (settings[r.id],) if r.settings else (against,) if r.against else ()
        for problem in r.check(document, *given):
            own = level if problem.rule == r.id else levels.get(problem.rule, level)
            if own != OFF:
                findings.append(problem if own == OWN else replace(problem, severity=own))
    return sorted(findings, key=lambda p: (str(p.location.file), p.location.line, p.location.col, p.rule))


def finding(location: Location, field: str, rule_id: str, message: str, severity: str = ERROR,
            **values) -> Problem:
    return Problem(location, field, message, severity, rule_id, tuple((k, str(v)) for k, v in values.items()))


def indicator_path(indicator: m.Indicator) -> str:
    return f"{indicator.group}.{indicator.level1}.{indicator.level2}.{indicator.name}"


def indicator_field(document: m.Document, role: str):
    """The document's first indicator field (its spec) with a column playing ``role``, or None."""
    for spec in document_form(document).indicator_fields():
        if spec.indicators.column_with(role) is not None:
            return spec
    return None


def indicator_column(document: m.Document, role: str):
    """The indicator column playing ``role`` (its key and label), in the form's first set having it."""
    spec = indicator_field(document, role)
    return spec.indicators.column_with(role) if spec is not None else None


def section_text(value) -> str:
    """The words of a text field's value: paragraphs, or a 预算安排 (its lead and items)."""
    if isinstance(value, m.BudgetPlan):
        value = (*value.lead, *(f"{i.name}{i.note}" for i in value.items))
    if isinstance(value, str):
        return value
    return "\n".join(value or ())


def amount(value: Decimal | None) -> Decimal:
    """A money value a rule adds up: a missing one counts as 0."""
    return ZERO if value is None else value


def squash(text: str) -> str:
    """A text without any white space: how rules compare what people wrote."""
    return re.sub(r"\s+", "", text)


def single_year(project, year: int) -> bool:
    """Whether a project starts and ends within the budget year (its form's date roles)."""
    start, end = project.role(START), project.role(END)
    return start is not None and end is not None and start.year == year and end.year == year


# the roles rules read (docs/forms.md, 角色): what a value is, in any form
START, END, PERIOD, BUDGET = "开始日期", "完成日期", "周期", "预算安排"
ANNUAL, PROJECT_TOTAL, COST, TARGETS, COST_CAP = "年度金额", "项目总额", "成本", "目标设定", "成本上限"
TOTAL_GOAL, YEAR_GOAL, NAME, TARGET_VALUE, PARTS = "总目标", "年度目标", "名称", "目标值", "组成"
ACTUAL = "实际值"  # the 自评's column of what was achieved
BY_COLUMN, BY_ROW = fs.BY_COLUMN, fs.BY_ROW  # how a money table is written
_ORDINAL = re.compile(r"^[一二三四五六七八九十]+、")


def name(form, path: str) -> str:
    """How a message names a field: the label the form prints, without a section's ordinal
    (“五、实施周期” → “实施周期”)."""
    return _ORDINAL.sub("", form.label(path))


def _money_cell(form, path: str):
    """(table, cell) of a money cell's source path, or (None, None)."""
    for spec in form.money_tables():
        table = spec.table
        if path.startswith(table.key + "."):
            cell = table.cell(path[len(table.key) + 1:])
            if cell is not None:
                return table, cell
    return None, None


def role_cell(form, role: str):
    """(table, cell) of the money cell playing ``role`` (a one-cell role), or (None, None)."""
    return _money_cell(form, form.role_path(role) or "")


def role_cell_at(form, path: str):
    """(table, cell) of the money cell at a source path, or (None, None)."""
    return _money_cell(form, path)


def place(form, path: str) -> str:
    """Where a finding about a money cell sits: a 合计 cell of a 列下分行 table at its column, a cell
    of a 行为列表 table at its row (the list that holds it)."""
    table, cell = _money_cell(form, path)
    if cell is None:
        return path
    if table.layout == BY_ROW:
        return table.path(cell.row)
    return table.path(cell.column) if cell.is_total else path


def cell_name(form, path: str) -> str:
    """How a message names a money cell: a 合计 cell or a cell of a grid by its column, another by
    its row's label; any other field by ``name``."""
    table, cell = _money_cell(form, path)
    if cell is None:
        return name(form, path)
    if table.layout == BY_ROW or cell.is_total:
        return table.column(cell.column).label
    return cell.label


def row_name(form, path: str) -> str:
    """The label of the row holding a money cell."""
    table, cell = _money_cell(form, path)
    if cell is None:
        return name(form, path)
    spec = table.row(cell.row)
    return table.column(cell.column).row_labels.get(cell.row) or (spec.label if spec else cell.row)


def row_values(form, project, role: str, *leave_out: str) -> list:
    """The values of the other cells in the row of the cell playing ``role`` (``leave_out``: roles
    whose cells are not among them)."""
    table, cell = _money_cell(form, form.role_path(role) or "")
    if cell is None:
        return []
    skip = {form.role_path(r) for r in (role, *leave_out)}
    values = project.get(table.key)
    return [values.get(c.address) if values is not None else None for c in table.cells()
            if c.row == cell.row and table.path(c.address) not in skip]


def pair(first: str, second: str) -> str:
    """Two labels as one phrase, their common start and end said once (“计划开始、完成日期”)."""
    head = 0
    while head < min(len(first), len(second)) - 1 and first[head] == second[head]:
        head += 1
    tail = 0
    while tail < min(len(first), len(second)) - head - 1 and first[-1 - tail] == second[-1 - tail]:
        tail += 1
    end = len(first) - tail
    return f"{first[:head]}{first[head:end]}、{second[head:len(second) - tail]}{first[end:]}"


def is_cost(form, indicator) -> bool:
    """Whether an indicator sits under a category with the 成本 role (一级 or 二级)."""
    cost = form.categories(COST)
    return (indicator.level1, None) in cost or (indicator.level1, indicator.level2) in cost


def cost_targets(document: m.Document, project) -> list:
    """The project's cost indicators in the sets that set targets (tag 目标设定)."""
    form = document_form(document)
    sets = {spec.key for spec in form.fields_with(TARGETS)}
    return [i for i in project.indicators if i.group in sets and is_cost(form, i)]
