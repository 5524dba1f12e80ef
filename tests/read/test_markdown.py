"""Narratives in Markdown: .md files and inline Markdown through pandoc, placed in the form."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, run_cli
from helpers import PROJECT, validator_errors, write_document

from builder.read.docxtext import Paragraph, TableRow, read_items
from builder.load.loader import load_document
from builder.cycle.mdwrite import escape_paragraph
from builder.read.mdast import plain_paragraphs

pytest.importorskip("pypandoc")

EXAMPLE = ROOT / "examples" / "markdown" / "2025-绩效目标申报-markdown"
NARRATIVE_FREE = PROJECT.split("情况说明:")[0] + "项目总目标" + PROJECT.split("项目总目标", 1)[1]

MD = """\
# 测试项目

## 项目概述

概述有**粗体**和*斜体*。[^1]

[^1]: 第一个脚注。

## 立项依据

依据。[^1]

[^1]: 另一个脚注，同样的标签。

## 实施主体

主体：\\
第二行。

## 实施方案

1. 第一步；
2. 第二步。

(1) 甲
(2) 乙

- 条目

（一）中文编号照原样。

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


def markdown_project(folder: Path, md: str = MD, yaml: str = NARRATIVE_FREE) -> Path:
    write_document(folder, {"01-测试项目.yaml": yaml})
    (folder / "01-测试项目.md").write_text(md, encoding="utf-8")
    return folder


def body_xml(docx: Path) -> str:
    with zipfile.ZipFile(docx) as package:
        return package.read("word/document.xml").decode("utf-8")


def test_md_sections_load_as_words(tmp_path):
    folder = markdown_project(tmp_path / "doc")
    loaded = load_document(folder)
    assert loaded.errors == []
    project = loaded.document.projects[0]
    assert project.get("情况说明.项目概述") == ("概述有粗体和斜体。", "注：第一个脚注。")
    assert project.get("情况说明.实施方案") == ("1. 第一步；", "2. 第二步。", "(1) 甲", "(2) 乙", "• 条目", "（一）中文编号照原样。")
    assert project.get("情况说明.年度预算安排") == ("名称 金额", "合并 1.00", "2.00", "跨两列的说明")
    assert project.location("情况说明.实施方案").file.name == "01-测试项目.md"
    assert set(project.markdown) == {f"情况说明.{s}" for s in ("项目概述", "立项依据", "实施主体", "实施方案", "实施周期",
                                                           "年度预算安排")}


def test_built_document_has_lists_tables_footnotes(tmp_path):
    folder = markdown_project(tmp_path / "doc")
    out = tmp_path / "out"
    result = run_cli("build", folder, "--out", out)
    assert result.returncode == 0, result.stderr
    docx = out / "doc.docx"
    xml = body_xml(docx)
    assert "\ue000" not in xml  # every marker replaced
    assert "<w:b/>" in xml and "<w:i/>" in xml and "<w:br/>" in xml
    assert '<w:footnoteReference w:id="1"/>' in xml and '<w:footnoteReference w:id="2"/>' in xml
    assert "<w:tblHeader/>" in xml and '<w:vMerge w:val="restart"/>' in xml and '<w:gridSpan w:val="2"/>' in xml
    assert 'w:hanging=' in xml
    with zipfile.ZipFile(docx) as package:
        notes = package.read("word/footnotes.xml").decode("utf-8")
        assert "第一个脚注。" in notes and "另一个脚注，同样的标签。" in notes
        assert 'w:type="separator"' in notes and 'w:type="continuationSeparator"' in notes
        assert "footnotes.xml" in package.read("word/_rels/document.xml.rels").decode()
        assert "/word/footnotes.xml" in package.read("[Content_Types].xml").decode()
    texts = [item.text for item in read_items(docx) if isinstance(item, Paragraph)]
    assert "1.\t第一步；" in texts and "(2)\t乙" in texts and "•\t条目" in texts
    assert "（一）中文编号照原样。" in texts
    assert "主体：\n第二行。" in texts
    rows = [item for item in read_items(docx) if isinstance(item, TableRow)]
    assert ("名称", "金额") in [row.cells for row in rows]
    assert ("", "2.00") in [row.cells for row in rows]  # the merged 合并 continues
    text = run_cli("totext", docx).stdout
    assert "1.\t第一步；" in text and "[注1] 第一个脚注。" in text and "[注2] 另一个脚注，同样的标签。" in text
    assert validator_errors(docx) == {}
    # reproducible: the same bytes again
    again = run_cli("build", folder, "--out", tmp_path / "again")
    assert again.returncode == 0
    assert (tmp_path / "again" / "doc.docx").read_bytes() == docx.read_bytes()


