"""Values a template prints that no source holds: the engine computes them from what the form's
roles say a value is (docs/forms.md, 英文名与派生值), and they sit in the context right after
the field they come from.

| Chinese | English | after / when |
|---|---|---|
| 序号 | number | first in every project |
| 跨年度, 开始年份, 完成年份 | multi_year, start_year, end_year | the 完成日期 field (with 开始日期) |
| 预算执行 {分值, 执行率, 得分} | execution {weight, rate, score} | the 执行分值 field (with 预算数, 执行数) |
| 总分值, 总分, 等级 | total_weight, total_score, grade | the last 指标 field with a 分值 column |
| 项目个数, 项目列表 | project_count, projects | the last computed 文档 field, else first |
| 执行进度 {执行率, 时序进度, 灯, 偏离指标数, 偏离指标} | — | the 金额表 with 预算数, when 文档 has 监控日期 (运行监控) |

Also here: how an indicator's column and a document field are read; the sums over projects
are builder.forms.formvalues' (cell_total), the ones the rules add up.
"""

from __future__ import annotations


from builder.forms import formkinds as kinds
from builder.forms import formvalues
from builder.forms.formdef import document_form
from builder.forms.formvalues import cell_total
from builder.model.values import format_score

START, END = "开始日期", "完成日期"
WEIGHT, BUDGETED, SPENT = "执行分值", "预算数", "执行数"
SCORE_ROLE = "得分"
DATE_ROLE = "监控日期"  # a 文档 field: the form monitors (builder.check.monitor)
PACE = "执行进度"
COUNT = "项目个数"


def category_labels(spec) -> dict:
    """一级 key → label, (一级, 二级) → label, of an indicator field's framework."""
    labels: dict = {}
    for level1 in spec.indicators.framework if spec.indicators else ():
        labels[level1.key] = level1.label
        for level2 in level1.children:
            labels[(level1.key, level2.key)] = level2.label
    return labels


def indicator_cell(indicator, column):
    """The value of one column of an indicator row as the form prints it: the 得分 role is the score
    printed (written or computed by builder.check.scoring); any other column reads the row
    (builder.forms.formvalues.indicator_cell)."""
    if SCORE_ROLE in column.roles:
        from builder.check import scoring

        return scoring.score(indicator)
    return formvalues.indicator_cell(indicator, column)


def ratio_text(numerator, denominator) -> str:
    """A 金额表's 比率列 cell: blank while the 分子 is blank, "—" when the 分母 is blank or 0."""
    from builder.check import scoring

    if numerator is None:
        return ""
    return scoring.percent_text(numerator / denominator if denominator else None)


def paced_table(form):
    """The 金额表 holding 预算数 of a form whose 文档 has a 监控日期 (and 执行数): 执行进度 follows it."""
    if not any(DATE_ROLE in s.roles for s in form.document_fields) or not form.has_role(SPENT):
        return None
    path = form.role_path(BUDGETED) or ""
    return next((s for s in form.money_tables() if path.startswith(s.path + ".")), None)


def pace_of(document):
    """project → its 执行进度, computed by the monitoring rules themselves (builder.check.monitor: the
    light is MON-PACE's, with the profile's thresholds; the indicators off track MON-OFF-TRACK's)."""
    from builder.check.monitor import off_track, pace
    from builder.check.profile import rule_settings

    settings = rule_settings(document)

    def values(project) -> dict:
        found = pace(document, project, settings)
        late = off_track(document, project)
        return {"执行率": found.rate_text if found else "", "时序进度": found.elapsed_text if found else "",
                "灯": found.light if found else "", "偏离指标数": str(len(late)), "偏离指标": [i.name for i in late]}
    return values


def scored(form) -> bool:
    return any(spec.indicators.column_with("分值") for spec in form.indicator_fields())


def last_scored(form):
    found = [spec for spec in form.indicator_fields() if spec.indicators.column_with("分值")]
    return found[-1] if found else None


class Facts:
    """The derived values of one project, in Chinese and in English, placed after their field."""

    def __init__(self, project, form, pace=None):
        self.project, self.form, self.pace = project, form, pace

    def _dates(self):
        start, end = self.project.role(START), self.project.role(END)
        return start, end

    def _after(self, spec, english: bool) -> dict:
        form = self.form
        if spec is None:
            return {}
        if END in spec.roles and form.has_role(START):
            start, end = self._dates()
            multi = bool(start and end and start.year != end.year)
            years = (str(start.year) if start else "", str(end.year) if end else "")
            if english:
                return {"multi_year": multi, "start_year": years[0], "end_year": years[1]}
            return {"跨年度": multi, "开始年份": years[0], "完成年份": years[1]}
        if WEIGHT in spec.roles and form.has_role(BUDGETED) and form.has_role(SPENT):
            from builder.check import scoring

            run = scoring.execution(self.project)
            parts = (format_score(run.weight), run.rate_text, format_score(run.score))
            names = ("weight", "rate", "score") if english else ("分值", "执行率", "得分")
            return {("execution" if english else "预算执行"): dict(zip(names, parts))}
        if self.pace is not None and not english and spec is paced_table(form):
            return {PACE: self.pace(self.project)}
        if spec.kind == kinds.INDICATORS and spec is last_scored(form):
            from builder.check import scoring

            total = scoring.totals(self.project)
            parts = (format_score(total.weight), total.text, total.grade)
            names = ("total_weight", "total_score", "grade") if english else ("总分值", "总分", "等级")
            return dict(zip(names, parts))
        return {}

    def chinese_after(self, spec) -> dict:
        return self._after(spec, english=False)

    def english_after(self, spec) -> dict:
        return self._after(spec, english=True)


class DocumentFacts:
    """The derived values of a document (项目个数, the project list) and its fields' values."""

    def __init__(self, document, form, projects: list, english: bool = False):
        self.document, self.form, self.projects, self.english = document, form, projects, english
        computed = [spec for spec in form.document_fields if spec.compute]
        self.list_after = computed[-1] if computed else None
        self.count_after = next((s for s in computed if s.compute == (COUNT,)), None)

    def count(self) -> int:
        return len(self.document.all_projects)

    def value(self, spec):
        """A document field: its computed value when it has ``计算``, else the value written."""
        if spec.compute == (COUNT,):
            return self.count()
        if spec.compute:
            return cell_total(self.document, self.form, spec.compute[1])
        return document_value(self.document, spec)

    def _count_and_list(self, count: bool) -> dict:
        names = ("project_count", "projects") if self.english else (COUNT, "项目列表")
        result = {names[0]: str(self.count())} if count else {}
        result[names[1]] = self.projects
        return result

    def first(self) -> dict:
        """What comes right after 单位名称 and 年度 (the list when no field is computed)."""
        return self._count_and_list(True) if self.list_after is None else {}

    def after(self, spec) -> dict:
        result = {}
        if spec is self.count_after:
            result[(("project_count",) if self.english else (COUNT,))[0]] = str(self.count())
        if spec is self.list_after:
            result.update(self._count_and_list(self.count_after is None))
        return result


def document_value(document, spec):
    """A value written in document.yaml for a field of the form."""
    return document.values.get(spec.key)


def summed_table(document, spec):
    """A money table of the document: each cell summed over every project (``cell_total``)."""
    from builder.forms.formvalues import MoneyValues

    cells = {cell.address: cell_total(document, document_form(document), spec.table.path(cell.address))
             for cell in spec.table.cells()}
    return MoneyValues(spec.table, cells, frozenset())
