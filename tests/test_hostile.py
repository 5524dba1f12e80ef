"""Hostile input: bombs, deep nesting, huge files, template injection, escaping, zip bombs, path escapes."""

from __future__ import annotations

import io
import os
import time
import zipfile

import pytest

from builder.output.build import build
from builder.read.docxtext import read_items
from conftest import ROOT, run_cli
from helpers import DOCUMENT, PROJECT, write_document

TEMPLATE = ROOT / "templates" / "绩效目标申报.docx"


def failure_lines(folder, out) -> list[str]:
    results, failures = build([folder], out)
    assert not results and len(failures) == 1
    return [p.format().replace(str(folder) + os.sep, "") for p in failures[0].problems if p.severity == "错误"]


def test_alias_bomb_is_rejected_fast_with_a_location(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8))
    folder = write_document(tmp_path / "doc", {"01-bomb.yaml": bomb})
    started = time.perf_counter()
    lines = failure_lines(folder, tmp_path / "out")
    assert time.perf_counter() - started < 5
    assert lines == ["01-bomb.yaml:1:35 内容过多（超过 100,000 个值，可能是别名 * 的循环展开）"]


def test_deep_nesting_is_rejected_with_a_location(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-deep.yaml": "a: " + "[" * 5000 + "]" * 5000 + "\n"})
    lines = failure_lines(folder, tmp_path / "out")
    assert len(lines) == 1 and lines[0].startswith("01-deep.yaml:1:") and "嵌套层数过深（上限 40 层）" in lines[0]


def test_huge_file_is_refused(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-huge.yaml": "项目名称: " + "很" * 1_000_000 + "\n"})
    assert failure_lines(folder, tmp_path / "out") == ["01-huge.yaml:1:1 文件过大（3,000,015 字节，上限 2,097,152 字节）"]


def test_markup_in_values_is_printed_literally(tmp_path):
    nasty = "A&B <C> ]]> {{ unit_name }} {% for x in y %} \u200f右到左标记 \"引号\" 'single'"
    project = PROJECT.replace("项目概述: 概述。", f"项目概述: '{nasty.replace(chr(39), chr(39) * 2)}'")
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": project})
    results, failures = build([folder], tmp_path / "out")
    assert not failures
    texts = [item.text for item in read_items(tmp_path / "out" / "doc.docx") if hasattr(item, "text")]
    assert nasty in texts


def _user_template(folder, name: str, document_xml_edit=None, raw: bytes | None = None):
    if raw is None:
        source = zipfile.ZipFile(TEMPLATE)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                data = source.read(info.filename)
                if info.filename == "word/document.xml" and document_xml_edit:
                    data = document_xml_edit(data)
                target.writestr(info, data)
        raw = buffer.getvalue()
    (folder / name).write_bytes(raw)
    (folder / "document.yaml").write_text(DOCUMENT + f"模板: {name}\n", encoding="utf-8")


def test_template_cannot_reach_python_internals(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT})
    evil = "{{ unit_name.__class__.__mro__[1].__subclasses__() }}"
    _user_template(folder, "evil.docx", lambda xml: xml.replace("财政支出项目绩效目标申报表".encode(), evil.encode(), 1))
    lines = failure_lines(folder, tmp_path / "out")
    # refused by the template check before rendering, at the tag's place in Word's terms
    assert len(lines) == 1 and lines[0].startswith("document.yaml:4:5 模板: evil.docx 第 2 段“{{ unit_name")
    assert "试图访问不允许的内容“__class__”" in lines[0]
    assert not (tmp_path / "out" / "doc.docx").exists()


def test_template_that_is_not_a_docx_or_is_a_zip_bomb(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT})
    _user_template(folder, "fake.docx", raw=b"this is not a zip file")
    assert failure_lines(folder, tmp_path / "out") == [
        "document.yaml:4:5 模板: fake.docx 不是有效的 Word 文档（.docx）：BadZipFile"]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", b"<" + b"a" * 50_000_000 + b"/>")
    _user_template(folder, "bomb.docx", raw=bomb.getvalue())
    lines = failure_lines(folder, tmp_path / "out")
    assert len(lines) == 1 and "模板: bomb.docx 解压后过大" in lines[0] and "已拒绝" in lines[0]