def test_plain_documents_do_not_change(tmp_path, built_documents):
    """A document without Markdown is not touched by the Markdown step (the fidelity tests hold too)."""
    xml = body_xml(built_documents / "2025-绩效目标申报.docx")
    assert "footnoteReference" not in xml and "\ue000" not in xml


def test_errors_located_in_the_md_file(tmp_path):
    md = MD.replace("依据。[^1]", "依据 <b>粗</b> 和 \\textbf{x}。\n\n![图](a.png)") + "\n## 项目概况\n\n文字。\n"
    folder = markdown_project(tmp_path / "doc", md=md)
    result = run_cli("check", folder)
    assert result.returncode == 1
    text = result.stdout + result.stderr
    assert "01-测试项目.md:11:4 [错误]" in text and "不支持 HTML 代码“<b>”" in text
    assert "01-测试项目.md:11:15 [错误]" in text and "不支持 LaTeX 代码“\\textbf{x}”" in text
    assert "01-测试项目.md:13:1 [错误]" in text and "不支持图片" in text
    assert "01-测试项目.md:50:1 [错误]" in text and "“## 项目概况”不是情况说明的部分，是否应为“## 项目概述”？" in text
    assert "缺少必填项" not in text  # the refused section's words still load


def test_md_without_project_and_duplicate_section(tmp_path):
    folder = markdown_project(tmp_path / "doc", yaml=PROJECT)
    (folder / "02-另一个项目.md").write_text("## 项目概述\n\n文字。\n", encoding="utf-8")
    (folder / "01-测式项目.md").write_text("## 项目概述\n\n文字。\n", encoding="utf-8")
    loaded = load_document(folder)
    messages = [p.format() for p in loaded.errors]
    assert any("01-测式项目.md:1:1" in m and "没有与“01-测式项目.md”对应的项目文件" in m and "是否应为“01-测试项目.md”" in m
               for m in messages), messages
    assert any("01-测试项目.md:3:1" in m and "同时写在 01-测试项目.yaml 第 " in m for m in messages), messages


def test_inline_markdown_switch(tmp_path):
    yaml = PROJECT.replace("  实施方案: 方案。", "  实施方案: |-\n    1. 第一步；\n    2. **第二步**。")
    folder = write_document(tmp_path / "doc", {"01-测试项目.yaml": yaml},
                            document="文档类型: 绩效目标申报\n年度: 2025\n单位名称: 测试单位\n情况说明格式: markdown\n")
    loaded = load_document(folder)
    assert loaded.errors == []
    project = loaded.document.projects[0]
    assert project.get("情况说明.实施方案") == ("1. 第一步；", "2. 第二步。")
    plain = write_document(tmp_path / "plain", {"01-测试项目.yaml": yaml})
    assert load_document(plain).document.projects[0].get("情况说明.实施方案") == ("1. 第一步；", "2. **第二步**。")


