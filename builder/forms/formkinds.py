"""The words of the form language that the engine itself acts on: kinds, table layouts, 合计 modes."""

# the group kinds whose fields nest under their key
GROUP = "分组"
MONEY_TABLE = "金额表"
INDICATORS = "指标"
TABLE = "表格"
BUDGET = "预算安排"
TEXTS = "段落"  # paragraphs: what a Markdown section fills
BY_COLUMN = "列下分行"  # 表.<列>.<行>
BY_ROW = "行为列表"  # 表.<行>: [列1, 列2, …]
COMPUTE = "计算"
BLANK = "空白"
# 印法 of a 文本 column: a tick box (☑ when written, □ blank) beside the text written
TICK = "勾选"
# a role over several cells ({格: [...], 标签: …})
CELLS = "格"
