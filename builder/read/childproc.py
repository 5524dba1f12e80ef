"""The one bound for every child process: pandoc, LibreOffice, git.

A child runs in its own process group (``start_new_session``), with its address space
limited (``RLIMIT_AS``, set in the child before it starts the program) and a time limit;
over its time it is killed with its whole group and ``Overrun`` is raised, which each caller
turns into a located error. The limits are set per kind of child by one family of variables:

- ``BUDGETDOC_PANDOC_SECONDS`` / ``BUDGETDOC_PANDOC_MEMORY_MB`` (default 60 s, 2048 MB)
- ``BUDGETDOC_PDF_SECONDS`` / ``BUDGETDOC_PDF_MEMORY_MB`` (300 s without progress, 8192 MB)
- ``BUDGETDOC_GIT_SECONDS`` / ``BUDGETDOC_GIT_MEMORY_MB`` (120 s, 4096 MB)
- ``BUDGETDOC_VALIDATE_SECONDS`` / ``BUDGETDOC_VALIDATE_MEMORY_MB`` (600 s, 32768 MB: Node reserves
  address space for WebAssembly far beyond what it uses)

A value that is not a positive number is ignored (the default applies).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

_DEFAULTS = {"PANDOC": (60.0, 2048), "PDF": (300.0, 8192), "GIT": (120.0, 4096),
             "VALIDATE": (600.0, 32768)}


@dataclass(frozen=True)
class Limits:
    seconds: float
    memory_mb: int


def limits(kind: str) -> Limits:
    """The limits of one kind of child (``PANDOC``, ``PDF``, ``GIT``, ``VALIDATE``) from the environment."""
    seconds, memory_mb = _DEFAULTS[kind]
    return Limits(setting(f"BUDGETDOC_{kind}_SECONDS", seconds, float),
                  setting(f"BUDGETDOC_{kind}_MEMORY_MB", memory_mb, int))


def setting(name: str, default, kind):
    """A limit from the environment: a sane positive number, else ``default`` (templates'
    BUDGETDOC_RENDER_* are read by this too, in ``builder.render.bounded``)."""
    try:
        value = kind(os.environ.get(name, "").strip())
    except (ValueError, OverflowError):
        return default
    return value if 0 < value < 10**7 else default


class Overrun(Exception):
    """A child went over its time limit and was killed with its process group."""

    def __init__(self, seconds: float):
        super().__init__(f"{seconds:g} 秒")
        self.seconds = seconds


@dataclass
class Finished:
    returncode: int
    stdout: bytes
    stderr: bytes


def spawn(command: list, memory_mb: int, **popen) -> subprocess.Popen:
    """Start ``command`` in a new process group with its address space limited to ``memory_mb``."""
    return subprocess.Popen(command, start_new_session=True, preexec_fn=_address_space(memory_mb), **popen)


def _address_space(memory_mb: int):
    try:
        import resource
    except ImportError:  # pragma: no cover - not a POSIX system
        return None
    budget = memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        budget = min(budget, hard)
    setrlimit, which = resource.setrlimit, resource.RLIMIT_AS

    def limit() -> None:  # runs in the child between fork and exec: no imports, no allocation to speak of
        setrlimit(which, (budget, hard))

    return limit


def run(command: list, kind: str, *, input: bytes | None = None, cwd: Path | None = None,
        env: dict | None = None) -> Finished:
    """Run ``command`` to its end within the limits of ``kind``; its output is captured. Raises
    Overrun (the child and its group killed) when it runs past its time, OSError when it
    cannot be started."""
    bound = limits(kind)
    process = spawn(command, bound.memory_mb, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env)
    try:
        stdout, stderr = process.communicate(input, timeout=bound.seconds)
    except subprocess.TimeoutExpired:
        kill_group(process)
        raise Overrun(bound.seconds) from None
    except BaseException:  # Ctrl+C, or a failure writing its input: never leave it running
        kill_group(process)
        raise
    return Finished(process.returncode, stdout, stderr)


def kill_group(process: subprocess.Popen) -> None:
    """Kill a child's whole process group (a launcher and what it started, such as soffice.bin)
    and wait until it is gone, so that nothing writes into a temporary folder once it is removed."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.communicate(timeout=5)  # reaped, and its pipes closed
    except (subprocess.TimeoutExpired, ValueError, OSError):
        process.wait()
    deadline = time.monotonic() + 5
    while _group_running(process.pid) and time.monotonic() < deadline:
        time.sleep(0.02)


def _group_running(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs. Zombies do not count: LibreOffice's gpg
    helpers end as zombies of PID 1, which may take a second to reap them."""
    proc = Path("/proc")
    if not proc.is_dir():  # no way to tell a zombie here; the group has been sent SIGKILL
        return False
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 2 and fields[2] == str(pgid).encode() and fields[0] not in (b"Z", b"X"):
            return True
    return False
