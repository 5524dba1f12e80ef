"""A template's tags checked: the jinja syntax (blocks opened and closed in the same Word container)
and every name a tag uses, against the names the template context gives.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from builder.render.templatetags import (
    ANY, BLOCKS, DOCXTPL_PREFIX, Finding, REFUSED, SIMPLE, Tag, TemplateReport, shorten,
)


# ---------------------------------------------------------------- syntax

def _block_name(source: str) -> str:
    match = re.match(r"\{%-?\s*(\w+)", source)
    return match.group(1) if match else ""


def _env():
    from builder.render.template import template_environment

    return template_environment()


def syntax_message(exc) -> str:
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
    if not DOCXTPL_PREFIX.match(opener.text):
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
        same = f"（须在同一{where}内结束）" if not DOCXTPL_PREFIX.match(opener.text) or \
            (opener.text.startswith("{%p ") and opener.cell_key) else \
            "（docxtpl 的行、段落标签须成对：{%tr …%} 对 {%tr end…%}，{%p …%} 对 {%p end…%}）"
        report.problems.append(Finding(opener.place, f"“{shorten(opener.text, 40)}”没有对应的"
                                                     f" {{% {BLOCKS[name]} %}}{same}"))

    for tag in report.tags:
        source = tag.source
        sources.append(source.replace("\n", " "))
        if source.startswith("{#"):
            continue
        if source.startswith("{{"):
            try:
                env.parse(source)
            except TemplateSyntaxError as exc:
                bad(tag, f"标签“{shorten(tag.text, 40)}”语法有误：{syntax_message(exc)}")
            continue
        name = _block_name(source)
        if name in BLOCKS:
            probe = source + "{%% %s %%}" % BLOCKS[name]
        elif name in ("elif", "else"):
            probe = "{% if x %}" + source + "{% endif %}"
            while stack and not _same_container(stack[-1][1], tag):
                unclosed(stack[-1][0], stack[-1][1])
                sources[-2] += "{%% %s %%}" % BLOCKS[stack.pop()[0]]  # one line per tag
            allowed = ("if",) if name == "elif" else ("if", "for")
            if not stack or stack[-1][0] not in allowed:
                bad(tag, f"“{shorten(tag.text, 40)}”不在 {{% {' 或 '.join(allowed)} %}} 之内")
                continue
        elif name.startswith("end") and name[3:] in BLOCKS:
            opener = name[3:]
            while stack and not _same_container(stack[-1][1], tag) and any(
                    s[0] == opener for s in stack[:-1]):
                unclosed(stack[-1][0], stack[-1][1])
                sources[-2] += "{%% %s %%}" % BLOCKS[stack.pop()[0]]  # one line per tag
            if not stack or stack[-1][0] != opener:
                expected = (f"，这里应为 {{% {BLOCKS[stack[-1][0]]} %}}（对应{stack[-1][1].place}的"
                            f"“{shorten(stack[-1][1].text, 30)}”）") if stack else ""
                bad(tag, f"多余的“{shorten(tag.text, 30)}”：前面没有对应的 {{% {opener} %}}{expected}")
                continue
            stack.pop()
            continue
        elif name in SIMPLE:
            probe = source
        else:
            bad(tag, f"标签“{shorten(tag.text, 40)}”语法有误：未知的标签“{name or shorten(source, 20)}”")
            continue
        try:
            env.parse(probe)
        except TemplateSyntaxError as exc:
            bad(tag, f"标签“{shorten(tag.text, 40)}”语法有误：{syntax_message(exc)}")
            if name in BLOCKS:
                continue
        if name in BLOCKS:
            stack.append((name, tag, len(sources) - 1))
    for name, tag, _ in reversed(stack):
        unclosed(name, tag)
        sources[-1] += "{%% %s %%}" % BLOCKS[name]
    try:
        env.parse("\n".join(sources))
    except TemplateSyntaxError as exc:  # a case the checks above did not foresee
        tag = _tag_at_line(report.tags, exc.lineno)
        report.problems.append(Finding(tag.place if tag else "", f"标签语法有误：{syntax_message(exc)}"))
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


def describe(shape) -> str:
    if isinstance(shape, str):
        return shape
    if isinstance(shape, list):
        return "列表"
    return "一组值"


PROJECT_LIST = "项目列表"  # the Chinese list of the projects: its items are the form's project fields


def field_path(path: str) -> str:
    """The form's path of a Chinese context path: ``项目列表[].项目资金.年度资金申请总额`` →
    ``项目资金.年度资金申请总额``; a document field is its own name; "" for an English name."""
    head = PROJECT_LIST + "[]."
    if path.startswith(head):
        return path[len(head):]
    return path if path and path.isidentifier() and not path.isascii() else ""


def named_field(form, path: str) -> str:
    """“label（path）” of a context path's field, or "" when the form does not declare it."""
    source = field_path(path)
    if form is None or not source:
        return ""
    spec = form.field(source) or form.field(source, "文档")
    if spec is None and not any(source.startswith(t.path + ".") for t in form.money_tables()):
        return ""
    label = form.label(source)
    return f"“{label}”（{source}）" if label != source else f"“{source}”"


