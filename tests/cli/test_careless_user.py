"""Issue 10: what a careless or hostile user (or a build/ folder from somewhere else) does.

Each case ends in a located Chinese error, one clear line, or a correct document:
never exit 3, a traceback, a hang, code run from the cache, or a value printed
other than as written.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from builder.output.build import build
from builder.output.cache import CACHE_DIR_NAME
from builder.read.docxtext import to_text
from conftest import EVALUATION_SOURCES, ROOT, SOURCES, TARGET_SOURCES, run_cli
from helpers import DOCUMENT, PROJECT, write_document

TEMPLATE = ROOT / "templates" / "绩效目标申报.docx"


def assert_clean_exit(result, code: int = 1) -> None:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "内部错误" not in result.stderr, result.stderr


def errors_of(folder: Path, out: Path) -> list[str]:
    results, failures = build([folder], out, use_cache=False)
    assert not results and len(failures) == 1, (results, failures)
    return [p.format().replace(str(folder) + os.sep, "") for p in failures[0].problems if p.severity == "错误"]


def docx_text(path: Path) -> str:
    return to_text(path)


# ---------------------------------------------------------------- the cache runs nothing


class _Exploit:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_planted_pickles_and_damaged_records_in_the_cache_run_nothing(tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", SOURCES, "--out", out).returncode == 0
    marker = tmp_path / "PWNED"
    cache = out / CACHE_DIR_NAME
    records = list(cache.rglob("*.json"))
    assert records, "the cache should hold JSON records"
    assert not list(cache.rglob("*.pickle"))
    payload = pickle.dumps(_Exploit(marker))
    for record in records:  # every record replaced by a pickle, or by damaged JSON
        record.with_suffix(".pickle").write_bytes(payload)
    damaged = [b"null", b"[]", b"{", payload, b'{"format": 1, "tree": ["m", 1]}', b"\xff\xfe"]
    for number, record in enumerate(records):
        record.write_bytes(damaged[number % len(damaged)])
    for output in out.glob("*.docx"):  # force a real build that consults the parse cache
        output.unlink()
    result = run_cli("build", SOURCES, "--out", out)
    assert_clean_exit(result, 0)
    assert not marker.exists()
    assert "已生成" in result.stdout
    for record in cache.rglob("*.json"):  # damaged entries were ignored and written again
        json.loads(record.read_text(encoding="utf-8"))


def test_a_cache_of_another_version_is_not_trusted(tmp_path):
    src = tmp_path / "doc"
    shutil.copytree(TARGET_SOURCES, src)
    out = tmp_path / "out"
    assert run_cli("build", src, "--out", out).returncode == 0
    for record in (out / CACHE_DIR_NAME / "sources").rglob("*.json"):
        data = json.loads(record.read_text(encoding="utf-8"))
        data["format"] = "budgetdoc-cache 2 0.0.1"  # an older budgetdoc, and an edited tree
        text = json.dumps(data, ensure_ascii=False).replace("宣传阵地建设", "被篡改的名称")
        record.write_text(text, encoding="utf-8")
    (out / "doc.docx").unlink()
    assert run_cli("build", src, "--out", out).returncode == 0
    text = docx_text(out / "doc.docx")
    assert "被篡改的名称" not in text and "宣传阵地建设" in text


def test_a_file_where_the_cache_folder_should_be(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / CACHE_DIR_NAME).write_text("not a folder")
    result = run_cli("build", TARGET_SOURCES, "--out", out)
    assert_clean_exit(result, 0)
    assert (out / "2025-绩效目标申报.docx").is_file()


def test_a_template_in_a_subfolder_is_part_of_the_cache_key(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT}, DOCUMENT + "模板: 模板/申报.docx\n")
    (folder / "模板").mkdir()
    template = folder / "模板" / "申报.docx"
    shutil.copy(TEMPLATE, template)
    out = tmp_path / "out"
    assert run_cli("build", folder, "--out", out).returncode == 0
    edited = io.BytesIO()
    with zipfile.ZipFile(TEMPLATE) as source, zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace("财政支出项目绩效目标申报表".encode(), "改过的表名".encode(), 1)
            target.writestr(info, data)
    template.write_bytes(edited.getvalue())
    result = run_cli("build", folder, "--out", out)
    assert result.returncode == 0 and "未改变" not in result.stdout, result.stdout
    assert "改过的表名" in docx_text(out / "doc.docx")


def test_a_noop_build_prints_the_warnings_again(tmp_path):
    first = run_cli("build", TARGET_SOURCES, "--out", tmp_path)
    second = run_cli("build", TARGET_SOURCES, "--out", tmp_path)
    assert "未改变" in second.stdout
    warnings = [line for line in first.stderr.splitlines() if "警告" in line]
    assert warnings and [line for line in second.stderr.splitlines() if "警告" in line] == warnings


# ---------------------------------------------------------------- what is read


def test_links_leaving_the_document_folder_are_refused_without_echo(tmp_path):
    other = write_document(tmp_path / "other", {"01-别人的.yaml": PROJECT.replace("测试项目", "别人的项目")})
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT,
                                               "_真实.yaml": PROJECT.replace("测试项目", "链接的项目")})
    (folder / "02-passwd.yaml").symlink_to("/etc/passwd")
    (folder / "03-别人.yaml").symlink_to(other / "01-别人的.yaml")
    (folder / "04-同夹.yaml").symlink_to(folder / "_真实.yaml")  # inside the folder: allowed
    result = run_cli("build", folder, "--out", tmp_path / "out", "--no-cache")
    assert_clean_exit(result)
    assert "root:" not in result.stderr and "别人的项目" not in result.stderr
    lines = [line.replace(str(folder) + os.sep, "") for line in result.stderr.splitlines()]
    assert "02-passwd.yaml:1:1 [错误] SOURCE 是指向文档文件夹之外的链接，已拒绝读取（源文件必须放在文档文件夹中）" in lines
    assert "03-别人.yaml:1:1 [错误] SOURCE 是指向文档文件夹之外的链接，已拒绝读取（源文件必须放在文档文件夹中）" in lines
    assert not any(line.startswith("04-同夹.yaml") for line in lines)


def test_a_pipe_named_like_a_source_does_not_hang(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT})
    os.mkfifo(folder / "02-管道.yaml")
    started = time.monotonic()
    lines = errors_of(folder, tmp_path / "out")
    assert time.monotonic() - started < 10
    assert "02-管道.yaml:1:1 不是普通文件（可能是文件夹、管道或设备），已忽略其内容" in lines


def test_a_huge_sparse_source_is_refused_before_reading(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT})
    with open(folder / "02-巨大.yaml", "wb") as handle:
        handle.truncate(2 * 1024 ** 3)
    started = time.monotonic()
    result = run_cli("build", folder, "--out", tmp_path / "out")  # with the cache: the key is not read whole
    assert time.monotonic() - started < 20
    assert_clean_exit(result)
    assert "02-巨大.yaml:1:1 [错误] SOURCE 文件过大（2,147,483,648 字节，上限 2,097,152 字节）" in result.stderr.replace(
        str(folder) + os.sep, "")


def test_two_files_for_one_project_is_an_error_naming_both(tmp_path):
    toml = '"项目名称" = "另一个"\n'
    folder = write_document(tmp_path / "doc", {"01-p.yaml": PROJECT, "01-p.toml": toml, "01-p.yml": PROJECT})
    lines = errors_of(folder, tmp_path / "out")
    assert "01-p.yaml:1:1 “01-p.toml”和“01-p.yaml”是同一个项目的两个文件，请只保留一个" in lines
    assert "01-p.yml:1:1 “01-p.toml”和“01-p.yml”是同一个项目的两个文件，请只保留一个" in lines


def test_a_source_with_an_unexpected_suffix_is_warned_about(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-p.yaml": PROJECT, "02-q.YAML": PROJECT, "03-r.json": "{}"})
    result = run_cli("build", folder, "--out", tmp_path / "out")
    assert_clean_exit(result, 0)
    text = result.stderr.replace(str(folder) + os.sep, "")
    assert "02-q.YAML:1:1 [警告] SOURCE 扩展名“.YAML”不是源文件的扩展名，此文件未读取" in text
    assert "03-r.json:1:1 [警告] SOURCE 扩展名“.json”不是源文件的扩展名，此文件未读取" in text


def test_a_part_listed_twice_is_an_error_not_double_money(tmp_path):
    folder = tmp_path / "自评"
    shutil.copytree(EVALUATION_SOURCES, folder)
    parent = folder / "01-G60科创走廊建设.yaml"
    parent.write_text(parent.read_text(encoding="utf-8").replace("组成: [02-政策研究,", "组成: [02-政策研究, 02-政策研究,"),
                      encoding="utf-8")
    lines = errors_of(folder, tmp_path / "out")
    assert lines == ["01-G60科创走廊建设.yaml:5:5 组成: “02-政策研究”重复列出（每个组成部分只能列一次）"]


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize("document_text, toml", [
    ("年度: 1e999999999", False), ("年度: " + "9" * 5001, False),
    ('"年度" = 1e999999999', True), ('"年度" = ' + "9" * 5001, True),
])
def test_absurd_years_are_located_errors_quickly(tmp_path, document_text, toml):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT})
    if toml:
        (folder / "document.yaml").unlink()
        (folder / "document.toml").write_text(
            f'"文档类型" = "绩效目标申报"\n{document_text}\n"单位名称" = "测试单位"\n', encoding="utf-8")
    else:
        (folder / "document.yaml").write_text(DOCUMENT.replace("年度: 2025", document_text), encoding="utf-8")
    started = time.monotonic()
    result = run_cli("build", folder, "--out", tmp_path / "out")
    assert time.monotonic() - started < 20
    assert_clean_exit(result)
    first = result.stderr.splitlines()[0]
    assert ":2:" in first and ("年度" in first or "数字位数过多" in first), first


def test_toml_nan_money_is_a_located_error(tmp_path):
    folder = write_document(tmp_path / "doc", {})
    (folder / "01-测试.toml").write_text(
        '"项目名称" = "x"\n["项目资金"."项目资金总额"]\n"合计" = nan\n', encoding="utf-8")
    result = run_cli("build", folder, "--out", tmp_path / "out")
    assert_clean_exit(result)
    assert "01-测试.toml:3:1 [错误] SOURCE 项目资金.项目资金总额.合计: 金额“nan”无法识别" in result.stderr.replace(str(folder) + os.sep, "")


@pytest.mark.parametrize("written, printed", [
    ("≥99.995(%)", "≥99.995(%)"), ("≤0.001(万元)", "≤0.001(万元)"), ("≥90(%)", "≥90.00(%)"),
    ("=1,500(人)", "=1500.00(人)"), ("≥０.５(%)", "≥0.50(%)"),
])
def test_indicator_values_print_every_decimal_written(tmp_path, written, printed):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT.replace("≥90(%)", f'"{written}"')})
    results, failures = build([folder], tmp_path / "out", use_cache=False)
    assert not failures
    assert printed in docx_text(tmp_path / "out" / "doc.docx")


@pytest.mark.parametrize("written", ["≥1,5(%)", "=15,00(人)", "≥1,5000(%)"])
def test_misplaced_thousands_separators_in_indicators_are_errors(tmp_path, written):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT.replace("≥90(%)", f'"{written}"')})
    lines = errors_of(folder, tmp_path / "out")
    assert len(lines) == 1 and "千位分隔符位置不对" in lines[0]


@pytest.mark.parametrize("written", ['"1,5万"', '"25,0000.00"', '"2500,00"'])
def test_misplaced_thousands_separators_in_money_are_errors(tmp_path, written):
    project = PROJECT.replace("合计: 250000.00\n    财政资金", f"合计: {written}\n    财政资金")
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": project})
    lines = errors_of(folder, tmp_path / "out")
    assert any("千位分隔符位置不对" in line for line in lines), lines


def test_negative_zero_prints_as_zero(tmp_path):
    project = PROJECT.replace("其他资金: 0\n  年度", "其他资金: -0\n  年度").replace("上年结转资金: 0", "上年结转资金: -0.00")
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": project})
    results, failures = build([folder], tmp_path / "out", use_cache=False)
    assert not failures
    text = docx_text(tmp_path / "out" / "doc.docx")
    assert "-0.00" not in text and "| 0.00 |" in text


# ---------------------------------------------------------------- templates are bounded


def _template_with(folder: Path, text: str) -> None:
    edited = io.BytesIO()
    with zipfile.ZipFile(TEMPLATE) as source, zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace("财政支出项目绩效目标申报表".encode(), text.encode(), 1)
            target.writestr(info, data)
    (folder / "t.docx").write_bytes(edited.getvalue())
    (folder / "document.yaml").write_text(DOCUMENT + "模板: t.docx\n", encoding="utf-8")


@pytest.mark.parametrize("text, expected", [
    ("{{ 'x' * 1000000000 }}", "占用内存超过 256 MB 的上限"),
    ("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", "生成超过 3 秒仍未完成"),
])
def test_a_runaway_template_is_stopped_with_a_located_error(tmp_path, text, expected):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT})
    _template_with(folder, text)
    env = dict(os.environ, BUDGETDOC_RENDER_SECONDS="3", BUDGETDOC_RENDER_MEMORY_MB="256")
    started = time.monotonic()
    result = run_cli("build", folder, "--out", tmp_path / "out", env=env)
    assert time.monotonic() - started < 60
    assert_clean_exit(result)
    line = result.stderr.splitlines()[0].replace(str(folder) + os.sep, "")
    assert line.startswith("document.yaml:4:5 [错误] SOURCE 模板: t.docx：") and expected in line, line
    assert not (tmp_path / "out" / "doc.docx").exists()


def test_import_of_a_zip_bomb_is_refused_cheaply(tmp_path):
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        with package.open("word/document.xml", "w", force_zip64=True) as part:
            for _ in range(300):
                part.write(b" " * (1 << 20))
    assert bomb.stat().st_size < 2_000_000
    result = run_cli("import", bomb, "--out", tmp_path / "imported")
    assert_clean_exit(result)
    assert "解压后过大" in result.stderr
    result = run_cli("totext", bomb)
    assert_clean_exit(result)


# ---------------------------------------------------------------- where outputs go


def test_two_documents_with_one_name_write_nothing(tmp_path):
    write_document(tmp_path / "a" / "同名", {"01-测试.yaml": PROJECT})
    write_document(tmp_path / "b" / "同名", {"01-测试.yaml": PROJECT})
    result = run_cli("build", tmp_path / "a", tmp_path / "b", "--out", tmp_path / "out")
    assert_clean_exit(result)
    assert "两个文档文件夹同名" in result.stderr and "同名.docx" in result.stderr
    assert not list((tmp_path / "out").glob("*.docx"))


def test_build_dot_names_the_output_after_the_folder(tmp_path):
    folder = write_document(tmp_path / "我的文档", {"01-测试.yaml": PROJECT})
    result = run_cli("build", ".", "--out", tmp_path / "out", cwd=folder)
    assert_clean_exit(result, 0)
    assert [p.name for p in (tmp_path / "out").glob("*.docx")] == ["我的文档.docx"]


def test_out_whose_parent_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    result = run_cli("build", TARGET_SOURCES, "--out", tmp_path / "file" / "out")
    assert_clean_exit(result)
    assert result.stderr.strip().splitlines() == [
        f"无法创建输出文件夹 {tmp_path / 'file' / 'out'}：路径中有一部分不是文件夹（请用 --out 指定另一个文件夹）"]


def test_an_output_that_is_a_folder_fails_that_document_only(tmp_path):
    out = tmp_path / "out"
    (out / "2025-绩效目标申报.docx").mkdir(parents=True)
    result = run_cli("build", SOURCES, "--out", out)
    assert_clean_exit(result)
    assert "2025-绩效目标申报：无法写入" in result.stderr and "是文件夹" in result.stderr
    assert (out / "2023-绩效自评.docx").is_file()


@pytest.fixture
def small_disk(tmp_path):
    """A 200 KB tmpfs (root only; skipped where mounting is not allowed)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_one_line_per_document_and_keeps_old_output(small_disk):
    old = small_disk / "2025-绩效目标申报.docx"
    old.write_bytes(b"previous good output")
    (small_disk / "filler").write_bytes(b"x" * (190 * 1024 - old.stat().st_size))
    result = run_cli("build", SOURCES, "--out", small_disk)
    assert_clean_exit(result)
    assert "磁盘已满" in result.stderr
    assert old.read_bytes() == b"previous good output"
    assert not [p for p in small_disk.iterdir() if p.name.endswith(".tmp")]


