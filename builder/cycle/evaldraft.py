"""The fields of a new 自评 (``budgetdoc new 绩效自评 --from``), whatever document it starts from:
``evaluation_data`` walks the 自评 form and asks a *draft* — what the source document gives — for each
field: a 申报's ``TargetDraft`` (newyear.new_evaluation), a 监控's (cycle/monitornext.py). The
default 分值 of a 自评 are here too."""

from __future__ import annotations

from builder.forms import formspec as fs
from builder.forms.fromtarget import followed_indicators, target_amounts, target_text
from builder.model import core as m
from builder.model.sourceschema import TO_CONFIRM_KEY

# default 分值 of a 自评: 产出 50 (成本指标 share it), 效益 30, 满意度 10, budget execution 10
DEFAULT_WEIGHTS = {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
EXECUTION_WEIGHT = 10


def _weight_group(level1: str) -> str:
    """The default-weight group of a 一级指标 (a form's too: 服务对象满意度指标 is 满意度)."""
    if level1 in DEFAULT_WEIGHTS:
        return level1
    if "满意度" in level1:
        return "满意度指标"
    if "效益" in level1:
        return "效益指标"
    return "产出指标"  # 成本指标 share 产出's points


def spread_weights(indicators: list[m.Indicator]) -> list[int]:
    """Integer 分值 per indicator: each group's points split evenly, remainders to the first rows;
    a group with no indicators gives its points to 产出指标 (or the first group present)."""
    groups: dict[str, list[int]] = {}
    for index, indicator in enumerate(indicators):
        group = _weight_group(indicator.level1)
        groups.setdefault(group, []).append(index)
    points = dict(DEFAULT_WEIGHTS)
    for group, value in DEFAULT_WEIGHTS.items():
        if group not in groups and groups:
            receiver = "产出指标" if "产出指标" in groups else next(iter(groups))
            points[receiver] += value
            points[group] = 0
    weights = [0] * len(indicators)
    for group, rows in groups.items():
        base, remainder = divmod(points.get(group, 0), len(rows))
        for position, index in enumerate(rows):
            weights[index] = base + (1 if position < remainder else 0)
    return weights

class TargetDraft:
    """What a 申报 project gives the fields of its 自评 (``evaluation_data``): the money table's first
    column (来自申报), the indicators to evaluate, the texts taken from the 申报; nothing to confirm."""

    def __init__(self, project):
        self.project = project
        self.confirm: list[str] = []  # 待确认: the paths of draft values (none from a 申报)

    def money(self, spec):
        from ruamel.yaml.comments import CommentedMap as Map

        from builder.cycle.writer import flow, money

        amounts = target_amounts(self.project, spec.table)
        rest = [None] * (len(spec.table.columns) - 1)
        return Map((row.key, flow([money(amounts.get(row.key))] + rest)) for row in spec.table.rows)

    def indicators(self, spec):
        return target_indicators(self.project, spec.indicators)

    def text(self, spec):
        from builder.cycle.writer import text_block

        return text_block(list(target_text(self.project, spec)))

    def achieved(self, spec):
        return None  # to fill in (FILL-IN)


def evaluation_data(project, evaluation, raw: dict, draft=None):
    """One project's 自评 source, in the 自评 form's order: each field from ``draft`` (what the source
    document gives: a 申报's TargetDraft by default), the same keys copied; its 待确认 list last."""
    from ruamel.yaml.comments import CommentedMap as Map

    from builder.cycle.writer import Num

    draft = draft or TargetDraft(project)
    source_form = project.form
    data = Map()
    for spec in evaluation.project_fields:
        if not spec.skeleton:
            continue
        if "名称" in spec.roles:
            data[spec.key] = project.name
        elif spec.kind == fs.MONEY_TABLE:
            data[spec.key] = draft.money(spec)
        elif spec.kind == fs.INDICATORS:
            data[spec.key] = draft.indicators(spec)
        elif "执行分值" in spec.roles:
            data[spec.key] = Num(str(EXECUTION_WEIGHT))
        elif spec.from_target:
            data[spec.key] = draft.text(spec)
        elif source_form.field(spec.key) is not None and raw.get(spec.key) is not None:
            data[spec.key] = raw[spec.key]
        elif spec.kind == "真假" and spec.has_default:
            data[spec.key] = spec.default
        elif "完成情况" in spec.roles:
            data[spec.key] = draft.achieved(spec)
    if draft.confirm:
        data[TO_CONFIRM_KEY] = list(draft.confirm)
    return data


def target_indicators(project, columns):
    """The 自评 indicators of a 申报 project: its 指标值, 实际值 to fill, 分值 by the default weights."""
    from ruamel.yaml.comments import CommentedMap as Map

    from builder.cycle.writer import Num, indicator_tree

    indicators = followed_indicators(project)
    weights = spread_weights(indicators)
    target, actual, weight = (columns.column_with(r) for r in ("目标值", "实际值", "分值"))
    keys = {c.key for c in (target, actual, weight) if c is not None}

    def leaf(payload):
        indicator, points = payload
        entries = [(target.key, indicator.target.text)] if target is not None else []
        entries += [(actual.key, None)] if actual is not None else []
        entries += [(weight.key, Num(str(points)))] if weight is not None else []
        entries += [(name, value) for name, value in indicator.extra.items() if value and name not in keys]
        return Map(entries)

    rows = [(i.level1, i.level2, i.name, (i, w)) for i, w in zip(indicators, weights)]
    return indicator_tree(rows, leaf)
