"""The yearly cycle and import through the CLI: 申报 → 自评 skeleton, 申报 → next year's draft,
built .docx → sources → the same document."""

from __future__ import annotations

from decimal import Decimal

from builder.output.build import check
from builder.read.docxtext import to_text
from builder.load.loader import load_document
from conftest import SOURCES, TARGET_SOURCES, run_cli


def test_new_evaluation_from_the_2025_submission(tmp_path):
    out = tmp_path / "2025-绩效自评"
    result = run_cli("new", "绩效自评", "--from", TARGET_SOURCES, "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"2025 年绩效自评草稿已写入 {out}：请填写每个文件开头注释所列的“待填写”各项（budgetdoc check {out} 以 FILL-IN "
        "逐条列出尚未填写的）；未填写的格在生成的文档中为空白。")  # both true: see FILL-IN and the build below
    evaluation = load_document(out).document
    target = load_document(TARGET_SOURCES).document
    assert evaluation.kind == "绩效自评" and evaluation.year == 2025
    assert [p.name for p in evaluation.projects] == [p.name for p in target.projects]
    for before, after in zip(target.projects, evaluation.projects):
        assert [(i.level1, i.level2, i.name, i.target.text) for i in after.indicators] == \
               [(i.level1, i.level2, i.name, i.target.text) for i in before.indicators]
        assert after.get("项目资金.年度资金总额.年初预算数") == before.role("年度金额")
        assert after.get("项目资金.年度资金总额.全年预算数") is None
        assert after.get("预算执行分值") + sum(i.weight for i in after.indicators) == 100
        assert all(i.actual is None for i in after.indicators)
    assert sum(len(p.indicators) for p in evaluation.projects) == 71
    _, problems = check([out])
    assert not [p for p in problems if p.severity == "错误"]
    assert {p.rule for p in problems} == {"FILL-IN", "IND-UNIT"}  # 待填写, and the seed's own "100%"
    assert sum(p.message == "待填写：实际完成情况" for p in problems) == 10
    assert run_cli("build", out, "--out", tmp_path / "out").returncode == 0


def test_weights_split_evenly_and_sum_to_100(tmp_path):
    out = tmp_path / "自评"
    run_cli("new", "绩效自评", "--from", TARGET_SOURCES, "--out", out)
    first = load_document(out).document.projects[0]  # 宣传阵地建设: 成本1 产出4 效益1 满意度1
    assert [int(i.weight) for i in first.indicators] == [10, 10, 10, 10, 10, 30, 10]


def test_filled_skeleton_scores_by_the_rules(tmp_path):
    out = tmp_path / "自评"
    run_cli("new", "绩效自评", "--from", TARGET_SOURCES, "--out", out)
    path = out / "01-宣传阵地建设.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("年度资金总额: [250000.00, null, null]", "年度资金总额: [250000.00, 250000.00, 215457.60]")
    text = text.replace("实际完成情况: null", "实际完成情况: 已完成。")
    text = text.replace("实际完成值: null", "实际完成值: 完成")
    path.write_text(text, encoding="utf-8")
    from builder.check import scoring

    project = load_document(out).document.projects[0]
    run = scoring.execution(project)
    assert (run.rate_text, run.score) == ("86.18%", Decimal("8.62"))
    assert scoring.score(project.indicators[5]) == 30  # 提升 → 完成 counts as achieved


