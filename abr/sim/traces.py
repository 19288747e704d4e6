"""Network traces: one piecewise-constant throughput model and readers for the public formats
(offline tooling: reads files).

A :class:`Trace` follows Pensieve's "cooked" convention: ``mbps[i]`` holds on the interval
``(times_s[i-1], times_s[i]]`` and ``mbps[0]`` is never used; replay loops back to index 1 at time 0.
Readers:

* Pensieve cooked: ``seconds  Mbit/s`` per line;
* Mahimahi: one millisecond timestamp per line, each a 1500-byte delivery opportunity; binned
  into ``MAHIMAHI_BIN_S`` intervals;
* Sabre JSON: ``[{"duration_ms", "bandwidth_kbps", "latency_ms"}, ...]``; the request latency
  is kept on the trace (the mean over periods, as one figure per trace).

:func:`read_trace` detects the format; a malformed file raises :class:`TraceError` naming the file
and line.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MAHIMAHI_BIN_S = 1.0
MAHIMAHI_PACKET_BITS = 1500 * 8


class TraceError(ValueError):
    """A trace file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Trace:
    name: str
    times_s: tuple[float, ...]
    mbps: tuple[float, ...]
    latency_s: float | None = None
    """Per-request latency recorded with the trace (Sabre), None where the format has none."""

    def __post_init__(self) -> None:
        if len(self.times_s) != len(self.mbps) or len(self.times_s) < 2:
            raise ValueError(f"trace {self.name}: needs at least two samples of time and throughput")
        if self.times_s[-1] <= self.times_s[0]:
            raise ValueError(f"trace {self.name}: zero duration")
        if max(self.mbps[1:]) <= 0:
            raise ValueError(f"trace {self.name}: no throughput at all")

    @property
    def duration_s(self) -> float:
        return self.times_s[-1]

    def mean_mbps(self) -> float:
        """Time-weighted mean throughput over one loop."""
        moved = sum(b * (t1 - t0) for t0, t1, b in zip(self.times_s, self.times_s[1:], self.mbps[1:]))
        return moved / (self.times_s[-1] - self.times_s[0])

    def starting_at(self, interval: int) -> Trace:
        """The same loop entered at the start of its ``interval``-th interval (0-based), so a
        session meets the link's conditions at another moment. Sample ``i`` holds over
        ``(times_s[i - 1], times_s[i]]``; the intervals keep their lengths and rates, in loop order."""
        count = len(self.times_s) - 1
        if not 0 <= interval < count:
            raise ValueError(f"trace {self.name}: interval {interval} outside its {count} intervals")
        if interval == 0:
            return self
        lengths = [t1 - t0 for t0, t1 in zip(self.times_s, self.times_s[1:])]
        order = list(range(interval, count)) + list(range(interval))
        times = [0.0]
        for index in order:
            times.append(times[-1] + lengths[index])
        rates = [self.mbps[index + 1] for index in order]
        offset = self.times_s[interval] - self.times_s[0]
        return Trace(f"{self.name}@{offset:g}s", tuple(times), (rates[0], *rates), self.latency_s)

    def scaled(self, factor: float) -> Trace:
        """The same trace with every throughput multiplied by ``factor`` (latency kept): the network
        as if it were ``factor`` times as fast, to see whether a ranking of algorithms holds beyond
        the speeds that were recorded."""
        if not (factor > 0 and math.isfinite(factor)):
            raise ValueError(f"a throughput scale must be a positive number, got {factor}")
        if factor == 1:
            return self
        return Trace(f"{self.name}x{factor:g}", self.times_s, tuple(rate * factor for rate in self.mbps),
                     self.latency_s)

    def start_points(self, count: int) -> list[Trace]:
        """The trace entered at ``count`` evenly spaced intervals of its loop (the first one at its
        beginning). One outage that happens to meet a large segment can decide a comparison on
        one start; several starts per trace measure the algorithm rather than that coincidence."""
        if count < 1:
            raise ValueError(f"start points must be at least 1, got {count}")
        intervals = len(self.times_s) - 1
        return [self.starting_at(k * intervals // count) for k in range(min(count, intervals))]


def _number(text: str, path: Path, line: int, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise TraceError(f"{path}:{line}: {what} {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise TraceError(f"{path}:{line}: {what} {text!r} must be a finite non-negative number")
    return value


def _numbered_lines(text: str) -> Iterable[tuple[int, list[str]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if fields:
            yield number, fields


def parse_cooked(text: str, path: Path) -> Trace:
    times: list[float] = []
    rates: list[float] = []
    for number, fields in _numbered_lines(text):
        if len(fields) != 2:
            raise TraceError(f"{path}:{number}: expected 'seconds Mbit/s', got {len(fields)} fields")
        t = _number(fields[0], path, number, "time")
        if times and t < times[-1]:
            raise TraceError(f"{path}:{number}: time {t} goes back from {times[-1]}")
        times.append(t)
        rates.append(_number(fields[1], path, number, "throughput"))
    return _checked(Trace, path, times_s=tuple(times), mbps=tuple(rates))


def parse_mahimahi(text: str, path: Path) -> Trace:
    counts: list[int] = []
    last = 0
    for number, fields in _numbered_lines(text):
        if len(fields) != 1 or not fields[0].isdigit():
            raise TraceError(f"{path}:{number}: expected one integer millisecond timestamp")
        ms = int(fields[0])
        if ms < last:
            raise TraceError(f"{path}:{number}: timestamp {ms} goes back from {last}")
        last = ms
        slot = int(ms / 1000.0 / MAHIMAHI_BIN_S)
        counts.extend([0] * (slot + 1 - len(counts)))
        counts[slot] += 1
    if not counts:
        raise TraceError(f"{path}:1: empty Mahimahi trace")
    rates = [c * MAHIMAHI_PACKET_BITS / MAHIMAHI_BIN_S / 1e6 for c in counts]
    times = [i * MAHIMAHI_BIN_S for i in range(len(counts) + 1)]
    return _checked(Trace, path, times_s=tuple(times), mbps=tuple(rates[:1] + rates))


def parse_sabre(text: str, path: Path) -> Trace:
    try:
        periods = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TraceError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    if not isinstance(periods, list) or not periods:
        raise TraceError(f"{path}:1: expected a non-empty JSON array of periods")
    lines = _object_lines(text)
    times, rates, latencies = [0.0], [], []
    for index, period in enumerate(periods):
        line = lines[index] if index < len(lines) else 1
        if not isinstance(period, dict) or not {"duration_ms", "bandwidth_kbps"} <= period.keys():
            raise TraceError(f"{path}:{line}: period {index} needs duration_ms and bandwidth_kbps")
        duration = _number(str(period["duration_ms"]), path, line, "duration_ms") / 1000.0
        if duration <= 0:
            raise TraceError(f"{path}:{line}: period {index} has no duration")
        times.append(times[-1] + duration)
        rates.append(_number(str(period["bandwidth_kbps"]), path, line, "bandwidth_kbps") / 1000.0)
        latencies.append(_number(str(period.get("latency_ms", 0)), path, line, "latency_ms") / 1000.0)
    return _checked(Trace, path, times_s=tuple(times), mbps=tuple(rates[:1] + rates),
                    latency_s=sum(latencies) / len(latencies))


def _object_lines(text: str) -> list[int]:
    """Line number of each top-level array element's opening brace (for error messages)."""
    lines, depth, line = [], 0, 1
    for char in text:
        if char == "\n":
            line += 1
        elif char == "{":
            if depth == 1:
                lines.append(line)
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
    return lines


def _checked(cls: type[Trace], path: Path, **fields: object) -> Trace:
    try:
        return cls(name=path.name, **fields)
    except ValueError as exc:
        raise TraceError(f"{path}:1: {exc}") from None


def read_trace(path: str | Path) -> Trace:
    """Read one trace file, detecting its format from the content."""
    path = Path(path)
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise TraceError(f"{path}:1: not a text file") from None
    stripped = text.lstrip()
    if stripped.startswith("["):
        return parse_sabre(text, path)
    first = next(_numbered_lines(text), None)
    if first is None:
        raise TraceError(f"{path}:1: empty trace")
    return parse_mahimahi(text, path) if len(first[1]) == 1 else parse_cooked(text, path)


def trace_files(paths: Iterable[str | Path]) -> list[Path]:
    """Trace files named by ``paths`` (a directory stands for every file under it, recursively,
    except README files), sorted so runs are reproducible."""
    found: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            found.extend(sorted(p for p in item.rglob("*") if p.is_file() and not p.name.startswith(("README", "."))))
        elif item.is_file():
            found.append(item)
        else:
            raise TraceError(f"{item}: no such file or directory")
    return found


def read_traces(paths: Iterable[str | Path]) -> list[Trace]:
    return [read_trace(p) for p in trace_files(paths)]
