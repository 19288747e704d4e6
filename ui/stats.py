"""The statistics overlay's model: what the player is doing, in words and figures.

It reads the same events as the rest of the UI (fed by :class:`ui.playback.Playback`), keeps the
latest of each, and offers them to QML as ``rows``: a fixed list of ``{key, label, value}`` whose
values are already formatted, so the overlay is pure layout and the formatting is tested here.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Property, QObject, Signal

from player.events import (
    Loaded,
    PlayerEvent,
    RenditionSwitched,
    StallEnded,
    StallStarted,
    Stats,
    TrackSelected,
)
from ui.tracks import language_name

DASH = "—"  # a figure not known yet
MIB = 1024 * 1024


def format_rate(bits_per_s: float | None) -> str:
    """``850 kbps``, ``4.30 Mbps``: three significant figures, the unit a viewer reads."""
    if bits_per_s is None or bits_per_s <= 0:
        return DASH
    if bits_per_s < 1_000_000:
        return f"{bits_per_s / 1000:.0f} kbps"
    mbps = bits_per_s / 1_000_000
    return f"{mbps:.2f} Mbps" if mbps < 10 else f"{mbps:.1f} Mbps" if mbps < 100 else f"{mbps:.0f} Mbps"


def format_buffer(seconds: float, size_bytes: int) -> str:
    """``24.3 s · 5.1 MiB``: time ahead of the playhead and what it weighs."""
    return f"{seconds:.1f} s · {size_bytes / MIB:.1f} MiB"


def format_rendition(kbps: int | None, height: int, ladder: tuple[int, ...]) -> str:
    """``720p · 2.40 Mbps · 3 of 4``, the place in the ladder when the rendition is in it."""
    if kbps is None:
        return DASH
    parts = [f"{height}p"] if height else []
    parts.append(format_rate(kbps * 1000))
    ordered = sorted(set(ladder))
    if kbps in ordered:
        parts.append(f"{ordered.index(kbps) + 1} of {len(ordered)}")
    return " · ".join(parts)


def format_codec(codec: str) -> str:
    """mpv names codecs ``h264 (H.264 / AVC / ...)`` or by their long name; keep the short one."""
    short = codec.split(" (", 1)[0].strip()
    return short or DASH


def format_switch(event: RenditionSwitched | None) -> str:
    """``throughput · 360p → 720p``: why the ABR chose what is on screen, and from what."""
    if event is None:
        return DASH

    def name(kbps: int | None, height: int) -> str:
        return f"{height}p" if height else format_rate((kbps or 0) * 1000)

    to = name(event.to_kbps, event.height)
    if event.from_kbps is None:
        return f"{event.reason} · {to}"
    arrow = "↑" if event.to_kbps > event.from_kbps else "↓"
    return f"{event.reason} · {arrow} {format_rate(event.from_kbps * 1000)} → {to}"


def format_frames(dropped: int, decoded: int) -> str:
    return f"{dropped:,} dropped · {decoded:,} decoded"


def format_stalls(count: int, total_s: float) -> str:
    return "none" if count == 0 else f"{count} · {total_s:.1f} s"


def format_audio(language: str, kbps: int | None) -> str:
    """``Deutsch (de) · 128 kbps``."""
    if not language:
        return DASH
    name = f"{language_name(language)} ({language})"
    return name if kbps is None else f"{name} · {format_rate(kbps * 1000)}"


@dataclass
class _Figures:
    """The latest of everything the overlay shows, for one title."""

    stats: Stats | None = None
    ladder: tuple[int, ...] = ()
    video: RenditionSwitched | None = None
    audio_kbps: int | None = None
    audio_language: str = ""
    stalls: int = 0
    stalled_s: float = 0.0
    session_id: str = ""


ROWS = (
    ("video", "Video"),
    ("codec", "Codec"),
    ("resolution", "Resolution"),
    ("buffer", "Buffer ahead"),
    ("throughput", "Throughput"),
    ("switch", "Last switch"),
    ("frames", "Frames"),
    ("stalls", "Stalls"),
    ("audio", "Audio"),
    ("session", "Session"),
)


def overlay_rows(f: _Figures) -> list[dict[str, str]]:
    """The overlay's lines, in order."""
    s = f.stats
    # Stats name the rendition on screen once a second; a switch names it as soon as it happens.
    kbps = (s.video_kbps if s else None) or (f.video.to_kbps if f.video else None)
    height = (s.height if s else 0) or (f.video.height if f.video else 0)
    values = {
        "video": format_rendition(kbps, height, f.ladder),
        "codec": format_codec(s.codec) if s else DASH,
        "resolution": f"{s.width} × {s.height}" if s and s.width and s.height else DASH,
        "buffer": format_buffer(s.buffer_s, s.buffered_bytes) if s else DASH,
        "throughput": format_rate(s.throughput_bps) if s else DASH,
        "switch": format_switch(f.video),
        "frames": format_frames(s.dropped_frames, s.decoded_frames) if s else DASH,
        "stalls": format_stalls(f.stalls, f.stalled_s),
        "audio": format_audio(f.audio_language, f.audio_kbps),
        "session": f.session_id or DASH,
    }
    return [{"key": key, "label": label, "value": values[key]} for key, label in ROWS]


class PlaybackStats(QObject):
    """``playback.stats`` in QML: the overlay's ``rows``, refreshed as events arrive."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._figures = _Figures()
        self._rows = overlay_rows(self._figures)

    rows = Property("QVariantList", lambda self: self._rows, notify=changed)
    sessionId = Property(str, lambda self: self._figures.session_id, notify=changed)

    def reset(self, session_id: str = "") -> None:
        """A new title: nothing known yet but its session id."""
        self._figures = _Figures(session_id=session_id)
        self._refresh()

    def on_event(self, event: PlayerEvent) -> None:
        """Take in one player event (on the UI thread)."""
        f = self._figures
        if isinstance(event, Stats):
            f.stats = event
        elif isinstance(event, Loaded):
            f.ladder = event.video_kbps
        elif isinstance(event, RenditionSwitched):
            if event.kind == "video":
                f.video = event
            else:
                f.audio_kbps = event.to_kbps
        elif isinstance(event, TrackSelected):
            if event.kind == "audio":
                f.audio_language = event.language
        elif isinstance(event, StallStarted):
            f.stalls += 1
        elif isinstance(event, StallEnded):
            f.stalled_s += event.duration_s
        else:
            return
        self._refresh()

    def _refresh(self) -> None:
        self._rows = overlay_rows(self._figures)
        self.changed.emit()
