"""From a scheduled fetch to clear bytes for a track's stream: download, decrypt, remux.

One pipeline per opened presentation. It keeps what segments share: init segments (fetched once
per rendition), CENC decryptors (one per protected init), and one remuxer per track (recreated
when the stream restarts after a seek).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from drm import bmff
from drm.cipher import SampleCryptoError, decrypt_segment_aes128, hls_sequence_iv
from drm.mp4decrypt import DecryptError, Decryptor, MissingKeyError
from player import cmcd
from player.fetcher import Fetcher, FetchError, FetchResult
from player.fetcher import Progress as FetchProgress
from player.keys import KeyStore, KeyUnavailable
from player.manifest.model import ByteRange, Rendition, SegmentRef
from player.mirrors import Mirrors
from player.remux import Remuxer, RemuxError
from player.scheduler import Fetch


class PipelineError(Exception):
    """A segment that cannot be made playable; ``code`` says which stage (network, drm, media)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Delivered:
    data: bytes
    """Clear bytes to append to the track's stream."""
    fetched: FetchResult
    """The media segment's download, for the ABR (size and timing of the bytes on the wire)."""


class MediaPipeline:
    def __init__(self, fetcher: Fetcher, keys: KeyStore, cmcd_mode: str = "off",
                 playlist_timeline: bool = False, mirrors: Mirrors | None = None) -> None:
        self._fetcher = fetcher
        self._mirrors = mirrors or Mirrors()
        self._playlist_timeline = playlist_timeline
        self._aligned: set[str] = set()
        self._keys = keys
        self._cmcd_mode = cmcd_mode
        self._inits: dict[str, bytes] = {}
        self._decryptors: dict[str, Decryptor | None] = {}
        self._remuxers: dict[str, Remuxer] = {}

    def restart(self, kinds: list[str]) -> None:
        """New streams (at open and after a seek, or one track's after a language change): each
        begins again with an init segment."""
        for kind in kinds:
            self._remuxers[kind] = Remuxer(kind)
            self._aligned.discard(kind)

    async def fetch_whole(self, ref: SegmentRef) -> bytes:
        """A small resource in one piece (subtitle files and segments)."""
        try:
            return (await self._get(ref.url, ref.byte_range)).data
        except FetchError as exc:
            raise PipelineError("network", str(exc)) from None

    async def deliver(self, action: Fetch, rendition: Rendition,
                      cmcd_data: dict[str, cmcd.CmcdValue] | None = None,
                      progress: FetchProgress | None = None) -> Delivered:
        """Fetch, decrypt and remux ``action``'s segment; ``cmcd_data`` rides on its requests and
        ``progress`` watches the media download (:class:`FetchAbandoned` if it says stop)."""
        try:
            return await self._deliver(action, rendition, cmcd_data or {}, progress)
        except FetchError as exc:
            raise PipelineError("network", str(exc)) from None
        except KeyUnavailable as exc:
            raise PipelineError(exc.code, str(exc)) from None
        except MissingKeyError as exc:
            raise PipelineError("drm-no-key", str(exc)) from None
        except (DecryptError, SampleCryptoError) as exc:
            raise PipelineError("drm", f"{action.segment.url}: {exc}") from None
        except (RemuxError, bmff.BoxError) as exc:
            raise PipelineError("media", f"{action.segment.url}: {exc}") from None

    async def _deliver(self, action: Fetch, rendition: Rendition, cmcd_data: dict[str, cmcd.CmcdValue],
                       progress: FetchProgress | None) -> Delivered:
        init: bytes | None = None
        decryptor: Decryptor | None = None
        source = ""
        url, headers = cmcd.apply(action.segment.url, cmcd_data, self._cmcd_mode)
        # The media segment downloads while the init (and its keys) are fetched: a new rendition
        # costs no extra round trip.
        segment = asyncio.ensure_future(self._get(url, action.segment.byte_range, headers, progress))
        try:
            if action.init is not None:
                source = _ref_key(action.init)
                init_data = {k: v for k, v in cmcd_data.items() if k not in ("d", "nor")} | {"ot": "i"}
                raw_init = await self._init(action.init, init_data)
                decryptor = await self._decryptor(rendition, source, raw_init)
                init = decryptor.clear_init() if decryptor is not None else raw_init
            fetched = await segment
        finally:
            segment.cancel()  # a no-op once it is done; stops it when the init failed
        data = fetched.data
        if action.segment.key is not None:
            data = await self._decrypt_aes128(action.segment, data)
        if decryptor is not None:
            try:
                data = decryptor.decrypt_segment(data)
            except MissingKeyError as exc:  # key rotation: a fragment names a KID the init did not
                await self._keys.ensure([exc.kid], rendition.protection.license_url if rendition.protection else None)
                decryptor.add_keys(self._keys.keys)
                data = decryptor.decrypt_segment(data)
        align_to = None
        if self._playlist_timeline and (action.kind not in self._aligned or action.segment.discontinuity):
            align_to = action.segment.start_s
            self._aligned.add(action.kind)
        clear = self._remuxers[action.kind].push(source, init, data, action.segment.time_offset_s, align_to)
        return Delivered(clear, fetched)

    async def _get(self, url: str, byte_range: ByteRange | None = None,
                   headers: dict[str, str] | None = None, progress: FetchProgress | None = None) -> FetchResult:
        """Fetch from the preferred host, failing over to the others that mirror it."""
        error: FetchError | None = None
        for candidate in self._mirrors.candidates(url):
            try:
                result = await self._fetcher.get(candidate, byte_range, headers, progress)
            except FetchError as exc:
                if exc.status is not None and exc.status < 500 and exc.status != 404:
                    raise  # refused (4xx): another host will say the same
                error = exc
                continue
            self._mirrors.succeeded(candidate)
            return result
        assert error is not None
        raise error

    async def _init(self, ref: SegmentRef, cmcd_data: dict[str, cmcd.CmcdValue]) -> bytes:
        key = _ref_key(ref)
        if key not in self._inits:
            url, headers = cmcd.apply(ref.url, cmcd_data, self._cmcd_mode)
            self._inits[key] = (await self._get(url, ref.byte_range, headers)).data
        return self._inits[key]

    async def _decryptor(self, rendition: Rendition, cache_key: str, init: bytes) -> Decryptor | None:
        """The decryptor for a protected init (with its keys in hand), None for clear media."""
        if cache_key in self._decryptors:
            return self._decryptors[cache_key]
        decryptor: Decryptor | None = Decryptor(init)
        assert decryptor is not None
        if not decryptor.protected:
            decryptor = None
        else:
            protection = rendition.protection
            kids = list(decryptor.kids) + list(protection.kids if protection else ())
            if protection is not None and protection.key_uri is not None:
                key = await self._keys.raw_key(protection.key_uri)
                decryptor.add_keys({kid: key for kid in kids})
            else:
                await self._keys.ensure(kids, protection.license_url if protection else None)
                decryptor.add_keys(self._keys.keys)
        self._decryptors[cache_key] = decryptor
        return decryptor

    async def _decrypt_aes128(self, segment: SegmentRef, data: bytes) -> bytes:
        assert segment.key is not None
        key = await self._keys.raw_key(segment.key.uri)
        iv = segment.key.iv or hls_sequence_iv(segment.number)
        return decrypt_segment_aes128(data, key, iv)


def _ref_key(ref: SegmentRef) -> str:
    return f"{ref.url}#{ref.byte_range.header if ref.byte_range else ''}"
