"""budgetdoc diff / totext / git-setup, against real git repositories made in a temporary folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import SOURCES, run_cli

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}


# git runs the textconv ``budgetdoc totext`` found on PATH: this environment's, as when it is activated
PATH = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])


def git(repo, *args, env=None):
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True,
                          env=dict(os.environ, **GIT_ENV, PATH=PATH, **(env or {})))


@pytest.fixture
def repo(tmp_path):
    shutil.copytree(SOURCES, tmp_path / "sources")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "seed sources")
    return tmp_path


def edit(path, *replacements):
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


PROJECT_3 = "sources/2025-绩效目标申报/03-派驻干部费用.yaml"


def test_diff_shows_exactly_the_changes_and_the_moved_total(repo):
    edit(repo / PROJECT_3, ("    合计: 1418000.00\n    当年财政拨款: 1418000.00", "    合计: 1500000.00\n    当年财政拨款: 1500000.00"),
         ("    合计: 1418000.00\n    财政资金: 1418000.00", "    合计: 1500000.00\n    财政资金: 1500000.00"),
         ("补贴发放人数: =16.00(人)", "补贴发放人数: =18.00(人)"))
    result = run_cli("diff", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "派驻干部费用 · 项目资金 · 项目资金总额: 1,418,000.00 → 1,500,000.00",
        "派驻干部费用 · 项目资金 · 财政资金: 1,418,000.00 → 1,500,000.00",
        "派驻干部费用 · 项目资金 · 年度资金申请总额: 1,418,000.00 → 1,500,000.00",
        "派驻干部费用 · 项目资金 · 当年财政拨款: 1,418,000.00 → 1,500,000.00",
        "派驻干部费用 · 绩效指标 · 产出指标/数量指标/补贴发放人数: =16.00(人) → =18.00(人)",
        "涉及项目预算资金: 850.00 → 858.20 万元",
    ]


def test_diff_between_two_revisions_texts_by_character_and_json(repo):
    edit(repo / PROJECT_3, ("按月按实发放补助。", "按月按实足额发放补助。"))
    git(repo, "commit", "-qam", "edit")
    result = run_cli("diff", "HEAD~1", "HEAD", "--", "sources/2025-绩效目标申报", cwd=repo)
    assert result.stdout.splitlines() == [
        "派驻干部费用 · 情况说明 · 实施方案: 文字修改 (+2 −0 字)",
        "    …按月按实〔增：足额〕发放补助。…",
    ]
    entries = json.loads(run_cli("diff", "HEAD~1", "HEAD", "--format", "json", cwd=repo).stdout)
    assert entries == [{
        "document": "2025-绩效目标申报", "project": "派驻干部费用", "section": "情况说明", "field": "实施方案",
        "old": "按月按实发放补助。", "new": "文字修改 (+2 −0 字)", "kind": "text", "detail": "…按月按实〔增：足额〕发放补助。…",
    }]


def test_diff_shows_changes_as_a_reviewer_reads_them_on_a_terminal_and_piped(repo):
    """Coloured on a terminal (a pty, as ``script`` gives it), 〔删：…〕〔增：…〕 piped; never git's
    word-diff marks [-…-]{+…+} or ⏎."""
    import shlex

    edit(repo / PROJECT_3, ("按月按实发放补助。", "按月按实足额发放补助。"))
    edit(repo / "sources/2023-绩效自评/02-政策研究.yaml", ("实际完成值: =7个", "实际完成值: =9个"))
    piped = run_cli("diff", cwd=repo).stdout
    assert "    …按月按实〔增：足额〕发放补助。…" in piped.splitlines(), piped
    assert "=7个 → =9个" in piped and "\x1b[" not in piped
    command = shlex.join([sys.executable, "-m", "builder", "diff"])
    shown = subprocess.run(["script", "-qec", command, "/dev/null"], cwd=repo, capture_output=True, text=True,
                           env=dict(os.environ, TERM="xterm", NO_COLOR="")).stdout
    assert "\x1b[32;4m足额\x1b[0m" in shown and "\x1b[31;9m=7个\x1b[0m → \x1b[32;4m=9个\x1b[0m" in shown, shown
    for text in (piped, shown):
        assert not any(mark in text for mark in ("[-", "-]", "{+", "+}", "⏎")), text


def test_diff_matches_by_name_not_position_and_reports_added_and_removed(repo):
    folder = repo / "sources" / "2025-绩效目标申报"
    # reorder the indicators of project 3 and the projects of the document: no change
    edit(folder / "03-派驻干部费用.yaml", ("      住房补贴发放数: =16.00(间)\n      补贴发放人数: =16.00(人)",
                                        "      补贴发放人数: =16.00(人)\n      住房补贴发放数: =16.00(间)"))
    document = (folder / "document.yaml").read_text(encoding="utf-8")
    assert run_cli("diff", cwd=repo).stdout == ""
    # add an indicator, remove a project, add a project
    edit(folder / "03-派驻干部费用.yaml", ("      发放及时性: 完成", "      发放及时性: 完成\n      补助到账时间: ≤5(天)"))
    (folder / "09-优化营商环境.yaml").rename(folder / "11-优化营商环境.yaml")
    new = (folder / "11-优化营商环境.yaml").read_text(encoding="utf-8").replace("项目名称: 优化营商环境", "项目名称: 营商环境新项目")
    (folder / "11-优化营商环境.yaml").write_text(new, encoding="utf-8")
    (folder / "document.yaml").write_text(document.replace("09-优化营商环境", "11-优化营商环境"), encoding="utf-8")
    lines = run_cli("diff", cwd=repo).stdout.splitlines()
    assert "派驻干部费用 · 绩效指标 · 产出指标/时效指标/补助到账时间: 新增 ≤5.00(天)" in lines
    assert "营商环境新项目 · 项目: 新增项目（年度资金申请总额 120,000.00 元）" in lines
    assert "优化营商环境 · 项目: 删除项目（年度资金申请总额 120,000.00 元）" in lines
    assert not any("涉及项目预算资金" in line for line in lines)


def test_diff_of_a_evaluation_document(repo):
    edit(repo / "sources/2023-绩效自评/02-政策研究.yaml", ("实际完成值: =7个", "实际完成值: =9个"))
    lines = run_cli("diff", cwd=repo).stdout.splitlines()
    assert lines == ["政策研究 · 绩效指标 · 产出指标/数量指标/发布重大领域、关键领域及其他领域研究方向/实际完成值: =7个 → =9个"]


def test_diff_outside_a_repository_is_a_clear_error(tmp_path):
    result = run_cli("diff", cwd=tmp_path)
    assert result.returncode == 1 and "不在 git 仓库中" in result.stderr and "Traceback" not in result.stderr


def test_git_diff_of_built_documents_shows_the_changed_figures(repo):
    assert run_cli("git-setup", cwd=repo).returncode == 0
    assert "*.docx diff=docx" in (repo / ".gitattributes").read_text(encoding="utf-8")
    assert run_cli("build", "sources/2025-绩效目标申报", "--out", "out", cwd=repo).returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "build")
    edit(repo / PROJECT_3, ("    合计: 1418000.00\n    当年财政拨款: 1418000.00", "    合计: 1500000.00\n    当年财政拨款: 1500000.00"),
         ("    合计: 1418000.00\n    财政资金: 1418000.00", "    合计: 1500000.00\n    财政资金: 1500000.00"))
    assert run_cli("build", "sources/2025-绩效目标申报", "--out", "out", cwd=repo).returncode == 0
    for locale in ("C", "C.UTF-8"):
        shown = git(repo, "diff", "--word-diff=plain", "out/2025-绩效目标申报.docx", env={"LC_ALL": locale}).stdout
        assert "[-1,418,000.00-]{+1,500,000.00+}" in shown, shown
        assert "[-850.00-]{+858.20+}" in shown
    plain = git(repo, "diff", "out/2025-绩效目标申报.docx").stdout
    assert "-| 项目资金（元） | 项目资金总额 | 1,418,000.00 | 年度资金申请总额 | 1,418,000.00 |" in plain


def test_totext_is_stable_and_one_line_per_row(built_documents):
    first = run_cli("totext", built_documents / "2025-绩效目标申报.docx").stdout
    assert first == run_cli("totext", built_documents / "2025-绩效目标申报.docx").stdout
    lines = first.splitlines()
    assert lines[0] == "上海市松江区科创发展办公室 2025 年"
    assert "|  | 产出指标 | 数量指标 | 线上宣传推广长三角 G60 科创走廊数量 | ≥10.00(次) |" in lines
    assert "|  |  | 质量指标 | 宣传内容与主题匹配 | 匹配 |" in lines


def test_totext_of_a_non_docx_is_one_line(tmp_path):
    bad = tmp_path / "x.docx"
    bad.write_text("not a zip")
    result = run_cli("totext", bad)
    assert result.returncode == 1 and "不是可读的 Word 文档" in result.stderr and "Traceback" not in result.stderr


def test_diff_writes_a_redline_of_both_revisions(repo):
    pytest.importorskip("python_redlines")
    edit(repo / PROJECT_3, ("补贴发放人数: =16.00(人)", "补贴发放人数: =18.00(人)"))
    result = run_cli("diff", "--docx", "修订.docx", "--", "sources/2025-绩效目标申报", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "已生成修订文档 修订.docx" in result.stderr
    import zipfile

    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(repo / "修订.docx") as package:
        root = etree.fromstring(package.read("word/document.xml"))
    inserted = "".join(t.text or "" for ins in root.iter(f"{w}ins") for t in ins.iter(f"{w}t"))
    deleted = "".join(t.text or "" for d in root.iter(f"{w}del") for t in d.iter(f"{w}delText"))
    assert "18" in inserted and "16" in deleted
    assert len(inserted) < 40 and len(deleted) < 40  # the figure, not the whole document


# ---------------------------------------------------------------- crafted history (issue 21, defects 15 and 16)

def _git_input(repo, data: bytes, *args) -> str:
    return subprocess.run(["git", *args], cwd=repo, input=data, check=True, capture_output=True,
                          env=dict(os.environ, **GIT_ENV)).stdout.decode().strip()


def _crafted_commit(repo, entry_name: bytes, payload: bytes = b"pwned: 1\n") -> str:
    """HEAD with one more entry in sources/: a tree named ``entry_name`` (``..``, ``.git`` …) holding
    ``pwned.yaml`` — made with git hash-object and git mktree, which accept such names."""
    blob = _git_input(repo, payload, "hash-object", "-w", "--stdin")
    inner = _git_input(repo, f"100644 blob {blob}\tpwned.yaml\n".encode(), "mktree")
    chain = inner
    for _ in range(4):  # ../../../../: far enough up to reach outside every temporary folder
        chain = _git_input(repo, b"040000 tree " + chain.encode() + b"\t" + entry_name + b"\n", "mktree")
    sources = git(repo, "ls-tree", "HEAD:sources").stdout.encode()
    tree = _git_input(repo, sources + b"040000 tree " + chain.encode() + b"\t" + entry_name + b"\n", "mktree")
    top = _git_input(repo, f"040000 tree {tree}\tsources\n".encode(), "mktree")
    return _git_input(repo, b"", "commit-tree", top, "-p", "HEAD", "-m", "crafted")


@pytest.mark.parametrize("entry", [b"..", b".git", b"."])
def test_diff_refuses_a_crafted_tree_and_writes_nothing_outside_its_folder(repo, tmp_path, entry):
    """Defect 16: ``diff REV`` joined git's names onto its temporary folder; a ``..`` entry wrote
    files anywhere. The revision is refused before anything is written."""
    commit = _crafted_commit(repo, entry)
    tmp = tmp_path / "tmp" / "a" / "b"
    tmp.mkdir(parents=True)
    for args in ([commit], [commit, "HEAD"], ["HEAD", commit]):
        result = run_cli("diff", *args, cwd=repo, env=dict(os.environ, TMPDIR=str(tmp)))
        assert result.returncode == 1, result.stderr
        assert "不安全的文件名" in result.stderr and "Traceback" not in result.stderr
    planted = [p for p in tmp_path.rglob("pwned.yaml")]
    assert planted == []
    assert list(tmp.iterdir()) == []  # the temporary folders are gone too


def test_diff_never_follows_a_link_in_a_revision(repo, tmp_path):
    victim = tmp_path / "secret.yaml"
    victim.write_text("db_password: hunter2\n", encoding="utf-8")
    link = repo / "sources" / "2025-绩效目标申报" / "09-链接.yaml"
    link.symlink_to(victim)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a link")
    link.unlink()
    result = run_cli("diff", "HEAD", cwd=repo)
    assert "Traceback" not in result.stderr and "hunter2" not in result.stdout + result.stderr
    assert result.returncode == 0, result.stderr  # the link is not part of the revision's sources


def test_diff_with_a_non_utf8_file_name_is_a_located_error(repo):
    """Defect 15: a file name that is not UTF-8 made ``diff`` exit 3."""
    name = os.fsencode(str(repo / "sources" / "2025-绩效目标申报")) + b"/99-\xd6\xd0.yaml"
    with open(name, "wb") as handle:
        handle.write((repo / PROJECT_3).read_bytes())
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a GBK name")
    result = run_cli("diff", "HEAD~1", "HEAD", cwd=repo)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "HEAD:sources/2025-绩效目标申报/99-\\xd6\\xd0.yaml" in result.stderr and "不是 UTF-8" in result.stderr


def test_diff_with_a_form_outside_sources(tmp_path):
    """The revision is checked out with the repository's layout: a form and a template anywhere
    in the repository pass the same boundary check as in the working tree."""
    from conftest import ROOT

    shutil.copytree(ROOT / "examples" / "佳县-2016", tmp_path / "sources" / "佳县-2016")
    shutil.copytree(ROOT / "examples" / "_共用", tmp_path / "表单")
    document = tmp_path / "sources" / "佳县-2016" / "document.yaml"
    edit(document, ("../_共用/佳县表单.yaml", "../../表单/佳县表单.yaml"), ("../_共用/佳县申报表.docx", "../../表单/佳县申报表.docx"))
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "seed")
    edit(tmp_path / "sources" / "佳县-2016" / "01-红枣提质增效.yaml", ("项目名称: 红枣提质增效示范工程", "项目名称: 红枣提质增效工程"))
    result = run_cli("diff", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "项目名称: 红枣提质增效示范工程 → 红枣提质增效工程" in result.stdout
