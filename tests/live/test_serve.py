"""budgetdoc serve and build --format html without a browser: the HTML itself, the
preview's state on invalid saves, what the server refuses, and how it stops."""

from __future__ import annotations

import shutil
import signal
import socket
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from lxml import html as lhtml

from builder.output.html import document_html
from builder.load.loader import load_document
from builder.render.context import merge_spans
from tests.conftest import EVALUATION_SOURCES, SOURCES, TARGET_SOURCES, run_cli
from tests.helpers import PROJECT, write_document

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from builder.live.preview import Preview

from builder.live.serve import host_name  # noqa: E402
from tests.servehelp import Server  # noqa: E402

TARGET_ID = TARGET_SOURCES.name
DOC_PATH = "/doc/" + urllib.parse.quote(TARGET_ID, safe="")


def _table(page: str, project: str):
    """The project's tables of the page (the .docx's tables holding its values), as one element."""
    tree = lhtml.fromstring(page)
    tables = tree.xpath(f'//table[@data-project="{project}"]')  # a page with findings (traced)
    if not tables:  # the publishable page: the tables of the sheet printing the project's name
        tables = [t for s in tree.xpath("//section") if any(_words(td).startswith(project) for td in s.iter("td"))
                  for t in s.xpath(".//table")]
    assert tables, f"no form for {project}"
    holder = lhtml.Element("div")
    holder.extend(tables)
    return holder


def _words(td) -> str:
    """A cell's own words (its paragraphs, without the findings placed in it)."""
    return "".join(p.text_content() for p in td.xpath("./p")).strip()


def _cell(table, text: str):
    cells = [td for td in table.iter("td") if _words(td) == text]
    assert cells, text
    return cells[0]


def _grid(table) -> int:
    return len(table.xpath("./colgroup/col"))


def _assert_full_grid(table, columns: int) -> None:
    """Every row fills the grid once the row spans from above are counted, and no span
    reaches past the table."""
    rows = table.xpath("./tr")
    carried = [0] * (len(rows) + 100)
    for index, row in enumerate(rows):
        width = carried[index]
        for td in row.xpath("./td"):
            span, down = int(td.get("colspan", 1)), int(td.get("rowspan", 1))
            assert index + down <= len(rows), (index, td.text_content())
            width += span
            for below in range(index + 1, index + down):
                carried[below] += span
        assert width == columns, (table.get("data-project"), index, row.text_content()[:80])


# ---------------------------------------------------------------- the HTML

def test_merge_spans_are_the_word_merges_as_row_counts():
    keys = ["a", "a", "b", "c", "c", "c", "a"]
    assert merge_spans(keys) == [2, 0, 1, 3, 0, 0, 1]
    assert merge_spans([("产出", "数量"), ("效益", "数量")]) == [1, 1]  # a 二级 label under another 一级
    assert merge_spans([]) == []


