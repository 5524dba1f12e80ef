"""Rules for the slips people make (issue 21): warnings, each with a suggestion, at their place.

- FUND-SMALL: a project amount below 1,000 元 — 25 typed for 25 万;
- IND-COST-BUDGET: a cost indicator larger than the project's whole budget;
- SKELETON: the example texts of a ``budgetdoc init`` / ``new 项目`` skeleton left in place
  (taken from the skeletons' one definition, builder.forms.skeleton.placeholders);
- BIDI-CONTROL: invisible bidirectional control characters in a text;
- YEAR-STALE: an earlier year in a text (a next-year draft that still speaks of last year).

Every rule reading texts goes through ``text_fields``: every text of the document and of each
project — narratives (Markdown ones too: the model holds their words), goals, extension fields of
a bureau's form, indicator names, values and their own fields — each with its field path and place.
Registered in builder.check.rules.RULES (builder.check.checks imports this module at its end).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterator

from builder.model import core as m
from builder.check.rules import (
    ACTUAL, ANNUAL, COST, COST_CAP, PARTS, PERIOD, START, WARNING, amount, cell_name, document_form, finding,
    indicator_column, indicator_path, is_cost, rule,
)
from builder.forms import formspec as fs
from builder.read.errors import Location
from builder.model.values import format_yuan


# ---------------------------------------------------------------- every text, with its place

@dataclass(frozen=True)
class TextField:
    owner: object  # the project, or the document for its own fields
    path: str  # field path, as findings and waivers name it
    location: Location
    text: str
    of_year: bool  # the field speaks of the budget year itself (names, year goals, 预算安排, indicators)


def _strings(value) -> Iterator[tuple[str, str]]:
    """(suffix, text) of a field value: a text, paragraphs, or table rows (``[1].列``)."""
    if isinstance(value, str):
        yield "", value
    elif isinstance(value, (list, tuple)):
        if all(isinstance(v, str) for v in value):
            yield "", "\n".join(value)
            return
        for index, row in enumerate(value, start=1):
            for key, cell in (row.items() if isinstance(row, dict) else ()):
                for suffix, text in _strings(cell):
                    yield f"[{index}].{key}{suffix}", text


YEAR_TEXT, MERGED = "年度文字", "组成合并"  # tags: speaks of the budget year; a parent's text defaults to its parts'
_TEXT_KINDS = ("文本", "段落", "选项", fs.TABLE)


def _field_texts(owner, specs, values_of, written) -> Iterator[TextField]:
    """The texts of a form's fields (a level walked in form order) with their places."""
    for spec in specs:
        if spec.kind == fs.BUDGET:
            yield from _budget_texts(owner, spec, values_of(spec.path))
        elif spec.kind in _TEXT_KINDS and written(spec):
            of_year = YEAR_TEXT in spec.roles
            for suffix, text in _strings(values_of(spec.path)):
                yield TextField(owner, spec.path + suffix, _where(owner, spec.path), text, of_year)
        elif spec.kind == fs.INDICATORS:
            yield from _indicator_texts(owner, spec)


def _where(owner, path: str) -> Location:
    return owner.location(path) if hasattr(owner, "location") else owner.locations.get(path, Location(owner.source))


def _budget_texts(project, spec, budget) -> Iterator[TextField]:
    key = spec.path
    if isinstance(budget, m.BudgetPlan):
        yield TextField(project, key, project.location(key), "\n".join(budget.lead), True)
        stack = [(item, f"{key}.明细[{n}]") for n, item in enumerate(budget.items, start=1)]
        while stack:
            item, path = stack.pop(0)
            yield TextField(project, path, item.location, f"{item.name}\n{item.note}\n{item.formula}", True)
            stack += [(sub, f"{path}.明细[{n}]") for n, sub in enumerate(item.items, start=1)]
    else:
        yield TextField(project, key, project.location(key), "\n".join(budget or ()), True)


def _indicator_texts(project, spec) -> Iterator[TextField]:
    columns = spec.indicators.columns if spec.indicators is not None else ()
    actual = next((c for c in columns if "实际值" in c.roles), None)
    deviation = next((c for c in columns if "偏差说明" in c.roles), None)
    for indicator in project.indicators:
        if indicator.group != spec.key:
            continue
        path = indicator_path(indicator)
        yield TextField(project, path, indicator.location, indicator.name, True)
        yield TextField(project, path, indicator.location, indicator.target.text, True)
        if indicator.actual is not None and actual is not None:
            yield TextField(project, f"{path}.{actual.key}", project.location(f"{path}.{actual.key}"),
                            indicator.actual.text, True)
        if indicator.deviation and deviation is not None:
            where = f"{path}.{deviation.key}"
            yield TextField(project, where, project.location(where), indicator.deviation, False)
        for name, value in indicator.extra.items():
            for suffix, text in _strings(value):
                yield TextField(project, f"{path}.{name}{suffix}", project.location(f"{path}.{name}{suffix}"), text, False)