def test_a_read_only_output_folder(small_disk):
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = run_cli("build", SOURCES, "--out", small_disk)
    assert_clean_exit(result)
    assert result.stderr.count("所在磁盘只读") == 2  # both documents reported; the batch went on


def test_closed_stderr_is_not_a_crash(tmp_path):
    result = subprocess.run(f'"{os.sys.executable}" -m builder build "{TARGET_SOURCES}" --out "{tmp_path}" 2>&-',
                            shell=True, cwd=ROOT, capture_output=False, stdout=subprocess.PIPE, timeout=120)
    assert result.returncode == 0
    assert (tmp_path / "2025-绩效目标申报.docx").is_file()


# ---------------------------------------------------------------- ten more things (issue 10, last part)


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999", "1e30"])
def test_an_unusable_source_date_epoch_is_a_usage_error(tmp_path, value):
    result = run_cli("build", TARGET_SOURCES, "--out", tmp_path, env=dict(os.environ, SOURCE_DATE_EPOCH=value))
    assert_clean_exit(result, 2)
    assert result.stderr.startswith(f"环境变量 SOURCE_DATE_EPOCH=“{value}”无效")
    assert not list(tmp_path.glob("*.docx"))


def test_file_names_that_would_break_a_line_or_are_not_utf8(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-a\nb.yaml": PROJECT.replace("项目名称", "项目明称")})
    os.close(os.open(os.path.join(os.fsencode(folder), b"02-\xff.yaml"), os.O_CREAT | os.O_WRONLY))
    result = run_cli("build", folder, "--out", tmp_path / "out")
    assert_clean_exit(result)
    lines = result.stderr.replace(str(folder) + os.sep, "").splitlines()
    assert "01-a\\nb.yaml:1:1 [错误] SOURCE 项目明称: 未知的键“项目明称”，是否应为“项目名称”？" in lines
    assert "02-\\xff.yaml:1:1 [错误] SOURCE 文件名含有无法识别的字符（不是 UTF-8 编码），请重命名此文件" in lines


def test_a_link_loop_and_a_dangling_link(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT})
    (folder / "02-loop.yaml").symlink_to("02-loop.yaml")
    (folder / "03-gone.yaml").symlink_to("nowhere.yaml")
    lines = errors_of(folder, tmp_path / "out")
    assert "02-loop.yaml:1:1 是指向不存在的文件的链接（或链接循环），无法读取" in lines
    assert "03-gone.yaml:1:1 是指向不存在的文件的链接（或链接循环），无法读取" in lines