def test_build_html_is_self_contained_and_reproducible(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        result = run_cli("build", SOURCES, "--out", out, "--format", "html", "--no-cache")
        assert result.returncode == 0, result.stderr
    for name in (TARGET_SOURCES.name, EVALUATION_SOURCES.name):
        page = (first / f"{name}.html").read_bytes()
        assert page == (second / f"{name}.html").read_bytes()
        text = page.decode("utf-8")
        assert "<script" not in text and "http://" not in text and "https://" not in text and " src=" not in text
        assert "<style>" in text and "仿宋_GB2312" in text and "方正小标宋简体" in text and "宋体" in text
        assert "vscode://" not in text and "检查发现" not in text  # findings belong to the preview, not to 预算公开
    assert not (first / f"{TARGET_SOURCES.name}.docx").exists()  # only the formats asked for


def test_target_form_spans_follow_the_sources(tmp_path):
    result = run_cli("build", TARGET_SOURCES, "--out", tmp_path, "--format", "html", "--no-cache")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / f"{TARGET_ID}.html").read_text(encoding="utf-8")
    tree = lhtml.fromstring(page)
    assert "涉及项目预算资金 850.00 万元" in tree.text_content()
    assert len(tree.xpath('//section[contains(@class, "sheet")]')) == 1 + 2 * 10  # page starts of the .docx
    table = _table(page, "宣传阵地建设")
    assert _cell(table, "产出指标").get("rowspan") == "4"  # 数量 ×2, 质量, 时效
    assert _cell(table, "数量指标").get("rowspan") == "2"
    assert _cell(table, "质量指标").get("rowspan") is None
    assert _cell(table, "成本指标").get("rowspan") is None
    assert _cell(table, "绩效指标").get("rowspan") == "8"  # header + 7 indicators
    assert _cell(table, "项目资金（元）").get("rowspan") == "4"
    assert _cell(table, "其中：财政资金").get("rowspan") == "2"
    assert _cell(table, "项目绩效目标").get("rowspan") == "2"
    for form in tree.xpath("//table"):
        _assert_full_grid(form, _grid(form))
    multi = _table(page, "松江区长三角 G60 科创云平台信息化建设项目")
    assert _cell(multi, "项目总目标（2024 年 -2025 年）") is not None


def test_evaluation_form_spans_and_scores(tmp_path):
    document = load_document(EVALUATION_SOURCES).document
    page = document_html(document)
    table = _table(page, "G60科创走廊建设")
    assert _cell(table, "项目资金（元）").get("rowspan") == "5"
    assert _cell(table, "年度总体目标").get("rowspan") == "2"
    rows = table.xpath("./table/tr")
    assert _words(rows[-1].xpath("./td")[0]) == "总分" and rows[-1].xpath("./td")[0].get("colspan") == "6"  # as the .docx spans it
    part = _table(page, "政策研究")
    assert "政策研究(二级构成)" in part.text_content()


def test_source_text_is_escaped(tmp_path):
    hostile = PROJECT.replace("项目名称: 测试项目", '项目名称: "<script>alert(1)</script>&amp;"').replace(
        "概述。", "<img src=x onerror=alert(2)>")
    folder = write_document(tmp_path / "文档", {"01-a.yaml": hostile})
    document = load_document(folder).document
    page = document_html(document)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


# ---------------------------------------------------------------- the preview's state

def test_every_finding_of_check_is_shown_beside_a_cell():
    preview = Preview([SOURCES])
    preview.refresh()
    for state in preview.docs.values():
        tree = lhtml.fromstring(state.html)
        notes = tree.xpath('//div[contains(concat(" ", @class, " "), " note ")]')
        assert len(notes) == len(state.problems) > 0
        assert all("warning" in n.get("class") for n in notes)
        for form in tree.xpath("//table"):  # the findings in their cells keep the merges whole
            _assert_full_grid(form, _grid(form))
        for note in notes:  # each beside a cell printing its field (or the paragraph of its section)
            holder = note.getparent()
            if holder.tag == "div":
                holder = holder.getprevious()
            number = int(note.get("id").removeprefix("note-"))
            problem = state.problems[number - 1]
            field = holder.get("data-field") or ""
            first = problem.field.split(".")[0]
            assert field.split(".")[0] == first, (problem.field, field)
    page = preview.page(TARGET_ID)
    table = _table(page, "派驻干部费用")
    name = _cell(table, "补贴标准")
    assert "flag-warning" in name.get("class")
    note = name.xpath('.//div[contains(concat(" ", @class, " "), " note ")]')[0]
    assert "IND-COST-UNIT" in note.text_content()
    links = note.xpath(".//a")
    assert links[0].get("href").startswith("vscode://file/") and links[0].get("href").endswith(":41:7")
    assert links[0].text.endswith("03-派驻干部费用.yaml:41")
    assert links[1].get("href").endswith("/03-%E6%B4%BE%E9%A9%BB%E5%B9%B2%E9%83%A8%E8%B4%B9%E7%94%A8.yaml#L41")