def _project_fields(project, form) -> Iterator[TextField]:
    inherited = bool(project.role(PARTS))  # a parent's texts default to its parts' (reported there)

    def written(spec) -> bool:
        return not (inherited and MERGED in spec.roles and spec.path not in project.locations)

    yield from _field_texts(project, form.walk(), project.get, written)


def text_fields(document: m.Document) -> Iterator[TextField]:
    """Every text of the document (its own fields first) and of each project, in order."""
    form = document_form(document)
    yield TextField(document, "单位名称", document.locations.get("单位名称", Location(document.source)),
                    document.unit_name, False)
    values = document.values
    yield from (item for item in _field_texts(document, form.walk("文档"), values.get, lambda spec: True)
                if item.text)
    for project in document.projects:
        for item in _project_fields(project, project.form or form):
            if item.text:
                yield item


def _excerpt(text: str, start: int, end: int, around: int = 8) -> str:
    return text[max(0, start - around):end + around].replace("\n", " ").strip()


# ---------------------------------------------------------------- FUND-SMALL

SMALL = Decimal(1000)


MONEY = "金额"  # the kind of a money field


def _amounts(project, form) -> Iterator[tuple[str, str, Decimal | None]]:
    """(place, path, value) of every money cell the source wrote, and of every 金额 field."""
    for spec in form.money_tables():
        table = spec.table
        values = project.get(spec.path)
        if values is None:
            continue
        for cell in table.cells():
            if cell.address in values.written:
                path = table.path(cell.address)
                where = table.path(cell.row) if table.layout == fs.BY_ROW else path  # the row's list holds it
                yield where, path, values.get(cell.address)
    for spec in form.walk():
        if spec.kind == MONEY and spec.path in project.locations:
            yield spec.path, spec.path, project.get(spec.path)


@rule("FUND-SMALL", WARNING, "项目金额（金额表的每一格、金额字段）不为 0 时不少于 1,000 元（是否把万元写成了元？）")
def check_small_amounts(document: m.Document):
    for project in document.projects:
        for where, path, value in _amounts(project, project.form or document_form(document)):
            if value is None or value == 0 or abs(value) >= SMALL:
                continue
            number = format(value.normalize(), "f")
            label = "的".join(path.split(".")[1:])
            yield finding(project.location(where), path, "FUND-SMALL",
                          f"{label}为 {format_yuan(value)} 元，不到 1,000 元：是否应为 {number} 万元？"
                          f"（金额以元计；以万元计请写“{number}万”）", WARNING, 金额=value)


# ---------------------------------------------------------------- IND-COST-BUDGET

def _budget(project, form) -> tuple[str, Decimal | None]:
    """The largest of the cells with the 成本上限 role (the project's whole budget) and its name."""
    values = [v for v in (project.get(path) for path in form.role_cells(COST_CAP)) if v is not None]
    return form.role_label(COST_CAP), max(values) if values else None


def _in_yuan(value) -> Decimal | None:
    from builder.model.units import parse_unit

    if value is None or value.number is None or not value.unit:
        return None
    unit = parse_unit(value.unit)
    if unit.numerator is None or unit.denominators or unit.numerator.dimension != "金额":
        return None  # a rate (元/人/天) is not compared with the whole budget
    return value.number * unit.numerator.factor


@rule("IND-COST-BUDGET", WARNING, "以元、万元计的成本指标（指标值、实际完成值）不超过项目的全部资金（是否单位写错？）",
      needs=(COST, COST_CAP))
def check_cost_within_budget(document: m.Document):
    form = document_form(document)
    actual = indicator_column(document, ACTUAL)  # a 申报 has none: its indicators have no 实际完成值
    for project in document.projects:
        label, budget = _budget(project, project.form or form)
        if budget is None or budget <= 0:
            continue
        for indicator in project.indicators:
            if not is_cost(form, indicator):
                continue
            path = indicator_path(indicator)
            for what, value, place in (("指标值", indicator.target, path),
                                       ("实际完成值", indicator.actual, f"{path}.{actual.key}" if actual else path)):
                amount = _in_yuan(value)
                if amount is None or amount <= budget:
                    continue
                yield finding(
                    project.location(place), place, "IND-COST-BUDGET",
                    f"成本指标“{indicator.name}”的{what} {value.text}（{format_yuan(amount)} 元）超过{label} "
                    f"{format_yuan(budget)} 元：成本是项目资金的一部分，请核对单位（元/万元）或项目金额",
                    WARNING, **{what: value.text, label: budget})


# ---------------------------------------------------------------- SKELETON

