"""budgetdoc redline: OLD.docx + NEW.docx -> a .docx with real tracked changes.

OLD and NEW are built from the shipped 申报 sources, NEW after four edits in
03-派驻干部费用.yaml: an amount (1,418,000.00 -> 1,500,000.00, four cells), an
indicator value (≥90.00(%) -> ≥95.00(%)), one character of a sentence (生活补助 ->
生活补贴) and an added indicator row (公寓租赁套数). The engine is the optional
extra budgetdoc[redline]; without it only the "not installed" test runs.
"""

from __future__ import annotations

import copy
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from builder.read import docxtext
from builder.review.redline import RedlineFailed, RedlineUnavailable, redline
from conftest import TARGET_SOURCES, run_cli

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PROJECT = "03-派驻干部费用.yaml"
AUTHOR, DATE = "预算科", "2025-03-01T08:00:00Z"
REVISION_LOCAL_NAMES = {"ins", "del", "moveFrom", "moveTo", "moveFromRangeStart", "moveToRangeStart",
                        "rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "trPrChange", "tcPrChange"}

EDITS = [
    ("    合计: 1418000.00\n    财政资金: 1418000.00\n",
     "    合计: 1500000.00\n    财政资金: 1500000.00\n"),
    ("    合计: 1418000.00\n    当年财政拨款: 1418000.00\n",
     "    合计: 1500000.00\n    当年财政拨款: 1500000.00\n"),
    ("派驻干部满意度: ≥90.00(%)", "派驻干部满意度: ≥95.00(%)"),
    ("在办挂职期间予以生活补助。", "在办挂职期间予以生活补贴。"),
    ("      补贴发放人数: =16.00(人)\n", "      补贴发放人数: =16.00(人)\n      公寓租赁套数: =16.00(套)\n"),
]


def _engine_or_skip():
    pytest.importorskip("python_redlines", reason="比对引擎未安装：pip install 'budgetdoc[redline]'")
    pytest.importorskip("python_redlines_docxodus", reason="比对引擎未安装：pip install 'budgetdoc[redline]'")


@pytest.fixture(scope="module")
def old_new(tmp_path_factory) -> tuple[Path, Path]:
    """OLD and NEW built by ``python -m builder build`` from the shipped sources and an edited copy."""
    _engine_or_skip()
    root = tmp_path_factory.mktemp("redline")
    built = []
    for side in ("old", "new"):
        folder = root / side / TARGET_SOURCES.name
        shutil.copytree(TARGET_SOURCES, folder)
        if side == "new":
            path = folder / PROJECT
            text = path.read_text(encoding="utf-8")
            for before, after in EDITS:
                assert text.count(before) == 1, before
                text = text.replace(before, after)
            path.write_text(text, encoding="utf-8")
        out = root / f"out-{side}"
        result = run_cli("build", folder, "--out", out)
        assert result.returncode == 0, result.stderr
        built.append(out / f"{TARGET_SOURCES.name}.docx")
    return built[0], built[1]


@pytest.fixture(scope="module")
def redlined(old_new, tmp_path_factory) -> Path:
    old, new = old_new
    out = tmp_path_factory.mktemp("redline-out") / "比对.docx"
    redline(old, new, out, author=AUTHOR, date=DATE)
    return out


def document_root(path: Path):
    with zipfile.ZipFile(path) as package:
        return etree.fromstring(package.read("word/document.xml"))


def revision_text(node) -> str:
    return "".join(t.text or "" for t in node.iter(f"{W}t", f"{W}delText"))


def inline_revisions(root, kind: str) -> list[str]:
    """Texts of the w:ins / w:del that wrap runs (not the paragraph-mark or row marks)."""
    return [revision_text(n) for n in root.iter(f"{W}{kind}") if n.getparent().tag != f"{W}rPr"
            and n.getparent().tag != f"{W}trPr"]


def resolve(root, accept: bool):
    """What Word's "accept all" (or "reject all") leaves of the document body."""
    root = copy.deepcopy(root)
    gone, kept = (f"{W}del", f"{W}ins") if accept else (f"{W}ins", f"{W}del")
    moved_out, moved_in = (f"{W}moveFrom", f"{W}moveTo") if accept else (f"{W}moveTo", f"{W}moveFrom")
    for tr in list(root.iter(f"{W}tr")):
        if tr.find(f"{W}trPr/{gone}") is not None:
            tr.getparent().remove(tr)
    for p in list(root.iter(f"{W}p")):  # a removed paragraph mark joins the paragraph to the next one
        following = p.getnext()
        if p.find(f"{W}pPr/{W}rPr/{gone}") is not None and following is not None and following.tag == f"{W}p":
            at = 1 if following.find(f"{W}pPr") is not None else 0
            for child in reversed([c for c in p if c.tag != f"{W}pPr"]):
                following.insert(at, child)
            p.getparent().remove(p)
    for node in list(root.iter(gone, moved_out)):
        node.getparent().remove(node)
    for node in list(root.iter(kept, moved_in)):
        parent = node.getparent()
        if parent.tag in (f"{W}rPr", f"{W}trPr"):
            parent.remove(node)
            continue
        for child in reversed(list(node)):
            node.addnext(child)
        parent.remove(node)
    for t in root.iter(f"{W}delText"):
        t.tag = f"{W}t"
    return root


def text_of(root) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", etree.tostring(root))
    return docxtext.to_text(buffer)


def test_output_has_insertions_and_deletions(redlined):
    root = document_root(redlined)
    assert root.find(f".//{W}ins") is not None
    assert root.find(f".//{W}del") is not None


def test_accept_all_gives_new_and_reject_all_gives_old(redlined, old_new):
    old, new = old_new
    root = document_root(redlined)
    assert text_of(resolve(root, accept=True)) == docxtext.to_text(new)
    assert text_of(resolve(root, accept=False)) == docxtext.to_text(old)


def test_changed_figure_in_a_table_cell_is_marked_as_the_figure(redlined):
    root = document_root(redlined)
    cells = [tc for tc in root.iter(f"{W}tc") if "1,500,000.00" in docxtext.paragraph_text(resolve(tc, True))]
    assert len(cells) == 4  # 项目资金总额, 财政资金, 年度资金申请总额, 当年财政拨款
    for tc in cells:
        deleted = "".join(inline_revisions(tc, "del"))
        inserted = "".join(inline_revisions(tc, "ins"))
        # the figure or its changed digits, never the cell's whole paragraph with other text
        assert deleted and deleted in "1,418,000.00" and "418" in deleted, deleted
        assert inserted and inserted in "1,500,000.00" and "5" in inserted, inserted
    # nothing like a whole-document replacement: every inline deletion is short
    deletions = inline_revisions(root, "del")
    assert deletions and max(len(text) for text in deletions) <= len("1,418,000.00"), deletions


def test_changed_character_in_a_chinese_sentence_is_marked_alone(redlined):
    root = document_root(redlined)
    paragraphs = [p for p in root.iter(f"{W}p") if "在办挂职期间予以生活补" in revision_text(p)]
    assert len(paragraphs) == 1
    paragraph = paragraphs[0]
    assert "".join(inline_revisions(paragraph, "del")) == "助"
    assert "".join(inline_revisions(paragraph, "ins")) == "贴"
    assert "".join(t.text for t in paragraph.iter(f"{W}t")).startswith("派驻干部费用项目：对八城市派驻干部")


def test_changed_indicator_value_is_marked(redlined):
    root = document_root(redlined)
    assert "≥95.00(%)" in inline_revisions(root, "ins") or "95" in inline_revisions(root, "ins")
    assert "≥90.00(%)" in inline_revisions(root, "del") or "90" in inline_revisions(root, "del")


def test_added_indicator_row_is_an_inserted_row(redlined):
    root = document_root(redlined)
    rows = [tr for tr in root.iter(f"{W}tr") if "公寓租赁套数" in revision_text(tr)]
    assert len(rows) == 1
    row = rows[0]
    marked_row = row.find(f"{W}trPr/{W}ins") is not None
    runs = list(row.iter(f"{W}r"))
    all_runs_inserted = bool(runs) and all(
        any(a.tag == f"{W}ins" for a in r.iterancestors()) for r in runs)
    assert marked_row or all_runs_inserted
    assert marked_row, "Docxodus marks an added row in w:trPr"
    # the row's neighbours are not marked
    for neighbour in (row.getprevious(), row.getnext()):
        assert neighbour.find(f"{W}trPr/{W}ins") is None


def test_every_revision_has_the_given_author_and_date(redlined):
    with zipfile.ZipFile(redlined) as package:
        parts = [n for n in package.namelist() if n.startswith("word/") and n.endswith(".xml")]
        roots = [etree.fromstring(package.read(name)) for name in parts]
    seen = 0
    for root in roots:
        for node in root.iter():
            if isinstance(node.tag, str) and node.tag.startswith(W) and node.tag[len(W):] in REVISION_LOCAL_NAMES:
                seen += 1
                assert node.get(f"{W}author") == AUTHOR, etree.tostring(node)[:200]
                assert node.get(f"{W}date") == DATE, etree.tostring(node)[:200]
    assert seen >= 10


def test_same_inputs_give_the_same_bytes_with_the_default_author_and_date(old_new, tmp_path, monkeypatch):
    old, new = old_new
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr("tempfile.tempdir", None)  # re-read TMPDIR
    first, second = tmp_path / "a.docx", tmp_path / "b.docx"
    redline(old, new, first)
    redline(old, new, second)
    assert first.read_bytes() == second.read_bytes()
    assert list(scratch.iterdir()) == []  # the engine's work folder is gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.docx", "b.docx", "tmp"]  # no temp file beside OUT
    root = document_root(first)
    marks = list(root.iter(f"{W}ins", f"{W}del"))
    assert marks
    assert {(m.get(f"{W}author"), m.get(f"{W}date")) for m in marks} == {("budgetdoc", "2000-01-01T00:00:00Z")}


def test_a_broken_input_fails_and_leaves_the_old_output(old_new, tmp_path):
    old, _ = old_new
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a docx")
    out = tmp_path / "out.docx"
    out.write_bytes(b"previous")
    with pytest.raises(RedlineFailed, match="broken.docx：不是可读的 Word 文档"):
        redline(old, broken, out)
    assert out.read_bytes() == b"previous"
    with pytest.raises(FileNotFoundError, match="找不到要比对的文档"):
        redline(old, tmp_path / "missing.docx", out)
    assert out.read_bytes() == b"previous"


def test_without_the_engine_the_error_names_the_extra(tmp_path, monkeypatch):
    """Runs everywhere: pretend python-redlines is not installed."""
    monkeypatch.setitem(sys.modules, "python_redlines", None)  # import python_redlines -> ImportError
    for name in ("old.docx", "new.docx"):
        (tmp_path / name).write_bytes(b"")
    with pytest.raises(RedlineUnavailable, match=r"budgetdoc\[redline\]") as caught:
        redline(tmp_path / "old.docx", tmp_path / "new.docx", tmp_path / "out.docx")
    assert "未安装比对引擎" in str(caught.value)
    assert not (tmp_path / "out.docx").exists()


@pytest.mark.libreoffice
def test_libreoffice_opens_the_redline_and_shows_the_changes(redlined, tmp_path):
    if not shutil.which("soffice") and not os.environ.get("CI"):
        pytest.skip("LibreOffice is not installed here (.ci/run installs it)")
    from builder.output.pdf import convert_to_pdf

    pdf = tmp_path / "redline.pdf"
    convert_to_pdf(redlined, pdf)  # soffice --headless --convert-to pdf, private profile
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 25
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    # LibreOffice shows deletions struck through next to insertions: both are in the PDF's text
    assert "生活补助贴" in text
    assert "1,418,000" in text and "公寓租赁套数" in text
