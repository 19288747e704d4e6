"""The live driver: runs the scheduler against real HTTP and a real libmpv.

Everything here runs on the player's worker thread, inside its asyncio loop: manifest and segment
downloads, remuxing, and handing bytes to mpv's stream queues. libmpv's own threads only read from
those queues (the stream callback) or post notifications back with ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import logging
import posixpath
import time
from urllib.parse import urlsplit
from collections.abc import Callable

import mpv

from abr.api import Abr
from player.events import (
    Ended,
    FirstFrame,
    Loaded,
    PlayerError,
    PlayerEvent,
    Position,
    SegmentLoaded,
    StallEnded,
    StallStarted,
    State,
    Stats,
    TrackSelected,
)
from player import cmcd
from player.fetcher import FetchAbandoned, Fetcher, FetchError
from player.fetcher import Progress as FetchProgress
from player.keys import KeyStore
from player.manifest import ByteRange, Manifest, ManifestError, Track, load_manifest
from player.mirrors import Mirrors
from player.pipeline import MediaPipeline, PipelineError
from player.scheduler import Action, Fetch, Scheduler, SchedulerConfig, TrackComplete
from player.subtitles import SubtitleError, parse_text_mp4, parse_webvtt, to_webvtt
from player.tracks import OFF, TrackPreferences, choose_audio, choose_subtitles, languages
from player.sink import ByteQueue, StreamRegistry

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.25
STATS_EVERY = 4  # polls: once a second
EXACT_SEEK_TOLERANCE_S = 0.05
ABANDON_CHECK_S = 0.1
MIN_REFRESH_S = 0.5
LIVE_RELOAD_RETRIES = 3


class LiveSession:
    """One opened presentation, from ``open`` until ``close`` or the next ``open``."""

    def __init__(
        self,
        *,
        mpv_player: mpv.MPV,
        streams: StreamRegistry,
        fetcher: Fetcher,
        keys: KeyStore,
        cmcd_config: cmcd.CmcdConfig,
        preferences: TrackPreferences,
        abr: Abr,
        config: SchedulerConfig,
        emit: Callable[[PlayerEvent], None],
        set_state: Callable[[State], None],
    ) -> None:
        self._mpv = mpv_player
        self._streams = streams
        self._fetcher = fetcher
        self._abr = abr
        self._config = config
        self._emit = emit
        self._set_state = set_state
        self.manifest: Manifest | None = None
        self.scheduler: Scheduler | None = None
        self._queues: dict[str, ByteQueue] = {}
        self._urls: list[str] = []
        self._pipeline: MediaPipeline | None = None
        self._keys = keys
        self._cmcd = cmcd_config
        self._preferences = preferences
        self._subtitles: Track | None = None
        self._starved: set[str] = set()  # tracks whose next request reports buffer starvation
        self._tasks: set[asyncio.Task[None]] = set()
        self._poller: asyncio.Task[None] | None = None
        self._requested_at = 0.0
        self._seek_target_s: float | None = None  # what the viewer last sought to, once they have
        self._ended = False
        self._clock_offset: float | None = None
        """mpv's clock minus presentation time, learnt at the first frame (0 for aligned fMP4)."""
        self._stream_start = 0.0
        self._exact_target: float | None = None
        self._loaded_entry: int | None = None
        """mpv's playlist entry for our latest ``loadfile``: a restart counts only from this one."""
        self._playing_entry: int | None = None
        """The entry mpv last started; a restart belongs to it (mpv's events arrive in order)."""
        self.closed = False

    # -- lifecycle -------------------------------------------------------------------------------

    async def open(self, url: str, start_s: float) -> None:
        self._requested_at = time.monotonic()
        self._set_state(State.LOADING)
        try:
            self.manifest = await load_manifest(self._get_text, url, self._get_range)
            self._pipeline = MediaPipeline(self._fetcher, self._keys, self._cmcd.mode,
                                           self.manifest.playlist_timeline, Mirrors(self.manifest.mirrors))
            audio = choose_audio(self.manifest, self._preferences.audio_language)
            self.scheduler = Scheduler(self.manifest, self._abr, self._config, audio=audio)
        except (FetchError, ManifestError, ValueError) as exc:
            self._fail("manifest", str(exc))
            return
        m = self.manifest
        video = m.first("video")
        self._subtitles = choose_subtitles(m, self._preferences.subtitle_language)
        self._emit(
            Loaded(
                url=url,
                format=m.format,
                duration_s=m.duration_s,
                video_kbps=tuple(round(r.bandwidth_bps / 1000) for r in video.renditions) if video else (),
                audio_kbps=tuple(round(r.bandwidth_bps / 1000) for r in audio.renditions) if audio else (),
                audio_languages=languages(m, "audio"),
                subtitle_languages=languages(m, "text"),
            )
        )
        if audio is not None:
            self._emit(TrackSelected("audio", audio.language or "und", audio.label))
        self._set_state(State.BUFFERING)
        if m.live:  # join a live presentation a few target durations behind its edge
            first = (video or m.tracks[0]).renditions[0].segments[0].start_s
            start_s = max(m.duration_s - m.hold_back_s, first)
            self._spawn(self._refresh(url))
        self._load(min(max(start_s, 0.0), max(m.duration_s - 1.0, 0.0)))
        self._poller = asyncio.create_task(self._poll())

    async def _refresh(self, url: str) -> None:
        """Reload a live presentation every target duration until it ends (``EXT-X-ENDLIST``)."""
        failures = 0
        while not self.closed and self.manifest is not None and self.manifest.live:
            await asyncio.sleep(max(self.manifest.refresh_s, MIN_REFRESH_S))
            try:
                fresh = await load_manifest(self._get_text, url, self._get_range, previous=self.manifest)
            except (FetchError, ManifestError) as exc:
                failures += 1
                if failures > LIVE_RELOAD_RETRIES:
                    self._fail("manifest", f"live reload failed {failures} times: {exc}")
                    return
                continue
            failures = 0
            if self.closed or self.scheduler is None:
                return
            self.manifest = fresh
            self._run(self.scheduler.update_manifest(fresh))

    def _load(self, start_s: float) -> None:
        """(Re)create the byte streams, point mpv at them and start scheduling at ``start_s``."""
        assert self.scheduler is not None and self.manifest is not None
        for url in self._urls:
            self._streams.remove(url)
        self._queues = {kind: ByteQueue() for kind in ("video", "audio") if self.manifest.first(kind) is not None}
        assert self._pipeline is not None
        self._pipeline.restart(list(self._queues))
        self._urls = [self._streams.add(kind, q) for kind, q in self._queues.items()]
        urls = dict(zip(self._queues, self._urls, strict=True))
        main = urls.get("video") or urls["audio"]
        options = {}
        self._exact_target = None
        if self._clock_offset is not None:
            options["start"] = f"{start_s + self._clock_offset:.3f}"
        else:
            self._stream_start = self._first_segment_start(start_s)
            if start_s - self._stream_start > EXACT_SEEK_TOLERANCE_S:
                self._exact_target = start_s
        if "video" in urls and "audio" in urls:
            options["audio-file"] = urls["audio"]
        self._mpv.loadfile(main, **options)
        self._loaded_entry = self._mpv.playlist[-1]["id"]  # "replace" leaves only the new entry
        self._run(self.scheduler.start(start_s) if self._seek_target_s is None else self.scheduler.seek(start_s))

    async def seek(self, position_s: float) -> None:
        if self.scheduler is None or self.manifest is None:
            return
        for task in list(self._tasks):
            task.cancel()
        self._requested_at = time.monotonic()
        self._seek_target_s = position_s
        self._ended = False
        self._set_state(State.BUFFERING)
        self._load(min(max(position_s, 0.0), max(self.manifest.duration_s - 0.5, 0.0)))

    async def close(self) -> None:
        self.closed = True
        if self._poller is not None:
            self._poller.cancel()
        for task in list(self._tasks):
            task.cancel()
        for url in self._urls:
            self._streams.remove(url)
        self._urls = []

    # -- notifications from mpv (already on the loop) ----------------------------------------------

    def _first_segment_start(self, position_s: float) -> float:
        """Where the stream fed for ``position_s`` begins: the start of its segment (or of the first
        real one after it, when it is a gap in every rendition)."""
        assert self.scheduler is not None
        return self.scheduler.stream_start_s(position_s)

    def position(self) -> float | None:
        """The playhead on the presentation timeline (mpv's clock less the learnt offset)."""
        raw = self._mpv.time_pos
        if raw is None or self._clock_offset is None:
            return None
        return float(raw) - self._clock_offset

    def on_file_started(self, entry: int) -> None:
        self._playing_entry = entry

    def on_first_frame(self) -> None:
        if self.scheduler is None or self.closed or self.scheduler.started:
            return
        if self._playing_entry != self._loaded_entry:
            return  # a restart of a stream a later seek has replaced: its frame is not the target's
        raw = self._mpv.time_pos
        if self._clock_offset is None:
            if self._subtitles is not None:
                self._spawn(self._load_subtitles(self._subtitles))
            # The first picture is the first frame of the first segment: that tells how mpv's
            # clock (media timestamps, edit lists, a TS stream's PTS) maps to the presentation.
            self._clock_offset = (float(raw) if raw is not None else self._stream_start) - self._stream_start
        if self._exact_target is not None:
            target, self._exact_target = self._exact_target, None
            self._mpv.command("seek", f"{target + self._clock_offset:.3f}", "absolute+exact")
            return  # the frame at the target is the first frame that counts
        self.scheduler.on_first_frame()
        position = self.position()
        self._emit(FirstFrame((time.monotonic() - self._requested_at) * 1000, seek_target_s=self._seek_target_s,
                              position_s=position if position is not None else self.scheduler.position_s))
        self._set_state(State.PAUSED if self._mpv.pause else State.PLAYING)

    def on_end_of_file(self) -> None:
        if self.scheduler is not None and self.scheduler.complete and not self._ended and not self.closed:
            self._ended = True
            self._set_state(State.ENDED)
            self._emit(Ended())

    # -- tracks ----------------------------------------------------------------------------------

    async def set_audio(self, language: str) -> None:
        """Switch the audio language from the playhead on, without restarting the video."""
        if self.scheduler is None or self.manifest is None or self._pipeline is None:
            return
        track = choose_audio(self.manifest, language)
        if track is None or track is self.scheduler.audio_track():
            return
        old = self._urls[list(self._queues).index("audio")]
        queue = ByteQueue()
        self._queues["audio"] = queue
        url = self._streams.add("audio", queue)
        self._urls = [url if u == old else u for u in self._urls]
        self._pipeline.restart(["audio"])
        self._run(self.scheduler.switch_audio(track))
        # audio-add opens the stream and waits for its first bytes, which this loop delivers:
        # so it must not run on this loop's thread.
        await asyncio.get_running_loop().run_in_executor(
            None, self._mpv.command, "audio-add", url, "select", track.label or track.language, track.language)
        self._streams.remove(old)
        self._emit(TrackSelected("audio", track.language or "und", track.label))

    async def set_subtitles(self, language: str) -> None:
        """Show subtitles in ``language`` or, with ``"off"``, none."""
        if self.manifest is None:
            return
        track = choose_subtitles(self.manifest, language)
        if track is None:
            self._mpv.command("set", "sid", "no")
            self._subtitles = None
            self._emit(TrackSelected("text", OFF))
            return
        self._subtitles = track
        if self._clock_offset is not None:
            await self._load_subtitles(track)

    async def _load_subtitles(self, track: Track) -> None:
        """Fetch a whole subtitle track, convert it to WebVTT on mpv's clock and hand it over."""
        assert self._pipeline is not None and self.manifest is not None
        rendition = track.renditions[-1]
        where = f"{track.language or track.label} subtitles"
        try:
            init = await self._pipeline.fetch_whole(rendition.init) if rendition.init else None
            bodies = await asyncio.gather(*(self._pipeline.fetch_whole(s) for s in rendition.segments))
            offset = self._clock_offset or 0.0
            first_shift = rendition.segments[0].time_offset_s
            if init is not None:
                cues = parse_text_mp4(init, list(bodies), where, first_shift)
            else:
                cues = []
                for segment, body in zip(rendition.segments, bodies, strict=True):
                    text = body.decode("utf-8", errors="replace")
                    mapped = "X-TIMESTAMP-MAP" in text  # HLS: cue times already on the media clock
                    shift = segment.time_offset_s - (offset if mapped else 0.0)
                    cues.extend(parse_webvtt(text, f"{where} {segment.url}", shift))
        except (PipelineError, SubtitleError) as exc:
            self._emit(PlayerError("subtitles", str(exc), fatal=False))
            return
        if self._subtitles is not track or self.closed:
            return
        self._mpv.command("sub-add", "memory://" + to_webvtt(cues, offset), "select",
                          track.label or track.language, track.language)
        self._emit(TrackSelected("text", track.language or "und", track.label))

    def _spawn(self, coro: object) -> None:
        task = asyncio.ensure_future(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Task[None]) -> None:
        """A task that raised what no handler expected (a fault in the ABR, say) ends playback
        with an error: left alone, its exception would be dropped and playback would wait forever
        for a segment that never comes."""
        self._tasks.discard(task)
        error = None if task.cancelled() else task.exception()
        if error is None or self.closed:
            return
        log.error("playback task failed", exc_info=error)
        self._fail("internal", f"the player failed: {type(error).__name__}: {error}")

    # -- actions ---------------------------------------------------------------------------------

    def _run(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Fetch):
                self._spawn(self._fetch(action))
            elif isinstance(action, TrackComplete):
                self._queues[action.kind].finish()

    async def _fetch(self, action: Fetch) -> None:
        assert self.scheduler is not None and self.manifest is not None and self._pipeline is not None
        queue = self._queues[action.kind]
        track = self.manifest.first("video") if action.kind == "video" else self.scheduler.audio_track()
        assert track is not None
        try:
            rendition = track.renditions[action.rendition]
            watch, replacements = self._abandonment_watch(action)
            delivered = await self._pipeline.deliver(action, rendition, self._cmcd_data(action, track), watch)
        except FetchAbandoned:
            self._run(replacements)  # the same segment at the lower rendition the ABR advised
            return
        except PipelineError as exc:
            retry = self.scheduler.on_fetch_failed(action.request_id) if exc.code == "network" else None
            if retry is None:
                self._fail(exc.code, str(exc))
            elif not self.closed and queue is self._queues.get(action.kind):
                self._emit(PlayerError(exc.code, f"{exc}; trying rendition {retry.rendition}", fatal=False))
                self._run([retry])
            return
        if self.closed or queue is not self._queues.get(action.kind):
            return  # superseded by a seek or close while downloading
        queue.put(delivered.data)
        fetched = delivered.fetched
        self._run(self.scheduler.on_fetch_complete(action.request_id, len(fetched.data), fetched.elapsed_s,
                                                   fetched.latency_s))
        self._emit(SegmentLoaded(action.kind, action.index, action.rendition, rendition.bandwidth_bps,  # type: ignore[arg-type]
                                 len(fetched.data), fetched.elapsed_s, self.scheduler.buffer_s(), action.reason))

    def _abandonment_watch(self, action: Fetch) -> tuple[FetchProgress | None, list[Action]]:
        """A progress callback asking the ABR, every 100 ms, whether to give up a video download;
        the replacement it advises lands in the returned list."""
        replacements: list[Action] = []
        if action.kind != "video":
            return None, replacements
        checked = [0.0]

        def watch(done: int, total: int | None, elapsed: float) -> bool:
            assert self.scheduler is not None
            if elapsed - checked[0] < ABANDON_CHECK_S:
                return False
            checked[0] = elapsed
            replacement = self.scheduler.on_fetch_progress(action.request_id, done, total, elapsed)
            if replacement is not None:
                replacements.append(replacement)
            return replacement is not None

        return watch, replacements

    def _cmcd_data(self, action: Fetch, track: Track) -> dict[str, cmcd.CmcdValue]:
        """What this request tells the CDN (CTA-5004 keys)."""
        if self._cmcd.mode == "off":
            return {}
        assert self.scheduler is not None and self.manifest is not None
        rendition = track.renditions[action.rendition]
        segment = action.segment
        data: dict[str, cmcd.CmcdValue] = {
            "br": round(rendition.bandwidth_bps / 1000),
            "tb": round(track.renditions[-1].bandwidth_bps / 1000),
            "d": round(segment.duration_s * 1000),
            "ot": "v" if action.kind == "video" else "a",
            "bl": cmcd.round_to(self.scheduler.buffer_by_kind().get(action.kind, 0.0) * 1000, 100),
            "su": not self.scheduler.started,
            "bs": action.kind in self._starved,
            "sid": self._cmcd.session_id,
            "sf": "d" if self.manifest.format == "dash" else "h",
            "st": "v",
            "v": 1,
        }
        self._starved.discard(action.kind)
        if self._cmcd.content_id:
            data["cid"] = self._cmcd.content_id
        throughput = self.scheduler.throughput.estimate()
        if throughput:
            data["mtp"] = cmcd.round_to(throughput / 1000, 100)
        if action.index + 1 < len(rendition.segments):
            data["nor"] = _relative(segment.url, rendition.segments[action.index + 1].url)
        return data

    async def _get_text(self, url: str) -> str:
        result = await self._fetcher.get(url)
        return result.data.decode("utf-8", errors="replace")

    async def _get_range(self, url: str, byte_range: ByteRange) -> bytes:
        return (await self._fetcher.get(url, byte_range)).data

    async def _poll(self) -> None:
        """Report the playhead to the scheduler and listeners a few times a second."""
        assert self.scheduler is not None and self.manifest is not None
        polls = 0
        while not self.closed:
            await asyncio.sleep(POLL_INTERVAL_S)
            polls += 1
            position = self.position()
            if position is None or not self.scheduler.started:
                continue
            playing = not self._mpv.pause
            actions, events = self.scheduler.on_playback(time.monotonic(), position, playing)
            self._run(actions)
            for event in events:
                self._emit(event)
            if any(isinstance(e, StallStarted) for e in events):
                self._starved.update(self._queues)
                self._set_state(State.BUFFERING)
            elif any(isinstance(e, StallEnded) for e in events) and playing:
                self._set_state(State.PLAYING)
            self._emit(Position(position, self.manifest.duration_s, self.scheduler.buffer_s()))
            if polls % STATS_EVERY == 0:
                self._emit(self._stats(position))

    def _stats(self, position: float) -> Stats:
        assert self.scheduler is not None and self.manifest is not None
        shown = self.scheduler.rendition_at("video", position)
        video = self.manifest.first("video")
        rendition = video.renditions[shown] if video is not None and shown is not None else None
        params = self._mpv.video_params or {}
        return Stats(
            position_s=position,
            buffer_s=self.scheduler.buffer_s(),
            throughput_bps=self.scheduler.throughput.estimate(),
            video_kbps=round(rendition.bandwidth_bps / 1000) if rendition else None,
            width=int(params.get("w") or (rendition.width if rendition else 0)),
            height=int(params.get("h") or (rendition.height if rendition else 0)),
            codec=str(self._mpv.video_codec or (rendition.codecs if rendition else "")),
            dropped_frames=int(self._mpv.frame_drop_count or 0) + int(self._mpv.decoder_frame_drop_count or 0),
            decoded_frames=int(self._mpv.estimated_frame_number or 0),
            buffered_bytes=self.scheduler.bytes_ahead(),
        )

    def _fail(self, code: str, message: str) -> None:
        if self.closed:
            return
        self.closed = True
        for url in self._urls:
            self._streams.remove(url)
        self._emit(PlayerError(code, message, fatal=True))
        self._set_state(State.ERROR)


def _relative(base: str, target: str) -> str:
    """``target`` relative to ``base`` when they share an origin (CMCD ``nor`` is relative)."""
    b, t = urlsplit(base), urlsplit(target)
    if (b.scheme, b.netloc) != (t.scheme, t.netloc):
        return target
    path = posixpath.relpath(t.path, posixpath.dirname(b.path) or "/")
    return path + (f"?{t.query}" if t.query else "")
