"""Stage 2 — the model: typed, validated facts of one document.

Plain frozen dataclasses; money is ``Decimal`` in 元. The loader
(``builder.load.loader``) builds them from located raw values; every later stage
(checks, render, outputs) reads only these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from builder.read.errors import Location
from builder.model.values import IndicatorValue

TARGET_KIND = "绩效目标申报"
EVALUATION_KIND = "绩效自评"
MONITOR_KIND = "绩效运行监控"  # read, checked and built by its form like the other two
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
class Project(FormAccess):
    """One project of a document, of any form: its values by the form's keys (FormAccess), its
    indicators (every set's rows, in order), where each value was written."""

    stem: str
    source: Path
    name: str  # the value playing the form's 名称 role
    indicators: tuple[Indicator, ...]
    locations: dict[str, Location] = field(default_factory=dict, compare=False, repr=False)
    waivers: tuple[Waiver, ...] = ()  # 忽略
    # the indicator sets by the key of their field (指标组); ``indicators`` holds them all, in order
    indicator_sets: dict = field(default_factory=dict, compare=False)
    # Markdown sections by field path (情况说明.项目概述 …): the pieces printed there, each a converted
    # fragment (builder.read.markdown.MarkdownText) or a plain paragraph; ``values`` hold the same words
    # as plain text, for the checks, diff and the workbook
    markdown: dict[str, tuple] = field(default_factory=dict, compare=False, repr=False)
    # the project's form (builder.forms.formspec.Form) and its values by field key (FormAccess)
    form: object = field(default=None, compare=False, repr=False)
    values: dict = field(default_factory=dict, compare=False)
    parts: tuple[str, ...] = ()  # the stems the form's 组成 role lists (a parent project)
    # 待确认: the field paths of draft values another document gave (new 绩效自评 --from a 监控), to confirm
    to_confirm: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    kind: str
    year: int
    unit_name: str
    projects: tuple
    folder: Path
    source: Path  # document.yaml
    template: str | None = None  # 模板: a template file name inside the folder
    locations: dict[str, Location] = field(default_factory=dict, compare=False, repr=False)
    rules: str | None = None  # 规则: the rule profile (shipped name or a path from the folder)
    waivers: tuple[Waiver, ...] = ()  # 忽略
    # the document's form (builder.forms.formspec.Form): the shipped one when document.yaml names none
    form: object = field(default=None, compare=False)
    values: dict = field(default_factory=dict, compare=False)  # the form's document fields, by key
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


@dataclass(frozen=True)
class RosterEntry:
    """What the document-wide rules (DOC-NAMES, DOC-SUMMARY, COPIED-TEXT) and totals read of a
    project that was not loaded again."""

    source: Path
    name: str
    annual: Decimal  # the value of the form's 年度金额 role
    money: dict = field(default_factory=dict)  # every money cell: path → Decimal | None (document totals)
