"""A build after a few project files changed renders only those projects (builder.output.incremental),
and writes the same bytes and reports the same findings as a cold build of the same sources."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import EVALUATION_SOURCES, ROOT, TARGET_SOURCES, run_cli

NOTE = re.compile(r"其中 (\d+) 个有改动、重新生成")


def _messages(result) -> list[str]:
    """What a build printed, without timings and the line that says how it was built."""
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if not line.startswith("已生成 ")]


def build_and_compare(folder: Path, out: Path, tmp_path: Path) -> tuple[int | None, object]:
    """Build into ``out`` (which holds an earlier build), then build the same sources cold into a
    fresh folder; both must write the same bytes and print the same findings. Returns how many
    projects the first build rendered again (None: it was a full build) and its result."""
    again = run_cli("build", folder, "--out", out)
    cold_out = tmp_path / f"cold-{len(list(tmp_path.iterdir()))}"
    cold = run_cli("build", folder, "--out", cold_out)
    assert again.returncode == cold.returncode, (again.stdout, again.stderr, cold.stdout, cold.stderr)
    assert _messages(again) == _messages(cold)
    name = f"{folder.name}.docx"
    if cold.returncode == 0:
        assert (out / name).read_bytes() == (cold_out / name).read_bytes()
    note = NOTE.search(again.stdout)
    return (int(note.group(1)) if note else None), again


@pytest.fixture
def target(tmp_path) -> Path:
    folder = tmp_path / "src" / TARGET_SOURCES.name
    shutil.copytree(TARGET_SOURCES, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _project(folder: Path, stem_part: str) -> Path:
    return next(p for p in sorted(folder.glob("*.yaml")) if stem_part in p.stem)


def test_text_edit_renders_one_project_and_matches_a_cold_build(target, tmp_path):
    out = tmp_path / "out"
    first = run_cli("build", target, "--out", out)
    assert first.returncode == 0 and not NOTE.search(first.stdout)  # a first build is a full one
    project = _project(target, "宣传阵地")
    _edit(project, "G60 微信公众号视频号运维", "G60 微信公众号、视频号运维")
    rendered, result = build_and_compare(target, out, tmp_path)
    assert rendered == 1, result.stdout
    text = zipfile.ZipFile(out / f"{target.name}.docx").read("word/document.xml").decode()
    assert "G60 微信公众号、视频号运维" in text
    # and again: the record written by the incremental build serves the next one
    _edit(project, "影像库维护", "影像库的维护")
    rendered, _ = build_and_compare(target, out, tmp_path)
    assert rendered == 1


def test_amount_edit_changes_the_totals_and_matches_a_cold_build(target, tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", target, "--out", out).returncode == 0
    project = _project(target, "宣传阵地")
    text = project.read_text(encoding="utf-8")
    # one project's 年度资金申请总额 and its parts grow by 1,000 元: the summary's total changes
    text = re.sub(r"(年度资金申请总额:\n    合计: )250000.00", r"\g<1>251000.00", text)
    text = re.sub(r"(    当年财政拨款: )250000.00", r"\g<1>251000.00", text)
    text = re.sub(r"(项目资金总额:\n    合计: )250000.00", r"\g<1>251000.00", text)
    text = re.sub(r"(    财政资金: )250000.00", r"\g<1>251000.00", text)
    project.write_text(text, encoding="utf-8")
    rendered, result = build_and_compare(target, out, tmp_path)
    assert rendered == 1, result.stdout
    assert "DOC-SUMMARY" in result.stdout + result.stderr or "涉及项目预算资金" not in (target / "document.yaml").read_text(
        encoding="utf-8")


def test_new_findings_in_the_edited_project_are_reported_like_a_cold_build(target, tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", target, "--out", out).returncode == 0
    # the edited project now names another project of the document: COPIED-TEXT (a warning)
    other = _project(target, "重大活动")
    other_name = re.search(r"^项目名称: (.*)$", other.read_text(encoding="utf-8"), re.M).group(1)
    _edit(_project(target, "宣传阵地"), "影像库维护", f"影像库维护，参照{other_name}")
    rendered, result = build_and_compare(target, out, tmp_path)
    assert rendered == 1
    assert "COPIED-TEXT" in result.stdout + result.stderr


def test_an_error_in_the_edited_project_keeps_the_last_good_output(target, tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", target, "--out", out).returncode == 0
    before = (out / f"{target.name}.docx").read_bytes()
    project = _project(target, "宣传阵地")
    _edit(project, "    当年财政拨款: 250000.00", "    当年财政拨款: 240000.00")
    rendered, result = build_and_compare(target, out, tmp_path)
    assert result.returncode == 1 and "FUND-ANNUAL" in result.stdout + result.stderr
    assert (out / f"{target.name}.docx").read_bytes() == before
    _edit(project, "    当年财政拨款: 240000.00", "    当年财政拨款: 250000.00")
    _edit(project, "影像库维护", "影像库的维护")
    rendered, _ = build_and_compare(target, out, tmp_path)
    assert rendered == 1  # the record of the last good build still serves


def test_a_renamed_project_or_an_edited_document_yaml_is_a_full_build(target, tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", target, "--out", out).returncode == 0
    _edit(_project(target, "宣传阵地"), "项目名称: 宣传阵地建设", "项目名称: 宣传阵地建设与运维")
    rendered, _ = build_and_compare(target, out, tmp_path)
    assert rendered is None  # other projects' findings may name it: everything is checked again
    _edit(target / "document.yaml", "单位名称: ", "单位名称:  ")
    rendered, _ = build_and_compare(target, out, tmp_path)
    assert rendered is None


def test_a_damaged_or_foreign_record_is_a_full_build(target, tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", target, "--out", out).returncode == 0
    blob = next((out / ".budgetdoc-cache" / "incremental").glob("*.bin"))
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.write_bytes(bytes(data))
    _edit(_project(target, "宣传阵地"), "影像库维护", "影像库的维护")
    rendered, _ = build_and_compare(target, out, tmp_path)
    assert rendered is None
    index = next((out / ".budgetdoc-cache" / "incremental").glob("*.json"))
    index.write_text('{"format": "something else"}', encoding="utf-8")
    _edit(_project(target, "宣传阵地"), "影像库的维护", "影像库维护")
    rendered, _ = build_and_compare(target, out, tmp_path)
    assert rendered is None


def test_evaluation_and_form_documents_stay_right(tmp_path):
    """A 自评 document is always built in full; a document with its own form (佳县) is rebuilt
    incrementally and still matches a cold build."""
    evaluation = tmp_path / "src" / EVALUATION_SOURCES.name
    shutil.copytree(EVALUATION_SOURCES, evaluation)
    out = tmp_path / "out"
    assert run_cli("build", evaluation, "--out", out).returncode == 0
    project = sorted(p for p in evaluation.glob("*.yaml") if p.stem != "document")[0]
    project.write_text(project.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    rendered, _ = build_and_compare(evaluation, out, tmp_path)
    assert rendered is None
    shutil.copytree(ROOT / "examples", tmp_path / "examples")  # the form it names is in examples/_共用
    example = tmp_path / "examples" / "佳县-2016"
    assert run_cli("build", example, "--out", out).returncode == 0
    _edit(_project(example, "红枣"), "实施单位: 佳县红枣产业发展中心", "实施单位: 佳县红枣产业发展服务中心")
    rendered, _ = build_and_compare(example, out, tmp_path)
    assert rendered == 1
    assert "佳县红枣产业发展服务中心" in zipfile.ZipFile(out / "佳县-2016.docx").read("word/document.xml").decode()


def test_segments_do_not_change_the_document(tmp_path, monkeypatch):
    """The body rendered in segments is the body rendered whole, byte for byte."""
    from builder.output.build import check
    from builder.output.docx import render_document
    from builder.render import segments

    for folder in (TARGET_SOURCES, EVALUATION_SOURCES, ROOT / "examples" / "佳县-2016"):
        documents, _ = check([folder])
        split = zipfile.ZipFile(__import__("io").BytesIO(render_document(documents[0])))
        with monkeypatch.context() as patch:
            patch.setattr(segments, "plan_loop", lambda source, env: None)
            whole = zipfile.ZipFile(__import__("io").BytesIO(render_document(documents[0])))
        assert split.namelist() == whole.namelist()
        for name in split.namelist():
            assert split.read(name) == whole.read(name), (folder.name, name)


def test_a_template_whose_items_depend_on_their_position_is_rendered_whole():
    from jinja2.sandbox import SandboxedEnvironment

    from builder.render.segments import plan_loop

    env = SandboxedEnvironment()
    body = "<w:p>{{ p.name }}</w:p>"
    assert plan_loop("<a/>{% for p in projects %}" + body + "{% endfor %}<b/>", env) is not None
    assert plan_loop("{% for p in projects %}<w:p>{{ loop.index }}</w:p>{% endfor %}", env) is None
    assert plan_loop("{% for p in projects %}" + body + "{% endfor %}{{ projects|length }}", env) is None
    assert plan_loop("{% for p in projects %}<w:p>{{ projects[0].name }}</w:p>{% endfor %}", env) is None
    two = "{% for p in projects %}" + body + "{% endfor %}"
    assert plan_loop(two + two, env) is None
    standalone = plan_loop("{% set x = 1 %}{% for p in projects %}" + body + "{% endfor %}", env)
    assert standalone is not None and standalone.item_source == ""
    from builder.render.segments import lists_projects

    assert lists_projects("<w:ftr>{{ projects|length }} 个项目</w:ftr>")
    assert lists_projects("<w:hdr>{{ 项目列表[0].项目名称 }}</w:hdr>")
    assert not lists_projects("<w:hdr>{{ unit_name }} projects</w:hdr>")


def test_docx_and_pdf_after_a_one_project_edit(target, tmp_path):
    """With PDF too, the .docx is rebuilt incrementally and its PDF made from it."""
    import subprocess

    out = tmp_path / "out"
    assert run_cli("build", target, "--out", out, "--format", "docx,pdf").returncode == 0
    _edit(_project(target, "宣传阵地"), "影像库维护", "影像库的维护")
    result = run_cli("build", target, "--out", out, "--format", "docx,pdf")
    assert result.returncode == 0, result.stderr
    assert NOTE.search(result.stdout) and NOTE.search(result.stdout).group(1) == "1"
    cold = tmp_path / "cold"
    assert run_cli("build", target, "--out", cold).returncode == 0
    assert (out / f"{target.name}.docx").read_bytes() == (cold / f"{target.name}.docx").read_bytes()
    text = subprocess.run(["pdftotext", str(out / f"{target.name}.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "影像库的维护" in text
    again = run_cli("build", target, "--out", out, "--format", "docx,pdf")
    assert "未改变" in again.stdout


def test_crc32_combine_native_and_python_agree_with_zlib():
    import os
    import random
    import zlib

    from builder.output import assemble

    rng = random.Random(7)
    for _ in range(50):
        a, b = os.urandom(rng.randint(0, 5000)), os.urandom(rng.randint(0, 70000))
        whole = zlib.crc32(a + b)
        assert assemble.crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == whole
        python = assemble.multmodp(assemble.x2nmodp(len(b), 3), zlib.crc32(a)) ^ zlib.crc32(b)
        assert python == whole
    pieces = [assemble.Piece.of(os.urandom(rng.randint(0, 3000))) for _ in range(20)]
    stream = b"".join(p.deflated for p in pieces) + zlib.compressobj(6, zlib.DEFLATED, -15).flush()
    data = zlib.decompress(stream, -15)
    assert len(data) == sum(p.size for p in pieces)


def test_the_record_is_never_written_through_a_link(target, tmp_path):
    """A link planted where the record's file of pieces is: the file it points to is left alone."""
    out = tmp_path / "out"
    assert run_cli("build", target, "--out", out).returncode == 0
    blob = next((out / ".budgetdoc-cache" / "incremental").glob("*.bin"))
    victim = tmp_path / "victim.bin"
    victim.write_bytes(blob.read_bytes())
    before = victim.read_bytes()
    blob.unlink()
    blob.symlink_to(victim)
    _edit(_project(target, "宣传阵地"), "影像库维护", "影像库的维护")
    build_and_compare(target, out, tmp_path)
    assert victim.read_bytes() == before
    _edit(_project(target, "宣传阵地"), "影像库的维护", "影像库维护了")
    rendered, _ = build_and_compare(target, out, tmp_path)
    assert victim.read_bytes() == before
