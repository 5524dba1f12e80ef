"""A Word template read as its tags: every {{ }}, {% %} and {# #} with its place in Word's terms
(table, row, cell, paragraph), the report a check fills, and the page starts it keeps.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from builder.render.merge import MERGE_MARKER, W, move_page_breaks, paragraph_text


_OPENERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
DOCXTPL_PREFIX = re.compile(r"^(\{\{|\{%|\{#)(tr|tc|p|r) ")
_DOCXTPL_SPECIAL = re.compile(r"^\{%-?\s*(vm|hm|colspan|cellbg)\b")
BLOCKS = {"for": "endfor", "if": "endif", "with": "endwith", "filter": "endfilter", "macro": "endmacro",
           "call": "endcall", "raw": "endraw", "autoescape": "endautoescape", "block": "endblock"}
_MIDDLES = {"else": ("for", "if"), "elif": ("if",)}
SIMPLE = {"set", "do", "break", "continue", "include", "import", "from", "extends"}
_LOOP_ATTRS = {"index", "index0", "revindex", "revindex0", "first", "last", "length", "cycle", "depth",
               "depth0", "previtem", "nextitem", "changed"}
ANY = object()  # a value whose shape is not known (a filter's result, a set variable…)
REFUSED = object()  # what a refused name gives: nothing more is said about it


@dataclass
class Tag:
    text: str  # as typed (text of the paragraph, runs joined)
    place: str
    cell: str = ""  # the text of the cell or paragraph holding it
    marked: bool = False  # the cell carries 【合并】
    cell_key: str = ""  # the cell it is in ("" outside tables)
    paragraph: int = 0  # which paragraph (in document order) holds it

    @property
    def source(self) -> str:
        """The tag as jinja reads it after docxtpl (``{%p for`` → ``{% for``)."""
        if _DOCXTPL_SPECIAL.match(self.text):
            return "{# docxtpl #}"
        return DOCXTPL_PREFIX.sub(r"\1 ", self.text)


@dataclass
class Finding:
    place: str
    message: str

    def line(self, template_name: str) -> str:
        where = f" {self.place}" if self.place else ""
        return f"模板 {template_name}{where}: {self.message}"


@dataclass
class TemplateReport:
    template: Path
    kind: str
    tags: list[Tag] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # jinja source per tag (a bad tag as a comment)
    merge_cells: list[str] = field(default_factory=list)  # places of the cells with 【合并】
    page_starts: int = 0
    used: set[str] = field(default_factory=set)  # context paths printed, e.g. projects[].name
    listing: list[tuple[str, str]] = field(default_factory=list)  # (place, what), in document order

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem_lines(self) -> list[str]:
        return [f.line(self.template.name) for f in self.problems]


# ---------------------------------------------------------------- reading the template

def shorten(text: str, limit: int = 16) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "…"


def read_body(template: Path):
    """The parsed w:body of the template (entities and network never resolved)."""
    from lxml import etree

    from builder.render.template import TemplateProblem, check_template_package, read_template

    check_template_package(template)
    with zipfile.ZipFile(read_template(template)) as package:
        data = package.read("word/document.xml")
        extra = [(name, package.read(name)) for name in package.namelist()
                 if re.fullmatch(r"word/(header|footer)\d*\.xml", name)]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
        parts = [(name, etree.fromstring(payload, parser)) for name, payload in extra]
    except etree.XMLSyntaxError as exc:
        raise TemplateProblem(f"模板 {template.name} 无法读取：文档内容不是有效的 XML（第 {exc.lineno} 行）") from exc
    body = root.find(f"{W}body")
    if body is None:
        raise TemplateProblem(f"模板 {template.name} 无法读取：文档没有正文（w:body）")
    return body, parts


def _places(body):
    """(paragraph, place, cell element or None) for every paragraph, in document order."""
    paragraph_number = 0
    table_number = 0

    def blocks(parent):
        for node in parent:
            if node.tag == f"{W}sdt":
                content = node.find(f"{W}sdtContent")
                if content is not None:
                    yield from blocks(content)
            else:
                yield node

    for node in blocks(body):
        if node.tag == f"{W}p":
            paragraph_number += 1
            yield node, f"第 {paragraph_number} 段“{shorten(paragraph_text(node))}”", None
        elif node.tag == f"{W}tbl":
            table_number += 1
            for r, tr in enumerate(node.findall(f"{W}tr"), start=1):
                for c, tc in enumerate(tr.findall(f"{W}tc"), start=1):
                    for p in tc.iter(f"{W}p"):
                        yield p, f"表 {table_number} 第 {r} 行第 {c} 列", tc


def _attribute_tags(element) -> list[tuple[str, str]]:
    found = []
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        for name, value in node.attrib.items():
            if "{{" in value or "{%" in value or "{#" in value:
                local = name.split("}")[-1]
                tag = node.tag.split("}")[-1]
                found.append((f"w:{tag}/@w:{local}", value))
    return found


def _split_tags(text: str) -> tuple[list[str], list[str]]:
    """The complete tags of a paragraph's text, and what is wrong (unclosed tags)."""
    tags, errors = [], []
    position = 0
    while True:
        match = re.search(r"\{[{%#]", text[position:])
        if not match:
            break
        start = position + match.start()
        opener = text[start:start + 2]
        end = text.find(_OPENERS[opener], start + 2)
        if end < 0:
            errors.append(f"标签“{shorten(text[start:], 24)}”没有结束：缺少“{_OPENERS[opener]}”"
                          "（一个标签必须写在同一段里）")
            break
        tags.append(text[start:end + 2])
        position = end + 2
    return tags, errors


def collect(template: Path, kind: str | None = None) -> TemplateReport:
    body, parts = read_body(template)
    report = TemplateReport(template, kind or "")
    attribute_hint = "请删除它；合并单元格请在单元格文字里写“{0}”（见 docs/templates.md）".format(MERGE_MARKER)
    seen_cells = set()
    for paragraph_index, (p, place, tc) in enumerate(_places(body)):
        text = paragraph_text(p)
        if tc is None:
            checked = [p]
        elif tc not in seen_cells:  # the elements themselves: an id() of an lxml proxy is not stable
            seen_cells.add(tc)
            checked = [tc]  # the cell's properties and all its paragraphs
        else:
            checked = []
        for element in checked:
            for where, value in _attribute_tags(element):
                report.problems.append(Finding(place, f"标签“{shorten(value, 30)}”写在 Word 中看不到、"
                                                      f"也无法输入的位置（{where}）：{attribute_hint}"))
        cell_text = "".join(paragraph_text(q) for q in tc.iter(f"{W}p")) if tc is not None else text
        marked = MERGE_MARKER in cell_text
        tags, errors = _split_tags(text)
        if tc is not None and marked and place not in report.merge_cells:
            report.merge_cells.append(place)
            if not _split_tags(cell_text)[0]:
                report.listing.append((place, f"“{cell_text}”"))
        for error in errors:
            report.problems.append(Finding(place, error))
        for tag in tags:
            rest = text.replace(MERGE_MARKER, "").strip()
            if re.match(r"\{%(p|tr|tc) ", tag) and rest != tag:
                report.problems.append(Finding(place, f"“{shorten(tag, 30)}”须单独占一个段落：生成时整段换成这个标签，"
                                                      f"同一段的其他文字（“{shorten(rest.replace(tag, '', 1).strip(), 20)}”）会丢失"))
            report.tags.append(Tag(tag, place, cell_text, marked, place if tc is not None else "", paragraph_index))
            report.listing.append((place, tag + (f"  {MERGE_MARKER}" if marked else "")))
    for tbl_number, tbl in enumerate(body.iter(f"{W}tbl"), start=1):
        for tr in tbl.findall(f"{W}tr"):
            trpr = tr.find(f"{W}trPr")
            for where, value in _attribute_tags(trpr) if trpr is not None else []:
                report.problems.append(Finding(f"表 {tbl_number}", f"标签“{shorten(value, 30)}”写在 Word 中看不到的位置（{where}）"))
    for name, root in parts:
        label = "页眉" if "header" in name else "页脚"
        for p in root.iter(f"{W}p"):
            for tag in _split_tags(paragraph_text(p))[0]:
                report.tags.append(Tag(tag, f"{label}“{shorten(paragraph_text(p))}”"))
    normalized = _copy(body)
    move_page_breaks(normalized)
    report.page_starts = _page_starts(normalized)
    return report


def _copy(element):
    from copy import deepcopy

    return deepcopy(element)


def _page_starts(body) -> int:
    count = 0
    for node in body.iter(f"{W}pageBreakBefore", f"{W}br"):
        if node.tag == f"{W}br":
            count += node.get(f"{W}type") == "page"
        elif node.get(f"{W}val", "true") not in ("0", "false", "off"):
            count += 1
    return count