def engine_form(kind: str | None, form=None):
    """The form a template is checked against: ``form`` (builder.forms.formspec.Form) itself, or the
    shipped form of ``kind``; None when there is neither."""
    from builder.forms.formdef import shipped_form
    from builder.model import core as m

    if form is not None:
        return form
    return shipped_form(kind) if kind in m.DOCUMENT_KINDS else None


class _NameChecker:
    def __init__(self, report: TemplateReport, known: dict, form=None):
        self.report, self.known, self.form = report, known, form
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
                return ANY, ""
            self.problem(node, f"未知的名称“{node.name}”{self.suggest(node.name, scope.names)}")
            return ANY, ""
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            base, path = self.value(node.node, scope)
            if isinstance(node, nodes.Getattr):
                attr = node.attr
            elif isinstance(node.arg, nodes.Const):
                attr = node.arg.value
            else:
                self.visit(node.arg, scope)
                if base is REFUSED:
                    return REFUSED, ""
                return (base[0] if isinstance(base, list) and base else ANY), (path + "[]" if path else "")
            return self.member(node, base, path, attr)
        self.visit(node, scope)
        return ANY, ""

    def member(self, node, base, path: str, attr):
        written = _written(node.node)
        if base is REFUSED:
            return REFUSED, ""
        if isinstance(attr, str) and attr.startswith("_"):
            self.problem(node, f"试图访问不允许的内容“{attr}”，已拒绝")
            return REFUSED, ""
        if base is ANY or base == "loop":
            return ANY, ""
        if isinstance(base, dict):
            if attr in base:
                child_path = f"{path}.{attr}" if path else str(attr)
                self.report.used.add(child_path)
                return base[attr], child_path
            field = named_field(self.form, path)
            self.problem(node, f"“{written}”{'是' + field + '，' if field else ''}没有“{attr}”这一项"
                               f"{self.suggest(str(attr), base)}（可用：{'、'.join(base)}）")
            return ANY, ""
        if isinstance(base, list):
            if isinstance(attr, int):
                self.index(node, written, path, attr)
                return (base[0] if base else ANY), f"{path}[]"
            if attr in ("length",):
                return ANY, ""
            self.problem(node, f"“{written}”是{describe(base)}，没有“{attr}”这一项（列表请用 {{%p for x in … %}} 逐项取值）")
            return ANY, ""
        if isinstance(base, str):  # a text: its string methods are allowed by the sandbox
            if isinstance(attr, str) and hasattr(str, attr):
                return ANY, ""
            self.problem(node, f"“{written}”是文字（{base}），没有“{attr}”这一项")
        return ANY, ""

    def index(self, node, written: str, path: str, index: int) -> None:
        """A row of a 表格 taken by its number: past the form's declared 最大 it is never there."""
        source = field_path(path)
        spec = self.form.field(source) if self.form is not None and source else None
        if spec is None or spec.maximum is None or index < spec.maximum:
            return
        self.problem(node, f"“{written}[{index}]”取第 {index + 1} 行，超出了{named_field(self.form, path)}的末尾："
                           f"表单规定最多 {spec.maximum} 行（请用 {{%tr for 行 in {written} %}} 逐行取值）")

    def visit(self, node, scope: _Scope) -> _Scope:
        from jinja2 import nodes

        if isinstance(node, nodes.For):
            shape, path = self.value(node.iter, scope)
            element = shape[0] if isinstance(shape, list) and shape else ANY
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
            names = {n.name: (ANY, "") for n in node.target.find_all(nodes.Name)}
            if isinstance(node.target, nodes.Name):
                names[node.target.name] = (ANY, "")
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
    checker = _NameChecker(report, known, engine_form(kind, form))
    scope = _Scope({name: (shape, name) for name, shape in known.items()})
    for node in tree.body:
        scope = checker.visit(node, scope)
