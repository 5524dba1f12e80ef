"""Issue 21, one write mechanism (``builder.output.atomic``): no command writes through a link, over a
file it did not create, or over one of its own inputs; every file gets the user's umask."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

from builder.output.atomic import WriteRefused, write_atomic, write_new
from conftest import ROOT, TARGET_SOURCES, run_cli
from helpers import DOCUMENT, PROJECT, write_document

TEMPLATE = ROOT / "templates" / "绩效目标申报.docx"


def _mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


# ---------------------------------------------------------------- the mechanism

def test_write_new_refuses_a_file_a_link_and_a_link_to_nowhere(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "file.md").write_text("mine")
    (tmp_path / "link.md").symlink_to(victim)
    (tmp_path / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    for name in ("file.md", "link.md", "dangling.md"):
        with pytest.raises(WriteRefused, match="已存在，未覆盖"):
            write_new(tmp_path / name, "new text")
    assert victim.read_text() == "keep me" and (tmp_path / "file.md").read_text() == "mine"
    assert not (tmp_path / "nowhere.md").exists()
    write_new(tmp_path / "fresh.md", "新的")
    assert (tmp_path / "fresh.md").read_text(encoding="utf-8") == "新的"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_write_atomic_replaces_a_link_never_writes_through_it_and_refuses_its_inputs(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "out.docx").symlink_to(victim)
    write_atomic(tmp_path / "out.docx", b"new")
    assert victim.read_text() == "keep me" and not (tmp_path / "out.docx").is_symlink()
    source = tmp_path / "a.docx"
    source.write_bytes(b"input")
    os.link(source, tmp_path / "hard.docx")
    (tmp_path / "soft.docx").symlink_to(source)
    for name in ("a.docx", "hard.docx", "soft.docx"):
        with pytest.raises(WriteRefused, match="输入文件"):
            write_atomic(tmp_path / name, b"output", inputs=[source])
    assert source.read_bytes() == b"input"


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664), (0o077, 0o600)])
def test_files_get_the_users_umask(tmp_path, umask, expected):
    old = os.umask(umask)
    try:
        write_atomic(tmp_path / "a.docx", b"x")
        write_new(tmp_path / "b.yaml", "x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a.docx") == expected and _mode(tmp_path / "b.yaml") == expected


def test_a_build_output_gets_the_umask(tmp_path):
    out = tmp_path / "out"
    result = subprocess.run(f"umask 027 && exec {os.sys.executable} -m builder build {TARGET_SOURCES} --out {out}",
                            shell=True, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert _mode(out / "2025-绩效目标申报.docx") == 0o640


# ---------------------------------------------------------------- the commands

def test_new_year_keeps_a_users_template_in_the_target_folder(tmp_path):
    """Defect 19: ``new … --year`` into a folder holding 本局模板.docx (no source) replaced it."""
    out = tmp_path / "2026"
    out.mkdir()
    (out / "本局模板.docx").write_bytes(b"the user's own template")
    result = run_cli("new", "绩效目标申报", "--from", TARGET_SOURCES, "--out", out, "--year", "2026")
    assert result.returncode == 1 and "已存在且不为空" in result.stderr, result.stderr
    assert (out / "本局模板.docx").read_bytes() == b"the user's own template"
    assert sorted(p.name for p in out.iterdir()) == ["本局模板.docx"]


def test_new_year_never_copies_over_a_file_that_appears(tmp_path, monkeypatch):
    """The folder check is not the only guard: each copied file is created, never replaced."""
    from builder.cycle import newyear as cycle

    source = write_document(tmp_path / "repo" / "2025", {"01-测试.yaml": PROJECT}, DOCUMENT + "模板: 本局模板.docx\n")
    (tmp_path / "repo" / ".git").mkdir()
    (source / "本局模板.docx").write_bytes(TEMPLATE.read_bytes())
    out = tmp_path / "repo" / "2026"
    checked = cycle.check_out

    def check_then_someone_saves(folder):
        checked(folder)
        folder.mkdir(parents=True)
        (folder / "本局模板.docx").write_bytes(b"saved meanwhile")

    monkeypatch.setattr(cycle, "check_out", check_then_someone_saves)
    with pytest.raises(WriteRefused, match="已存在，未覆盖"):
        cycle.next_year(source, out, 2026)
    assert (out / "本局模板.docx").read_bytes() == b"saved meanwhile"


@pytest.mark.parametrize("planted", ["note", "link"])
def test_import_markdown_never_overwrites_a_note_or_writes_through_a_link(tmp_path, built_documents, planted):
    """Defect 19: ``import --markdown`` overwrote existing .md notes and wrote through a link."""
    out = tmp_path / "导入"
    out.mkdir()
    victim = tmp_path / "outside.txt"
    victim.write_text("keep me")
    stem = "01-网格化社会治理"
    if planted == "note":
        (out / "说明.md").write_text("我的笔记", encoding="utf-8")
    else:
        (out / f"{stem}.md").symlink_to(victim)
    before = {p.name: (p.is_symlink(), p.read_bytes() if not p.is_symlink() else b"") for p in out.iterdir()}
    result = run_cli("import", built_documents / "2023-绩效自评.docx", "--out", out, "--markdown")
    assert result.returncode == 1 and "已存在且不为空" in result.stderr, result.stderr
    assert victim.read_text() == "keep me"
    assert {p.name: (p.is_symlink(), p.read_bytes() if not p.is_symlink() else b"") for p in out.iterdir()} == before


def test_redline_refuses_to_write_over_its_input(tmp_path, built_documents):
    """Defect 19: ``redline a.docx b.docx -o a.docx`` overwrote its input."""
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    a.write_bytes((built_documents / "2025-绩效目标申报.docx").read_bytes())
    b.write_bytes(a.read_bytes())
    before = a.read_bytes()
    for out in (a, tmp_path / "." / "a.docx"):
        result = run_cli("redline", a, b, "-o", out)
        assert result.returncode == 1 and "输入文件" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and a.read_bytes() == before


def test_redline_says_when_it_replaces_a_file_or_a_link(tmp_path, built_documents):
    """Hostile tester: ``redline a.docx b.docx -o c.docx`` over a user's own c.docx (or a link)
    replaced it and said only 已生成 c.docx; write_atomic reports what it replaced, redline says so."""
    pytest.importorskip("builder.review.redline")
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    a.write_bytes((built_documents / "2025-绩效目标申报.docx").read_bytes())
    b.write_bytes(a.read_bytes())
    mine, target = tmp_path / "c.docx", tmp_path / "elsewhere.docx"
    mine.write_bytes(b"my own notes")
    target.write_bytes(b"keep me")
    (tmp_path / "d.docx").symlink_to(target)
    said = {}
    for name in ("c.docx", "d.docx", "e.docx"):
        result = run_cli("redline", a, b, "-o", tmp_path / name)
        if result.returncode != 0 and "比对引擎" in result.stderr + result.stdout:
            pytest.skip("the redline engine is not installed here")
        assert result.returncode == 0, result.stderr
        said[name] = result.stdout.strip()
    assert said["c.docx"].endswith("（替换了原有的同名文件）")
    assert said["d.docx"].endswith("（原来是一个链接，已换成文件；链接所指的文件未改动）")
    assert said["e.docx"].endswith("e.docx") and target.read_bytes() == b"keep me"
    assert write_atomic(tmp_path / "e.docx", b"x") == "文件" and write_atomic(tmp_path / "f.docx", b"x") is None


def test_build_out_onto_the_templates_folder_never_replaces_the_template(tmp_path):
    """Defect 9b: a template named like the document, ``build --out`` its folder: refused."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "模板").mkdir()
    template = repo / "模板" / "2025.docx"
    template.write_bytes(TEMPLATE.read_bytes())
    folder = write_document(repo / "sources" / "2025", {"01-测试.yaml": PROJECT}, DOCUMENT + "模板: ../../模板/2025.docx\n")
    result = run_cli("build", folder, "--out", repo / "模板")
    assert result.returncode == 1 and "输入文件" in result.stderr and "2025.docx" in result.stderr, result.stderr
    assert template.read_bytes() == TEMPLATE.read_bytes()
    assert run_cli("build", folder, "--out", repo / "build").returncode == 0


