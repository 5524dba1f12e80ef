"""How this budgetdoc was installed, so a hint names the command that works for this user:
the pip of the Python running now (a venv, pipx's own venv, the system's), with ``-e DIR``
when the install is an editable one of a clone. The one place a missing extra's hint is made."""

from __future__ import annotations

import json
import shlex
import sys
from importlib import metadata
from urllib.parse import unquote, urlparse


def _editable_dir() -> str | None:
    """The clone's folder when budgetdoc is installed editable (pip -e), else None."""
    try:
        text = metadata.distribution("budgetdoc").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return None
    if not data.get("dir_info", {}).get("editable"):
        return None
    url = urlparse(data.get("url", ""))
    return unquote(url.path) if url.scheme == "file" else None


def install_hint(extra: str) -> str:
    """The command that adds the optional ``extra`` to the running install."""
    python = shlex.quote(sys.executable)
    clone = _editable_dir()
    if clone is not None:
        return f"{python} -m pip install -e {shlex.quote(clone + f'[{extra}]')}"
    if "pipx" in sys.prefix.split("/"):
        return f"pipx inject budgetdoc 'budgetdoc[{extra}]'"
    return f"{python} -m pip install 'budgetdoc[{extra}]'"
