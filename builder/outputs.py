"""Stage 6 — outputs: write files so that a failed or interrupted build never
overwrites or truncates the last good one.

The bytes go to a temporary file beside the output (named with the writing
process's id), are flushed to disk, and only then renamed over the output —
an atomic step. Interrupted by SIGINT or SIGTERM, the temporary file is
removed; killed outright (kill -9), it is left behind and removed by the next
write of the same output.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

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


def write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename; ``durable`` also
    flushes it to disk first (not needed for caches, which may always be rebuilt)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
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
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
