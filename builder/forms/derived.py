"""The values the engine derives for every form (docs/forms.md, derived values): generic names,
Chinese and English, and the roles a form must declare for each to exist."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Derived:
    chinese: str
    english: str
    needs: tuple[str, ...] = ()  # roles the form must declare
    level: str = "项目"  # 文档 | 项目
    parts: tuple[tuple[str, str], ...] = ()  # sub-values (Chinese, English)


DERIVED = (
    Derived("单位名称", "unit_name", level="文档"),
    Derived("年度", "year", level="文档"),
    Derived("项目个数", "project_count", level="文档"),
    Derived("项目列表", "projects", level="文档"),
    Derived("合计", "", level="文档"),
    Derived("序号", "number"),
    Derived("跨年度", "multi_year", ("开始日期", "完成日期")),
    Derived("开始年份", "start_year", ("开始日期", "完成日期")),
    Derived("完成年份", "end_year", ("开始日期", "完成日期")),
    Derived("预算执行", "execution", ("执行分值", "预算数", "执行数"),
            parts=(("分值", "weight"), ("执行率", "rate"), ("得分", "score"))),
    Derived("执行进度", "pace", ("监控日期", "预算数", "执行数"),  # builder.check.monitor (MON-PACE, MON-OFF-TRACK)
            parts=(("执行率", "rate"), ("时序进度", "elapsed"), ("灯", "light"), ("偏离指标数", "off_track"))),
    Derived("总分值", "total_weight", ("分值",)),
    Derived("总分", "total_score", ("分值",)),
    Derived("等级", "grade", ("分值",)),
)


def derived_for(form, level: str = "项目") -> tuple[Derived, ...]:
    """The derived values a form's documents (``文档``) or projects (``项目``) have."""
    def declared(role: str) -> bool:
        return form.has_role(role) or any(s.indicators.column_with(role) for s in form.indicator_fields())
    return tuple(d for d in DERIVED if d.level == level and all(declared(r) for r in d.needs))
