"""What the player tells its listeners: the UI, the headless CLI and telemetry read the same stream.

Events are small frozen dataclasses. Listeners are called on a player thread, never the UI thread;
a Qt front end bridges them with queued signals.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal


class State(enum.Enum):
    IDLE = "idle"
    LOADING = "loading"
    BUFFERING = "buffering"
    PLAYING = "playing"
    PAUSED = "paused"
    ENDED = "ended"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class PlayerEvent:
    """Base class of everything a listener receives."""

    session_id: str = field(default="", kw_only=True)
    """The playback session the event belongs to: the CMCD session id of the ``open`` that
    started it ("" when no presentation was ever opened). Events are delivered asynchronously,
    so the last words of a title can arrive after the next one was opened; listeners that
    follow one title compare this instead of guessing from the order."""


@dataclass(frozen=True, slots=True)
class StateChanged(PlayerEvent):
    state: State


@dataclass(frozen=True, slots=True)
class Loaded(PlayerEvent):
    """The manifest is parsed: what can be played."""

    url: str
    format: str
    duration_s: float
    video_kbps: tuple[int, ...]
    audio_kbps: tuple[int, ...]
    audio_languages: tuple[str, ...] = ()
    subtitle_languages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TrackSelected(PlayerEvent):
    """An audio or subtitle track was chosen (at start or by the viewer); ``language`` is
    ``"off"`` when subtitles were turned off."""

    kind: Literal["audio", "text"]
    language: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class FirstFrame(PlayerEvent):
    """The first frame after ``open`` (or a seek) is decoded and shown."""

    startup_ms: float
    seek_target_s: float | None = None
    """The position the seek this frame ends asked for (None after ``open``). A viewer can seek
    again before a seek lands; this tells which one did."""
    position_s: float = 0.0
    """Where the picture starts: the start or seek target, give or take a frame."""

    @property
    def after_seek(self) -> bool:
        return self.seek_target_s is not None


@dataclass(frozen=True, slots=True)
class Position(PlayerEvent):
    position_s: float
    duration_s: float
    buffer_s: float


@dataclass(frozen=True, slots=True)
class Stats(PlayerEvent):
    """Once a second while a presentation is open: what the statistics overlay and the telemetry
    heartbeat show."""

    position_s: float
    buffer_s: float
    throughput_bps: float | None
    """The player's throughput estimate (the same dual EWMA as Shaka), None before a download."""
    video_kbps: int | None
    """Declared bitrate of the rendition on screen."""
    width: int
    height: int
    codec: str
    dropped_frames: int
    decoded_frames: int
    buffered_bytes: int


@dataclass(frozen=True, slots=True)
class RenditionSwitched(PlayerEvent):
    """The playhead entered media of another rendition (what is shown, not what was fetched)."""

    kind: Literal["video", "audio"]
    from_kbps: int | None
    to_kbps: int
    width: int
    height: int
    reason: str
    position_s: float


@dataclass(frozen=True, slots=True)
class SegmentLoaded(PlayerEvent):
    """A media segment is downloaded and handed to the stream (what the ABR chose and paid)."""

    kind: Literal["video", "audio"]
    index: int
    rendition: int
    bitrate_bps: int
    size_bytes: int
    elapsed_s: float
    buffer_s: float
    """Buffer ahead of the playhead once this segment is in."""
    reason: str


@dataclass(frozen=True, slots=True)
class StallStarted(PlayerEvent):
    position_s: float


@dataclass(frozen=True, slots=True)
class StallEnded(PlayerEvent):
    position_s: float
    duration_s: float


@dataclass(frozen=True, slots=True)
class DecodeError(PlayerEvent):
    """The decoder reported a damaged frame: a switch or a segment was not seamless."""

    message: str
    position_s: float


@dataclass(frozen=True, slots=True)
class PlayerError(PlayerEvent):
    code: str
    message: str
    fatal: bool = True


@dataclass(frozen=True, slots=True)
class Ended(PlayerEvent):
    """Playback reached the end of the presentation."""
