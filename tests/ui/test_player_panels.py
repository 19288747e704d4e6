"""The player page's statistics overlay and its audio and subtitle menus, driven with keys over a
real multi-language DASH presentation (made with ffmpeg, served on loopback) and a catalog title."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PySide6.QtCore import QObject, QPoint, QPointF, Qt
from PySide6.QtQuick import QQuickItem, QQuickWindow
from PySide6.QtTest import QTest

from player.events import Loaded, PlayerEvent, RenditionSwitched, Stats, TrackSelected
from tests.player.origin import serve
from tests.ui.media import AUDIO, SUBTITLES, build_languages
from tests.ui.helpers import TIMEOUT_MS, find, focused_in, js, press, save, screen
from ui.app import Desktop
from ui.stats import format_buffer, format_rate

Requests = list[tuple[str, dict[str, str]]]


@pytest.fixture(scope="module")
def languages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_languages(tmp_path_factory.mktemp("languages")).parent


@pytest.fixture
def served(languages: Path) -> Iterator[tuple[str, Requests]]:
    """The presentation's manifest URL, and every request the origin receives."""
    requests: Requests = []
    with serve(languages, requests) as base:
        yield base + "manifest.mpd", requests


class Recorder:
    """Every event the player sends, as another listener of the same stream sees it."""

    def __init__(self, desktop: Desktop) -> None:
        self.events: list[PlayerEvent] = []
        self._lock = threading.Lock()
        desktop.player.add_listener(self._on)

    def _on(self, event: PlayerEvent) -> None:
        with self._lock:
            self.events.append(event)

    def of(self, kind: type) -> list:
        with self._lock:
            return [e for e in self.events if isinstance(e, kind)]


def stat(desktop: Desktop, key: str) -> str:
    return find(desktop.window, f"stat_{key}").property("value")


def shown(item: QQuickItem) -> bool:
    return item.property("visible") and item.property("opacity") == 1.0


def cmcd_session_ids(requests: Requests) -> set[str]:
    ids = set()
    for path, _headers in list(requests):
        for value in parse_qs(urlsplit(path).query).get("CMCD", []):
            ids.update(re.findall(r'sid="([^"]+)"', value))
    return ids


def play_url(qtbot, desktop: Desktop, url: str) -> None:
    desktop.play(url)
    qtbot.waitUntil(lambda: screen(desktop) == "player", timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: desktop.playback.property("state") == "playing", timeout=TIMEOUT_MS)


def test_i_shows_the_statistics_of_what_is_playing_and_hides_them(
        qtbot, desktop: Desktop, served: tuple[str, Requests], screenshots: Path) -> None:
    url, requests = served
    recorder = Recorder(desktop)
    window = desktop.window
    play_url(qtbot, desktop, url)
    overlay = find(window, "statsOverlay")
    assert not overlay.property("visible")

    press(window, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: shown(overlay), timeout=TIMEOUT_MS)
    # On loopback the ABR climbs to the top rendition; the overlay names it and why.
    qtbot.waitUntil(lambda: stat(desktop, "video") == "720p · 1.60 Mbps · 2 of 2", timeout=TIMEOUT_MS)
    assert stat(desktop, "resolution") == "1280 × 720"
    assert stat(desktop, "codec") == "h264"

    def matches_latest_stats() -> bool:
        s: Stats = recorder.of(Stats)[-1]
        return (stat(desktop, "buffer") == format_buffer(s.buffer_s, s.buffered_bytes)
                and stat(desktop, "throughput") == format_rate(s.throughput_bps))

    qtbot.waitUntil(matches_latest_stats, timeout=TIMEOUT_MS)
    latest: Stats = recorder.of(Stats)[-1]
    assert latest.buffer_s > 2 and latest.buffered_bytes > 100_000 and latest.throughput_bps > 1_000_000
    switch = [e for e in recorder.of(RenditionSwitched) if e.kind == "video"][-1]
    assert switch.height == 720
    assert stat(desktop, "switch").startswith(f"{switch.reason} · ↑ 500 kbps → 720p")
    frames = re.fullmatch(r"([\d,]+) dropped · ([\d,]+) decoded", stat(desktop, "frames"))
    assert frames and int(frames.group(2).replace(",", "")) > 0
    assert stat(desktop, "audio").startswith("English (en)")
    # The session id is the one the player sends as CMCD sid on every segment request.
    assert cmcd_session_ids(requests) == {stat(desktop, "session")}
    save(window.grabWindow(), screenshots, "player-statistics")

    press(window, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: not overlay.property("visible"), timeout=TIMEOUT_MS)
    # A remote's Info key does the same, and so does its Menu key.
    press(window, Qt.Key.Key_Info)
    qtbot.waitUntil(lambda: shown(overlay), timeout=TIMEOUT_MS)
    press(window, Qt.Key.Key_Menu)
    qtbot.waitUntil(lambda: not overlay.property("visible"), timeout=TIMEOUT_MS)
    assert screen(desktop) == "player"


