"""budgetdoc serve in a real browser: Debian's chromium driven by selenium.

The server runs as a user starts it (``python -m builder serve``) on a copy of the
shipped sources; the tests load its pages, measure the merged cells as the browser lays
them out, read a finding beside its cell, save source files and watch the open page
change. Screenshots go to a temporary folder (``BUDGETDOC_SCREENSHOTS`` names another).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.conftest import SOURCES, TARGET_SOURCES

pytest.importorskip("starlette")
selenium = pytest.importorskip("selenium")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="chromium and chromedriver are not installed "
                                       "(apt-get install chromium chromium-driver; .ci/run does)")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

from tests.servehelp import Server  # noqa: E402

TARGET_ID = TARGET_SOURCES.name
WAIT = 10.0  # the longest a test waits for the page to follow a save


@pytest.fixture(scope="module")
def shots():
    folder = Path(os.environ.get("BUDGETDOC_SCREENSHOTS") or tempfile.mkdtemp(prefix="budgetdoc-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="budgetdoc-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", f"--user-data-dir={profile}", "--window-size=1100,1400",
                 "--lang=zh-CN"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "sources"
    shutil.copytree(SOURCES, root)
    server = Server(root)
    yield server, root
    assert server.stop() == 0
    assert "Traceback" not in server.stderr()
    server.close()


def _doc_url(server) -> str:
    return server.url + "doc/" + urllib.parse.quote(TARGET_ID, safe="")


def _wait_for(predicate, timeout: float = WAIT, step: float = 0.05):
    """``predicate()`` once it is true; an element the page swapped out while it was being read
    (the preview replaces its content in place) counts as "not yet"."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    def attempt():
        try:
            return predicate()
        except (StaleElementReferenceException, NoSuchElementException):
            return None

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = attempt()
        if value:
            return value
        time.sleep(step)
    return predicate()


def _live(driver) -> bool:
    """The page's event stream is open (the script says so in the bar)."""
    return "已连接" in driver.find_element(By.ID, "live-state").text


def _form(driver, project: str):
    return driver.find_element(By.CSS_SELECTOR, f'table[data-project="{project}"]')


def _cell(table, text: str):
    for td in table.find_elements(By.TAG_NAME, "td"):
        if td.get_attribute("textContent").strip() == text:
            return td
    raise AssertionError(text)


def _save(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_index_lists_the_documents_with_their_status(served, browser, shots):
    server, _ = served
    browser.get(server.url)
    rows = browser.find_elements(By.CSS_SELECTOR, "table.documents tr")[1:]
    statuses = {r.find_element(By.TAG_NAME, "a").text: r.find_element(By.CSS_SELECTOR, "td.status").text
                for r in rows}
    assert statuses == {"2023-绩效自评": "14 个警告", "2025-绩效目标申报": "8 个警告"}
    browser.save_screenshot(str(shots / "01-index.png"))
    rows[1].find_element(By.TAG_NAME, "a").click()
    assert _wait_for(lambda: "绩效目标申报" in browser.title)


def test_merged_cells_as_the_browser_lays_them_out(served, browser, shots):
    server, _ = served
    browser.get(_doc_url(server))
    table = _form(browser, "宣传阵地建设")
    output = _cell(table, "产出指标")
    assert output.get_attribute("rowspan") == "4"
    assert _cell(table, "数量指标").get_attribute("rowspan") == "2"
    assert _cell(table, "绩效指标").get_attribute("rowspan") == "8"
    assert _cell(table, "项目资金（元）").get_attribute("rowspan") == "4"
    # the 产出指标 cell covers exactly the rows of its four indicators
    names = ["线上宣传推广长三角 G60 科创走廊数量", "平台运维数", "宣传内容与主题匹配", "宣传及时性"]
    first, last = _cell(table, names[0]), _cell(table, names[-1])
    top, bottom = output.rect["y"], output.rect["y"] + output.rect["height"]
    assert abs(top - first.rect["y"]) <= 1
    assert abs(bottom - (last.rect["y"] + last.rect["height"])) <= 1
    # the fonts are asked for by the form's names
    family = browser.execute_script("return getComputedStyle(arguments[0]).fontFamily", output)
    assert family.startswith('"宋体"') or family.startswith("宋体")
    body = browser.find_element(By.ID, "summary")
    assert "仿宋_GB2312" in browser.execute_script("return getComputedStyle(arguments[0]).fontFamily", body)
    assert "850.00 万元" in body.text
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.ID, "form-1"))
    browser.save_screenshot(str(shots / "02-form-1.png"))


def test_evaluation_form(served, browser, shots):
    server, _ = served
    browser.get(server.url + "doc/" + urllib.parse.quote("2023-绩效自评", safe=""))
    table = _form(browser, "G60科创走廊建设")
    assert _cell(table, "项目资金（元）").get_attribute("rowspan") == "5"
    assert _cell(table, "年度总体目标").get_attribute("rowspan") == "2"
    total = _cell(table, "总分")
    assert total.get_attribute("colspan") == "8"
    score = total.find_element(By.XPATH, "following-sibling::td[2]")
    assert score.text == "100.00" or score.text.replace(".", "").isdigit()
    flagged = table.find_elements(By.CSS_SELECTOR, "tr.notes-row .note.warning")
    assert any("DEVIATION-MISSING" in n.text for n in flagged)
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.ID, "form-2"))
    browser.save_screenshot(str(shots / "07-evaluation.png"))


