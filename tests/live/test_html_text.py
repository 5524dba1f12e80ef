"""The HTML says what the .docx says, for every kind of source (issue 21: HTML = docx text).

Each source kind is built once as .docx and .html; the .docx is read back with the
builder's own text extraction (``budgetdoc totext``'s ``read_items`` and ``footnotes``),
the page with an HTML parser, and the two texts, whitespace squashed, must be equal.
"""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import EVALUATION_SOURCES, ROOT, TARGET_SOURCES, run_cli
from helpers import PROJECT, write_document

from builder.read.docxtext import Paragraph, footnotes, read_items

pytest.importorskip("pypandoc")
lxml_html = pytest.importorskip("lxml.html")

MD_TARGET = """\
# 测试项目

## 项目概述

概述有**粗体**、*斜体*、~~删除~~和 `代码`。[^1] 链接 [官网](https://example.org/a?b=1&c=2) 与
[脚本](javascript:alert(1)) 只印文字；\\<script\\>alert(1)\\</script\\> 照字面印出。

[^1]: 第一个脚注。

## 立项依据

依据。[^1]

[^1]: 另一个脚注，同样的标签。

## 实施主体

主体：\\
第二行。

> 引用的一段。

## 实施方案

1. 第一步；
2. 第二步。

(1) 甲
(2) 乙

- 条目
  - 下一级条目

（一）中文编号照原样。

### 小标题

正文。

## 实施周期

2025 年 1 月至 2025 年 12 月

## 年度预算安排

+--------+---------+
| 名称   | 金额    |
+========+=========+
| 合并   | 1.00    |
|        +---------+
|        | 2.00    |
+--------+---------+
| 跨两列的说明     |
+------------------+
"""

INLINE_PLAN = "  实施方案: |-\n    1. 第一步；\n    2. **第二步**，见[通知](http://example.org/)。[^n]\n\n    [^n]: 内联的脚注。"

EVALUATION_MD = ("## 预期目标\n\n- 目标**一**；\n- 目标二。\n\n## 实际完成情况\n\n完成。[^1]\n\n"
                 "| 课题 | 篇数 |\n|---|--:|\n| 研究报告 | 7 |\n\n[^1]: 见验收报告。\n")


def _evaluation_without_goals(folder, stem):
    part = folder / f"{stem}.yaml"
    text = part.read_text(encoding="utf-8")
    return part, text, text.index("预期目标:"), text.index("绩效指标:")


def _sources(tmp_path):
    """Every kind of source, each a folder: {name: folder}."""
    made = {}
    made["申报"] = tmp_path / "申报"
    shutil.copytree(TARGET_SOURCES, made["申报"])
    made["自评"] = tmp_path / "自评"
    shutil.copytree(EVALUATION_SOURCES, made["自评"])
    made["佳县"] = ROOT / "examples" / "佳县-2016"  # a form and template of its own (表单:, 模板:)
    made["markdown-example"] = ROOT / "examples" / "markdown" / "2025-绩效目标申报-markdown"

    narrative_free = PROJECT.split("情况说明:")[0] + "项目总目标" + PROJECT.split("项目总目标", 1)[1]
    sibling = write_document(tmp_path / "申报-md文件", {"01-测试项目.yaml": narrative_free})
    (sibling / "01-测试项目.md").write_text(MD_TARGET, encoding="utf-8")
    made["申报-md文件"] = sibling

    inline = PROJECT.replace("  实施方案: 方案。", INLINE_PLAN).replace(
        "项目总目标: 总目标。", "项目总目标: |-\n  1. 总目标**一**；\n  2. 总目标二。")
    made["申报-内联"] = write_document(tmp_path / "申报-内联", {"01-测试项目.yaml": inline},
                                     document="文档类型: 绩效目标申报\n年度: 2025\n单位名称: 测试单位\n"
                                              "情况说明格式: markdown\n")

    evaluation_md = tmp_path / "自评-md文件"
    shutil.copytree(EVALUATION_SOURCES, evaluation_md)
    part, text, start, end = _evaluation_without_goals(evaluation_md, "02-政策研究")
    part.write_text(text[:start] + text[end:], encoding="utf-8")
    (evaluation_md / "02-政策研究.md").write_text(EVALUATION_MD, encoding="utf-8")
    made["自评-md文件"] = evaluation_md

    evaluation_inline = tmp_path / "自评-内联"
    shutil.copytree(EVALUATION_SOURCES, evaluation_inline)
    part, text, start, end = _evaluation_without_goals(evaluation_inline, "02-政策研究")
    goals = ("预期目标: |-\n  - 目标**一**；\n  - 目标二。\n实际完成情况: |-\n  完成。[^1]\n\n  | 课题 | 篇数 |\n"
             "  |---|--:|\n  | 研究报告 | 7 |\n\n  [^1]: 见验收报告。\n")
    part.write_text(text[:start] + goals + text[end:], encoding="utf-8")
    document = evaluation_inline / "document.yaml"
    document.write_text(document.read_text(encoding="utf-8") + "情况说明格式: markdown\n", encoding="utf-8")
    made["自评-内联"] = evaluation_inline
    return made


def squashed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def docx_text(path) -> str:
    """The .docx as ``budgetdoc totext`` reads it: paragraphs, table cells (a merge once), footnotes."""
    parts = []
    for item in read_items(path):
        parts.extend([item.text] if isinstance(item, Paragraph) else item.cells)
    parts.extend(footnotes(path))
    return "\n".join(parts)


