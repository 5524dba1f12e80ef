"""Shapes a hand-typed form's text takes that its definition declares (docs/forms.md, ``导入``), read
the same way for the shipped forms and a bureau's (builder.cycle.labelread):

- **numbered narrative sections**: ``导入.分节`` names a 分组 printed as a part of its own under a
  heading matching ``导入.说明标题`` (group 1 its number), each field a paragraph ``一、<标签>``
  followed by its text (``NumberedSections``);
- **a structured 预算安排**: a 预算安排 field printed as ``（N）<名称> <金额> 万元。<说明>`` lines adding
  up to the project's annual amount reads back as 明细, otherwise as text (``structured_budget``).
"""

from __future__ import annotations

import re
from decimal import Decimal

from builder.cycle.importread import label_key
from builder.forms import formspec as fs
from builder.model.values import CENT, TEN_THOUSAND, format_wan_short

_NUMERALS = "一二三四五六七八九十"
_NUMERAL = re.compile(rf"^[{_NUMERALS}]+\s*[、.．,，]?\s*")
_NEVER = r"(?!)"


class NumberedSections:
    """The 分组 a form prints as numbered sections (``导入.分节``) and the heading of its part."""

    def __init__(self, form: fs.Form):
        spec = form.import_spec
        key = spec.get("分节")
        group = form.field(key) if key else None
        self.group: fs.FieldSpec | None = group if group is not None and group.kind == fs.GROUP else None
        self.title = re.compile(spec.get("说明标题", _NEVER) if self.group is not None else _NEVER)
        self.label = self.group.label if self.group is not None else ""
        self.keys: tuple[str, ...] = tuple(s.key for s in self.group.fields) if self.group is not None else ()
        self._names: dict[str, str] = {}  # the heading's text (its label without the numeral, or the key) → key
        for child in self.group.fields if self.group is not None else ():
            self._names.setdefault(_NUMERAL.sub("", child.label), child.key)
            self._names.setdefault(child.key, child.key)
        alternatives = "|".join(re.escape(name) for name in self._names) or _NEVER
        self.pattern = re.compile(rf"^\s*([{_NUMERALS}]+)\s*[、.．,，]?\s*({alternatives})\s*[:：]?\s*(.*)$", re.S)

    def heading(self, line: str):
        """The match of the part's heading (group 1: its number, possibly empty), or None."""
        return self.title.match(label_key(line)) if self.group is not None else None

    def section(self, line: str) -> tuple[str, str] | None:
        """(field key, the text after the heading) when ``line`` opens a section."""
        found = self.pattern.match(line) if self.group is not None else None
        return (self._names[found[2]], found[3].strip()) if found else None

    def spec(self, key: str) -> fs.FieldSpec | None:
        return next((s for s in self.group.fields if s.key == key), None) if self.group is not None else None


# a structured 预算安排 as templates print it: "（N）<名称> <金额> 万元。<说明>"
_BUDGET_ITEM = re.compile(r"^（(\d+)）(.+?) (\d+(?:\.\d+)?) 万元。(.*)$", re.S)
_NUMBERED = re.compile(r"^[（(]\d+[)）]")


def structured_budget(lines: list[str], annual: Decimal | None):
    """(lead, items) when the lines are exactly a printed structured plan adding up to ``annual``."""
    first = next((i for i, line in enumerate(lines) if _NUMBERED.match(line)), None)
    if first is None or annual is None:
        return None
    lead, rest = lines[:first], lines[first:]
    items = []
    for number, line in enumerate(rest, start=1):
        found = _BUDGET_ITEM.match(line)
        if not found or int(found[1]) != number:
            return None
        name, amount, note = found[2].strip(), Decimal(found[3]) * TEN_THOUSAND, found[4].strip()
        if not name or amount != amount.quantize(CENT):
            return None
        if f"（{number}）{name} {format_wan_short(amount)} 万元。{note}" != line:
            return None
        items.append((name, amount.quantize(CENT), note))
    if sum((a for _, a, _ in items), Decimal(0)) != annual:
        return None
    return lead, items


def budget_value(lines: list[str], annual: Decimal | None):
    """A 预算安排 field's source value: ``{说明, 明细}`` when the lines are a structured plan, else None
    (the caller writes the text)."""
    from ruamel.yaml.comments import CommentedMap as Map

    from builder.cycle.writer import money, text_block

    plan = structured_budget(lines, annual)
    if plan is None:
        return None
    lead, items = plan
    value = Map()
    if lead:
        value["说明"] = text_block(lead)
    value["明细"] = [Map([("名称", name), ("金额", money(amount))] + ([("说明", note)] if note else []))
                    for name, amount, note in items]
    return value