def choices(menu: QQuickItem) -> list[tuple[str, str, bool]]:
    return [(c["code"], c["name"], c["current"]) for c in js(menu.property("choices"))]


def move_to(window: QQuickWindow, menu: QQuickItem, code: str) -> None:
    """Up/Down in an open menu until ``code`` is highlighted."""
    codes = [c for c, _, _ in choices(menu)]
    listing = find(menu, menu.objectName() + "List")
    target = codes.index(code)
    while listing.property("currentIndex") != target:
        press(window, Qt.Key.Key_Down if listing.property("currentIndex") < target else Qt.Key.Key_Up)
    assert listing.property("currentIndex") == target


def test_audio_and_subtitle_menus_list_the_languages_and_switch_the_player(
        qtbot, desktop: Desktop, served: tuple[str, Requests], screenshots: Path) -> None:
    url, requests = served
    recorder = Recorder(desktop)
    window = desktop.window
    tracks: QObject = desktop.playback.property("tracks")
    play_url(qtbot, desktop, url)
    qtbot.waitUntil(lambda: bool(recorder.of(TrackSelected)), timeout=TIMEOUT_MS)
    first = recorder.of(TrackSelected)[0]
    assert first.kind == "audio"

    # A opens the audio menu on the language the player reported, marked as current.
    audio_menu = find(window, "audioMenu")
    press(window, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: shown(audio_menu), timeout=TIMEOUT_MS)
    assert "audioMenuList" in focused_in(window)
    names = {"en": "English", "de": "German", "fr": "French"}
    assert choices(audio_menu) == [(code, names[code], code == first.language) for code in AUDIO]
    # Arrows move in the menu, never seek behind it.
    before = desktop.playback.property("position")
    move_to(window, audio_menu, "de")
    press(window, Qt.Key.Key_Right)
    qtbot.wait(600)
    assert desktop.playback.property("position") < before + 5
    save(window.grabWindow(), screenshots, "player-audio-menu")

    press(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not audio_menu.property("visible"), timeout=TIMEOUT_MS)
    assert focused_in(window)[0] == "playerPage"  # opened with A: focus goes back to the picture
    qtbot.waitUntil(lambda: tracks.property("audioCurrent") == "de", timeout=TIMEOUT_MS)
    assert [(e.kind, e.language) for e in recorder.of(TrackSelected)][-1] == ("audio", "de")
    assert find(window, "audioButton").property("text") == "German"
    assert [c for c in choices(audio_menu) if c[2]] == [("de", "German", True)]
    qtbot.waitUntil(lambda: any(p.startswith("/a-de/") for p, _ in list(requests)), timeout=TIMEOUT_MS)

    # Subtitles through the bar, as a remote would: Down, Right, Enter.
    press(window, Qt.Key.Key_Down)
    assert focused_in(window)[0] == "audioButton"
    press(window, Qt.Key.Key_Right)
    assert focused_in(window)[0] == "subtitleButton"
    assert find(window, "subtitleButton").property("text") == "Off"
    subtitle_menu = find(window, "subtitleMenu")
    press(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shown(subtitle_menu), timeout=TIMEOUT_MS)
    assert choices(subtitle_menu) == [("off", "Off", True), ("en", "English", False), ("de", "German", False)]
    move_to(window, subtitle_menu, "en")
    save(window.grabWindow(), screenshots, "player-subtitle-menu")
    press(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tracks.property("subtitleCurrent") == "en", timeout=TIMEOUT_MS)
    assert focused_in(window)[0] == "subtitleButton"  # opened from the bar: focus goes back there
    assert find(window, "subtitleButton").property("text") == "English"
    cue = re.compile(rf"{SUBTITLES['en']} \d+")
    qtbot.waitUntil(lambda: bool(cue.fullmatch(desktop.player.mpv.sub_text or "")), timeout=TIMEOUT_MS)
    # While the bar shows, mpv draws them above it; they settle back once it hides.
    qtbot.waitUntil(lambda: desktop.player.mpv.sub_pos < 100, timeout=TIMEOUT_MS)
    save(window.grabWindow(), screenshots, "player-subtitles-on")

    # S opens the subtitle menu on English; Off turns them off again.
    press(window, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: shown(subtitle_menu), timeout=TIMEOUT_MS)
    assert find(subtitle_menu, "subtitleMenuList").property("currentIndex") == 1
    move_to(window, subtitle_menu, "off")
    press(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tracks.property("subtitleCurrent") == "off", timeout=TIMEOUT_MS)
    assert [(e.kind, e.language) for e in recorder.of(TrackSelected) if e.kind == "text"] == [
        ("text", "en"), ("text", "off")]
    qtbot.waitUntil(lambda: not desktop.player.mpv.sub_text, timeout=TIMEOUT_MS)

    # Esc in the bar leaves the bar, not the player; then the bar hides and subtitles settle back.
    press(window, Qt.Key.Key_Escape)
    assert focused_in(window)[0] == "playerPage" and screen(desktop) == "player"
    qtbot.waitUntil(lambda: find(window, "controlBar").property("opacity") == 0.0, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: desktop.player.mpv.sub_pos == 100, timeout=TIMEOUT_MS)
    press(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: screen(desktop) == "home", timeout=TIMEOUT_MS)


