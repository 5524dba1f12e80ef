"""Fuzzing with hypothesis: generated and mutated source trees never produce a traceback;
valid ones build a .docx that parses (and that LibreOffice opens); invalid ones get located errors.

The default (CI) profile runs a bounded number of examples; the long run is marked ``slow``:
``python -m pytest -m slow tests/test_fuzz.py``.
"""

from __future__ import annotations

import copy
import io
import shutil
import subprocess
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from ruamel.yaml import YAML

from builder.output.build import build
from helpers import DOCUMENT, PROJECT

BASE = YAML(typ="safe", pure=True).load(PROJECT)
VALID_OUTPUTS: list[Path] = []  # a few valid builds, opened by LibreOffice at the end
KEEP = Path(tempfile.mkdtemp(prefix="budgetdoc-fuzz-"))

NASTY_TEXT = st.sampled_from([
    "", " ", "\u200f右到左", "\u202e反转", "\x0b", "\x00", "\x1f", "\ud7ff", "\ufeff", "A&B<C>]]>", "{{ x }}", "{% if %}",
    "很" * 20000, "=" * 300, ">=", "≥", "25万", "万", "1e400", "NaN", "-0", "２５万", "ＡＢＣ", "𠀀𠀁", "\n\n\n", "null",
])
TEXT = st.one_of(st.text(max_size=40), NASTY_TEXT)
MONEY = st.one_of(
    st.sampled_from(["25万", "250,000.00", "4.8 万元", "-5", "25w", "", "0.001", "1,2,3", "9" * 40, "1e5", ".5万"]),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0, max_value=10**12),
    st.integers(min_value=-10, max_value=10**15),
)
INDICATOR = st.one_of(
    st.builds(lambda c, n, u: f"{c}{n}{u}", st.sampled_from(["≥", "≤", ">=", "<=", "=", ">", "<", "", "＞"]),
              st.sampled_from(["90", "0", "1.5", "", "abc", "9" * 30]), st.sampled_from(["(%)", "%", "(个", "个)", "", "(元/人)"])),
    TEXT,
)
DATE = st.one_of(st.dates().map(lambda d: d.isoformat()), st.sampled_from(["2025-13-01", "2025-02-30", "0000-01-01", "昨天"]))
VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), TEXT, MONEY),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=6,
)

PATHS = [
    ("项目名称",), ("项目性质",), ("计划开始日期",), ("计划完成日期",), ("项目资金",), ("项目资金", "项目资金总额", "合计"),
    ("项目资金", "年度资金申请总额", "当年财政拨款"), ("项目资金", "年度资金申请总额", "其他资金"), ("情况说明",),
    ("情况说明", "项目概述"), ("情况说明", "年度预算安排"), ("项目总目标",), ("年度总体目标",), ("绩效指标",),
    ("绩效指标", "产出指标"), ("绩效指标", "产出指标", "数量指标"), ("绩效指标", "产出指标", "数量指标", "平台运维数"),
    ("绩效指标", "满意度指标", "服务对象满意度指标", "单位满意度"),
]


@st.composite
def mutated_project(draw):
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        path = draw(st.sampled_from(PATHS))
        kind = draw(st.sampled_from(["value", "money", "indicator", "date", "text", "delete", "rename", "structured"]))
        parent = data
        for key in path[:-1]:
            if not isinstance(parent, dict) or key not in parent:
                parent = None
                break
            parent = parent[key]
        if not isinstance(parent, dict):
            continue
        key = path[-1]
        if kind == "delete":
            parent.pop(key, None)
        elif kind == "rename":
            if key in parent:
                parent[draw(TEXT) or "键"] = parent.pop(key)
        elif kind == "structured":
            parent[key] = {"说明": draw(TEXT), "明细": [{"名称": draw(TEXT), "金额": draw(MONEY),
                                                      "算式": draw(st.sampled_from(["1+1", "2*(3", "1/0", "9**9**9", "x"]))}]}
        else:
            parent[key] = draw({"value": VALUE, "money": MONEY, "indicator": INDICATOR, "date": DATE, "text": TEXT}[kind])
    return data


def dump(data) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_unicode = True
    yaml.representer.add_representer(Decimal, lambda r, d: r.represent_scalar("tag:yaml.org,2002:float", str(d)))
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()


def check_outcome(folder: Path, out: Path, keep_valid: bool = True) -> None:
    results, failures = build([folder], out, use_cache=False)  # any exception but these is a bug
    if failures:
        assert not results
        errors = [p for p in failures[0].problems if p.severity == "错误"]
        assert errors
        for problem in errors:
            assert problem.location.line >= 1 and problem.location.col >= 1
            assert problem.location.file == folder or folder in problem.location.file.parents
            assert problem.message.strip()
            assert "Traceback" not in problem.message
        return
    output = out / f"{folder.name}.docx"
    with zipfile.ZipFile(output) as package:
        etree.fromstring(package.read("word/document.xml"))  # strict: well-formed
    if keep_valid and len(VALID_OUTPUTS) < 3:
        kept = KEEP / f"valid{len(VALID_OUTPUTS)}.docx"
        shutil.copy(output, kept)
        VALID_OUTPUTS.append(kept)


def _write(tmp: Path, project_text: str | bytes) -> Path:
    folder = tmp / "doc"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "document.yaml").write_text(DOCUMENT, encoding="utf-8")
    target = folder / "01-项目.yaml"
    if isinstance(project_text, bytes):
        target.write_bytes(project_text)
    else:
        target.write_text(project_text, encoding="utf-8", errors="surrogatepass")
    return folder


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.function_scoped_fixture])
LONG = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture])


