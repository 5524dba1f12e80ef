"""Today's template context of the four shipped documents, kept as JSON, for the context-equality
test (tests/render/test_context_walk.py).

``python tests/render/contextgolden.py`` writes them again; do that only when a change of the
context is intended, and say so in the commit (the templates of every user read these names).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
DOCUMENTS = {
    "申报": ROOT / "sources" / "2025-绩效目标申报",
    "自评": ROOT / "sources" / "2023-绩效自评",
    "佳县": ROOT / "examples" / "佳县-2016",
    "markdown": ROOT / "examples" / "markdown" / "2025-绩效目标申报-markdown",
}


def plain(value):
    """The context as JSON values (a context holds only dicts, lists, strings, bools, None and the merge spans' ints)."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if value is None or isinstance(value, (str, bool, int)):  # int: the merge spans (level1_rows …)
        return value
    if isinstance(value, (Decimal, dt.date)):  # never in a context: marked so a test sees it
        return f"<{type(value).__name__}:{value}>"
    return f"<{type(value).__name__}>"


def context_of(name: str) -> dict:
    from builder.load.loader import load_document
    from builder.render.context import document_context

    loaded = load_document(DOCUMENTS[name])
    assert loaded.document is not None, [p.format() for p in loaded.errors]
    return plain(document_context(loaded.document))


def golden_path(name: str) -> Path:
    return DATA / f"context-{name}.json"


def write() -> None:
    DATA.mkdir(exist_ok=True)
    for name in DOCUMENTS:
        text = json.dumps(context_of(name), ensure_ascii=False, indent=1)
        golden_path(name).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT))
    write()
