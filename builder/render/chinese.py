"""The template context in Chinese: names that mirror the source keys.

``{{ 项目.项目名称 }}``, ``{{ 项目.项目资金.年度资金申请总额.合计.万元 }}``, a form's own fields by
their declared names (``{{ 项目.项目负责人 }}``, ``{{ 项目.项目属性.框.新增项目 }}``). Every value is a
string, a list or a mapping of strings (money is formatted from Decimal, never through float).

``CATALOG`` describes every name with its label, kind and an example; ``catalog(form)`` adds a
form's fields. It feeds ``budgetdoc template check`` (the names it accepts), ``template new``
(the page listing the tags) and docs/templates.md (generated; a test keeps it in step).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from builder.model import core as m
from builder.model.values import TEN_THOUSAND, format_fixed, format_yuan, round_half_up


# ---------------------------------------------------------------- values

def money(amount: Decimal | None) -> dict:
    """A money value: 元 with thousands separators, 万元 with two and with four decimals
    (a blank cell is blank in both)."""
    if amount is None:
        return {"元": "", "万元": "", "万元4位": ""}
    wan = amount / TEN_THOUSAND
    two, four = round_half_up(wan, 2), round_half_up(wan, 4)
    return {"元": format_yuan(amount), "万元": f"{two:,.2f}", "万元4位": f"{four:,.4f}"}


def date(day: dt.date | None) -> dict:
    if day is None:
        return {"文字": "", "中文": "", "年": "", "月": "", "日": ""}
    return {"文字": day.isoformat(), "中文": f"{day.year}年{day.month}月{day.day}日",
            "年": str(day.year), "月": str(day.month), "日": str(day.day)}


def paragraphs(texts) -> list[str]:
    return list(texts or ()) or [""]


def indicator_value(value) -> dict:
    return {
        "原文": value.text,
        "规范": value.canonical(),
        "比较符": value.comparator or "",
        "数值": format_fixed(value.number) if value.number is not None else "",
        "单位": value.unit,
    }


def choice(value: str | None, choices: tuple[str, ...]) -> dict:
    boxes = {c: ("☑" if c == value else "□") for c in choices}
    return {"值": value or "", "框": boxes, "选框": "   ".join(f"{c} {boxes[c]}" for c in choices)}


def extension(spec, value):
    """A form's field, ready to print (see CATALOG for each kind's parts)."""
    if spec.kind == "段落":
        return paragraphs(value)
    if spec.kind == "金额":
        return money(value)
    if spec.kind == "日期":
        return date(value)
    if spec.kind == "整数":
        return "" if value is None else str(value)
    if spec.kind == "选项":
        return choice(value, spec.choices)
    if spec.kind == "表格":
        return [{"序号": str(i), **row} for i, row in enumerate(value or (), start=1)]
    return value or ""


# ---------------------------------------------------------------- contexts

def document_names(document: m.Document) -> dict:
    """The Chinese names of a 申报 document's context (merged into the English one)."""
    form = document.custom_form
    context = {
        "单位名称": document.unit_name,
        "年度": str(document.year),
        "预算单位数": str(document.budget_units),
        "项目个数": str(len(document.all_projects)),
        "涉及项目预算资金": money(document.total_annual),
        "项目列表": [project_names(p, n, form) for n, p in document.numbered_projects()],
    }
    if form is not None:
        for spec in form.level("文档"):
            context[spec.name] = extension(spec, document.extra.get(spec.name))
    return context


def project_names(project: m.TargetProject, number: int, form=None) -> dict:
    funds, narrative = project.funds, project.narrative
    budget = narrative.budget
    if isinstance(budget, m.BudgetPlan):
        lead = paragraphs(budget.lead)
        items = [{"序号": str(i), "名称": item.name, "金额": money(item.amount), "说明": item.note}
                 for i, item in enumerate(budget.items, start=1)]
    else:
        lead, items = paragraphs(budget), []
    annual = {
        "合计": money(funds.annual), "当年财政拨款": money(funds.appropriation),
        "上年结转资金": money(funds.carryover), "其他资金": money(funds.annual_other),
    }
    annual.update({name: money(value) for name, value in funds.annual_extra})
    result = {
        "序号": str(number),
        "项目名称": project.name,
        "项目性质": project.nature,
        "项目类别": project.category,
        "主管部门": project.authority,
        "实施单位": project.implementer,
        "计划开始日期": date(project.start),
        "计划完成日期": date(project.end),
        "跨年度": project.start.year != project.end.year,
        "项目资金": {
            "项目资金总额": {"合计": money(funds.total), "财政资金": money(funds.fiscal),
                         "其他资金": money(funds.total_other)},
            "年度资金申请总额": annual,
        },
        "情况说明": {
            "项目概述": paragraphs(narrative.overview), "立项依据": paragraphs(narrative.basis),
            "实施主体": paragraphs(narrative.implementer), "实施方案": paragraphs(narrative.plan),
            "实施周期": paragraphs(narrative.period), "年度预算安排": lead, "年度预算明细": items,
            "绩效目标": paragraphs(narrative.goal_reference),
        },
        "项目总目标": paragraphs(project.total_goal),
        "年度总体目标": paragraphs(project.annual_goal),
    }
    groups = form.groups if form is not None else ("绩效指标",)
    sets = project.indicator_sets or {"绩效指标": project.indicators}
    for group in groups:
        result[group] = [indicator_row(i, form) for i in sets.get(group, ())]
    if form is not None:
        for spec in form.level("项目"):
            result[spec.name] = extension(spec, project.extra.get(spec.name))
        for spec in form.level("情况说明"):
            result["情况说明"][spec.name] = extension(spec, project.extra.get(f"情况说明.{spec.name}"))
    return result


