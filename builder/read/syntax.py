"""YAML and TOML text → located raw trees (the parsers behind builder.read.sources).

Every parse runs inside the one bound of builder.read.parsebounds; every problem is located
(``path:line:col``) and explained in Chinese.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from decimal import Decimal
from pathlib import Path

from builder.read.errors import Location, Problems
from builder.read.parsebounds import MAX_DEPTH, MAX_NODES, TOO_DEEP, line_col, toml_bound, yaml_bound
from builder.read.rawtree import Entry, Mapping, Node, Scalar, Sequence


def parse(path: Path, raw: bytes, problems: Problems) -> Node | None:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.error(Location(path, line, 1), "", "文件不是 UTF-8 编码，请在编辑器中另存为 UTF-8")
        return None
    if path.suffix == ".toml":
        return read_toml(path, text, problems)
    return read_yaml(path, text, problems)


# ---------------------------------------------------------------- YAML

class _TooBig(Exception):
    pass


def _compose(text: str):
    """The YAML node graph with marks: libyaml through ruamel.yaml's C loader when installed
    (about 20 times faster), else ruamel.yaml's pure-Python composer. Scalars are resolved
    by ``_YamlConverter`` itself (YAML 1.2 core rules), so both give the same values."""
    try:
        from ruamel.yaml.cyaml import CBaseLoader
    except ImportError:  # no compiled extension for this Python
        from ruamel.yaml import YAML

        return YAML(typ="rt").compose(text)
    loader = CBaseLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def read_yaml(path: Path, text: str, problems: Problems) -> Node | None:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        bound = yaml_bound(text)  # before the composer, which recurses (and crashes in C)
        if bound is not None:
            line, col, message = bound
            problems.error(Location(path, line, col), "", message)
            return None
        node = _compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message, line, col = locate_yaml_error(exc, text, line, col)
        problems.error(Location(path, line, col), "", message)
        return None
    except YAMLError as exc:  # reader errors: control characters, bad encoding
        line, col = _reader_location(text, exc)
        problems.error(Location(path, line, col), "", f"文件含有 YAML 不允许的字符（{_reader_char(exc)}）")
        return None
    if node is None:  # an empty file (or only comments): reported by the loader as empty
        return Scalar(None, Location(path, 1, 1))
    converter = _YamlConverter(path, problems)
    try:
        return converter.convert(node, 0)
    except _TooBig as exc:
        problems.error(exc.args[0], "", str(exc.args[1]))
        return None


def _reader_char(exc) -> str:
    char = getattr(exc, "character", None)
    if isinstance(char, int):
        return f"U+{char:04X}"
    if isinstance(char, str) and char:
        return f"U+{ord(char[0]):04X}"
    return "不可见字符"


def _reader_location(text: str, exc) -> tuple[int, int]:
    """Where a reader error is: libyaml counts UTF-8 bytes, the pure-Python reader characters;
    the offending character itself settles which."""
    position = getattr(exc, "position", None)
    if not isinstance(position, int):
        return 1, 1
    char = getattr(exc, "character", None)
    char = chr(char) if isinstance(char, int) else char
    if not (isinstance(char, str) and position < len(text) and text[position] == char):
        position = len(text.encode("utf-8")[:position].decode("utf-8", "ignore"))
    return _line_col(text, position)


_line_col = line_col


_PLAIN_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


class _YamlConverter:
    def __init__(self, path: Path, problems: Problems):
        self.path = path
        self.problems = problems
        self.count = 0

    def loc(self, node) -> Location:
        return Location(self.path, node.start_mark.line + 1, node.start_mark.column + 1)

    def convert(self, node, depth: int) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(self.loc(node), f"内容过多（超过 {MAX_NODES:,} 个值，可能是别名 * 的循环展开）")
        if depth > MAX_DEPTH:
            raise _TooBig(self.loc(node), TOO_DEEP)
        if node.id == "mapping":
            return self.mapping(node, depth)
        if node.id == "sequence":
            return Sequence([self.convert(item, depth + 1) for item in node.value], self.loc(node))
        return self.scalar(node)

    def mapping(self, node, depth: int) -> Mapping:
        entries: dict[str, Entry] = {}
        for key_node, value_node in node.value:
            key_loc = self.loc(key_node)
            key = self.key_text(key_node)
            if key is None:
                continue
            if key == "<<" and not getattr(key_node, "style", None):
                self.problems.error(key_loc, "", "不支持 YAML 合并键 “<<”，请直接写出各个键")
                continue
            if key in entries:
                first = entries[key].key_loc
                self.problems.error(key_loc, key, f"键“{key}”重复（第 {first.line} 行已出现），请删除其中一个")
                continue
            entries[key] = Entry(key, key_loc, self.convert(value_node, depth + 1))
        return Mapping(entries, self.loc(node))

    def key_text(self, key_node) -> str | None:
        if key_node.id != "scalar":
            self.problems.error(self.loc(key_node), "", "键必须是一段文字")
            return None
        return str(key_node.value).strip()

    def scalar(self, node) -> Scalar:
        loc = self.loc(node)
        text = node.value
        if node.style:  # quoted or block scalar: always text (plain is None, or "" from libyaml)
            return Scalar(text, loc, text, quoted=True)
        return Scalar(resolve_plain(text), loc, text)


# YAML 1.2 core schema, as users expect it: 250000.00 is a number, 2025-01-01 a date,
# yes/no/on/off are words (not booleans as in YAML 1.1).
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NUMBER = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")


def resolve_plain(text: str):
    if _NULL.match(text):
        return None
    if _BOOL.match(text):
        return text.lower() == "true"
    if _NUMBER.match(text):
        return _decimal(text)
    if _PLAIN_DATE.match(text):
        return _date(text)
    return text


def _decimal(text: str):
    cleaned = text.replace("_", "")
    try:
        number = Decimal(cleaned)
    except ArithmeticError:
        return text
    return number if number.is_finite() else text


def _date(text: str):
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return dt.date(year, month, day)
    except ValueError:
        return text


# Syntax errors: the parser's English problem, said again in plain Chinese,
# with the traps users actually fall into recognised from the offending line.
_SPECIAL_START = re.compile(r"^\s*(?:-\s+)?[^:#]+:\s+([>|%*&!@\[{`])")
_NO_SPACE_AFTER_COLON = re.compile(r"^\s*(?:-\s+)?[^\s:#'\"][^:#]*:(?=[^\s:/])")
_PROBLEMS = [
    ("found character '\\t'", "不能用 Tab 缩进，请改用空格"),
    ("mapping values are not allowed", "此处不能出现“: ”（值中含有冒号时请给整个值加引号）"),
    ("did not find expected key", "缩进不一致：同一层的键要对齐"),
    ("could not find expected ':'", "缺少“: ”（键和值之间要有英文冒号和一个空格）"),
    ("found undefined alias", "值以“*”开头时必须加引号"),
    ("found duplicate anchor", "值以“&”开头时必须加引号"),
    ("expected <block end>, but found", "缩进不一致：同一层的键要对齐"),
    ("found unexpected end of stream", "引号或括号没有闭合"),
    ("while scanning a quoted scalar", "引号没有闭合"),
    ("while parsing a flow", "方括号或花括号没有闭合（值以“[”或“{”开头时必须加引号）"),
    ("while scanning a block scalar", "值以“>”或“|”开头时必须加引号，例如 \">=90%\"（或写成 ≥90%）"),
]


def explain_yaml_error(exc, text: str, line: int) -> str:
    return locate_yaml_error(exc, text, line, 1)[0]


def locate_yaml_error(exc, text: str, line: int, col: int) -> tuple[str, int, int]:
    """The Chinese explanation of a YAML syntax error and where the mistake is. The parser
    notices a missing ``: `` or a ``：`` only on the line after the slip; a hint that
    recognises the slip on the line before moves the place to that line."""
    lines = text.splitlines()
    hint = None
    if 0 < line <= len(lines) and "\t" in lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip())]:
        return "YAML 语法错误：不能用 Tab 缩进，请改用空格", line, col
    start = max(0, line - 2)
    for number, source_line in enumerate(lines[start:line], start=start + 1):
        if "：" in source_line and ":" not in source_line.split("#")[0]:
            hint = ("键后用了中文冒号“：”，应为英文冒号加空格“: ”", number, source_line.index("：") + 1)
            break
        match = _SPECIAL_START.match(source_line)
        if match:
            char = match.group(1)
            hint = (f"以“{char}”开头的值必须加引号，例如 \">=90%\"（或写成 ≥90%）", number, match.start(1) + 1)
            break
        match = _NO_SPACE_AFTER_COLON.match(source_line)
        if match:
            hint = ("键后的冒号后面要有一个空格（写成“键: 值”）", number, match.end())
            break
    if hint:
        message, where_line, where_col = hint
        if where_line != line:
            return "YAML 语法错误：" + message, where_line, where_col
        return "YAML 语法错误：" + message, line, col
    problem = f"{exc.problem or ''} {exc.context or ''}"
    for needle, chinese in _PROBLEMS:
        if needle in problem:
            return "YAML 语法错误：" + chinese, line, col
    return f"YAML 语法错误：无法解析（{(exc.problem or exc.context or '').strip()}）", line, col


# ---------------------------------------------------------------- TOML

_MAX_TOML_DIGITS = 1000

def read_toml(path: Path, text: str, problems: Problems) -> Node | None:
    bound = toml_bound(text)  # before tomllib, which recurses into arrays and inline tables
    if bound is not None:
        line, col, message = bound
        problems.error(Location(path, line, col), "", message)
        return None
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except ValueError as exc:
        if not isinstance(exc, tomllib.TOMLDecodeError):  # Python's int() refusing thousands of digits
            long_number = re.search(r"[0-9_]{%d,}" % _MAX_TOML_DIGITS, text)
            line, col = _line_col(text, long_number.start()) if long_number else (1, 1)
            problems.error(Location(path, line, col), "", "数字位数过多，无法读取")
            return None
        match = re.search(r"line (\d+), column (\d+)", str(exc))
        line, col = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
        reason = str(exc).split(" (at ")[0]
        problems.error(Location(path, line, col), "", f"TOML 语法错误：{_toml_reason(reason)}")
        return None
    locator = _TomlLocator(path, text)
    try:
        return _toml_node(data, (), locator)
    except _TooBig as exc:
        problems.error(exc.args[0], "", str(exc.args[1]))
        return None


def _toml_node(value, key_path: tuple, locator: "_TomlLocator") -> Node:
    loc = locator.find(key_path)
    if len(key_path) > MAX_DEPTH:  # the levels of arrays of tables, which the scan does not count
        raise _TooBig(loc, TOO_DEEP)
    if isinstance(value, dict):
        entries = {}
        for key, item in value.items():
            child_path = key_path + (key,)
            entries[key] = Entry(key, locator.find(child_path), _toml_node(item, child_path, locator))
        return Mapping(entries, loc)
    if isinstance(value, list):
        return Sequence([_toml_node(item, key_path + (i,), locator) for i, item in enumerate(value)], loc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Scalar(Decimal(str(value)), loc, str(value))
    if isinstance(value, Decimal) and not value.is_finite():  # nan, inf: a word, as in YAML
        return Scalar(str(value).lower(), loc, str(value).lower())
    if isinstance(value, dt.datetime):
        return Scalar(value.date(), loc, value.isoformat())
    return Scalar(value, loc, str(value) if value is not None else "", quoted=isinstance(value, str))


_TOML_REASONS = [
    ("Invalid initial character for a key part", "键名无效：中文键名要加引号，例如 \"项目名称\" = \"…\""),
    ("Invalid value", "值无效：文字要加引号，例如 \"≥90(%)\""),
    ("Cannot overwrite a value", "键重复，请删除其中一个"),
    ("Cannot declare", "表头重复，请删除其中一个"),
    ("Expected '=' after a key", "键后缺少“=”"),
    ("Unterminated string", "引号没有闭合"),
    ("Illegal character", "含有不允许的字符"),
    ("Invalid statement", "无法识别的语句：键名要加引号，键和值之间用“=”"),
]


def _toml_reason(reason: str) -> str:
    for needle, chinese in _TOML_REASONS:
        if reason.startswith(needle):
            return chinese
    return f"无法解析（{reason}）"


class _TomlLocator:
    """Best-effort line numbers for TOML keys (tomllib gives none).

    Tracks ``[table]`` / ``[[array]]`` headers and ``key = value`` lines; a value
    whose line cannot be found is placed at its nearest located ancestor.
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*(.+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"^\s*((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-\u0080-\U0010ffff]+)(?:\s*\.\s*(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-\u0080-\U0010ffff]+))*)\s*=")

    def __init__(self, path: Path, text: str):
        self.path = path
        self.positions: dict[tuple, Location] = {(): Location(path, 1, 1)}
        counters: dict[tuple, int] = {}
        table: tuple = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = self._HEADER.match(line)
            if header and not line.lstrip().startswith("#"):
                keys = tuple(self._split(header.group(2)))
                if header.group(1) == "[[":
                    index = counters.get(keys, 0)
                    counters[keys] = index + 1
                    self.positions.setdefault(keys, Location(path, number, 1))
                    table = keys + (index,)
                else:
                    table = self._resolve(keys, counters)
                self.positions.setdefault(table, Location(path, number, 1))
                continue
            key = self._KEY.match(line)
            if key:
                full = table + tuple(self._split(key.group(1)))
                col = len(line) - len(line.lstrip()) + 1
                self.positions.setdefault(full, Location(path, number, col))

    @staticmethod
    def _resolve(keys: tuple, counters: dict) -> tuple:
        # a [a.b] header below [[a]] belongs to the last element of a
        resolved: tuple = ()
        for key in keys:
            resolved = resolved + (key,)
            if resolved in counters:
                resolved = resolved + (counters[resolved] - 1,)
        return resolved

    @staticmethod
    def _split(dotted: str) -> list[str]:
        parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([^.\s]+)", dotted)
        return [a or b or c for a, b, c in parts]

    def find(self, key_path: tuple) -> Location:
        while key_path not in self.positions:
            key_path = key_path[:-1]
        return self.positions[key_path]
