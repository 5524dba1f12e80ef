"""Templates Word accepts and people can edit (issue 11).

- valid OOXML (Microsoft's Open XML SDK validator) for built documents and templates;
- nothing in a template a person cannot type or see: merges by the marker 【合并】, page starts
  as "page break before"; tags split across runs still work;
- a template saved by LibreOffice or python-docx builds the same document, cell for cell;
- ``budgetdoc template check`` and the same check at build, located in Word's terms;
- forms that paginate: repeating header rows, rows kept whole, widths for six-character labels.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from helpers import validator_errors
from conftest import EVALUATION_SOURCES, ROOT, TARGET_SOURCES, run_cli
from lxml import etree

from builder.output.build import build
from builder.render.merge import MERGE_MARKER, merge_marked_cells

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
TEMPLATES = ROOT / "templates"
KINDS = {"绩效目标申报": TARGET_SOURCES, "绩效自评": EVALUATION_SOURCES}


# ---------------------------------------------------------------- helpers

def document_xml(docx: Path):
    with zipfile.ZipFile(docx) as package:
        return etree.fromstring(package.read("word/document.xml"))


def cells_of(docx: Path) -> list[list[list[tuple]]]:
    """Every table: rows of (text, gridSpan, vMerge) — what a reader of the form sees."""
    tables = []
    for tbl in document_xml(docx).iter(f"{W}tbl"):
        rows = []
        for tr in tbl.findall(f"{W}tr"):
            row = []
            for tc in tr.findall(f"{W}tc"):
                span = tc.find(f"{W}tcPr/{W}gridSpan")
                merge = tc.find(f"{W}tcPr/{W}vMerge")
                text = "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in tc.findall(f"{W}p"))
                row.append((text, int(span.get(f"{W}val")) if span is not None else 1,
                            None if merge is None else merge.get(f"{W}val", "continue")))
            rows.append(row)
        tables.append(rows)
    return tables


def page_starts(docx: Path) -> list[str]:
    """The text of every paragraph that starts a page (page break before, or after a page break)."""
    starts, pending = [], False
    for p in document_xml(docx).find(f"{W}body").iter(f"{W}p"):
        text = "".join(t.text or "" for t in p.iter(f"{W}t"))
        before = p.find(f"{W}pPr/{W}pageBreakBefore")
        if pending or (before is not None and before.get(f"{W}val", "true") not in ("0", "false")):
            starts.append(text)
            pending = False
        if any(br.get(f"{W}type") == "page" for br in p.iter(f"{W}br")):
            pending = True
    return starts


def with_template(tmp_path: Path, kind: str, template: Path, name: str = "模板.docx") -> Path:
    """A copy of the shipped sources of ``kind`` that uses ``template``."""
    folder = tmp_path / f"{kind}-{template.stem}"
    shutil.copytree(KINDS[kind], folder)
    shutil.copy(template, folder / name)
    document = folder / "document.yaml"
    document.write_text(document.read_text(encoding="utf-8").rstrip("\n") + f"\n模板: {name}\n", encoding="utf-8")
    return folder


def build_one(folder: Path, out: Path) -> Path:
    results, failures = build([folder], out, use_cache=False)
    assert not failures, "\n".join(p.format() for f in failures for p in f.problems)
    return out / f"{folder.name}.docx"


def edited_template(tmp_path: Path, kind: str, edit, name: str) -> Path:
    """The shipped template with its document.xml changed by ``edit(text) -> text``."""
    source = zipfile.ZipFile(TEMPLATES / f"{kind}.docx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                changed = edit(data.decode("utf-8"))
                assert changed != data.decode("utf-8"), "the edit changed nothing"
                data = changed.encode("utf-8")
            target.writestr(info.filename, data)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


# ---------------------------------------------------------------- the merge marker

def _table(rows: list[list[str]]):
    """A w:tbl with one cell per string; each cell's text is split into two runs mid-way."""
    tbl = etree.Element(f"{W}tbl", nsmap={"w": W_NS})
    for row in rows:
        tr = etree.SubElement(tbl, f"{W}tr")
        for text in row:
            tc = etree.SubElement(tr, f"{W}tc")
            etree.SubElement(tc, f"{W}tcPr")
            p = etree.SubElement(tc, f"{W}p")
            half = len(text) // 2
            for part in (text[:half], text[half:]):
                etree.SubElement(etree.SubElement(p, f"{W}r"), f"{W}t").text = part
    return tbl


