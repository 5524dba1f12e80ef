"""The rule registry: what a rule is, how rules register, how they run over a document, and the
helpers every rule module shares (a finding at its place, an indicator's field path, a section's
text). builder.check.checks and builder.check.slips register their rules here; nothing here knows a rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterator

from builder.model import core as m
from builder.read.errors import Location, Problem

ERROR, WARNING = "错误", "警告"
ZERO = Decimal(0)
BOTH = (m.TARGET_KIND, m.EVALUATION_KIND)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    kinds: tuple[str, ...]
    description: str
    check: Callable[[m.Document], Iterator[Problem]]
    default_on: bool = True  # False: runs only when a rule profile (规则:) turns it on


RULES: list[Rule] = []


def rule(rule_id: str, severity: str, description: str, kinds=(m.TARGET_KIND,), default_on: bool = True):
    def register(function):
        RULES.append(Rule(rule_id, severity, kinds, description, function, default_on))
        return function
    return register


OFF, OWN = "关闭", "默认"


def run_checks(document: m.Document, levels: dict[str, str] | None = None) -> list[Problem]:
    """Run the rules for the document's kind. ``levels`` (a rule profile) maps a rule id to
    错误/警告 (every finding of the rule at that severity), 关闭 (not run) or 默认 (the rule's
    own severities); a rule not in it runs when it is on by default."""
    from dataclasses import replace

    findings: list[Problem] = []
    for r in RULES:
        if document.kind not in r.kinds:
            continue
        level = (levels or {}).get(r.id, OWN if r.default_on else OFF)
        if level == OFF:
            continue
        for problem in r.check(document):
            findings.append(problem if level == OWN else replace(problem, severity=level))
    return sorted(findings, key=lambda p: (str(p.location.file), p.location.line, p.location.col, p.rule))


def finding(location: Location, field: str, rule_id: str, message: str, severity: str = ERROR,
            **values) -> Problem:
    return Problem(location, field, message, severity, rule_id, tuple((k, str(v)) for k, v in values.items()))


def indicator_path(indicator: m.Indicator) -> str:
    return f"{indicator.group}.{indicator.level1}.{indicator.level2}.{indicator.name}"


def section_text(narrative: m.Narrative, attribute: str) -> str:
    value = getattr(narrative, attribute)
    if isinstance(value, m.BudgetPlan):
        value = (*value.lead, *(f"{i.name}{i.note}" for i in value.items))
    return "\n".join(value)


def amount(value: Decimal | None) -> Decimal:
    """A money value a rule adds up: a missing one counts as 0."""
    return ZERO if value is None else value


def squash(text: str) -> str:
    """A text without any white space: how rules compare what people wrote."""
    return re.sub(r"\s+", "", text)


def single_year(project: m.TargetProject, year: int) -> bool:
    """Whether a project starts and ends within the budget year."""
    return project.start.year == year and project.end.year == year
