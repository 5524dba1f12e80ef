"""Stage 3 — checks: rules over the model that produce located findings (the registry and how
rules run: builder.check.rules). Importing this module registers every rule, in this order
(the order docs/checks.md lists them and findings are reported in):

- ``money``       the money tables a form declares: 合计 rows and columns, relations (MONEY-*)
- ``funds``       money and dates of a 绩效目标申报, the 年度预算安排
- ``indicators``  the document as a whole, the indicator framework
- ``text``        narratives copied from another project
- ``scores``      the 绩效自评: its funds, scores, deviations, units of 实际完成值
- ``reviewers``   rules reviewers asked for (placeholders, cost directions, due dates …)
- ``slips``       the slips people make (FUND-SMALL, IND-COST-BUDGET, SKELETON, BIDI-CONTROL,
                  YEAR-STALE) and the one reader of every text field they share
- ``monitor``     a mid-year monitoring (绩效运行监控): 执行率 against 时序进度, indicators off track,
                  执行数 ≤ 预计执行数 ≤ 预算数
- ``against``     ``check --against``: a later document's targets against its 申报's (MON-ADJUST)

Each rule has an id (shown to users and listed in docs/checks.md), a severity
and a function that yields findings. ``budgetdoc build`` runs them first:
errors stop the build, warnings are printed and the build goes on;
``budgetdoc check`` prints them all.
"""

from __future__ import annotations

from builder.check import money, funds, indicators, text, scores, reviewers, slips, monitor, against  # noqa: F401  isort: skip  (registers)