def test_marker_merges_two_levels_and_a_recurring_second_level_label():
    m = MERGE_MARKER
    tbl = _table([
        ["绩效指标" + m, "一级指标", "二级指标", "三级指标"],
        ["绩效指标" + m, "产出指标" + m, "数量指标" + m, "a"],
        ["绩效指标" + m, "产出指标" + m, "数量指标" + m, "b"],
        ["绩效指标" + m, "效益指标" + m, "数量指标" + m, "c"],  # same 二级 label under another 一级
        ["绩效指标" + m, "效益指标" + m, "社会效益指标" + m, "d"],
        ["绩效指标" + m, "效益指标" + m, "社会效益指标" + m, "e"],
        ["总分", "", "", ""],
    ])
    merge_marked_cells(tbl)
    got = [[("".join(t.text or "" for t in tc.iter(f"{W}t")),
             (tc.find(f"{W}tcPr/{W}vMerge").get(f"{W}val") if tc.find(f"{W}tcPr/{W}vMerge") is not None else None))
            for tc in tr.findall(f"{W}tc")][:3] for tr in tbl.findall(f"{W}tr")]
    assert [row[0] for row in got] == [("绩效指标", "restart")] + [("", "continue")] * 5 + [("总分", None)]
    assert [row[1] for row in got[1:6]] == [("产出指标", "restart"), ("", "continue"),
                                          ("效益指标", "restart"), ("", "continue"), ("", "continue")]
    assert [row[2] for row in got[1:6]] == [("数量指标", "restart"), ("", "continue"), ("数量指标", None),
                                          ("社会效益指标", "restart"), ("", "continue")]
    assert MERGE_MARKER not in etree.tostring(tbl, encoding="unicode")  # split across runs, still removed
    # a continued cell keeps one empty paragraph, no runs
    continued = tbl.findall(f"{W}tr")[2].findall(f"{W}tc")[1]
    assert len(continued.findall(f"{W}p")) == 1 and continued.find(f".//{W}r") is None


def test_nested_merges_in_the_built_forms(built_documents):
    """The 自评 parent project: 产出指标 spans its rows, each 二级 within it."""
    tables = cells_of(built_documents / "2023-绩效自评.docx")
    grid = tables[1]  # project 1's indicator grid (a table of its own)
    assert grid[0][1][0] == "一级指标"
    level1 = [(row[1][0], row[1][2]) for row in grid[1:-1]]
    starts = [text for text, merge in level1 if merge != "continue"]
    assert starts == ["产出指标", "效益指标", "满意度指标"]
    assert MERGE_MARKER not in json.dumps(tables, ensure_ascii=False)


# ---------------------------------------------------------------- nothing hidden in the templates

@pytest.mark.parametrize("kind", KINDS)
def test_shipped_templates_hold_tags_only_in_text(kind):
    root = document_xml(TEMPLATES / f"{kind}.docx")
    for node in root.iter():
        for value in node.attrib.values():
            assert "{{" not in value and "{%" not in value, (node.tag, value)
    assert root.find(f".//{W}vMerge") is None  # every merge is typed as 【合并】
    assert len(root.findall(f".//{W}pageBreakBefore")) >= 1


def test_tag_split_across_runs_by_proofing_still_works(tmp_path, built_documents):
    """Word's spelling marks split ``{{ p.name }}`` into ``{{ p.na`` | ``me }}``: same document."""
    split = edited_template(tmp_path, "绩效目标申报", lambda x: x.replace(
        "{{ p.name }}", '{{ p.na</w:t></w:r><w:proofErr w:type="spellStart"/><w:r><w:rPr><w:lang w:val="en-US"/>'
                        '</w:rPr><w:t xml:space="preserve">me }}', 1), "split.docx")
    folder = with_template(tmp_path, "绩效目标申报", split)
    built = build_one(folder, tmp_path / "out")
    assert cells_of(built) == cells_of(built_documents / "2025-绩效目标申报.docx")