def test_check_write_baseline_refuses_a_source_file(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT})
    before = (folder / "01-测试.yaml").read_bytes()
    result = run_cli("check", folder, "--write-baseline", folder / "01-测试.yaml")
    assert result.returncode == 1 and "输入文件" in result.stderr, result.stderr
    assert (folder / "01-测试.yaml").read_bytes() == before


def test_git_setup_keeps_a_gbk_gitattributes(tmp_path):
    """Defect 15: a GBK-encoded .gitattributes made ``git-setup`` exit 3."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    original = "# 中文注释：二进制文件\n*.xls binary\n".encode("gbk")
    (tmp_path / ".gitattributes").write_bytes(original)
    result = run_cli("git-setup", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = (tmp_path / ".gitattributes").read_bytes()
    assert data.startswith(original) and b"*.docx diff=docx\n" in data
    assert run_cli("git-setup", cwd=tmp_path).returncode == 0
    assert (tmp_path / ".gitattributes").read_bytes() == data  # nothing added twice


def test_git_setup_refuses_a_linked_gitattributes(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path / "r")], check=True)
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    (tmp_path / "r" / ".gitattributes").symlink_to(victim)
    result = run_cli("git-setup", cwd=tmp_path / "r")
    assert result.returncode == 1 and "链接" in result.stderr and "Traceback" not in result.stderr
    assert victim.read_text() == "keep me"


def test_a_default_build_folder_that_links_out_of_the_repository_is_not_written(tmp_path):
    """A clone can commit ``build`` as a link to anywhere: a plain ``budgetdoc build`` must not
    write there (exit 2, nothing written); naming the folder with --out is the user's choice."""
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    outside.mkdir()
    write_document(repo / "sources" / "doc", {"01-测试.yaml": PROJECT})
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "build").symlink_to(outside)
    result = run_cli("build", cwd=repo)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "指向仓库之外" in result.stderr and "--out" in result.stderr
    assert list(outside.iterdir()) == []
    inside = repo / "elsewhere"
    inside.mkdir()
    (repo / "build").unlink()
    (repo / "build").symlink_to(inside)  # a link that stays inside the repository is fine
    assert run_cli("build", cwd=repo).returncode == 0 and (inside / "doc.docx").is_file()
    result = run_cli("build", "--out", outside, cwd=repo)  # named by the user
    assert result.returncode == 0 and (outside / "doc.docx").is_file()
