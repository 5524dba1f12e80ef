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

from builder.read.sources import SOURCE_SUFFIXES

POLL_MS = 500  # how often the watched folders' identities are checked


def _identity(path: Path):
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def change_filter(out_dir: Path | None, extra_suffixes: tuple[str, ...] = ()):
    out = os.path.abspath(out_dir) if out_dir is not None else None
    suffixes = SOURCE_SUFFIXES + (".md", ".docx") + tuple(extra_suffixes)

    def relevant(change, path: str) -> bool:
        name = Path(path).name
        if out is not None and os.path.abspath(path).startswith(out + os.sep):
            return False
        return Path(path).suffix in suffixes and not name.startswith((".", "~$"))

    return relevant


def watched_changes(targets: list[Path], out_dir: Path | None = None, stop_event=None, announce=None,
                    extra_folders: tuple[Path, ...] = (), extra_suffixes: tuple[str, ...] = ()):
    """Each save as the list of changed paths (a folder deleted and made again counts as
    changed), until ``stop_event`` (a threading.Event) is set. The folders watched are the
    targets and the shipped templates (and ``extra_folders``); ``announce`` is called once
    with the folders present when the watch is first armed. ``build --watch`` and
    ``budgetdoc serve`` both run on this."""
    from watchfiles import watch

    from builder.render.template import TEMPLATE_DIR

    folders = list(dict.fromkeys([*targets, TEMPLATE_DIR, *extra_folders]))
    relevant = change_filter(out_dir, extra_suffixes)
    announced = False
    rearmed = False

    def stopped() -> bool:
        return stop_event is not None and stop_event.is_set()

    while not stopped():
        present = [p for p in folders if p.exists()]
        armed = {p: _identity(p) for p in folders}
        if not announced:
            if announce is not None:
                announce(present)
            announced = True
        if not present:
            if stop_event is not None:
                stop_event.wait(POLL_MS / 1000)
            else:
                time.sleep(POLL_MS / 1000)
            continue
        try:
            for changes in watch(*map(str, present), watch_filter=relevant, debounce=200, step=50,
                                 rust_timeout=POLL_MS, yield_on_timeout=True, stop_event=stop_event):
                replaced = [p for p in folders if _identity(p) != armed[p]]
                if rearmed:  # saves made while the watch was being armed again are not lost
                    rearmed = False
                    if not changes and not replaced:
                        yield list(present)
                        continue
                if not changes and not replaced:
                    continue
                yield sorted({Path(path) for _, path in changes} | set(replaced))
                if replaced:
                    rearmed = True
                    break  # arm the watch again on the folders as they are now
        except OSError:  # a watched folder vanished under the watcher: look at what is there now
            yield sorted(p for p in folders if _identity(p) != armed[p]) or list(folders)
            rearmed = True
        except RuntimeError as exc:  # watchfiles cannot name a path (a file name that is not UTF-8)
            if "decode" not in str(exc):
                raise
            yield from _polled_changes(folders, relevant, stopped, stop_event)
            return


def _snapshot(folders: list[Path], relevant) -> dict[str, tuple]:
    """Every relevant file under the folders with its modification time and size."""
    found = {}
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                path = os.path.join(root, name)
                if relevant(None, path):
                    try:
                        info = os.stat(path)
                    except OSError:
                        continue
                    found[path] = (info.st_mtime_ns, info.st_size, info.st_ino)
    return found


def _polled_changes(folders: list[Path], relevant, stopped, stop_event):
    """The watch by polling, for folders the native watcher cannot follow: each change as
    ``watched_changes`` gives it."""
    before = _snapshot(folders, relevant)
    while not stopped():
        if stop_event is not None:
            stop_event.wait(POLL_MS / 1000)
        else:
            time.sleep(POLL_MS / 1000)
        now = _snapshot(folders, relevant)
        changed = sorted(Path(p) for p in set(before) | set(now) if before.get(p) != now.get(p))
        before = now
        if changed and not stopped():
            yield changed


def _shared_folders(targets: list[Path]) -> list[Path]:
    """The folders of the shared templates and form definitions the documents name."""
    from builder.output.build import shared_inputs
    from builder.read.errors import InputError
    from builder.load.loader import expand_document_folders

    try:
        folders = expand_document_folders(targets)
    except InputError:
        return []
    return [path.parent for folder in folders for path in shared_inputs(folder)]


def watch_and_build(targets: list[Path], out_dir: Path, formats, build_once) -> None:
    """Build, then rebuild whenever a source file or template changes, until interrupted.

    A build that fails (an invalid intermediate save) prints its problems and keeps
    the last good output; watching goes on.
    """
    build_once()

    def announce(present: list[Path]) -> None:
        click.echo(f"正在监视 {'、'.join(str(p) for p in present)}（Ctrl+C 结束）", err=True)

    try:
        for paths in watched_changes(targets, out_dir, announce=announce,
                                     extra_folders=tuple(_shared_folders(targets))):
            _rebuild(build_once, sorted({p.name for p in paths}))
    except KeyboardInterrupt:
        click.echo("已停止监视。", err=True)


def _rebuild(build_once, names: list[str]) -> None:
    started = time.perf_counter()
    click.echo(f"—— 检测到修改：{'、'.join(names)}", err=True)
    code = build_once()
    state = "完成" if code == 0 else "失败，保留上次的输出"
    click.echo(f"—— 重新生成{state}（{time.perf_counter() - started:.2f} 秒）", err=True)