def test_the_unmutated_project_builds(tmp_path):
    check_outcome(_write(tmp_path, dump(BASE)), tmp_path / "out")
    assert VALID_OUTPUTS


@FUZZ
@given(mutated_project())
def test_mutated_source_trees(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("fuzz")
    check_outcome(_write(tmp, dump(data)), tmp / "out")


@FUZZ
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_arbitrary_file_contents(tmp_path_factory, content):
    tmp = tmp_path_factory.mktemp("raw")
    check_outcome(_write(tmp, content), tmp / "out")


@pytest.mark.slow
@LONG
@given(mutated_project())
def test_mutated_source_trees_long_run(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("fuzzlong")
    check_outcome(_write(tmp, dump(data)), tmp / "out")


@pytest.mark.libreoffice
@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")
def test_libreoffice_opens_the_valid_fuzzed_documents(tmp_path):
    from builder.output.pdf import convert_to_pdf

    assert VALID_OUTPUTS
    for docx in VALID_OUTPUTS:
        pdf = tmp_path / f"{docx.stem}.pdf"
        convert_to_pdf(docx, pdf)
        pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert "Pages:" in pages


# ---------------------------------------------------------------- number shapes (issue 10)

DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=60)
NUMBER_SHAPES = st.one_of(
    st.builds(lambda d, e: f"{d}e{e}", DIGITS, st.integers(min_value=-10**9, max_value=10**9)),  # huge exponents
    st.integers(min_value=1, max_value=6000).map(lambda n: "9" * n),  # many digits
    st.builds(lambda a, b: f"{a},{b}", DIGITS, DIGITS),  # separators in odd places
    st.builds(lambda a, b, c: f"{a},{b}.{c}", DIGITS, DIGITS, DIGITS),
    st.sampled_from(["-0", "-0.00", "+0", "0.000", "-0e5", "0e-999999"]),  # negative zero and friends
    st.builds(lambda d: d.translate(str.maketrans("0123456789", "０１２３４５６７８９")), DIGITS),  # full width
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.builds(lambda a, b: f"{a}.{b}", DIGITS, DIGITS),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["≥", "≤", "=", ">=", "<"]), NUMBER_SHAPES, st.sampled_from(["(%)", "(万元)", "(个)", ""]))
def test_an_indicator_number_is_printed_as_written_or_refused(comparator, number, unit):
    from builder.model.values import ValueProblem, parse_indicator_value

    try:
        value = parse_indicator_value(f"{comparator}{number}{unit}")
    except ValueProblem:
        return
    if value.is_quantitative:
        printed = value.canonical()
        digits = printed[len(value.comparator):].split("(")[0]
        assert Decimal(digits) == value.number  # nothing rounded away
        assert not digits.startswith("-")


@settings(max_examples=300, deadline=None)
@given(NUMBER_SHAPES, st.sampled_from(["", "万", "元", "万元"]))
def test_money_is_printed_as_written_or_refused(number, unit):
    from builder.model.values import ValueProblem, format_yuan, parse_money

    try:
        amount = parse_money(f"{number}{unit}")
    except ValueProblem:
        return
    printed = format_yuan(amount)
    assert Decimal(printed.replace(",", "")) == amount and not printed.startswith("-")


@FUZZ
@given(NUMBER_SHAPES, st.sampled_from(["年度", "预算单位数", "项目数"]))
def test_number_shapes_in_document_fields(tmp_path_factory, number, key):
    tmp = tmp_path_factory.mktemp("numbers")
    folder = _write(tmp, dump(BASE))
    text = DOCUMENT.replace("年度: 2025", f"年度: {number}") if key == "年度" else DOCUMENT + f"{key}: {number}\n"
    (folder / "document.yaml").write_text(text, encoding="utf-8")
    check_outcome(folder, tmp / "out", keep_valid=False)


# ---------------------------------------------------------------- template text (issue 10)

TEMPLATE_TEXT = st.one_of(
    st.lists(st.sampled_from(list("{}%#()[]'\"*+-|.,:~_ ") + ["x", "1", "9", "for", "in", "range", "if",
                                                             "end", "set", "p", "unit_name"]),
             max_size=30).map("".join),
    st.sampled_from([
        "{{ 'x' * 100000000 }}", "{{ 9 ** 9 ** 9 }}", "{% for a in range(99999) %}{% for b in range(99999) %}"
        "{% endfor %}{% endfor %}", "{{ unit_name.__class__ }}", "{{ lipsum(100000) }}", "{% raw %}", "{{",
        "{% for %}", "{{ ''.join(['x'] * 10**8) }}", "{{ range(10**9)|list }}", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    ]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(TEMPLATE_TEXT)
def test_template_text_never_crashes_or_hangs(tmp_path_factory, monkeypatch, text):
    import time

    from builder.render.docx import TemplateProblem  # noqa: F401 - the only failure allowed besides limits

    monkeypatch.setenv("BUDGETDOC_RENDER_SECONDS", "5")
    monkeypatch.setenv("BUDGETDOC_RENDER_MEMORY_MB", "300")
    tmp = tmp_path_factory.mktemp("template")
    folder = _write(tmp, dump(BASE))
    template = Path(__file__).resolve().parent.parent / "templates" / "绩效目标申报.docx"
    edited = io.BytesIO()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                data = data.replace("财政支出项目绩效目标申报表".encode(), escaped.encode(), 1)
            target.writestr(info, data)
    (folder / "t.docx").write_bytes(edited.getvalue())
    (folder / "document.yaml").write_text(DOCUMENT + "模板: t.docx\n", encoding="utf-8")
    started = time.monotonic()
    check_outcome(folder, tmp / "out", keep_valid=False)
    assert time.monotonic() - started < 60
