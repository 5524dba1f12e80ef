"""``budgetdoc serve``: the forms in the browser, updated on every save.

How it fits together:

- ``Preview`` holds, per document folder found under the given paths, the last good
  load (no errors: what ``build`` would write) and the findings of the latest load.
  ``refresh`` loads and checks the documents a change concerns (the same load and
  rules as ``build`` and ``check``) and renders their pages (``builder.output.html``).
- A thread runs the watcher of ``build --watch`` (``builder.live.watch.watched_changes``);
  after each save it refreshes and tells the open pages through server-sent events
  (``/events``); a page then fetches itself again and swaps its content.
- An invalid save keeps the last good preview, with the errors at the top and beside
  the cells they concern; a first load with errors shows what did load, as a draft.
- Starlette serves only what it rendered: the index, one page per document (ids are
  looked up among the documents found, never joined into paths), the source files of
  those documents (looked up by name among the document's own sources, inside the
  folder), the update script shipped beside the templates. Nothing else.
- uvicorn runs it on 127.0.0.1 unless another address is asked for; Ctrl+C or SIGTERM
  ends the event streams and the watcher and stops the server cleanly.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import threading
from pathlib import Path

from builder.read.errors import printable
from builder.live.preview import HTML_DIR, KEEPALIVE_SECONDS, Preview, SCRIPT_URL, ServeProblem


# ---------------------------------------------------------------- events

MAX_STREAMS = 16  # open event streams at most (each page holds one); more are refused with 503


class Hub:
    """The open event streams; ``publish`` may be called from the watcher thread."""

    def __init__(self):
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queues: set[asyncio.Queue] = set()
        self.closed = False

    def subscribe(self) -> asyncio.Queue | None:
        """A new stream's queue; None when MAX_STREAMS are open already."""
        if len(self.queues) >= MAX_STREAMS:
            return None
        queue: asyncio.Queue = asyncio.Queue()
        if self.closed:
            queue.put_nowait(None)
        self.queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self.queues.discard(queue)

    def _send(self, item) -> None:
        for queue in list(self.queues):
            queue.put_nowait(item)

    def _close(self) -> None:
        self.closed = True
        self._send(None)

    def publish(self, item: dict) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._send, item)

    def close(self) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._close)
        else:
            self.closed = True


# ---------------------------------------------------------------- the web application

SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; connect-src 'self'; "
                                 b"style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
                                 b"form-action 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
]
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def host_name(header: str) -> str:
    """The host of a Host header without its port (``[::1]:8000`` → ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class Guard:
    """ASGI middleware: refuse requests whose Host is not this machine's name (a web page
    elsewhere cannot reach the preview through DNS rebinding) when serving on the loopback
    address, and send the security headers with every response."""

    def __init__(self, app, loopback_only: bool):
        self.app = app
        self.loopback_only = loopback_only

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.loopback_only:
            headers = dict(scope.get("headers") or [])
            host = host_name(headers.get(b"host", b"").decode("latin-1"))
            if host not in LOOPBACK_NAMES:
                body = "只接受本机地址（127.0.0.1 或 localhost）的访问。".encode()
                await send({"type": "http.response.start", "status": 400,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"), *SECURITY_HEADERS]})
                await send({"type": "http.response.body", "body": body})
                return

        async def secured(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        return await self.app(scope, receive, secured)


def create_app(preview: Preview, hub: Hub, stop: threading.Event, loopback_only: bool = True):
    import contextlib

    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse, Response, StreamingResponse
    from starlette.routing import Route

    def not_found(text: str = "没有这个页面。") -> HTMLResponse:
        body = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>404</title></head>'
                f'<body><p>{_escape(text)}</p><p><a href="/">全部文档</a></p></body></html>')
        return HTMLResponse(body, status_code=404)

    async def index(request):
        return HTMLResponse(preview.index_page())

    async def document(request):
        page = preview.page(request.path_params["doc_id"])
        return HTMLResponse(page) if page is not None else not_found("没有这个文档。")

    async def source(request):
        from builder.output.html import source_html

        found = preview.source(request.path_params["doc_id"], request.path_params["name"])
        if found is None:
            return not_found("没有这个源文件。")
        title, lines, live = found
        return HTMLResponse(source_html(title, lines, live))

    async def script(request):
        return Response((HTML_DIR / "live.js").read_bytes(), media_type="text/javascript; charset=utf-8")

    async def events(request):
        queue = hub.subscribe()
        if queue is None:
            return Response(f"同时打开的预览页面过多（最多 {MAX_STREAMS} 个），请关闭一些页面后刷新。", status_code=503,
                            media_type="text/plain; charset=utf-8", headers={"retry-after": "5"})

        async def stream():
            try:
                yield f"retry: 1000\nevent: hello\ndata: {json.dumps({'version': preview.version})}\n\n"
                while True:
                    try:
                        item = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    if item is None:
                        return
                    yield f"event: rebuilt\ndata: {json.dumps(item, ensure_ascii=False)}\n\n"
            finally:
                hub.unsubscribe(queue)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"x-accel-buffering": "no"})

    @contextlib.asynccontextmanager
    async def lifespan(app):
        hub.loop = asyncio.get_running_loop()
        watcher = threading.Thread(target=_watch, args=(preview, hub, stop), name="budgetdoc-watch", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            stop.set()
            hub.close()
            await asyncio.to_thread(watcher.join, 3)

    app = Starlette(routes=[
        Route("/", index),
        Route("/doc/{doc_id}", document),
        Route("/source/{doc_id}/{name}", source),
        Route(SCRIPT_URL, script),
        Route("/events", events),
    ], lifespan=lifespan)
    app.add_exception_handler(404, lambda request, exc: not_found())
    return Guard(app, loopback_only)


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def _watch(preview: Preview, hub: Hub, stop: threading.Event) -> None:
    """The watcher thread: refresh after each save and tell the pages."""
    import click

    from builder.live.watch import watched_changes

    try:
        for paths in watched_changes(preview.targets, None, stop, extra_folders=(HTML_DIR,),
                                     extra_suffixes=(".j2", ".css", ".js")):
            if stop.is_set():
                break
            try:
                changed = preview.refresh(paths)
            except Exception as exc:  # noqa: BLE001 - keep watching; say what happened in one line
                click.echo(f"预览更新失败：{exc!r}", err=True)
                continue
            names = printable("、".join(sorted({p.name for p in paths})))
            errors = [p for state in preview.reloaded for p in state.problems if p.severity == "错误"]
            if errors:  # the page keeps its last good content and says so; the terminal too
                click.echo(f"—— 检测到修改：{names}，未更新（有错误）", err=True)
                for problem in errors:
                    click.echo(printable(problem.format_finding()), err=True)
                if changed:
                    hub.publish({"changed": changed, "version": preview.version})
            elif changed:
                click.echo(f"—— 检测到修改：{names}，已更新预览", err=True)
                hub.publish({"changed": changed, "version": preview.version})
            else:
                click.echo(f"—— 检测到修改：{names}，预览没有变化", err=True)
    except Exception as exc:  # noqa: BLE001
        if not stop.is_set():
            click.echo(f"监视源文件出错，预览不再自动更新：{exc!r}", err=True)


# ---------------------------------------------------------------- running

def _listen(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise ServeProblem(f"无法识别的地址“{host}”") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        from builder.read.safeio import describe_os_error

        raise ServeProblem(f"无法在 {host}:{port} 上启动预览服务：{describe_os_error(exc)}"
                           f"（端口可能已被占用，可用 --port 换一个）") from None
    sock.listen(128)  # from here on a browser's request waits in the queue until the server takes it
    return sock


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(targets: list[Path], host: str, port: int, echo) -> None:
    """Run the preview until Ctrl+C or SIGTERM. ``echo(text, err)`` prints a line."""
    sock = _listen(host, port)
    stop = threading.Event()
    try:
        _run(sock, targets, host, stop, echo)
    except KeyboardInterrupt:  # Ctrl+C or SIGTERM before the server took over the signals
        pass
    finally:
        stop.set()
        sock.close()
    echo("预览服务已停止。", True)


def _run(sock: socket.socket, targets: list[Path], host: str, stop: threading.Event, echo) -> None:
    import contextlib
    import signal

    import uvicorn
    from uvicorn.server import HANDLED_SIGNALS

    preview = Preview(targets)
    preview.refresh()
    bound = sock.getsockname()
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    hub = Hub()
    loopback = is_loopback(host)
    app = create_app(preview, hub, stop, loopback_only=loopback)

    # From the moment the address is printed, Ctrl+C or SIGTERM is noted rather than raised
    # (an exception in the middle of starting the event loop leaves noise behind); the
    # server acts on a noted signal as soon as it takes the signals over.
    pending: list[int] = []
    main_thread = threading.current_thread() is threading.main_thread()

    def note(sig, frame):
        pending.append(sig)
        stop.set()

    before = {sig: signal.signal(sig, note) for sig in HANDLED_SIGNALS} if main_thread else {}

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame):  # Ctrl+C, SIGTERM: end the streams and the watcher, then stop
            stop.set()
            hub.close()
            if self.should_exit and sig == signal.SIGINT:  # a second Ctrl+C: do not wait for anything
                self.force_exit = True
            else:
                self.should_exit = True

        @contextlib.contextmanager
        def capture_signals(self):
            # as uvicorn's, except that the signal is not raised again once the server has
            # stopped (stopping is the normal end here) and one noted before is acted on
            if not main_thread:
                yield
                return
            original = {sig: signal.signal(sig, self.handle_exit) for sig in HANDLED_SIGNALS}
            if pending:
                self.handle_exit(pending[0], None)
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

    try:
        if not loopback:
            echo(f"警告：预览服务在 {host} 上对外开放，同一网络中的其他人也能看到这些文档（不加 --host 时只在本机 127.0.0.1）",
                 True)
        echo(f"预览服务：http://{shown}:{bound[1]}/（{len(preview.docs)} 个文档；保存源文件后页面自动更新；Ctrl+C 结束）",
             False)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", server_header=False,
                                timeout_graceful_shutdown=3, ws="none")
        Server(config).run(sockets=[sock])
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
