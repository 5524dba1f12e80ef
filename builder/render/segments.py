"""The rendered body in segments: the frame, and one piece per project.

A template's project loop (``{%p for p in projects %}`` … ``{%p endfor %}`` at the
body's top level, as in the shipped templates) renders every project with the
same template text. Marked in the template source before rendering, the loop's
output splits into the *frame* (everything before and after the loop) and one
*item* per project. Each segment is finished on its own (merge markers, on/off
values) and serialized by lxml, so a project's item is the same bytes whether the
whole document was rendered or only that project — which is what lets a build
after a one-project edit render that project alone and reuse the others'
items (``builder.output.incremental``).

Splitting is allowed only where it is proven harmless: the loop body is read as a
Jinja syntax tree and every node must be on an allow-list of stateless constructs
(``_stateless``): output, constants, the loop variable and the context's own names,
attributes and items, operators, conditions, nested loops over values (their own
``loop`` included), ``{% set %}`` of a plain name (local to one iteration) and pure
filters and tests. Anything else — ``namespace`` and ``set ns.x``, a name the frame
sets (``{% set %}``, ``with``, a macro, an import), the project loop's ``loop``,
``cycler``, ``joiner``, ``range``, any call (a macro, a method that could change a
shared list), an unlisted filter — and a template whose loop is not of the shape above
(inside a table, filtered, a frame that lists the projects) is rendered whole, as
before: ``plan_loop`` returns None and the body is one segment. Such templates are
legal; they are only never rebuilt piecewise, so an incremental build equals a cold one.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

LOOP_NAMES = ("projects", "项目列表")
LOOP_START, LOOP_END = "<!--budgetdoc:loop-->", "<!--budgetdoc:/loop-->"
ITEM_START, ITEM_END = "<!--budgetdoc:item-->", "<!--budgetdoc:/item-->"
_MARKERS = (LOOP_START, LOOP_END, ITEM_START, ITEM_END)

_TAG = re.compile(r"\{%-?\s*(for|endfor)\b.*?-?%\}", re.S)
_FOR = re.compile(r"\{%-?\s*for\s+(?P<var>\w+)\s+in\s+(?P<list>\w+)\s*-?%\}")
_NAME = r"(?<![\w.])(?:{})(?!\w)"


@dataclass(frozen=True)
class LoopPlan:
    """The template source with the project loop marked, and what the loop body reads."""

    source: str
    list_name: str
    used_globals: tuple[str, ...]  # names of the context the loop body reads (besides its variable)
    # the loop alone, as a template of its own (for rendering some projects' items without the
    # frame); empty when the frame sets variables, defines macros or includes other templates
    item_source: str = ""


def plan_loop(source: str, env) -> LoopPlan | None:
    """Mark the template's top-level project loop in docxtpl's patched ``source``; None when
    there is no such loop, or when its items could depend on anything but their project and
    the context names they read."""
    loops = [m for m in _FOR.finditer(source) if m.group("list") in LOOP_NAMES]
    if len(loops) != 1:
        return None
    start = loops[0]
    end = _matching_endfor(source, start.start())
    if end is None:
        return None
    body = source[start.end():end.start()]
    frame = source[:start.start()] + source[end.end():]
    names = "|".join(LOOP_NAMES)
    if re.search(_NAME.format(names), _jinja_text(frame)) or re.search(_NAME.format(names), _jinja_text(body)):
        return None  # the frame lists the projects, or an item depends on its neighbours
    try:
        from jinja2 import meta

        body_tree, frame_tree = env.parse(body), env.parse(frame)
        used = meta.find_undeclared_variables(body_tree)
    except Exception:  # noqa: BLE001 - a loop body (or frame) that does not parse alone is rendered whole
        return None
    if not _stateless(body_tree, env, _declared(frame_tree)):
        return None  # an item could depend on its position, on earlier items or on the frame's state
    used.discard(start.group("var"))
    item_source = start.group(0) + ITEM_START + body + ITEM_END + end.group(0)
    marked = source[:start.start()] + LOOP_START + item_source + LOOP_END + source[end.end():]
    standalone = not re.search(r"\{%-?\s*(set|macro|import|from|include|extends|block|call|filter|with|autoescape)\b",
                               source)
    return LoopPlan(marked, start.group("list"), tuple(sorted(used)), item_source if standalone else "")


# Filters that are functions of their arguments only (no state, no randomness). ``map`` and the
# like apply another filter or test by name: allowed when that one is listed too (tests all are).
_PURE_FILTERS = frozenset({
    "abs", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
    "forceescape", "format", "indent", "int", "items", "join", "last", "length", "list", "lower", "max",
    "min", "replace", "reverse", "round", "safe", "slice", "batch", "sort", "string", "striptags", "sum",
    "title", "trim", "truncate", "unique", "upper", "wordcount", "wordwrap", "groupby", "tojson",
    "attr", "map", "select", "reject", "selectattr", "rejectattr", "xmlattr", "filesizeformat",
})
_APPLYING_FILTERS = frozenset({"map"})
# Names that are never a value of the document: Jinja's stateful helpers and its special names.
_UNSAFE_NAMES = frozenset({"range", "lipsum", "dict", "cycler", "joiner", "namespace", "self", "caller",
                           "varargs", "kwargs", "loop"})


def _declared(tree) -> set[str]:
    """Every name the frame binds: ``set``, ``with``, loop targets, macros, imports."""
    from jinja2 import nodes

    names = {node.name for node in tree.find_all(nodes.Name) if node.ctx in ("store", "param")}
    names |= {node.name for node in tree.find_all(nodes.Macro)}
    names |= {node.target for node in tree.find_all(nodes.Import)}
    for node in tree.find_all(nodes.FromImport):
        names |= {name if isinstance(name, str) else name[1] for name in node.names}
    return names


def _stateless(tree, env, frame_names: set[str]) -> bool:
    """Whether a loop body renders each item from its project and the context alone: every node
    on the allow-list (see the module's docstring)."""
    from jinja2 import nodes

    simple = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Const, nodes.Getattr, nodes.Getitem,
              nodes.Slice, nodes.CondExpr, nodes.If, nodes.And, nodes.Or, nodes.Not, nodes.Neg, nodes.Pos,
              nodes.Compare, nodes.Operand, nodes.Concat, nodes.BinExpr, nodes.Tuple, nodes.List, nodes.Dict,
              nodes.Pair, nodes.Keyword, nodes.With, nodes.EvalContextModifier)

    def visit(node, in_loop: bool) -> bool:
        if isinstance(node, nodes.Name):
            if node.ctx == "load":
                if node.name == "loop":
                    return in_loop  # a nested loop's own counter restarts with every project
                return node.name not in _UNSAFE_NAMES and node.name not in frame_names
            return node.name not in _UNSAFE_NAMES  # a plain set or loop target: local to the iteration
        if isinstance(node, (nodes.Assign, nodes.AssignBlock)):
            if not isinstance(node.target, nodes.Name):  # ``set ns.n = …`` changes a namespace
                return False
        elif isinstance(node, nodes.For):
            if node.recursive:
                return False
            return (all(visit(child, in_loop) for child in (node.target, node.iter, *node.else_)
                        if child is not None)
                    and (node.test is None or visit(node.test, in_loop))
                    and all(visit(child, True) for child in node.body))
        elif isinstance(node, (nodes.Filter, nodes.FilterBlock)):
            filters = [node] if isinstance(node, nodes.Filter) else [node.filter]
            for item in filters:
                if item.name not in _PURE_FILTERS or item.dyn_args is not None or item.dyn_kwargs is not None:
                    return False
                if item.name in _APPLYING_FILTERS and item.args and not (
                        isinstance(item.args[0], nodes.Const) and item.args[0].value in _PURE_FILTERS):
                    return False
        elif isinstance(node, nodes.Test):
            if node.name not in env.tests or node.dyn_args is not None or node.dyn_kwargs is not None:
                return False
        elif not isinstance(node, simple):
            return False  # a call, a macro, an include, an import, a block …
        return all(visit(child, in_loop) for child in node.iter_child_nodes())

    return visit(tree, False)


