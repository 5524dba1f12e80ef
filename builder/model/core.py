"""Stage 2 — the model: typed, validated facts of one document.

Plain frozen dataclasses; money is ``Decimal`` in 元. The loader
(``builder.load.loader``) builds them from located raw values; every later stage
(checks, render, outputs) reads only these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from builder.read.errors import Location
from builder.model.values import IndicatorValue

TARGET_KIND = "绩效目标申报"
EVALUATION_KIND = "绩效自评"
MONITOR_KIND = "绩效运行监控"  # its projects are built from the form as a 申报-kind form's are
DOCUMENT_KINDS = (TARGET_KIND, EVALUATION_KIND, MONITOR_KIND)

DEFAULT_GOAL_REFERENCE = "详见单位的项目绩效目标表"


@dataclass(frozen=True)
class Indicator:
    """One row of the 绩效指标 grid."""

    level1: str
    level2: str
    name: str  # 三级指标
    target: IndicatorValue  # 指标值 / 年度指标值
    location: Location
    # 绩效自评 only
    actual: IndicatorValue | None = None  # 实际完成值
    weight: Decimal | None = None  # 分值
    score: Decimal | None = None  # 得分 as written (None: computed)
    deviation: str = ""  # 偏差原因分析及改进措施
    band: str | None = None  # 完成程度: 达成 / 基本达成 / 部分达成 / 未达成 (定性 bands)
    group: str = "绩效指标"  # the indicator set (指标组) it belongs to: 绩效指标, or a form's 长期绩效指标 …
    extra: dict = field(default_factory=dict, compare=False, hash=False)  # a form's indicator-level fields (备注 …)


@dataclass(frozen=True)
class Waiver:
    """A finding accepted in the sources (``忽略:``): which rule, where, and why."""

    rule: str  # 规则
    place: str  # 位置: a field path, an indicator name, or empty for the whole file
    reason: str  # 原因
    location: Location  # where the waiver itself is written
    project: str = ""  # 项目 (document.yaml only): a project file stem or 项目名称


@dataclass(frozen=True)
class FundsTable:
    """The 项目资金（元） block of the 申报 form: whole project (left), this year (right).

    A cell left blank in the source is None and printed blank.
    """

    total: Decimal  # 项目资金总额
    fiscal: Decimal | None  # 其中：财政资金
    total_other: Decimal | None  # 其他资金 (left)
    annual: Decimal  # 年度资金申请总额
    appropriation: Decimal | None  # 其中：当年财政拨款
    carryover: Decimal | None  # 上年结转资金
    annual_other: Decimal | None  # 其他资金 (right)
    annual_extra: tuple[tuple[str, Decimal | None], ...] = ()  # a form's money fields (自有资金 …), in 合计


@dataclass(frozen=True)
class BudgetItem:
    name: str
    amount: Decimal
    formula: str = ""
    note: str = ""
    items: tuple["BudgetItem", ...] = ()  # the item's own arithmetic (checked, not printed)
    location: Location | None = None


@dataclass(frozen=True)
class BudgetPlan:
    """A structured 年度预算安排: lead text and numbered items."""

    lead: tuple[str, ...]
    items: tuple[BudgetItem, ...]


@dataclass(frozen=True)
class Narrative:
    """项目经费情况说明: sections 一 … 七, each a tuple of paragraphs."""

    overview: tuple[str, ...]  # 项目概述
    basis: tuple[str, ...]  # 立项依据
    implementer: tuple[str, ...]  # 实施主体
    plan: tuple[str, ...]  # 实施方案
    period: tuple[str, ...]  # 实施周期
    budget: tuple[str, ...] | BudgetPlan  # 年度预算安排
    goal_reference: tuple[str, ...]  # 绩效目标


class FormAccess:
    """What a rule or a renderer asks a project through its form (docs/forms.md): a field by its
    path, the value playing a role, a printed label. ``form`` is a builder.forms.formspec.Form and
    ``values`` the project's fields by key (分组 → dict, 金额表 → MoneyValues …)."""

    def get(self, path: str):
        """The value at a dotted source path (a money cell's is its computed value); None if none."""
        value = self.values
        parts = path.split(".")
        for i, part in enumerate(parts):
            if isinstance(value, dict):
                value = value.get(part)
            elif hasattr(value, "cells"):
                return value.get(".".join(parts[i:]))
            else:
                return None
        return value

    def role_path(self, name: str) -> str | None:
        return self.form.role_path(name) if self.form is not None else None

    def role(self, name: str):
        """The value playing role ``name``; None when the form lacks the role or the value is blank."""
        path = self.role_path(name)
        if path is None:
            return None
        value = self.get(path)
        return None if value in (None, "", ()) else value

    def label(self, path: str) -> str:
        return self.form.label(path) if self.form is not None else path.rsplit(".", 1)[-1]

    def location(self, key: str) -> Location:
        """Where a field (dotted path) was written, or the nearest enclosing place (``locations``)."""
        while key not in self.locations and "." in key:
            key = key.rsplit(".", 1)[0]
        return self.locations.get(key, self.locations.get("", Location(self.source)))