# ---------------------------------------------------------------- round trip through office programs

@pytest.fixture(scope="module")
def saved_templates(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Each shipped template saved once by LibreOffice (docx → docx) and once by python-docx."""
    import docx

    if not shutil.which("soffice"):
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is missing in CI")
        pytest.skip("LibreOffice is not installed here (.ci/run installs it)")
    work = tmp_path_factory.mktemp("saved")
    sources = [TEMPLATES / f"{kind}.docx" for kind in KINDS]
    profile = (work / "profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to",
                    "docx:MS Word 2007 XML", "--outdir", str(work / "libreoffice"), *map(str, sources)],
                   check=True, capture_output=True, timeout=180, env=dict(os.environ, HOME=str(work)))
    saved = {}
    for kind, source in zip(KINDS, sources):
        python_docx = work / "python-docx" / source.name
        python_docx.parent.mkdir(exist_ok=True)
        docx.Document(str(source)).save(str(python_docx))
        saved[kind] = {"libreoffice": work / "libreoffice" / source.name, "python-docx": python_docx}
        assert saved[kind]["libreoffice"].is_file()
    return saved


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", KINDS)
def test_saved_template_builds_the_same_document(kind, saved_templates, built_documents, tmp_path):
    original = built_documents / f"{KINDS[kind].name}.docx"
    expected_cells, expected_starts = cells_of(original), page_starts(original)
    assert len(expected_starts) >= 5
    for program, template in saved_templates[kind].items():
        folder = with_template(tmp_path / program, kind, template)
        built = build_one(folder, tmp_path / program / "out")
        assert cells_of(built) == expected_cells, program
        assert page_starts(built) == expected_starts, program


@pytest.mark.parametrize("damage, expected", [
    (lambda x: x.replace(MERGE_MARKER, ""), "没有合并标记"),
    (lambda x: x.replace("<w:pageBreakBefore/>", ""), "处分页（标准模板"),
    (lambda x: x.replace("{{ p.funds.carryover }}", "0.00"), "模板没有用到“{{ p.funds.carryover }}”（上年结转资金）"),
], ids=["markers", "page-starts", "a-tag"])
def test_a_template_that_lost_tags_or_markers_is_reported_not_built(damage, expected, tmp_path):
    broken = edited_template(tmp_path, "绩效目标申报", damage, "坏模板.docx")
    folder = with_template(tmp_path, "绩效目标申报", broken)
    results, failures = build([folder], tmp_path / "out", use_cache=False)
    assert not results and failures
    lines = [p.format() for p in failures[0].problems]
    assert any(expected in line for line in lines), lines
    assert all(re.match(r"^\S*document\.yaml:\d+:\d+ 模板: 模板\.docx", line) for line in lines), lines
    assert not (tmp_path / "out" / f"{folder.name}.docx").exists()


# ---------------------------------------------------------------- budgetdoc template check

def test_template_check_lists_tags_in_words_terms():
    result = run_cli("template", "check", TEMPLATES / "绩效目标申报.docx")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(re.fullmatch(r"表 1 第 1 行第 2 列\s+\{\{ p\.name \}\}", line) for line in lines), lines[:20]
    assert any(re.fullmatch(r"表 2 第 3 行第 2 列\s+\{\{ r\.level1 \}\}\s+【合并】", line) for line in lines)
    assert any(line.startswith("第 5 段“按照本市预算绩效管理工作的") for line in lines)
    assert "没有发现问题" in result.stderr and "按绩效目标申报检查" in result.stderr


def test_template_check_reports_names_syntax_and_hidden_tags_in_chinese(tmp_path):
    def damage(x: str) -> str:
        x = x.replace("{{ p.authority }}", "{{ p.authorty }}").replace("{{ r.value }}", "{{ r.valeu }}")
        x = x.replace("{{ total_wan }}", "{{ totl_wan }}").replace("{{ p.nature }}", "{{ p.nature + }}")
        x = x.replace("{{ p.end }}", "{{ p.end }", 1).replace("{{ p.start }}", "{% foo %}", 1)
        # a tag where Word cannot show it: in the attribute of a vertical merge
        return x.replace("<w:vAlign ", '<w:vMerge w:val="{{ r.level1_merge }}"/><w:vAlign ', 1)

    bad = edited_template(tmp_path, "绩效目标申报", damage, "bad.docx")
    result = run_cli("template", "check", "-q", bad)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("模板 bad.docx")]
    assert "模板 bad.docx 表 1 第 2 行第 2 列: “p”没有“authorty”这一项，是否应为“authority”？" in "\n".join(lines)
    assert any(line.startswith("模板 bad.docx 表 2 第 3 行第 5 列: “r”没有“valeu”这一项，是否应为“value”？")
               for line in lines)
    assert any(line.startswith("模板 bad.docx 第 5 段“按照本市预算绩效管理工作的总体要…”: 未知的名称“totl_wan”，"
                               "是否应为“total_wan”？") for line in lines)
    assert "模板 bad.docx 表 1 第 1 行第 4 列: 标签“{{ p.nature + }}”语法有误：表达式写法有误（检查括号、引号、点号和运算符）" in lines
    assert "模板 bad.docx 表 1 第 3 行第 4 列: 标签“{{ p.end }”没有结束：缺少“}}”（一个标签必须写在同一段里）" in lines
    assert "模板 bad.docx 表 1 第 3 行第 2 列: 标签“{% foo %}”语法有误：未知的标签“foo”" in lines
    assert any(line.startswith("模板 bad.docx 表 1 第 1 行第 1 列: 标签“{{ r.level1_merge }}”写在 Word 中看不到、"
                               "也无法输入的位置（w:vMerge/@w:val）") for line in lines)
    # nothing of jinja's English (the names of programs and commands aside)
    plain = re.sub(r"\{[{%].*?[}%]\}|“[^”]*”|w:\w+|@w:\w+|bad\.docx|docs/templates\.md|Word|（可用：[^）]*）"
                   r"|Open XML SDK|budgetdoc validate \S+", "",
                   result.stderr)
    assert not re.search(r"[A-Za-z]{3,}", plain), plain


def test_template_check_reports_an_unclosed_block(tmp_path):
    bad = edited_template(tmp_path, "绩效自评", lambda x: x.replace("{%p endfor %}", "", 1), "open.docx")
    result = run_cli("template", "check", "-q", bad)
    assert result.returncode == 1
    assert "模板 open.docx 表 1 第 9 行第 2 列: “{%p for t in p.expected %}”没有对应的 {% endfor %}" in result.stderr


def test_build_refuses_a_misspelt_name_with_its_place(tmp_path):
    bad = edited_template(tmp_path, "绩效自评", lambda x: x.replace("{{ r.score }}", "{{ r.socre }}"), "自评.docx")
    folder = with_template(tmp_path, "绩效自评", bad)
    result = run_cli("build", folder, "--out", tmp_path / "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert re.search(r"^document\.yaml:\d+:5 \[错误\] SOURCE 模板: 模板\.docx 表 2 第 3 行第 8 列: “r”没有“socre”这一项，"
                     r"是否应为“score”？", result.stderr.replace(str(folder) + os.sep, ""), re.M)
    assert not (tmp_path / "out" / f"{folder.name}.docx").exists()


def test_an_undefined_name_at_rendering_is_a_located_error_not_a_blank(tmp_path):
    """Past the check (called directly), jinja's StrictUndefined still refuses, with the place."""
    from builder.render.context import document_context
    from builder.load.loader import load_document
    from builder.render.docx import render_template
    from builder.render.template import TemplateProblem

    bad = edited_template(tmp_path, "绩效目标申报", lambda x: x.replace("{{ p.category }}", "{{ p.categry }}"),
                          "x.docx")
    document = load_document(TARGET_SOURCES).document
    with pytest.raises(TemplateProblem) as caught:
        render_template(bad, document_context(document))
    assert str(caught.value) == "模板 x.docx 表 1 第 1 行第 6 列: 用到了没有定义的值“categry”（生成时不能留空）"


def test_context_names_are_those_the_context_builders_produce():
    """CONTEXT_NAMES (what template check accepts) is kept in step with builder/render/context.py."""
    from builder.render.context import document_context
    from builder.load.loader import load_document
    from builder.render.context import CONTEXT_NAMES

    def merge(a, b):  # the union of two shapes; None (a value that is absent) gives way
        if a is None or b is None:
            return b if a is None else a
        if isinstance(a, dict) and isinstance(b, dict):
            return {key: merge(a.get(key), b.get(key)) for key in {**a, **b}}
        if isinstance(a, list) and isinstance(b, list):
            return [merge(a[0] if a else None, b[0] if b else None)]
        return b

    def shape(value):
        if value is None:
            return None
        if isinstance(value, dict):
            return {key: shape(item) for key, item in value.items()}
        if isinstance(value, list):
            merged = None
            for item in value:
                merged = merge(merged, shape(item))
            return [merged]
        return "leaf"

    def settle(value):  # what stayed absent everywhere, or an empty list's element, is a leaf
        if isinstance(value, dict):
            return {key: settle(item) for key, item in value.items()}
        if isinstance(value, list):
            return [settle(value[0])]
        return "leaf"

    def declared(value):
        if isinstance(value, dict):
            return {key: declared(item) for key, item in value.items()}
        if isinstance(value, list):
            return [declared(value[0])]
        return "leaf"

    for kind, folder in KINDS.items():
        context = document_context(load_document(folder).document)
        # annual_goal is None for a project without 年度总体目标, a list of paragraphs elsewhere
        assert settle(shape(context)) == declared(CONTEXT_NAMES[kind]), kind


# ---------------------------------------------------------------- forms that paginate

def _twips_needed(chars: int, size_pt: float) -> int:
    return round(chars * size_pt * 20 + 2 * 45)


@pytest.mark.parametrize("kind", KINDS)
def test_forms_paginate_like_forms(kind):
    root = document_xml(TEMPLATES / f"{kind}.docx")
    tables = root.findall(f".//{W}tbl")
    assert len(tables) == 2
    for tbl in tables:
        grid = [int(c.get(f"{W}w")) for c in tbl.findall(f"{W}tblGrid/{W}gridCol")]
        for tr in tbl.findall(f"{W}tr"):
            text = "".join(t.text or "" for t in tr.iter(f"{W}t"))
            if text.startswith("{%tr"):
                continue
            long_text = "{%p for" in text
            assert (tr.find(f"{W}trPr/{W}cantSplit") is not None) != long_text, text
            column = 0
            for tc in tr.findall(f"{W}tc"):
                span_node = tc.find(f"{W}tcPr/{W}gridSpan")
                span = int(span_node.get(f"{W}val")) if span_node is not None else 1
                width = int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w"))
                assert width == sum(grid[column:column + span])  # tcW agrees with the grid (WPS, Word)
                column += span
                label = "".join(t.text or "" for t in tc.iter(f"{W}t")).replace(MERGE_MARKER, "")
                if label and "{" not in label and len(label) <= 6:
                    size = 9 if kind == "绩效自评" else 10.5
                    assert width >= _twips_needed(len(label), size), (label, width)
        assert column == len(grid)
    # the indicator grid: a table of its own whose header row repeats and keeps with the next
    header = tables[1].find(f"{W}tr")
    assert header.find(f"{W}trPr/{W}tblHeader") is not None
    assert all(p.find(f"{W}pPr/{W}keepNext") is not None for p in header.iter(f"{W}p"))
    texts = ["".join(t.text or "" for t in tc.iter(f"{W}t")) for tc in header.findall(f"{W}tc")]
    assert texts[1] == "一级指标"


def test_the_last_row_stays_with_the_rows_above_it(built_documents):
    root = document_xml(built_documents / "2023-绩效自评.docx")
    for tbl in root.iter(f"{W}tbl"):
        rows = tbl.findall(f"{W}tr")
        for row in rows[-4:-1]:
            assert all(p.find(f"{W}pPr/{W}keepNext") is not None for p in row.iter(f"{W}p"))


def test_titles_keep_with_what_follows_and_sections_share_one_indent(built_documents):
    from builder.read.docxtext import read_items

    styles = zipfile.ZipFile(built_documents / "2025-绩效目标申报.docx").read("word/styles.xml").decode()
    for style in ("Heading1", "Heading2", "Subtitle"):
        block = re.search(rf'<w:style [^>]*w:styleId="{style}".*?</w:style>', styles, re.S).group(0)
        assert "<w:keepNext/>" in block, style
    root = document_xml(built_documents / "2025-绩效目标申报.docx")
    body = [p for p in root.find(f"{W}body").findall(f"{W}p")]
    # sections 一 … 七: every paragraph between the headings is Normal, with no indent of its own
    inside, seen = False, set()
    for p in body:
        text = "".join(t.text or "" for t in p.iter(f"{W}t"))
        style = p.find(f"{W}pPr/{W}pStyle")
        name = style.get(f"{W}val") if style is not None else "Normal"
        if name == "Heading2":
            inside = True
            seen.add(text[:1])
            continue
        if name != "Normal":
            inside = False
            continue
        if inside and text:
            assert p.find(f"{W}pPr/{W}ind") is None, text
    assert seen == set("一二三四五六七")
    evaluation = [i.text for i in read_items(built_documents / "2023-绩效自评.docx") if hasattr(i, "style")]
    assert "（2023 年度）" in evaluation and "(2023 年度)" not in evaluation


# ---------------------------------------------------------------- Microsoft's validator

@pytest.mark.libreoffice
def test_open_xml_sdk_validator_finds_no_errors(built_documents, saved_templates, tmp_path):
    """Office2016 schema validation of the built documents, the shipped templates and a document
    built from the template LibreOffice saved: 0 errors each (one node process for all)."""
    folder = with_template(tmp_path, "绩效目标申报", saved_templates["绩效目标申报"]["libreoffice"])
    round_trip = build_one(folder, tmp_path / "out")
    files = [built_documents / "2025-绩效目标申报.docx", built_documents / "2023-绩效自评.docx",
             TEMPLATES / "绩效目标申报.docx", TEMPLATES / "绩效自评.docx", round_trip]
    assert validator_errors(*files) == {}


def test_template_check_of_a_file_that_is_not_a_template(tmp_path):
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(broken, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document xmlns:w='x'><w:body>")
    for path, message in ((broken, "模板 broken.docx 无法读取：文档内容不是有效的 XML（第 1 行）"),
                          (ROOT / "README.md", "模板 README.md 不是有效的 Word 文档（.docx）：BadZipFile")):
        result = run_cli("template", "check", path)
        assert result.returncode == 1 and result.stderr.strip() == message


# ---------------------------------------------------------------- external references (issue 21, defect 18)

def template_with_parts(tmp_path: Path, kind: str, edits: dict, name: str) -> Path:
    """The shipped template with parts changed (``edits``: part name → edit(text) -> text; a part
    that is not there is added with edit(""))."""
    source = zipfile.ZipFile(TEMPLATES / f"{kind}.docx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename in edits:
                data = edits[info.filename](data.decode("utf-8")).encode("utf-8")
            target.writestr(info.filename, data)
        for part, edit in edits.items():
            if part not in source.namelist():
                target.writestr(part, edit(""))
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def _add_relationship(xml: str, relation: str) -> str:
    return xml.replace("</Relationships>", relation + "</Relationships>")


REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
EXTERNAL = {
    "image": {"word/_rels/document.xml.rels": lambda x: _add_relationship(
        x, f'<Relationship Id="rIdX1" Type="{REL}/image" Target="http://127.0.0.1:9/track.png" TargetMode="External"/>')},
    "file": {"word/_rels/document.xml.rels": lambda x: _add_relationship(
        x, f'<Relationship Id="rIdX2" Type="{REL}/image" Target="file:///etc/passwd"/>')},
    "attached": {"word/_rels/settings.xml.rels": lambda x: (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/'
        f'package/2006/relationships"><Relationship Id="rIdX3" Type="{REL}/attachedTemplate" '
        'Target="file:///home/someone/Normal.dotm" TargetMode="External"/></Relationships>')},
    "field": {"word/document.xml": lambda x: x.replace(
        "</w:body>", '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> INCLUDE'
                     '</w:instrText></w:r><w:r><w:instrText xml:space="preserve">PICTURE "file:///etc/hostname" </w:instrText>'
                     '</w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:body>', 1)},
    # hostile tester: an SVG image inside the template (named .png: read by its content) that links a
    # local file — LibreOffice embedded /tmp/…/big.png in the PDF, and template check said nothing
    "svg": {"word/media/image9.png": lambda x: (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="9" height="9">'
        '<image xlink:href="file:///etc/hostname" width="9" height="9"/></svg>')},
    "svg-css": {"word/media/image9.svg": lambda x: (
        '<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9" '
        'style="fill:url( \'http://127.0.0.1:9/track.svg#p\')"/></svg>')},
}


@pytest.mark.parametrize("case", sorted(EXTERNAL))
def test_a_template_reaching_outside_itself_is_refused_by_check_and_build(tmp_path, case):
    """Defect 18: a linked image (``TargetMode="External"``, ``file://``, ``http://``), an attached
    template or an INCLUDEPICTURE field made LibreOffice fetch or embed it; refused by both."""
    bad = template_with_parts(tmp_path, "绩效目标申报", EXTERNAL[case], "外链.docx")
    result = run_cli("template", "check", "-q", bad)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "已拒绝" in result.stderr and ("指向模板之外" in result.stderr or "INCLUDEPICTURE" in result.stderr)
    folder = with_template(tmp_path, "绩效目标申报", bad)
    out = tmp_path / "out"
    result = run_cli("build", folder, "--out", out)
    assert result.returncode == 1 and "已拒绝" in result.stderr, result.stderr
    assert not (out / f"{folder.name}.docx").exists()


def test_a_hyperlink_in_a_template_is_allowed(tmp_path):
    ok = template_with_parts(tmp_path, "绩效目标申报", {"word/_rels/document.xml.rels": lambda x: _add_relationship(
        x, f'<Relationship Id="rIdX9" Type="{REL}/hyperlink" Target="https://www.example.gov.cn/" TargetMode="External"/>')},
        "超链接.docx")
    result = run_cli("template", "check", "-q", ok)
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------- a template that prints nothing from the sources

def test_last_years_built_document_saved_as_the_template_is_refused(tmp_path, built_documents):
    """Issue 21 (9a): a template without tags builds the same old text whatever the sources say."""
    old = built_documents / "2025-绩效目标申报.docx"
    result = run_cli("template", "check", "-q", old, "--kind", "绩效目标申报")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[0] == (
        "模板 2025-绩效目标申报.docx: 模板中没有读取源文件的标签，生成的文档只会是模板本身的文字，与源文件无关"
        "（是否把以前生成的文档当作了模板？请用 templates/ 中的标准模板，或 budgetdoc template new 写出的模板）")
    folder = with_template(tmp_path, "绩效目标申报", old)
    results, failures = build([folder], tmp_path / "out", use_cache=False)
    assert not results and failures
    lines = [p.format() for p in failures[0].problems]
    assert any("模板中没有读取源文件的标签" in line for line in lines), lines
    assert not (tmp_path / "out" / f"{folder.name}.docx").exists()


def test_a_template_that_reads_no_project_is_refused(tmp_path):
    """Only the document's title values: every project's text is missing, whatever the sources say."""
    import docx

    for kind, names in (("绩效目标申报", "{{ unit_name }} {{ year }} 年"), ("绩效自评", "{{ 单位名称 }}"),
                        ("绩效目标申报", "{# 注释 #}{% if false %}x{% endif %}")):
        document = docx.Document()
        document.add_paragraph(names)
        path = tmp_path / f"{kind}.docx"
        document.save(str(path))
        result = run_cli("template", "check", "-q", path, "--kind", kind)
        assert result.returncode == 1, (kind, names, result.stderr)
        assert ("模板没有读取任何项目" if "{{" in names else "模板中没有读取源文件的标签") in result.stderr, result.stderr
    for kind in KINDS:  # the shipped templates read the projects, in English and (佳县) Chinese names
        assert run_cli("template", "check", "-q", TEMPLATES / f"{kind}.docx").returncode == 0
    jiaxian = ROOT / "examples" / "_共用" / "佳县申报表.docx"
    assert run_cli("template", "check", "-q", jiaxian, "--form", ROOT / "examples" / "佳县-2016").returncode == 0