def _placeholder_pattern(form) -> re.Pattern:
    from builder.forms.skeleton import placeholders

    words = "|".join(re.escape(p) for p in placeholders(form))
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)")  # whole words: “圆满完成年度工作任务” is not one


def _counted_note(form) -> str:
    """The SKELETON note for a project: its 年度金额 counts into a document total (when the form has both)."""
    annual = form.role_path(ANNUAL)
    total = next((spec for spec in form.walk("文档") if spec.compute and annual in spec.compute[1:]), None)
    if annual is None or total is None:
        return ""
    return f"；在改好之前，此项目的{cell_name(form, annual)} {{amount}} 元也计入{total.label}"


@rule("SKELETON", WARNING, "没有留下 budgetdoc init、budgetdoc new 项目 所写骨架的示例文字（如“区某某办公室”“文件依据：……”）")
def check_skeleton_text(document: m.Document):
    pattern = _placeholder_pattern(document.form)  # the skeleton of the document's form (formspec.Form)
    counted = _counted_note(document_form(document))
    told: set = set()
    for item in text_fields(document):
        found = list(dict.fromkeys(match.group() for match in pattern.finditer(item.text)))
        if not found:
            continue
        note = ""
        owner = item.owner
        if counted and owner is not document and owner.source not in told:
            told.add(owner.source)
            note = counted.format(amount=format_yuan(amount(owner.role(ANNUAL))))
        words = "”“".join(found)
        yield finding(item.location, item.path, "SKELETON",
                      f"留有骨架的示例文字“{words}”：请改为本项目的实际内容（不申报的项目请删除此文件）{note}",
                      WARNING, 示例文字=",".join(found))


# ---------------------------------------------------------------- BIDI-CONTROL

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


@rule("BIDI-CONTROL", WARNING, "文字中没有看不见的双向控制字符（U+202A–U+202E、U+2066–U+2069、U+200E、U+200F、U+061C）")
def check_bidi_controls(document: m.Document):
    for item in text_fields(document):
        positions = [(index, ch) for index, ch in enumerate(item.text) if ch in BIDI_CONTROLS]
        if not positions:
            continue
        first, _ = positions[0]
        codes = "、".join(dict.fromkeys(f"U+{ord(ch):04X}（{unicodedata.name(ch, '')}）" for _, ch in positions))
        visible = _excerpt(item.text, first, first + 1)
        for ch in BIDI_CONTROLS:
            visible = visible.replace(ch, "")
        yield finding(item.location, item.path, "BIDI-CONTROL",
                      f"含有 {len(positions)} 个看不见的双向控制字符 {codes}，第一个在第 {first + 1} 个字符处"
                      f"（“{visible}”）：它们使显示的文字顺序与实际内容不同，请删除", WARNING,
                      字符=",".join(f"U+{ord(ch):04X}" for _, ch in positions))


# ---------------------------------------------------------------- YEAR-STALE

# A year number as text states it ("2024年", "2024 年度"); years inside document numbers
# (〔2024〕10 号, [2024]) and titles (《…》) are references, not stale text.
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_REFERENCES = re.compile(r"《[^》]*》|〔[^〕]*〕|\[[^\]]*\]|［[^］]*］|【[^】]*】")
RECENT = 2  # in texts that may cite history, the years before the budget year a draft leaves behind


def _first_year(owner, document: m.Document) -> int:
    start = owner.role(START) if owner is not document else None
    return min(start.year if start is not None else document.year, document.year)


@rule("YEAR-STALE", WARNING, "文字中写的年份不早于预算年度（多年度项目：开始年份）：表单标为年度文字的字段（如项目名称、年度目标、"
      "预算安排）和指标中的任何更早年份，其他文字（说明各节、总目标、扩展字段、文档的字段）中预算年度前两年的年份")
def check_stale_years(document: m.Document):
    period = document_form(document).role_path(PERIOD)
    for item in text_fields(document):
        if item.path == period and document_form(document).has_role(START):
            continue  # PERIOD-TEXT holds every year there to the project's own dates (stricter)
        first = _first_year(item.owner, document)
        lowest = 0 if item.of_year else document.year - RECENT
        text = _REFERENCES.sub(lambda match: " " * len(match.group()), item.text)
        stale = [match for match in _YEAR.finditer(text) if lowest <= int(match.group(1)) < first]
        if not stale:
            continue
        years = sorted({int(match.group(1)) for match in stale})
        excerpt = _excerpt(item.text, stale[0].start(), stale[0].end())
        since = "预算年度" if first == document.year else "计划开始年份"
        yield finding(
            item.location, item.path, "YEAR-STALE",
            f"写到 {'、'.join(f'{y} 年' for y in years)}，早于{since} {first} 年（是否是上一年文字未改？）：“{excerpt}”",
            WARNING, 年份=",".join(map(str, years)), 年度=document.year,
        )

