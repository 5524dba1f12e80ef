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
from builder.check.rules import BOTH, WARNING, finding, indicator_path, rule, section_text
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


def _extra(owner, extra: dict, prefix: str = "") -> Iterator[TextField]:
    for key, value in extra.items():
        path = f"{prefix}{key}"
        for suffix, text in _strings(value):
            where = owner.location(path) if hasattr(owner, "location") else \
                owner.locations.get(path, Location(owner.source))
            yield TextField(owner, path + suffix, where, text, False)


_TARGET_SECTIONS = (("项目概述", "overview", False), ("立项依据", "basis", False), ("实施主体", "implementer", False),
                    ("实施方案", "plan", False), ("实施周期", "period", True), ("绩效目标", "goal_reference", False))


def _project_fields(project) -> Iterator[TextField]:
    def field(path: str, text: str, of_year: bool = False, where: Location | None = None):
        return TextField(project, path, where or project.location(path), text, of_year)

    yield field("项目名称", project.name, True)
    for key, value in (("项目性质", getattr(project, "nature", "")), ("项目类别", getattr(project, "category", "")),
                       ("主管部门", project.authority), ("实施单位", project.implementer)):
        yield field(key, value)
    if isinstance(project, m.TargetProject):
        narrative = project.narrative
        for label, attribute, of_year in _TARGET_SECTIONS:
            yield field(f"情况说明.{label}", section_text(narrative, attribute), of_year)
        budget = narrative.budget
        key = "情况说明.年度预算安排"
        if isinstance(budget, m.BudgetPlan):
            yield field(key, "\n".join(budget.lead), True)
            stack = [(item, f"{key}.明细[{n}]") for n, item in enumerate(budget.items, start=1)]
            while stack:
                item, path = stack.pop(0)
                yield field(path, f"{item.name}\n{item.note}\n{item.formula}", True, item.location)
                stack += [(sub, f"{path}.明细[{n}]") for n, sub in enumerate(item.items, start=1)]
        else:
            yield field(key, "\n".join(budget), True)
        yield field("项目总目标", "\n".join(project.total_goal))
        if project.annual_goal:
            yield field("年度总体目标", "\n".join(project.annual_goal), True)
    else:
        inherited = bool(project.parts)  # a parent's texts default to its parts' (reported there)
        for key, value, of_year in (("预期目标", project.expected, True), ("实际完成情况", project.achieved, False)):
            if not inherited or key in project.locations:
                yield field(key, "\n".join(value), of_year)
    yield from _extra(project, project.extra)
    for indicator in project.indicators:
        path = indicator_path(indicator)
        yield field(path, indicator.name, True, indicator.location)
        yield field(path, indicator.target.text, True, indicator.location)
        if indicator.actual is not None:
            yield field(f"{path}.实际完成值", indicator.actual.text, True)
        if indicator.deviation:
            yield field(f"{path}.偏差原因分析及改进措施", indicator.deviation)
        for name, value in indicator.extra.items():
            for suffix, text in _strings(value):
                yield field(f"{path}.{name}{suffix}", text)


def text_fields(document: m.Document) -> Iterator[TextField]:
    """Every text of the document (its own fields first) and of each project, in order."""
    yield TextField(document, "单位名称", document.locations.get("单位名称", Location(document.source)),
                    document.unit_name, False)
    yield from _extra(document, document.extra)
    for project in document.projects:
        for item in _project_fields(project):
            if item.text:
                yield item


def _excerpt(text: str, start: int, end: int, around: int = 8) -> str:
    return text[max(0, start - around):end + around].replace("\n", " ").strip()


# ---------------------------------------------------------------- FUND-SMALL

SMALL = Decimal(1000)


def _target_amounts(project: m.TargetProject) -> Iterator[tuple[str, Decimal | None]]:
    funds = project.funds
    yield from (("项目资金.项目资金总额.合计", funds.total), ("项目资金.项目资金总额.财政资金", funds.fiscal),
                ("项目资金.项目资金总额.其他资金", funds.total_other), ("项目资金.年度资金申请总额.合计", funds.annual),
                ("项目资金.年度资金申请总额.当年财政拨款", funds.appropriation),
                ("项目资金.年度资金申请总额.上年结转资金", funds.carryover),
                ("项目资金.年度资金申请总额.其他资金", funds.annual_other))
    for name, value in funds.annual_extra:  # the form's own money fields (自有资金, 事业收入 …)
        yield f"项目资金.年度资金申请总额.{name}", value


_EVAL_ROWS = (("total", "年度资金总额"), ("appropriation", "当年财政拨款"), ("carryover", "上年结转资金"),
              ("other", "其他资金"))
