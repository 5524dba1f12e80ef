"""A rule's explanation from the rule registry itself (``budgetdoc 规则 编号``): what every message
that names a rule points to, so the user finds it where budgetdoc is installed, not in a docs/ file."""

from __future__ import annotations

from builder.check import checks as _rules_registered  # noqa: F401  (importing it registers every rule)
from builder.check.profile import META_RULES, rule_ids
from builder.check.rules import RULES
from builder.model.schema import suggest

COMMAND = "budgetdoc 规则"


def pointer(rule_id: str = "") -> str:
    """How a message tells the user where a rule is explained."""
    return f"{COMMAND} {rule_id}" if rule_id else f"{COMMAND} 编号（{COMMAND} 列出全部规则）"


def rule_list() -> list[str]:
    """One line per registered rule: id, level, what it checks (the first sentence)."""
    return [f"{r.id}  [{r.severity}]  {r.description.split('。')[0]}" for r in RULES]


def explain(rule_id: str) -> str | None:
    """The registry's text for ``rule_id`` (case-insensitive), or None when no rule has that id."""
    wanted = rule_id.strip().upper()
    for r in RULES:
        if r.id == wanted:
            kinds = "、".join(r.kinds) if r.kinds else "表单声明了所需角色的各种文档"
            lines = [f"{r.id}（{r.severity}）", f"适用：{kinds}", "", r.description]
            if r.needs:
                lines.append(f"需要表单声明的角色：{'、'.join(r.needs)}")
            if r.settings:
                lines.append(f"规则集中可设的参数：{'、'.join(r.settings)}")
            if not r.default_on:
                lines.append("默认不运行：在规则集（规则:）中打开。")
            if r.against:
                lines.append("只在 budgetdoc check --against 时运行。")
            return "\n".join(lines)
    return None


def unknown(rule_id: str) -> str:
    """The message for an id no rule has, with the nearest id when there is one."""
    hint = suggest(rule_id.strip().upper(), list(rule_ids()) + list(META_RULES))
    more = f"，是否应为“{hint}”？" if hint else f"（{COMMAND} 列出全部规则）"
    return f"没有编号为“{rule_id}”的规则{more}"