def indicator_row(indicator: m.Indicator, form=None) -> dict:
    row = {"一级指标": indicator.level1, "二级指标": indicator.level2, "三级指标": indicator.name,
           "指标值": indicator_value(indicator.target)}
    if form is not None:
        for spec in form.level("指标"):
            row[spec.name] = extension(spec, indicator.extra.get(spec.name))
    return row


# ---------------------------------------------------------------- the catalog

def _money(label, example="1,587,640.00"):
    wan = f"{round_half_up(Decimal(example.replace(',', '')) / TEN_THOUSAND, 2):,.2f}"
    wan4 = f"{round_half_up(Decimal(example.replace(',', '')) / TEN_THOUSAND, 4):,.4f}"
    return {"元": (f"{label}（元）", "文字", example), "万元": (f"{label}（万元，两位小数）", "文字", wan),
            "万元4位": (f"{label}（万元，四位小数）", "文字", wan4)}


def _date(label, day="2025-01-01"):
    d = dt.date.fromisoformat(day)
    return {"文字": (label, "文字", day), "中文": (f"{label}（中文写法）", "文字", f"{d.year}年{d.month}月{d.day}日"),
            "年": (f"{label}的年", "文字", str(d.year)), "月": (f"{label}的月", "文字", str(d.month)),
            "日": (f"{label}的日", "文字", str(d.day))}


def _paras(label, example):
    return [(f"{label}（每段一项）", "段落列表", example)]


INDICATOR_VALUE = {
    "原文": ("指标值，照源文件所写", "文字", "≥90%"),
    "规范": ("指标值，两位小数的规范写法", "文字", "≥90.00(%)"),
    "比较符": ("比较符（定性指标为空）", "文字", "≥"),
    "数值": ("数值（至少两位小数）", "文字", "90.00"),
    "单位": ("单位", "文字", "%"),
}

CATALOG: dict = {
    "单位名称": ("单位名称", "文字", "上海市松江区科创发展办公室"),
    "年度": ("年度", "文字", "2025"),
    "预算单位数": ("预算单位数", "文字", "1"),
    "项目个数": ("项目个数", "文字", "10"),
    "涉及项目预算资金": _money("各项目年度资金申请总额之和", "8,500,000.00"),
    "项目列表": [{
        "序号": ("项目序号", "文字", "1"),
        "项目名称": ("项目名称", "文字", "宣传阵地建设"),
        "项目性质": ("项目性质", "文字", "其他经常性项目"),
        "项目类别": ("项目类别", "文字", "其他运转类"),
        "主管部门": ("主管部门", "文字", "上海市松江区科创发展办公室"),
        "实施单位": ("实施单位", "文字", "上海市松江区科创发展办公室"),
        "计划开始日期": _date("计划开始日期"),
        "计划完成日期": _date("计划完成日期", "2025-12-31"),
        "跨年度": ("起止日期是否跨年度", "真/假", "假"),
        "项目资金": {
            "项目资金总额": {"合计": _money("项目资金总额"), "财政资金": _money("其中：财政资金"),
                       "其他资金": _money("其他资金（项目资金总额中）", "0.00")},
            "年度资金申请总额": {"合计": _money("年度资金申请总额"), "当年财政拨款": _money("其中：当年财政拨款"),
                         "上年结转资金": _money("上年结转资金", "0.00"),
                         "其他资金": _money("其他资金（年度资金申请总额中）", "0.00")},
        },
        "情况说明": {
            "项目概述": _paras("一、项目概述", "宣传阵地建设项目：……"),
            "立项依据": _paras("二、立项依据", "1.文件依据：……"),
            "实施主体": _paras("三、实施主体", "区科创发展办宣传组。"),
            "实施方案": _paras("四、实施方案", "G60 微信公众号运维……"),
            "实施周期": _paras("五、实施周期", "2025 年 1 月 1 日至 2025 年 12 月 31 日"),
            "年度预算安排": _paras("六、年度预算安排（说明）", "预算资金 25 万元。"),
            "年度预算明细": [{"序号": ("预算项序号", "文字", "1"), "名称": ("预算项名称", "文字", "展示馆物业管理费"),
                         "金额": _money("预算项金额", "282,048.00"), "说明": ("预算项说明", "文字", "按 16 元/平/月")}],
            "绩效目标": _paras("七、绩效目标", "详见单位的项目绩效目标表"),
        },
        "项目总目标": _paras("项目总目标", "营造全社会关注支持推动G60科创走廊建设的浓厚氛围；"),
        "年度总体目标": _paras("年度总体目标（没有时为一个空段）", "完成年度宣传任务。"),
        "绩效指标": [{
            "一级指标": ("一级指标", "文字", "产出指标"),
            "二级指标": ("二级指标", "文字", "数量指标"),
            "三级指标": ("三级指标", "文字", "平台运维数"),
            "指标值": INDICATOR_VALUE,
        }],
    }],
}

