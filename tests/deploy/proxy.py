"""A tiny round-robin reverse proxy for the two-node test (standard library only): what nginx's
``upstream`` block does in production (docs/deploy.md), reduced to what the test needs.

Every request — not every connection — goes to the next backend in turn, so one browser's
keep-alive connection is spread over both nodes. The proxy sets ``X-Request-ID`` like nginx's
``proxy_set_header X-Request-ID $request_id`` (32 hex digits; drawn again when they hold a run
that reads as a resident ID number, which the app would replace: core/request_id.py) and
``X-Forwarded-For``, answers with an ``X-Upstream`` header naming the node, and records what it
sent where and the id each answer came back with."""

from __future__ import annotations

import http.client
import itertools
import threading
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from zhangzhou_ip.core.logging import ID_NUMBER_RE

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "content-length",
}  # fmt: skip


class RoundRobinProxy:
    """``with RoundRobinProxy({"a": ("127.0.0.1", 8001), "b": …}) as proxy:`` listens on
    ``proxy.port`` (127.0.0.1) until the block ends."""

    def __init__(self, backends: dict[str, tuple[str, int]], timeout: float = 60) -> None:
        self.backends = backends
        self.timeout = timeout
        self._next = itertools.cycle(list(backends))
        self._lock = threading.Lock()
        self.counts: Counter[tuple[str, str]] = Counter()  # (node, method) → requests
        self.request_ids: dict[str, list[str]] = {name: [] for name in backends}
        self.requests: dict[str, str] = {}  # request id → "METHOD path"
        self.answered_ids: dict[str, str | None] = {}  # request id → the answer's X-Request-ID
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RoundRobinProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)

    def choose(self, method: str, path: str, request_id: str) -> str:
        with self._lock:
            name = next(self._next)
            self.counts[(name, method)] += 1
            self.request_ids[name].append(request_id)
            self.requests[request_id] = f"{method} {path}"
            return name

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive with the client

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                request_id = uuid.uuid4().hex
                while ID_NUMBER_RE.search(request_id):
                    request_id = uuid.uuid4().hex
                headers["X-Request-ID"] = request_id
                headers["X-Forwarded-For"] = self.client_address[0]
                name = proxy.choose(self.command, self.path, request_id)
                host, port = proxy.backends[name]
                upstream = http.client.HTTPConnection(host, port, timeout=proxy.timeout)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    content = answer.read()
                    status, reason, out = answer.status, answer.reason, answer.getheaders()
                    proxy.answered_ids[request_id] = answer.getheader("X-Request-ID")
                except (OSError, http.client.HTTPException) as exc:
                    status, reason, out = 502, "Bad Gateway", []
                    content = f"upstream {name}: {exc}".encode()
                finally:
                    upstream.close()
                self.send_response(status, reason)
                for key, value in out:
                    # send_response wrote the proxy's own Server and Date
                    if key.lower() not in HOP_BY_HOP | {"server", "date"}:
                        self.send_header(key, value)
                self.send_header("X-Upstream", name)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        return Handler
