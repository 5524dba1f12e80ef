"""Writing source files: YAML in the documented format (docs/sources.md).

Shared by ``budgetdoc import`` and ``budgetdoc new``: money as ``1418000.00``,
blank cells as ``null``, texts as ``|-`` blocks with one paragraph per line,
strings that YAML would misread in double quotes, keys in the form's order.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from builder.model.values import round_half_up


class Num(str):
    """A number written as its text: ``1418000.00``, ``8``, ``2.50``."""


@lru_cache(maxsize=1)
def _representer_class():
    """ruamel's round-trip representer with our scalars, as a subclass (ruamel's own stays untouched)."""
    from ruamel.yaml.representer import RoundTripRepresenter

    class Representer(RoundTripRepresenter):
        pass

    def number(representer, data):
        tag = "tag:yaml.org,2002:float" if "." in data else "tag:yaml.org,2002:int"
        return representer.represent_scalar(tag, str(data))

    def null(representer, data):
        return representer.represent_scalar("tag:yaml.org,2002:null", "null")

    def date(representer, data):
        return representer.represent_scalar("tag:yaml.org,2002:timestamp", data.isoformat())

    def text(representer, data):
        # a text that cannot stay plain is written in double quotes, as docs/sources.md does (">=90%")
        return representer.represent_scalar("tag:yaml.org,2002:str", data, style='"' if _needs_quotes(data) else None)

    Representer.add_representer(Num, number)
    Representer.add_representer(str, text)
    Representer.add_representer(type(None), null)
    Representer.add_representer(dt.date, date)
    return Representer


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.Representer = _representer_class()
    yaml.width = 1_000_000
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    return yaml


@lru_cache(maxsize=1)
def _probe():
    from ruamel.yaml import YAML

    probe = YAML(typ="rt")
    probe.width = 1_000_000
    return probe


@lru_cache(maxsize=4096)
def _needs_quotes(text: str) -> bool:
    """Whether ruamel would quote this one-line text (it looks like a number, date, comment, indicator…)."""
    if "\n" in text:
        return False
    buffer = io.StringIO()
    _probe().dump({"k": text}, buffer)
    return buffer.getvalue().startswith(("k: '", 'k: "'))


def money(value: Decimal | None):
    return None if value is None else Num(f"{round_half_up(value):f}")


def money_in(value: Decimal | None, unit: str):
    """An amount (元) as a table printed in ``unit`` writes it: 元 as ``money``; 万元 as ``"178.60万"``
    (at least two decimals, every one the amount has — exact, never rounded)."""
    from builder.model.values import TEN_THOUSAND

    if value is None or not unit.startswith("万元"):
        return money(value)
    wan = value / TEN_THOUSAND
    text = f"{wan.quantize(Decimal('0.01'))}" if wan == wan.quantize(Decimal("0.01")) else f"{wan.normalize():f}"
    return f"{text}万"


def score(value: Decimal) -> Num:
    return Num(f"{value:f}")


def text_block(lines: list[str]):
    from ruamel.yaml.scalarstring import LiteralScalarString

    return LiteralScalarString("\n".join(lines)) if lines else ""


def flow(values: list):
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    return seq


@lru_cache(maxsize=1)
def blank_line_before() -> tuple[str, ...]:
    """The top-level keys written after a blank line: those of the shipped forms' skeletons."""
    from builder.forms.formdef import shipped_form
    from builder.forms.skeleton import spaced_keys
    from builder.model.core import EVALUATION_KIND, TARGET_KIND

    return spaced_keys(shipped_form(kind) for kind in (TARGET_KIND, EVALUATION_KIND))


def dump(data, path: Path, note: str = "") -> None:
    """Write ``data`` (after ``note``, comment lines) as a new file: never over an existing one
    (``builder.output.atomic.write_new``)."""
    from builder.output.atomic import write_new

    write_new(path, note + dump_text(data))


def dump_text(data) -> str:
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    lines = buffer.getvalue().splitlines()
    out = []
    for line in lines:
        if line.startswith(blank_line_before()) and out and out[-1] != "":
            out.append("")
        out.append(line)
    return "\n".join(out) + "\n"


def indicator_tree(rows: list, leaf) -> dict:
    from ruamel.yaml.comments import CommentedMap

    tree = CommentedMap()
    for l1, l2, name, payload in rows:
        tree.setdefault(l1, CommentedMap()).setdefault(l2, CommentedMap())[name] = leaf(payload)
    return tree