def test_an_output_that_is_a_link_is_replaced_not_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    (out / "2025-绩效目标申报.docx").symlink_to(victim)
    os.mkfifo(out / "2023-绩效自评.docx")  # a pipe where an output should be: not read, replaced
    result = run_cli("build", SOURCES, "--out", out)
    assert_clean_exit(result, 0)
    assert victim.read_text() == "keep me"
    assert not (out / "2025-绩效目标申报.docx").is_symlink()
    assert zipfile.is_zipfile(out / "2023-绩效自评.docx")


def test_a_folder_named_like_a_source(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT})
    (folder / "02-文件夹.yaml").mkdir()
    lines = errors_of(folder, tmp_path / "out")
    assert "02-文件夹.yaml:1:1 不是普通文件（可能是文件夹、管道或设备），已忽略其内容" in lines


def test_a_document_folder_whose_name_is_not_utf8(tmp_path):
    folder = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"doc\xff")))
    write_document(folder, {"01-测试.yaml": PROJECT})
    result = run_cli("build", folder, "--out", tmp_path / "out")
    assert_clean_exit(result, 0)
    assert "doc\\xff.docx" in result.stdout
    assert os.listdir(os.fsencode(tmp_path / "out")) != []


def test_nonsense_render_limits_fall_back_to_the_defaults(tmp_path):
    env = dict(os.environ, BUDGETDOC_RENDER_SECONDS="abc", BUDGETDOC_RENDER_MEMORY_MB="-5")
    assert_clean_exit(run_cli("build", TARGET_SOURCES, "--out", tmp_path, env=env), 0)


