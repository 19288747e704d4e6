"""A loopback HTTP proxy in front of the reference backend: it notes every request (when, what,
and the answer), and makes the faults the origin's own fault injection cannot, because they are
between the client and the whole backend: going down (the port refuses connections) and coming
back up on the same port, and swallowing answers (the request reaches the backend, its answer
never reaches the client).

It forwards with the client's ``Host`` header, so the URLs the backend builds (manifests, the
collector) point back at the proxy and all later traffic goes through it too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding",
               "proxy-connection", "te", "upgrade", "trailer"}


@dataclass
class Seen:
    method: str
    path: str
    status: int | None
    """None when the proxy swallowed the answer."""
    request: bytes = b""
    response: bytes = b""
    """The backend's answer to a POST (also when swallowed)."""
    at: float = 0.0
    """``time.monotonic()`` when the request reached the proxy."""


class Proxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.seen: list[Seen] = []
        self.swallow_posts = 0
        """Swallow the answers of this many coming POSTs (counting down)."""
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=30)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        proxy = self

        class Handler(_Forwarder):
            owner = proxy

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def down(self) -> None:
        """Stop listening: new connections are refused until :meth:`up`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def close(self) -> None:
        self.down()
        self._http.close()

    def _swallow(self) -> bool:
        with self._lock:
            if self.swallow_posts > 0:
                self.swallow_posts -= 1
                return True
        return False


class _Forwarder(BaseHTTPRequestHandler):
    owner: Proxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _forward(self) -> None:
        proxy = self.owner
        arrived = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP - {"content-encoding"}}
        try:
            upstream = proxy._http.request(self.command, proxy.upstream + self.path, content=body, headers=headers)
        except (httpx.HTTPError, RuntimeError):  # the backend went away, or the proxy is closing
            self.send_error(502)
            return
        if self.command == "POST" and proxy._swallow():
            proxy.seen.append(Seen(self.command, self.path, None, body, upstream.content, arrived))
            self.close_connection = True
            self.connection.close()
            return
        proxy.seen.append(Seen(self.command, self.path, upstream.status_code, body,
                               upstream.content if self.command == "POST" else b"", arrived))
        self.send_response(upstream.status_code)
        for key, value in upstream.headers.items():
            if key.lower() not in _HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(upstream.content)))
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(upstream.content)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (a player closing, say)

    do_GET = do_POST = do_PUT = do_HEAD = _forward


@contextmanager
def proxied(upstream: str) -> Iterator[Proxy]:
    proxy = Proxy(upstream)
    proxy.up()
    try:
        yield proxy
    finally:
        proxy.close()