def test_invalid_save_keeps_the_last_good_preview(tmp_path):
    folder = shutil.copytree(TARGET_SOURCES, tmp_path / TARGET_ID)
    preview = Preview([tmp_path])
    preview.refresh()
    good = preview.page(TARGET_ID)
    assert 'id="banner"' not in good and "宣传阵地建设" in good
    source = folder / "01-宣传阵地建设.yaml"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("项目名称: 宣传阵地建设", "项目名称: 新名字").replace(
        "计划完成日期: 2025-12-31", "计划完成日期: 2024-12-31"), encoding="utf-8")
    assert preview.refresh([source]) == [TARGET_ID]
    page = preview.page(TARGET_ID)
    tree = lhtml.fromstring(page)
    assert "预览保持" in tree.get_element_by_id("banner").text_content()
    assert not tree.xpath('//table[@data-project="新名字"]')  # the last good forms …
    table = _table(page, "宣传阵地建设")
    end = table.xpath('.//td[contains(@class, "flag-error")]')[0]  # … with the error beside its cell
    assert "2025-12-31" in _words(end) and "DATE-ORDER" in end.text_content()
    assert "01-宣传阵地建设.yaml:7" in end.text_content()
    source.write_text(text.replace("项目名称: 宣传阵地建设", "项目名称: 新名字"), encoding="utf-8")
    preview.refresh([source])
    page = preview.page(TARGET_ID)
    assert 'id="banner"' not in page and "新名字" in page
    assert "1 个错误" not in preview.index_page()


def test_first_load_with_errors_shows_a_draft_and_the_index_counts(tmp_path):
    broken = PROJECT.replace("计划完成日期: 2025-12-31", "计划完成日期: 2024-12-31")
    write_document(tmp_path / "甲", {"01-a.yaml": broken})
    write_document(tmp_path / "乙", {"01-a.yaml": "项目名称: [\n"})
    preview = Preview([tmp_path])
    preview.refresh()
    assert "草稿" in preview.page("甲") and "测试项目" in preview.page("甲")
    assert "无法读入" in preview.page("乙") or "草稿" in preview.page("乙")
    index = lhtml.fromstring(preview.index_page())
    statuses = [td.text_content() for td in index.xpath('//td[contains(@class, "status")]')]
    assert statuses[0].startswith("1 个错误") and "个错误" in statuses[1]


def test_host_header_names():
    assert host_name("127.0.0.1:8000") == "127.0.0.1"
    assert host_name("[::1]:8000") == "::1"
    assert host_name("LOCALHOST") == "localhost"
    assert host_name("evil.example:80") == "evil.example"


# ---------------------------------------------------------------- the server

@pytest.fixture
def served(tmp_path):
    shutil.copytree(SOURCES, tmp_path / "sources")
    server = Server(tmp_path / "sources")
    yield server, tmp_path / "sources"
    server.close()


def test_server_pages_and_refusals(served, tmp_path):
    server, root = served
    outside = tmp_path / "secret.yaml"
    outside.write_text("密码: 123\n", encoding="utf-8")
    (root / TARGET_ID / "99-link.yaml").symlink_to(outside)
    status, index, headers = server.get("/")
    assert status == 200 and TARGET_ID in index and "个警告" in index
    assert "default-src 'none'" in headers["content-security-policy"]
    status, page, _ = server.get(DOC_PATH)
    assert status == 200 and "宣传阵地建设" in page
    name = urllib.parse.quote("01-宣传阵地建设.yaml")
    status, source, _ = server.get(f"{DOC_PATH}/../../source/{urllib.parse.quote(TARGET_ID)}/{name}")
    assert status == 404
    status, source, _ = server.get(f"/source/{urllib.parse.quote(TARGET_ID)}/{name}")
    assert status == 200 and 'id="L1"' in source and "宣传阵地建设" in source
    for path in ("/doc/..%2F..%2Fetc%2Fpasswd", "/doc/%2Fetc%2Fpasswd", "/doc/nothing",
                 f"/source/{urllib.parse.quote(TARGET_ID)}/..%2F..%2Fsecret.yaml",
                 f"/source/{urllib.parse.quote(TARGET_ID)}/99-link.yaml",  # a link out of the folder
                 f"/source/{urllib.parse.quote(TARGET_ID)}/%2Fetc%2Fpasswd",
                 "/sources/2025-绩效目标申报/document.yaml", "/builder/live/serve.py", "/_budgetdoc/style.css",
                 "/_budgetdoc/../serve.py", "/etc/passwd"):
        status, body, _ = server.get(urllib.parse.quote(path, safe="/%"))
        assert status == 404, path
        assert "123" not in body and "root:" not in body
    status, body, _ = server.get("/", headers={"Host": "attacker.example"})
    assert status == 400
    status, script, headers = server.get("/_budgetdoc/live.js")
    assert status == 200 and "EventSource" in script and headers["content-type"].startswith("text/javascript")


