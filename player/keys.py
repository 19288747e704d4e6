"""Content keys for one playback session: given on the command line, fetched from a ClearKey
license server, or (HLS) fetched raw from a key URI.

Keys live in memory only, for the session: never logged, never written. Errors name KIDs (which
are not secret) and URLs, never keys.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import httpx

from drm.clearkey import LicenseFormatError, license_request, parse_license_response
from drm.keys import KEY_SIZE, format_kid
from player.fetcher import Fetcher, FetchError


class KeyUnavailable(Exception):
    """No usable key: the message says which KID or URI and why, without key material."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class LicenseConfig:
    """Where and how to ask for keys."""

    url: str | None = None
    token: str | None = None
    """Playback token from the catalog, sent as ``Authorization: Bearer``."""
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 10.0
    retries: int = 2


class KeyStore:
    """The keys of one session, fetched once and cached."""

    def __init__(self, fetcher: Fetcher, *, keys: Mapping[bytes, bytes] | None = None,
                 license: LicenseConfig | None = None, client: httpx.AsyncClient | None = None) -> None:
        self._fetcher = fetcher
        self._keys: dict[bytes, bytes] = dict(keys or {})
        self._raw: dict[str, bytes] = {}
        self._license = license or LicenseConfig()
        self._client = client
        self._lock = asyncio.Lock()

    @property
    def keys(self) -> Mapping[bytes, bytes]:
        return self._keys

    async def ensure(self, kids: Iterable[bytes], license_url: str | None = None) -> None:
        """Make sure every KID in ``kids`` has a key, asking the license server for the missing.

        The configured URL (from the catalog) wins over one found in the manifest.
        """
        async with self._lock:
            missing = [k for k in dict.fromkeys(kids) if k not in self._keys]
            if not missing:
                return
            url = self._license.url or license_url
            if url is None:
                raise KeyUnavailable("drm-no-key", f"no key for KID {', '.join(map(format_kid, missing))} and no license server")
            self._keys.update(await self._request(url, missing))
            still = [k for k in missing if k not in self._keys]
            if still:
                raise KeyUnavailable("drm-no-key", f"license server {url} sent no key for KID {', '.join(map(format_kid, still))}")

    async def raw_key(self, uri: str) -> bytes:
        """A 16-byte key fetched from ``uri`` (HLS ``AES-128`` and ``identity`` key files)."""
        if uri not in self._raw:
            try:
                data = (await self._fetcher.get(uri)).data
            except FetchError as exc:
                raise KeyUnavailable("drm-key-fetch", f"key {uri}: {exc.reason}") from None
            if len(data) != KEY_SIZE:
                raise KeyUnavailable("drm-key-fetch", f"key {uri}: {len(data)} bytes, expected {KEY_SIZE}")
            self._raw[uri] = data
        return self._raw[uri]

    async def _request(self, url: str, kids: list[bytes]) -> dict[bytes, bytes]:
        headers = {"Content-Type": "application/json", **self._license.headers}
        if self._license.token:
            headers["Authorization"] = f"Bearer {self._license.token}"
        body = license_request(kids)
        client = self._client or httpx.AsyncClient(timeout=self._license.timeout_s)
        last = ""
        try:
            for attempt in range(self._license.retries + 1):
                if attempt:
                    await asyncio.sleep(0.2 * 2 ** (attempt - 1))
                try:
                    response = await client.post(url, content=body, headers=headers)
                except httpx.TransportError as exc:
                    last = f"unreachable ({type(exc).__name__})"
                    continue
                if response.status_code >= 500:
                    last = f"HTTP {response.status_code}"
                    continue
                if response.status_code in (401, 403):
                    raise KeyUnavailable("drm-license-refused", f"license server {url} refused the request "
                                    f"(HTTP {response.status_code}{_reason(response)})")
                if response.status_code >= 400:
                    raise KeyUnavailable("drm-license-error", f"license server {url}: HTTP {response.status_code}"
                                    f"{_reason(response)}")
                try:
                    return parse_license_response(response.content, kids)
                except LicenseFormatError as exc:
                    raise KeyUnavailable("drm-license-error", f"license server {url}: {exc}") from None
        finally:
            if self._client is None:
                await client.aclose()
        raise KeyUnavailable("drm-license-unreachable", f"license server {url}: {last}")


def _reason(response: httpx.Response) -> str:
    """The server's own words from a JSON error body, kept short."""
    try:
        detail = response.json()
    except ValueError:
        return ""
    text = detail.get("error") or detail.get("detail") if isinstance(detail, dict) else None
    return f": {str(text)[:200]}" if text else ""
