"""``python -m server``: run the backend on uvicorn.

Binds the socket itself (so ``--port 0`` picks a free port), and once uvicorn is serving prints
exactly one line, ``MARQUEE_SERVER_READY http://HOST:PORT``, to stdout: the client starts the
backend as a child process and waits for it.  SIGTERM and SIGINT shut down cleanly (exit 0).
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
from pathlib import Path
from types import FrameType

import uvicorn

from .app import create_app
from .faults import FaultError, FaultPlan
from .library import Library, LibraryError
from .store import Store, StoreError

READY_PREFIX = "MARQUEE_SERVER_READY"
DEFAULT_PORT = 8765
DEFAULT_DATA = Path(".data/library")


class _Server(uvicorn.Server):
    """uvicorn's server, announcing readiness once its listeners are up."""

    def __init__(self, config: uvicorn.Config, url: str) -> None:
        super().__init__(config)
        self.url = url

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print(f"{READY_PREFIX} {self.url}", flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="marquee server", description="Marquee's reference backend.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="port to listen on; 0 picks a free one (default: %(default)s)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="library built by `marquee content build` (default: %(default)s)")
    parser.add_argument("--db", type=Path, default=None,
                        help="SQLite database for progress and sessions (default: DATA/marquee.db)")
    parser.add_argument("--access-log", action="store_true", help="log every request to stderr")
    parser.add_argument("--faults", type=Path, default=None, metavar="FILE",
                        help="JSON list of origin fault rules to apply from the start (see server/faults.py)")
    parser.add_argument("--no-license", action="store_true",
                        help="refuse every licence and key request with 403 (to test clients' errors)")
    return parser


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this: without it, a response written as headers then body waits
    # for the client's delayed ACK (Nagle's algorithm), about 40 ms on every kept-alive request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _ignore(signum: int, frame: FrameType | None) -> None:
    """Stands in for the default handlers while uvicorn re-raises the signal it shut down on."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        library = Library.load(args.data)
        faults = FaultPlan.load(args.faults) if args.faults else FaultPlan()
        store = Store(args.db or library.root / "marquee.db")
    except (LibraryError, StoreError, FaultError) as exc:
        print(f"marquee server: error: {exc}", file=sys.stderr)
        return 2
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        print(f"marquee server: error: cannot listen on {args.host}:{args.port}: {exc.strerror}",
              file=sys.stderr)
        store.close()
        return 2
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    app = create_app(library, store, faults, refuse_licenses=args.no_license)
    config = uvicorn.Config(app, log_config=None, access_log=args.access_log, timeout_graceful_shutdown=5)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler
    # it found; a no-op there makes a signalled shutdown an ordinary exit with status 0.
    previous = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        _Server(config, f"http://{host}:{port}").run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
        store.close()
    return 0
