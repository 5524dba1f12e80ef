"""A ``budgetdoc serve`` process for tests: started on a free 127.0.0.1 port, stopped in teardown."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Server:
    def __init__(self, path: Path, *args: str, cwd: Path | None = None):
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"budgetdoc-serve-{os.getpid()}-{id(self)}.log",
                        "w+", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "builder", "serve", str(path), "--port", "0", *args],
            cwd=cwd or ROOT, stdout=subprocess.PIPE, stderr=self.log, text=True, encoding="utf-8",
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.url = self._read_url()

    def _read_url(self) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            found = re.search(r"http://[^/\s]+/", line)
            if found:
                return found.group(0)
        self.stop()
        raise AssertionError(f"serve did not start: {self.stderr()}")

    def stderr(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def get(self, path: str, headers: dict | None = None) -> tuple[int, str, dict]:
        request = urllib.request.Request(self.url.rstrip("/") + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode("utf-8"), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace"), dict(exc.headers)

    def stop(self, sig=signal.SIGTERM, timeout: float = 10) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        return self.process.returncode

    def close(self) -> None:
        self.stop()
        self.log.close()
