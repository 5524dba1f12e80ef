"""Import of a 绩效目标申报: read by its form's labels like any form (builder.cycle.labelread, written by
builder.cycle.formimport — ``budgetdoc import`` switches there); what is left here are the shapes the
自评 reader shares (the year subtitle, the title “单位名称 2025 年”, a table's preview) and the
re-export of labelshapes.structured_budget.
"""

from __future__ import annotations

import re

from builder.cycle.importread import Table, row_preview
from builder.cycle.labelshapes import structured_budget

__all__ = ["UNIT_YEAR", "YEAR_SUBTITLE", "structured_budget", "table_preview"]

YEAR_SUBTITLE = re.compile(r"^\((\d{4})年度?\)$")
UNIT_YEAR = re.compile(r"^(.+?)\s*(\d{4})\s*年度?$")


def table_preview(table: Table) -> str:
    rows = [row_preview(row) for row in table.rows[:2]]
    return " / ".join(r for r in rows if r) or "（空表）"
