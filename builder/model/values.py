"""Value rules shared by every stage: money, 指标值, paragraphs, 算式.

Money is ``decimal.Decimal`` in 元 from parsing to printing; nothing here ever
goes through float.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)
MAX_AMOUNT = Decimal(10) ** 15  # 1,000 万亿元: beyond any budget, and within exact cent arithmetic
MAX_NUMBER = Decimal(10) ** 15  # 指标值 numbers, 分值 and 得分
MAX_DIGITS = 40  # a number written with more digits than this is a slip, refused before any conversion


class ValueProblem(ValueError):
    """A value that cannot be understood; the message is user-facing Chinese."""


# ---------------------------------------------------------------- numbers

# The one number grammar of money and 指标值: digits (full-width ones are read as digits),
# thousands separators "," or "，" between digits (checked by ``well_grouped``), one decimal
# point "." or "．". Everything else after the digits is the caller's (a unit); when what
# follows still looks like part of the number (``2，5 00``, ``90。5``, ``1:30``, ``1.5e3``,
# ``2~3``), ``read_number`` refuses it: a number is read whole or not at all.
_NUMBER = re.compile(r"[0-9]+(?:[,，][0-9]+)*(?:\.[0-9]+)?|\.[0-9]+")
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")
_GROUPED = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$")
_POINT_LIKE = "。·・•‧∙﹒｡"
_RANGE_MARKS = "~～—–－至到\\-"
# what, right after the digits, means the number was not read whole: (pattern, explanation)
_NOT_WHOLE = (
    (re.compile(r"^[ \t\u00a0\u2000-\u200b\u202f\u3000]+[0-9]"), "数字之间有空格"),
    (re.compile(rf"^[{_POINT_LIKE}][0-9]"), "小数点应为半角“.”"),
    (re.compile(r"^[:：][0-9]"), "数值中有冒号（时间、比例请写成一个数，如 1 小时 30 分写 1.5）"),
    (re.compile(r"^[eE][+-]?[0-9]"), "不能用科学计数法"),
    (re.compile(rf"^\s*[{_RANGE_MARKS}]\s*[0-9]"), "只能写一个数值，不能写范围（下限写 ≥，上限写 ≤）"),
    (re.compile(r"^[,，、'’][0-9]"), "千位分隔符应为逗号，每三位一个"),
    (re.compile(r"^_[0-9]"), "数字之间有下划线"),
    (re.compile(r"^[/／÷][0-9]"), "不能写分数或比值（请写成一个数，如 2/3 写成 66.67(%)）"),
    (re.compile(r"^[xX×*＊][0-9a-fA-F]"), "数值中有“x”或乘号（请写成一个数）"),
    (re.compile(r"^[0-9]"), "数值没有读完整"),
)


class NotWhole(ValueProblem):
    """A number followed by more of what looks like a number. ``meant`` is the number as it
    was probably meant (``2,500``) and ``tail`` what follows it, or both None."""

    def __init__(self, reason: str, meant: str | None = None, tail: str | None = None):
        super().__init__(reason)
        self.reason, self.meant, self.tail = reason, meant, tail

    def suggestion(self, before: str = "") -> str | None:
        """The whole value as probably meant, ``before`` the number (a comparator) included."""
        return None if self.meant is None else f"{before}{self.meant}{self.tail}"


def read_number(text: str) -> tuple[str, Decimal, str] | None:
    """The number at the start of ``text`` (full-width digits already translated):
    (its digits as written, its value, the rest), or None when ``text`` does not start with one.
    Raises ValueProblem when the separators are misplaced (``1,5``), NotWhole when what follows
    is still part of a number (``2 500``, ``90。5``, ``1:30``, ``1.5e3``, ``2~3``)."""
    match = _NUMBER.match(text)
    if not match:
        return None
    digits, rest = match.group(), text[match.end():]
    for pattern, reason in _NOT_WHOLE:
        if pattern.match(rest):
            raise NotWhole(reason, *_meant(digits, rest))
    plain = digits.replace("，", ",")
    if not well_grouped(plain):
        raise ValueProblem("千位分隔符位置不对（应每三位一个逗号，如 1,500）")
    if len(plain) > MAX_DIGITS:
        raise ValueProblem("数值位数过多")
    return digits, Decimal(plain.replace(",", "")), rest


_SPLIT_NUMBER = re.compile(r"^[ \t\u00a0\u2000-\u200b\u202f\u3000,，、'’]?([0-9]+(?:[,，][0-9]+)*)(?![0-9.。·・])")
_POINT_TAIL = re.compile(rf"^[{_POINT_LIKE}]([0-9]+)(?![0-9.。·・])")
_EXPONENT = re.compile(r"^[eE]([+-]?[0-9]{1,3})(?![0-9])")


def _meant(digits: str, rest: str) -> tuple[str | None, str | None]:
    """What ``digits`` + ``rest`` most likely meant, and the rest after it: ``2 500`` → 2,500,
    ``90。5`` → 90.5, ``1.5e3`` → 1500; (None, None) when it cannot be told (``1:30``, ranges)."""
    head = digits.replace("，", ",")
    if not well_grouped(head):
        return None, None
    point = _POINT_TAIL.match(rest)
    if point and "." not in head:
        return f"{head}.{point.group(1)}", rest[point.end():]
    exponent = _EXPONENT.match(rest)
    if exponent:
        value = Decimal(head.replace(",", "") + "e" + exponent.group(1))
        if abs(value) < MAX_NUMBER:
            plain = f"{value:f}"
            return (plain.rstrip("0").rstrip(".") if "." in plain else plain), rest[exponent.end():]
        return None, None
    split = _SPLIT_NUMBER.match(rest)
    if split and "." not in head:
        joined = ",".join(re.split(r"[,，]", head) + re.split(r"[,，]", split.group(1)))
        rest = rest[split.end():]
        while (more := _SPLIT_NUMBER.match(rest)) and well_grouped(longer := f"{joined},{more.group(1)}"):
            joined, rest = longer, rest[more.end():]  # 2 500 000 → 2,500,000, not 2,500 000
        if well_grouped(joined):
            return joined, rest
    return None, None


def numbers_in(text: str):
    """Every number in prose, read by ``read_number``: (start, end, value). A number that is
    not read whole (``1 500``, ``2~3``) is skipped with the rest of it, never read in part."""
    text = text.translate(FULLWIDTH_DIGITS)  # one character for one: the positions stay
    skip_to = 0
    for match in _NUMBER.finditer(text):
        start = match.start()
        if start < skip_to or (start and text[start - 1] in "0123456789."):
            continue
        try:
            digits, value, _ = read_number(text[start:])
        except NotWhole as problem:
            if problem.tail is not None:  # 1 500, 90。5: up to where the number as meant ends
                skip_to = len(text) - len(problem.tail)
            else:  # 1:30, 2 ~ 3: the number that follows goes with it
                following = _NUMBER.search(text, match.end(), match.end() + 4)
                skip_to = following.end() if following else match.end()
            continue
        except ValueProblem:
            continue
        yield start, start + len(digits), value


def number_not_whole(what: str, written: str, problem: NotWhole, meant: str | None) -> str:
    """The message for a value whose number was not read whole."""
    hint = f"，是否应为 {meant}？" if meant else "，请改正"
    return f"{what}“{written}”中的数值没有读完整：{problem.reason}{hint}"


# ---------------------------------------------------------------- rounding

def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """四舍五入 to ``places`` decimals: the one rounding of every printed or computed value
    (``format`` and ``quantize`` without a rounding round half-even: 850.005 → 850.00)."""
    if not value.is_finite():
        raise ValueProblem(f"“{value}”不是数值")
    # enough digits for the result (a written 0.1000…0 has more than the default 28)
    context = Context(prec=max(28, value.adjusted() + places + 2))
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=context)


# ---------------------------------------------------------------- money

_MONEY_UNIT = re.compile(r"^\s*(万元|万|元)?$")
_MONEY_HINT = "（应写成 250000、\"250,000.00\" 或 \"25万\"）"


def parse_money(value) -> Decimal:
    """``250000``, ``"250,000.00"``, ``"25万"``, ``"4.8 万元"`` → Decimal in 元."""
    if isinstance(value, bool) or value is None:
        raise ValueProblem("应为金额")
    if isinstance(value, Decimal):
        amount = value
    else:
        text = str(value).strip().translate(FULLWIDTH_DIGITS)
        sign = re.match(r"^([+-]?)\s*", text)
        body = text[sign.end():]
        try:
            number = read_number(body)
        except NotWhole as problem:
            meant = problem.suggestion(sign.group(1))
            raise ValueProblem(number_not_whole("金额", str(value), problem, meant)) from None
        except ValueProblem as problem:
            if "千位分隔符" in str(problem):
                raise ValueProblem(f"金额“{value}”的千位分隔符位置不对（应每三位一个逗号，如 \"1,500,000.00\"），请核对数值") from None
            raise ValueProblem(f"金额“{value}”过大（上限 {MAX_AMOUNT:,.0f} 元）") from None
        unit = _MONEY_UNIT.match(number[2]) if number else None
        if not unit:
            raise ValueProblem(f"金额“{value}”无法识别{_MONEY_HINT}")
        amount = number[1]
        if sign.group(1) == "-":
            amount = -amount
        if unit.group(1) in ("万", "万元"):
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


def well_grouped(digits: str) -> bool:
    """``1500``, ``1,500`` and ``1,500.25`` are numbers; ``1,5`` or ``15,00`` are slips, never 15."""
    return "," not in digits or bool(_GROUPED.match(digits))


def format_yuan(amount: Decimal | None) -> str:
    """Money in a table cell: ``250,000.00``; a blank cell stays blank."""
    if amount is None:
        return ""
    return f"{round_half_up(amount):,.2f}"


def format_wan(amount: Decimal, places: int = 2) -> str:
    """Money in prose, in 万元 with fixed decimals: ``850.00``."""
    return f"{round_half_up(amount / TEN_THOUSAND, places):.{places}f}"


def format_wan_short(amount: Decimal) -> str:
    """Money in prose, in 万元 as people write it: ``81.9``, ``0.04``, ``25``."""
    return format((amount / TEN_THOUSAND).normalize(), "f")


def format_money(amount: Decimal | None, unit: str = "元") -> str:
    """An amount as a form prints it (its table's 单位): 元 as ``1,234.00``; 万元 as ``123.40 万元``
    (two decimals, more when two would round a written amount away). Blank stays blank."""
    if amount is None:
        return ""
    if unit != "万元":
        return format_yuan(amount)
    wan = format_wan(amount)
    return f"{wan if Decimal(wan) * TEN_THOUSAND == amount else format_wan_short(amount)} 万元"


def format_score(number: Decimal | None) -> str:
    """分值/得分 as the forms print them: integers plain, others with two decimals, or with as
    many as were written (``8.555`` stays 8.555: nothing written is rounded away)."""
    if number is None:
        return ""
    if number == 0:
        return "0"
    if number == number.to_integral():
        return f"{round_half_up(number, 0):f}"
    return f"{round_half_up(number) if number == round_half_up(number) else number.normalize():f}"


def decimals_written(number: Decimal) -> int:
    """How many decimals a written number has (``99.995`` → 3, ``90`` → 0)."""
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def format_fixed(number: Decimal, places: int = 2) -> str:
    """A number with at least ``places`` decimals and every decimal that was written:
    ``90`` → 90.00, ``99.995`` → 99.995 (never 100.00)."""
    places = max(places, decimals_written(number))
    result = f"{round_half_up(number, places):f}"  # exact: places ≥ the decimals written
    return result[1:] if result.startswith("-") and number == 0 else result


# ---------------------------------------------------------------- 指标值

COMPARATORS = {
    ">=": "≥", "≥": "≥", "≧": "≥", "<=": "≤", "≤": "≤", "≦": "≤",
    "=": "=", "＝": "=", ">": ">", "＞": ">", "<": "<", "＜": "<",
}
_COMPARATOR = "|".join(re.escape(c) for c in sorted(COMPARATORS, key=len, reverse=True))
_COMPARATOR_AT = re.compile(rf"^({_COMPARATOR})\s*")
_NOT_A_UNIT = ",，、;；:：.。·・"  # what a unit never starts with: the number's text went on


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
    """A 指标值 / 实际完成值: ``≥90(%)`` → (≥, 90, %); ``985米`` a bare number kept verbatim;
    ``匹配`` a text. The number is read by ``read_number``, as money's is: a comparator's
    number not read whole (``≥2 500(个)``, ``≥90。5(%)``, ``=1:30(小时)``) is an error; a bare one
    (``2023-12-31前``, ``2~3个``) is a text with no number."""
    if isinstance(value, bool) or value is None:
        raise ValueProblem("指标值不能为空")
    text = str(value).strip()
    if not text:
        raise ValueProblem("指标值不能为空")
    text = text.translate(FULLWIDTH_DIGITS)
    comparator = _COMPARATOR_AT.match(text)
    if comparator:
        number = _read(text[comparator.end():], text, comparator.group(1))
        if number is None:
            raise ValueProblem(
                f"指标值“{text}”无法识别：比较符后应为数值（如 ≥90(%)、=16(人)），或去掉比较符写成文字"
            )
        digits, amount, rest = number
        if rest.strip()[:1] and rest.strip()[0] in _NOT_A_UNIT:
            raise ValueProblem(f"指标值“{text}”中数值 {digits} 之后的“{rest.strip()}”不是计量单位"
                               "（单位写在数值之后的括号中，如 ≥2(个)；说明文字请写在指标名称或偏差原因中）")
        return IndicatorValue(text, COMPARATORS[comparator.group(1)], _bounded(amount, text), _unit(rest, text))
    if isinstance(value, Decimal):
        return IndicatorValue(text, None, _bounded(value, text), "")
    try:
        number = _read(text, text, "")
    except NotWhole:
        number = None  # 2023-12-31前, 2~3个: a text, printed as written, never a partly read number
    if number:
        _, amount, rest = number
        _unit(rest, text)  # reject unbalanced parentheses here too
        return IndicatorValue(text, None, _bounded(amount, text), rest.strip("()（） "))
    return IndicatorValue(text)


def _read(body: str, text: str, comparator: str):
    try:
        return read_number(body)
    except NotWhole as problem:
        problem.args = (number_not_whole("指标值", text, problem, problem.suggestion(comparator)),)
        raise
    except ValueProblem as problem:
        if "位数" in str(problem):
            raise ValueProblem(f"指标值“{text[:30]}…”中的数值位数过多") from None
        raise ValueProblem(f"指标值“{text}”中的千位分隔符位置不对（应每三位一个逗号，如 1,500），请核对数值") from None


def _bounded(number: Decimal, text: str) -> Decimal:
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
    for number, other in _TOKEN.findall(text.translate(FULLWIDTH_DIGITS)):
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
