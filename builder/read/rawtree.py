"""Located raw values: what a source file says, before any meaning is given to it.

Both YAML and TOML files are read into this one small tree, so that the model
stage never needs to know which syntax a user wrote, and every value knows the
line and column it came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Union

from builder.read.errors import Location


@dataclass(slots=True)
class Scalar:
    """A leaf: str, Decimal (any number, taken from its source text), bool, date or None."""

    value: Union[str, Decimal, bool, dt.date, None]
    loc: Location
    text: str = ""  # the source text of the value, for messages
    quoted: bool = False

    kind_name = "标量"


@dataclass(slots=True)
class Entry:
    key: str
    key_loc: Location
    node: "Node"


@dataclass(slots=True)
class Mapping:
    entries: dict[str, Entry]
    loc: Location

    kind_name = "键值表"

    def get(self, key: str):
        entry = self.entries.get(key)
        return entry.node if entry else None


@dataclass(slots=True)
class Sequence:
    items: list["Node"]
    loc: Location = field(default=None)  # type: ignore[assignment]

    kind_name = "列表"


Node = Union[Scalar, Mapping, Sequence]


def describe(node: Node) -> str:
    """How a value is named to the user in a type error."""
    if isinstance(node, Mapping):
        return "键值表"
    if isinstance(node, Sequence):
        return "列表"
    value = node.value
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return "布尔值"
    if isinstance(value, Decimal):
        return f"数字 {_short(node.text or str(value))}"
    if isinstance(value, dt.date):
        return f"日期 {value.isoformat()}"
    return f"文字“{_short(value)}”"


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
