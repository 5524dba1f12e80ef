"""Check a Word template before it is used: ``budgetdoc template check T.docx`` and every build.

Everything is said in Word's terms: a tag's place is ``表 N 第 r 行第 c 列`` (table, row, cell,
counted from 1 as a person counts them in Word) or ``第 n 段“…”`` (a paragraph outside tables,
with the start of its text). The check finds

- tags a person cannot see or type in Word (inside XML attributes, e.g. ``w:vMerge/@w:val``);
- tags that are not closed, blocks without their end (``{%p for %}`` without ``{%p endfor %}``),
  unknown tags and expressions jinja cannot read — in Chinese, one line each;
- every name a tag uses, checked against the documented context of the document kind
  (``builder.render.context.CONTEXT_NAMES``), with the nearest known name suggested;
- a template that reads nothing from the sources, or no project (last year's built document saved as
  the template): refused, it would build the same old text forever;
- what a template must keep to build the same document as the shipped one: every value the
  shipped template prints, the merge marker 【合并】 on the 一级/二级指标 cells, and the page
  starts (a template saved by an office program that lost them is reported, not built).
"""

from __future__ import annotations

import difflib
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from builder.render.merge import MERGE_MARKER, W, move_page_breaks, paragraph_text

_OPENERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_DOCXTPL_PREFIX = re.compile(r"^(\{\{|\{%|\{#)(tr|tc|p|r) ")
_DOCXTPL_SPECIAL = re.compile(r"^\{%-?\s*(vm|hm|colspan|cellbg)\b")
_BLOCKS = {"for": "endfor", "if": "endif", "with": "endwith", "filter": "endfilter", "macro": "endmacro",
           "call": "endcall", "raw": "endraw", "autoescape": "endautoescape", "block": "endblock"}
_MIDDLES = {"else": ("for", "if"), "elif": ("if",)}
_SIMPLE = {"set", "do", "break", "continue", "include", "import", "from", "extends"}
_LOOP_ATTRS = {"index", "index0", "revindex", "revindex0", "first", "last", "length", "cycle", "depth",
               "depth0", "previtem", "nextitem", "changed"}
_ANY = object()  # a value whose shape is not known (a filter's result, a set variable…)
_REFUSED = object()  # what a refused name gives: nothing more is said about it


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
        return _DOCXTPL_PREFIX.sub(r"\1 ", self.text)


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