KIND_PARTS = {
    "文本": lambda s: (s.label, "文字", "……"),
    "段落": lambda s: [(f"{s.label}（每段一项）", "段落列表", "……")],
    "金额": lambda s: _money(s.label, "100,000.00"),
    "日期": lambda s: _date(s.label),
    "整数": lambda s: (s.label, "文字", "12"),
    "选项": lambda s: {"值": (f"{s.label}：选中的值", "文字", s.choices[0]),
                      "框": {c: (f"{s.label}：“{c}”的选框", "文字", "☑" if i == 0 else "□")
                            for i, c in enumerate(s.choices)},
                      "选框": (f"{s.label}：各项带选框", "文字",
                             "   ".join(f"{c} {'☑' if i == 0 else '□'}" for i, c in enumerate(s.choices)))},
    "表格": lambda s: [{"序号": (f"{s.label}：行号", "文字", "1"),
                       **{c: (f"{s.label}：{c}", "文字", "……") for c in s.columns}}],
}


def catalog(form=None) -> dict:
    """Every Chinese name of a 申报 context with (label, kind, example), a form's own included."""
    import copy

    tree = copy.deepcopy(CATALOG)
    if form is None:
        return tree
    project = tree["项目列表"][0]
    row = project.pop("绩效指标")[0]
    for spec in form.level("指标"):
        row[spec.name] = KIND_PARTS[spec.kind](spec)
    for group in form.groups:
        project[group] = [copy.deepcopy(row)]
    for spec in form.level("文档"):
        tree[spec.name] = KIND_PARTS[spec.kind](spec)
    for spec in form.level("项目"):
        project[spec.name] = KIND_PARTS[spec.kind](spec)
    for spec in form.level("情况说明"):
        project["情况说明"][spec.name] = KIND_PARTS[spec.kind](spec)
    for spec in form.level("项目资金"):
        project["项目资金"]["年度资金申请总额"][spec.name] = _money(spec.label, "100,000.00")
    return tree


