"""The ``Player`` facade: one object the UI and the headless CLI drive, Qt-free.

It owns libmpv, a worker thread running an asyncio loop (all network I/O, remuxing and scheduling
happen there), and the listeners that receive :mod:`player.events`. Every public method returns at
once: work is posted to the worker, so a UI thread calling it never waits on the network or mpv.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import replace
from functools import partial
from typing import Any

import mpv

from abr.api import Abr
from abr.registry import create as create_abr
from player.events import DecodeError, PlayerError, PlayerEvent, State, StateChanged
from player.cmcd import CmcdConfig
from player.fetcher import Fetcher
from player.keys import KeyStore, LicenseConfig
from player.live import LiveSession
from player.scheduler import SchedulerConfig
from player.sink import StreamRegistry
from player.tracks import TrackPreferences

log = logging.getLogger(__name__)

Listener = Callable[[PlayerEvent], None]

# mpv log lines that mean a frame was damaged or dropped by the decoder.
_DECODE_ERROR_MARKERS = ("error while decoding", "invalid nal", "non-existing pps", "no frame!", "decode_slice")


class Player:
    """Plays DASH/HLS manifests through the Marquee player core into libmpv.

    ``video_output`` is ``"null"`` for headless playback and ``"libmpv"`` when a front end draws
    the picture with mpv's render API (it then creates the render context on :attr:`mpv`).
    ``abr`` names an algorithm of :mod:`abr.registry`, or is a factory of a custom :class:`Abr`
    (one instance per presentation: an algorithm keeps what it measured of the link).
    """

    def __init__(
        self,
        *,
        video_output: str = "null",
        audio_output: str | None = None,
        abr: str | Callable[[], Abr] = "marquee",
        config: SchedulerConfig | None = None,
        mpv_options: dict[str, Any] | None = None,
    ) -> None:
        options: dict[str, Any] = {
            "vo": video_output,
            "idle": "yes",
            "keep-open": "yes",  # hold the last frame at the end; we report Ended ourselves
            "rebase-start-time": "no",  # mpv's clock is media time, as the scheduler's is
            "cache": "yes",
            "demuxer-seekable-cache": "yes",
            "force-seekable": "yes",  # seeks land inside what the cache holds; we refill the rest
            "demuxer-max-bytes": "48MiB",
            "demuxer-max-back-bytes": "8MiB",
            "hr-seek": "yes",
            "input-default-bindings": "no",
            "osc": "no",
            "terminal": "no",
        }
        if audio_output:
            options["ao"] = audio_output
        options.update(mpv_options or {})
        self.mpv = mpv.MPV(log_handler=self._on_mpv_log, loglevel="warn", **options)
        self._streams = StreamRegistry(self.mpv)
        self._make_abr: Callable[[], Abr] = partial(create_abr, abr) if isinstance(abr, str) else abr
        self._config = config or SchedulerConfig()
        self._listeners: list[Listener] = []
        self._state = State.IDLE
        self._session: LiveSession | None = None
        self._session_id = ""  # the presentation events are stamped with when not told otherwise
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="marquee-player", daemon=True)
        self._thread.start()
        self._fetcher: Fetcher = self._call(self._make_fetcher()).result()
        self._closed = False
        self.mpv.observe_property("eof-reached", self._on_eof)
        self.mpv.event_callback("playback-restart")(self._on_restart)
        self.mpv.event_callback("start-file")(self._on_start_file)

    # -- public API --------------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event)`` for every event, on a player thread."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    @property
    def state(self) -> State:
        return self._state

    @property
    def position_s(self) -> float:
        session = self._session
        position = session.position() if session is not None else None
        return position if position is not None else 0.0

    @property
    def duration_s(self) -> float:
        session = self._session
        return session.manifest.duration_s if session and session.manifest else 0.0

    @property
    def session(self) -> LiveSession | None:
        """The open presentation's driver (its scheduler and manifest), for diagnostics."""
        return self._session

    def open(self, url: str, *, start_s: float = 0.0, license: LicenseConfig | None = None,
             keys: Mapping[bytes, bytes] | None = None, cmcd: CmcdConfig | None = None,
             preferences: TrackPreferences | None = None) -> None:
        """Start playing the manifest at ``url`` from ``start_s`` seconds.

        Protected content gets its keys from ``keys`` (KID -> key) first, then from the license
        server in ``license`` or, failing that, the one the manifest names. Segment requests
        carry CMCD as ``cmcd`` says (by default as a query argument with a fresh session id).
        Audio and subtitle tracks follow ``preferences`` (by default: the system language, no
        subtitles).
        """
        self.mpv.pause = False
        self._call(self._open(url, start_s, license, keys, cmcd or CmcdConfig(), preferences or TrackPreferences()))

    def set_audio_language(self, language: str) -> None:
        """Switch audio to ``language`` during playback; the video goes on."""
        if (session := self._session) is not None:
            self._call(session.set_audio(language))

    def set_subtitles(self, language: str) -> None:
        """Show subtitles in ``language``, or none with ``"off"``."""
        if (session := self._session) is not None:
            self._call(session.set_subtitles(language))

    def play(self) -> None:
        self.mpv.pause = False
        if self._state == State.PAUSED:
            self._set_state(State.PLAYING)

    def pause(self) -> None:
        self.mpv.pause = True
        if self._state == State.PLAYING:
            self._set_state(State.PAUSED)

    def toggle_pause(self) -> None:
        self.play() if self.mpv.pause else self.pause()

    def seek(self, position_s: float) -> None:
        session = self._session
        if session is not None:
            self._call(session.seek(position_s))

    def stop(self) -> None:
        """Stop playback and release the presentation; the player can ``open`` again."""
        self._call(self._stop()).result(timeout=5)
        self.mpv.command("stop")
        self._set_state(State.IDLE)

    def close(self) -> None:
        """Stop, terminate mpv and the worker. Call before the process (or Qt) exits."""
        if self._closed:
            return
        self._closed = True
        try:
            self._call(self._stop()).result(timeout=5)
            self._call(self._fetcher.aclose()).result(timeout=5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self.mpv.terminate()

    # -- worker side -------------------------------------------------------------------------------

    def _call(self, coro: Any) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _make_fetcher(self) -> Fetcher:
        return Fetcher()

    async def _open(self, url: str, start_s: float, license: LicenseConfig | None,
                    keys: Mapping[bytes, bytes] | None, cmcd: CmcdConfig, preferences: TrackPreferences) -> None:
        await self._stop()
        self._session_id = cmcd.session_id
        session = LiveSession(
            mpv_player=self.mpv,
            streams=self._streams,
            fetcher=self._fetcher,
            keys=KeyStore(self._fetcher, keys=keys, license=license),
            cmcd_config=cmcd,
            preferences=preferences,
            abr=self._make_abr(),
            config=self._config,
            emit=partial(self._emit, session_id=cmcd.session_id),
            set_state=partial(self._set_state, session_id=cmcd.session_id),
        )
        self._session = session
        await session.open(url, start_s)

    async def _stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _emit(self, event: PlayerEvent, session_id: str | None = None) -> None:
        """Deliver ``event`` stamped with its presentation: ``session_id`` when the event comes
        from a session (which may already be replaced), else the one the player is on."""
        event = replace(event, session_id=self._session_id if session_id is None else session_id)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken listener must not stop playback
                log.exception("player listener failed on %s", type(event).__name__)

    def _set_state(self, state: State, session_id: str | None = None) -> None:
        if state != self._state:
            self._state = state
            self._emit(StateChanged(state), session_id)

    def _on_session(self, method: str, *args: Any) -> None:
        """Run ``LiveSession.method(*args)`` on the worker, from an mpv thread."""
        session = self._session
        if session is not None and not self._closed:
            self._loop.call_soon_threadsafe(getattr(session, method), *args)

    def _on_start_file(self, event: Any) -> None:
        self._on_session("on_file_started", event.data.playlist_entry_id)

    def _on_restart(self, _event: Any) -> None:
        self._on_session("on_first_frame")

    def _on_eof(self, _name: str, value: Any) -> None:
        if value:
            self._on_session("on_end_of_file")

    def _on_mpv_log(self, level: str, prefix: str, text: str) -> None:
        line = text.strip()
        lowered = line.lower()
        if any(marker in lowered for marker in _DECODE_ERROR_MARKERS):
            if self._state in (State.PLAYING, State.PAUSED, State.BUFFERING):  # not a stream we cut
                self._emit(DecodeError(f"{prefix}: {line}", self.position_s))
        elif level in ("error", "fatal"):
            log.info("mpv %s: %s", prefix, line)  # diagnostics; what matters arrives as events
            if prefix == "cplayer" and "failed" in lowered and self._state != State.ERROR:
                # (after our own fatal error mpv only reports the stream we cut short)
                self._emit(PlayerError("mpv", line, fatal=False))