_EVAL_COLUMNS = (("initial", "年初预算数"), ("budget", "全年预算数"), ("spent", "全年执行数"))


def _written(project, path: str) -> bool:
    return path in project.locations  # a computed 合计 is not a slip of its own


@rule("FUND-SMALL", WARNING, "项目金额（项目资金的每一格，含本局表单的金额字段）不为 0 时不少于 1,000 元（是否把万元写成了元？）",
      kinds=BOTH)
def check_small_amounts(document: m.Document):
    for project in document.projects:
        if isinstance(project, m.TargetProject):
            cells = [(path, path, value) for path, value in _target_amounts(project)
                     if _written(project, path)]
        else:
            cells = []
            for attribute, row in _EVAL_ROWS:
                path = f"项目资金.{row}"
                if not _written(project, path):
                    continue
                for column, label in _EVAL_COLUMNS:
                    cells.append((path, f"{path}.{label}", getattr(getattr(project.funds, attribute), column)))
        for place, path, value in cells:
            if value is None or value == 0 or abs(value) >= SMALL:
                continue
            number = format(value.normalize(), "f")
            label = "的".join(path.split(".")[1:])
            yield finding(project.location(place), path, "FUND-SMALL",
                          f"{label}为 {format_yuan(value)} 元，不到 1,000 元：是否应为 {number} 万元？"
                          f"（金额以元计；以万元计请写“{number}万”）", WARNING, 金额=value)


# ---------------------------------------------------------------- IND-COST-BUDGET

def _budget(project) -> tuple[str, Decimal | None]:
    if isinstance(project, m.TargetProject):
        funds = project.funds
        return "项目资金总额", max(funds.total, funds.annual)
    row = project.funds.total
    values = [v for v in (row.initial, row.budget) if v is not None]
    return "年度资金总额", max(values) if values else None


def _in_yuan(value) -> Decimal | None:
    from builder.model.units import parse_unit

    if value is None or value.number is None or not value.unit:
        return None
    unit = parse_unit(value.unit)
    if unit.numerator is None or unit.denominators or unit.numerator.dimension != "金额":
        return None  # a rate (元/人/天) is not compared with the whole budget
    return value.number * unit.numerator.factor


@rule("IND-COST-BUDGET", WARNING, "以元、万元计的成本指标（指标值、实际完成值）不超过项目的全部资金（是否单位写错？）", kinds=BOTH)
def check_cost_within_budget(document: m.Document):
    for project in document.projects:
        label, budget = _budget(project)
        if budget is None or budget <= 0:
            continue
        for indicator in project.indicators:
            if "成本指标" not in (indicator.level1, indicator.level2):
                continue
            path = indicator_path(indicator)
            for what, value, place in (("指标值", indicator.target, path),
                                       ("实际完成值", indicator.actual, f"{path}.实际完成值")):
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


@rule("SKELETON", WARNING, "没有留下 budgetdoc init、budgetdoc new 项目 所写骨架的示例文字（如“区某某办公室”“文件依据：……”）",
      kinds=BOTH)
def check_skeleton_text(document: m.Document):
    pattern = _placeholder_pattern(document.custom_form)
    told: set = set()
    for item in text_fields(document):
        found = list(dict.fromkeys(match.group() for match in pattern.finditer(item.text)))
        if not found:
            continue
        note = ""
        owner = item.owner
        if isinstance(owner, m.TargetProject) and owner.source not in told:
            told.add(owner.source)
            note = f"；在改好之前，此项目的年度资金申请总额 {format_yuan(owner.funds.annual)} 元也计入涉及项目预算资金"
        words = "”“".join(found)
        yield finding(item.location, item.path, "SKELETON",
                      f"留有骨架的示例文字“{words}”：请改为本项目的实际内容（不申报的项目请删除此文件）{note}",
                      WARNING, 示例文字=",".join(found))


# ---------------------------------------------------------------- BIDI-CONTROL

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


@rule("BIDI-CONTROL", WARNING, "文字中没有看不见的双向控制字符（U+202A–U+202E、U+2066–U+2069、U+200E、U+200F、U+061C）",
      kinds=BOTH)
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
    first = owner.start.year if isinstance(owner, m.TargetProject) else document.year
    return min(first, document.year)


@rule("YEAR-STALE", WARNING, "文字中写的年份不早于预算年度（多年度项目：计划开始年份）：项目名称、年度目标、年度预算安排和"
      "指标中的任何更早年份，其他文字（情况说明各节、项目总目标、扩展字段、文档的字段）中预算年度前两年的年份", kinds=BOTH)
def check_stale_years(document: m.Document):
    for item in text_fields(document):
        if item.path == "情况说明.实施周期":
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