def test_watch_rebuilds_after_the_folder_is_deleted_and_restored(tmp_path):
    from ptyrun import PtyProcess

    folder = tmp_path / "文档"
    shutil.copytree(TARGET_SOURCES, folder)
    out = tmp_path / "out"
    process = PtyProcess("build", folder, "--out", out, "--watch")
    try:
        process.expect("正在监视", timeout=120)
        shutil.move(folder, tmp_path / "备份")
        process.expect("重新生成失败", timeout=30)
        shutil.copytree(tmp_path / "备份", folder)
        time.sleep(2)
        project = folder / "01-宣传阵地建设.yaml"
        project.write_text(project.read_text(encoding="utf-8").replace("宣传阵地建设", "恢复后的修改", 1),
                           encoding="utf-8")
        deadline = time.monotonic() + 30
        while "恢复后的修改" not in docx_text(out / "文档.docx"):
            assert time.monotonic() < deadline, process.text
            process.expect("重新生成", timeout=30)
    finally:
        process.interrupt()
        process.wait(60)
    assert "内部错误" not in process.text


def test_reprinted_warnings_are_placed_from_the_folder_the_build_runs_in(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(SOURCES, repo / "sources")
    (repo / ".git").mkdir()  # the repository root, as budgetdoc finds it
    out = repo / "build"
    assert run_cli("build", "sources", "--out", out, cwd=repo).returncode == 0
    inside = repo / "sources" / "2025-绩效目标申报"
    again = run_cli("build", "--out", out, cwd=inside)
    assert "未改变" in again.stdout
    for line in again.stderr.splitlines():
        if "[警告]" in line:
            path = line.split(":", 1)[0]
            assert (inside / path).resolve().is_file(), line
