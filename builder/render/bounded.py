"""Run template rendering with a bound on time and memory.

A template is a program: ``{{ 'x' * 1000000000 }}`` or three nested
``range(100000)`` loops are legal Jinja that the sandbox lets through, and would
hang a build or take gigabytes. Where the system can fork, rendering runs in a
child process limited in address space and killed after a deadline; the parent
gets the bytes back through a pipe, or a one-line reason. Elsewhere it runs in
process, bounded only by the sandbox.
"""

from __future__ import annotations

import os
import select
import signal
import struct
import time
from typing import Callable

DEFAULT_SECONDS = 120.0
DEFAULT_MEMORY_MB = 1024  # on top of what the build already uses

_OK, _PROBLEM, _MEMORY, _CRASH = 0, 1, 2, 3


class RenderLimit(Exception):
    """Rendering went over a bound; the message is user-facing Chinese."""


class RenderProblem(Exception):
    """The render function raised ``problem_type``; its message is passed through."""


def limits() -> tuple[float, int]:
    """The bounds: BUDGETDOC_RENDER_SECONDS and BUDGETDOC_RENDER_MEMORY_MB when they are sane
    positive numbers, else the defaults."""
    from builder.read.childproc import setting

    return (setting("BUDGETDOC_RENDER_SECONDS", DEFAULT_SECONDS, float),
            setting("BUDGETDOC_RENDER_MEMORY_MB", DEFAULT_MEMORY_MB, int))


def run_bounded(render: Callable[[], bytes], problem_type: type[Exception]) -> bytes:
    """``render()`` within the limits. Raises ``problem_type`` (with the child's message) when
    rendering raised it, RenderLimit when a bound was hit."""
    if not hasattr(os, "fork"):
        return render()
    seconds, memory_mb = limits()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: render, send the result, and leave without running any cleanup
        os.close(read_end)
        _child(render, problem_type, write_end, memory_mb)
    os.close(write_end)
    try:
        status, payload = _receive(read_end, pid, seconds)
    finally:
        os.close(read_end)
        _reap(pid)
    if status == _OK:
        return payload
    message = payload.decode("utf-8", "replace")
    if status == _PROBLEM:
        raise problem_type(message)
    if status == _MEMORY:
        raise RenderLimit(f"生成时占用内存超过 {memory_mb} MB 的上限（模板中可能有过大的字符串或循环）")
    raise RenderLimit(f"生成时出错：{message}")


def _child(render, problem_type, fd: int, memory_mb: int) -> None:
    code = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; Ctrl+C reaches both
        _limit_memory(memory_mb)
        try:
            status, payload = _OK, render()
        except problem_type as exc:
            status, payload = _PROBLEM, str(exc).encode("utf-8")
        except MemoryError:
            status, payload = _MEMORY, b""
        except RecursionError:
            status, payload = _CRASH, "模板嵌套过深".encode("utf-8")
        except BaseException as exc:  # noqa: BLE001 - reported by the parent as one line
            status, payload = _CRASH, repr(exc).encode("utf-8", "replace")
        _send(fd, status, payload)
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        os._exit(code)


def _limit_memory(memory_mb: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - no resource module
        return
    used = _virtual_size()
    budget = used + memory_mb * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        budget = min(budget, hard)
    resource.setrlimit(resource.RLIMIT_AS, (budget, hard))


def _virtual_size() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 1 << 30


def _send(fd: int, status: int, payload: bytes) -> None:
    data = struct.pack("<BQ", status, len(payload)) + payload
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _receive(fd: int, pid: int, seconds: float) -> tuple[int, bytes]:
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            raise RenderLimit(f"生成超过 {seconds:g} 秒仍未完成，已停止（模板中可能有过大的循环）")
        ready, _, _ = select.select([fd], [], [], min(left, 0.5))
        if not ready:
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    data = b"".join(chunks)
    if len(data) < 9:
        raise RenderLimit("生成进程意外结束（可能是内存不足）")
    status, length = struct.unpack("<BQ", data[:9])
    payload = data[9:]
    if len(payload) != length:
        raise RenderLimit("生成进程意外结束（可能是内存不足）")
    return status, payload


def _reap(pid: int) -> None:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    except ChildProcessError:
        pass
