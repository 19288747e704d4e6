"""The sans-I/O heart of the player: which segment to fetch next, for which track, and when.

The scheduler is a state machine. Drivers feed it what happened (a download finished after so many
seconds, the playhead is at P, the user seeked) together with the current time, and it answers with
actions (fetch this segment, the track is complete) and events (a switch reached the screen, a stall
began). It never reads a clock or a socket, so the live driver (httpx + libmpv) and the simulator (a
virtual clock and a link model) run exactly the same decisions.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from abr.api import Abr, Context, Download, Progress
from abr.api import Rendition as AbrRendition
from abr.estimators import DualEwma
from player.events import PlayerEvent, RenditionSwitched, StallEnded, StallStarted
from player.manifest.model import Manifest, Rendition, SegmentRef, Track

FRAME_GAP_S = 0.3
"""The picture standing still this long while playback should go on is a stall, whatever the
player says about buffering: with separate streams, audio can keep mpv's clock going (or stop it a
frame early) while video has starved."""
END_SLACK_S = 0.3
"""Within this of the end of a complete presentation, a still picture is simply its end."""


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    buffer_goal_s: float = 30.0
    """Stop requesting when this much media is buffered ahead of the playhead."""
    max_buffer_bytes: int = 96 * 1024 * 1024
    """Memory cap: also stop when the bytes buffered ahead reach this, whatever the seconds."""
    audio_share: float = 0.2
    """Audio takes the best rendition within this share of the chosen video bitrate."""


@dataclass(frozen=True, slots=True)
class Fetch:
    """Download segment ``index`` of ``rendition`` of the track ``kind``, then report it."""

    request_id: int
    kind: str
    rendition: int
    index: int
    segment: SegmentRef
    init: SegmentRef | None
    """The segment's init segment (the remuxer notices when it changes), None for TS media."""
    reason: str


@dataclass(frozen=True, slots=True)
class TrackComplete:
    """The last segment of a track has been delivered: the driver signals end of stream."""

    kind: str


Action = Fetch | TrackComplete


@dataclass(slots=True)
class _Span:
    """A delivered segment: which media it covers and how it was chosen."""

    start_s: float
    end_s: float
    rendition: int | None
    """None for an ``EXT-X-GAP`` span that no rendition has media for: skipped, never loaded."""
    size_bytes: int
    reason: str


@dataclass(slots=True)
class _TrackState:
    kind: str
    track: Track
    next_index: int = 0
    in_flight: Fetch | None = None
    last_rendition: int | None = None
    spans: list[_Span] = field(default_factory=list)
    complete: bool = False
    shown_rendition: int | None = None
    failed: dict[int, set[int]] = field(default_factory=dict)
    """Renditions whose download of a segment (by index) failed for good."""

    @property
    def buffered_end_s(self) -> float:
        return self.spans[-1].end_s if self.spans else 0.0

    def _span_index(self, position_s: float) -> int:
        """Index of the span that starts at or before ``position_s`` (-1 when none does)."""
        return bisect.bisect_right([s.start_s for s in self.spans], position_s + 1e-6) - 1

    def span_at(self, position_s: float) -> _Span | None:
        i = self._span_index(position_s)
        return self.spans[i] if i >= 0 else None

    def bytes_ahead(self, position_s: float) -> int:
        return sum(s.size_bytes for s in self.spans if s.end_s > position_s)

    def gap_end_s(self, position_s: float) -> float | None:
        """The end of the run of skipped gap spans at ``position_s``, None when it is not in one."""
        i = self._span_index(position_s)
        end = None
        while 0 <= i < len(self.spans) and self.spans[i].rendition is None:
            end = self.spans[i].end_s
            i += 1
        return end


