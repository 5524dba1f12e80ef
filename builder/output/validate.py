"""Microsoft's Open XML SDK validator on .docx files (``budgetdoc validate``, ``template check``).

The validator is the npm package ``@ooxml-tools/validate`` (the SDK compiled to WebAssembly), run
by Node through the driver shipped beside this module (``validate-ooxml.mjs``: one Node process for
all files, so the SDK starts once). It is not a Python package, so budgetdoc finds it, in order:

1. the folder named by ``OOXML_VALIDATE_DIR``;
2. ``.ci/node_modules/@ooxml-tools/validate`` in the repository (what ``.ci/run`` installs);
3. ``$XDG_DATA_HOME/budgetdoc/validator`` (default ``~/.local/share/budgetdoc/validator``), where
   ``install_command()`` puts it for the user.

Node runs through the one child-process bound (``read/childproc``, kind ``VALIDATE``).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from builder.read import childproc
from builder.read.errors import display_path
from builder.read.safeio import package_problem

SCRIPT = Path(__file__).resolve().with_name("validate-ooxml.mjs")
PACKAGE = "@ooxml-tools/validate"
VERSION = "0.4.6"
OFFICE_VERSION = "Office2016"
_ENTRY = ("dist", "npm", "index.js")


def user_folder() -> Path:
    """Where the user installs the validator once for every repository."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "budgetdoc" / "validator"


def install_command() -> str:
    """The command that installs the validator for the user."""
    return f"npm install --prefix {user_folder()} {PACKAGE}@{VERSION}"


class ValidatorMissing(Exception):
    """Node or the validator package is not installed; the message says how to install it."""


class ValidatorFailed(Exception):
    """The validator ran and failed (not a finding about a file)."""


@dataclass(frozen=True)
class Finding:
    """One schema error the SDK reports: its description, the part and the element's XPath."""

    description: str
    part: str
    xpath: str

    def format(self) -> str:
        where = f"{self.part} {self.xpath}".strip()
        return f"  {where}：{self.description}" if where else f"  {self.description}"


def _short(description: str) -> str:
    """The SDK's description without its list of every element that would be allowed there."""
    head, _, rest = description.strip().partition(" List of possible elements expected:")
    return f"{head}（此处允许的元素共 {rest.count(',') + 1} 种，略）" if rest else head


def find_package(root: Path | None = None) -> Path | None:
    """The folder of ``@ooxml-tools/validate``, or None."""
    named = os.environ.get("OOXML_VALIDATE_DIR")
    candidates = [Path(named)] if named else []
    if root is not None:
        candidates.append(Path(root) / ".ci" / "node_modules" / "@ooxml-tools" / "validate")
    candidates.append(user_folder() / "node_modules" / "@ooxml-tools" / "validate")
    for candidate in candidates:
        if candidate.joinpath(*_ENTRY).is_file():
            return candidate
    return None


def missing_message() -> str:
    """The one line saying how to install what is missing."""
    if shutil.which("node") is None:
        return (f"未找到 Node.js，无法运行 Microsoft 的 Open XML SDK 验证器：先安装 Node.js"
                f"（Debian/Ubuntu：sudo apt-get install nodejs npm），再运行 {install_command()}")
    return f"未找到 Microsoft 的 Open XML SDK 验证器（{PACKAGE}）：运行 {install_command()} 安装一次即可"


def validate(files: list[Path], root: Path | None = None) -> dict[Path, list[Finding]]:
    """Each file's schema errors (an empty list: valid). Raises ValidatorMissing or ValidatorFailed."""
    package = find_package(root)
    node = shutil.which("node")
    if package is None or node is None:
        raise ValidatorMissing(missing_message())
    named = {Path(f): str(Path(f).resolve()) for f in files}  # each file as given: as Node is given it
    for path in named:
        problem = package_problem(path)
        if problem:
            raise ValidatorFailed(f"{display_path(path)}：{problem}")
    command = [node, str(SCRIPT), str(package), OFFICE_VERSION, *named.values()]
    try:
        done = childproc.run(command, "VALIDATE")
    except childproc.Overrun as exc:
        raise ValidatorFailed(f"验证器超时（{exc}）") from None
    except OSError as exc:
        raise ValidatorFailed(f"无法运行 Node.js：{exc}") from None
    text = done.stdout.decode("utf-8", "replace").strip()
    if done.returncode != 0 or not text:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        said = [line for line in lines if "Error" in line][:1] or lines[-1:] or [f"退出码 {done.returncode}"]
        raise ValidatorFailed(f"验证器出错：{said[0].strip()}")
    try:
        raw = json.loads(text.splitlines()[-1])
    except ValueError:
        raise ValidatorFailed("验证器的输出无法读取") from None
    results = {}
    for path, argument in named.items():
        errors = raw.get(argument, [])
        results[path] = [Finding(_short(str(e.get("description", ""))),
                                 str((e.get("path") or {}).get("partUri", "")),
                                 str((e.get("path") or {}).get("xpath", ""))) for e in errors]
    return results


def summary_line(path: Path, root: Path | None) -> tuple[str, bool]:
    """What ``template check`` says of the validator: whether it ran, and with what result; and
    whether the file passed (a validator that could not run fails nothing)."""
    try:
        findings = validate([Path(path)], root)[Path(path)]
    except ValidatorMissing as exc:
        return f"未运行 Open XML SDK 验证器：{exc}", True
    except ValidatorFailed as exc:
        return f"Open XML SDK 验证器未能完成：{exc}", True
    if findings:
        return (f"Open XML SDK 验证器：{len(findings)} 个错误，Word 可能无法打开生成的文档"
                f"（budgetdoc validate {display_path(Path(path))} 逐条列出）。", False)
    return "Open XML SDK 验证器：0 个错误。", True