@pytest.mark.parametrize("path", ["../../outside.docx", "/etc/passwd", "sub/../../../x.docx"])
def test_template_path_cannot_escape_the_repository(tmp_path, path):
    # no .git above: the repository is the document folder's parent (tmp_path/repo)
    folder = write_document(tmp_path / "repo" / "doc", {"01-测试.yaml": PROJECT}, DOCUMENT + f"模板: {path}\n")
    (tmp_path / "outside.docx").write_bytes(TEMPLATE.read_bytes())
    lines = failure_lines(folder, tmp_path / "out")
    assert len(lines) == 1 and lines[0].startswith("document.yaml:4:5 模板: 模板文件必须放在本仓库内") \
        and f"“{path}”在仓库之外" in lines[0]


def test_control_characters_in_a_file_are_located(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT.replace("概述。", "概\x07述。")})
    lines = failure_lines(folder, tmp_path / "out")
    assert len(lines) == 1 and lines[0].startswith("01-测试.yaml:19:") and "U+0007" in lines[0]


def test_cli_never_prints_a_traceback_for_hostile_input(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-x.yaml": "a: &a [*a]\n", "02-y.yaml": "\ufeff\x00\x01",
                                               "03-z.yaml": "- just\n- a list\n"})
    result = run_cli("build", folder, "--out", tmp_path / "out")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout


def test_a_file_that_is_not_a_mapping(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-a.yaml": "!", "02-b.yaml": "- 只是\n- 一个列表\n", "03-c.yaml": ""})
    _, failures = build([folder], tmp_path / "out")
    lines = [p.format().replace(str(folder) + os.sep, "") for p in failures[0].problems]
    assert lines == [
        "01-a.yaml:1:1 文件内容为空，应为“键: 值”形式的各项（如“项目名称: …”）",
        "02-b.yaml:1:1 文件内容是列表，应为“键: 值”形式的各项（如“项目名称: …”）",
        "03-c.yaml:1:1 文件内容为空，应为“键: 值”形式的各项（如“项目名称: …”）",
    ]


@pytest.mark.parametrize("written, message", [
    ("≥2，5(个)", "中的千位分隔符位置不对"),
    ("≥1 500(人)", "中的数值没有读完整：数字之间有空格，是否应为 ≥1,500(人)？"),
    ("≥1\u00a0500(人)", "中的数值没有读完整：数字之间有空格，是否应为 ≥1,500(人)？"),
    ("≥90。5(%)", "中的数值没有读完整：小数点应为半角“.”，是否应为 ≥90.5(%)？"),
    ("≥2·5", "中的数值没有读完整：小数点应为半角“.”，是否应为 ≥2.5？"),
    ("=1:30(小时)", "中的数值没有读完整：数值中有冒号"),
    ("≥1.5e3", "中的数值没有读完整：不能用科学计数法，是否应为 ≥1500？"),
    ("≥2~3个", "中的数值没有读完整：只能写一个数值，不能写范围"),
])
def test_an_indicator_value_read_in_part_is_an_error_at_its_place(tmp_path, written, message):
    # issue 21: these printed ≥2.00(，500(个)), ≥1.00(500(人)) … with no finding
    project = PROJECT.replace("平台运维数: ≥2(个)", f"平台运维数: \"{written}\"")
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": project})
    lines = failure_lines(folder, tmp_path / "out")
    assert len(lines) == 1 and lines[0].startswith(
        f"01-测试.yaml:29:14 绩效指标.产出指标.数量指标.平台运维数: 指标值“{written}”{message}"), lines
    assert not (tmp_path / "out" / "doc.docx").exists()


def test_a_full_width_comma_in_an_indicator_reads_as_money_does(tmp_path):
    project = PROJECT.replace("平台运维数: ≥2(个)", "平台运维数: ≥2，500(个)")
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": project})
    results, failures = build([folder], tmp_path / "out")
    assert not failures
    cells = [item.cells for item in read_items(tmp_path / "out" / "doc.docx") if hasattr(item, "cells")]
    assert any("≥2500.00(个)" in row for row in cells)
    assert not any("，500" in cell for row in cells for cell in row)


def test_a_half_cent_of_wan_rounds_half_up_in_the_document(tmp_path):
    project = (PROJECT.replace("250000.00", "2500050.00").replace("预算资金 25 万元。", "预算资金 250.005 万元。"))
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": project})
    results, failures = build([folder], tmp_path / "out")
    assert not failures
    texts = [item.text for item in read_items(tmp_path / "out" / "doc.docx") if hasattr(item, "text")]
    assert any("涉及项目预算资金 250.01 万元" in t for t in texts), [t for t in texts if "万元" in t]


# ---------------------------------------------------------------- the slips rules (issue 21) on hostile text

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


@pytest.mark.parametrize("char", list(BIDI), ids=[f"U+{ord(c):04X}" for c in BIDI])
def test_every_bidi_control_is_a_warning_wherever_it_hides(tmp_path, char):
    """A Trojan-source amount (“合同金额‮00.052‬ 万元” reads 250.00 on screen) in a narrative, in a
    project name and in an indicator name (a YAML key): each a warning at its place, the build goes on."""
    from builder.output.build import check

    text = (PROJECT.replace("项目概述: 概述。", f"项目概述: 合同金额{char}00.052 万元。")
            .replace("项目名称: 测试项目", f"项目名称: 测试{char}项目")
            .replace("      平台运维数: ≥2(个)", f"      平台{char}运维数: ≥2(个)"))
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": text})
    _, problems = check([folder])
    bidi = [(p.location.line, p.field) for p in problems if p.rule == "BIDI-CONTROL"]
    assert bidi == [(1, "项目名称"), (19, "情况说明.项目概述"),
                    (29, f"绩效指标.产出指标.数量指标.平台{char}运维数")], bidi
    assert all(p.severity == "警告" and f"U+{ord(char):04X}" in p.message for p in problems if p.rule == "BIDI-CONTROL")
    results, failures = build([folder], tmp_path / "out")
    assert results and not failures


def test_the_text_rules_stay_one_finding_per_field_on_huge_text(tmp_path):
    """1.5 MB of stale years, placeholders and bidi controls in one narrative: read once, linear, one
    finding per rule for the field (never one per occurrence), nothing hangs."""
    from builder.output.build import check

    chunk = "2024 年，区某某办公室\u202e完成；"
    huge = chunk * (1_500_000 // len(chunk.encode("utf-8")))
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT.replace("立项依据: 依据。", f"立项依据: {huge}")})
    _, problems = check([folder])
    found = sorted(p.rule for p in problems if p.field == "情况说明.立项依据")
    assert found == ["BIDI-CONTROL", "SKELETON", "YEAR-STALE"]
    assert all(len(p.message) < 400 for p in problems)  # the excerpt, not the text


