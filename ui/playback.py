"""The one bridge between the player and QML.

The player calls its listeners on its own threads; :class:`Playback` re-emits each event on a
queued signal so every property change happens on the UI thread. Commands go the other way on a
single worker thread (:class:`ui.tasks.TaskRunner`), because the player's calls can block on the
network or on mpv's core, and one worker keeps them in the order the viewer gave them.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from PySide6.QtCore import Property, QObject, Qt, Signal, Slot

from app.catalog import CatalogClient
from app.session import PlaybackSession
from app.telemetry import Telemetry
from player import Player, State
from player.cmcd import CmcdConfig
from player.events import (
    Ended,
    FirstFrame,
    Loaded,
    PlayerError,
    PlayerEvent,
    Position,
    RenditionSwitched,
    StallEnded,
    StallStarted,
    StateChanged,
)
from ui.browse import describe
from ui.stats import PlaybackStats
from ui.tasks import TaskRunner
from ui.tracks import TrackChoices


def rendition_label(event: RenditionSwitched) -> str:
    """What the viewer is seeing, for the on-screen bar: ``1080p · 4.3 Mbps``."""
    rate = f"{event.to_kbps / 1000:.1f} Mbps" if event.to_kbps >= 1000 else f"{event.to_kbps} kbps"
    return f"{event.height}p · {rate}" if event.height else rate


def is_manifest_url(target: str) -> bool:
    """``marquee play`` takes a catalog title id or a manifest URL; URLs are http(s)."""
    return urlsplit(target).scheme in ("http", "https")


def url_label(url: str) -> str:
    """What the player's top bar calls a bare manifest: its file name and host."""
    parts = urlsplit(url)
    name = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return f"{name} · {parts.netloc}" if name else parts.netloc


