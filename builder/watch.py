"""``budgetdoc build --watch``: rebuild on every save, survive invalid saves.

A folder that is deleted and made again (a ``git checkout``, a restore from a
backup, an editor that saves by renaming) is a new folder to the system's file
watcher: the watch is armed again on it, and the document rebuilt. The output
folder is never watched, so writing the outputs does not start another build.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import click

from builder.sources import SOURCE_SUFFIXES

POLL_MS = 500  # how often the watched folders' identities are checked


def _identity(path: Path):
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def change_filter(out_dir: Path):
    out = os.path.abspath(out_dir)

    def relevant(change, path: str) -> bool:
        name = Path(path).name
        if os.path.abspath(path).startswith(out + os.sep):
            return False
        return Path(path).suffix in SOURCE_SUFFIXES + (".md", ".docx") and not name.startswith((".", "~$"))

    return relevant


def watch_and_build(targets: list[Path], out_dir: Path, formats, build_once) -> None:
    """Build, then rebuild whenever a source file or template changes, until interrupted.

    A build that fails (an invalid intermediate save) prints its problems and keeps
    the last good output; watching goes on.
    """
    from watchfiles import watch

    from builder.build import TEMPLATE_DIR

    build_once()
    folders = list(dict.fromkeys([*targets, TEMPLATE_DIR]))
    relevant = change_filter(out_dir)
    announced = False
    rearmed = False
    try:
        while True:
            present = [p for p in folders if p.exists()]
            armed = {p: _identity(p) for p in folders}
            if not announced:
                click.echo(f"正在监视 {'、'.join(str(p) for p in present)}（Ctrl+C 结束）", err=True)
                announced = True
            if not present:
                time.sleep(POLL_MS / 1000)
                continue
            try:
                for changes in watch(*map(str, present), watch_filter=relevant, debounce=200, step=50,
                                     rust_timeout=POLL_MS, yield_on_timeout=True):
                    replaced = [p for p in folders if _identity(p) != armed[p]]
                    if rearmed:  # saves made while the watch was being armed again are not lost
                        rearmed = False
                        if not changes and not replaced:
                            build_once()
                            continue
                    if not changes and not replaced:
                        continue
                    names = sorted({Path(path).name for _, path in changes} | {p.name for p in replaced})
                    _rebuild(build_once, names)
                    if replaced:
                        rearmed = True
                        break  # arm the watch again on the folders as they are now
            except OSError:  # a watched folder vanished under the watcher: see what is there now
                replaced = [p for p in folders if _identity(p) != armed[p]]
                _rebuild(build_once, sorted(p.name for p in replaced) or ["（文件夹）"])
                rearmed = True
    except KeyboardInterrupt:
        click.echo("已停止监视。", err=True)


def _rebuild(build_once, names: list[str]) -> None:
    started = time.perf_counter()
    click.echo(f"—— 检测到修改：{'、'.join(names)}", err=True)
    code = build_once()
    state = "完成" if code == 0 else "失败，保留上次的输出"
    click.echo(f"—— 重新生成{state}（{time.perf_counter() - started:.2f} 秒）", err=True)
