"""A small static origin on loopback for manifest-shape tests: real HTTP with byte ranges.

The reference backend serves only its own library; these tests play media laid out the way other
packagers lay it out, so they serve a temporary folder with this instead.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")


class _RangeHandler(SimpleHTTPRequestHandler):
    """``SimpleHTTPRequestHandler`` plus single byte ranges (206 / 416); records each request."""

    requests: list[tuple[str, dict[str, str]]] | None = None

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.requests is not None:
            self.requests.append((self.path, dict(self.headers.items())))
        match = _RANGE.match(self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if match is None or not path.is_file():
            super().do_GET()
            return
        data = path.read_bytes()
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else len(data) - 1
        if first >= len(data) or last < first:
            self.send_error(416)
            return
        body = data[first : last + 1]
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {first}-{first + len(body) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve(folder: Path, requests: list[tuple[str, dict[str, str]]] | None = None) -> Iterator[str]:
    """Serve ``folder`` on a free loopback port; yields the base URL (with a trailing slash).

    Each request's path and headers are appended to ``requests`` when given.
    """
    handler = type("Handler", (_RangeHandler,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
