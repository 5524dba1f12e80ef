"""Today's form object: what callers not yet moved to the form engine (builder.forms.formspec) ask
of a document's form — ``framework`` (一级 → 二级 names), the indicator ``groups``, the extension
fields by level (``level("项目")``) and the shipped keys the form leaves out (``unused``).

It is made from a Form by builder.forms.formcompat.legacy_view (``Document.custom_form``); every
form is read by builder.forms.formdef alone. ``form_file`` gives the shared definition file a
document folder names, for the build cache's key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from builder.read.rawtree import Mapping, Scalar
from builder.model.schema import Choice, Date, Field, Integer, ListOf, Money, Paragraphs, Record, Text


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    label: str
    required: bool = False
    doc: str = ""
    choices: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()

    def schema_field(self) -> Field:
        """The declared field as a schema field: validated like the built-in keys."""
        doc = self.doc or f"{self.label}（{self.kind}，表单定义的扩展字段）"
        kwargs = {"required": self.required, "doc": doc}
        if self.kind == "文本":
            return Text(default="", **kwargs)
        if self.kind == "段落":
            return Paragraphs(default=[], **kwargs)
        if self.kind == "金额":
            return Money(**kwargs)
        if self.kind == "日期":
            return Date(**kwargs)
        if self.kind == "整数":
            return Integer(minimum=-10**15, maximum=10**15, **kwargs)
        if self.kind == "选项":
            return Choice(self.choices, **kwargs)
        row = Record({column: Text(default="") for column in self.columns})
        return ListOf(row, default=[], **kwargs)

    def finish(self, value):
        """The converted value as the model keeps it (rows without their locations)."""
        if self.kind == "段落":
            return tuple(value or ())
        if self.kind == "表格":
            return tuple({c: row[c] or "" for c in self.columns} for row in (value or ()))
        return value


@dataclass(frozen=True)
class Form:
    name: str
    framework: dict[str, tuple[str, ...]]
    groups: tuple[str, ...]
    unused: tuple[str, ...]
    fields: dict[str, tuple[FieldSpec, ...]] = field(default_factory=dict)
    source: Path | None = None  # the shared file, when the definition is one

    def level(self, name: str) -> tuple[FieldSpec, ...]:
        return self.fields.get(name, ())

    @property
    def is_default(self) -> bool:
        return False


def form_file(folder: Path, cache=None) -> Path | None:
    """The shared form definition file a document folder names (for the build cache's key)."""
    from builder.read.errors import Problems
    from builder.read.sources import read_source

    document = next((folder / f"document{s}" for s in (".yaml", ".yml", ".toml") if (folder / f"document{s}").is_file()),
                    None)
    if document is None:
        return None
    root = read_source(document, Problems(), cache)
    node = root.entries.get("表单") if isinstance(root, Mapping) else None
    if node is None or not isinstance(node.node, Scalar) or not isinstance(node.node.value, str):
        return None
    path = (folder / node.node.value.strip()).resolve()
    return path if path.is_file() else None
