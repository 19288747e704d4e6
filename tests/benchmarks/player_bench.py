"""Player core figures on loopback with the demo library: startup and seek time to first frame
(median of several runs), the player core's own CPU and the process's memory while playing the top
rendition, the sink's copy rate into mpv's buffers, and the remuxer's rate at a switch.

"The player core's own CPU" is the CPU time of the process's Python threads (the worker that
fetches, decrypts and remuxes, python-mpv's event thread, the main thread), read from
/proc/self/task; mpv's own threads (demuxer, decoders, output) are not counted. The full library
is used when it is built (1080p top rendition), the quick one otherwise."""

from __future__ import annotations

import ctypes
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from app.backend import EmbeddedBackend
from app.catalog import CatalogClient
from app.report import PlaybackReport
from player import Player
from player.remux import Remuxer
from player.scheduler import SchedulerConfig
from player.sink import ByteQueue
from tests.player.media import encode_rendition

RUNS = 7


def _startup_and_seek(url: str) -> tuple[list[float], list[float]]:
    startups, seeks = [], []
    player = Player(audio_output="null")
    try:
        for run in range(RUNS):
            report = PlaybackReport()
            player.add_listener(report)
            player.open(url)
            _wait(lambda: report.startup_ms is not None)
            startups.append(report.startup_ms)
            player.seek(4.0 + run)
            _wait(lambda: bool(report.seek_ms))
            seeks.append(report.seek_ms[0])
            player.stop()
            player.remove_listener(report)
    finally:
        player.close()
    return startups, seeks


def _python_threads_cpu_s() -> float:
    """CPU seconds used so far by this process's Python threads."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for thread in threading.enumerate():
        try:
            fields = Path(f"/proc/self/task/{thread.native_id}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_and_memory(url: str, seconds: float = 20.0) -> tuple[float, float, float, int]:
    """(core CPU % of one core, peak RSS MiB, buffer cap MiB, top kbps) while playing ``url``."""
    config = SchedulerConfig()
    player = Player(audio_output="null", config=config)
    report = PlaybackReport()
    player.add_listener(report)
    try:
        player.open(url)
        _wait(lambda: report.startup_ms is not None)
        _wait(lambda: report.renditions and report.renditions[-1] == max(report.renditions) and report.played_s > 5,
              timeout=60)
        cpu0, wall0, peak = _python_threads_cpu_s(), time.monotonic(), 0.0
        while time.monotonic() - wall0 < seconds and not report.finished.is_set():
            time.sleep(0.5)
            peak = max(peak, _rss_mib())
        cpu = (_python_threads_cpu_s() - cpu0) / (time.monotonic() - wall0) * 100
    finally:
        player.close()
    return cpu, peak, config.max_buffer_bytes / 2**20, max(report.renditions)


def _wait(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("no first frame")
        time.sleep(0.005)


def _sink_rate() -> float:
    """MB/s through ByteQueue.put + read_into (2 MB segments, mpv-sized 64 KiB reads)."""
    queue = ByteQueue()
    segment = os.urandom(2 * 1024 * 1024)
    target = ctypes.create_string_buffer(64 * 1024)
    address = ctypes.addressof(target)
    total = 0
    started = time.perf_counter()
    for _ in range(100):
        queue.put(segment)
        while queue.buffered_bytes:
            total += queue.read_into(address, len(target))
    return total / (time.perf_counter() - started) / 1e6


def _remux_rate() -> float:
    """MB/s of segments rewritten at a switch (parameter sets in band, timescale rescaled)."""
    with tempfile.TemporaryDirectory() as tmp:
        low = encode_rendition(Path(tmp), "low", size="640x360", kbps=800, timescale=12288, profile="main")
        high = encode_rendition(Path(tmp), "high", size="1280x720", kbps=4000, timescale=90000, profile="high")
    total = 0
    started = time.perf_counter()
    for _ in range(20):
        remuxer = Remuxer("video")
        remuxer.push("low", low.init, low.segments[0])
        for segment in high.segments[1:]:
            total += len(remuxer.push("high", high.init, segment))
    return total / (time.perf_counter() - started) / 1e6


def main() -> None:
    full = Path(".data/library")
    library = full if (full / ".complete").exists() else Path(os.environ.get("MARQUEE_TEST_DATA", ".data/quick"))
    print(f"library: {library}")
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBackend(library, db=Path(tmp) / "b.db") as base:
        with CatalogClient(base) as catalog:
            title = next(item.id for row in catalog.home() for item in row.items)
            url = catalog.playback(title).manifest("dash")
        startups, seeks = _startup_and_seek(url)
        cpu, rss, cap, top = _cpu_and_memory(url)
    print(f"startup to first frame: median {statistics.median(startups):.0f} ms "
          f"(min {min(startups):.0f}, max {max(startups):.0f}, {RUNS} runs)")
    print(f"seek to first frame:    median {statistics.median(seeks):.0f} ms "
          f"(min {min(seeks):.0f}, max {max(seeks):.0f}, {RUNS} runs)")
    print(f"player core CPU at the top rendition ({top} kbps): {cpu:.1f} % of one core")
    print(f"peak resident memory while playing: {rss:.0f} MiB (buffer cap {cap:.0f} MiB of media)")
    print(f"sink copy into mpv buffers: {_sink_rate():.0f} MB/s")
    print(f"remux at a switch (in-band parameter sets, rescale): {_remux_rate():.0f} MB/s")