def test_sigterm_stops_promptly_with_a_stream_open(served):
    server, _ = served
    stream = urllib.request.urlopen(server.url + "events", timeout=10)
    assert stream.readline().startswith(b"retry:")
    started = time.monotonic()
    code = server.stop(signal.SIGTERM)
    elapsed = time.monotonic() - started
    assert code == 0 and elapsed < 5, elapsed
    assert stream.read() is not None  # the stream was ended, not left hanging
    stderr = server.stderr()
    assert "Traceback" not in stderr and "预览服务已停止" in stderr


def test_ctrl_c_stops_cleanly(served):
    server, _ = served
    assert server.stop(signal.SIGINT) == 0
    assert "Traceback" not in server.stderr()


def test_other_address_only_when_asked_with_a_warning(tmp_path):
    shutil.copytree(TARGET_SOURCES, tmp_path / TARGET_ID)
    server = Server(tmp_path / TARGET_ID)
    try:
        assert server.url.startswith("http://127.0.0.1:")
        assert "警告" not in server.stderr()
    finally:
        server.close()
    server = Server(tmp_path / TARGET_ID, "--host", "0.0.0.0")
    try:
        deadline = time.monotonic() + 5
        while "警告" not in server.stderr() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "对外开放" in server.stderr()
    finally:
        server.close()


def test_port_in_use_is_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("serve", TARGET_SOURCES, "--port", port)
    assert result.returncode == 2
    assert "无法在 127.0.0.1" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_saving_updates_the_event_stream(served):
    """The watcher of build --watch drives the events: a save is announced within a second."""
    server, root = served
    stream = urllib.request.urlopen(server.url + "events", timeout=10)
    assert stream.readline().startswith(b"retry:")
    for _ in range(3):
        stream.readline()
    events: list[tuple[float, str]] = []

    def read():
        try:
            for line in stream:
                if line.startswith(b"data:") and b"changed" in line:
                    events.append((time.monotonic(), line.decode("utf-8")))
                    return
        except OSError:
            return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(0.3)  # the watch is armed
    source = root / TARGET_ID / "02-G60日常办公经费.yaml"
    saved = time.monotonic()
    source.write_text(source.read_text(encoding="utf-8").replace("项目名称: G60 日常办公经费", "项目名称: G60 日常办公经费（改）"),
                      encoding="utf-8")
    reader.join(10)
    assert events, server.stderr()
    assert TARGET_ID in events[0][1]
    assert events[0][0] - saved < 1.0, events[0][0] - saved
    status, page, _ = server.get(DOC_PATH)
    assert "G60 日常办公经费（改）" in page