def test_evaluation_sections(tmp_path):
    folder = tmp_path / "自评"
    shutil.copytree(ROOT / "sources" / "2023-绩效自评", folder)
    part = folder / "02-政策研究.yaml"
    text = part.read_text(encoding="utf-8")
    start = text.index("预期目标:")
    end = text.index("绩效指标:")
    part.write_text(text[:start] + text[end:], encoding="utf-8")
    (folder / "02-政策研究.md").write_text("## 预期目标\n\n- 目标**一**；\n- 目标二。\n\n## 实际完成情况\n\n完成。[^1]\n\n"
                                        "| 课题 | 篇数 |\n|---|--:|\n| 研究报告 | 7 |\n\n[^1]: 见验收报告。\n",
                                        encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", folder, "--out", out)
    assert result.returncode == 0, result.stderr
    loaded = load_document(folder)
    part = next(p for p in loaded.document.projects if p.stem == "02-政策研究")
    assert part.get("预期目标") == ("• 目标一；", "• 目标二。")
    xml = body_xml(out / "自评.docx")
    assert "目标二。" in xml and "\ue000" not in xml
    assert validator_errors(out / "自评.docx") == {}  # lists placed inside a table cell


def test_cache_key_and_conversion_cache(tmp_path):
    folder = markdown_project(tmp_path / "doc")
    out = tmp_path / "out"
    assert run_cli("build", folder, "--out", out).returncode == 0
    assert list((out / ".budgetdoc-cache" / "markdown").glob("*.json"))
    same = run_cli("build", folder, "--out", out)
    assert "未改变" in same.stdout + same.stderr
    md = folder / "01-测试项目.md"
    md.write_text(md.read_text(encoding="utf-8").replace("依据。", "新的依据。"), encoding="utf-8")
    changed = run_cli("build", folder, "--out", out)
    assert changed.returncode == 0 and "未改变" not in changed.stdout + changed.stderr
    assert "新的依据。" in body_xml(out / "doc.docx")
    # a damaged cache entry is converted again, never printed
    record = next((out / ".budgetdoc-cache" / "markdown").glob("*.json"))
    record.write_text(record.read_text(encoding="utf-8").replace('"Str"', '"Bogus"'), encoding="utf-8")
    md.write_text(md.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    rebuilt = run_cli("build", folder, "--out", out)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "新的依据。" in body_xml(out / "doc.docx")


def test_diff_shows_markdown_changes_in_words(tmp_path):
    repo = tmp_path / "repo"
    folder = markdown_project(repo / "doc")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "."], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "a"], check=True)
    md = folder / "01-测试项目.md"
    md.write_text(md.read_text(encoding="utf-8").replace("2. 第二步。", "2. 第二步，按月**足额**发放。"), encoding="utf-8")
    result = run_cli("diff", "--", folder, cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "测试项目 · 情况说明 · 实施方案: 文字修改 (+7 −0 字)" in result.stdout
    assert "〔增：，按月足额发放〕" in result.stdout


def test_import_markdown_round_trip(tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", ROOT / "sources" / "2025-绩效目标申报", "--out", out).returncode == 0
    imported = tmp_path / "imported"
    result = run_cli("import", out / "2025-绩效目标申报.docx", "--out", imported, "--markdown")
    assert result.returncode == 0, result.stderr
    mds = sorted(imported.glob("*.md"))
    assert len(mds) == 10
    original = load_document(ROOT / "sources" / "2025-绩效目标申报").document
    again = load_document(imported)
    assert again.errors == [] if hasattr(again, "errors") else True
    for before, after in zip(original.projects, again.document.projects):
        assert before.get("情况说明.立项依据") == after.get("情况说明.立项依据")
        assert before.get("情况说明.项目概述") == after.get("情况说明.项目概述")


@pytest.mark.parametrize("text", ["1. 不是列表", "- 减号", "# 井号", "*星号* 和 _下划线_", "a|b", "(1) 括号", "<b>", "1~3人"])
def test_escaped_paragraphs_read_back_the_same(text):
    from builder.read.pandoc import convert_texts

    blocks = convert_texts([escape_paragraph(text)])[0]
    assert plain_paragraphs(blocks) == [text], escape_paragraph(text)


def test_example_builds_reads_back_and_validates(tmp_path):
    out = tmp_path / "out"
    result = run_cli("build", EXAMPLE, "--out", out)
    assert result.returncode == 0, result.stderr
    docx = out / f"{EXAMPLE.name}.docx"
    texts = [item.text for item in read_items(docx) if isinstance(item, Paragraph)]
    assert "1.\t在区财政局采管办指导下完成政府采购程序，选择有能力、负责任的第三方运维单位；" in texts
    assert "•\t硬件维护检修；" in texts
    rows = [item.cells for item in read_items(docx) if isinstance(item, TableRow)]
    assert ("政府采购（运维服务）", "160.00", "按照招投标合同签订金额") in rows
    assert validator_errors(docx) == {}


def test_plain_fast_path_matches_pandoc():
    """Text with nothing pandoc would read as Markdown is made into blocks without pandoc: the blocks
    must be exactly pandoc's (comments aside)."""
    import random

    from builder.read.pandoc import convert_texts, plain_blocks

    alphabet = list("项目经费预算资金年月日甲乙丙") + list("abcXYZ019") + list(" \t\n\n .,;:%()（）、。，“”'\"-+=/\u3000") \
        + ["1. ", "a) ", "(2) ", "  \n", "    ", "<!-- c -->\n", "2025. ", "-- ", "..."]
    rng = random.Random(15)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(400)]
    simple = [(t, plain_blocks(t)) for t in texts]
    simple = [(t, b) for t, b in simple if b is not None and t.strip()]
    assert len(simple) > 100
    converted = convert_texts([t for t, _ in simple])
    for (text, mine), theirs in zip(simple, converted):
        theirs = [b for b in theirs if b.get("t") != "RawBlock"]
        assert mine == theirs, repr(text)


def test_next_year_copies_markdown_and_watch_sees_it(tmp_path):
    from builder.live.watch import change_filter

    out = tmp_path / "2026"
    result = run_cli("new", "绩效目标申报", "--from", EXAMPLE, "--year", "2026", "--out", out)
    assert result.returncode == 0, result.stderr
    md = (out / "01-展示馆运维费.md").read_text(encoding="utf-8")
    assert md.startswith("<!-- 由 budgetdoc new 从 2025 年")
    assert "2026 年 1 月至 2026 年 12 月" in md
    assert "2025 年申请资金 168 万元" in md  # only 实施周期's years move, as in the YAML
    built = run_cli("build", out, "--out", tmp_path / "built")
    assert built.returncode == 0, built.stderr
    relevant = change_filter(tmp_path / "built")
    assert relevant(None, str(out / "01-展示馆运维费.md"))


def test_a_large_document_is_split_between_two_pandoc_processes(monkeypatch):
    import builder.read.pandoc as pandoc
    from builder.read.mdast import plain_paragraphs

    monkeypatch.setattr(pandoc, "SPLIT_ABOVE", 2)
    texts = [f"第 {n} 段 **粗**。" for n in range(5)]
    conversion = pandoc.Conversion(texts)
    blocks = conversion.result()
    assert len(conversion.chunks) == (2 if (os.cpu_count() or 1) > 1 else 1)
    assert [plain_paragraphs(b) for b in blocks] == [[f"第 {n} 段 粗。"] for n in range(5)]


def test_md_files_are_read_like_sources(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-测试项目.yaml": PROJECT})
    (folder / "01-测试项目.md").symlink_to("/etc/passwd")
    (folder / "02-文件夹.md").mkdir()
    (folder / "README.md").write_text("说明这个文件夹。\n", encoding="utf-8")
    messages = [p.format() for p in load_document(folder).errors]
    assert any("01-测试项目.md:1:1" in m and "文档文件夹之外的链接" in m for m in messages), messages
    assert any("02-文件夹.md:1:1" in m and "不是普通文件" in m for m in messages), messages
    assert not any("README.md" in m for m in messages)
