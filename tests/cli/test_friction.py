"""Issue 12: the everyday friction a new user hits — each point, as the user meets it."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, SOURCES, TARGET_SOURCES, run_cli
from helpers import DOCUMENT, PROJECT, write_document
from builder.cycle.gitsetup import MISSING_COMMAND, TEXTCONV

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
TARGET = "sources/2025-绩效目标申报"
PROJECT_3 = f"{TARGET}/03-派驻干部费用.yaml"


def git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True,
                          env=dict(os.environ, **GIT_ENV))


@pytest.fixture
def repo(tmp_path):
    """A clone-like repository: sources/ with both documents, committed."""
    root = tmp_path / "仓库"
    shutil.copytree(SOURCES, root / "sources")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "seed")
    return root


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def absolute_lines(text: str, cwd: Path) -> list[str]:
    """Printed lines with their leading path made absolute, to compare runs from different folders."""
    lines = []
    for line in text.splitlines():
        match = re.match(r"^(\S+?\.(?:yaml|toml)):(\d+:\d+ .*)$", line)
        lines.append(f"{os.path.normpath(cwd / match.group(1))}:{match.group(2)}" if match else line)
    return lines


# ---------------------------------------------------------------- .ci/run

STUB_TOOLS = ("bash", "mktemp", "grep", "awk", "rm", "cat", "dirname", "env")  # npm is a stub: "installs" nothing


def _ci_sandbox(tmp_path, *, root: bool, have: set[str], fonts: list[str]):
    """.ci/run up to its install step, with stub commands: which tools and fonts are present,
    who the user is, and what apt-get was asked for."""
    repo = tmp_path / "ci"
    (repo / ".ci").mkdir(parents=True)
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    head = script.split('echo "== python environment"')[0] + 'echo "== ready"\n'
    (repo / ".ci" / "run").write_text(head, encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in STUB_TOOLS:
        os.symlink(shutil.which(tool), bin_dir / tool)

    def stub(name, body):
        path = bin_dir / name
        path.write_text(f"#!{shutil.which('bash')}\n{body}\n", encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)

    log = tmp_path / "apt.log"
    stub("id", f"echo {0 if root else 1000}")
    stub("apt-get", f'echo "$*" >> {log}')
    stub("python3", "exit 0")  # venv and ensurepip are there
    for tool in have:
        stub(tool, "exit 0")
    if "fc-list" in have:
        # many fonts, the wanted ones at the top: "fc-list | grep -q" would end in SIGPIPE (141)
        lines = "\n".join(f"/usr/share/fonts/{f}.ttc: {f}:style=Regular" for f in fonts)
        (tmp_path / "fonts.txt").write_text(lines + "\n" + "/x.ttf: Filler:style=Regular\n" * 200_000,
                                            encoding="utf-8")
        stub("fc-list", f"cat {tmp_path / 'fonts.txt'}")
    result = subprocess.run([str(bin_dir / "bash"), str(repo / ".ci" / "run")], capture_output=True, text=True,
                            env={"PATH": str(bin_dir), "HOME": str(tmp_path)}, timeout=120)
    return result, (log.read_text(encoding="utf-8") if log.exists() else "")


ALL_FONTS = ["Noto Serif CJK SC", "AR PL UKai CN", "AR PL UMing CN", "Liberation Serif"]


def test_ci_installs_nothing_when_everything_is_there_even_as_a_normal_user(tmp_path):
    result, apt = _ci_sandbox(tmp_path, root=False, have={"fc-list", "soffice", "pdfinfo", "node", "npm", "chromium", "chromedriver"}, fonts=ALL_FONTS)
    assert result.returncode == 0, result.stderr
    assert "== ready" in result.stdout and apt == ""


def test_ci_names_what_is_missing_to_a_normal_user_in_one_line(tmp_path):
    result, apt = _ci_sandbox(tmp_path, root=False, have={"fc-list", "pdfinfo", "node", "chromium"},
                               fonts=ALL_FONTS[:1])
    assert result.returncode == 1 and apt == ""
    assert result.stderr.splitlines() == [
        "缺少以下软件包，请用 root 安装后重试：sudo apt-get install libreoffice-writer-nogui fonts-arphic-ukai "
        "fonts-arphic-uming fonts-liberation2 npm chromium-driver"]


def test_ci_as_root_installs_only_what_is_missing(tmp_path):
    result, apt = _ci_sandbox(tmp_path, root=True, have={"fc-list", "soffice", "pdfinfo", "node", "npm", "chromium", "chromedriver"},
                               fonts=ALL_FONTS[:3])
    assert result.returncode == 0, result.stderr
    assert apt.splitlines() == ["update -qq", "install -y -qq --no-install-recommends fonts-liberation2"]


def test_ci_treats_no_tests_as_a_failure():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'if [ "$status" = 5 ]' in script and "pytest -q -p no:cacheprovider" in script


# ---------------------------------------------------------------- where it runs from

def test_every_command_gives_the_same_answer_from_a_subfolder(repo):
    edit(repo / PROJECT_3, "按月按实发放补助。", "按月按实足额发放补助。")
    inside = repo / TARGET
    top_check = run_cli("check", cwd=repo)
    sub_check = run_cli("check", cwd=inside)
    assert sub_check.returncode == top_check.returncode == 0
    assert absolute_lines(sub_check.stdout, inside) == absolute_lines(top_check.stdout, repo)
    top_diff = run_cli("diff", cwd=repo)
    assert top_diff.stdout.startswith("派驻干部费用 · 情况说明 · 实施方案: 文字修改 (+2 −0 字)")
    assert run_cli("diff", cwd=inside).stdout == top_diff.stdout
    dot = run_cli("diff", "--", ".", cwd=inside)
    assert dot.returncode == 0 and dot.stdout == top_diff.stdout  # no "== " heading, no phantom projects
    edit(inside / "01-宣传阵地建设.yaml", "项目名称: 宣传阵地建设", "项目名称: 宣传阵地建设项目")
    assert "宣传阵地建设项目 · 基本信息 · 项目名称" in run_cli("diff", cwd=inside).stdout
    one = run_cli("diff", "--", "03-派驻干部费用.yaml", cwd=inside)
    assert one.returncode == 0 and one.stdout == top_diff.stdout  # only that project's changes
    built = run_cli("build", cwd=inside)
    assert built.returncode == 0, built.stderr
    assert (repo / "build" / "2025-绩效目标申报.docx").is_file() and not (inside / "build").exists()
    assert "已生成 ../../build/2025-绩效目标申报.docx" in built.stdout


def test_diff_of_a_revision_or_path_that_does_not_exist_is_a_usage_error(repo):
    typo = run_cli("diff", "HEDA", cwd=repo)
    assert typo.returncode == 2 and "错误：没有名为“HEDA”的版本，也没有这样的路径" in typo.stderr
    gone = run_cli("diff", "--", "sources/没有这个文件夹", cwd=repo)
    assert gone.returncode == 2 and "错误：路径不存在：sources/没有这个文件夹" in gone.stderr
    shutil.rmtree(repo / TARGET)  # deleted in the working tree, still in HEAD: a real change
    removed = run_cli("diff", "--", TARGET, cwd=repo)
    assert removed.returncode == 0 and removed.stdout == "文档 · 2025-绩效目标申报: 删除 10 个项目\n"


def test_outside_a_repository_without_sources_the_default_is_a_usage_error(tmp_path):
    for command in ("build", "check"):
        result = run_cli(command, cwd=tmp_path)
        assert result.returncode == 2
        assert f"错误：找不到 sources 文件夹：请在仓库中（任何子文件夹均可）运行，或写出文档文件夹的路径，如 budgetdoc {command} 我的文档/" \
            in result.stderr


def test_check_of_one_project_file_checks_it_with_its_document(repo):
    inside = repo / TARGET
    result = run_cli("check", "09-优化营商环境.yaml", cwd=inside)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("09-优化营商环境.yaml:") for line in lines)
    assert "[警告] IND-COST-UNIT 绩效指标.成本指标.经济成本指标.市外差旅补助费: " in result.stdout
    summary = result.stderr.strip().splitlines()[-1]
    assert summary.startswith(f"0 个错误，{len(lines)} 个警告；文档 . 的其他文件还有 ")
    edit(inside / "09-优化营商环境.yaml", "项目名称:", "项目明称:")
    broken = run_cli("check", f"{TARGET}/09-优化营商环境.yaml", cwd=repo)
    assert broken.returncode == 1
    assert f"{TARGET}/09-优化营商环境.yaml:1:1 [错误] SOURCE 项目明称: 未知的键“项目明称”，是否应为“项目名称”？" in broken.stdout


def test_new_project_from_inside_the_document_folder(repo):
    inside = repo / TARGET
    result = run_cli("new", "项目", "数据平台运维", cwd=inside)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["已写入 11-数据平台运维.yaml",
                                          "已把“11-数据平台运维”加到 document.yaml 的项目顺序末尾"]


# ---------------------------------------------------------------- seeing every problem

def test_an_unknown_key_does_not_hide_the_rest_of_the_file(tmp_path):
    text = PROJECT.replace("项目名称:", "项目明称:").replace("    合计: 250000.00\n    当年财政拨款",
                                                             "    合计: 240000.00\n    当年财政拨款")
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": text})
    result = run_cli("check", folder)
    assert result.returncode == 1
    rules = [line.split("] ")[1].split(" ")[0] for line in result.stdout.splitlines() if "[错误]" in line]
    assert rules == ["SOURCE", "FUND-ANNUAL"], result.stdout
    assert "项目明称: 未知的键“项目明称”，是否应为“项目名称”？" in result.stdout
    assert "缺少必填项" not in result.stdout


@pytest.mark.parametrize("old, new, where", [
    ("计划开始日期: 2025-01-01", "计划开始日期:2025-01-01", "6:7"),
    ("项目性质: 其他经常性项目", "项目性质：其他经常性项目", "2:5"),
])
def test_a_colon_slip_is_reported_on_its_own_line(tmp_path, old, new, where):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT.replace(old, new)})
    assert PROJECT.splitlines()[int(where.split(":")[0]) - 1] == old
    result = run_cli("check", folder)
    assert result.returncode == 1
    assert result.stdout.startswith(f"{folder / '01-测试.yaml'}:{where} [错误] SOURCE YAML 语法错误：")


def test_build_prints_findings_exactly_as_check_does_and_again_when_nothing_changed(tmp_path):
    check = run_cli("check", TARGET_SOURCES)
    first = run_cli("build", TARGET_SOURCES, "--out", tmp_path)
    again = run_cli("build", TARGET_SOURCES, "--out", tmp_path)
    assert first.returncode == again.returncode == 0
    findings = check.stdout.splitlines()
    assert len(findings) > 5 and all(re.match(r"^\S+:\d+:\d+ \[警告\] [A-Z-]+ \S+: ", f) for f in findings)
    assert [line for line in first.stderr.splitlines() if "[警告]" in line] == findings
    assert again.stdout.startswith("未改变，未重新生成")
    assert [line for line in again.stderr.splitlines() if "[警告]" in line] == findings  # not "fixed"
    assert again.stderr.splitlines()[-1] == (f"以上 {len(findings)} 个警告不影响生成，请逐条核对（budgetdoc check 列出同样的发现，"
                                             "各规则的说明：budgetdoc 规则 编号）")


def test_watch_rebuilds_every_format_asked_for(tmp_path):
    from ptyrun import PtyProcess

    folder = tmp_path / "文档"
    shutil.copytree(TARGET_SOURCES, folder)
    out = tmp_path / "out"
    process = PtyProcess("build", folder, "--out", out, "--format", "docx,xlsx", "--watch")
    try:
        process.expect("正在监视", timeout=120)
        before = {suffix: (out / f"文档.{suffix}").read_bytes() for suffix in ("docx", "xlsx")}
        time.sleep(0.3)
        edit(folder / "03-派驻干部费用.yaml", "补贴发放人数: =16.00(人)", "补贴发放人数: =18.00(人)")
        process.expect("重新生成完成", timeout=120)
        for suffix, data in before.items():
            assert (out / f"文档.{suffix}").read_bytes() != data, suffix
        assert "[警告] IND-COST-UNIT" in process.text  # the findings, in check's format
    finally:
        process.interrupt()
        code = process.wait(60)
    assert code in (0, 130), process.text


# ---------------------------------------------------------------- reviewing in git

def test_diff_docx_writes_one_redline_per_changed_document_into_a_folder(repo):
    pytest.importorskip("python_redlines")
    edit(repo / PROJECT_3, "补贴发放人数: =16.00(人)", "补贴发放人数: =18.00(人)")
    only_one = run_cli("diff", "--docx", "修订", cwd=repo)
    assert only_one.returncode == 0, only_one.stderr
    assert sorted(p.name for p in (repo / "修订").iterdir()) == ["2025-绩效目标申报.docx"]  # not the unchanged 自评
    edit(repo / "sources/2023-绩效自评/02-政策研究.yaml", "实际完成值: =7个", "实际完成值: =9个")
    refused = run_cli("diff", "--docx", "修订.docx", cwd=repo)
    assert refused.returncode == 2 and not (repo / "修订.docx").exists()
    assert "有 2 个文档有修改（2023-绩效自评、2025-绩效目标申报），--docx 应为文件夹" in refused.stderr
    both = run_cli("diff", "--docx", "修订2/", cwd=repo)
    assert both.returncode == 0, both.stderr
    assert sorted(p.name for p in (repo / "修订2").iterdir()) == ["2023-绩效自评.docx", "2025-绩效目标申报.docx"]


def test_git_setup_shows_chinese_paths_and_does_not_pin_the_virtualenv(repo):
    result = run_cli("git-setup", cwd=repo)
    assert result.returncode == 0
    assert git(repo, "config", "--get", "core.quotepath").stdout == "false\n"
    assert git(repo, "config", "--get", "diff.docx.textconv").stdout == TEXTCONV + "\n"
    edit(repo / PROJECT_3, "补贴发放人数: =16.00(人)", "补贴发放人数: =18.00(人)")
    assert f"M {PROJECT_3}" in git(repo, "status", "--short").stdout  # not "\346\264\276…"


def test_diff_wording(repo):
    folder = repo / TARGET
    (folder / "11-新项目.yaml").write_text(PROJECT.replace("测试项目", "新项目"), encoding="utf-8")
    edit(folder / "document.yaml", "  - 10-", "  - 11-新项目\n  - 10-")
    edit(repo / "sources/2023-绩效自评/02-政策研究.yaml", "得分: 30", "得分: 25")
    lines = run_cli("diff", cwd=repo).stdout.splitlines()
    assert "新项目 · 项目: 新增项目（年度资金申请总额 250,000.00 元）" in lines
    assert any(re.fullmatch(r"政策研究 · 总分: [\d.]+ → [\d.]+", line) for line in lines), lines
    assert not any("总分 · 总分" in line for line in lines)
    edit(folder / "01-宣传阵地建设.yaml", "项目名称:", "项目明称:")
    broken = run_cli("diff", cwd=repo)
    assert broken.returncode == 1 and broken.stderr.startswith("工作区的源文件有错误，无法比较：")


def test_built_documents_can_be_committed_from_a_folder_git_does_not_ignore(repo):
    shutil.copy(ROOT / ".gitignore", repo / ".gitignore")
    assert run_cli("build", "--out", "成品", cwd=repo).returncode == 0
    git(repo, "add", "-A")
    tracked = git(repo, "-c", "core.quotepath=false", "ls-files", "成品").stdout.splitlines()
    assert tracked == ["成品/2023-绩效自评.docx", "成品/2025-绩效目标申报.docx"]  # the cache stays out
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "budgetdoc build --out 成品" in readme


# ---------------------------------------------------------------- the yearly cycle and authoring

def test_init_writes_the_schema_files_its_files_point_to(repo):
    folder = repo / "sources" / "2026-新文档"
    result = run_cli("init", folder, "--year", "2026")
    assert result.returncode == 0, result.stderr
    for name in ("document.yaml", "01-示例项目.yaml"):
        first = (folder / name).read_text(encoding="utf-8").splitlines()[0]
        target = first.split("$schema=")[1]
        schema = json.loads((folder / target).read_text(encoding="utf-8"))
        assert schema["$schema"].startswith("https://json-schema.org/")
    assert (repo / ".budgetdoc" / "绩效目标申报.schema.json").is_file()


def test_new_project_writes_a_clean_skeleton_and_lists_it(tmp_path):
    folder = tmp_path / "文档"
    shutil.copytree(TARGET_SOURCES, folder)
    document = folder / "document.yaml"
    edit(document, "预算单位数: 1", "预算单位数: 1        # 本单位\n# 项目按申报表的顺序")
    before = document.read_text(encoding="utf-8")
    result = run_cli("new", "项目", "数据平台运维", "--in", folder)
    assert result.returncode == 0, result.stderr
    path = folder / "11-数据平台运维.yaml"
    text = path.read_text(encoding="utf-8")
    assert "项目名称: 数据平台运维" in text and "# 一个项目一个文件" in text
    assert "原文如此" not in text and "原表" not in text  # nothing of another project's transcription notes
    after = document.read_text(encoding="utf-8")
    assert after == before.rstrip("\n") + "\n  - 11-数据平台运维\n"  # comments and layout kept
    checked = run_cli("check", path)
    assert checked.returncode == 0 and "[错误]" not in checked.stdout
    built = run_cli("build", folder, "--out", tmp_path / "out")
    assert built.returncode == 0 and "（11 个项目" in built.stdout
    again = run_cli("new", "项目", "数据平台运维", "--in", folder)
    assert again.returncode == 1 and "已有项目文件“11-数据平台运维”" in again.stderr
    nowhere = run_cli("new", "项目", "x", cwd=tmp_path)
    assert nowhere.returncode == 2 and "请用 --in 指定文档文件夹" in nowhere.stderr


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def test_import_warns_about_tracked_changes(tmp_path, built_documents):
    source = built_documents / "2025-绩效目标申报.docx"
    with zipfile.ZipFile(source) as package:
        parts = {info.filename: package.read(info.filename) for info in package.infolist()}
    xml = parts["word/document.xml"].decode("utf-8")
    old = re.search(r"<w:t>([^<]{6,})</w:t>", xml)
    text = old.group(1)
    xml = xml.replace(old.group(0), f'<w:t>{text}</w:t></w:r><w:ins w:id="901" w:author="a"><w:r><w:t>（修订）</w:t></w:r></w:ins>'
                           f'<w:del w:id="902" w:author="a"><w:r><w:delText>旧称</w:delText></w:r></w:del><w:r><w:t></w:t>', 1)
    body_end = xml.rindex("<w:sectPr")
    xml = xml[:body_end] + "<w:p><w:r><w:t>表格后多出的一段文字</w:t></w:r></w:p>" + xml[body_end:]
    parts["word/document.xml"] = xml.encode("utf-8")
    changed = tmp_path / "有修订.docx"
    with zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    result = run_cli("import", changed, "--out", tmp_path / "导入")
    notes = [line for line in result.stderr.splitlines() if "未接受的修订" in line]
    assert notes == [f"请核对：原文件中有未接受的修订，已按修订后的文字导入：“{text}（修订）”"
                     "（插入“（修订）”；删除“旧称”）；如不应采用，请在 Word 中拒绝该修订后重新导入，或修改源文件"]
    assert "表格之外的文字未导入：“表格后多出的一段文字”" in result.stderr.splitlines()  # said once, not "未导入：…未导入"


# ---------------------------------------------------------------- no English

ENGLISH = re.compile(r"\b(Usage|Options|Commands|Error|Try|Show this|Missing|No such|Invalid|Aborted)\b")


def test_usage_errors_are_chinese(tmp_path):
    for args in (("build", "--bogus"), ("redline",), ("check", "--format", "xml"), ("nope",),
                 ("build", "--jobs", "0"), ("import", "x.docx"), ("new", "绩效自评")):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2, args
        assert not ENGLISH.search(result.stderr), result.stderr
        assert result.stderr.startswith("用法：budgetdoc") and "\n错误：" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_a_group_without_its_command_shows_its_help(tmp_path):
    for args in ((), ("template",)):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.startswith("用法：budgetdoc") and "错误：" not in result.stderr
        assert "命令：" in result.stderr and not ENGLISH.search(result.stderr)


def test_every_help_page_is_chinese():
    from builder.cli import cli

    import click

    pages = {"": run_cli("--help")}
    commands = {}
    for name, command in cli.commands.items():
        commands[name] = command
        if isinstance(command, click.Group):
            commands.update({f"{name} {sub}": c for sub, c in command.commands.items()})
    for name, command in commands.items():
        pages[name] = run_cli(*name.split(), "--help")
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help and re.search(r"[\u4e00-\u9fff]", param.help), (name, param.name)
    for name, result in pages.items():
        assert result.returncode == 0
        assert not ENGLISH.search(result.stdout), (name, result.stdout)
        assert not CLICK_WORDS.search(result.stdout), (name, CLICK_WORDS.search(result.stdout), result.stdout)
        assert "[OPTIONS]" not in result.stdout and "选项：" in result.stdout, name
    # every metavar a user reads is Chinese (or the values themselves: [text|json], [绩效目标申报|绩效自评])
    for name, command in commands.items():
        context = click.Context(command, info_name=name)
        for param in command.params:
            if not getattr(param, "is_flag", False) and param.name != "help":
                metavar = param.make_metavar(context)
                assert not re.search(r"[A-Z]{2,}", metavar), (name, param.name, metavar)
    assert "[默认：8000；0–65535]" in pages["serve"].stdout


# click's own English words in a help page: type names, range syntax, an argument's Python name,
# WordprocessingML jargon
CLICK_WORDS = re.compile(r"\b(TEXT|INTEGER|RANGE|FLOAT|PATH|FILENAME|DIRECTORY|BOOLEAN|FOLDER|TEMPLATE_FILE|"
                         r"DOCX_FILE|default)\b|<=x|x<=|x>=|w:ins|w:del")


def test_template_mistakes_are_explained_in_chinese(tmp_path):
    from test_hostile import _user_template

    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT})
    _user_template(folder, "坏模板.docx", lambda xml: xml.replace("财政支出项目绩效目标申报表".encode(),
                                                                  "{{ unit_name extra }}".encode(), 1))
    result = run_cli("build", folder, "--out", tmp_path / "out")
    assert result.returncode == 1
    line = result.stderr.splitlines()[0]
    assert line == (f"{folder / 'document.yaml'}:4:5 [错误] SOURCE 模板: 坏模板.docx 第 2 段“{{{{ unit_name ext…”: "
                    "标签“{{ unit_name extra }}”语法有误：表达式写法有误（检查括号、引号、点号和运算符）"), line


@pytest.mark.parametrize("engine_says, chinese", [
    (["Error: File contains corrupted data."], "其中一个文件已损坏或不是有效的 Word .docx 文件"),
    (["Error: Not a Wordprocessing document."], "其中一个文件已损坏或不是有效的 Word .docx 文件"),
    (["Unhandled exception. System.Whatever"], "比对引擎出错（退出码 1）"),
])
def test_the_redline_engines_english_is_said_in_chinese(engine_says, chinese):
    from builder.review.redline import engine_message

    assert engine_message(engine_says, 1).startswith(chinese)


def test_redline_of_a_file_the_engine_refuses_is_explained_in_chinese(tmp_path, built_documents):
    pytest.importorskip("python_redlines")
    damaged = tmp_path / "坏.docx"
    with zipfile.ZipFile(damaged, "w") as package:  # readable, but no Word document to the engine
        package.writestr("word/document.xml", "<not-really/>")
    result = run_cli("redline", built_documents / "2025-绩效目标申报.docx", damaged, "-o", tmp_path / "o.docx")
    assert result.returncode == 1
    assert result.stderr == ("比对失败（2025-绩效目标申报.docx → 坏.docx）：其中一个文件已损坏或不是有效的 Word .docx 文件"
                             "（请在 Word 中打开并另存为 .docx 后重试）\n")


def test_textconv_without_budgetdoc_on_path_says_what_to_do_in_one_chinese_line(repo):
    import os

    assert run_cli("git-setup", cwd=repo).returncode == 0
    assert run_cli("build", "--out", "成品", cwd=repo).returncode == 0
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "built")
    docx = next(p for p in (repo / "成品").rglob("*.docx"))
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    shown = subprocess.run(["git", "show", "--textconv", f"HEAD:{docx.relative_to(repo).as_posix()}"],
                           cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    assert shown.returncode != 0 and MISSING_COMMAND in shown.stderr.splitlines()
