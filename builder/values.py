"""Value rules shared by every stage: money, 指标值, paragraphs, 算式.

Money is ``decimal.Decimal`` in 元 from parsing to printing; nothing here ever
goes through float.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)
MAX_AMOUNT = Decimal(10) ** 15  # 1,000 万亿元: beyond any budget, and within exact cent arithmetic
MAX_NUMBER = Decimal(10) ** 15  # 指标值 numbers, 分值 and 得分
MAX_DIGITS = 40  # a number written with more digits than this is a slip, refused before any conversion


class ValueProblem(ValueError):
    """A value that cannot be understood; the message is user-facing Chinese."""


# ---------------------------------------------------------------- money

_MONEY = re.compile(r"^([+-]?)\s*([0-9][0-9,，]*(?:\.[0-9]+)?|\.[0-9]+)\s*(万元|万|元)?$")


def parse_money(value) -> Decimal:
    """``250000``, ``"250,000.00"``, ``"25万"``, ``"4.8 万元"`` → Decimal in 元."""
    if isinstance(value, bool) or value is None:
        raise ValueProblem("应为金额")
    if isinstance(value, Decimal):
        amount = value
    else:
        text = str(value).strip().translate(_FULLWIDTH_DIGITS)
        match = _MONEY.match(text)
        if not match:
            raise ValueProblem(f"金额“{value}”无法识别（应写成 250000、\"250,000.00\" 或 \"25万\"）")
        sign, digits, unit = match.groups()
        digits = digits.replace("，", ",")
        if not well_grouped(digits):
            raise ValueProblem(f"金额“{value}”的千位分隔符位置不对（应每三位一个逗号，如 \"1,500,000.00\"），请核对数值")
        try:
            amount = Decimal(sign + digits.replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise ValueProblem(f"金额“{value}”无法识别") from None
        if unit in ("万", "万元"):
            amount *= TEN_THOUSAND
    if not amount.is_finite():
        raise ValueProblem(f"金额“{value}”不是数值")
    if amount == 0:
        amount = abs(amount)  # "-0" is zero, printed 0.00
    if amount < 0:
        raise ValueProblem(f"金额不能为负数（{value}）")
    if amount >= MAX_AMOUNT:
        raise ValueProblem(f"金额“{value}”过大（上限 {MAX_AMOUNT:,.0f} 元）")
    if amount != amount.quantize(CENT):
        raise ValueProblem(f"金额“{value}”超出了分的精度（元以下最多两位小数）")
    return amount


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")
_GROUPED = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$")


def well_grouped(digits: str) -> bool:
    """``1500``, ``1,500`` and ``1,500.25`` are numbers; ``1,5`` or ``15,00`` are slips, never 15."""
    return "," not in digits or bool(_GROUPED.match(digits))


def format_yuan(amount: Decimal | None) -> str:
    """Money in a table cell: ``250,000.00``; a blank cell stays blank."""
    if amount is None:
        return ""
    return f"{amount:,.2f}"


def format_wan(amount: Decimal, places: int = 2) -> str:
    """Money in prose, in 万元 with fixed decimals: ``850.00``."""
    return f"{amount / TEN_THOUSAND:.{places}f}"


def format_wan_short(amount: Decimal) -> str:
    """Money in prose, in 万元 as people write it: ``81.9``, ``0.04``, ``25``."""
    return format((amount / TEN_THOUSAND).normalize(), "f")


def format_score(number: Decimal | None) -> str:
    """分值/得分 as the forms print them: integers plain, others with two decimals, or with as
    many as were written (``8.555`` stays 8.555: nothing written is rounded away)."""
    if number is None:
        return ""
    if number == 0:
        return "0"
    if number == number.to_integral():
        return f"{number.quantize(Decimal(1)):f}"
    return f"{number.quantize(CENT) if number == number.quantize(CENT) else number.normalize():f}"


def decimals_written(number: Decimal) -> int:
    """How many decimals a written number has (``99.995`` → 3, ``90`` → 0)."""
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def format_fixed(number: Decimal, places: int = 2) -> str:
    """A number with at least ``places`` decimals and every decimal that was written:
    ``90`` → 90.00, ``99.995`` → 99.995 (never 100.00)."""
    places = max(places, decimals_written(number))
    result = f"{number:.{places}f}"
    return result[1:] if result.startswith("-") and number == 0 else result


# ---------------------------------------------------------------- 指标值

COMPARATORS = {
    ">=": "≥", "≥": "≥", "≧": "≥", "<=": "≤", "≤": "≤", "≦": "≤",
    "=": "=", "＝": "=", ">": ">", "＞": ">", "<": "<", "＜": "<",
}
_COMPARATOR = "|".join(re.escape(c) for c in sorted(COMPARATORS, key=len, reverse=True))
_QUANTITATIVE = re.compile(rf"^({_COMPARATOR})\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(.*)$", re.S)
_STARTS_WITH_COMPARATOR = re.compile(rf"^({_COMPARATOR})")
_BARE_NUMBER = re.compile(r"^([0-9][0-9,]*(?:\.[0-9]+)?)\s*(.*)$", re.S)


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    """A 指标值 or 实际完成值: a comparison with a number and unit, or a text.

    ``comparator`` is None for a qualitative text (``匹配``) and for a number
    written without comparator (``985米``, ``100%``), which is kept verbatim.
    """

    text: str
    comparator: str | None = None
    number: Decimal | None = None
    unit: str = ""

    @property
    def is_quantitative(self) -> bool:
        return self.comparator is not None

    @property
    def is_bare_number(self) -> bool:
        return self.comparator is None and self.number is not None

    def canonical(self) -> str:
        """As the 绩效目标申报 form prints it: ``≥90.00(%)``; texts verbatim."""
        if not self.is_quantitative:
            return self.text
        number = format_fixed(self.number)
        return f"{self.comparator}{number}({self.unit})" if self.unit else f"{self.comparator}{number}"


def parse_indicator_value(value) -> IndicatorValue:
    if isinstance(value, bool) or value is None:
        raise ValueProblem("指标值不能为空")
    text = str(value).strip()
    if not text:
        raise ValueProblem("指标值不能为空")
    text = text.translate(_FULLWIDTH_DIGITS)
    match = _QUANTITATIVE.match(text)
    if match:
        comparator, digits, rest = match.groups()
        unit = _unit(rest, text)
        return IndicatorValue(text, COMPARATORS[comparator], _bounded(digits, text), unit)
    if _STARTS_WITH_COMPARATOR.match(text):
        raise ValueProblem(
            f"指标值“{text}”无法识别：比较符后应为数值（如 ≥90(%)、=16(人)），或去掉比较符写成文字"
        )
    bare = _BARE_NUMBER.match(text)
    if bare and isinstance(value, str):
        digits, rest = bare.groups()
        _unit(rest, text)  # reject unbalanced parentheses here too
        return IndicatorValue(text, None, _bounded(digits, text), rest.strip("()（） "))
    if isinstance(value, Decimal):
        return IndicatorValue(text, None, _bounded(str(value), text), "")
    return IndicatorValue(text)


def _bounded(digits: str, text: str) -> Decimal:
    if not well_grouped(digits):
        raise ValueProblem(f"指标值“{text}”中的千位分隔符位置不对（应每三位一个逗号，如 1,500），请核对数值")
    if len(digits) > MAX_DIGITS:
        raise ValueProblem(f"指标值“{text[:30]}…”中的数值位数过多")
    number = Decimal(digits.replace(",", ""))
    if not number.is_finite():
        raise ValueProblem(f"指标值“{text}”中的数值无法识别")
    if abs(number) >= MAX_NUMBER:
        raise ValueProblem(f"指标值“{text}”中的数值过大")
    return number


def _unit(rest: str, whole: str) -> str:
    rest = rest.strip()
    opens = rest.count("(") + rest.count("（")
    closes = rest.count(")") + rest.count("）")
    if opens != closes:
        raise ValueProblem(f"指标值“{whole}”的括号不成对")
    if rest[:1] in "(（" and rest[-1:] in ")）":
        return rest[1:-1].strip()
    return rest


# ---------------------------------------------------------------- texts

def paragraphs(text: str) -> list[str]:
    """One Word paragraph per non-empty line (``|`` blocks, or blank-line separated)."""
    return [line.strip() for line in str(text).splitlines() if line.strip()]


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def find_xml_illegal(text: str) -> str | None:
    """The first character a .docx cannot hold, as U+XXXX, or None."""
    match = _XML_ILLEGAL.search(text)
    return f"U+{ord(match.group()):04X}" if match else None


# ---------------------------------------------------------------- 算式

_TOKEN = re.compile(r"\s*(?:([0-9]+(?:\.[0-9]+)?)|(.))")
_OPERATORS = {"×": "*", "x": "*", "X": "*", "÷": "/", "（": "(", "）": ")", "＋": "+", "－": "-", "＊": "*", "／": "/"}
MAX_FORMULA_LENGTH = 200


def evaluate_formula(text: str) -> Decimal:
    """Evaluate ``1469 * 16 * 12`` exactly: numbers, + - * / and parentheses only."""
    text = str(text).strip()
    if len(text) > MAX_FORMULA_LENGTH:
        raise ValueProblem(f"算式过长（上限 {MAX_FORMULA_LENGTH} 个字符）")
    tokens = []
    for number, other in _TOKEN.findall(text.translate(_FULLWIDTH_DIGITS)):
        if number:
            tokens.append(Decimal(number))
        elif other.strip():
            op = _OPERATORS.get(other, other)
            if op not in "+-*/()":
                raise ValueProblem(f"算式“{text}”中有不允许的字符“{other}”（只能用数字和 + - * / ( )）")
            tokens.append(op)
    if not tokens:
        raise ValueProblem("算式为空")
    parser = _FormulaParser(tokens, text)
    result = parser.expression()
    if parser.pos != len(tokens):
        raise ValueProblem(f"算式“{text}”写法有误")
    return result


class _FormulaParser:
    def __init__(self, tokens: list, text: str):
        self.tokens, self.text, self.pos = tokens, text, 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self):
        token = self.peek()
        if token is None:
            raise ValueProblem(f"算式“{self.text}”不完整")
        self.pos += 1
        return token

    def expression(self) -> Decimal:
        value = self.term()
        while self.peek() in ("+", "-"):
            value = value + self.term() if self.take() == "+" else value - self.term()
        return value

    def term(self) -> Decimal:
        value = self.factor()
        while self.peek() in ("*", "/"):
            op = self.take()
            right = self.factor()
            if op == "*":
                value *= right
            elif right == 0:
                raise ValueProblem(f"算式“{self.text}”中除数为 0")
            else:
                value /= right
        return value

    def factor(self) -> Decimal:
        token = self.take()
        if token == "-":
            return -self.factor()
        if token == "(":
            value = self.expression()
            if self.take() != ")":
                raise ValueProblem(f"算式“{self.text}”括号不成对")
            return value
        if isinstance(token, Decimal):
            return token
        raise ValueProblem(f"算式“{self.text}”写法有误")
