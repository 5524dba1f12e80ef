"""Money, 指标值 and 算式 parsing: exact decimals, never float."""

from decimal import Decimal as D

import pytest

from builder.values import (
    ValueProblem, evaluate_formula, format_wan, format_wan_short, format_yuan, parse_indicator_value, parse_money,
)


@pytest.mark.parametrize("written, yuan", [
    (D("250000"), D("250000")),
    (D("250000.00"), D("250000.00")),
    ("250,000.00", D("250000.00")),
    ("25万", D("250000")),
    ("25 万元", D("250000")),
    ("4.8 万元", D("48000")),
    ("4.8万", D("48000")),
    ("0.04万", D("400")),
    ("28.2048万", D("282048")),
    ("1,587,640.00", D("1587640")),
    ("828000元", D("828000")),
    ("０.５万", D("5000")),
])
def test_money(written, yuan):
    assert parse_money(written) == yuan
    assert isinstance(parse_money(written), D)


@pytest.mark.parametrize("written, message", [
    ("25w", "金额“25w”无法识别（应写成 250000、\"250,000.00\" 或 \"25万\"）"),
    ("二十五万", "金额“二十五万”无法识别（应写成 250000、\"250,000.00\" 或 \"25万\"）"),
    ("-5", "金额不能为负数（-5）"),
    ("0.0000001万", "金额“0.0000001万”超出了分的精度（元以下最多两位小数）"),
    (True, "应为金额"),
    ("9" * 40, "金额“" + "9" * 40 + "”过大（上限 1,000,000,000,000,000 元）"),  # found by the fuzzer
])
def test_bad_money(written, message):
    with pytest.raises(ValueProblem) as caught:
        parse_money(written)
    assert str(caught.value) == message


def test_money_printing():
    assert format_yuan(D("1587640")) == "1,587,640.00"
    assert format_yuan(None) == ""
    assert format_wan(D("8500000.00")) == "850.00"
    assert format_wan_short(D("819000")) == "81.9"
    assert format_wan_short(D("1000000")) == "100"
    assert format_wan_short(D("400")) == "0.04"


@pytest.mark.parametrize("written, comparator, number, unit, canonical", [
    ("≥90(%)", "≥", D("90"), "%", "≥90.00(%)"),
    (">= 90 %", "≥", D("90"), "%", "≥90.00(%)"),
    ("≤ 6 万元", "≤", D("6"), "万元", "≤6.00(万元)"),
    ("=1469.00(平方米)", "=", D("1469.00"), "平方米", "=1469.00(平方米)"),
    ("=3000.00(人/月)", "=", D("3000.00"), "人/月", "=3000.00(人/月)"),
    ("<=130（人/天）", "≤", D("130"), "人/天", "≤130.00(人/天)"),
    (">4场", ">", D("4"), "场", ">4.00(场)"),
    ("=0", "=", D("0"), "", "=0.00"),
])
def test_quantitative_indicator_values(written, comparator, number, unit, canonical):
    value = parse_indicator_value(written)
    assert (value.comparator, value.number, value.unit) == (comparator, number, unit)
    assert value.canonical() == canonical
    assert value.text == written.strip()


@pytest.mark.parametrize("written", ["匹配", "及时", "严格执行相关制度规定", "24小时每天", "100%", "985米", "2023年12月前"])
def test_texts_and_bare_numbers_are_kept_verbatim(written):
    value = parse_indicator_value(written)
    assert not value.is_quantitative
    assert value.canonical() == written


def test_bare_number_keeps_its_number_for_checks():
    value = parse_indicator_value("985米")
    assert value.is_bare_number and value.number == D("985") and value.unit == "米"


@pytest.mark.parametrize("written, message", [
    ("≥", "指标值“≥”无法识别：比较符后应为数值（如 ≥90(%)、=16(人)），或去掉比较符写成文字"),
    ("≥2(个", "指标值“≥2(个”的括号不成对"),
    ("", "指标值不能为空"),
])
def test_bad_indicator_values(written, message):
    with pytest.raises(ValueProblem) as caught:
        parse_indicator_value(written)
    assert str(caught.value) == message


def test_formulas_are_exact():
    assert evaluate_formula("1469 * 16 * 12") == D("282048")
    assert evaluate_formula("31524 × 12") == D("378288")
    assert evaluate_formula("(0.1 + 0.2) * 10") == D("3.0")
    with pytest.raises(ValueProblem, match="不允许的字符"):
        evaluate_formula("__import__('os')")
    with pytest.raises(ValueProblem, match="除数为 0"):
        evaluate_formula("1/0")
    with pytest.raises(ValueProblem, match="括号不成对|不完整"):
        evaluate_formula("(1+2")
