"""The rendered body in segments: the frame, and one piece per project.

A template's project loop (``{%p for p in projects %}`` … ``{%p endfor %}`` at the
body's top level, as in the shipped templates) renders every project with the
same template text. Marked in the template source before rendering, the loop's
output splits into the *frame* (everything before and after the loop) and one
*item* per project. Each segment is finished on its own (merge markers, on/off
values) and serialized by lxml, so a project's item is the same bytes whether the
whole document was rendered or only that project — which is what lets a build
after a one-project edit render that project alone and reuse the others'
items (``builder.incremental``).

A template whose loop is not of that shape (inside a table, filtered, using
``loop.index``, or a frame that lists the projects) is rendered whole, as before:
``plan_loop`` returns None and the body is one segment.
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
    if re.search(_NAME.format(names), _jinja_text(frame)) or re.search(_NAME.format(f"loop|{names}"), _jinja_text(body)):
        return None  # the frame lists the projects, or an item depends on its position or its neighbours
    try:
        from jinja2 import meta

        used = meta.find_undeclared_variables(env.parse(body))
    except Exception:  # noqa: BLE001 - a loop body that does not parse alone is rendered whole
        return None
    used.discard(start.group("var"))
    item_source = start.group(0) + ITEM_START + body + ITEM_END + end.group(0)
    marked = source[:start.start()] + LOOP_START + item_source + LOOP_END + source[end.end():]
    standalone = not re.search(r"\{%-?\s*(set|macro|import|from|include|extends|block|call|filter|with)\b", source)
    return LoopPlan(marked, start.group("list"), tuple(sorted(used)), item_source if standalone else "")


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
