"""Run the command line in a pseudo-terminal, as a person at a terminal does.

stdin, stdout and stderr are all the terminal, so ``isatty()`` is true and every
code path that only runs for people (progress lines, colours) runs here too.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _own_terminal() -> None:
    """In the child: a session of its own whose controlling terminal is the pty (stdin), as a
    shell gives a command, so that Ctrl+C typed there reaches it and its worker processes."""
    import fcntl
    import termios

    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyProcess:
    def __init__(self, *args, cwd=None, env=None):
        self.master, slave = pty.openpty()
        self.output = b""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "builder", *map(str, args)],
            cwd=cwd or ROOT, env=env, stdin=slave, stdout=slave, stderr=slave, close_fds=True,
            preexec_fn=_own_terminal,
        )
        os.close(slave)

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", "replace")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the other side is closed
            return False
        if not chunk:
            return False
        self.output += chunk
        return True

    def expect(self, needle: str, timeout: float = 60) -> str:
        """Read until ``needle`` has appeared (after what was read so far); fails on timeout."""
        start = len(self.text)
        deadline = time.monotonic() + timeout
        while needle not in self.text[start:]:
            if time.monotonic() > deadline:
                raise AssertionError(f"did not see {needle!r} within {timeout} s; output so far:\n{self.text}")
            if not self._read(0.1) and self.process.poll() is not None:
                raise AssertionError(f"exited ({self.process.returncode}) before {needle!r}:\n{self.text}")
        return self.text

    def interrupt(self) -> None:
        self.process.send_signal(signal.SIGINT)

    def ctrl_c(self) -> None:
        """Type Ctrl+C at the terminal: SIGINT to the whole foreground process group."""
        os.write(self.master, b"\x03")

    def wait(self, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while True:
            alive = self._read(0.1)
            if self.process.poll() is not None and not alive:
                break
            if time.monotonic() > deadline:
                self.process.kill()
                raise AssertionError(f"still running after {timeout} s:\n{self.text}")
        os.close(self.master)
        return self.process.wait()


def run_in_pty(*args, cwd=None, env=None, timeout: float = 300) -> tuple[int, str]:
    """Run ``budgetdoc ARGS`` in a terminal; returns (exit code, everything it printed)."""
    process = PtyProcess(*args, cwd=cwd, env=env)
    code = process.wait(timeout)
    return code, process.text