def test_the_slip_warnings_are_waivable_like_every_rule(tmp_path):
    from builder.output.build import check

    text = (PROJECT.replace("250000.00", "25").replace("预算资金 25 万元。", "按合同支付。")
            .replace("实施主体: 主体。", "实施主体: 区某某办公室。") + (
                "忽略:\n"
                "  - 规则: FUND-SMALL\n    原因: 确为 25 元的演示项目\n"
                "  - 规则: SKELETON\n    位置: 情况说明.实施主体\n    原因: 单位名称确为“区某某办公室”\n"))
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": text})
    _, problems = check([folder])
    assert {(p.rule, p.severity) for p in problems} == {("FUND-SMALL", "已接受"), ("SKELETON", "已接受")}


@pytest.mark.parametrize("tags", [
    "",  # a document saved from Word with every tag deleted
    "{{ unit_name }}{{ year }}{{ total_wan }}",  # only the title: no project is ever printed
    "{# {{ p.name }} #}",  # the project loop commented out
])
def test_a_template_that_prints_nothing_of_the_projects_is_refused_at_build(tmp_path, tags):
    import docx

    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT})
    document = docx.Document()
    document.add_paragraph("上海市某单位 2024 年财政支出项目绩效目标申报表（去年的成品）")
    if tags:
        document.add_paragraph(tags)
    buffer = io.BytesIO()
    document.save(buffer)
    _user_template(folder, "去年.docx", raw=buffer.getvalue())
    lines = failure_lines(folder, tmp_path / "out")
    assert len(lines) == 1 and lines[0].startswith("document.yaml:4:5 模板: 去年.docx: 模板"), lines
    assert ("模板没有读取任何项目" if "{{ unit" in tags else "模板中没有读取源文件的标签") in lines[0]
    assert not (tmp_path / "out" / "doc.docx").exists()


