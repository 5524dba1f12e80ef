"""``budgetdoc build --watch``: rebuild on every save, survive invalid saves."""

from __future__ import annotations

import time
from pathlib import Path

import click

from builder.sources import SOURCE_SUFFIXES


def _relevant(change, path: str) -> bool:
    name = Path(path).name
    return (Path(path).suffix in SOURCE_SUFFIXES + (".docx",) and not name.startswith((".", "~$")))


def watch_and_build(targets: list[Path], out_dir: Path, formats, build_once) -> None:
    """Build, then rebuild whenever a source file or template changes, until interrupted.

    A build that fails (an invalid intermediate save) prints its problems and keeps
    the last good output; watching goes on.
    """
    from watchfiles import watch

    from builder.build import TEMPLATE_DIR

    build_once()
    watched = [str(p) for p in targets if p.exists()] + [str(TEMPLATE_DIR)]
    click.echo(f"正在监视 {'、'.join(watched)}（Ctrl+C 结束）", err=True)
    try:
        for changes in watch(*watched, watch_filter=_relevant, debounce=200, step=50, rust_timeout=0):
            started = time.perf_counter()
            names = sorted({Path(path).name for _, path in changes})
            click.echo(f"—— 检测到修改：{'、'.join(names)}", err=True)
            code = build_once()
            state = "完成" if code == 0 else "失败，保留上次的输出"
            click.echo(f"—— 重新生成{state}（{time.perf_counter() - started:.2f} 秒）", err=True)
    except KeyboardInterrupt:
        click.echo("已停止监视。", err=True)
