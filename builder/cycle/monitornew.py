"""``budgetdoc new 绩效运行监控 --from <申报> --as-of 2025-07-31``: the mid-year monitoring sources of
a 申报 document, field by field of the shipped 绩效运行监控 form — what the form takes from the 申报
(``来自申报``: 年初预算数 by row, 年度总体目标) and the indicators with their 年度指标值 filled in, the
monitoring itself (执行数, 全年预计, 执行情况 …) left blank to fill."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from builder.cycle.evaldraft import TargetDraft, evaluation_data
from builder.forms import formspec as fs
from builder.forms.fromtarget import followed_indicators
from builder.model import core as m
from builder.read.readonce import reading_once

DATE_ROLE = "监控日期"  # the 文档 field --as-of fills
TARGET_ROLE = "目标值"  # the indicator column copied from the 申报
FILLED_ROLES = ("预计值", "完成可能性")  # indicator columns written blank (null), with those of no role
CAUSE_TAG = "偏差原因"  # the cause columns: named in the note, left out of the draft (blank = not ticked)
ADJUST_ROLE = "调整说明"  # where a changed target is stated


def monitoring_form():
    from builder.forms.formdef import shipped_form

    return shipped_form(m.MONITOR_KIND)


@reading_once
def new_monitoring(source: Path, out: Path, as_of: dt.date) -> list[Path]:
    """Write the 绩效运行监控 draft of the 申报 in ``source`` into the new folder ``out``."""
    from ruamel.yaml.comments import CommentedMap as Map

    from builder.cycle.newyear import CycleProblem, _load_target, check_out
    from builder.cycle.writer import dump

    document = _load_target(source)
    if as_of.year != document.year:
        raise CycleProblem(f"监控日期 {as_of.isoformat()} 不在申报的年度 {document.year} 年内")
    form = monitoring_form()
    check_out(out)
    out.mkdir(parents=True, exist_ok=True)
    header = Map([("文档类型", form.kind), ("年度", document.year), ("单位名称", document.unit_name)])
    for spec in form.document_fields:
        if DATE_ROLE in spec.roles:
            header[spec.key] = as_of
    header["项目顺序"] = [p.stem for p in document.projects]
    written = [out / "document.yaml"]
    dump(header, written[0])
    note = _fill_note(form, document.year, as_of)
    for project in document.projects:
        path = out / f"{project.stem}.yaml"
        dump(_project_data(project, form), path, note)
        written.append(path)
    return written


def _project_data(project, form):
    """One project's monitoring source, in the form's order: the fields a later document of the year
    takes from its 申报 (evaldraft.evaluation_data: the name, 来自申报, a field of the same key), the
    indicators with their 年度指标值, every 分组 of monitoring cells blank to fill."""
    from ruamel.yaml.comments import CommentedMap as Map

    from builder.cycle.newyear import raw_source

    data = evaluation_data(project, form, raw_source(project.source), _Draft(project))
    for spec in form.project_fields:
        if spec.kind == fs.GROUP and spec.skeleton and spec.key not in data:
            data[spec.key] = Map((inner.key, None) for inner in spec.fields if inner.skeleton)
    return Map((spec.key, data[spec.key]) for spec in form.project_fields if spec.key in data)


class _Draft(TargetDraft):
    """What a 申报 project gives a monitoring form: a TargetDraft's money column and texts, and the
    indicators followed with their 年度指标值, the monitoring columns blank."""

    def indicators(self, spec):
        return _indicators(self.project, spec.indicators)


def _indicators(project, columns):
    from ruamel.yaml.comments import CommentedMap as Map

    from builder.cycle.writer import indicator_tree

    target = columns.column_with(TARGET_ROLE)
    blank = [c.key for c in columns.columns if c is not target and (set(c.roles) & set(FILLED_ROLES) or not c.roles)]

    def leaf(indicator):
        entries = [(target.key, indicator.target.text)] if target is not None else []
        return Map(entries + [(key, None) for key in blank])

    return indicator_tree([(i.level1, i.level2, i.name, i) for i in followed_indicators(project)], leaf)


def _fill_note(form, year: int, as_of: dt.date) -> str:
    """The note atop each project: what is left to fill, by the form's labels."""
    todo = []
    for spec in form.money_tables():
        later = spec.table.columns[1:]
        places = "、".join(str(n) for n in range(2, len(spec.table.columns) + 1))
        todo.append(f"{spec.key}的{'、'.join(c.label for c in later)}（每行第 {places} 个值）")
    todo += [f"{spec.key}（{'、'.join(f.key for f in spec.fields)}）" for spec in form.project_fields if spec.kind == fs.GROUP]
    causes = []
    for spec in form.indicator_fields():
        target = spec.indicators.column_with(TARGET_ROLE)
        todo.append(f"各指标的{'、'.join(c.label for c in spec.indicators.columns if c is not target)}")
        causes += [c.label for c in spec.indicators.columns if CAUSE_TAG in c.roles and c.label not in causes]
    taken = [f"{spec.table.columns[0].label}" for spec in form.money_tables() if spec.table.columns]
    taken += [spec.key for spec in form.project_fields if spec.from_target]
    taken += [c.label for spec in form.indicator_fields() for c in spec.indicators.columns if TARGET_ROLE in c.roles]
    adjust = [spec.key for spec in form.fields_with(ADJUST_ROLE)]
    note = _FILL_NOTE.format(year=year, date=f"{as_of.year}年{as_of.month}月{as_of.day}日", todo="；".join(todo),
                             taken="、".join(taken), adjust=f"（有调整的写在“{adjust[0]}”中）" if adjust else "")
    return note + (_CAUSE_NOTE.format(causes="、".join(causes)) if causes else "")


_FILL_NOTE = """\
# 由 budgetdoc new 从 {year} 年绩效目标申报生成的 {year} 年绩效运行监控（截至{date}）。
# {taken}取自申报，不要改动{adjust}。
# 待填写：{todo}。
"""

_CAUSE_NOTE = "# 偏差原因（{causes}）写了即打 ☑，所写为简要说明；未偏离目标的不写。\n"

