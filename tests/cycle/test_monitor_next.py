"""Issue 26, part 4: ``budgetdoc new 绩效自评 --from <a 绩效运行监控>`` starts the year-end 自评 with the
monitoring's figures and texts as the draft: 全年预计 → 全年执行数 and 实际完成值, listed under 待确认 and
reported by FILL-IN until each is confirmed (its line deleted)."""

from __future__ import annotations

import os

from builder.check.profile import review
from builder.load.loader import load_document
from builder.output.build import check
from conftest import run_cli
from helpers import MONITOR_PROJECT, rule_line, write_monitoring

OFF_TRACK = MONITOR_PROJECT.replace(
    "        全年预计: =12(场)\n        完成可能性: 确定能\n",
    "        全年预计: =8(场)\n        经费保障: 资金 8 月下达\n        完成可能性: 完全不可能\n        整改措施: 下半年加开\n")


def _new(tmp_path, project=MONITOR_PROJECT, other="文本"):
    """The 自评 drafted from a monitoring: on the bureau's form of tests/helpers.py (``other``), or on the
    shipped 绩效运行监控 form (``other=""``)."""
    source = write_monitoring(tmp_path / "2025-绩效运行监控", project, other=other)
    out = tmp_path / "2025-绩效自评"
    result = run_cli("new", "绩效自评", "--from", source, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


def test_the_evaluation_starts_from_the_monitorings_figures_and_texts(tmp_path):
    out = _new(tmp_path, OFF_TRACK)
    text = (out / "01-培训.yaml").read_text(encoding="utf-8")
    assert text.startswith("# 由 budgetdoc new 从 2025 年绩效运行监控（截至 2025-07-31）生成的 2025 年绩效自评草稿。\n")
    body = text.split("\n项目名称: ", 1)[1]
    assert "  年度资金总额: [120000.00, 120000.00, 120000.00]\n  当年财政拨款: [120000.00, 120000.00, 120000.00]\n" \
           "  上年结转资金: [null, null, null]\n" in body  # 年初 = 监控's 年初; 全年预算 drafted from it; 全年执行 = 全年预计
    assert "预期目标: |-\n  培训。\n实际完成情况: |-\n  已办培训 6 场。\n" in body
    assert ("      培训场次:\n        指标值: ≥12(场)\n        实际完成值: =8(场)\n        分值: 50\n"
            "        偏差原因分析及改进措施: 经费保障：资金 8 月下达；整改措施：下半年加开\n") in body
    assert "      带动消费:\n        指标值: ≥8000(元)\n        实际完成值: =0.8(万元)\n        分值: 15\n" in body
    assert "主管部门: 某区文化旅游局\n实施单位: 某区文化馆\n" in body
    assert body.endswith("待确认:\n"
                         "  - 项目资金.年度资金总额.全年预算数\n  - 项目资金.年度资金总额.全年执行数\n"
                         "  - 项目资金.当年财政拨款.全年预算数\n  - 项目资金.当年财政拨款.全年执行数\n"
                         "  - 实际完成情况\n"
                         "  - 绩效指标.产出指标.数量指标.培训场次.实际完成值\n"
                         "  - 绩效指标.效益指标.经济效益指标.带动消费.实际完成值\n"
                         "  - 绩效指标.效益指标.社会效益指标.参训人数.实际完成值\n"
                         "  - 绩效指标.满意度指标.服务对象满意度指标.满意度.实际完成值\n")


def test_every_draft_value_is_a_fill_in_finding_at_its_place_until_confirmed(tmp_path):
    out = _new(tmp_path)
    _, problems = check([out])
    lines = [rule_line(p).replace(str(out) + os.sep, "") for p in problems]
    tail = "（budgetdoc new 取来的草稿值，核对后从“待确认”中删去这一行）"
    assert lines == [
        f"01-培训.yaml:10:11 [警告] FILL-IN 待确认：年度资金总额的全年预算数 120,000.00{tail}",
        f"01-培训.yaml:10:11 [警告] FILL-IN 待确认：年度资金总额的全年执行数 120,000.00{tail}",
        f"01-培训.yaml:11:11 [警告] FILL-IN 待确认：当年财政拨款的全年预算数 120,000.00{tail}",
        f"01-培训.yaml:11:11 [警告] FILL-IN 待确认：当年财政拨款的全年执行数 120,000.00{tail}",
        f"01-培训.yaml:19:9 [警告] FILL-IN 待确认：实际完成情况 已办培训 6 场。{tail}",
        f"01-培训.yaml:27:16 [警告] FILL-IN 待确认：“培训场次”的实际完成值 =12(场){tail}",
        f"01-培训.yaml:33:16 [警告] FILL-IN 待确认：“带动消费”的实际完成值 =0.8(万元){tail}",
        f"01-培训.yaml:38:16 [警告] FILL-IN 待确认：“参训人数”的实际完成值 =100(人){tail}",
        f"01-培训.yaml:44:16 [警告] FILL-IN 待确认：“满意度”的实际完成值 =95(%){tail}",
    ]
    # confirmed: the 待确认 lines deleted — nothing left to report, the draft scores as written
    path = out / "01-培训.yaml"
    path.write_text(path.read_text(encoding="utf-8").split("待确认:\n")[0], encoding="utf-8")
    _, problems = check([out])
    assert [rule_line(p) for p in problems] == []
    built = run_cli("build", out, "--out", tmp_path / "out")
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "out" / "2025-绩效自评.docx").is_file()


def test_a_to_confirm_entry_that_names_nothing_is_reported(tmp_path):
    out = _new(tmp_path)
    path = out / "01-培训.yaml"
    text = path.read_text(encoding="utf-8").split("待确认:\n")[0] + "待确认:\n  - 项目资金.年度资金总额.全年执行\n"
    path.write_text(text, encoding="utf-8")
    document = load_document(out).document
    assert [p.message for p in review(document) if p.rule == "FILL-IN"] == [
        "待确认的“项目资金.年度资金总额.全年执行”不是本项目的字段、金额格或指标"]


def test_a_target_document_still_gives_the_evaluation_it_gave(tmp_path):
    """--from a 申报: newyear.new_evaluation as before (no 待确认, 实际完成值 blank to fill)."""
    from conftest import TARGET_SOURCES

    out = tmp_path / "自评"
    result = run_cli("new", "绩效自评", "--from", TARGET_SOURCES, "--out", out)
    assert result.returncode == 0, result.stderr
    text = next(out.glob("0*.yaml")).read_text(encoding="utf-8")
    assert "待确认" not in text and "实际完成值: null" in text


def test_from_a_monitoring_on_the_shipped_form(tmp_path):
    """The shipped 绩效运行监控 (money in 万元 on its form, written here in 元): the same drafts into the
    shipped 自评; every draft is a FILL-IN 待确认, the rest of the 自评 checks clean."""
    out = _new(tmp_path, OFF_TRACK, other="")
    body = (out / "01-培训.yaml").read_text(encoding="utf-8")
    assert "  年度资金总额: [120000.00, 120000.00, 120000.00]\n" in body
    assert "        实际完成值: =8(场)\n        分值: 50\n        偏差原因分析及改进措施: 经费保障：资金 8 月下达；整改措施：下半年加开\n" in body
    assert "  - 项目资金.年度资金总额.全年执行数\n" in body and "  - 绩效指标.产出指标.数量指标.培训场次.实际完成值\n" in body
    _, problems = check([out])
    assert {p.rule for p in problems} == {"FILL-IN"}, [rule_line(p) for p in problems]
    assert sum(p.message.startswith("待确认：") for p in problems) == body.count("\n  - ")
