"""Stage 6 — outputs: write files so that a failed or interrupted build never
overwrites or truncates the last good one.

The bytes go to a temporary file beside the output (named with the writing
process's id), are flushed to disk, and only then renamed over the output —
an atomic step. Interrupted by SIGINT or SIGTERM, the temporary file is
removed; killed outright (kill -9), it is left behind and removed by the next
write of the same output.

This is the one way every command writes a file (docs/sources.md, "写入文件"):

- ``write_atomic`` replaces an output the tool makes (a build's .docx, a redline, a cache
  entry): a link standing where the output goes is replaced, never written through, and an
  output that is one of the command's ``inputs`` (the template, the two documents compared …)
  is refused before anything is written;
- ``write_new`` creates a file that must not exist yet (``new``, ``import``): anything already
  there — a user's file, a link — is refused, never overwritten;
- both leave the file with the permissions of the user's umask (``0666 & ~umask``), like any
  other program, not the 0600 of a temporary file.

A refusal is ``WriteRefused``, an ``OSError`` whose text is Chinese, so every command's
"无法写入 …" handling says it.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
import time
from pathlib import Path

from builder.read.errors import display_path
from builder.read.safeio import describe_os_error

_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(path: Path) -> None:
    """Temporary files of ``path`` left by writers that no longer run."""
    if not path.parent.is_dir():
        return
    for candidate in path.parent.iterdir():
        match = _TEMP.match(candidate.name)
        if match and match.group("name") == path.name and not _alive(int(match.group("pid"))):
            try:
                candidate.unlink()
            except OSError:
                pass


class WriteRefused(OSError):
    """A file the command will not write; ``strerror`` is the user-facing Chinese reason."""

    def __init__(self, path: Path, reason: str):
        super().__init__(None, reason, str(path))

    def __str__(self) -> str:
        from builder.read.errors import display_path

        return f"{display_path(Path(self.filename))}: {self.strerror}"


def _umask() -> int:
    """The process's umask: from /proc where there is one (setting it to read it would, for a
    moment, change it for the other threads of ``serve``), else by setting it back at once."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The permissions a new file gets under the user's umask: ``0666 & ~umask``."""
    return 0o666 & ~_umask()


def refuse_inputs(path: Path, inputs) -> None:
    """``WriteRefused`` when ``path`` is one of ``inputs`` (links followed, so a second name
    of the same file — a hard link, a link, ``./a.docx`` — counts too)."""
    try:
        target = os.stat(path)
    except OSError:
        return  # nothing there yet: it cannot be a file that was read
    for source in inputs or ():
        try:
            same = source is not None and os.path.samestat(target, os.stat(source))
        except OSError:
            continue
        if same:
            raise WriteRefused(path, "是本命令读取的输入文件，不能作为输出（会覆盖它），请换一个输出位置")


def write_new(path: Path, data: bytes | str) -> None:
    """Create ``path`` with ``data`` (text is written as UTF-8); ``WriteRefused`` when
    anything — a file, a folder, a link, even one pointing nowhere — is already there."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if os.path.lexists(path):
        raise WriteRefused(path, "已存在，未覆盖（请先移走它，或换一个文件夹）")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_temporary(path, data, durable=True)
    try:
        try:
            os.link(tmp, path)  # fails if something appeared at ``path`` meanwhile: never replaces
        except FileExistsError:
            raise WriteRefused(path, "已存在，未覆盖（请先移走它，或换一个文件夹）") from None
        except OSError as exc:  # a file system without hard links: an exclusive create instead
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), file_mode())
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
    finally:
        _discard(tmp)


def write_atomic(path: Path, data: bytes, durable: bool = True, inputs=()) -> str | None:
    """Write ``data`` to ``path`` through a temporary file and a rename; ``durable`` also
    flushes it to disk first (not needed for caches, which may always be rebuilt). A link at
    ``path`` is replaced (its target left alone); ``path`` being one of ``inputs`` is refused.
    Returns what was replaced, for a command writing where the user named to say so:
    ``replaced_note`` of it (None when nothing was there)."""
    path = Path(path)
    refuse_inputs(path, inputs)
    replaced = "链接" if os.path.islink(path) else "文件" if os.path.lexists(path) else None
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    tmp = _write_temporary(path, data, durable)
    try:
        os.replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise
    return replaced


def replaced_note(replaced: str | None) -> str:
    """What a command adds to its 已生成 line when ``write_atomic`` replaced something."""
    if replaced == "链接":
        return "（原来是一个链接，已换成文件；链接所指的文件未改动）"
    return "（替换了原有的同名文件）" if replaced else ""


def _write_temporary(path: Path, data: bytes, durable: bool) -> str:
    """``data`` in a new temporary file beside ``path``, with the umask's permissions."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            delay = float(os.environ.get("BUDGETDOC_TEST_WRITE_DELAY", "0") or 0)
            if delay:  # lets the crash-safety tests interrupt a build in the middle of a write
                handle.write(data[: len(data) // 2])
                handle.flush()
                time.sleep(delay)
                handle.write(data[len(data) // 2:])
            else:
                handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, file_mode())
        return tmp
    except BaseException:
        _discard(tmp)
        raise


def _discard(tmp: str) -> None:
    """Remove a temporary file of ours, if it is still there."""
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def write_failure(exc: OSError) -> str:
    """The one-line reason for a file that could not be written (the machine, not the sources)."""
    where = f" {display_path(Path(exc.filename))}" if exc.filename else ""
    return f"无法写入{where}：{describe_os_error(exc)}（原有输出保持不变）"