def html_text(path) -> str:
    """The page's words: its content, footnote reference numbers left out and the footnotes
    moved to the end (where the .docx keeps them, in their own part)."""
    root = lxml_html.fromstring(path.read_bytes().decode("utf-8"))
    content = root.get_element_by_id("content")
    for reference in content.find_class("md-note-ref") + content.find_class("md-note-number"):
        reference.drop_tree()
    notes = []
    for note in content.find_class("md-note"):
        notes.append(note.text_content())
        note.drop_tree()
    return content.text_content() + "\n" + "\n".join(notes)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("kinds")
    sources = _sources(tmp_path)
    out = tmp_path / "out"
    result = run_cli("build", *sources.values(), "--out", out, "--format", "docx,html", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    return sources, out


KINDS = ["申报", "自评", "佳县", "markdown-example", "申报-md文件", "申报-内联", "自评-md文件", "自评-内联"]


@pytest.mark.parametrize("kind", KINDS)
def test_html_text_equals_docx_text(built, kind):
    sources, out = built
    name = sources[kind].name
    page = (out / f"{name}.html").read_text(encoding="utf-8")
    assert "budgetdoc-md" not in page and "\ue000" not in page
    docx, html = squashed(docx_text(out / f"{name}.docx")), squashed(html_text(out / f"{name}.html"))
    assert len(docx) > 500
    assert html == docx


def test_markdown_reaches_the_page_as_markup_and_nothing_else(built):
    sources, out = built
    page = (out / "申报-md文件.html").read_text(encoding="utf-8")
    assert "<strong>粗体</strong>" in page and "<em>斜体</em>" in page and "<s>删除</s>" in page
    assert "链接 官网 与脚本" in page  # the .docx prints a link's words (so does its page)
    assert "javascript:" not in page and "<script" not in page  # the words 脚本 only; <script> as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'rowspan="2"' in page and 'colspan="2"' in page  # the grid table's spans
    evaluation = (out / "自评-内联.html").read_text(encoding="utf-8")
    assert "目标<strong>一</strong>" in evaluation


def test_serve_page_resolves_markdown(built):
    pytest.importorskip("starlette")
    from builder.live.preview import Preview

    sources, _ = built
    preview = Preview([sources["自评-md文件"], sources["markdown-example"]])
    preview.refresh()
    pages = [preview.page(state.id) for state in preview.docs.values()]
    assert len(pages) == 2
    for page in pages:
        assert page and "budgetdoc-md" not in page and "\ue000" not in page
    assert any("目标<strong>一</strong>" in page for page in pages)
    assert any("竞争性磋商" in page for page in pages)


def test_only_safe_links_reach_the_page():
    """A .docx hyperlink keeps its target only for http, https and mailto (builder.output.html.fromdocx)."""
    from builder.output.html.fromdocx import safe_href

    assert [safe_href(u) for u in ("HTTPS://a", "mailto:a@b", "vbscript:x", "//evil", "/a", "java\tscript:x")] == [
        "HTTPS://a", "mailto:a@b", None, None, None, None]


def _main_without_notes(page: str):
    """The page's document part with the preview's notes and marks taken out, as a tree."""
    main = lxml_html.fromstring(page).find(".//main")
    for note in main.xpath('.//div[contains(@class, "note")] | .//div[@class="section-notes"]'):
        note.tail = None  # the line break after a note is the notes template's, not the document's
        note.drop_tree()
    for node in main.iter():
        for name in ("data-field", "data-project", "class"):
            node.attrib.pop(name, None)
    return lxml_html.tostring(main, encoding="unicode").replace("> <", "><")


def _own_words(cell) -> str:
    return "".join(cell.xpath("./p//text()")).strip()


@pytest.mark.parametrize("kind", ["shipped", "bureau"])
def test_findings_sit_in_the_cell_of_their_field_on_the_same_page(tmp_path, kind):
    """A page with findings (serve) is the traced render: the same document as the page
    without them (merged cells too), each finding inside the cell that prints its field —
    on the shipped form and on a bureau's own form (佳县)."""
    from builder.live.preview import load_and_check
    from builder.output.html import document_html

    if kind == "shipped":
        folder = tmp_path / TARGET_SOURCES.name
        shutil.copytree(TARGET_SOURCES, folder)
        source, old, new, rule, words = "03-派驻干部费用.yaml", None, None, "IND-COST-UNIT", "补贴标准"
    else:
        shutil.copytree(ROOT / "examples" / "_共用", tmp_path / "_共用")
        folder = tmp_path / "佳县-2016"
        shutil.copytree(ROOT / "examples" / "佳县-2016", folder)
        source, old, new, rule, words = "01-红枣提质增效.yaml", "示范园裂果率: ≤20%", "示范园裂果率: 20%", "IND-UNIT", "示范园裂果率"
    if old:
        path = folder / source
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
    document, problems = load_and_check(folder)
    assert document is not None and not [p for p in problems if p.severity == "错误"], problems
    assert any(p.rule == rule for p in problems)
    page = document_html(document, problems, live={"script": "/s.js", "id": "x", "name": "x", "stale": "",
                                                   "version": "1"})
    assert _main_without_notes(page) == _main_without_notes(document_html(document))
    tree = lxml_html.fromstring(page)
    notes = tree.xpath(f'//td/div[contains(@class, "note")][span[@class="rule"]="{rule}"]')
    # in the row of its indicator (on the shipped form in the indicator's own 三级 cell)
    rows = [[_own_words(td) for td in n.getparent().getparent().xpath("./td")] for n in notes]
    assert any(words in row for row in rows), rows
    if kind == "shipped":
        assert any(_own_words(n.getparent()) == words for n in notes), rows
    assert len(tree.xpath('//section[@id="findings"]//a[@class="goto"]')) == len(problems)  # all placed