class Playback(QObject):
    """Context object ``playback`` in QML: state, position and commands of the player, and the
    statistics (``stats``) and track choices (``tracks``) that follow its events."""

    _received = Signal(object)  # a PlayerEvent, emitted on a player thread
    stateChanged = Signal()
    positionChanged = Signal()
    renditionChanged = Signal()
    errorChanged = Signal()
    titleChanged = Signal()
    progressSaved = Signal()  # after leaving a title, once its position is stored

    def __init__(self, catalog: CatalogClient, player: Player, telemetry: Telemetry | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._player = player
        self._session = PlaybackSession(catalog, player, telemetry=telemetry, ui_mode="desktop",
                                        player_config={"vo": "libmpv", "abr": "default"})
        self._commands = TaskRunner("player", threads=1, parent=self)
        self._state = State.IDLE.value
        self._stalled = False
        self._position = self._duration = self._buffer = 0.0
        self._seek_target: float | None = None  # where the viewer sought to, until the seek lands
        self._rendition = ""
        self._error = ""
        self._title_id = ""
        self._label = ""
        self._session_id = ""  # the playback session of the current title: its events carry it
        self._stats = PlaybackStats(self)
        self._tracks = TrackChoices(self)
        self._received.connect(self._on_event, Qt.ConnectionType.QueuedConnection)
        player.add_listener(self._received.emit)

    def shutdown(self) -> None:
        """Save progress and stop; waits for the player worker (call once, at exit)."""
        if self._title_id:
            self._commands.submit(self._session.stop)
            self._title_id = ""
        self._commands.shutdown(wait=True)

    # -- properties --------------------------------------------------------------------------------

    state = Property(str, lambda self: self._state, notify=stateChanged)
    # Waiting for media: loading, or playing but stalled for want of data.
    busy = Property(bool, lambda self: self._state in ("loading", "buffering") or self._stalled,
                    notify=stateChanged)
    playing = Property(bool, lambda self: self._state == "playing", notify=stateChanged)
    position = Property(float, lambda self: self._position, notify=positionChanged)
    duration = Property(float, lambda self: self._duration, notify=positionChanged)
    buffer = Property(float, lambda self: self._buffer, notify=positionChanged)
    rendition = Property(str, lambda self: self._rendition, notify=renditionChanged)
    error = Property(str, lambda self: self._error, notify=errorChanged)
    titleId = Property(str, lambda self: self._title_id, notify=titleChanged)
    # A manifest played by URL has no catalog title: this names it instead ("" for titles).
    label = Property(str, lambda self: self._label, notify=titleChanged)
    stats = Property(QObject, lambda self: self._stats, constant=True)
    tracks = Property(QObject, lambda self: self._tracks, constant=True)

    # -- commands ----------------------------------------------------------------------------------

    @Slot(str, bool)
    def start(self, title_id: str, from_start: bool) -> None:
        """Play ``title_id`` from its resume point, or from the start."""
        session_id = self._begin(title_id, "")
        self._commands.submit(
            lambda: self._session.start(title_id, from_start=from_start, session_id=session_id),
            on_error=self._start_failed)

    @Slot(str)
    def startUrl(self, url: str) -> None:
        """Play the manifest at ``url`` directly, outside the catalog (no progress is kept)."""
        cmcd = CmcdConfig(session_id=self._begin(url, url_label(url)))
        self._commands.submit(lambda: self._player.open(url, cmcd=cmcd), on_error=self._start_failed)

    def _begin(self, title_id: str, label: str) -> str:
        """Show ``title_id`` as loading, stopping the one before; returns the new session id."""
        if self._title_id:
            self._commands.submit(self._session.stop)
        self._title_id, self._label = title_id, label
        self._session_id = str(uuid.uuid4())
        self._state, self._stalled = State.LOADING.value, False
        self._position = self._duration = self._buffer = 0.0
        self._seek_target = None
        self._rendition = ""
        self._error = ""
        self._stats.reset(self._session_id)
        self._tracks.reset()
        for signal in (self.titleChanged, self.stateChanged, self.positionChanged,
                       self.renditionChanged, self.errorChanged):
            signal.emit()
        return self._session_id

    @Slot()
    def stop(self) -> None:
        """Leave the title: progress is saved, the player goes idle."""
        if not self._title_id:
            return
        self._title_id = ""
        self._commands.submit(self._session.stop, lambda _: self.progressSaved.emit())
        self._state, self._stalled = State.IDLE.value, False
        self.titleChanged.emit()
        self.stateChanged.emit()

    @Slot()
    def togglePause(self) -> None:
        if self._title_id and self._state in ("playing", "paused"):
            self._commands.submit(self._player.toggle_pause)

    @Slot(str)
    def setAudioLanguage(self, language: str) -> None:
        """Switch the audio to ``language``; ``tracks`` follows once the player has."""
        if self._title_id:
            self._commands.submit(lambda: self._player.set_audio_language(language))

    @Slot(str)
    def setSubtitles(self, language: str) -> None:
        """Show subtitles in ``language``, or none with ``"off"``."""
        if self._title_id:
            self._commands.submit(lambda: self._player.set_subtitles(language))

    @Slot(float)
    def setSubtitleRoom(self, fraction: float) -> None:
        """Keep subtitles clear of the bottom ``fraction`` of the picture (the control bar while
        it shows; 0 when it hides): mpv draws them, so it is told where."""
        position = round(100 * (1 - min(max(fraction, 0.0), 0.5)))

        def apply() -> None:
            self._player.mpv["sub-pos"] = position  # 100: the bottom of the picture

        self._commands.submit(apply)

    @Slot(float)
    def seekBy(self, delta_s: float) -> None:
        self.seekTo(self._position + delta_s)

    @Slot(float)
    def seekTo(self, position_s: float) -> None:
        """Jump to ``position_s`` (clamped to the title); the bar moves at once."""
        if not self._title_id or self._duration <= 0:
            return
        target = min(max(0.0, position_s), max(0.0, self._duration - 1.0))
        self._position = self._seek_target = target
        self.positionChanged.emit()
        self._commands.submit(lambda: self._player.seek(target))

    # -- events from the player --------------------------------------------------------------------

    def _start_failed(self, error: Exception) -> None:
        self._fail(describe(error))

    def _fail(self, message: str) -> None:
        self._error = message
        self._state = State.ERROR.value
        self.errorChanged.emit()
        self.stateChanged.emit()

    def _on_event(self, event: PlayerEvent) -> None:
        if not self._title_id or event.session_id != self._session_id:
            return  # the viewer left, or these are the last words of a title it left
        self._stats.on_event(event)
        self._tracks.on_event(event)
        if isinstance(event, Position):
            if self._seek_target is None:  # a seek holds the bar at its target until it lands
                self._position = event.position_s
            self._duration, self._buffer = event.duration_s, event.buffer_s
            self.positionChanged.emit()
        elif isinstance(event, FirstFrame):
            if event.seek_target_s is not None and event.seek_target_s == self._seek_target:
                self._seek_target = None
        elif isinstance(event, StateChanged):
            if self._state != State.ERROR.value:
                self._state = event.state.value
                self.stateChanged.emit()
        elif isinstance(event, Loaded):
            self._duration = event.duration_s
            self.positionChanged.emit()
        elif isinstance(event, RenditionSwitched):
            if event.kind == "video":
                self._rendition = rendition_label(event)
                self.renditionChanged.emit()
        elif isinstance(event, (StallStarted, StallEnded)):
            self._stalled = isinstance(event, StallStarted)
            self.stateChanged.emit()
        elif isinstance(event, PlayerError):
            if event.fatal:
                self._fail(event.message)
        elif isinstance(event, Ended):
            self._state = State.ENDED.value
            self.stateChanged.emit()
