"""The ``marquee`` command: desktop app, headless playback, catalog listing, decrypt, backend, content.

Without ``--catalog`` the commands that need a catalog start the embedded reference backend on a
free loopback port themselves, so a newcomer's first run needs nothing else.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from app.backend import BackendError, EmbeddedBackend
from app.catalog import CatalogClient, CatalogError
from app.report import PlaybackReport
from drm.keys import KeyFormatError, parse_key_pairs
from player.tracks import TrackPreferences

if TYPE_CHECKING:
    from abr.sim.session import Session


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line, not a usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class UserError(Exception):
    """Something the user can fix; printed as one line, exit status 1."""


def user_data_dir() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "marquee"


def default_data_dir() -> Path:
    env = os.environ.get("MARQUEE_DATA")
    return Path(env) if env else user_data_dir() / "library"


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _catalog_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--catalog", metavar="URL", default=default,
                        help="catalog API base URL (default: start the embedded demo backend)")
    parser.add_argument("--data", metavar="DIR", type=Path, default=default,
                        help="demo library for the embedded backend (default: $MARQUEE_DATA or "
                             "~/.local/share/marquee/library; built on first use)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="marquee", description="Marquee, an open streaming client.")
    _catalog_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    play = sub.add_parser("play", help="play a title id or a manifest URL")
    play.add_argument("target", metavar="TARGET", help="catalog title id, or a DASH/HLS manifest URL")
    play.add_argument("--headless", action="store_true", help="no window: print progress and a summary")
    play.add_argument("--duration", type=float, metavar="S", help="stop after S seconds of playback")
    play.add_argument("--json", action="store_true", help="print one JSON summary object at the end")
    play.add_argument("--format", choices=("dash", "hls"), default=None,
                      help="which manifest of a title (default: DASH where it has one, else HLS)")
    play.add_argument("--start", type=float, metavar="S", help="start position (default: resume point)")
    play.add_argument("--audio", metavar="LANG", help="audio language (default: the system's, else the first)")
    play.add_argument("--subtitles", metavar="LANG|off", default="off", help="subtitle language, or off")
    play.add_argument("--abr", default=None, metavar="NAME", help="rate adaptation algorithm")
    play.add_argument("--key", action="append", default=[], metavar="KID:KEY",
                      help="content key for protected media (hex; repeat for several)")
    _catalog_options(play, suppress=True)

    catalog = sub.add_parser("catalog", help="list the catalog's title ids")
    catalog.add_argument("--json", action="store_true", help="print the titles as JSON")
    _catalog_options(catalog, suppress=True)

    decrypt = sub.add_parser("decrypt", help="decrypt a protected MP4 (like mp4decrypt)")
    decrypt.add_argument("--key", action="append", required=True, metavar="KID:KEY",
                         help="content key (hex; the KID may be a UUID); repeat for several")
    decrypt.add_argument("--init", type=Path, metavar="INIT",
                         help="init segment of INPUT when INPUT is a media segment")
    decrypt.add_argument("input", type=Path, metavar="INPUT", help="protected MP4 file or media segment")
    decrypt.add_argument("output", type=Path, metavar="OUTPUT", help="where the clear MP4 goes")

    sub.add_parser("server", help="run the reference backend alone (see marquee server --help)",
                   add_help=False, prefix_chars="\0")
    sub.add_parser("content", help="build the demo library (see marquee content build --help)",
                   add_help=False, prefix_chars="\0")
    sub.add_parser("abr", help="ABR on recorded traces: marquee abr simulate --help, marquee abr live --help",
                   add_help=False, prefix_chars="\0")
    return parser


def build_live_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="marquee abr live",
                     description="Play a title with the real player while the origin follows a network trace, and "
                                 "report it beside the player model's run of the same trace.")
    parser.add_argument("--trace", required=True, type=Path, metavar="FILE",
                        help="network trace (Pensieve cooked, Mahimahi or Sabre JSON)")
    parser.add_argument("target", metavar="TARGET", help="catalog title id, or a manifest URL on that backend")
    parser.add_argument("--algorithm", default="marquee", metavar="NAME", help="ABR algorithm (default: marquee)")
    parser.add_argument("--format", choices=("dash", "hls"), default=None,
                        help="which manifest of a title (default: DASH where it has one, else HLS)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    _catalog_options(parser, suppress=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # The backend and the content builder are their own programs with their own options.
    if args_list[:1] == ["server"]:
        from server.main import main as server_main

        return server_main(args_list[1:])
    if args_list[:1] == ["content"]:
        from server.content.cli import main as content_main

        return content_main(args_list[1:])
    if args_list[:2] == ["abr", "live"]:
        return _abr_live(build_live_parser().parse_args(args_list[2:]))
    if args_list[:1] == ["abr"]:
        from abr.cli import main as abr_main
        from player.sessions import PlayerModel
        from player.videos import read_manifest_video

        return abr_main(args_list[1:], models={"player": PlayerModel()}, read_manifest=read_manifest_video)
    args = build_parser().parse_args(args_list)
    try:
        if args.command == "play":
            return _play(args)
        if args.command == "catalog":
            return _list_catalog(args)
        if args.command == "decrypt":
            return _decrypt(args)
        return _desktop(args)
    except (UserError, CatalogError, BackendError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


@contextlib.contextmanager
def catalog_url(args: argparse.Namespace) -> Iterator[str]:
    """The catalog to use: ``--catalog``, or the embedded backend started for the block."""
    if args.catalog:
        yield args.catalog.rstrip("/")
        return
    data = Path(args.data) if args.data else default_data_dir()
    ensure_library(data)
    log_dir = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "marquee"
    log_dir.mkdir(parents=True, exist_ok=True)
    # The backend's database (progress, sessions) lives beside the library, not in it, so a
    # rebuilt library keeps the viewer's progress.
    user_data_dir().mkdir(parents=True, exist_ok=True)
    with EmbeddedBackend(data, db=user_data_dir() / "backend.db", log_file=log_dir / "backend.log") as url:
        yield url


def ensure_library(data: Path) -> None:
    """Build the demo library at ``data`` if it is not there (the first run does this once)."""
    if (data / ".complete").exists():
        return
    print(f"marquee: building the demo library in {data} (once; a few minutes)", file=sys.stderr)
    status = subprocess.call([sys.executable, "-m", "server.content", "build", "--out", str(data)])
    if status != 0:
        raise UserError(f"building the demo library failed (exit status {status})")


def _list_catalog(args: argparse.Namespace) -> int:
    with catalog_url(args) as url, CatalogClient(url) as catalog:
        seen: dict[str, str] = {}
        for row in catalog.home():
            for item in row.items:
                seen.setdefault(item.id, item.title)
        if args.json:
            print(json.dumps([{"id": k, "title": v} for k, v in seen.items()], indent=2))
        else:
            width = max(map(len, seen), default=0)
            for title_id, title in seen.items():
                print(f"{title_id:<{width}}  {title}")
    return 0


def _play(args: argparse.Namespace) -> int:
    is_url = args.target.startswith(("http://", "https://"))
    if not args.headless and has_display():
        with catalog_url(args) as url:
            from ui.app import run as run_ui

            return run_ui(url, argv=[sys.argv[0]], play=args.target)
    if is_url:
        return _play_headless(args, None, args.target)
    with catalog_url(args) as url, CatalogClient(url) as catalog:
        return _play_headless(args, catalog, args.target)


def _play_headless(args: argparse.Namespace, catalog: CatalogClient | None, target: str) -> int:
    from app.headless import play_headless

    try:
        keys = parse_key_pairs(args.key)
    except KeyFormatError as exc:
        raise UserError(f"--key: {exc}") from None
    report = play_headless(
        catalog, target, fmt=args.format, start_s=args.start, duration_s=args.duration,
        abr=args.abr, progress=not args.json, keys=keys,
        preferences=TrackPreferences(audio_language=args.audio, subtitle_language=args.subtitles),
    )
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        _print_summary(report)
    return 0 if not any(not e.startswith("mpv") for e in report.errors) and report.startup_ms is not None else 1


def _print_summary(report: PlaybackReport) -> None:
    s = report.as_dict()
    startup = f"{s['startup_ms']:.0f} ms" if s["startup_ms"] is not None else "never started"
    print(
        f"played {s['played_s']:.1f} s, startup {startup}, {s['rebuffer_count']} stalls "
        f"({s['rebuffer_s']:.2f} s), {s['switches']} switches, mean {s['mean_video_kbps']:.0f} kbps, "
        f"renditions {s['renditions']}",
        file=sys.stderr,
    )
    for error in s["errors"]:
        print(f"error: {error}", file=sys.stderr)


def _abr_live(args: argparse.Namespace) -> int:
    from abr.sim.traces import TraceError, read_trace
    from abr.sim.video import VideoError
    from app.abr_live import LiveRunError, compare_live_run, play_under_trace

    try:
        trace = read_trace(args.trace)
        with catalog_url(args) as url:
            run = play_under_trace(url, args.target, trace, algorithm=args.algorithm, fmt=args.format)
            try:
                comparison = compare_live_run(run, trace, args.algorithm)
            except VideoError as exc:  # the live report stands without the model's
                print(f"marquee abr live: no model run to compare: {exc}", file=sys.stderr)
                comparison = None
    except (TraceError, LiveRunError, UserError, CatalogError, BackendError, ValueError) as exc:
        print(f"marquee abr live: {exc}", file=sys.stderr)
        return 1

    document = {"trace": trace.name, "algorithm": args.algorithm, **_session_figures(run.session),
                "startup_ms": run.report.startup_ms,
                "model": _session_figures(comparison.model) if comparison else None,
                "agrees": comparison.disagreement is None if comparison else None,
                "disagreement": comparison.disagreement if comparison else None}
    if args.json:
        print(json.dumps(document))
        return 0

    print(_figures_line(f"{args.algorithm} on {trace.name}, live", document) + f", startup {run.report.startup_ms:.0f} ms")
    if comparison:
        print(_figures_line("the player model of the same trace", document["model"]))
        print("live and model agree" if comparison.disagreement is None
              else f"live and model differ: {comparison.disagreement}")
    return 0


def _session_figures(session: Session) -> dict[str, Any]:
    """A live or a model run's figures: the metrics of a ``marquee abr simulate`` per-trace row,
    and the renditions chosen."""
    return {**asdict(session.metrics()), "renditions": [c.rendition for c in session.chunks]}


def _figures_line(label: str, figures: dict[str, Any]) -> str:
    return (f"{label}: QoE_lin {figures['qoe_lin']:.2f}, {figures['bitrate_kbps_mean']:.0f} kbit/s, "
            f"rebuffering {100 * figures['rebuffer_ratio']:.2f} %, {figures['switches_per_min']:.2f} switches/min, "
            f"renditions {' '.join(map(str, figures['renditions']))}")


def _decrypt(args: argparse.Namespace) -> int:
    from app.decrypt import DecryptCommandError, run

    try:
        run(args.key, args.input, args.output, args.init)
    except DecryptCommandError as exc:
        raise UserError(f"decrypt: {exc}") from None
    return 0


def _desktop(args: argparse.Namespace) -> int:
    if not has_display():
        print("marquee: no display (DISPLAY and WAYLAND_DISPLAY are unset): playing the demo title "
              "headless instead", file=sys.stderr)
        with catalog_url(args) as url, CatalogClient(url) as catalog:
            first = next((item.id for row in catalog.home() for item in row.items), None)
            if first is None:
                raise UserError("the catalog is empty")
            from app.headless import play_headless

            report = play_headless(catalog, first)
            _print_summary(report)
            return 0 if report.startup_ms is not None else 1
    with catalog_url(args) as url:
        from ui.app import run as run_ui

        return run_ui(url, argv=[sys.argv[0]])


if __name__ == "__main__":
    raise SystemExit(main())
