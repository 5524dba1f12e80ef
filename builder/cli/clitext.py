"""Chinese for click: usage lines, help headings and usage errors.

click writes every message it prints through ``gettext`` (``_("Usage:")``,
``_("No such option {name!r}.")``); ``install()`` gives click's modules a
``gettext``/``ngettext`` that looks the English text up in ``MESSAGES`` (the
placeholders stay, so click fills them in as before). ``show_usage_error`` prints
a usage error as two Chinese lines instead of click's ``Usage:`` / ``Try`` /
``Error:`` block. Everything that click can say to a user is in this one file.
"""

from __future__ import annotations

import re

import click

MESSAGES = {
    # help pages
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "deprecated": "已弃用",
    "Aborted!": "已中止。",
    # usage errors
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "No such option: {name}": "没有选项 {name}",
    "No such option {name!r}.": "没有选项 {name}。",
    "No such command {name!r}.": "没有命令 {name}。",
    "Did you mean {possibility}?": "是否应为 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是否应为其中之一：{possibilities}？）",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "argument": "参数",
    "option": "选项",
    "parameter": "参数",
    "Option {name!r} does not take a value.": "选项 {name} 后面不能跟值。",
    "Option {name!r} requires an argument.": "选项 {name} 后面要跟一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name} 后面要跟 {nargs} 个值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name} 要有 {nargs} 个值。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "{value!r} is not {choice}.": "“{value}”不是 {choice}。",
    "{value!r} is not one of {choices}.": "“{value}”不是可用的值（可用：{choices}）。",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的{number_type}。",
    "integer": "整数",
    "float": "数",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "“{value}”不是有效的是/否值（可用：{states}）",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "{name}“{filename}”是文件，应为文件夹。",
    "{name} {filename!r} is a directory.": "{name}“{filename}”是文件夹，应为文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”不可读。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”不可写。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”不可执行。",
    "File": "文件",
    "Directory": "文件夹",
    "Path": "路径",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "unknown error": "未知错误",
    "Value must be an iterable.": "值应为列表。",
    "Takes {nargs} values but 1 was given.": "要有 {nargs} 个值，这里只有 1 个。",
    "Takes {nargs} values but {len} were given.": "要有 {nargs} 个值，这里有 {len} 个。",
}


def display_width(text: str) -> int:
    """Columns on a terminal: a Chinese character takes two."""
    import unicodedata

    from click._compat import strip_ansi

    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in strip_ansi(text))


_WIDE = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_TOKENS = re.compile(f"\\[[^\\]]*\\]|[{_WIDE}]|[^\\s{_WIDE}]+|\\s+")  # click's "[默认：…]" stays whole
_CLOSING = set("，。、；：？！）」』”’》")  # never at the start of a line
_OPENING = set("（「『“‘《")  # never at the end of one


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for token in _TOKENS.findall(text):
        if tokens and (token[0] in _CLOSING or tokens[-1][-1] in _OPENING) and not tokens[-1].isspace():
            tokens[-1] += token
        else:
            tokens.append(token)
    return tokens


def _join(lines: list[str]) -> str:
    """A paragraph's lines as one: no space where a line break falls between Chinese characters."""
    text = ""
    for line in lines:
        line = line.strip()
        wide = re.match(f"[{_WIDE}]", line[:1]) or re.match(f"[{_WIDE}]", text[-1:])
        text += line if not text or wide else " " + line
    return text


def _fill(text: str, width: int, first: str, rest: str) -> str:
    lines, line, indent = [], "", first
    for token in _tokens(text):
        if token.isspace():
            token = " "
            if not line:
                continue
        if line and display_width(indent + line + token.rstrip()) > width:
            lines.append(indent + line.rstrip())
            line, indent = ("" if token == " " else token), rest
            continue
        line += token
    if line.strip():
        lines.append(indent + line.rstrip())
    return "\n".join(lines)


def wrap_text(text: str, width: int = 78, initial_indent: str = "", subsequent_indent: str = "",
              preserve_paragraphs: bool = False) -> str:
    """click's wrap_text (paragraphs, ``\\b`` blocks kept as written), measuring Chinese as two columns."""
    text = text.expandtabs()
    if not preserve_paragraphs:
        return _fill(_join(text.splitlines()), width, initial_indent, subsequent_indent)
    paragraphs, block = [], []
    for line in text.splitlines() + [""]:
        if line.strip():
            block.append(line)
            continue
        if block:
            indent = " " * (len(block[0]) - len(block[0].lstrip()))
            if block[0].strip() == "\b":
                paragraphs.append("\n".join(f"{initial_indent}{indent}{item.strip()}" if i == 0 else
                                            f"{subsequent_indent}{indent}{item.strip()}" for i, item in enumerate(block[1:])))
            else:
                paragraphs.append(_fill(_join(block), width, initial_indent + indent, subsequent_indent + indent))
            block = []
    return "\n\n".join(paragraphs)


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


