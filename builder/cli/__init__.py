"""The command line: parse arguments, call one stage function, print.

Each command (or group of commands) is one module here (build, check, review, serve,
sources, template); this one starts the program: ``main``.

Exit codes: 0 done, 1 problems in the sources (each printed with its place),
2 wrong usage, 3 an internal error (one line; the traceback is saved to a file).
"""

from __future__ import annotations

import sys

import click

import builder.cli.clitext as clitext
from builder.cli.common import EXIT_INPUT, EXIT_INTERNAL, EXIT_USAGE, cli

# one module per command or command group; importing it registers its commands on the group
from builder.cli import build, check, review, rules, serve, sources, template, validate  # noqa: E402,F401  isort: skip

clitext.localize(cli)


def _terminate(signum, frame):  # SIGTERM: unwind like Ctrl+C, so temporary files are removed
    raise KeyboardInterrupt


def _ensure_streams() -> None:
    """Started with stdout or stderr closed (``2>&-``), Python has None there: send what
    would be printed nowhere rather than fail on the first message."""
    import os

    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))


def main() -> None:
    import signal

    from builder.output.atomic import WriteRefused

    _ensure_streams()
    signal.signal(signal.SIGTERM, _terminate)
    try:
        cli.main(prog_name="budgetdoc", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("已中止。", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        clitext.show_usage_error(exc)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        click.echo(f"错误：{exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except WriteRefused as exc:  # every command's refused write (builder.output.atomic), said in one place
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    except KeyboardInterrupt:
        click.echo("已中止。", err=True)
        sys.exit(130)
    except Exception:  # noqa: BLE001 - the one place that turns a bug into one line
        path = _save_traceback()
        click.echo(f"budgetdoc 内部错误：{sys.exc_info()[1]!r}。完整的出错信息已保存到 {path}，请附上此文件报告问题。", err=True)
        sys.exit(EXIT_INTERNAL)


def _save_traceback() -> str:
    import tempfile
    import traceback

    handle = tempfile.NamedTemporaryFile("w", prefix="budgetdoc-error-", suffix=".log", delete=False, encoding="utf-8")
    with handle:
        traceback.print_exc(file=handle)
    return handle.name