def test_a_finding_of_document_yaml_is_shown_under_the_summary(tmp_path):
    document = "文档类型: 绩效目标申报\n年度: 2025\n单位名称: 测试单位\n项目数: 3\n"
    write_document(tmp_path / "甲", {"01-a.yaml": PROJECT}, document=document)
    preview = Preview([tmp_path])
    preview.refresh()
    tree = lhtml.fromstring(preview.page("甲"))
    summary = tree.xpath('//p[contains(., "编报绩效目标的项目")]')[0]  # beside the paragraph printing 项目数
    note = summary.getnext().xpath('.//div[contains(concat(" ", @class, " "), " note ")]')[0]
    assert "DOC-SUMMARY" in note.text_content() and "document.yaml:4" in note.text_content()
    assert "error" in note.get("class")
    top = tree.xpath('//li[contains(@class, "finding")]')[0]
    assert top.xpath('.//a[@class="goto"]')[0].get("href") == f"#{note.get('id')}"


def test_a_signal_right_after_the_address_is_printed_is_a_clean_stop():
    """Ctrl+C or SIGTERM while the server is still starting its event loop: exit 0, no noise."""
    for number in range(6):
        server = Server(TARGET_SOURCES)
        try:
            time.sleep(0.01 * number)
            assert server.stop(signal.SIGINT if number % 2 else signal.SIGTERM) == 0
            stderr = server.stderr()
            assert "Traceback" not in stderr and "Exception" not in stderr, stderr
        finally:
            server.close()


# ---------------------------------------------------------------- limits and odd names (issue 21)

def _wait_for(predicate, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_event_streams_are_capped(served):
    from builder.live.serve import MAX_STREAMS

    server, _ = served
    streams = [urllib.request.urlopen(server.url + "events", timeout=10) for _ in range(MAX_STREAMS)]
    for stream in streams:
        assert stream.readline().startswith(b"retry:")
    status, body, headers = server.get("/events")
    assert status == 503 and "过多" in body and headers.get("retry-after")
    status, _, _ = server.get("/")
    assert status == 200  # the pages themselves are still served
    streams.pop().close()
    assert _wait_for(lambda: urllib.request.urlopen(server.url + "events", timeout=10).readline().startswith(b"retry:"))
    for stream in streams:
        stream.close()
    assert "Traceback" not in server.stderr()


def test_a_bad_save_says_not_updated_with_its_errors(served):
    server, root = served
    source = root / TARGET_ID / "02-G60日常办公经费.yaml"
    time.sleep(0.3)  # the watch is armed
    source.write_text(source.read_text(encoding="utf-8") + "坏键: [\n", encoding="utf-8")
    assert _wait_for(lambda: "未更新（有错误）" in server.stderr()), server.stderr()
    assert _wait_for(lambda: "02-G60日常办公经费.yaml:" in server.stderr().split("未更新（有错误）", 1)[1])
    after = server.stderr().split("未更新（有错误）", 1)[1]
    assert "[错误]" in after and "已更新预览" not in after


def test_a_file_name_that_is_not_utf8_is_shown_escaped(tmp_path):
    import os

    folder = tmp_path / "sources" / TARGET_ID
    shutil.copytree(TARGET_SOURCES, folder)
    os.rename(folder / "01-宣传阵地建设.yaml", os.fsencode(folder) + b"/01-\xb2\xe2\xca\xd4.yaml")  # GBK 测试
    os.mkdir(os.fsencode(tmp_path / "sources") + b"/\xd6\xd0")  # a folder the native watcher cannot name
    server = Server(tmp_path / "sources")
    try:
        status, index, _ = server.get("/")
        assert status == 200
        status, page, _ = server.get(DOC_PATH)
        assert status == 200 and "01-\\xb2\\xe2\\xca\\xd4.yaml" in page
        time.sleep(0.6)
        source = folder / "02-G60日常办公经费.yaml"
        source.write_text(source.read_text(encoding="utf-8").replace("项目名称: G60 日常办公经费", "项目名称: G60 改名"),
                          encoding="utf-8")
        assert _wait_for(lambda: "G60 改名" in server.get(DOC_PATH)[1]), server.stderr()  # still watching
        assert server.process.poll() is None
        assert "Traceback" not in server.stderr() and "内部错误" not in server.stderr()
    finally:
        server.close()
