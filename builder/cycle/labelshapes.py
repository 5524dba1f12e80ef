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

YEAR = re.compile(r"^\((\d{4})年度?\)$")  # the subtitle （2025年度）

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


class Summary:
    """The summary sentence a form prints on its first page (``导入.概述``: ``式`` a pattern whose named
    groups are document fields, ``单位`` the unit its amounts are printed in): a field the form
    computes (``计算``: 项目个数, a 合计) is checked against the computed value, any other is written."""

    def __init__(self, form: fs.Form):
        spec = form.import_spec.get("概述") or {}
        self.form = form
        self.pattern = re.compile(spec.get("式", _NEVER)) if isinstance(spec, dict) else re.compile(_NEVER)
        self.unit = spec.get("单位", "元") if isinstance(spec, dict) else "元"

    def match(self, key: str) -> dict | None:
        """The groups the sentence (as label_key gives it) fills, by field key; None when it is not it."""
        found = self.pattern.search(key)
        return {name: value for name, value in found.groupdict().items() if value is not None} if found else None

    def written(self, found: dict) -> dict:
        """The fields the sentence sets (not computed ones), an 整数 as a number."""
        values = {}
        for key, text in found.items():
            spec = self.form.field(key, "文档")
            if spec is None or spec.compute:
                continue
            values[key] = int(text) if spec.kind == "整数" and text.isdigit() else text
        return values

    def checks(self, found: dict, count: int, total: Decimal | None) -> list[str]:
        """Notes where a computed field's printed value differs from the computed one (``total``: the
        sum the form's 合计 names, in 元)."""
        from builder.model.values import format_wan

        notes = []
        for key, text in found.items():
            spec = self.form.field(key, "文档")
            if spec is None or not spec.compute:
                continue
            if spec.compute[0] == "项目个数":
                printed, computed, unit = text, str(count), ""
                same = text.isdigit() and int(text) == count
            else:
                wan = self.unit.startswith("万")
                printed = text.replace(",", "")
                amount = total if total is not None else Decimal(0)
                computed = format_wan(amount) if wan else str(amount.quantize(CENT))
                same = Decimal(printed) == Decimal(computed.replace(",", ""))
                unit = f" {self.unit}"
            if not same:
                notes.append(f"概述中写的{spec.label} {printed}{unit} 与计算值 {computed}{unit} 不同（生成时按计算值）")
        return notes


def fixed_paragraphs(form: fs.Form) -> frozenset:
    """The paragraphs the form's 版式 prints as they are (a heading: 绩效目标设置情况), as label_key
    gives them: the layout's, not text to import."""
    texts = (item.get("段") for item in form.layout or () if isinstance(item, dict))
    return frozenset(label_key(text) for text in texts if isinstance(text, str) and text and "{" not in text)


class Sections:
    """The numbered parts read so far (导入.分节), each {field key: lines}, and the one being read."""

    def __init__(self, form: fs.Form):
        self.form = form
        self.shape = NumberedSections(form)
        self.title = re.compile(form.import_spec.get("标题", r"(?!)"))
        self.parts: list[tuple[str, dict[str, list[str]]]] = []
        self.current: dict | None = None
        self.key: str | None = None

    def line(self, line: str) -> bool:
        """Whether the line belongs to a numbered part (its heading, a section's heading or text)."""
        head = self.shape.heading(line)
        if head is not None:
            self.current, self.key = {}, None
            self.parts.append((head[1] if head.groups() else "", self.current))
            return True
        key = label_key(line)
        title = self.title.match(key)
        if title and title.groups() and title[1] and self.current is not None:
            title = None  # "详见财政项目支出绩效目标申报表": text that names the form, not its heading
        if self.current is None or title or YEAR.match(key):
            self.close()
            return False
        found = self.shape.section(line)
        if found is not None:
            self.key = found[0]
            self.current.setdefault(self.key, []).extend([found[1]] if found[1] else [])
            return True
        if self.key is not None and key:
            self.current[self.key].append(line.strip())
        return True

    def close(self) -> None:
        self.current, self.key = None, None

    def place(self, projects: list[dict]) -> None:
        """Each part into the project of its number when every part is numbered, else in order."""
        numbered = all(number.isdigit() for number, _ in self.parts)
        group = self.shape.group
        for index, (number, part) in enumerate(self.parts):
            at = int(number) - 1 if numbered else index
            if group is None or not 0 <= at < len(projects):
                continue
            for key, lines in part.items():
                spec = self.shape.spec(key)
                value = budget_value(lines, self.annual(projects[at])) if spec.kind == "预算安排" else None
                projects[at].setdefault(f"{group.key}.{key}", value if value is not None else lines)

    def annual(self, scope: dict):
        """The project's annual amount (the 年度金额 role) as read, in 元."""
        from decimal import InvalidOperation

        path = self.form.role_path("年度金额") or ""
        for unit, factor in (("元", 1), ("万元", 10000)):
            text = str(scope.get(f"{path}.{unit}", "")).replace(",", "").strip()
            if not text:
                continue
            try:
                return (Decimal(text) * factor).quantize(Decimal("0.01"))
            except InvalidOperation:
                return None
        return None