def test_a_catalog_title_has_one_language_no_subtitles_and_its_own_session_id(
        qtbot, desktop: Desktop, screenshots: Path) -> None:
    window = desktop.window
    tracks: QObject = desktop.playback.property("tracks")
    stats: QObject = desktop.playback.property("stats")
    sessions = []
    for _ in range(2):
        desktop.play("solar-wind")  # 16 s, played by no other test
        qtbot.waitUntil(lambda: desktop.playback.property("state") == "playing", timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: len(js(tracks.property("audio"))) == 1, timeout=TIMEOUT_MS)
        assert [c["code"] for c in js(tracks.property("subtitles"))] == ["off"]
        qtbot.waitUntil(lambda: stats.property("sessionId") != "", timeout=TIMEOUT_MS)
        sessions.append(str(uuid.UUID(stats.property("sessionId"))))
    assert sessions[0] != sessions[1]  # each start is a session of its own
    window.resize(1280, 720)  # the overlay follows the UI's scale in a smaller window too
    press(window, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: stat(desktop, "session") == sessions[1], timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: stat(desktop, "buffer") != "—", timeout=TIMEOUT_MS)
    save(window.grabWindow(), screenshots, "player-statistics-title-720")
    # With the mouse: the bar's button opens the menu; a click on the picture closes it and
    # does not pause.
    menu = find(window, "subtitleMenu")
    click(window, find(window, "subtitleButton"))
    qtbot.waitUntil(lambda: shown(menu), timeout=TIMEOUT_MS)
    assert choices(menu) == [("off", "Off", True)]
    QTest.mouseClick(window, Qt.MouseButton.LeftButton, pos=QPoint(window.width() // 2, window.height() // 2))
    qtbot.waitUntil(lambda: not menu.property("visible"), timeout=TIMEOUT_MS)
    qtbot.wait(300)
    assert desktop.playback.property("state") == "playing"


def click(window: QQuickWindow, target: QQuickItem) -> None:
    centre = target.mapToScene(QPointF(target.width() / 2, target.height() / 2)).toPoint()
    QTest.mouseClick(window, Qt.MouseButton.LeftButton, pos=centre)


def test_a_title_replaced_before_it_loads_leaves_nothing_on_the_next_ones_page(
        qtbot, desktop: Desktop, served: tuple[str, Requests]) -> None:
    """Back to back: the first title (three audio languages) opens on the player thread after the
    page already shows the second (one language), so its whole start arrives late. None of it
    may reach the page: not its languages, not its states."""
    url, _ = served
    recorder = Recorder(desktop)
    tracks: QObject = desktop.playback.property("tracks")
    audio_seen: list[int] = []
    tracks.changed.connect(lambda: audio_seen.append(len(js(tracks.property("audio")))))
    states: list[str] = []
    desktop.playback.stateChanged.connect(lambda: states.append(desktop.playback.property("state")))
    desktop.play(url)
    desktop.play("solar-wind")
    qtbot.waitUntil(lambda: desktop.playback.property("state") == "playing", timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: len(js(tracks.property("audio"))) == 1, timeout=TIMEOUT_MS)
    second = desktop.playback.property("stats").property("sessionId")
    loaded = {e.session_id: e for e in recorder.of(Loaded)}
    assert len(loaded) == 2 and second in loaded  # the first title did load, and said so
    first = next(sid for sid in loaded if sid != second)
    assert len(loaded[first].audio_languages) == len(AUDIO) > 1
    assert audio_seen and max(audio_seen) == 1
    assert "idle" not in states and states[-1] == "playing"