def test_a_finding_beside_its_cell_linked_to_its_line(served, browser, shots):
    server, root = served
    browser.get(_doc_url(server))
    table = _form(browser, "派驻干部费用")
    cell = _cell(table, "补贴标准")
    assert "flag-warning" in cell.get_attribute("class")
    # the finding in the strip right under the indicator's row, as wide as the row's own cells
    strip = cell.find_element(By.XPATH, "../following-sibling::tr[1]")
    assert strip.get_attribute("class") == "notes-row"
    note = strip.find_element(By.CSS_SELECTOR, ".note.warning")
    assert abs(note.rect["y"] - (cell.rect["y"] + cell.rect["height"])) < 8
    assert "IND-COST-UNIT" in note.text and "人/月" in note.text
    link = note.find_element(By.CSS_SELECTOR, "a.src")
    assert link.text.endswith("03-派驻干部费用.yaml:41")
    expected = (root / TARGET_ID / "03-派驻干部费用.yaml").absolute().as_posix()
    assert urllib.parse.unquote(link.get_attribute("href")) == f"vscode://file{expected}:41:7"
    color = browser.execute_script("return getComputedStyle(arguments[0]).color", note)
    assert color == "rgb(138, 90, 0)"  # warnings in amber; errors are red (below)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
    browser.save_screenshot(str(shots / "03-warning-beside-cell.png"))
    # the plain file:line link opens the source at that line
    note.find_element(By.CSS_SELECTOR, "a.view").click()
    assert _wait_for(lambda: "/source/" in browser.current_url)
    line = browser.find_element(By.ID, "L41")
    assert "补贴标准" in line.text
    assert browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", line) != "rgba(0, 0, 0, 0)"


def test_saving_updates_the_open_page(served, browser, shots):
    server, root = served
    browser.get(_doc_url(server))
    assert _wait_for(lambda: _live(browser)), browser.find_element(By.ID, "live-state").text
    browser.execute_script("window.scrollTo(0, 0); window.__same_page = true;")
    version = browser.find_element(By.TAG_NAME, "body").get_attribute("data-version")
    source = root / TARGET_ID / "01-宣传阵地建设.yaml"
    saved = time.monotonic()
    _save(source, "影像库维护费: ≤6.00(万元)", "影像库维护费: ≤7.00(万元)")
    assert _wait_for(lambda: "≤7.00(万元)" in _form(browser, "宣传阵地建设").text), server.stderr()
    latency = time.monotonic() - saved
    print(f"page followed the save in {latency:.2f} s")
    assert latency < 1.5, latency  # 1 s asked; some room for a loaded CI machine
    assert browser.execute_script("return window.__same_page === true")  # swapped in place, not reloaded
    assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-version") != version
    # the summary follows a changed figure too
    _save(source, "250000.00", "260000.00")  # 合计, 财政资金, 当年财政拨款 alike
    assert _wait_for(lambda: "851.00 万元" in browser.find_element(By.ID, "summary").text), server.stderr()
    browser.save_screenshot(str(shots / "04-after-save.png"))


def test_invalid_save_shows_errors_and_keeps_the_last_good_preview(served, browser, shots):
    server, root = served
    browser.get(_doc_url(server))
    assert _wait_for(lambda: _live(browser))
    source = root / TARGET_ID / "04-重大活动经费.yaml"
    good = source.read_text(encoding="utf-8")
    _save(source, "计划完成日期: 2025-12-31", "计划完成日期: 2024-12-31")
    banner = _wait_for(lambda: browser.find_elements(By.ID, "banner"))
    assert banner, server.stderr()
    assert "1 个错误" in banner[0].text and "预览保持" in banner[0].text
    table = _form(browser, "重大活动经费")  # the last good form is still there …
    flagged = table.find_element(By.CSS_SELECTOR, "td.flag-error")  # … with the error beside the cell
    assert flagged.get_attribute("textContent").startswith("2025-12-31")
    note = flagged.find_element(By.CSS_SELECTOR, ".note.error")
    assert "DATE-ORDER" in note.text and "04-重大活动经费.yaml:7" in note.text
    assert browser.execute_script("return getComputedStyle(arguments[0]).color", note) == "rgb(179, 38, 30)"
    top = browser.find_element(By.CSS_SELECTOR, "#findings li")  # errors lead the list
    assert "finding error" in top.get_attribute("class") and "04-重大活动经费.yaml:7" in top.text
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(shots / "05-error-banner.png"))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", flagged)
    browser.save_screenshot(str(shots / "06-error-beside-cell.png"))
    # a save that breaks the YAML itself: still the last good forms, the error at the top
    source.write_text(good.replace("项目名称:", "项目名称: [", 1), encoding="utf-8")
    assert _wait_for(lambda: "YAML 语法错误" in browser.find_element(By.ID, "findings").text), server.stderr()
    assert "04-重大活动经费.yaml:1" in browser.find_element(By.ID, "findings").text  # the line of the slip
    assert _form(browser, "重大活动经费")
    # fixed: the banner goes, the page is current again
    source.write_text(good, encoding="utf-8")
    assert _wait_for(lambda: not browser.find_elements(By.ID, "banner")), server.stderr()
    assert not browser.find_elements(By.CSS_SELECTOR, "td.flag-error")
