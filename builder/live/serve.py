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
import datetime as dt
import ipaddress
import json
import os
import re
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from builder.model import core as m
from builder.read.errors import InputError, Problem, display_path, printable

HTML_DIR = Path(__file__).resolve().parents[1] / "output" / "html"
SCRIPT_URL = "/_budgetdoc/live.js"
MAX_SOURCE_BYTES = 4 * 1024 * 1024
KEEPALIVE_SECONDS = 15


class ServeProblem(Exception):
    """The server cannot start; the message is one line of Chinese."""


@dataclass
class DocState:
    id: str
    folder: Path
    good: m.Document | None = None  # the last load without errors
    good_at: str = ""  # when it was loaded (HH:MM:SS)
    current: m.Document | None = None  # the latest load (may have errors)
    problems: list[Problem] = field(default_factory=list)  # findings of the latest load
    version: int = 0
    html: str = ""

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "错误")

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == "警告")

    @property
    def href(self) -> str:
        return f"/doc/{quote(self.id, safe='')}"


def _problem_order(problem: Problem):
    """Errors first (they are what keeps the preview from updating), then by place."""
    return (problem.severity != "错误", str(problem.location.file), problem.location.line, problem.location.col,
            problem.rule)


def load_and_check(folder: Path) -> tuple[m.Document | None, list[Problem]]:
    """What ``build`` knows of one document folder before rendering: the model and every finding."""
    from builder.output.docx import template_for
    from builder.load.loader import load_document
    from builder.check.profile import review

    loaded = load_document(folder)
    problems = list(loaded.problems)
    document = loaded.document
    if document is not None:
        problems.extend(review(document))
        try:
            template_for(document)
        except InputError as exc:
            problems.extend(exc.problems)
    return document, sorted(problems, key=_problem_order)


