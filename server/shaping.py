"""Bandwidth shaping for the origin: media bodies paced to follow a recorded throughput trace.

With shaping on, the real player plays a title under a recorded network: each response waits the
trace's latency before its headers, then its body leaves in small pieces no faster than the
trace's rate at that moment. ``shared`` mode makes every connection share one link (video and
audio compete, as on a real access link); ``per-connection`` gives each its own. The trace loops.
Set at run time with ``PUT /api/v1/shaping`` (loopback clients only).
"""

from __future__ import annotations

import asyncio
import bisect
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MIN_PIECE = 1500  # bytes: one packet
CATCH_UP_S = 0.1
"""How late a body's next piece may come and still leave where the last one ended (see ``pace``)."""


class ShapingError(ValueError):
    """A shaping request that cannot be used; the message names the field."""


@dataclass
class Link:
    times_s: list[float]
    """Sample times; ``mbps[i]`` holds on ``(times_s[i-1], times_s[i]]`` (the cooked convention)."""
    mbps: list[float]
    latency_s: float = 0.08
    mode: Literal["shared", "per-connection"] = "shared"
    started: float = field(default_factory=time.monotonic)
    busy_until: float = 0.0

    @classmethod
    def parse(cls, raw: Any) -> Link:
        if not isinstance(raw, dict):
            raise ShapingError("shaping is a JSON object")
        times, mbps = raw.get("times_s"), raw.get("mbps")
        if (not isinstance(times, list) or not isinstance(mbps, list) or len(times) != len(mbps)
                or len(times) < 2):
            raise ShapingError("'times_s' and 'mbps' must be lists of the same length, at least 2")
        try:
            times_f, mbps_f = [float(t) for t in times], [float(b) for b in mbps]
        except (TypeError, ValueError):
            raise ShapingError("'times_s' and 'mbps' must hold numbers") from None
        if any(b < 0 for b in mbps_f) or max(mbps_f[1:]) <= 0 or times_f != sorted(times_f) \
                or times_f[-1] <= times_f[0]:
            raise ShapingError("times must ascend and some throughput must be positive")
        mode = raw.get("mode", "shared")
        if mode not in ("shared", "per-connection"):
            raise ShapingError("'mode' must be 'shared' or 'per-connection'")
        latency = float(raw.get("latency_ms", 80)) / 1000
        if latency < 0:
            raise ShapingError("'latency_ms' must not be negative")
        return cls(times_f, mbps_f, latency, mode)

    def describe(self) -> dict[str, Any]:
        return {"times_s": self.times_s, "mbps": self.mbps, "latency_ms": self.latency_s * 1000, "mode": self.mode}

    def bytes_per_s(self, now: float) -> float:
        """The rate at wall-clock ``now`` (the trace starts when shaping is set, and loops)."""
        start, end = self.times_s[0], self.times_s[-1]
        local = start + (now - self.started) % (end - start)
        i = min(bisect.bisect_left(self.times_s, local), len(self.times_s) - 1)
        return max(self.mbps[max(i, 1)], 0.0) * 1e6 / 8


class Shaper:
    """Holds the link in force (or none) and paces bodies through it."""

    def __init__(self) -> None:
        self.link: Link | None = None

    async def pace(self, link: Link, size: int, own: list[float]) -> None:
        """Wait until ``size`` more bytes may leave; ``own[0]`` is when this body's last piece left.

        A body's pieces go back to back on the link: time the server itself loses between them
        (sleep overshoot, the event loop, a loaded machine) is not idle link time, so a piece that
        comes up to ``CATCH_UP_S`` late still starts where the last one ended. Without that credit
        every piece arrives a little late and a shaped link delivers 5-10 % less than its trace
        says, more on a busy machine, which a simulation of the same trace does not see.
        """
        rate = link.bytes_per_s(time.monotonic())
        while rate <= 0:  # an outage: wait for the trace to come back
            await asyncio.sleep(0.05)
            rate = link.bytes_per_s(time.monotonic())
        now = time.monotonic()
        ready = own[0] if own[0] and now - own[0] <= CATCH_UP_S else now
        start = max(ready, link.busy_until) if link.mode == "shared" else ready
        own[0] = done = start + size / rate
        if link.mode == "shared":
            link.busy_until = done
        if done > now:
            await asyncio.sleep(done - now)


class ShapingMiddleware:
    """Paces the bodies of ``/media/`` responses while a link is set."""

    def __init__(self, app: ASGIApp, shaper: Shaper) -> None:
        self.app = app
        self.shaper = shaper

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        link = self.shaper.link
        if link is None or scope["type"] != "http" or not scope["path"].startswith("/media/"):
            await self.app(scope, receive, send)
            return
        await asyncio.sleep(link.latency_s)
        own = [0.0]

        async def paced(message: Message) -> None:
            if message["type"] != "http.response.body" or not message.get("body"):
                await send(message)
                return
            body: bytes = message["body"]
            piece = max(MIN_PIECE, int(link.bytes_per_s(time.monotonic()) * 0.02))
            for offset in range(0, len(body), piece):
                chunk = body[offset : offset + piece]
                await self.shaper.pace(link, len(chunk), own)
                last = offset + piece >= len(body)
                await send({"type": "http.response.body", "body": chunk,
                            "more_body": message.get("more_body", False) if last else True})

        await self.app(scope, receive, paced)