def _short(text: str, limit: int = 16) -> str:
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
            yield node, f"第 {paragraph_number} 段“{_short(paragraph_text(node))}”", None
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
            errors.append(f"标签“{_short(text[start:], 24)}”没有结束：缺少“{_OPENERS[opener]}”"
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
                report.problems.append(Finding(place, f"标签“{_short(value, 30)}”写在 Word 中看不到、"
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
                report.problems.append(Finding(place, f"“{_short(tag, 30)}”须单独占一个段落：生成时整段换成这个标签，"
                                                      f"同一段的其他文字（“{_short(rest.replace(tag, '', 1).strip(), 20)}”）会丢失"))
            report.tags.append(Tag(tag, place, cell_text, marked, place if tc is not None else "", paragraph_index))
            report.listing.append((place, tag + (f"  {MERGE_MARKER}" if marked else "")))
    for tbl_number, tbl in enumerate(body.iter(f"{W}tbl"), start=1):
        for tr in tbl.findall(f"{W}tr"):
            trpr = tr.find(f"{W}trPr")
            for where, value in _attribute_tags(trpr) if trpr is not None else []:
                report.problems.append(Finding(f"表 {tbl_number}", f"标签“{_short(value, 30)}”写在 Word 中看不到的位置（{where}）"))
    for name, root in parts:
        label = "页眉" if "header" in name else "页脚"
        for p in root.iter(f"{W}p"):
            for tag in _split_tags(paragraph_text(p))[0]:
                report.tags.append(Tag(tag, f"{label}“{_short(paragraph_text(p))}”"))
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


# ---------------------------------------------------------------- syntax

def _block_name(source: str) -> str:
    match = re.match(r"\{%-?\s*(\w+)", source)
    return match.group(1) if match else ""


def _env():
    from builder.render.template import template_environment

    return template_environment()


def _syntax_message(exc) -> str:
    """jinja's English message, said in Chinese."""
    text = str(getattr(exc, "message", "") or exc)
    unknown = re.search(r"Encountered unknown tag '([^']+)'", text)
    if unknown:
        return f"未知的标签“{unknown.group(1)}”"
    if "unexpected end of template" in text.lower():
        return "标签不完整"
    if "expected token" in text or "unexpected" in text:
        return "表达式写法有误（检查括号、引号、点号和运算符）"
    if "expected" in text:
        return "缺少内容（如 for 缺少 in，或表达式不完整）"
    return "无法解析"


def _same_container(opener: Tag, tag: Tag) -> bool:
    """docxtpl ``{%p`` blocks inside a cell end in that cell; inline ``{%`` blocks in their paragraph."""
    if opener.text.startswith("{%p ") and opener.cell_key:
        return tag.cell_key == opener.cell_key
    if not _DOCXTPL_PREFIX.match(opener.text):
        return tag.paragraph == opener.paragraph
    return True


def check_syntax(report: TemplateReport) -> bool:
    """Each tag on its own, then the nesting of blocks; True when the whole template parses.

    ``report.sources`` gets the jinja text of every tag, a bad one replaced by a comment and
    unclosed blocks closed at the end, so that names can still be checked."""
    from jinja2 import TemplateSyntaxError

    env = _env()
    ok = True
    stack: list[tuple[str, Tag, int]] = []
    sources = report.sources = []

    def bad(tag: Tag, message: str) -> None:
        nonlocal ok
        ok = False
        report.problems.append(Finding(tag.place, message))
        sources[-1] = "{# #}"

    def unclosed(name: str, opener: Tag) -> None:
        nonlocal ok
        ok = False
        where = "单元格" if opener.text.startswith("{%p ") and opener.cell_key else "段落"
        same = f"（须在同一{where}内结束）" if not _DOCXTPL_PREFIX.match(opener.text) or \
            (opener.text.startswith("{%p ") and opener.cell_key) else \
            "（docxtpl 的行、段落标签须成对：{%tr …%} 对 {%tr end…%}，{%p …%} 对 {%p end…%}）"
        report.problems.append(Finding(opener.place, f"“{_short(opener.text, 40)}”没有对应的"
                                                     f" {{% {_BLOCKS[name]} %}}{same}"))

    for tag in report.tags:
        source = tag.source
        sources.append(source.replace("\n", " "))
        if source.startswith("{#"):
            continue
        if source.startswith("{{"):
            try:
                env.parse(source)
            except TemplateSyntaxError as exc:
                bad(tag, f"标签“{_short(tag.text, 40)}”语法有误：{_syntax_message(exc)}")
            continue
        name = _block_name(source)
        if name in _BLOCKS:
            probe = source + "{%% %s %%}" % _BLOCKS[name]
        elif name in ("elif", "else"):
            probe = "{% if x %}" + source + "{% endif %}"
            while stack and not _same_container(stack[-1][1], tag):
                unclosed(stack[-1][0], stack[-1][1])
                sources[-2] += "{%% %s %%}" % _BLOCKS[stack.pop()[0]]  # one line per tag
            allowed = ("if",) if name == "elif" else ("if", "for")
            if not stack or stack[-1][0] not in allowed:
                bad(tag, f"“{_short(tag.text, 40)}”不在 {{% {' 或 '.join(allowed)} %}} 之内")
                continue
        elif name.startswith("end") and name[3:] in _BLOCKS:
            opener = name[3:]
            while stack and not _same_container(stack[-1][1], tag) and any(
                    s[0] == opener for s in stack[:-1]):
                unclosed(stack[-1][0], stack[-1][1])
                sources[-2] += "{%% %s %%}" % _BLOCKS[stack.pop()[0]]  # one line per tag
            if not stack or stack[-1][0] != opener:
                expected = (f"，这里应为 {{% {_BLOCKS[stack[-1][0]]} %}}（对应{stack[-1][1].place}的"
                            f"“{_short(stack[-1][1].text, 30)}”）") if stack else ""
                bad(tag, f"多余的“{_short(tag.text, 30)}”：前面没有对应的 {{% {opener} %}}{expected}")
                continue
            stack.pop()
            continue
        elif name in _SIMPLE:
            probe = source
        else:
            bad(tag, f"标签“{_short(tag.text, 40)}”语法有误：未知的标签“{name or _short(source, 20)}”")
            continue
        try:
            env.parse(probe)
        except TemplateSyntaxError as exc:
            bad(tag, f"标签“{_short(tag.text, 40)}”语法有误：{_syntax_message(exc)}")
            if name in _BLOCKS:
                continue
        if name in _BLOCKS:
            stack.append((name, tag, len(sources) - 1))
    for name, tag, _ in reversed(stack):
        unclosed(name, tag)
        sources[-1] += "{%% %s %%}" % _BLOCKS[name]
    try:
        env.parse("\n".join(sources))
    except TemplateSyntaxError as exc:  # a case the checks above did not foresee
        tag = _tag_at_line(report.tags, exc.lineno)
        report.problems.append(Finding(tag.place if tag else "", f"标签语法有误：{_syntax_message(exc)}"))
        report.sources = []
        return False
    return ok


def _tag_at_line(tags: list[Tag], line: int | None) -> Tag | None:
    if not line or not tags:
        return None
    return tags[min(line, len(tags)) - 1]


# ---------------------------------------------------------------- names

@dataclass
class _Scope:
    names: dict  # name -> (shape, path)

    def child(self, **bound) -> "_Scope":
        return _Scope({**self.names, **bound})


def _written(node) -> str:
    """An expression as the template writes it: ``p.funds``, ``r``."""
    from jinja2 import nodes

    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_written(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_written(node.node)}[{node.arg.value!r}]"
    return "…"


def _describe(shape) -> str:
    if isinstance(shape, str):
        return shape
    if isinstance(shape, list):
        return "列表"
    return "一组值"


class _NameChecker:
    def __init__(self, report: TemplateReport, known: dict):
        self.report, self.known = report, known
        self.reported: set[tuple[str, str]] = set()

    def problem(self, node, message: str) -> None:
        tag = _tag_at_line(self.report.tags, getattr(node, "lineno", None))
        place = tag.place if tag else ""
        if (place, message) not in self.reported:
            self.reported.add((place, message))
            self.report.problems.append(Finding(place, message))

    def suggest(self, name: str, candidates) -> str:
        close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.5)
        return f"，是否应为“{close[0]}”？" if close else ""

    # returns (shape, path) of an expression
    def value(self, node, scope: _Scope):
        from jinja2 import nodes

        if isinstance(node, nodes.Name):
            if node.name in scope.names:
                return scope.names[node.name]
            if node.name in ("loop", "range", "lipsum", "dict", "cycler", "joiner", "namespace", "True",
                             "False", "None", "true", "false", "none"):
                return _ANY, ""
            self.problem(node, f"未知的名称“{node.name}”{self.suggest(node.name, scope.names)}")
            return _ANY, ""
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            base, path = self.value(node.node, scope)
            if isinstance(node, nodes.Getattr):
                attr = node.attr
            elif isinstance(node.arg, nodes.Const):
                attr = node.arg.value
            else:
                self.visit(node.arg, scope)
                if base is _REFUSED:
                    return _REFUSED, ""
                return (base[0] if isinstance(base, list) and base else _ANY), (path + "[]" if path else "")
            return self.member(node, base, path, attr)
        self.visit(node, scope)
        return _ANY, ""

    def member(self, node, base, path: str, attr):
        written = _written(node.node)
        if base is _REFUSED:
            return _REFUSED, ""
        if isinstance(attr, str) and attr.startswith("_"):
            self.problem(node, f"试图访问不允许的内容“{attr}”，已拒绝")
            return _REFUSED, ""
        if base is _ANY or base == "loop":
            return _ANY, ""
        if isinstance(base, dict):
            if attr in base:
                child_path = f"{path}.{attr}" if path else str(attr)
                self.report.used.add(child_path)
                return base[attr], child_path
            self.problem(node, f"“{written}”没有“{attr}”这一项{self.suggest(str(attr), base)}"
                               f"（可用：{'、'.join(base)}）")
            return _ANY, ""
        if isinstance(base, list):
            if isinstance(attr, int):
                return (base[0] if base else _ANY), f"{path}[]"
            if attr in ("length",):
                return _ANY, ""
            self.problem(node, f"“{written}”是{_describe(base)}，没有“{attr}”这一项（列表请用 {{%p for x in … %}} 逐项取值）")
            return _ANY, ""
        if isinstance(base, str):  # a text: its string methods are allowed by the sandbox
            if isinstance(attr, str) and hasattr(str, attr):
                return _ANY, ""
            self.problem(node, f"“{written}”是文字（{base}），没有“{attr}”这一项")
        return _ANY, ""

    def visit(self, node, scope: _Scope) -> _Scope:
        from jinja2 import nodes

        if isinstance(node, nodes.For):
            shape, path = self.value(node.iter, scope)
            element = shape[0] if isinstance(shape, list) and shape else _ANY
            if isinstance(shape, (str, dict)):
                self.problem(node, f"“{_written(node.iter)}”不是列表，不能逐项循环")
            if path:
                self.report.used.add(path)
            bound = {}
            for target in node.target.find_all(nodes.Name) if not isinstance(node.target, nodes.Name) else [node.target]:
                bound[target.name] = (element, f"{path}[]" if path else "")
            bound["loop"] = ("loop", "")
            inner = scope.child(**bound)
            if node.test is not None:
                self.visit(node.test, inner)
            for child in node.body:
                inner = self.visit(child, inner)
            for child in node.else_:
                self.visit(child, scope)
            return scope
        if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
            shape, path = self.value(node, scope)
            if path:
                self.report.used.add(path)
            return scope
        if isinstance(node, nodes.Assign):
            self.visit(node.node, scope)
            names = {n.name: (_ANY, "") for n in node.target.find_all(nodes.Name)}
            if isinstance(node.target, nodes.Name):
                names[node.target.name] = (_ANY, "")
            return scope.child(**names)
        if isinstance(node, nodes.Filter) or isinstance(node, nodes.Test):
            if node.node is not None:
                self.visit(node.node, scope)
            for arg in node.args:
                self.visit(arg, scope)
            for kw in node.kwargs:
                self.visit(kw.value, scope)
            return scope
        for child in node.iter_child_nodes():  # a {% set %} binds for the tags after it
            bound = self.visit(child, scope)
            scope = bound if isinstance(child, nodes.Assign) else scope
        return scope


def check_names(report: TemplateReport, kind: str, form=None) -> None:
    from builder.render.context import context_names

    known = context_names(kind, form)
    if not report.sources:
        return
    tree = _env().parse("\n".join(report.sources))
    checker = _NameChecker(report, known)
    scope = _Scope({name: (shape, name) for name, shape in known.items()})
    for node in tree.body:
        scope = checker.visit(node, scope)


# ---------------------------------------------------------------- what a template must keep

@lru_cache(maxsize=4)
def _shipped(kind: str) -> tuple[frozenset, int, int]:
    from builder.render.template import TEMPLATE_DIR

    path = TEMPLATE_DIR / f"{kind}.docx"
    report = collect(path, kind)
    check_syntax(report)
    check_names(report, kind)
    return frozenset(report.used), report.page_starts, len(report.merge_cells)


def _spelling(path: str) -> str:
    """A context path as the shipped templates write it: projects[].funds.total → p.funds.total."""
    for long, short in (("projects[].indicator_rows[]", "r"), ("projects[].budget_items[]", "i"), ("projects[]", "p")):
        if path.startswith(long):
            return short + path[len(long):]
    return path.replace("[]", "")


def _label(kind: str, path: str) -> str:
    from builder.render.context import context_names

    shape = context_names(kind)
    for part in path.replace("[]", "").split("."):
        shape = shape[0] if isinstance(shape, list) else shape
        shape = shape.get(part, "") if isinstance(shape, dict) else ""
    return _describe(shape) if shape else path


def check_completeness(report: TemplateReport, kind: str, template: Path, form=None) -> None:
    """Lost tags, merge markers or page starts (e.g. after an office program's save). A template of
    a bureau's own form, or one written with the Chinese names, is not compared with the shipped one
    (it prints another form); its 一级/二级指标 cells must still carry the merge marker."""
    from builder.render.template import TEMPLATE_DIR

    if template.resolve() == (TEMPLATE_DIR / f"{kind}.docx").resolve():
        required, starts, marks = report.used, report.page_starts, len(report.merge_cells)
    elif form is not None or not any(path.startswith("projects") for path in report.used):
        required, starts, marks = frozenset(), 0, 0
    else:
        required, starts, marks = _shipped(kind)
    for path in sorted(required - report.used):
        report.problems.append(Finding("", f"模板没有用到“{{{{ {_spelling(path)} }}}}”（{_label(kind, path)}）："
                                           "生成的文档会缺少这一项；请按标准模板补上标签"))
    for tag in report.tags:
        if re.search(r"\.(level1|level2|一级指标|二级指标)\b", tag.source) and not tag.marked:
            report.problems.append(Finding(tag.place, f"“{_short(tag.text, 30)}”所在单元格没有合并标记“{MERGE_MARKER}”："
                                                      "相同的一级/二级指标不会合并成一格；请在单元格文字末尾写上它"))
    if len(report.merge_cells) < marks:
        report.problems.append(Finding("", f"模板只有 {len(report.merge_cells)} 个单元格带合并标记“{MERGE_MARKER}”"
                                           f"（标准模板 {marks} 个）：合并单元格会变成分开的格子；请按标准模板补上"))
    if report.page_starts < starts:
        report.problems.append(Finding("", f"模板只有 {report.page_starts} 处分页（标准模板 {starts} 处）：每个项目的说明、"
                                           "申报表或自评表应从新的一页开始；请在这些标题段落上设“段前分页”或插入分页符"))


# ---------------------------------------------------------------- a template that prints the sources

_PROJECT_LISTS = ("projects", "项目列表")


def check_reads_sources(report: TemplateReport) -> None:
    """A template with no tag that reads a source value (last year's built document saved as the
    template), or none that reads the projects, builds the same text whatever the sources say."""
    if any(re.split(r"[.\[]", path, maxsplit=1)[0] in _PROJECT_LISTS for path in report.used):
        return
    if not report.used:
        message = ("模板中没有读取源文件的标签，生成的文档只会是模板本身的文字，与源文件无关"
                   "（是否把以前生成的文档当作了模板？请用 templates/ 中的标准模板，或 budgetdoc template new 写出的模板）")
    else:
        message = ("模板没有读取任何项目（没有 {%p for p in projects %} 或 {%p for 项目 in 项目列表 %} 这样的循环）："
                   "各项目的内容不会出现在生成的文档中（请按标准模板写出项目的循环）")
    report.problems.append(Finding("", message))


# ---------------------------------------------------------------- entry points

def guess_kind(template: Path) -> str:
    from builder.model import core as m

    for kind in m.DOCUMENT_KINDS:
        if kind in template.stem:
            return kind
    best = None
    for kind in m.DOCUMENT_KINDS:
        report = collect(template, kind)
        check_syntax(report)
        check_names(report, kind)
        score = len(report.problems)
        if best is None or score < best[0]:
            best = (score, kind)
    return best[1]


_RELATION_NAMES = {"image": "链接的图片", "attachedTemplate": "附加的模板", "oleObject": "链接的对象", "package": "链接的对象",
                   "subDocument": "子文档", "frame": "框架", "aFChunk": "嵌入的外部文档", "video": "链接的视频",
                   "audio": "链接的音频", "media": "链接的媒体", "externalLinkPath": "外部数据"}
_HYPERLINK = "/hyperlink"
_FIELD = re.compile(r"\b(INCLUDEPICTURE|INCLUDETEXT|INCLUDE|LINK|DDEAUTO|DDE|IMPORT)\b")
_INSTR = re.compile(rb"<w:instrText\b[^>]*>([^<]*)</w:instrText>|\bw:instr=\"([^\"]*)\"")
# an SVG image inside the template that links a file or an address (LibreOffice embeds a local
# file it names in the PDF): an href or url() that is not "#…" within the image, nor data:
_SVG_REFERENCE = re.compile(rb"""\bhref\s*=\s*["']\s*(?!#|data:)([^"']*)|url\(\s*["']?\s*(?!#|data:)([^)"']*)|@import""",
                            re.I)


def check_external_references(report: TemplateReport, template: Path) -> None:
    """A template must not reach outside itself: a relationship to an outside target (a linked
    image ``TargetMode="External"``, ``file://…``, ``http://…``, an attached template) would make
    LibreOffice fetch it while making the PDF, or embed a local file, and Word too when the
    .docx is opened; fields that include or link files (INCLUDEPICTURE, INCLUDETEXT, LINK, DDE)
    likewise. Each is a finding; hyperlinks (which nothing opens by itself) are allowed.
    Called by ``template check`` and, through ``check_template``, by every build."""
    from lxml import etree

    from builder.read.readonce import input_stream
    from builder.read.safeio import UnsafeFile, read_package_part

    try:
        # the same bytes the build renders and hashes (one read per build: builder.read.readonce)
        template = input_stream(template)
        with zipfile.ZipFile(template) as package:
            names = [info.filename for info in package.infolist()]
    except (OSError, UnsafeFile, zipfile.BadZipFile):
        return  # check_template_package says what is wrong with the file
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    for name in names:
        if not (name.endswith(".rels") or (name.startswith("word/") and name.endswith(".xml"))):
            _check_svg_references(report, template, name)
            continue
        try:
            data = read_package_part(template, name)
        except (UnsafeFile, KeyError, zipfile.BadZipFile, OSError):
            continue
        if name.endswith(".rels"):
            try:
                root = etree.fromstring(data, parser)
            except etree.XMLSyntaxError:
                report.problems.append(Finding("", f"部件 {name} 不是有效的 XML"))
                continue
            for relation in root:
                target, kind = relation.get("Target") or "", relation.get("Type") or ""
                if kind.endswith(_HYPERLINK):
                    continue
                outside = relation.get("TargetMode") == "External" or "://" in target or \
                    target.lower().startswith(("file:", "\\\\", "//"))
                if outside:
                    what = _RELATION_NAMES.get(kind.rsplit("/", 1)[-1], "外部引用")
                    report.problems.append(Finding("", f"含有{what}，指向模板之外的“{_short(target, 60)}”：生成 PDF 时会去读取或"
                                                       f"下载它，已拒绝。请在 Word 中删除它，或改为嵌入（插入图片时不选“链接到文件”）"))
            continue
        # a field's code may be split over several runs: read as Word does, the runs' texts joined
        runs = [m.group(1) for m in _INSTR.finditer(data) if m.group(1) is not None]
        simple = [m.group(2) for m in _INSTR.finditer(data) if m.group(2) is not None]
        for instruction in [b"".join(runs).decode("utf-8", "replace")] + [i.decode("utf-8", "replace") for i in simple]:
            field = _FIELD.search(instruction)
            if field:
                report.problems.append(Finding("", f"含有域“{field.group(1)}”（{_short(instruction[field.start():], 60)}），会读取模板之外的文件，"
                                                   f"已拒绝。请在 Word 中删除这个域，或把内容直接写进模板"))


def _check_svg_references(report: TemplateReport, template, name: str) -> None:
    """An image part that is an SVG (whatever its name says: it is read by its content) may not
    name a file or an address outside itself."""
    from builder.read.safeio import UnsafeFile, read_package_part

    try:
        data = read_package_part(template, name)
    except (UnsafeFile, KeyError, zipfile.BadZipFile, OSError):
        return
    if b"<svg" not in data[:4096].lower():
        return
    for match in _SVG_REFERENCE.finditer(data):
        target = (match.group(1) or match.group(2) or match.group(0)).decode("utf-8", "replace").strip()
        report.problems.append(Finding("", f"图片 {name} 中含有指向模板之外的“{_short(target, 60)}”：生成 PDF 时会读取它，"
                                           f"已拒绝。请在 Word 中换成不带链接的图片"))
        return


def check_template(template: Path, kind: str | None = None, form=None) -> TemplateReport:
    """Everything above, for ``template`` used as a document of ``kind`` (guessed when None) and of
    ``form`` (a bureau's form definition: its own fields and indicator sets are names too)."""
    from builder.model import core as m

    kind = kind or (m.TARGET_KIND if form is not None else guess_kind(template))
    report = collect(template, kind)
    check_external_references(report, template)
    syntax_ok = check_syntax(report)
    check_names(report, kind, form)
    if syntax_ok and not report.problems:
        check_reads_sources(report)
    if syntax_ok and not report.problems:
        check_completeness(report, kind, template, form)
    return report


def format_listing(report: TemplateReport) -> list[str]:
    """One line per tag: its place and the tag; a cell with the merge marker says so."""
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    column = max((width(place) for place, _ in report.listing), default=0)
    return [f"{place}{' ' * (column - width(place))}  {what}" for place, what in report.listing]


def describe_render_error(template: Path, exc) -> str:
    """A jinja error raised while rendering, in Chinese and placed where a tag uses the name."""
    from jinja2 import TemplateSyntaxError, UndefinedError

    name = template.name
    text = str(getattr(exc, "message", "") or exc)
    if isinstance(exc, UndefinedError):
        missing = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", text)
        word = next((g for g in missing.groups() if g), "") if missing else ""
        place = ""
        if word:
            try:
                for tag in collect(template).tags:
                    if re.search(rf"\b{re.escape(word)}\b", tag.source):
                        place = f" {tag.place}"
                        break
            except Exception:  # noqa: BLE001 - the message is still useful without a place
                place = ""
        return f"模板 {name}{place}: 用到了没有定义的值“{word}”（生成时不能留空）"
    if isinstance(exc, TemplateSyntaxError):
        return f"模板 {name}: 标签语法有误：{_syntax_message(exc)}（运行 budgetdoc template check {name} 查看位置）"
    return f"模板 {name}: 生成时出错（{type(exc).__name__}）；运行 budgetdoc template check {name} 查看标签"
