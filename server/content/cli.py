"""``python -m server.content build [--out DIR] [--quick]``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType
from pathlib import Path

from .build import build
from .errors import ContentError

DEFAULT_OUT = Path(".data/library")


def _print(line: str) -> None:
    print(line, flush=True)


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM unwinds like Ctrl-C, so the build's clean-up (kill ffmpeg, drop the temp dir) runs."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="marquee content",
                                     description="Make Marquee's demo library locally with ffmpeg.")
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build (or confirm) a demo library")
    build_cmd.add_argument("--out", type=Path, default=DEFAULT_OUT,
                           help=f"output directory (default: {DEFAULT_OUT})")
    build_cmd.add_argument("--quick", action="store_true",
                           help="a tiny library made in seconds, for tests")
    args = parser.parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        build(args.out, quick=args.quick, progress=_print)
    except ContentError as exc:
        print(f"marquee content: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("marquee content: interrupted; nothing was left half-built", file=sys.stderr)
        return 130
    return 0