@pytest.mark.parametrize("command", [("build", "--jobs", "2"), ("build",), ("check",)])
def test_yaml_50000_deep_and_toml_1000_deep_are_located_errors_in_every_command(tmp_path, command):
    """YAML 50,000 deep crashed the process in libyaml's composer (exit 139; --jobs 2 exit 3 with
    BrokenProcessPool); TOML 1,000 deep was a RecursionError in tomllib (exit 3)."""
    folder = write_document(tmp_path / "doc", {
        "01-测试.yaml": PROJECT,
        "02-深.yaml": "项目名称: " + "[" * 50_000 + "]" * 50_000 + "\n",
        "03-深.toml": '"项目名称" = ' + "[" * 1000 + "]" * 1000 + "\n",
    }, DOCUMENT + "项目顺序: [01-测试, 02-深, 03-深]\n")
    args = [*command, folder] + (["--out", tmp_path / "out"] if command[0] == "build" else [])
    result = run_cli(*args)
    assert result.returncode == 1, result.stderr
    lines = [line.replace(str(folder) + os.sep, "") for line in (result.stdout + result.stderr).splitlines() if "[错误]" in line]
    assert lines == ["02-深.yaml:1:47 [错误] SOURCE 嵌套层数过深（上限 40 层）",
                     "03-深.toml:1:50 [错误] SOURCE 嵌套层数过深（上限 40 层）"]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.docx"))


def test_markdown_that_pandoc_cannot_finish_is_a_located_error(tmp_path):
    """10 KB of "[" took pandoc minutes (build, check and serve hung); 200 KB of "`", "<!--", "[a](",
    "<a " or "[^" over 60 s. Under BUDGETDOC_PANDOC_SECONDS each is an error at its section."""
    pytest.importorskip("pypandoc")
    hostile = ["文字" + text for text in  # inside a paragraph, so that no line opens a code fence or a comment
               ("[" * 10_000, "`" * 200_000, "<!--" * 50_000, "[a](" * 50_000, "<a " * 66_000, "[^" * 100_000)]
    sections = ["项目概述", "立项依据", "实施主体", "实施方案", "实施周期", "年度预算安排"]
    md = "# 测试项目\n\n" + "".join(f"## {name}\n\n{text}\n\n" for name, text in zip(sections, hostile))
    md += "## 绩效目标\n\n**正常**的一段。\n"
    narrative_free = PROJECT.split("情况说明:")[0] + "项目总目标" + PROJECT.split("项目总目标", 1)[1]
    folder = write_document(tmp_path / "doc", {"01-测试项目.yaml": narrative_free})
    (folder / "01-测试项目.md").write_text(md, encoding="utf-8")
    result = run_cli("build", folder, "--out", tmp_path / "out", env=dict(os.environ, BUDGETDOC_PANDOC_SECONDS="2"))
    assert result.returncode == 1, result.stderr
    lines = [line.replace(str(folder) + os.sep, "") for line in (result.stdout + result.stderr).splitlines()
             if "[错误]" in line]
    body_lines = [md.splitlines().index(text) + 1 for text in hostile]
    assert lines == [f"01-测试项目.md:{line}:1 [错误] SOURCE 情况说明.{name}: Markdown 过于复杂，pandoc 在 2 秒内未完成"
                     "（可调 BUDGETDOC_PANDOC_SECONDS）" for line, name in zip(body_lines, sections)]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.docx"))


def test_diff_of_a_150000_character_narrative_finishes_with_the_edits(tmp_path):
    """``diff`` compared narratives character pair by character pair: 20,000 characters took 27 s,
    150,000 more than 300 s. Two edits in 150,000 characters are found, character by character."""
    import random
    import subprocess

    rng = random.Random(14)
    lines = ["".join(rng.choice("预算资金项目绩效目标运维管理服务保障展示馆讲解") for _ in range(59)) + "。"
             for _ in range(2500)]
    def project(text_lines):
        body = "".join(f"    {line}\n" for line in text_lines)
        return PROJECT.replace("  实施方案: 方案。\n", f"  实施方案: |-\n{body}")
    folder = write_document(tmp_path / "sources" / "doc", {"01-测试.yaml": project(lines)})
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "seed"]):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True, env=env)
    edited = list(lines)
    edited[10] = edited[10][:20] + "足额" + edited[10][20:]
    edited[2000] = edited[2000][:30] + edited[2000][33:]
    (folder / "01-测试.yaml").write_text(project(edited), encoding="utf-8")
    result = run_cli("diff", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "测试项目 · 情况说明 · 实施方案: 文字修改 (+2 −3 字)"
    assert result.stdout.count("〔增：足额〕") == 1 and result.stdout.count("〔删：") == 1
