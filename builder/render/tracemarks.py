"""The markers a traced value prints itself between (builder.output.html.trace), known to the render.

The HTML preview renders a document's template a second time with every context value traced:
``\\ue010<n>\\ue011value\\ue012`` (private-use characters, never in a source; n the index of the
value's place in the context). The render's own passes that compare printed text — the merge of
equal 【合并】 cells (builder.render.merge) — compare it without the markers, so the traced render
merges exactly the cells the plain render merges.
"""

from __future__ import annotations

import re

OPEN, MID, CLOSE = "\ue010", "\ue011", "\ue012"
MARKS = re.compile(f"{OPEN}(\\d+){MID}|{CLOSE}")


def strip_marks(text: str) -> tuple[str, list[int]]:
    """The text without trace markers, and the indices of the values it prints (in order)."""
    found: list[int] = []

    def drop(match):
        if match.group(1) is not None:
            found.append(int(match.group(1)))
        return ""

    return MARKS.sub(drop, text), found


def unmarked(text: str) -> str:
    """The text as the plain render prints it."""
    return MARKS.sub("", text) if OPEN in text or CLOSE in text else text
