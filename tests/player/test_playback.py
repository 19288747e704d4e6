"""End to end on loopback: the real backend, real HTTP, the player core and real libmpv (vo=null)."""

from __future__ import annotations

import threading
import time

import pytest

from app.catalog import CatalogClient
from app.report import PlaybackReport
from player import Player, State
from player.cmcd import CmcdConfig
from player.events import FirstFrame, Loaded, PlayerEvent, Position, StateChanged
from tests.playing import first_title, wait_for


@pytest.fixture()
def catalog(backend: str) -> CatalogClient:
    with CatalogClient(backend) as client:
        yield client


@pytest.fixture()
def player() -> Player:
    p = Player(audio_output="null")
    yield p
    p.close()


@pytest.mark.parametrize("fmt", ["dash", "hls"])
def test_title_plays_to_the_end_across_renditions_without_decode_errors(
    catalog: CatalogClient, player: Player, fmt: str
) -> None:
    info = catalog.playback(first_title(catalog))
    report = PlaybackReport()
    player.add_listener(report)
    player.open(info.manifest(fmt))
    assert report.finished.wait(60), "playback did not end"
    summary = report.as_dict()
    assert summary["ended"] and summary["errors"] == []
    assert summary["decode_errors"] == 0
    assert len(summary["renditions"]) >= 2, summary
    assert summary["switches"] >= 1
    assert summary["startup_ms"] is not None and summary["startup_ms"] < 5000
    assert summary["played_s"] == pytest.approx(report.duration_s, abs=1.0)
    assert player.state == State.ENDED


def test_pause_holds_the_position_and_play_resumes(catalog: CatalogClient, player: Player) -> None:
    info = catalog.playback(first_title(catalog))
    positions: list[float] = []
    player.add_listener(lambda e: positions.append(e.position_s) if isinstance(e, Position) else None)
    player.open(info.manifest("dash"))
    wait_for(lambda: positions and positions[-1] > 1.0)
    player.pause()
    assert player.state == State.PAUSED
    time.sleep(0.3)
    held = player.position_s
    time.sleep(1.0)
    assert player.position_s == pytest.approx(held, abs=0.05)
    player.play()
    wait_for(lambda: player.position_s > held + 0.5, timeout=5)
    assert player.state == State.PLAYING


def test_seek_lands_on_the_requested_position(catalog: CatalogClient, player: Player) -> None:
    info = catalog.playback(first_title(catalog))
    report = PlaybackReport()
    player.add_listener(report)
    first_frames: list[FirstFrame] = []
    player.add_listener(lambda e: first_frames.append(e) if isinstance(e, FirstFrame) else None)
    player.open(info.manifest("dash"), start_s=5.0)
    wait_for(lambda: report.startup_ms is not None)
    assert player.position_s == pytest.approx(5.0, abs=0.3)
    player.seek(9.5)
    wait_for(lambda: report.seek_ms)
    assert player.position_s == pytest.approx(9.5, abs=0.3)
    assert report.errors == []
    # Each first frame says which seek it ends (none after open), so a UI can tell which landed.
    assert [f.seek_target_s for f in first_frames] == [None, 9.5]


def test_a_restart_from_a_stream_a_newer_seek_replaced_does_not_land_that_seek(
    catalog: CatalogClient, player: Player
) -> None:
    """mpv's playback-restart names no stream: one from the stream a seek has just replaced can be
    handled after that seek. It must not end the seek, or a UI would release its seek bar (and the
    player report the seek time) before the sought position is on screen."""
    info = catalog.playback(first_title(catalog))
    first_frames: list[FirstFrame] = []
    player.add_listener(lambda e: first_frames.append(e) if isinstance(e, FirstFrame) else None)
    player.open(info.manifest("dash"), start_s=5.0)
    wait_for(lambda: first_frames)
    session = player.session
    assert session is not None

    async def seek_then_a_late_restart_of_the_old_stream() -> None:
        await session.seek(9.5)
        session.on_first_frame()  # as mpv delivers a restart it queued before the seek replaced it

    player._call(seek_then_a_late_restart_of_the_old_stream()).result(timeout=5)
    assert [f.seek_target_s for f in first_frames] == [None]
    assert player.state == State.BUFFERING
    wait_for(lambda: len(first_frames) == 2)
    assert first_frames[1].seek_target_s == 9.5
    assert first_frames[1].position_s == pytest.approx(9.5, abs=0.3)
    assert player.position_s == pytest.approx(9.5, abs=0.5)


def test_unreachable_manifest_is_a_clear_error(player: Player) -> None:
    events: list[PlayerEvent] = []
    done = threading.Event()

    def on(event: PlayerEvent) -> None:
        events.append(event)
        if isinstance(event, StateChanged) and event.state == State.ERROR:
            done.set()

    player.add_listener(on)
    player.open("http://127.0.0.1:9/nothing.mpd")
    assert done.wait(30)
    errors = [e for e in events if type(e).__name__ == "PlayerError"]
    assert errors and errors[0].code == "manifest" and "127.0.0.1:9/nothing.mpd" in errors[0].message


def test_events_name_the_session_that_sent_them_when_a_title_replaces_another(
    catalog: CatalogClient, player: Player
) -> None:
    """Listeners get events on player threads, so the first title's last words can arrive after
    the second was opened: each event carries its own session's id, never the newer one's."""
    info = catalog.playback(first_title(catalog))
    first, second = CmcdConfig(session_id="first-session"), CmcdConfig(session_id="second-session")
    events: list[PlayerEvent] = []
    player.add_listener(events.append)
    player.open(info.manifest("dash"), cmcd=first)
    wait_for(lambda: any(isinstance(e, Position) and e.position_s > 0.5 for e in events))
    player.open(info.manifest("hls"), cmcd=second)
    wait_for(lambda: any(isinstance(e, Position) and e.session_id == "second-session" and e.position_s > 0.5
                         for e in events))
    assert {e.session_id for e in events} == {"first-session", "second-session"}
    loaded = {e.session_id: e.format for e in events if isinstance(e, Loaded)}
    assert loaded == {"first-session": "dash", "second-session": "hls"}
    states = [e.state for e in events if isinstance(e, StateChanged) and e.session_id == "second-session"]
    assert states[0] == State.LOADING and State.PLAYING in states
    # The second session's stream is all its own: once it speaks, the first never moves a position.
    switch = next(i for i, e in enumerate(events) if e.session_id == "second-session")
    assert not any(isinstance(e, Position) and e.session_id == "first-session" for e in events[switch:])
