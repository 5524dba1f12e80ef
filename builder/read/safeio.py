"""Reading files a user (or a stranger's build/ folder) put there, without trusting them.

A path may be a FIFO (an ``open`` that never returns), a device, a 2 GiB sparse
file, a ``/proc`` file that reports size 0 and then streams, or a link to
somewhere else. ``read_regular`` refuses all of these before reading more than
``limit`` bytes; ``inside`` tells whether a path really lies in a folder once
links are followed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class UnsafeFile(Exception):
    """A file that is not read; the message is user-facing Chinese."""


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, else ``UnsafeFile``."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise UnsafeFile(f"无法读取文件：{describe_os_error(exc)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile("不是普通文件（可能是文件夹、管道或设备），已忽略其内容")
        if info.st_size > limit:
            raise UnsafeFile(f"文件过大（{info.st_size:,} 字节，上限 {limit:,} 字节）")
        chunks, total = [], 0
        while total <= limit:  # a file that reports a wrong size is still read no further than the limit
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise UnsafeFile(f"文件过大（超过上限 {limit:,} 字节）")
        return b"".join(chunks)
    except OSError as exc:
        raise UnsafeFile(f"无法读取文件：{describe_os_error(exc)}") from None
    finally:
        os.close(fd)


def inside(path: Path, folder: Path) -> bool:
    """True when ``path``, links followed, lies within ``folder`` (links followed too)."""
    try:
        target = path.resolve(strict=False)
        base = folder.resolve(strict=False)
    except (OSError, RuntimeError):  # a link loop
        return False
    return target == base or base in target.parents


_ERRNO_TEXT = {
    "EACCES": "没有权限", "EPERM": "没有权限", "ENOENT": "不存在", "ENOTDIR": "路径中有一部分不是文件夹",
    "EISDIR": "是文件夹", "ENOSPC": "磁盘已满", "EDQUOT": "超出磁盘配额", "EROFS": "所在磁盘只读",
    "ELOOP": "链接循环", "ENAMETOOLONG": "文件名过长", "EEXIST": "已存在", "EMFILE": "打开的文件过多",
    "EIO": "读写错误", "EBUSY": "被占用", "ETXTBSY": "被占用",
}


def describe_os_error(exc: OSError) -> str:
    """An OSError said in Chinese: ``磁盘已满``, ``没有权限`` …"""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return _ERRNO_TEXT.get(name) or (exc.strerror or type(exc).__name__)


MAX_PACKAGE_BYTES = 256 * 1024 * 1024  # a .docx on disk
MAX_PART_BYTES = 64 * 1024 * 1024  # one part, inflated: a 1,000-project document.xml is ~20 MB
MAX_PART_RATIO = 200  # inflated / deflated: beyond this it is a zip bomb


def package_problem(path) -> str | None:
    """Why ``path`` is not a .docx budgetdoc may hand to another program (a redline engine, the
    validator), in Chinese; None when it is one (``read_package_part`` accepts its document)."""
    import zipfile

    try:
        read_package_part(path)
    except UnsafeFile as exc:
        return str(exc)
    except (OSError, KeyError, zipfile.BadZipFile, EOFError, NotImplementedError, ValueError):
        return "不是可读的 Word 文档（.docx）"
    return None


def read_package_part(path, part: str = "word/document.xml") -> bytes:
    """One part of a .docx/.xlsx someone gave us, checked before it is inflated: the file is a
    regular file of sane size, the part's declared size and compression ratio are bounded (and
    zipfile stops at the declared size). Raises UnsafeFile, KeyError (no such part) or
    zipfile.BadZipFile."""
    import zipfile

    if isinstance(path, (str, os.PathLike)):  # else an open binary file, already in memory
        try:
            info = os.stat(path)
        except OSError as exc:
            raise UnsafeFile(f"无法读取文件：{describe_os_error(exc)}") from None
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile("不是普通文件")
        if info.st_size > MAX_PACKAGE_BYTES:
            raise UnsafeFile(f"文件过大（{info.st_size:,} 字节）")
    with zipfile.ZipFile(path) as package:
        entry = package.getinfo(part)
        if entry.file_size > MAX_PART_BYTES or entry.file_size > MAX_PART_RATIO * max(entry.compress_size, 1) + 65536:
            raise UnsafeFile(f"解压后过大（{entry.file_size:,} 字节），可能是恶意文件，已拒绝")
        with package.open(entry) as handle:
            return handle.read(MAX_PART_BYTES + 1)[:MAX_PART_BYTES]
