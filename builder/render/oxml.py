"""The raw WordprocessingML layer: small helpers that build and edit XML elements.

Kept apart from the domain code, as python-docx keeps its ``oxml`` package apart
from its friendly API. Used by the template generator and by packaging.
"""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

TWIPS_PER_CM = 567


def el(tag: str, attrs: dict | None = None, children=()):
    """``el("w:vMerge", {"w:val": "restart"})`` → an element with namespaced attributes."""
    element = OxmlElement(tag)
    for key, value in (attrs or {}).items():
        element.set(qn(key), str(value))
    for child in children:
        element.append(child)
    return element


def set_fonts(rpr, east_asia: str, latin: str = "Times New Roman") -> None:
    """Name the fonts for Chinese text too: ``w:eastAsia``, not only the Latin slots."""
    for old in rpr.findall(qn("w:rFonts")):
        rpr.remove(old)
    fonts = el("w:rFonts", {
        "w:ascii": latin, "w:hAnsi": latin, "w:eastAsia": east_asia, "w:cs": latin, "w:hint": "eastAsia",
    })
    rpr.insert(0, fonts)


def child(parent, tag: str):
    """The existing child ``tag`` of ``parent``, or a new one appended."""
    found = parent.find(qn(tag))
    if found is None:
        found = el(tag)
        parent.append(found)
    return found


def replace_child(parent, element) -> None:
    for old in parent.findall(element.tag):
        parent.remove(old)
    parent.append(element)


def field_runs(instruction: str, placeholder: str, rpr_factory) -> list:
    """A complex field (PAGE, NUMPAGES) as begin / instrText / separate / result / end runs."""

    def run(*children):
        r = el("w:r")
        r.append(rpr_factory())
        for c in children:
            r.append(c)
        return r

    instr = el("w:instrText", {"xml:space": "preserve"})
    instr.text = f" {instruction} "
    text = el("w:t")
    text.text = placeholder
    return [
        run(el("w:fldChar", {"w:fldCharType": "begin"})),
        run(instr),
        run(el("w:fldChar", {"w:fldCharType": "separate"})),
        run(text),
        run(el("w:fldChar", {"w:fldCharType": "end"})),
    ]
