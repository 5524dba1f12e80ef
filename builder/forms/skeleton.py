"""The skeletons of new source files: document.yaml and the example projects (of the shipped
forms and of a bureau's form), with their example texts marked ⟦…⟧ — written by budgetdoc init
and new, and recognised by the SKELETON rule (builder.check.slips) when left in.
"""

from __future__ import annotations

import re
from pathlib import Path


_MARK = re.compile(r"⟦([^⟦⟧]+)⟧")


def unmark(text: str) -> str:
    return _MARK.sub(r"\1", text)


def placeholders(form=None) -> tuple[str, ...]:
    """The skeletons' example texts (of ``form``'s skeleton too), longest first."""
    texts = [TARGET_PROJECT, EVALUATION_PROJECT]
    if form is not None:
        texts += _form_texts(form, "", 2000, "").values()
    return tuple(sorted({found for text in texts for found in _MARK.findall(text)}, key=lambda t: (-len(t), t)))


DOCUMENT = """\
# yaml-language-server: $schema={schemas}/document.schema.json
文档类型: {kind}
年度: {year}
单位名称: {unit}
# 预算单位数: 1                  # 绩效目标设置情况中的预算单位数，默认 1
# 项目顺序: [01-示例项目]         # 不写则按文件名排序
"""

TARGET_PROJECT = """\
# yaml-language-server: $schema={schemas}/绩效目标申报.schema.json
# 一个项目一个文件。键就是申报表上的栏目名；金额写元（250000.00）或万元（"25万"）。
项目名称: ⟦示例项目⟧
项目性质: 其他经常性项目          # 其他经常性项目 | 其他一次性项目
项目类别: 其他运转类              # 其他运转类 | 特定目标类
主管部门: {unit}
实施单位: {unit}
计划开始日期: {year}-01-01
计划完成日期: {year}-12-31

项目资金:                        # 左栏：项目全部资金；右栏：本年度
  项目资金总额:
    合计: 250000.00               # 可省略，由财政资金 + 其他资金计算
    财政资金: 250000.00
    其他资金: 0
  年度资金申请总额:
    合计: 250000.00               # = 当年财政拨款 + 上年结转资金 + 其他资金
    当年财政拨款: 250000.00
    上年结转资金: 0
    其他资金: 0

情况说明:                        # 项目经费情况说明 一 至 六；一行一段
  项目概述: 示例项目：⟦项目的内容⟧。
  立项依据: |-
    1.⟦文件依据：……⟧
  实施主体: ⟦区某某办公室⟧。
  实施方案: ⟦按照年度工作计划实施⟧。
  实施周期: {year} 年 1 月至 {year} 年 12 月
  年度预算安排: 预算资金 25 万元。

项目总目标: |-
  1.⟦完成年度工作任务⟧；
年度总体目标: null                # 不写时项目总目标横跨两栏

绩效指标:                        # 一级指标 → 二级指标 → 三级指标: 指标值
  成本指标:
    经济成本指标:
      平台维护费: ≤6(万元)
  产出指标:
    数量指标:
      开展活动次数: ≥10(次)      # 以 > 或 < 开头的值要加引号：">=10次"
    质量指标:
      活动内容与主题匹配: 匹配
  效益指标:
    社会效益指标:
      提升社会影响力: 提升
  满意度指标:
    服务对象满意度指标:
      服务对象满意度: ≥90(%)
"""

EVALUATION_PROJECT = """\
# yaml-language-server: $schema={schemas}/绩效自评.schema.json
# 一个项目一个文件。项目资金每行为 [年初预算数, 全年预算数, 全年执行数]，null 为空白格。
项目名称: ⟦示例项目⟧
二级构成: false                   # 上级项目的组成部分写 true
主管部门: {unit}
实施单位: {unit}

项目资金:
  年度资金总额: [250000.00, 250000.00, 240000.00]
  当年财政拨款: [250000.00, 250000.00, 240000.00]
  上年结转资金: [null, 0, 0]
  其他资金: [null, 0, 0]
预算执行分值: 10                  # 执行率 = 全年执行数 / 全年预算数；得分自动计算

预期目标: ⟦完成年度工作任务⟧。
实际完成情况: ⟦已完成年度工作任务⟧。

绩效指标:                        # 分值合计（含预算执行分值）应为 100
  产出指标:
    数量指标:
      开展活动次数:
        指标值: ≥10(次)
        实际完成值: =12(次)
        分值: 50                  # 得分不写则按规则计算
  效益指标:
    社会效益指标:
      提升社会影响力:
        指标值: 提升
        实际完成值: 达成预期指标
        分值: 30
  满意度指标:
    服务对象满意度指标:
      服务对象满意度:
        指标值: ≥90(%)
        实际完成值: =95(%)
        分值: 10
"""


# words YAML 1.1 tools (editors, other readers) take for booleans or null, though budgetdoc reads them as text
_YAML11_WORDS = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_NUMBERISH = re.compile(r"^[-+.]?[0-9][0-9A-Za-z_.:+-]*$")  # 0x1f, 1:30, 1_000: numbers to YAML 1.1
_INDICATOR = tuple("-?:,[]{}#&*!|>'\"%@`")  # a plain scalar may not start with these (or only in some places)