_MODULES = ("core", "exceptions", "parser", "types", "formatting", "decorators", "termui")


def install() -> None:
    """Make click speak Chinese (idempotent)."""
    import importlib

    for name in _MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
    click.formatting.term_len = display_width  # options and their help line up under Chinese metavars
    click.formatting.wrap_text = wrap_text  # Chinese is wrapped by its width, its lines joined without spaces
    formatter = click.formatting.HelpFormatter
    if not getattr(formatter.write_usage, "_budgetdoc", False):
        original = formatter.write_usage

        def write_usage(self, prog, args="", prefix=None):
            return original(self, prog, args, "用法：" if prefix is None else prefix)

        write_usage._budgetdoc = True
        formatter.write_usage = write_usage

        def write_heading(self, heading):
            self.write(f"{'':>{self.current_indent}}{heading}：\n")

        formatter.write_heading = write_heading
    click.types._NumberRangeBase._describe_range = _describe_range
    option = click.core.Option
    if not getattr(option.get_help_record, "_budgetdoc", False):
        record = option.get_help_record

        def get_help_record(self, ctx):
            found = record(self, ctx)
            if found is None or not found[1].endswith("]") or "[" not in found[1]:
                return found
            spec, text = found
            head, extra = text.rsplit("[", 1)
            return spec, f"{head}[{extra.replace('; ', '；')}"  # [默认：8000；0–65535]

        get_help_record._budgetdoc = True
        option.get_help_record = get_help_record


def _describe_range(self) -> str:
    """click's ``0<=x<=65535``, ``x>=1`` as ``0–65535``, ``≥1``."""
    low = ">" if self.min_open else "≥"
    high = "<" if self.max_open else "≤"
    if self.min is None:
        return f"{high}{self.max}"
    if self.max is None:
        return f"{low}{self.min}"
    if self.min_open or self.max_open:
        return f"{low}{self.min} 且 {high}{self.max}"
    return f"{self.min}–{self.max}"


# what a value is, for a parameter that does not name it (click would print TEXT, INTEGER RANGE …)
TYPE_METAVARS = {"text": "文字", "integer": "整数", "integer range": "整数", "float": "数",
                 "float range": "数", "boolean": "是/否", "path": "路径", "filename": "文件",
                 "directory": "文件夹", "datetime": "时间", "uuid": "UUID"}


OPTIONS_METAVAR = "[选项]"


def localize(group: click.Group) -> None:
    """The metavars click writes in English (``[OPTIONS]``, ``COMMAND [ARGS]...``, ``TEXT``,
    ``INTEGER RANGE``) for every command: an option that names no metavar gets its type's
    Chinese name (``TYPE_METAVARS``); an argument must name its own (click would print its
    Python name, ``FOLDER``), which tests/cli/test_help.py checks."""
    group.options_metavar = OPTIONS_METAVAR
    group.subcommand_metavar = "命令 [参数]..."
    for command in group.commands.values():
        if isinstance(command, click.Group):
            localize(command)
        command.options_metavar = OPTIONS_METAVAR
        for param in command.params:
            if isinstance(param, click.Option) and param.metavar is None and not param.is_flag:
                if param.type.name in TYPE_METAVARS:
                    param.metavar = TYPE_METAVARS[param.type.name]


def show_usage_error(exc: click.UsageError) -> None:
    """``用法：budgetdoc build [选项] [路径]...`` and ``错误：……（运行“budgetdoc build --help”查看帮助。）``."""
    ctx = exc.ctx
    no_arguments = getattr(click.exceptions, "NoArgsIsHelpError", None)
    if no_arguments is not None and isinstance(exc, no_arguments) and ctx is not None:
        click.echo(ctx.get_help(), err=True)  # a group run without a command: its help, as click does
        return
    if ctx is not None:
        click.echo(ctx.get_usage(), err=True)
        help_hint = f"（运行“{ctx.command_path} --help”查看帮助）"
    else:
        help_hint = "（运行“budgetdoc --help”查看帮助）"
    click.echo(f"错误：{chinese_punctuation(exc.format_message())}{help_hint}", err=True)


def chinese_punctuation(message: str) -> str:
    """click quotes names as ``'--out'`` and ends with ``.``: “--out” and 。 read as Chinese."""
    import re

    message = re.sub(r"'([^']*)'", r"“\1”", message)
    message = re.sub(r"[.。]\s*（", "（", message)
    message = re.sub(r"。\s*$|\.\s*$", "", message.rstrip())
    return message


__all__ = ["install", "localize", "show_usage_error", "gettext", "ngettext", "MESSAGES"]

