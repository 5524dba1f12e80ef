"""Rules over the narratives: text copied from another project (its name or labels).
"""

from __future__ import annotations

import difflib
import re

from builder.model import core as m
from builder.check.rules import NAME, WARNING, document_form, finding, name, rule, section_text, squash


# ---------------------------------------------------------------- copied text

COPY_CHECKED = "复制检查"  # the tag of the sections this rule reads (docs/forms.md, 角色)


def _label_pattern(names) -> re.Pattern:
    """Another project's label opening a section: “XX项目：” or “XX项目<a section's name>”."""
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"^(.{{2,40}}?)项目(?:[:：]{'|' + alternatives if alternatives else ''})")


class _NameIndex:
    """Finds which project names occur in a text in one pass over the text (linear in its
    length), instead of searching for every name in every text (quadratic in the projects)."""

    PREFIX = 4

    def __init__(self, names: dict[str, object]):
        self.by_prefix: dict[str, list[tuple[str, object]]] = {}
        for name, value in names.items():
            if len(name) >= self.PREFIX:
                self.by_prefix.setdefault(name[: self.PREFIX], []).append((name, value))

    def find(self, text: str):
        """The names found in ``text``, in order of first occurrence."""
        found = {}
        for start in range(len(text) - self.PREFIX + 1):
            for name, value in self.by_prefix.get(text[start:start + self.PREFIX], ()):
                if name not in found and text.startswith(name, start):
                    found[name] = value
        return found


@rule("COPIED-TEXT", WARNING, "说明各节（表单标为复制检查的）中出现本文档另一个项目的名称或别的项目标签（可能是复制来的文字）",
      needs=(NAME, COPY_CHECKED))
def check_copied_text(document: m.Document):
    form = document_form(document)
    sections = [(name(form, spec.path), spec.path) for spec in form.fields_with(COPY_CHECKED)]
    label_pattern = _label_pattern([label for label, _ in sections])
    names = {squash(p.name).removesuffix("项目"): p for p in document.all_projects}
    index = _NameIndex(names)
    for project in document.projects:
        own = squash(project.name).removesuffix("项目")
        for label, key in sections:
            squashed = squash(section_text(project.get(key)))
            other = next((p for name, p in index.find(squashed).items() if name != own and name not in own), None)
            if other is not None:
                yield finding(
                    project.location(key), key, "COPIED-TEXT",
                    f"{label}提到了本文档另一个项目“{other.name}”（本项目为“{project.name}”），可能是从该项目复制的文字",
                    WARNING, 本项目=project.name, 提到的项目=other.name,
                )
                continue
            match = label_pattern.match(squashed)
            if match and difflib.SequenceMatcher(None, match.group(1), own).ratio() < 0.6:
                yield finding(
                    project.location(key), key, "COPIED-TEXT",
                    f"{label}以“{match.group(1)}项目”开头，与本项目“{project.name}”不符，可能是复制来的文字",
                    WARNING, 本项目=project.name, 文中项目=match.group(1),
                )


# ---------------------------------------------------------------- 绩效自评
