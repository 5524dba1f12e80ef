"""Narratives written in Markdown: the ``NN-项目.md`` files, inline Markdown, and pandoc.

A project's narrative sections (``## 项目概述`` …) may be written in a sibling
``.md`` file, or inline in the YAML when ``情况说明格式: markdown`` is set.
Every fragment of a document is converted by **one** pandoc process (from
``pypandoc-binary``) into pandoc's JSON AST: the fragments are joined with
separator paragraphs, their footnote labels renamed per fragment so that two
``[^1]`` never collide. The AST is checked here (raw HTML/LaTeX and images are
refused, located in the source file), projected to plain paragraphs for the
model (so ``check``, ``diff`` and the workbook read words), and written to Word
XML after rendering by ``builder.render.markdown_docx``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from builder.read.errors import Location, Problems


MARKDOWN_SUFFIX = ".md"
NOT_NARRATIVES = {"readme.md"}  # a note about the folder, not a project's narrative
MAX_MARKDOWN_BYTES = 2 * 1024 * 1024


FORMAT_KEY = "情况说明格式"
FORMATS = ("纯文本", "markdown")


@dataclass(frozen=True)
class MarkdownText:
    """One converted Markdown fragment: its pandoc blocks, and where it was written."""

    key: str  # content hash (with the conversion settings): the marker and the cache key
    blocks: list = field(compare=False, repr=False)
    location: Location | None = field(default=None, compare=False)

    @property
    def marker(self) -> str:
        return marker_for(self.key)


def marker_for(key: str) -> str:
    """The single paragraph the template prints where a Markdown fragment goes."""
    return f"\ue000budgetdoc-md:{key}\ue001"


MARKER = re.compile("\ue000budgetdoc-md:([0-9a-f]{32})\ue001")


# ---------------------------------------------------------------- .md files


@dataclass
class Section:
    heading: str  # as the form names it (numbering such as 一、 removed)
    field: str  # the source field path
    text: str
    line: int  # the heading's line
    body_line: int  # the first line of the text

    def location(self, path: Path) -> Location:
        return Location(path, self.line, 1)


@dataclass
class MarkdownFile:
    path: Path
    sections: list[Section]


def markdown_files(folder: Path) -> list[Path]:
    """The ``.md`` files of a document folder (ignored and README files left out), by name."""
    from builder.read.readonce import folder_entries

    try:
        entries = folder_entries(folder)
    except OSError:
        return []
    return sorted(p for p in entries if p.suffix == MARKDOWN_SUFFIX and not p.name.startswith(("_", "."))
                  and p.name.lower() not in NOT_NARRATIVES)


_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）])\s*")


def split_sections(path: Path, text: str, problems: Problems, known: dict[str, str]) -> list[Section]:
    """The level-2 sections of a .md file; text outside them and unknown headings are errors.
    ``known``: each heading a section may have → the field path it fills (the forms' ``markdown``
    fields, builder.forms.formspec.Form.markdown_sections)."""
    example = next(iter(known), "…")  # the heading messages show
    sections: list[Section] = []
    current: Section | None = None
    lines: list[str] = []
    fence = None
    seen: dict[str, int] = {}
    stray = False

    def close():
        if current is not None:
            body = list(lines)
            while body and not body[0].strip():
                body.pop(0)
                current.body_line += 1
            current.text = "\n".join(body).rstrip()
            if not current.text.strip():
                problems.error(current.location(path), current.field, f"“## {current.heading}”下没有内容")
            else:
                sections.append(current)

    for number, line in enumerate(text.splitlines(), start=1):
        if fence is None:
            opened = _FENCE.match(line)
            if opened:
                fence = opened.group(1)[0] * len(opened.group(1))
        elif line.strip().startswith(fence):
            fence = None
            lines.append(line)
            continue
        heading = _HEADING.match(line) if fence is None else None
        if heading and len(heading.group(1)) <= 2:
            level, title = len(heading.group(1)), (heading.group(2) or "").strip()
            if level == 1:
                if current is None:
                    continue  # a title above the sections (the project's name): not printed
                problems.error(Location(path, number, 1), "", f"一级标题“# {title}”不能写在各部分之间：部分标题用二级标题“## {example}”，"
                                                             "部分内的小标题用三级标题“### …”")
                continue
            close()
            lines = []
            stray = False
            name = _ORDINAL.sub("", title)
            if name not in known:
                hint = suggest_section(name, known)
                more = f"，是否应为“## {hint}”？" if hint else "。"
                problems.error(Location(path, number, 1), "", f"“## {title}”不是情况说明的部分{more}"
                                                             f"（可用：{'、'.join(known)}）")
                current = None
                stray = True  # its text is not reported again
                continue
            if name in seen:
                problems.error(Location(path, number, 1), known[name],
                               f"“## {name}”重复（第 {seen[name]} 行已出现），请合并为一处")
                current = None
                stray = True
                continue
            seen[name] = number
            current = Section(name, known[name], "", number, number + 1)
            continue
        if current is None:
            if line.strip() and not _is_comment_line(line) and not stray:
                problems.error(Location(path, number, 1), "", "这段文字不在任何“## 部分标题”之下，不会印出；"
                                                             f"请把它移到对应的部分（如“## {example}”）之下")
                stray = True  # reported once until the next heading
            continue
        lines.append(line)
    close()
    return sections


def _is_comment_line(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("<!--") and stripped.endswith("-->")


def suggest_section(key: str, choices) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.4)
    return matches[0] if matches else None


