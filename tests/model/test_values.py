"""Money, 指标值 and 算式 parsing: exact decimals, never float."""

from decimal import Decimal as D

import pytest

from builder.model.values import (
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


# ---------------------------------------------------------------- one number parser (issue 21)

@pytest.mark.parametrize("written, message", [
    ("≥1 500(人)", "指标值“≥1 500(人)”中的数值没有读完整：数字之间有空格，是否应为 ≥1,500(人)？"),
    ("≥1\u00a0500(人)", "指标值“≥1\u00a0500(人)”中的数值没有读完整：数字之间有空格，是否应为 ≥1,500(人)？"),
    ("≥2、500(个)", "指标值“≥2、500(个)”中的数值没有读完整：千位分隔符应为逗号，每三位一个，是否应为 ≥2,500(个)？"),
    ("≥90。5(%)", "指标值“≥90。5(%)”中的数值没有读完整：小数点应为半角“.”，是否应为 ≥90.5(%)？"),
    ("≥2·5", "指标值“≥2·5”中的数值没有读完整：小数点应为半角“.”，是否应为 ≥2.5？"),
    ("=1:30(小时)", "指标值“=1:30(小时)”中的数值没有读完整：数值中有冒号（时间、比例请写成一个数，如 1 小时 30 分写 1.5），请改正"),
    ("=1：30(小时)", "指标值“=1：30(小时)”中的数值没有读完整：数值中有冒号（时间、比例请写成一个数，如 1 小时 30 分写 1.5），请改正"),
    ("≥1.5e3", "指标值“≥1.5e3”中的数值没有读完整：不能用科学计数法，是否应为 ≥1500？"),
    ("≥2~3个", "指标值“≥2~3个”中的数值没有读完整：只能写一个数值，不能写范围（下限写 ≥，上限写 ≤），请改正"),
    ("≥2～3个", "指标值“≥2～3个”中的数值没有读完整：只能写一个数值，不能写范围（下限写 ≥，上限写 ≤），请改正"),
    ("≥2—3个", "指标值“≥2—3个”中的数值没有读完整：只能写一个数值，不能写范围（下限写 ≥，上限写 ≤），请改正"),
    ("≥2至3个", "指标值“≥2至3个”中的数值没有读完整：只能写一个数值，不能写范围（下限写 ≥，上限写 ≤），请改正"),
    ("≥90 - 95(%)", "指标值“≥90 - 95(%)”中的数值没有读完整：只能写一个数值，不能写范围（下限写 ≥，上限写 ≤），请改正"),
    # hostile tester: a digit separator, a fraction, a hexadecimal or a product was read as the unit
    ("≥1_000(个)", "指标值“≥1_000(个)”中的数值没有读完整：数字之间有下划线，请改正"),
    ("≥2/3(个)", "指标值“≥2/3(个)”中的数值没有读完整：不能写分数或比值（请写成一个数，如 2/3 写成 66.67(%)），请改正"),
    ("≥0x10(个)", "指标值“≥0x10(个)”中的数值没有读完整：数值中有“x”或乘号（请写成一个数），请改正"),
    ("≥2×3(个)", "指标值“≥2×3(个)”中的数值没有读完整：数值中有“x”或乘号（请写成一个数），请改正"),
    ("≥2 500 000(个)", "指标值“≥2 500 000(个)”中的数值没有读完整：数字之间有空格，是否应为 ≥2,500,000(个)？"),
    ("≥2，5(个)", "指标值“≥2，5(个)”中的千位分隔符位置不对（应每三位一个逗号，如 1,500），请核对数值"),
    ("≥2，其中1个", "指标值“≥2，其中1个”中数值 2 之后的“，其中1个”不是计量单位"
                  "（单位写在数值之后的括号中，如 ≥2(个)；说明文字请写在指标名称或偏差原因中）"),
])
def test_an_indicator_number_is_read_whole_or_refused(written, message):
    with pytest.raises(ValueProblem) as caught:
        parse_indicator_value(written)
    assert str(caught.value) == message


@pytest.mark.parametrize("written", ["2,500", "2，500", "２，５００", "2500"])
def test_indicator_and_money_accept_the_same_separators(written):
    # the number money reads is the number 指标值 reads, in every spelling money accepts
    assert parse_indicator_value(f"≥{written}(个)").number == parse_money(written) == D("2500")
    assert parse_indicator_value(f"≥{written}(个)").canonical() == "≥2500.00(个)"


def test_money_not_read_whole_says_what_was_meant():
    with pytest.raises(ValueProblem) as caught:
        parse_money("2 500万")
    assert str(caught.value) == "金额“2 500万”中的数值没有读完整：数字之间有空格，是否应为 2,500万？"
    with pytest.raises(ValueProblem, match="小数点应为半角"):
        parse_money("90。5元")


@pytest.mark.parametrize("written", ["2023-12-31前", "2~3个", "1:30"])
def test_a_bare_number_not_read_whole_is_a_text_without_a_number(written):
    value = parse_indicator_value(written)
    assert value.number is None and not value.is_quantitative and value.canonical() == written


def test_every_valid_value_still_reads_as_before():
    # 2023年12月前 (a date), 95% (a bare number), ≥.5: the shapes the seeds and users write
    assert parse_indicator_value("2023年12月前").number == D("2023")
    assert parse_indicator_value("95%").number == D("95")
    assert parse_indicator_value("≥0.5(万元)").canonical() == "≥0.50(万元)"


def test_numbers_in_prose_are_read_whole_or_skipped():
    from builder.model.values import numbers_in

    text = "合计 828,000 元，另 1 500 元、2 ~ 3 万元和 90。5 万元，最后 4 元"
    assert [value for _, _, value in numbers_in(text)] == [D("828000"), D("4")]


# ---------------------------------------------------------------- rounding (issue 21)

def test_rounding_is_half_up_in_one_function():
    from builder.render.chinese import money
    from builder.model.values import round_half_up

    assert round_half_up(D("850.005")) == D("850.01")
    assert round_half_up(D("0.125"), 2) == D("0.13") and round_half_up(D("2.5"), 0) == D("3")
    assert format_wan(D("8500050")) == "850.01"  # half-even gave 850.00
    assert money(D("8500050"))["万元"] == format_wan(D("8500050")) == "850.01"
    assert money(D("8500050"))["万元4位"] == "850.0050"
    assert format_yuan(D("1234.5")) == "1,234.50"


def test_no_rounding_outside_the_one_function():
    from conftest import ROOT

    for path in (ROOT / "builder").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != "values.py":
            assert "ROUND_" not in text and "rounding=" not in text, path


def test_imported_money_cells_read_numbers_as_money_does():
    from builder.cycle.importread import parse_money_cell

    for text in ["250,000.00", "25万", "2，500", "4.8 万元", "０.５万"]:
        assert parse_money_cell(text) == parse_money(text), text
    for text in ["1,5", "15,00", "90。5"]:  # "1,5" was imported as 15
        with pytest.raises(ValueProblem):
            parse_money_cell(text)