def test_next_years_draft(tmp_path):
    out = tmp_path / "2026-绩效目标申报"
    result = run_cli("new", "绩效目标申报", "--from", TARGET_SOURCES, "--out", out, "--year", "2026")
    assert result.returncode == 0, result.stderr
    draft = load_document(out).document
    original = load_document(TARGET_SOURCES).document
    dates = lambda p: (p.role("开始日期"), p.role("完成日期"))  # noqa: E731
    assert draft.year == 2026
    for before, after in zip(original.projects, draft.projects):
        assert after.get("项目资金").cells == before.get("项目资金").cells
        assert after.indicators == tuple(i for i in after.indicators)  # loads cleanly
        if after.stem.startswith("10-"):  # the one-off project of 2024–2025 has ended: its dates stay
            assert dates(after) == dates(before)
            continue
        assert tuple(d.year for d in dates(after)) == tuple(d.year + 1 for d in dates(before))
        period = after.get("情况说明.实施周期")[0]
        assert "2026 年" in period and "2025 年" not in period
    first = (out / "01-宣传阵地建设.yaml").read_text(encoding="utf-8")
    assert first.startswith("# 由 budgetdoc new 从 2025 年的源文件生成的 2026 年草稿")
    assert "年度总体目标: null" in first
    ended = (out / "10-松江区长三角G60科创云平台信息化建设项目.yaml").read_text(encoding="utf-8")
    assert "# 注意：此项目计划 2024-01-01 至 2025-12-31（其他一次性项目），已在 2026 年之前结束，计划日期未顺延。" in ended
    assert "计划开始日期: 2024-01-01" in ended and "说明写“2025 年 1月至 2025 年 12 月”" in ended  # comment still true
    # what the user has to decide and review is said, in check's format, and the closing line is true
    lines = result.stderr.splitlines()
    assert [line for line in lines if "[警告] PROJECT-ENDED" in line] == [
        f"{out / '10-松江区长三角G60科创云平台信息化建设项目.yaml'}:12:9 [警告] PROJECT-ENDED 计划完成日期: 项目“松江区长三角 G60 "
        "科创云平台信息化建设项目”计划 2024-01-01 至 2025-12-31（其他一次性项目），在 2026 年之前已结束：日期未顺延；"
        "仍要申报请改写，不再申报请删除此文件并从项目顺序中去掉"]
    assert sum("[警告] YEAR-STALE 情况说明.年度预算安排: 写到 2025 年" in line for line in lines) == 3
    assert sum("[警告] YEAR-STALE " in line for line in lines) == 14  # every text of the draft is read (issue 21)
    assert lines[-1].startswith(f"2026 年草稿已写入 {out}：计划日期已顺延，金额未改动。需要核对：1 个已结束的项目（日期未顺延），"
                                "14 处文字写的是往年（YEAR-STALE），见上；")
    assert "待填写" not in result.stderr
    _, problems = check([out])
    # the only error: the ended project, until the user rewrites or deletes it
    assert [(p.rule, p.location.file.name) for p in problems if p.severity == "错误"] == [
        ("DATE-YEAR", "10-松江区长三角G60科创云平台信息化建设项目.yaml")]
    problems = [p for p in problems if not p.location.file.name.startswith("10-")]
    original_problems = [p for p in check([TARGET_SOURCES])[1] if not p.location.file.name.startswith("10-")]
    # nothing new but the draft's stale year numbers, which YEAR-STALE is there to catch
    # ("2025 年申请资金 168 万元" left in the 2026 年度预算安排 of three projects, "2025 年预计 40 人办公" in a
    # 立项依据 …: tests/check/test_slips.py lists the 14 places)
    stale = [p for p in problems if p.rule == "YEAR-STALE"]
    assert sorted({p.location.file.name[:2] for p in stale}) == ["02", "03", "04", "05", "06", "08", "09"]
    assert all("写到 2025 年，早于预算年度 2026 年" in p.message for p in stale)
    rest = [p for p in problems if p.rule != "YEAR-STALE"]
    assert sorted(p.rule for p in rest) == sorted(p.rule for p in original_problems)


def test_new_refuses_to_overwrite(tmp_path):
    out = tmp_path / "x"
    run_cli("new", "绩效自评", "--from", TARGET_SOURCES, "--out", out)
    again = run_cli("new", "绩效自评", "--from", TARGET_SOURCES, "--out", out)
    assert again.returncode == 1 and "已存在且不为空" in again.stderr


def test_import_through_the_cli_round_trips(tmp_path):
    for folder in ("2025-绩效目标申报", "2023-绩效自评"):
        built = tmp_path / "built"
        assert run_cli("build", SOURCES / folder, "--out", built).returncode == 0
        imported = tmp_path / "imported" / folder
        result = run_cli("import", built / f"{folder}.docx", "--out", imported)
        assert result.returncode == 0, result.stderr
        assert "未导入" not in result.stderr
        rebuilt = tmp_path / "rebuilt"
        assert run_cli("build", imported, "--out", rebuilt).returncode == 0
        assert to_text(rebuilt / f"{folder}.docx") == to_text(built / f"{folder}.docx")
