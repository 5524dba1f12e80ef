"""The checks every value of a form definition goes through: located errors, suggestions, plain data."""

from __future__ import annotations

from decimal import Decimal

from builder.forms import formkinds as fs
from builder.model.schema import Context, suggest
from builder.read.rawtree import Mapping, Node, Scalar, Sequence, describe

KINDS = ("文本", "段落", "金额", "日期", "整数", "数值", "真假", "选项", "名单", fs.GROUP, fs.TABLE,
         fs.MONEY_TABLE, fs.BUDGET, fs.INDICATORS)
COLUMN_KINDS = KINDS[:9] + ("指标值",)
FIELD_KEYS = ("类型", "标签", "简称", "必填", "默认", "说明", "可选", "列", "字段", "角色", "别名", "示例", "示例说明",
              "骨架", "最小", "最大", "markdown", "计算", "规则", "明细名", "印法", "来自申报", "写法", "单位", "行",
              "合计", "合计列", "关系", "组成相加", "体系", "简写", "比率列")
# the roles the built-in rules read (docs/forms.md); the tags may be given to several fields
TAGS = ("目标设定", "复制检查", "年度文字", "组成合并", "成本")
ROLES = ("名称", "开始日期", "完成日期", "周期", "预算安排", "总目标", "年度目标", "年度金额", "项目总额",
         "本年财政拨款", "上年结转", "预算数", "执行数", "执行分值", "完成情况", "组成", "成本上限", "目标值",
         "实际值", "分值", "得分", "偏差说明", "完成档次", "自评指标", "填报日期") + TAGS
# the 绩效运行监控's roles (builder/check/monitor.py): its date, the year's forecast of money and of each
# indicator, a stated 调整, how likely the target is met, the corrective measures; and a tag on each
# column of a cause of deviation (经费保障 … 其他: ticked when written)
MONITOR_ROLES = ("监控日期", "预计执行数", "调整说明", "预计值", "完成可能性", "整改措施")
MONITOR_TAGS = ("偏差原因",)
ROLES += MONITOR_ROLES + MONITOR_TAGS
TAGS += MONITOR_TAGS
ROW_KEYS = ("标签", "简称", "合计", "角色", "别名", "来自申报", "示例")
COLUMN_KEYS = ("标签", "简称", "必填", "行", "合计规则", "接受扩展", "别名")
CELL_KEYS = ("标签", "别名", "示例", "示例说明", "角色")
CATEGORY_KEYS = ("标签", "二级", "角色", "必有")
OPS = ("≤", "<", "=", "≥", ">")


class Reader:
    """Located checks of a definition's values; ``ok`` turns false at the first problem."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.ok = True

    def error(self, loc, path: str, message: str) -> None:
        self.ctx.error(loc, path, message)
        self.ok = False

    def mapping(self, node: Node, path: str, allowed: tuple[str, ...] | None, what: str = "键值表") -> dict | None:
        if not isinstance(node, Mapping):
            self.error(node.loc, path, f"应为{what}，这里写的是{describe(node)}")
            return None
        entries = {}
        for key, entry in node.entries.items():
            if allowed is not None and key not in allowed:
                hint = suggest(key, allowed)
                more = f"，是否应为“{hint}”？" if hint else f"（可用：{'、'.join(allowed)}）"
                self.error(entry.key_loc, join(path, key), f"未知的键“{key}”{more}")
                continue
            entries[key] = entry
        return entries

    def text(self, node: Node | None, path: str, default: str = "") -> str:
        if node is None or (isinstance(node, Scalar) and node.value is None):
            return default
        if not isinstance(node, Scalar) or isinstance(node.value, bool):
            self.error(node.loc, path, f"应为文字，这里写的是{describe(node)}")
            return default
        return (node.text if isinstance(node.value, Decimal) and node.text else str(node.value)).strip()

    def flag(self, node: Node | None, path: str, default: bool = False) -> bool:
        if node is None:
            return default
        if isinstance(node, Scalar) and isinstance(node.value, bool):
            return node.value
        self.error(node.loc, path, f"应为 true 或 false，这里写的是{describe(node)}")
        return default

    def integer(self, node: Node | None, path: str) -> int | None:
        if node is None:
            return None
        if isinstance(node, Scalar) and isinstance(node.value, Decimal) and node.value == node.value.to_integral():
            return int(node.value)
        self.error(node.loc, path, f"应为整数，这里写的是{describe(node)}")
        return None

    def texts(self, node: Node | None, path: str) -> tuple[str, ...]:
        """One text or a list of texts."""
        if node is None:
            return ()
        if isinstance(node, Sequence):
            return tuple(self.text(item, f"{path}[{i}]") for i, item in enumerate(node.items, start=1))
        return (self.text(node, path),) if self.text(node, path) else ()

    def roles(self, node: Node | None, path: str) -> frozenset:
        names = self.texts(node, path)
        for name in names:
            if name not in ROLES:
                hint = suggest(name, ROLES)
                more = f"，是否应为“{hint}”？" if hint else f"（可用：{'、'.join(ROLES)}）"
                self.error(node.loc, path, f"未知的角色“{name}”{more}")
        return frozenset(n for n in names if n in ROLES)


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def plain(node: Node | None):
    """A definition's value as plain data (示例, 默认, 版式): texts, numbers, lists, mappings."""
    if node is None:
        return None
    if isinstance(node, Mapping):
        return {key: plain(entry.node) for key, entry in node.entries.items()}
    if isinstance(node, Sequence):
        return [plain(item) for item in node.items]
    value = node.value
    if isinstance(value, Decimal) and not isinstance(value, bool):
        text = node.text or str(value)
        return int(value) if text.lstrip("-").isdigit() else value
    return value


