"""The one bound on YAML and TOML text: nesting and size are checked before any recursive
code (ruamel's composer — in C it crashes the process at about 50,000 levels —, tomllib,
the converters of ``builder.read.sources``) sees the text.

``yaml_bound`` walks the parser's events: libyaml's parser (and ruamel's pure-Python one)
is a state machine, so it never recurses however deep the text, and the walk stops at the
first node nested more than ``MAX_DEPTH`` levels or past ``MAX_NODES`` values. ``toml_bound``
is a linear scan of the text: ``[`` ``{`` of arrays and inline tables, the parts of dotted
keys and of ``[table]`` headers. Both give ``(line, col, 说明)`` of the first node over the
limit, or None. Every reader of a user's YAML/TOML goes through ``builder.read.sources.read_source``
(which calls these); readers that need ruamel's round-trip tree (comments kept) take the text
from ``builder.read.sources.accepted_text``: text that reader accepted."""

from __future__ import annotations

import re
from pathlib import Path

MAX_NODES = 100_000  # after alias expansion: stops "billion laughs"
MAX_DEPTH = 40
TOO_DEEP = f"嵌套层数过深（上限 {MAX_DEPTH} 层）"
TOO_MANY = f"内容过多（超过 {MAX_NODES:,} 个值）"

Bound = tuple[int, int, str]