def yaml_scalar(text: str) -> str:
    """``text`` as a YAML value that every reader loads back as exactly that text: plain when
    budgetdoc's own reader (builder.read.syntax.read_yaml) gives it back unchanged as text and no
    YAML 1.1 reader would see a boolean, else double-quoted (``"yes"``, ``"123"``, ``"- a"``,
    ``"a: b"``, ``"a #b"`` …)."""
    import json

    from builder.read.errors import Problems
    from builder.read.rawtree import Mapping, Scalar
    from builder.read.syntax import read_yaml

    quoted = json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
    if (not text or text != text.strip() or "\n" in text or _YAML11_WORDS.match(text) or _NUMBERISH.match(text)
            or text.startswith(_INDICATOR)):
        return quoted
    problems = Problems()
    try:
        tree = read_yaml(Path("名称.yaml"), f"k: {text}\n", problems)
    except Exception:  # noqa: BLE001 - whatever the reader makes of it, quoting is safe
        return quoted
    value = tree.get("k") if isinstance(tree, Mapping) and len(tree.entries) == 1 else None
    if problems.errors or not isinstance(value, Scalar) or value.value != text or not isinstance(value.value, str):
        return quoted
    return text


def named_line(line: str, name: str) -> str:
    """A skeleton line with 示例项目 replaced by ``name``, its value quoted when YAML would misread it."""
    if "示例项目" not in line or ": " not in line or line.lstrip().startswith("#"):
        return line
    key, _, value = line.partition(": ")
    return f"{key}: {yaml_scalar(value.replace('示例项目', name))}"


_EXAMPLE = {"文本": "⟦示例⟧", "段落": "⟦示例段落⟧。", "金额": "0", "整数": "0"}
_HINT = {"文本": "文本", "段落": "段落：一行一段，多行用 |-", "金额": "金额：元，或“25万”", "日期": "日期，如 {year}-01-01",
         "整数": "整数", "表格": "表格：每行一项"}


def _field_lines(spec, year: int, indent: str) -> list[str]:
    hint = _HINT.get(spec.kind, "").format(year=year)
    if spec.kind == "选项":
        return [f"{indent}{spec.name}: {spec.choices[0]}    # 选项：{' | '.join(spec.choices)}"]
    if spec.kind == "日期":
        return [f"{indent}{spec.name}: {year}-01-01    # {hint}"]
    if spec.kind == "表格":
        first, *rest = spec.columns
        lines = [f"{indent}{spec.name}:    # {hint}", f"{indent}  - {first}: ⟦示例⟧"]
        lines += [f"{indent}    {column}: ⟦示例⟧" for column in rest]
        return lines
    return [f"{indent}{spec.name}: {_EXAMPLE[spec.kind]}    # {hint}"]


def form_files(form, form_ref: str, year: int, unit: str) -> dict[str, str]:
    """document.yaml naming the form, and an example project with every field the form asks for."""
    return {name: unmark(text) for name, text in _form_texts(form, form_ref, year, unit).items()}


def _form_texts(form, form_ref: str, year: int, unit: str) -> dict[str, str]:
    """``form_files`` with the example texts still marked."""
    unused = set(form.unused)
    document = [f"文档类型: 绩效目标申报", f"年度: {year}", f"单位名称: {unit}", f"表单: {form_ref}",
                "# 模板: 我的表单.docx          # budgetdoc template new 我的表单.docx --form 本文件夹 写出后在 Word 中修改"]
    for spec in form.level("文档"):
        document += _field_lines(spec, year, "")
    project = ["# 一个项目一个文件；键是表单上的栏目名（表单定义的字段见表单文件）。", "项目名称: ⟦示例项目⟧"]
    project += [f"{key}: ⟦示例⟧" for key in ("项目性质", "项目类别") if key not in unused]
    project += [f"主管部门: {unit}", f"实施单位: {unit}", f"计划开始日期: {year}-01-01", f"计划完成日期: {year}-12-31", ""]
    for spec in form.level("项目"):
        project += _field_lines(spec, year, "")
    project += ["", "项目资金:"]
    if "项目资金.项目资金总额" not in unused:
        project += ["  项目资金总额:", "    财政资金: 250000.00", "    其他资金: 0"]
    project += ["  年度资金申请总额:              # 合计可省略：由下面各项相加", "    当年财政拨款: 250000.00",
                "    其他资金: 0"]
    project += [f"    {spec.name}: 0" for spec in form.level("项目资金")]
    sections = [key for key in ("项目概述", "立项依据", "实施主体", "实施方案", "实施周期", "年度预算安排")
                if "情况说明" not in unused and f"情况说明.{key}" not in unused]
    if sections or form.level("情况说明"):
        project += ["", "情况说明:"]
        project += [f"  {key}: ⟦示例⟧。" for key in sections]
        for spec in form.level("情况说明"):
            project += _field_lines(spec, year, "  ")
    if "项目总目标" not in unused:
        project += ["", "项目总目标: ⟦示例目标⟧。", "年度总体目标: ⟦示例年度目标⟧。"]
    indicator_fields = form.level("指标")
    for group in form.groups:
        project += ["", f"{group}:                        # 一级指标 → 二级指标 → 三级指标: 指标值"]
        for level1, level2s in form.framework.items():
            project += [f"  {level1}:", f"    {level2s[0]}:"]
            if indicator_fields:
                extras = ", ".join(f"{spec.name}: {_EXAMPLE.get(spec.kind, '⟦示例⟧')}" for spec in indicator_fields
                                   if spec.kind in _EXAMPLE)
                project.append(f"      ⟦示例{level1}⟧: {{指标值: ≥1(项){', ' + extras if extras else ''}}}")
            else:
                project.append(f"      ⟦示例{level1}⟧: ≥1(项)")
    return {"document.yaml": "\n".join(document) + "\n", "01-示例项目.yaml": "\n".join(project) + "\n"}
