"""budgetdoc serve: the forms in the browser (builder.live.serve).
"""

from __future__ import annotations

import sys
from pathlib import Path
import click

from builder.cli.common import EXIT_USAGE, as_document_folders, cli, default_sources, existing_paths


@cli.command(name="serve")
@click.argument("path", required=False, type=click.Path(path_type=Path), metavar="[路径]")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, metavar="端口",
              help="端口（0：任选一个空闲端口）。")
@click.option("--host", default="127.0.0.1", show_default=True, metavar="地址",
              help="监听地址；默认只在本机。改成其他地址时同一网络中的其他人也能看到文档。")
def serve_command(path: Path | None, port: int, host: str) -> None:
    """在浏览器中预览：按申报表、自评表的样子显示文档，保存源文件后页面自动更新。

    路径为文档文件夹或包含文档文件夹的文件夹（默认为仓库的 sources/）。检查发现标在对应的单元格旁，
    并链接到源文件的行；有错误的保存保留上次的预览。Ctrl+C 结束。
    """
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        from builder.read.install import install_hint

        click.echo(f"预览需要可选组件：{install_hint('serve')}（缺少 {exc.name}）", err=True)
        sys.exit(EXIT_USAGE)
    from builder.live.preview import ServeProblem
    from builder.live.serve import serve

    try:
        targets = as_document_folders(existing_paths((path,) if path else ())) or [default_sources()]
        serve(targets, host, port, lambda text, err: click.echo(text, err=err))
    except ServeProblem as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_USAGE)