@dataclass(frozen=True)
class TargetProject(FormAccess):
    """A project of a 绩效目标申报 document."""

    stem: str
    source: Path
    name: str
    nature: str
    category: str
    authority: str  # 主管部门
    implementer: str  # 实施单位
    start: dt.date
    end: dt.date
    funds: FundsTable
    narrative: Narrative
    total_goal: tuple[str, ...]
    annual_goal: tuple[str, ...] | None
    indicators: tuple[Indicator, ...]
    locations: dict[str, Location] = field(default_factory=dict, compare=False, repr=False)
    waivers: tuple[Waiver, ...] = ()  # 忽略
    # a form's extension fields by their path ("项目属性", "情况说明.可行性", "项目资金.年度资金申请总额.自有资金")
    extra: dict = field(default_factory=dict, compare=False)
    # the indicator sets by name (指标组); ``indicators`` holds them all, in order
    indicator_sets: dict = field(default_factory=dict, compare=False)
    # Markdown sections by field path (情况说明.项目概述, 项目总目标 …): the pieces printed there, each a
    # converted fragment (builder.read.markdown.MarkdownText) or a plain paragraph; the plain-text fields above
    # hold the same words, for the checks, diff and the workbook
    markdown: dict[str, tuple] = field(default_factory=dict, compare=False, repr=False)
    # the project's form (builder.forms.formspec.Form) and its values by field key (FormAccess)
    form: object = field(default=None, compare=False, repr=False)
    values: dict = field(default_factory=dict, compare=False, repr=False)



@dataclass(frozen=True)
class FundRow:
    """One 自评 money row: 年初预算数, 全年预算数, 全年执行数 (None = blank cell)."""

    initial: Decimal | None
    budget: Decimal | None
    spent: Decimal | None


@dataclass(frozen=True)
class EvaluationFunds:
    total: FundRow  # 年度资金总额
    appropriation: FundRow  # 其中：当年财政拨款
    carryover: FundRow  # 上年结转资金
    other: FundRow  # 其他资金


@dataclass(frozen=True)
class EvaluationProject(FormAccess):
    """A project of a 绩效自评 document; a parent lists its parts in ``parts``."""

    stem: str
    source: Path
    name: str
    is_part: bool  # 二级构成
    authority: str
    implementer: str
    parts: tuple[str, ...]
    funds: EvaluationFunds
    execution_weight: Decimal  # 预算执行分值
    expected: tuple[str, ...]  # 预期目标
    achieved: tuple[str, ...]  # 实际完成情况
    indicators: tuple[Indicator, ...]
    locations: dict[str, Location] = field(default_factory=dict, compare=False, repr=False)
    waivers: tuple[Waiver, ...] = ()  # 忽略
    extra: dict = field(default_factory=dict, compare=False)  # a form's 项目-level fields
    markdown: dict[str, tuple] = field(default_factory=dict, compare=False, repr=False)  # 预期目标 / 实际完成情况
    # 待确认: the field paths of draft values another document gave (new 绩效自评 --from a 监控), to confirm
    to_confirm: tuple[str, ...] = ()
    # the project's form (builder.forms.formspec.Form) and its values by field key (FormAccess)
    form: object = field(default=None, compare=False, repr=False)
    values: dict = field(default_factory=dict, compare=False, repr=False)



@dataclass(frozen=True)
class Document:
    kind: str
    year: int
    unit_name: str
    budget_units: int
    projects: tuple
    folder: Path
    source: Path  # document.yaml
    template: str | None = None  # 模板: a template file name inside the folder
    stated_summary: dict = field(default_factory=dict, compare=False)  # 项目数 / 涉及项目预算资金 as written
    locations: dict[str, Location] = field(default_factory=dict, compare=False, repr=False)
    rules: str | None = None  # 规则: the rule profile (shipped name or a path from the folder)
    waivers: tuple[Waiver, ...] = ()  # 忽略
    # the document's form (builder.forms.formspec.Form): the shipped one when document.yaml names none
    form: object = field(default=None, compare=False)
    # today's form object (builder.forms.form.Form) of a form other than the shipped one, else None:
    # for the callers not yet asking ``form`` (builder.forms.formcompat.legacy_view)
    custom_form: object = field(default=None, compare=False)
    extra: dict = field(default_factory=dict, compare=False)  # the form's document-level fields
    # every project of the document, when ``projects`` holds only some of them (a build after a
    # few project files changed: builder.output.incremental); None when ``projects`` is all of them
    roster: tuple | None = field(default=None, compare=False, repr=False)

    @property
    def all_projects(self) -> tuple:
        """Every project, or what the document-wide rules and totals need of each (RosterEntry)."""
        return self.roster if self.roster is not None else self.projects

    def numbered_projects(self) -> list[tuple[int, object]]:
        """``projects`` with each one's number (from 1) in the whole document."""
        if self.roster is None:
            return list(enumerate(self.projects, start=1))
        numbers = {entry.source: number for number, entry in enumerate(self.roster, start=1)}
        return [(numbers[project.source], project) for project in self.projects]

    @property
    def framework(self) -> dict[str, tuple[str, ...]]:
        """一级指标 → its 二级指标, as the document's form lists them."""
        return self.form.framework_map if self.form is not None else {}

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def total_annual(self) -> Decimal:
        """Σ 年度资金申请总额 of a 申报 document (the 涉及项目预算资金)."""
        return sum((p.funds.annual for p in self.all_projects), Decimal(0))


@dataclass(frozen=True)
class RosterEntry:
    """What the document-wide rules (DOC-NAMES, DOC-SUMMARY, COPIED-TEXT) and totals read of a
    project that was not loaded again."""

    source: Path
    name: str
    funds: "RosterFunds"
    money: dict = field(default_factory=dict)  # every money cell: path → Decimal | None (document totals)


@dataclass(frozen=True)
class RosterFunds:
    annual: Decimal