def labels(tree):
    """The catalog with each leaf's label only (the shape ``template check`` walks)."""
    if isinstance(tree, dict):
        return {key: labels(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [labels(tree[0])]
    return tree[0]


def rows(tree, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(name as a template writes it, label, kind, example) for every leaf; the element of a list
    is written as the loop variable a template would use (项目, 行, 指标 …)."""
    result = []
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            result.extend(rows(value, path))
        elif isinstance(value, list):
            element = value[0]
            if isinstance(element, dict):
                var = "指标" if "一级指标" in element else _LOOP_VARIABLE.get(key, "行")
                tag = "p" if key == "项目列表" else "tr"
                result.append((path, f"列表：每项是一个“{var}”", "列表", f"{{%{tag} for {var} in {path} %}}"))
                result.extend(rows(element, var))
            else:
                result.append((path, *element))
        else:
            result.append((path, *value))
    return result


_LOOP_VARIABLE = {"项目列表": "项目", "年度预算明细": "明细"}


# ---------------------------------------------------------------- 绩效自评

def evaluation_names(document: m.Document) -> dict:
    """The Chinese names of a 自评 document's context (merged into the English one)."""
    form = document.custom_form
    context = {
        "单位名称": document.unit_name,
        "年度": str(document.year),
        "项目列表": [evaluation_project_names(p, form) for p in document.projects],
    }
    for spec in form.level("文档") if form is not None else ():
        context[spec.name] = extension(spec, document.extra.get(spec.name))
    return context


def _row(row: m.FundRow) -> dict:
    return {"年初预算数": money(row.initial), "全年预算数": money(row.budget), "全年执行数": money(row.spent)}


def evaluation_project_names(project: m.EvaluationProject, form=None) -> dict:
    from builder.check import scoring
    from builder.model.values import format_score

    run, total = scoring.execution(project), scoring.totals(project)
    funds = project.funds
    rows = []
    for indicator in project.indicators:
        rows.append({
            "一级指标": indicator.level1, "二级指标": indicator.level2, "三级指标": indicator.name,
            "指标值": indicator_value(indicator.target),
            "实际完成值": indicator_value(indicator.actual) if indicator.actual else {k: "" for k in INDICATOR_VALUE},
            "分值": format_score(indicator.weight), "得分": format_score(scoring.score(indicator)),
            "偏差原因分析及改进措施": indicator.deviation, "完成程度": indicator.band or "",
            **{spec.name: extension(spec, indicator.extra.get(spec.name))
               for spec in (form.level("指标") if form is not None else ())},
        })
    return {
        "项目名称": project.name,
        "二级构成": project.is_part,
        "主管部门": project.authority,
        "实施单位": project.implementer,
        "项目资金": {"年度资金总额": _row(funds.total), "当年财政拨款": _row(funds.appropriation),
                 "上年结转资金": _row(funds.carryover), "其他资金": _row(funds.other)},
        "预算执行": {"分值": format_score(run.weight), "执行率": run.rate_text, "得分": format_score(run.score)},
        "预期目标": paragraphs(project.expected),
        "实际完成情况": paragraphs(project.achieved),
        "绩效指标": rows,
        "总分值": format_score(total.weight),
        "总分": total.text,
        "等级": total.grade,
        **{spec.name: extension(spec, project.extra.get(spec.name))
           for spec in (form.level("项目") if form is not None else ())},
    }


def _fund_row(label):
    return {"年初预算数": _money(f"{label}·年初预算数", "2,000,000.00"),
            "全年预算数": _money(f"{label}·全年预算数", "1,898,957.56"),
            "全年执行数": _money(f"{label}·全年执行数", "1,898,957.56")}


EVALUATION_CATALOG: dict = {
    "单位名称": ("单位名称", "文字", "上海市松江区长三角G60科创走廊创新研究中心"),
    "年度": ("年度", "文字", "2023"),
    "项目列表": [{
        "项目名称": ("项目名称", "文字", "政策研究"),
        "二级构成": ("是否上级项目的组成部分", "真/假", "真"),
        "主管部门": ("主管部门", "文字", "上海市松江区长三角G60科创走廊创新研究中心"),
        "实施单位": ("实施单位", "文字", "上海市松江区长三角G60科创走廊创新研究中心"),
        "项目资金": {"年度资金总额": _fund_row("年度资金总额"), "当年财政拨款": _fund_row("当年财政拨款"),
                 "上年结转资金": _fund_row("上年结转资金"), "其他资金": _fund_row("其他资金")},
        "预算执行": {"分值": ("预算执行率分值", "文字", "10"), "执行率": ("执行率", "文字", "94.95%"),
                 "得分": ("预算执行率得分", "文字", "9.49")},
        "预期目标": _paras("预期目标", "聚焦长三角G60科创走廊九城市……"),
        "实际完成情况": _paras("实际完成情况", "开展一体化高质量发展课题研究……"),
        "绩效指标": [{
            "一级指标": ("一级指标", "文字", "产出指标"),
            "二级指标": ("二级指标", "文字", "数量指标"),
            "三级指标": ("三级指标", "文字", "发布研究方向"),
            "指标值": INDICATOR_VALUE,
            "实际完成值": {key: (label.replace("指标值", "实际完成值"), kind, example)
                      for key, (label, kind, example) in INDICATOR_VALUE.items()},
            "分值": ("分值", "文字", "30"),
            "得分": ("得分（不写时按规则计算）", "文字", "30"),
            "偏差原因分析及改进措施": ("偏差原因分析及改进措施", "文字", "……"),
            "完成程度": ("完成程度（达成/基本达成/部分达成/未达成，可空）", "文字", "达成"),
        }],
        "总分值": ("总分值", "文字", "100"),
        "总分": ("总分", "文字", "96.49"),
        "等级": ("等级（优/良/中/差）", "文字", "优"),
    }],
}


def evaluation_catalog(form=None) -> dict:
    """Every Chinese name of a 自评 context, a form's own fields included."""
    import copy

    tree = copy.deepcopy(EVALUATION_CATALOG)
    if form is None:
        return tree
    project = tree["项目列表"][0]
    for spec in form.level("文档"):
        tree[spec.name] = KIND_PARTS[spec.kind](spec)
    for spec in form.level("项目"):
        project[spec.name] = KIND_PARTS[spec.kind](spec)
    for spec in form.level("指标"):
        project["绩效指标"][0][spec.name] = KIND_PARTS[spec.kind](spec)
    return tree