def lists_projects(source: str) -> bool:
    """Whether a part's Jinja reads the project list (a header or footer that does cannot be
    reused while only some projects are rendered again)."""
    return re.search(_NAME.format("|".join(LOOP_NAMES)), _jinja_text(source)) is not None


def _matching_endfor(source: str, begin: int):
    depth = 0
    for tag in _TAG.finditer(source, begin):
        depth += 1 if tag.group(1) == "for" else -1
        if depth == 0:
            return tag
    return None


def _jinja_text(source: str) -> str:
    """The Jinja tags and expressions of a template source (not its literal text)."""
    return "\n".join(re.findall(r"\{[{%].*?[}%]\}", source, re.S))


def globals_digest(context: dict, plan: LoopPlan) -> str:
    """A digest of the context values the loop body reads: the items of an earlier build are
    valid only while it is the same."""
    values = {name: context.get(name) for name in plan.used_globals}
    return hashlib.sha256(json.dumps(values, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def frame_digest(context: dict) -> str:
    """A digest of every context value but the project lists: the frame (title, totals, headers
    and footers) rendered by an earlier build is valid only while it is the same."""
    values = {name: value for name, value in context.items() if name not in LOOP_NAMES}
    return hashlib.sha256(json.dumps(values, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def split_items(rendered: str) -> list[str] | None:
    """The items of a rendered ``item_source`` (None when its markers are out of place)."""
    items, position = [], 0
    while position < len(rendered):
        if not rendered.startswith(ITEM_START, position):
            return None
        close = rendered.find(ITEM_END, position)
        if close < 0:
            return None
        items.append(rendered[position + len(ITEM_START):close])
        position = close + len(ITEM_END)
    return items


@dataclass
class Segments:
    """A rendered ``<w:body>``: ``head`` + items + ``tail`` (each serialized XML text);
    ``items`` is None when the body was rendered whole (then ``head`` is all of it)."""

    head: str
    items: list[str] | None
    tail: str

    def body(self) -> str:
        return self.head + "".join(self.items or ()) + self.tail


def split_body(body: str, expected: int | None) -> tuple[str, list[str]] | None:
    """The raw rendered body as frame (with the loop position kept as LOOP_START) and items;
    None when the markers are not where the plan put them (e.g. the loop sits inside a
    condition that was false) or the count differs from the projects rendered."""
    first, last = body.find(LOOP_START), body.rfind(LOOP_END)
    if first < 0 or last < first or body.count(LOOP_START) != 1 or body.count(LOOP_END) != 1:
        return None
    items = split_items(body[first + len(LOOP_START):last])
    if items is None:
        return None
    if expected is not None and len(items) != expected:
        return None
    if any(marker in item for item in items for marker in _MARKERS):
        return None
    frame = body[:first] + LOOP_START + body[last + len(LOOP_END):]
    return frame, items


def body_open_tag(body: str) -> str:
    """The rendered body's start tag, with its namespace declarations."""
    return body[:body.index(">") + 1]


def strip_markers(body: str) -> str:
    """The rendered body without the plan's markers: what rendering the unmarked template gives."""
    for marker in _MARKERS:
        body = body.replace(marker, "")
    return body