class Preview:
    """The documents under ``targets`` and their rendered pages; safe to use from two threads."""

    def __init__(self, targets: list[Path]):
        self.targets = [Path(t) for t in targets]
        self.lock = threading.Lock()
        self.docs: dict[str, DocState] = {}
        self.problems: list[str] = []  # paths that hold no document
        self.version = 0
        self.index = ""
        self.reloaded: list[DocState] = []

    # ---------------------------------------------------------------- loading

    def _folders(self) -> list[Path]:
        from builder.load.loader import expand_document_folders

        folders, problems = [], []
        for target in self.targets:
            try:
                folders.extend(expand_document_folders([target]))
            except InputError as exc:
                problems.extend(p.format() for p in exc.problems)
        self.problems = problems
        return list(dict.fromkeys(folders))

    @staticmethod
    def _ids(folders: list[Path]) -> dict[Path, str]:
        ids: dict[Path, str] = {}
        taken: set[str] = set()
        for folder in folders:
            name = printable(folder.name) or "文档"
            candidate, number = name, 2
            while candidate in taken:
                candidate, number = f"{name}~{number}", number + 1
            taken.add(candidate)
            ids[folder] = candidate
        return ids

    def refresh(self, changed: list[Path] | None = None) -> list[str]:
        """Load again the documents that ``changed`` concerns (all when None or when a
        template changed) and render their pages; returns the ids of the pages that changed."""
        folders = self._folders()
        ids = self._ids(folders)
        affected = set(folders) if changed is None else self._affected(folders, changed)
        states = {}
        with self.lock:
            old = {state.folder: state for state in self.docs.values()}
        updated, reloaded = [], []
        for folder in folders:
            state = old.get(folder)
            if state is None or state.id != ids[folder]:
                state, fresh = DocState(ids[folder], folder), True
            else:
                fresh = False
            if fresh or folder in affected:
                before = state.html
                self._load(state)
                self._render(state)
                reloaded.append(state)
                if state.html != before:
                    updated.append(state.id)
            states[state.id] = state
        removed = [state.id for state in old.values() if state.id not in states]
        with self.lock:
            self.docs = states
            self.reloaded = reloaded  # the documents this refresh loaded again (the watcher reports their errors)
            if updated or removed or changed is None or not self.index:
                self.version += 1
                self.index = self._render_index()
        return updated + removed

    def _affected(self, folders: list[Path], changed: list[Path]) -> set[Path]:
        resolved = {folder: _resolve(folder) for folder in folders}
        affected = set()
        for path in changed:
            target = _resolve(path)
            owners = [f for f, r in resolved.items() if r == target or r in target.parents or target in r.parents]
            if not owners:
                return set(folders)  # a template, a profile, the HTML templates: every document
            affected.update(owners)
        return affected

    def _load(self, state: DocState) -> None:
        try:
            document, problems = load_and_check(state.folder)
        except Exception as exc:  # noqa: BLE001 - a bug must not stop the preview of the others
            document, problems = None, [Problem(_location(state.folder), "", f"budgetdoc 内部错误：{exc!r}")]
        state.current, state.problems = document, problems
        if document is not None and not any(p.severity == "错误" for p in problems):
            state.good = document
            state.good_at = dt.datetime.now().strftime("%H:%M:%S")

    # ---------------------------------------------------------------- rendering

    def _view_link(self, state: DocState):
        names = {p.name for p in _source_paths(state.folder)}
        folder = _resolve(state.folder)

        def view(path: Path, line: int):
            path = Path(path)
            if path.name in names and _resolve(path).parent == folder:
                return f"/source/{quote(state.id, safe='')}/{quote(os.fsencode(path.name), safe='')}#L{line}"
            return None

        return view

    def _render(self, state: DocState) -> None:
        from builder.output.html import document_html, problems_html

        errors = state.errors
        live = {"script": SCRIPT_URL, "id": state.id, "name": state.id, "stale": "", "version": "{version}"}
        shown = state.good or state.current
        if errors and state.good is not None:
            live["stale"] = (f"最近一次保存有 {errors} 个错误（见下方和表中标出的单元格），"
                             f"预览保持 {state.good_at} 的内容，改正后自动更新。")
        elif errors and shown is not None:
            live["stale"] = f"源文件有 {errors} 个错误，还没有可生成的版本；下面是按已读入的内容排出的草稿。"
        elif errors:
            live["stale"] = f"源文件有 {errors} 个错误，无法读入文档。"
        html = None
        if shown is not None:
            try:
                html = document_html(shown, state.problems, live=live, view=self._view_link(state))
            except Exception:  # noqa: BLE001 - a draft of broken sources may not render; the list still helps
                html = None
        if html is None:
            from builder.output.html import findings_list

            html = problems_html(state.id, findings_list(state.problems, self._view_link(state)), live)
        html = _encodable(html)
        candidate = html.replace('data-version="{version}"', f'data-version="{state.version}"')
        if candidate != state.html:
            state.version += 1
            candidate = html.replace('data-version="{version}"', f'data-version="{state.version}"')
        state.html = candidate

    def _render_index(self) -> str:
        from builder.output.html import index_html

        entries = []
        for state in self.docs.values():
            document = state.current or state.good
            if state.errors:
                status, css = f"{state.errors} 个错误" + (f"，{state.warnings} 个警告" if state.warnings else ""), "error"
            elif state.warnings:
                status, css = f"{state.warnings} 个警告", "warning"
            else:
                status, css = "通过", "ok"
            entries.append({
                "name": state.id, "href": state.href, "status": status, "css": css,
                "kind": document.kind if document else "", "year": str(document.year) if document else "",
                "projects": str(len(document.projects)) if document else "",
            })
        root = "、".join(display_path(t) for t in self.targets)
        return _encodable(index_html(entries, {"script": SCRIPT_URL, "version": str(self.version), "root": root,
                                                "problems": self.problems}))

    # ---------------------------------------------------------------- reading (request side)

    def page(self, doc_id: str) -> str | None:
        with self.lock:
            state = self.docs.get(doc_id)
            return state.html if state else None

    def index_page(self) -> str:
        with self.lock:
            return self.index

    def source(self, doc_id: str, name: str) -> tuple[str, list[str], dict] | None:
        """A source file of a document, by its name among the document's own sources; None
        for anything else (other names, links leading out of the folder, folders, big files)."""
        with self.lock:
            state = self.docs.get(doc_id)
        if state is None:
            return None
        candidates = {p.name: p for p in _source_paths(state.folder)}
        path = candidates.get(name)
        if path is None:
            return None
        folder = _resolve(state.folder)
        real = _resolve(path)
        if real.parent != folder or not real.is_file():
            return None
        try:
            if real.stat().st_size > MAX_SOURCE_BYTES:
                return None
            text = real.read_bytes().decode("utf-8", "replace")
        except OSError:
            return None
        live = {"script": SCRIPT_URL, "id": state.id, "name": state.id, "back": state.href,
                "version": str(state.version)}
        return printable(name), text.splitlines() or [""], live


_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(page: str) -> str:
    """A page that can be sent as UTF-8: a byte of a file name that was not UTF-8 (a surrogate
    escape) shown as ``\\xNN``, as the terminal shows it (builder.read.errors.printable)."""
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}" if ord(m.group()) >= 0xDC80 else "\ufffd",
                          page)


def _location(path: Path):
    from builder.read.errors import Location

    return Location(path)


def _resolve(path: Path) -> Path:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return Path(path).absolute()


def _source_paths(folder: Path) -> list[Path]:
    from builder.read.sources import source_files

    return source_files(folder)


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


def _host_name(header: str) -> str:
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
            host = _host_name(headers.get(b"host", b"").decode("latin-1"))
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
