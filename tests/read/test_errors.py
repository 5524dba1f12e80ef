"""Bad input: one located Chinese line per problem, every problem at once, exit 1,
no traceback, and the previous output left as it was."""

from __future__ import annotations

import hashlib
import os

import pytest

from builder.output.build import prepare
from builder.read.errors import InputError
from conftest import run_cli
from helpers import PROJECT, write_document


def problems_of(folder) -> list[str]:
    """The printed problem lines, with the folder prefix removed."""
    with pytest.raises(InputError) as caught:
        prepare([folder])
    prefix = str(folder) + os.sep
    # warnings that follow from the same edit (e.g. a missing 产出指标) are test_checks' business
    return [p.format().replace(prefix, "") for p in caught.value.problems if p.severity == "错误"]


def one_problem(tmp_path, project_text: str) -> str:
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": project_text})
    lines = problems_of(folder)
    assert len(lines) == 1, lines
    return lines[0]


CASES = {
    "yaml syntax: unquoted >": (
        ("      单位满意度: ≥90(%)", "      单位满意度: >=90%"),
        "01-测试.yaml:35:15 YAML 语法错误：以“>”开头的值必须加引号，例如 \">=90%\"（或写成 ≥90%）",
    ),
    "yaml syntax: no space after colon": (
        ("项目类别: 其他运转类", "项目类别:其他运转类"),
        "01-测试.yaml:3:5 YAML 语法错误：键后的冒号后面要有一个空格（写成“键: 值”）",  # the line of the slip
    ),
    "yaml syntax: full-width colon": (
        ("项目类别: 其他运转类", "项目类别：其他运转类"),
        "01-测试.yaml:3:5 YAML 语法错误：键后用了中文冒号“：”，应为英文冒号加空格“: ”",
    ),
    "unknown key with suggestion": (
        ("项目名称: 测试项目", "项目明称: 测试项目"),
        "01-测试.yaml:1:1 项目明称: 未知的键“项目明称”，是否应为“项目名称”？",
    ),
    "missing required key": (
        ("主管部门: 测试主管部门\n", ""),
        "01-测试.yaml:1:1 主管部门: 缺少必填项“主管部门”",
    ),
    "wrong type": (
        ("项目类别: 其他运转类", "项目类别:\n  - 其他运转类"),
        "01-测试.yaml:4:3 项目类别: 应为文字，这里写的是列表",
    ),
    "bad money": (
        ("    财政资金: 250000.00", "    财政资金: 25w"),
        "01-测试.yaml:11:11 项目资金.项目资金总额.财政资金: 金额“25w”无法识别（应写成 250000、\"250,000.00\" 或 \"25万\"）",
    ),
    "money below the cent": (
        ("    财政资金: 250000.00", "    财政资金: 250000.001"),
        "01-测试.yaml:11:11 项目资金.项目资金总额.财政资金: 金额“250000.001”超出了分的精度（元以下最多两位小数）",
    ),
    "bad 指标值": (
        ("      平台运维数: ≥2(个)", "      平台运维数: ≥两个"),
        "01-测试.yaml:29:14 绩效指标.产出指标.数量指标.平台运维数: 指标值“≥两个”无法识别：比较符后应为数值（如 ≥90(%)、=16(人)），或去掉比较符写成文字",
    ),
    "unbalanced parenthesis in 指标值": (
        ("      平台运维数: ≥2(个)", "      平台运维数: ≥2(个"),
        "01-测试.yaml:29:14 绩效指标.产出指标.数量指标.平台运维数: 指标值“≥2(个”的括号不成对",
    ),
    "unknown 一级指标": (
        ("  产出指标:", "  产出指表:"),
        "01-测试.yaml:27:3 绩效指标.产出指表: 未知的一级指标“产出指表”，是否应为“产出指标”？（可用：成本指标、产出指标、效益指标、满意度指标）",
    ),
    "二级指标 under the wrong 一级": (
        ("    数量指标:", "    社会效益指标:"),
        "01-测试.yaml:28:5 绩效指标.产出指标.社会效益指标: “社会效益指标”属于“效益指标”，不是“产出指标”下的二级指标（可用：数量指标、质量指标、时效指标）",
    ),
    "unknown 二级指标": (
        ("    数量指标:", "    数量指数:"),
        "01-测试.yaml:28:5 绩效指标.产出指标.数量指数: 未知的二级指标“数量指数”，是否应为“数量指标”？（“产出指标”下可用：数量指标、质量指标、时效指标）",
    ),
    "duplicate key": (
        ("项目类别: 其他运转类", "项目类别: 其他运转类\n项目类别: 特定目标类"),
        "01-测试.yaml:4:1 项目类别: 键“项目类别”重复（第 3 行已出现），请删除其中一个",
    ),
    "bad date": (
        ("计划开始日期: 2025-01-01", "计划开始日期: 2025-02-30"),
        "01-测试.yaml:6:9 计划开始日期: 日期“2025-02-30”无法识别（应写成 2025-01-01）",
    ),
    "end before start": (
        ("计划完成日期: 2025-12-31", "计划完成日期: 2024-12-31"),
        "01-测试.yaml:7:9 计划完成日期: 计划完成日期 2024-12-31 早于计划开始日期 2025-01-01",
    ),
    "合计 disagrees (annual)": (
        ("    合计: 250000.00\n    当年财政拨款", "    合计: 24万\n    当年财政拨款"),
        "01-测试.yaml:14:9 项目资金.年度资金申请总额.合计: 年度资金申请总额 240,000.00 ≠ 当年财政拨款 250,000.00 + 上年结转资金 0.00 + 其他资金 0.00 = 250,000.00",
    ),
    "合计 disagrees (whole project)": (
        ("    合计: 250000.00\n    财政资金", "    合计: 260000.00\n    财政资金"),
        "01-测试.yaml:10:9 项目资金.项目资金总额.合计: 项目资金总额 260,000.00 ≠ 财政资金 250,000.00 + 其他资金 0.00 = 250,000.00",
    ),
    "control character": (
        ("项目名称: 测试项目", '项目名称: "测试\\x0b项目"'),
        "01-测试.yaml:1:7 项目名称: 含有 Word 文档不能保存的控制字符 U+000B，请删除",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_located_chinese_message(tmp_path, case):
    (old, new), expected = CASES[case]
    assert old in PROJECT
    assert one_problem(tmp_path, PROJECT.replace(old, new, 1)) == expected


def test_every_problem_of_every_file_at_once(tmp_path):
    broken_a = PROJECT.replace("项目名称: 测试项目", "项目明称: 测试项目").replace("    财政资金: 250000.00", "    财政资金: 25w")
    broken_b = PROJECT.replace("  产出指标:", "  产出指表:").replace("计划完成日期: 2025-12-31", "计划完成日期: 2024-12-31")
    broken_c = PROJECT.replace("      单位满意度: ≥90(%)", "      单位满意度: >=90%")
    broken_b = broken_b.replace("项目名称: 测试项目", "项目名称: 项目丙")
    folder = write_document(tmp_path / "doc", {"01-a.yaml": broken_a, "02-b.yaml": PROJECT, "03-c.yaml": broken_b,
                                               "04-d.yaml": broken_c})
    lines = problems_of(folder)
    assert [line.split(" ")[0] for line in lines] == [
        "01-a.yaml:1:1", "01-a.yaml:11:11", "03-c.yaml:7:9", "03-c.yaml:27:3", "04-d.yaml:35:15",
    ]
    assert all("Traceback" not in line for line in lines)


def test_toml_source_gets_the_same_messages(tmp_path):
    folder = write_document(tmp_path / "doc", {})
    (folder / "01-测试.toml").write_text(
        '"项目明称" = "测试"\n"项目性质" = "其他经常性项目"\n"项目类别" = "其他运转类"\n"主管部门" = "a"\n'
        '"实施单位" = "b"\n"计划开始日期" = 2025-01-01\n"计划完成日期" = 2025-12-31\n"项目总目标" = "目标"\n\n'
        '["项目资金"."项目资金总额"]\n"合计" = "25w"\n\n[\"项目资金\".\"年度资金申请总额\"]\n"合计" = 250000.00\n\n'
        '["情况说明"]\n"项目概述" = "a"\n"立项依据" = "b"\n"实施主体" = "c"\n"实施方案" = "d"\n"实施周期" = "e"\n'
        '"年度预算安排" = "f"\n\n[\"绩效指标\".\"产出指标\".\"数量指标\"]\n"平台运维数" = "≥2(个)"\n',
        encoding="utf-8",
    )
    assert problems_of(folder) == [
        "01-测试.toml:1:1 项目明称: 未知的键“项目明称”，是否应为“项目名称”？",
        "01-测试.toml:11:1 项目资金.项目资金总额.合计: 金额“25w”无法识别（应写成 250000、\"250,000.00\" 或 \"25万\"）",
    ]


def test_toml_syntax_error_is_located(tmp_path):
    folder = write_document(tmp_path / "doc", {})
    (folder / "01-测试.toml").write_text('"项目名称" = "a"\n"项目性质" = \n', encoding="utf-8")
    assert problems_of(folder) == ["01-测试.toml:2:10 TOML 语法错误：值无效：文字要加引号，例如 \"≥90(%)\""]


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cli_exit_1_and_previous_output_untouched(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT})
    out = tmp_path / "out"
    first = run_cli("build", folder, "--out", out)
    assert first.returncode == 0, first.stderr
    output = out / "doc.docx"
    before = _digest(output)
    (folder / "01-测试.yaml").write_text(PROJECT.replace("    财政资金: 250000.00", "    财政资金: 25w"), encoding="utf-8")
    second = run_cli("build", folder, "--out", out)
    assert second.returncode == 1
    assert "项目资金.项目资金总额.财政资金: 金额“25w”无法识别" in second.stderr
    assert "Traceback" not in second.stderr + second.stdout
    assert _digest(output) == before
    assert sorted(p.name for p in out.iterdir()) == [".budgetdoc-cache", "doc.docx"]  # no temporary file left


def test_cli_usage_error_exits_2(tmp_path):
    result = run_cli("build", "--no-such-option")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_cli_path_that_does_not_exist_is_a_usage_error(tmp_path):
    for command in ("build", "check"):
        result = run_cli(command, tmp_path / "missing")
        assert result.returncode == 2
        assert result.stderr.splitlines() == [f"路径不存在：{tmp_path / 'missing'}（相对路径从当前文件夹算起）"]


def test_cli_path_without_documents_is_an_input_error(tmp_path):
    result = run_cli("build", tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{tmp_path}:1:1 [错误] SOURCE 这里没有文档")


def test_internal_error_is_one_line_with_the_traceback_saved(tmp_path):
    folder = write_document(tmp_path / "doc", {"01-测试.yaml": PROJECT})
    env = dict(os.environ, BUDGETDOC_TEST_CRASH="1")
    result = run_cli("build", folder, "--out", tmp_path / "out", env=env)
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("budgetdoc 内部错误：")
    saved = lines[0].split("已保存到 ")[1].split("，")[0]
    assert "Traceback" in open(saved, encoding="utf-8").read()
