"""``budgetdoc git-setup``: readable ``git diff`` of built .docx files and of Chinese sources.

- ``.gitattributes``: ``*.docx diff=docx`` and ``*.yaml`` / ``*.toml`` ``diff=budgetdoc``.
- repository config: ``core.quotepath false`` (Chinese file names shown as they are, not
  octal-escaped); ``diff.docx.textconv`` runs ``budgetdoc totext`` (found on PATH) (one line per
  paragraph, one ``| a | b |`` line per table row), and both drivers get a word
  regex that keeps numbers whole (``1,418,000.00``, ``90%``) and takes Chinese one
  character at a time — as UTF-8 byte sequences, so it works under any locale,
  ``LC_ALL=C`` included.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from builder.read import childproc

# bytes: 0xC0-0xFF is a UTF-8 lead byte, 0x80-0xBF a continuation byte
WORD_REGEX = b"[0-9]+([.,][0-9]+)*%?|[A-Za-z_]+|[\xc0-\xff][\x80-\xbf]+|[^[:space:]]"
ATTRIBUTES = ["*.docx diff=docx", "*.yaml diff=budgetdoc", "*.yml diff=budgetdoc", "*.toml diff=budgetdoc"]


class NotARepository(Exception):
    pass


def repository_root(start: Path) -> Path:
    try:
        result = childproc.run(["git", "rev-parse", "--show-toplevel"], "GIT", cwd=start)
    except childproc.Overrun as overrun:
        raise NotARepository(f"git 在 {overrun.seconds:g} 秒内未完成（可调 BUDGETDOC_GIT_SECONDS）") from None
    if result.returncode != 0:
        raise NotARepository(f"{start} 不在 git 仓库中（先运行 git init）")
    return Path(os.fsdecode(result.stdout.rstrip(b"\r\n")))  # a folder name in any encoding


def _git_config(root: Path, key: str, value: str | bytes) -> None:
    """Set a repository config value; ``bytes`` go to git unchanged (the word regex holds raw UTF-8 bytes)."""
    raw = value if isinstance(value, bytes) else value.encode("utf-8")
    command = [b"git", b"config", b"--local", key.encode(), raw]
    result = childproc.run(command, "GIT", cwd=root)
    if result.returncode != 0:
        raise subprocess.CalledProcessError(result.returncode, command, result.stdout, result.stderr)


def textconv_command() -> str:
    """How git runs totext: the ``budgetdoc`` command found on PATH, as for every other command.

    Not this Python's absolute path: the setting is kept in .git/config for the life of the
    clone, and a virtualenv that is made again, moved, or shared by people whose home folders
    differ would leave git running a file that is no longer there. ``python -m builder`` would
    depend on PATH just the same (on which ``python``), and say less when it fails."""
    return TEXTCONV


# git appends the file's path and runs this with sh; without budgetdoc on PATH it says so in one line
MISSING_COMMAND = "找不到 budgetdoc 命令，git 无法显示 .docx 的文字：请把安装 budgetdoc 的 bin 文件夹加入 PATH（或用 pipx 安装 budgetdoc）"
TEXTCONV = (f"f() {{ command -v budgetdoc >/dev/null 2>&1 || {{ echo '{MISSING_COMMAND}' >&2; exit 1; }}; "
            f"exec budgetdoc totext \"$@\"; }}; f")


def path_note() -> str:
    """What the user must do for git to find the ``budgetdoc`` command (textconv), said for the
    install at hand: nothing when it is on PATH, else the folder of this one to put on PATH."""
    import shutil
    import sys

    found = shutil.which("budgetdoc")
    if found:
        return f"git 通过 PATH 找到 budgetdoc 命令来显示 .docx（现在找到的是 {found}）"
    here = Path(sys.executable).parent
    return (f"git 通过 PATH 找到 budgetdoc 命令来显示 .docx，但现在 PATH 上没有它："
            f"请把 {here} 加入 PATH（或用 pipx 安装 budgetdoc）")


def _attributes_bytes(path: Path) -> bytes:
    """The repository's .gitattributes as bytes (empty when there is none); a link or a
    non-regular file is refused, not followed or replaced."""
    from builder.read.safeio import UnsafeFile, read_regular

    if not os.path.lexists(path):
        return b""
    if path.is_symlink():
        raise NotARepository(f"{path} 是链接，git 不读取链接形式的 .gitattributes；未修改。请改为普通文件后重试")
    try:
        return read_regular(path, 1024 * 1024)
    except UnsafeFile as exc:
        raise NotARepository(f"{path}: {exc}；未修改") from None


def setup(start: Path) -> list[str]:
    """Configure the repository containing ``start``; returns what was done, in Chinese."""
    from builder.output.atomic import write_atomic

    root = repository_root(start)
    done = []
    attributes = root / ".gitattributes"
    existing = _attributes_bytes(attributes)
    lines = [line.rstrip(b"\r").strip() for line in existing.split(b"\n")]
    missing = [line for line in ATTRIBUTES if line.encode("ascii") not in lines]
    if missing:
        # the file's own bytes kept as they are (git reads them as bytes: a GBK comment is fine),
        # our ASCII lines added at the end
        head = existing.rstrip(b"\r\n") + b"\n" if existing.strip() else b""
        write_atomic(attributes, head + "\n".join(missing).encode("ascii") + b"\n")
        done.append(f"已写入 {attributes}：{'；'.join(missing)}")
    _git_config(root, "diff.docx.textconv", textconv_command())
    _git_config(root, "core.quotepath", "false")
    _git_config(root, "diff.docx.wordRegex", WORD_REGEX)
    _git_config(root, "diff.budgetdoc.wordRegex", WORD_REGEX)
    done.append("已设置 git config diff.docx.textconv、diff.docx.wordRegex、diff.budgetdoc.wordRegex")
    done.append("已设置 git config core.quotepath false：git status、git diff 直接显示中文文件名")
    done.append("现在 git diff / git log -p 显示 .docx 的文字；git diff --word-diff=color 按字显示中文修改（删去的红色、新增的绿色）")
    done.append(path_note())
    return done
