"""Units of 指标值: which units measure the same thing, and how to convert between them.

A unit is read into a *dimension* and a *factor* to that dimension's base unit:
``万元`` is money × 10000 (base 元), ``‰`` is a share × 0.1 (base %), ``个月`` is a
month. A compound unit (``元/人/月``) is its numerator over its denominators,
each read the same way. Two values compare only when their dimensions are equal;
a count word is its own dimension (个, 项, 次, 场, 人, 人次 … are never converted
into one another), and so is any unit this module does not know.

Time: 年/半年/季度/月 convert exactly among themselves (in months), 天/日/周/
小时/分钟 among themselves (in days); between the two families 1 月 = 30 天,
1 年 = 365 天. 工作日 is not calendar time: it converts to nothing else.

Nothing here goes through float.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

ONE = Decimal(1)

# unit → (dimension, factor to the dimension's base unit)
_SIMPLE: dict[str, tuple[str, Decimal]] = {}


def _add(dimension: str, factor, *names: str) -> None:
    for name in names:
        _SIMPLE[name] = (dimension, Decimal(factor))


_add("金额", 1, "元", "人民币元")
_add("金额", 10, "十元")
_add("金额", 100, "百元")
_add("金额", 1000, "千元")
_add("金额", 10000, "万元", "万")
_add("金额", 100000000, "亿元", "亿")
_add("比例", 1, "%", "％", "百分比")
_add("比例", "0.1", "‰")
_add("百分点", 1, "个百分点", "百分点")
_add("长度", 1, "米", "m")
_add("长度", 1000, "千米", "公里", "km")
_add("长度", "0.01", "厘米", "cm")
_add("面积", 1, "平方米", "平米", "平", "㎡", "m²", "m2")
_add("面积", 10000, "公顷")
_add("面积", 1000000, "平方公里", "平方千米", "km²")
_add("重量", 1, "千克", "公斤", "kg")
_add("重量", "0.001", "克", "g")
_add("重量", "0.5", "斤")
_add("重量", 1000, "吨", "t")
_add("工作日", 1, "工作日", "个工作日")

# time: (family, factor in the family's base, factor in days)
_TIME: dict[str, tuple[str, Decimal, Decimal]] = {}


def _time(family: str, factor, days, *names: str) -> None:
    for name in names:
        _TIME[name] = (family, Decimal(factor), Decimal(days))


_time("月", 12, 365, "年", "个年度", "年度", "周年")
_time("月", 6, "182.5", "半年", "个半年")
_time("月", 3, "91.25", "季度", "个季度", "季")
_time("月", 1, 30, "月", "个月")
_time("天", 1, 1, "天", "日", "自然日", "个自然日")
_time("天", 7, 7, "周", "星期", "个星期", "个周")
_time("天", Decimal(1) / 24, Decimal(1) / 24, "小时", "个小时", "h")
_time("天", Decimal(1) / 1440, Decimal(1) / 1440, "分钟", "min")

_SCALE = {"十": 10, "百": 100, "千": 1000, "万": 10000, "亿": 100000000}
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Part:
    """One simple unit: its dimension (``金额``, ``时间``, or a count word like ``个``)."""

    dimension: str
    factor: Decimal
    time: tuple[str, Decimal, Decimal] | None = None  # family, in-family factor, days


@dataclass(frozen=True)
class Unit:
    text: str
    numerator: Part | None  # None: a bare per-something unit like "/人" (rare) or no unit
    denominators: tuple[Part, ...] = ()

    @property
    def dimension(self) -> tuple:
        return (self.numerator.dimension if self.numerator else "",
                tuple(sorted(p.dimension for p in self.denominators)))

    @property
    def is_empty(self) -> bool:
        return self.numerator is None and not self.denominators


def normalize(text: str) -> str:
    text = _SPACES.sub("", text or "")
    text = text.translate(str.maketrans("（）／％", "()/%"))
    while text[:1] == "(" and text[-1:] == ")":
        text = text[1:-1]
    return text


def _part(text: str) -> Part:
    if text in _TIME:
        family, factor, days = _TIME[text]
        return Part("时间", factor, (family, factor, days))
    if text in _SIMPLE:
        dimension, factor = _SIMPLE[text]
        return Part(dimension, factor)
    inner = text[1:]
    if len(text) > 1 and text[0] in _SCALE and inner not in _SCALE and inner not in _TIME:
        # 万人, 万人次, 千台 …: one multiplier in front of a known unit or a count word
        dimension, factor = _SIMPLE.get(inner, (inner, ONE))
        return Part(dimension, factor * _SCALE[text[0]])
    # a count word (个, 项, 次, 场, 人, 人次, 家 …) or a unit not known here: its own dimension
    return Part(text, ONE)


def parse_unit(text: str) -> Unit:
    """``元/人/月`` → 金额 over (人, 时间); ``万元`` → 金额 × 10000; ``""`` → no unit."""
    clean = normalize(text)
    if not clean:
        return Unit(text, None)
    pieces = clean.split("/")
    numerator = _part(pieces[0]) if pieces[0] else None
    return Unit(text, numerator, tuple(_part(p) for p in pieces[1:] if p))


def _time_ratio(a: Part, b: Part) -> Decimal:
    """How many ``b`` one ``a`` is (both time units)."""
    if a.time[0] == b.time[0]:
        return a.time[1] / b.time[1]
    return a.time[2] / b.time[2]


def _ratio(a: Part, b: Part) -> Decimal:
    if a.time and b.time:
        return _time_ratio(a, b)
    return a.factor / b.factor


def compatible(a: str, b: str) -> bool:
    """Whether values in units ``a`` and ``b`` can be compared. A value without a unit
    compares with any (IND-UNIT warns about the missing unit on its own)."""
    ua, ub = parse_unit(a), parse_unit(b)
    return ua.is_empty or ub.is_empty or ua.dimension == ub.dimension


def conversion(source: str, target: str) -> Decimal | None:
    """The factor that turns a number in ``source`` units into ``target`` units
    (``元`` → ``万元``: 0.0001), 1 when either is blank, None across dimensions."""
    us, ut = parse_unit(source), parse_unit(target)
    if us.is_empty or ut.is_empty:
        return ONE
    if us.dimension != ut.dimension:
        return None
    factor = ONE
    if us.numerator and ut.numerator:
        factor *= _ratio(us.numerator, ut.numerator)
    remaining = list(ut.denominators)
    for part in us.denominators:
        match = next(p for p in remaining if p.dimension == part.dimension)
        remaining.remove(match)
        factor /= _ratio(part, match)
    return factor


def convert(number: Decimal, source: str, target: str) -> Decimal | None:
    """``number`` in ``source`` units expressed in ``target`` units; None across dimensions."""
    factor = conversion(source, target)
    return None if factor is None else number * factor


def describe_dimension(unit: str) -> str:
    """How a unit's dimension is named in a message: ``金额``, ``时间``, ``计数（个）`` …"""
    parsed = parse_unit(unit)
    if parsed.is_empty:
        return "无单位"

    def name(part: Part | None) -> str:
        if part is None:
            return ""
        known = {"金额", "比例", "百分点", "长度", "面积", "重量", "时间", "工作日"}
        return part.dimension if part.dimension in known else f"计数（{part.dimension}）"

    text = name(parsed.numerator)
    for part in parsed.denominators:
        text += f"/{name(part)}"
    return text