class Scheduler:
    """Per-presentation scheduling of the video and audio tracks of a manifest."""

    def __init__(self, manifest: Manifest, abr: Abr, config: SchedulerConfig | None = None,
                 audio: Track | None = None) -> None:
        """Schedule the manifest's first video track and ``audio`` (default: its first audio track)."""
        self.manifest = manifest
        self.abr = abr
        self.config = config or SchedulerConfig()
        chosen = {"video": manifest.first("video"), "audio": audio or manifest.first("audio")}
        self._tracks = [_TrackState(kind, track) for kind, track in chosen.items() if track is not None]
        if not self._tracks:
            raise ValueError("manifest has neither video nor audio")
        video = self._track("video")
        self._ladder = tuple(
            AbrRendition(r.bandwidth_bps, r.width, r.height) for r in (video.track.renditions if video else ())
        )
        self.throughput = DualEwma.shaka()
        """The player's own throughput estimate, for statistics (each ABR keeps its own)."""
        self._next_request = 1
        self.position_s = 0.0
        self.started = False
        self.stalled_since: float | None = None
        self._moved_at: float | None = None

    # -- queries ---------------------------------------------------------------------------------

    def _track(self, kind: str) -> _TrackState | None:
        return next((t for t in self._tracks if t.kind == kind), None)

    def buffer_s(self) -> float:
        """Media buffered ahead of the playhead: the least of all tracks, since both must play."""
        return max(0.0, self.buffered_end_s() - self.position_s)

    def buffered_end_s(self) -> float:
        """Media time up to which every track is buffered."""
        return min(t.buffered_end_s for t in self._tracks)

    def every_track_started(self) -> bool:
        """Whether every track has its first segment: what a player needs to show a picture."""
        return all(any(s.rendition is not None for s in t.spans) for t in self._tracks)

    def bytes_ahead(self) -> int:
        """Bytes delivered for media still ahead of the playhead (the memory the buffer holds)."""
        return sum(t.bytes_ahead(self.position_s) for t in self._tracks)

    def buffer_by_kind(self) -> dict[str, float]:
        return {t.kind: max(0.0, t.buffered_end_s - self.position_s) for t in self._tracks}

    @property
    def complete(self) -> bool:
        return all(t.complete for t in self._tracks)

    def stream_start_s(self, position_s: float) -> float:
        """Where the media fed for a start at ``position_s`` begins: the start of the main (video,
        else audio) track's segment there, or of the first one after it that is not a gap in
        every rendition, since those are skipped."""
        t = self._tracks[0]
        segments = t.track.renditions[0].segments
        i = t.track.renditions[0].index_at(position_s)
        while i < len(segments) - 1 and _gap_everywhere(t.track, i):
            i += 1
        return segments[i].start_s

    def rendition_at(self, kind: str, position_s: float) -> int | None:
        state = self._track(kind)
        span = state.span_at(position_s) if state else None
        return span.rendition if span else None

    # -- inputs ----------------------------------------------------------------------------------

    def start(self, position_s: float = 0.0) -> list[Action]:
        """Begin (or, after :meth:`seek`, begin again) at ``position_s``."""
        self.position_s = position_s
        for t in self._tracks:
            t.next_index = t.track.renditions[0].index_at(position_s)
        return self._plan()

    def seek(self, position_s: float) -> list[Action]:
        """Drop everything buffered and in flight, and start again at ``position_s``.

        The driver aborts in-flight requests; their completions, if they still arrive, are ignored.
        """
        for t in self._tracks:
            t.in_flight = None
            t.spans.clear()
            t.complete = False
            t.last_rendition = None
            t.shown_rendition = None
        self.started = False
        self.stalled_since = None
        self._moved_at = None
        self.abr.reset()
        return self.start(position_s)

    def switch_audio(self, track: Track) -> list[Action]:
        """Replace the audio track (another language) from the playhead on; video goes on.

        The driver gives the new track a new stream; the old track's download, if any, is
        ignored when it completes.
        """
        old = self._track("audio")
        if old is None:
            raise ValueError("the presentation has no audio to switch")
        state = _TrackState("audio", track)
        state.next_index = track.renditions[0].index_at(self.position_s)
        self._tracks[self._tracks.index(old)] = state
        return self._plan()

    def audio_track(self) -> Track | None:
        state = self._track("audio")
        return state.track if state else None

    def on_fetch_complete(
        self, request_id: int, size_bytes: int, elapsed_s: float, latency_s: float
    ) -> list[Action]:
        state = next((t for t in self._tracks if t.in_flight and t.in_flight.request_id == request_id), None)
        if state is None:
            return []  # a request from before a seek
        fetch = state.in_flight
        assert fetch is not None
        state.in_flight = None
        seg = fetch.segment
        if state.kind == "video":
            download = Download(fetch.rendition, size_bytes, elapsed_s, latency_s, seg.duration_s)
            self.abr.on_download(download)
            self.throughput.add(download)
        state.spans.append(_Span(seg.start_s, seg.end_s, fetch.rendition, size_bytes, fetch.reason))
        state.last_rendition = fetch.rendition
        state.next_index = fetch.index + 1
        return self._plan()

    def _completions(self) -> list[Action]:
        """Tracks that have delivered their last segment (never while the presentation is live)."""
        actions: list[Action] = []
        for t in self._tracks:
            if not t.complete and not self.manifest.live and t.next_index >= len(t.track.renditions[0].segments):
                t.complete = True
                actions.append(TrackComplete(t.kind))
        return actions

    def update_manifest(self, manifest: Manifest) -> list[Action]:
        """A reloaded live presentation: the same tracks with more (and maybe fewer) segments.

        Each track carries on with the segment it was due to fetch, found again in the slid
        window: in HLS by media sequence number; in DASH by time, since segment numbers start
        afresh in every period while the MPD's timeline runs on across them.
        """
        for t in self._tracks:
            fresh = manifest.first("video") if t.kind == "video" else next(
                (n for n in manifest.tracks if n.kind == t.kind and n.language == t.track.language
                 and n.label == t.track.label), manifest.first("audio"))
            if fresh is None:
                continue
            old = t.track.renditions[0].segments
            new = fresh.renditions[0].segments
            if manifest.format == "dash":
                due_s = old[t.next_index].start_s if t.next_index < len(old) else old[-1].end_s
                t.next_index = next((i for i, seg in enumerate(new) if seg.start_s + seg.duration_s / 2 > due_s),
                                    len(new))
            else:
                due = old[t.next_index].number if t.next_index < len(old) else old[-1].number + 1
                t.next_index = next((i for i, seg in enumerate(new) if seg.number >= due), len(new))
            t.track = fresh
        self.manifest = manifest
        return self._plan()

    def on_fetch_progress(self, request_id: int, bytes_done: int, bytes_total: int | None,
                          elapsed_s: float) -> Fetch | None:
        """A video download is under way: if the ABR advises abandoning it, the replacement (the
        same segment at a lower rendition) to fetch instead; the driver then cancels the first."""
        state = self._track("video")
        fetch = state.in_flight if state is not None else None
        if state is None or fetch is None or fetch.request_id != request_id:
            return None
        progress = Progress(fetch.rendition, bytes_done, bytes_total, elapsed_s, fetch.segment.duration_s)
        advised = self.abr.abandon(self._context(state), progress)
        if advised is None or not 0 <= advised < fetch.rendition:
            return None
        order = [*range(advised, -1, -1), *range(advised + 1, fetch.rendition)]  # the advice, else nearest below
        lower = next((r for r in order if _has_media(state.track.renditions[r], fetch.index)), None)
        if lower is None:
            return None
        rendition = state.track.renditions[lower]
        segment = rendition.segments[fetch.index]
        replacement = Fetch(self._next_request, "video", lower, fetch.index, segment,
                            segment.init or rendition.init, "abandon")
        self._next_request += 1
        state.in_flight = replacement
        return replacement

    def on_fetch_failed(self, request_id: int) -> Fetch | None:
        """A download failed after the fetcher's retries: the same segment from the nearest other
        rendition (lower first), or None when every rendition has failed it."""
        state = next((t for t in self._tracks if t.in_flight and t.in_flight.request_id == request_id), None)
        if state is None:
            return None
        fetch = state.in_flight
        assert fetch is not None
        state.in_flight = None
        tried = state.failed.setdefault(fetch.index, set())
        tried.add(fetch.rendition)
        count = len(state.track.renditions)
        order = [*range(fetch.rendition - 1, -1, -1), *range(fetch.rendition + 1, count)]
        candidate = next((r for r in order if r not in tried
                          and _has_media(state.track.renditions[r], fetch.index)), None)
        if candidate is None:
            return None
        rendition = state.track.renditions[candidate]
        segment = rendition.segments[fetch.index]
        retry = Fetch(self._next_request, fetch.kind, candidate, fetch.index, segment,
                      segment.init or rendition.init, "failover")
        self._next_request += 1
        state.in_flight = retry
        return retry

    def on_first_frame(self) -> None:
        self.started = True

    def on_playback(self, now_s: float, position_s: float, playing: bool) -> tuple[list[Action], list[PlayerEvent]]:
        """The playhead is at ``position_s``; ``playing`` is False while paused by the user."""
        moved = position_s > self.position_s + 1e-3
        self.position_s = position_s
        events: list[PlayerEvent] = []
        for t in self._tracks:
            span = t.span_at(position_s)
            if span is None or span.rendition is None:
                continue  # nothing delivered here yet, or a skipped gap: the picture stays as it was
            if span.rendition != t.shown_rendition and t.kind == "video":
                events.append(self._switch_event(t, span, position_s))
            t.shown_rendition = span.rendition
        events.extend(self._stall_events(now_s, playing, moved))
        return self._plan(), events

    # -- internals -------------------------------------------------------------------------------

    def _switch_event(self, t: _TrackState, span: _Span, position_s: float) -> RenditionSwitched:
        assert span.rendition is not None
        rendition = t.track.renditions[span.rendition]
        previous = t.track.renditions[t.shown_rendition] if t.shown_rendition is not None else None
        return RenditionSwitched(
            kind="video",
            from_kbps=round(previous.bandwidth_bps / 1000) if previous else None,
            to_kbps=round(rendition.bandwidth_bps / 1000),
            width=rendition.width,
            height=rendition.height,
            reason=span.reason,
            position_s=position_s,
        )

    def _stall_events(self, now_s: float, playing: bool, moved: bool) -> list[PlayerEvent]:
        """A stall runs from the moment the picture stopped (when it stands still for
        :data:`FRAME_GAP_S` while it should play) until it moves again: the time the viewer sees
        a frozen picture, refill included. Before a skipped gap, mpv holds the last frame until
        the first one after the gap, so the picture may stand still that much longer."""
        if moved or not playing or self._moved_at is None:
            self._moved_at = now_s
        at_end = self.complete and self.buffer_s() <= END_SLACK_S
        if self.stalled_since is None:
            still_s = now_s - self._moved_at  # the gap lookup only once the picture has stood still
            if (self.started and playing and not at_end and still_s >= FRAME_GAP_S
                    and still_s >= FRAME_GAP_S + self._gap_ahead_s()):
                self.stalled_since = self._moved_at
                return [StallStarted(self.position_s)]
            return []
        if moved or not playing or at_end:
            began, self.stalled_since = self.stalled_since, None
            return [StallEnded(self.position_s, now_s - began)]
        return []

    def _gap_ahead_s(self) -> float:
        """Media time from the playhead to the end of a skipped gap that starts within a frame
        (:data:`FRAME_GAP_S`) of it, in any track; 0 when there is none."""
        ends = (t.gap_end_s(self.position_s + FRAME_GAP_S) for t in self._tracks)
        return max((end - self.position_s for end in ends if end is not None), default=0.0)

    def _plan(self) -> list[Action]:
        """Start the next download of every idle track whose buffer is below the goal."""
        for t in self._tracks:
            if t.in_flight is None:
                self._skip_gaps(t)
        actions: list[Action] = self._completions()
        for t in self._tracks:
            if t.in_flight is not None or t.complete or t.next_index >= len(t.track.renditions[0].segments):
                continue  # busy, done, or (live) waiting for the playlist to grow
            ahead = t.buffered_end_s - self.position_s if t.spans else 0.0
            if ahead >= self.config.buffer_goal_s:
                continue
            if t.spans and t.bytes_ahead(self.position_s) >= self.config.max_buffer_bytes:
                continue
            rendition, reason = self._choose(t)
            if not _has_media(t.track.renditions[rendition], t.next_index):
                rendition, reason = self._with_media(t, rendition), "gap"
            r = t.track.renditions[rendition]
            segment = r.segments[t.next_index]
            fetch = Fetch(
                request_id=self._next_request,
                kind=t.kind,
                rendition=rendition,
                index=t.next_index,
                segment=segment,
                init=segment.init or r.init,
                reason=reason,
            )
            self._next_request += 1
            t.in_flight = fetch
            actions.append(fetch)
        return actions

    def _skip_gaps(self, t: _TrackState) -> None:
        """Step over segments that are ``EXT-X-GAP`` in every rendition: nothing can be loaded
        for them, so they count as delivered (no bytes) and the next real segment follows, placed
        at its playlist time by the remuxer. Playing on beats waiting for media that is not there."""
        segments = t.track.renditions[0].segments
        while t.next_index < len(segments) and _gap_everywhere(t.track, t.next_index):
            seg = segments[t.next_index]
            t.spans.append(_Span(seg.start_s, seg.end_s, None, 0, "gap"))
            t.next_index += 1

    @staticmethod
    def _with_media(t: _TrackState, chosen: int) -> int:
        """The rendition nearest in bitrate to ``chosen`` (the lower on a tie) that has media for
        the next segment, as RFC 8216bis suggests for a gap; :meth:`_skip_gaps` has made sure one has."""
        wanted = t.track.renditions[chosen].bandwidth_bps
        candidates = [i for i, r in enumerate(t.track.renditions) if _has_media(r, t.next_index)]
        return min(candidates, key=lambda i: (abs(t.track.renditions[i].bandwidth_bps - wanted), i))

    def _context(self, t: _TrackState) -> Context:
        seg = t.track.renditions[0].segments[t.next_index]
        total = len(t.track.renditions[0].segments)
        return Context(
            ladder=self._ladder,
            buffer_s=max(0.0, t.buffered_end_s - self.position_s) if t.spans else 0.0,
            buffer_target_s=self.config.buffer_goal_s,
            segment_duration_s=seg.duration_s,
            segment_index=t.next_index,
            segments_left=None if self.manifest.live else total - t.next_index - 1,
            last_rendition=t.last_rendition,
            startup=not self.started,
            rebuffering=self.stalled_since is not None,
        )

    def _choose(self, t: _TrackState) -> tuple[int, str]:
        if t.kind == "video":
            decision = self.abr.choose(self._context(t))
            return min(max(decision.rendition, 0), len(self._ladder) - 1), decision.reason
        return self._audio_choice(t), "audio-share"

    def _audio_choice(self, t: _TrackState) -> int:
        video = self._track("video")
        if video is None or video.last_rendition is None:
            return len(t.track.renditions) - 1 if video is None else 0
        budget = self._ladder[video.last_rendition].bitrate_bps * self.config.audio_share
        fitting = [i for i, r in enumerate(t.track.renditions) if r.bandwidth_bps <= budget]
        return fitting[-1] if fitting else 0


def _has_media(rendition: Rendition, index: int) -> bool:
    """Whether ``rendition`` has segment ``index`` and it is not an ``EXT-X-GAP``."""
    return index < len(rendition.segments) and not rendition.segments[index].gap


def _gap_everywhere(track: Track, index: int) -> bool:
    """Whether no rendition of ``track`` has media for segment ``index``."""
    return not any(_has_media(r, index) for r in track.renditions)
