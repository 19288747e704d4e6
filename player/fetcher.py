"""Segment and manifest downloads over one shared httpx client, with timing for the ABR.

Retries use exponential backoff with full jitter on 5xx, resets and timeouts; 4xx fail at once.
Each result carries the request's latency (to response headers) and total elapsed time, which is
what throughput estimation needs.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

from player.manifest.model import ByteRange

USER_AGENT = "Marquee/0.1"
T = TypeVar("T")


class FetchError(Exception):
    """A resource that could not be fetched after the retries; the message says why, once."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url.split('?', 1)[0]}: {reason}")  # the query (CMCD, tokens) stays out
        self.url = url
        self.reason = reason
        self.status = status


class _ServerError(Exception):
    """A 5xx answer: worth another attempt."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def _check(url: str, response: httpx.Response) -> None:
    """Raise for an error status: 5xx to be retried, 4xx at once (asking again will not help)."""
    if response.status_code >= 500:
        raise _ServerError(response.status_code)
    if response.status_code >= 400:
        raise FetchError(url, f"HTTP {response.status_code}", response.status_code)


class FetchAbandoned(Exception):
    """The download was given up on purpose (the ABR advised a lower rendition)."""


Progress = Callable[[int, "int | None", float], bool]


@dataclass(frozen=True, slots=True)
class FetchResult:
    data: bytes
    latency_s: float
    elapsed_s: float


class Fetcher:
    """Fetches whole resources (or byte ranges) with retries.

    One instance per player; its ``httpx.AsyncClient`` keeps connections alive across segments.
    """

    def __init__(
        self,
        *,
        retries: int = 3,
        timeout_s: float = 10.0,
        backoff_s: float = 0.2,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._client = client or httpx.AsyncClient(
            http2=True,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
            headers={"User-Agent": USER_AGENT},
            limits=httpx.Limits(max_keepalive_connections=8, max_connections=16),
            follow_redirects=True,
        )
        self._retries = retries
        self._backoff_s = backoff_s

    async def get(self, url: str, byte_range: ByteRange | None = None,
                  headers: dict[str, str] | None = None, progress: Progress | None = None) -> FetchResult:
        """The resource (or range) at ``url``. ``progress(bytes_done, bytes_total, elapsed_s)`` is
        called as the body arrives; when it returns True the download is abandoned
        (:class:`FetchAbandoned`)."""
        headers = {**(headers or {}), **({"Range": byte_range.header} if byte_range else {})} or None

        async def attempt() -> FetchResult:
            start = time.monotonic()
            async with self._client.stream("GET", url, headers=headers) as response:
                latency = time.monotonic() - start
                _check(url, response)
                if progress is None:
                    data = await response.aread()
                else:
                    data = await self._read_watched(response, start, progress)
            return FetchResult(self._ranged(url, response, data, byte_range), latency, time.monotonic() - start)

        return await self._retrying(url, attempt)

    async def size(self, url: str) -> int | None:
        """The byte size of the resource at ``url`` from a HEAD request (its ``Content-Length``),
        None when the server does not say."""

        async def attempt() -> int | None:
            response = await self._client.head(url)
            _check(url, response)
            length = response.headers.get("content-length", "")
            return int(length) if length.isdigit() else None

        return await self._retrying(url, attempt)

    async def _retrying(self, url: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """``attempt()``, tried again after 5xx answers and transport faults, with backoff."""
        last = "no attempt"
        status: int | None = None
        for number in range(self._retries + 1):
            if number:
                await asyncio.sleep(random.uniform(0, self._backoff_s * 2 ** (number - 1)))
            try:
                return await attempt()
            except _ServerError as exc:
                last, status = f"HTTP {exc.status}", exc.status
            except httpx.TransportError as exc:  # resets, timeouts, refused, truncated bodies
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise FetchError(url, f"{last} after {self._retries + 1} attempts", status)

    @staticmethod
    async def _read_watched(response: httpx.Response, start: float, progress: Progress) -> bytes:
        total = int(response.headers["content-length"]) if "content-length" in response.headers else None
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if progress(len(body), total, time.monotonic() - start):
                raise FetchAbandoned(str(response.url))
        return bytes(body)

    @staticmethod
    def _ranged(url: str, response: httpx.Response, data: bytes, byte_range: ByteRange | None) -> bytes:
        """The requested range of the body: a server that ignores ``Range`` sends it all (200)."""
        if byte_range is None:
            return data
        if response.status_code == 200:
            if len(data) <= byte_range.last:
                raise FetchError(url, f"range {byte_range.header} lies past the {len(data)}-byte resource")
            return data[byte_range.first : byte_range.last + 1]
        if len(data) != byte_range.length:
            raise FetchError(url, f"range {byte_range.header} returned {len(data)} bytes")
        return data

    async def aclose(self) -> None:
        await self._client.aclose()