def line_col(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


# ---------------------------------------------------------------- YAML

def _yaml_events(text: str):
    try:
        from ruamel.yaml.cyaml import CBaseLoader
    except ImportError:  # no compiled extension for this Python: the pure-Python parser
        from ruamel.yaml import YAML

        yield from YAML(typ="rt").parse(text)
        return
    loader = CBaseLoader(text)
    try:
        while True:
            event = loader.get_event()
            if event is None:
                return
            yield event
    finally:
        loader.dispose()


def yaml_bound(text: str) -> Bound | None:
    """The first node nested deeper than MAX_DEPTH, or the first past MAX_NODES (aliases are
    counted once here; their expansion is counted by the converter). A syntax error met before
    is raised as the parser raises it (the same error the composer would raise)."""
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

    depth = nodes = 0
    for event in _yaml_events(text):
        if isinstance(event, CollectionEndEvent):
            depth -= 1
            continue
        if not isinstance(event, (CollectionStartEvent, ScalarEvent, AliasEvent)):
            continue
        nodes += 1
        if depth > MAX_DEPTH or nodes > MAX_NODES:
            mark = event.start_mark
            return mark.line + 1, mark.column + 1, TOO_DEEP if depth > MAX_DEPTH else TOO_MANY
        if isinstance(event, CollectionStartEvent):
            depth += 1
    return None


# ---------------------------------------------------------------- TOML

class _Found(Exception):
    """A node over the limit, at a position of the text."""


class _Confused(Exception):
    """Text the scan does not follow (a syntax error, which tomllib reports): the rest is
    scanned for brackets only, so that tomllib still never nests deeper than the limit."""


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^,\[\]{}#\n\"']+")
_BLANK = re.compile(r"[ \t]*")
_BLANK_LINES = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")


class _TomlScan:
    """Depths as the tree has them: the root table 0, ``a.b = 1`` puts 1 at 2, ``[a.b]`` is a
    table at 2, ``[[a]]`` an array at 1 of tables at 2, array items and inline-table entries one
    below their container."""

    def __init__(self, text: str):
        self.text = text
        self.nodes = 0

    def run(self) -> Bound | None:
        try:
            self.statements()
        except _Found as found:
            position, message = found.args
            return (*line_col(self.text, position), message)
        except _Confused as confused:
            return self.brackets(*confused.args)
        return None

    def at(self, i: int) -> str:
        return self.text[i] if i < len(self.text) else ""

    def node(self, i: int, depth: int):
        self.nodes += 1
        if depth > MAX_DEPTH:
            raise _Found(i, TOO_DEEP)
        if self.nodes > MAX_NODES:
            raise _Found(i, TOO_MANY)

    def statements(self):
        text, i, base, tables = self.text, 0, 0, set()
        while i < len(text):
            i = _BLANK_LINES.match(text, i).end()
            if i >= len(text):
                return
            if text[i] == "[":
                array = text.startswith("[[", i)
                start = i
                i, base, path = self.key(i + (2 if array else 1), 0, tables)
                if array:  # the element the following keys go into
                    base += 1
                    self.node(start, base)
                    tables.add(path)
                close = "]]" if array else "]"
                if not text.startswith(close, i):
                    raise _Confused(i, 0)
                i += len(close)
            else:
                i, depth, _ = self.key(i, base)
                if self.at(i) != "=":
                    raise _Confused(i, 0)
                i = self.value(_BLANK.match(text, i + 1).end(), depth)
            i = _BLANK.match(text, i).end()
            if self.at(i) == "#":
                end = text.find("\n", i)
                i = len(text) if end < 0 else end
            if self.at(i) not in ("\n", "\r", ""):
                raise _Confused(i, 0)

    def key(self, i: int, base: int, tables: set | None = None) -> tuple[int, int, tuple]:
        """A dotted key from ``i``: the position after it and its blanks, the depth of its last part
        (part k is a node at ``base + k``) and its parts. In a header (``tables``: the arrays of
        tables met so far) a part naming an array of tables adds the level of its last element."""
        text, depth, path = self.text, base, ()
        while True:
            i = _BLANK.match(text, i).end()
            depth += 1
            self.node(i, depth)
            start = i
            if self.at(i) and self.at(i) in "\"'":
                i = self.string(i)
                name = text[start + 1:i - 1]
            else:
                bare = _BARE_KEY.match(text, i)
                if not bare:
                    raise _Confused(i, 0)
                i, name = bare.end(), bare.group()
            i = _BLANK.match(text, i).end()
            more = self.at(i) == "."
            if tables is not None:
                path += (name,)
                if more and path in tables:
                    depth += 1
                    self.node(start, depth)
            if not more:
                return i, depth, path
            i += 1

    def string(self, i: int) -> int:
        """The position after the string starting at ``i`` (an unterminated one runs to the end of its line)."""
        text, quote = self.text, self.text[i]
        if text.startswith(quote * 3, i):
            end = i + 3
            while True:
                end = text.find(quote * 3, end)
                if end < 0:
                    return len(text)
                if quote == "'" or not _escaped(text, end):
                    end += 3
                    for _ in range(2):  # up to two quotes just before the closing three are content
                        if self.at(end) == quote:
                            end += 1
                    return end
                end += 1
        end = i + 1
        while end < len(text) and text[end] not in (quote, "\n"):
            end += 2 if quote == '"' and text[end] == "\\" else 1
        return end + 1 if self.at(end) == quote else end

    def value(self, i: int, depth: int) -> int:
        """One value from ``i``, a node at ``depth``; arrays and inline tables are followed with a
        stack of their own (no recursion). Returns the position after it."""
        text, stack = self.text, []
        while True:
            self.node(i, depth)
            char = self.at(i)
            if char == "[":
                stack.append(("[", depth))
                i = _BLANK_LINES.match(text, i + 1).end()
                if self.at(i) == "]":  # [] : closed at once
                    i += 1
                    stack.pop()
                else:
                    depth += 1
                    continue
            elif char == "{":
                stack.append(("{", depth))
                i = _BLANK.match(text, i + 1).end()
                if self.at(i) == "}":
                    i += 1
                    stack.pop()
                else:
                    i, depth = self.entry(i, depth, len(stack))
                    continue
            elif char and char in "\"'":
                i = self.string(i)
            else:
                scalar = _SCALAR.match(text, i)
                if not scalar or not scalar.group().strip():
                    raise _Confused(i, len(stack))
                i = scalar.end()
            while stack:  # after a value: the next item or entry, or the end of its container
                kind, outer = stack[-1]
                skip = _BLANK_LINES if kind == "[" else _BLANK
                i = skip.match(text, i).end()
                end = "]" if kind == "[" else "}"
                if self.at(i) == ",":
                    i = skip.match(text, i + 1).end()
                    if kind == "[" and self.at(i) != "]":
                        depth = outer + 1
                        break
                    if kind == "{":
                        i, depth = self.entry(i, outer, len(stack))
                        break
                if self.at(i) != end:
                    raise _Confused(i, len(stack))
                i += 1
                stack.pop()
            else:
                return i

    def entry(self, i: int, table: int, open_: int) -> tuple[int, int]:
        """``key = `` of an inline table at depth ``table``: the position of its value and its depth."""
        i, depth, _ = self.key(i, table)
        if self.at(i) != "=":
            raise _Confused(i, open_)
        return _BLANK.match(self.text, i + 1).end(), depth

    def brackets(self, i: int, depth: int) -> Bound | None:
        """From where the scan lost the thread: the nesting of ``[`` ``{`` (strings and comments
        skipped), the most tomllib can recurse before it reports its syntax error."""
        text = self.text
        while i < len(text):
            char = text[i]
            if char in "\"'":
                i = self.string(i)
                continue
            if char == "#":
                end = text.find("\n", i)
                i = len(text) if end < 0 else end
                continue
            if char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return (*line_col(text, i), TOO_DEEP)
            elif char in "]}":
                depth = max(0, depth - 1)
            i += 1
        return None


def _escaped(text: str, position: int) -> bool:
    backslashes = 0
    while position - backslashes - 1 >= 0 and text[position - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def toml_bound(text: str) -> Bound | None:
    return _TomlScan(text).run()
