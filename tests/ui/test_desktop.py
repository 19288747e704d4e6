"""The desktop app driven with keys, as a viewer would: real window, real mpv, real backend."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QImage, QWindow
from PySide6.QtQml import QQmlComponent
from PySide6.QtQuick import QQuickItem

from app.backend import EmbeddedBackend
from player.cmcd import CmcdConfig
from player.events import Position
from tests.ui.helpers import TIMEOUT_MS, focused_in, item, js, press, save, screen, type_text
from ui.app import QML_DIR, Desktop


def current_row(desktop: Desktop) -> QObject:
    row = item(desktop.window, "rowsView").property("currentItem")
    assert row is not None
    return row


def shows_picture(image: QImage) -> bool:
    """True when the middle of ``image`` holds a picture: bright, varied pixels rather than the
    near-black, flat page background."""
    w, h = image.width(), image.height()
    samples = [image.pixelColor(int(w * (0.2 + 0.6 * i / 9)), int(h * (0.25 + 0.5 * j / 9)))
               for i in range(10) for j in range(10)]
    lightness = [c.lightness() for c in samples]
    return sum(lightness) / len(lightness) > 40 and len({c.rgb() for c in samples}) > 10


def wait_home(qtbot, desktop: Desktop) -> None:
    qtbot.waitUntil(lambda: desktop.browse.property("homeState") == "ready", timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: "posterList" in focused_in(desktop.window), timeout=TIMEOUT_MS)


def test_home_shows_rows_of_posters_and_the_hero_follows_focus(qtbot, desktop: Desktop) -> None:
    wait_home(qtbot, desktop)
    window = desktop.window
    rows = item(window, "rowsView")
    assert rows.property("count") >= 3
    first_row = current_row(desktop)
    items = js(first_row.property("items"))
    assert first_row.property("title") == "New releases" and len(items) >= 5
    hero = item(window, "heroTitle")
    assert hero.property("text") == items[0]["title"]

    press(window, Qt.Key.Key_Right, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: hero.property("text") == items[2]["title"], timeout=TIMEOUT_MS)

    press(window, Qt.Key.Key_Down)
    second_row = current_row(desktop)
    qtbot.waitUntil(lambda: rows.property("currentIndex") == 1, timeout=TIMEOUT_MS)
    second_items = js(current_row(desktop).property("items"))
    assert second_row.property("title") != "New releases"
    qtbot.waitUntil(lambda: hero.property("text") == second_items[0]["title"], timeout=TIMEOUT_MS)

    # Up twice: back to the first row (where the column was kept), then to the search button.
    press(window, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: hero.property("text") == items[2]["title"], timeout=TIMEOUT_MS)
    press(window, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: "searchButton" in focused_in(window), timeout=TIMEOUT_MS)


def test_open_a_title_play_pause_seek_and_come_back_with_keys(
        qtbot, desktop: Desktop, screenshots: Path) -> None:
    window = desktop.window
    playback = desktop.playback
    wait_home(qtbot, desktop)
    press(window, Qt.Key.Key_Right)
    chosen = js(current_row(desktop).property("items"))[1]
    qtbot.wait(400)  # let the focus animation settle for the picture
    save(window.grabWindow(), screenshots, "home")

    press(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen(desktop) == "title", timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: desktop.browse.property("titleState") == "ready", timeout=TIMEOUT_MS)
    assert item(window, "titleName").property("text") == chosen["title"]
    assert item(window, "synopsis").property("text")
    assert focused_in(window)[0] == "playButton"
    qtbot.wait(400)
    save(window.grabWindow(), screenshots, "title")

    press(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen(desktop) == "player", timeout=TIMEOUT_MS)
    assert playback.property("titleId") == chosen["id"]
    qtbot.waitUntil(lambda: playback.property("state") == "playing", timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: playback.property("position") > 1.5, timeout=TIMEOUT_MS)
    assert playback.property("duration") == pytest.approx(chosen["durationS"], abs=1.0)
    assert playback.property("rendition").endswith(("kbps", "Mbps"))
    # The clock can run ahead of the picture (audio drives it), more so on a loaded machine:
    # give the first frames the same time to be drawn as any other step.
    qtbot.waitUntil(lambda: shows_picture(window.grabWindow()), timeout=TIMEOUT_MS)
    press(window, Qt.Key.Key_Up)  # any key brings the bar back
    qtbot.wait(400)
    picture = window.grabWindow()
    save(picture, screenshots, "player")
    assert shows_picture(picture), "the video is not drawn into the window"
    assert item(window, "controlBar").property("opacity") == 1.0

    # Space pauses: the position holds; Space again resumes.
    press(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: playback.property("state") == "paused", timeout=TIMEOUT_MS)
    held = playback.property("position")
    qtbot.wait(800)
    assert playback.property("position") == pytest.approx(held, abs=0.3)
    press(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: playback.property("state") == "playing", timeout=TIMEOUT_MS)

    # Right jumps 10 s ahead, Left 10 s back: mpv's own clock follows.
    before = desktop.player.position_s
    press(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: desktop.player.position_s >= before + 8.0, timeout=TIMEOUT_MS)
    press(window, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: desktop.player.position_s < before + 4.0, timeout=TIMEOUT_MS)

    # Play on past the resume threshold, then Esc: back on the title page, with Resume. (Wait on
    # mpv's clock: the page's position may still hold the last report from before the jump back.)
    qtbot.waitUntil(lambda: desktop.player.position_s > 6.5, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: playback.property("position") > 6.0, timeout=TIMEOUT_MS)
    press(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: screen(desktop) == "title", timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: item(window, "playButton").property("text") == "Resume", timeout=TIMEOUT_MS)
    assert item(window, "startOverButton").property("visible")

    # Esc again: home, where Continue watching now leads with the title.
    press(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: screen(desktop) == "home", timeout=TIMEOUT_MS)
    rows = desktop.browse.rows
    qtbot.waitUntil(lambda: rows.data(rows.index(0), rows.RowTitleRole) == "Continue watching",
                    timeout=TIMEOUT_MS)
    assert current_row(desktop).property("title") == "Continue watching"
    # Most recent first (other tests may have left titles in progress too).
    assert rows.data(rows.index(0), rows.ItemsRole)[0]["id"] == chosen["id"]


def test_search_by_typing_and_open_a_result(qtbot, desktop: Desktop) -> None:
    window = desktop.window
    wait_home(qtbot, desktop)
    press(window, Qt.Key.Key_Up, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen(desktop) == "search", timeout=TIMEOUT_MS)
    assert "searchField" in focused_in(window)

    type_text(window, "polar night")
    qtbot.waitUntil(lambda: desktop.browse.property("query") == "polar night"
                    and desktop.browse.property("searchState") == "ready", timeout=TIMEOUT_MS)
    results = js(desktop.browse.property("results"))
    assert [r["id"] for r in results] == ["polar-night"]

    press(window, Qt.Key.Key_Down)
    assert "resultsGrid" in focused_in(window)
    press(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen(desktop) == "title", timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: item(window, "titleName").property("text") == "Polar Night", timeout=TIMEOUT_MS)

    # Back returns to the search as it was left; an unknown word says so.
    press(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: screen(desktop) == "search", timeout=TIMEOUT_MS)
    press(window, Qt.Key.Key_Up)
    assert "searchField" in focused_in(window)
    field = item(window, "searchField")
    field.setProperty("text", "")
    type_text(window, "qqqzzz")
    qtbot.waitUntil(lambda: desktop.browse.property("query") == "qqqzzz"
                    and desktop.browse.property("searchState") == "ready", timeout=TIMEOUT_MS)
    assert js(desktop.browse.property("results")) == []


def test_a_title_that_cannot_play_shows_a_clear_error_and_back_works(qtbot, desktop: Desktop) -> None:
    window = desktop.window
    wait_home(qtbot, desktop)
    desktop.browse.openTitle("no-such-title")
    window.setProperty("history", ["home", "title"])
    qtbot.waitUntil(lambda: desktop.browse.property("titleState") == "error", timeout=TIMEOUT_MS)
    press(window, Qt.Key.Key_Return)  # Play
    qtbot.waitUntil(lambda: playback_error(desktop) != "", timeout=TIMEOUT_MS)
    assert screen(desktop) == "player"
    assert "404" in playback_error(desktop) and "no-such-title" in playback_error(desktop)
    assert item(window, "playerError").property("visible")
    press(window, Qt.Key.Key_Return)  # the error's Back button
    qtbot.waitUntil(lambda: screen(desktop) == "title", timeout=TIMEOUT_MS)


def playback_error(desktop: Desktop) -> str:
    return desktop.playback.property("error")


def test_an_unreachable_backend_shows_an_error_screen_not_a_crash(qtbot, qapp) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    desktop = Desktop(url, audio_output="null")
    try:
        qtbot.waitUntil(lambda: desktop.browse.property("homeState") == "error", timeout=TIMEOUT_MS)
        panel = item(desktop.window, "homeError")
        assert panel.property("visible")
        assert "cannot reach the catalog" in desktop.browse.property("homeError")
        # Enter presses "Try again": it fails again, cleanly.
        press(desktop.window, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: desktop.browse.property("homeState") == "loading", timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: desktop.browse.property("homeState") == "error", timeout=TIMEOUT_MS)
    finally:
        desktop.close()


def test_a_player_error_mid_playback_is_shown_in_words(qtbot, desktop: Desktop) -> None:
    window = desktop.window
    wait_home(qtbot, desktop)
    press(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen(desktop) == "title", timeout=TIMEOUT_MS)
    press(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desktop.playback.property("state") == "playing", timeout=TIMEOUT_MS)
    # The stream goes away under the player, in the same playback session: it reports a fatal
    # error, the page says what. (Another session's events would be none of the page's business.)
    session_id = desktop.playback.property("stats").property("sessionId")
    desktop.player.open("http://127.0.0.1:9/gone.mpd", cmcd=CmcdConfig(session_id=session_id))
    qtbot.waitUntil(lambda: playback_error(desktop) != "", timeout=TIMEOUT_MS)
    assert "127.0.0.1:9/gone.mpd" in playback_error(desktop)
    assert desktop.playback.property("state") == "error"
    assert item(window, "playerError").property("visible")
    press(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: screen(desktop) == "title", timeout=TIMEOUT_MS)


def test_a_seek_holds_the_bar_at_its_target_until_it_lands(qtbot, desktop: Desktop, screenshots: Path) -> None:
    """Reports of the playhead from before a jump, still on their way, must not pull the bar back."""
    window, playback = desktop.window, desktop.playback
    wait_home(qtbot, desktop)
    press(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen(desktop) == "title", timeout=TIMEOUT_MS)
    press(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: playback.property("state") == "playing", timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: playback.property("position") > 1.0, timeout=TIMEOUT_MS)
    shown: list[float] = []
    playback.positionChanged.connect(lambda: shown.append(playback.property("position")))
    before, duration = playback.property("position"), playback.property("duration")
    # (An earlier test may have left this title in progress, so it may resume near its end.)
    key, delta = (Qt.Key.Key_Right, 10.0) if before + 12.0 < duration else (Qt.Key.Key_Left, -10.0)
    press(window, key)
    target = playback.property("position")
    assert target == pytest.approx(min(max(0.0, before + delta), duration - 1.0), abs=0.01)
    # One such report, delivered the way the player delivers its events.
    session_id = playback.property("stats").property("sessionId")
    desktop.player._emit(Position(before, duration, 0.0), session_id)
    qtbot.wait(100)
    save(window.grabWindow(), screenshots, "player-seeking")
    qtbot.waitUntil(lambda: playback.property("position") > target + 1.0, timeout=TIMEOUT_MS)
    assert min(shown) >= target - 0.5 and all(abs(p - before) > 1.0 for p in shown), shown
    assert desktop.player.position_s > target  # the bar follows mpv again once the seek landed


def test_the_ui_scales_with_the_window(qtbot, desktop: Desktop) -> None:
    """Sizes come from one scale, so a 10-foot mode can grow every screen at once."""
    window = desktop.window
    wait_home(qtbot, desktop)
    theme = desktop.engine.singletonInstance("Marquee", "Theme")
    card_heights = {}
    for height in (720, 1080):
        window.resize(height * 16 // 9, height)
        expected_scale = max(0.7, height / 1080)
        qtbot.waitUntil(lambda: theme.property("scale") == pytest.approx(expected_scale), timeout=TIMEOUT_MS)
        card_heights[height] = current_row(desktop).property("implicitHeight")
    assert card_heights[1080] / card_heights[720] == pytest.approx(1 / 0.7, rel=0.05)


def test_a_missing_poster_leaves_a_titled_placeholder(qtbot, desktop: Desktop) -> None:
    """Artwork that cannot load never shows as a broken image."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/poster.jpg"
    component = QQmlComponent(desktop.engine)
    component.setData(
        b'import QtQuick\nArtwork { width: 200; height: 300; fallbackText: "Lost Film" }',
        desktop.engine.baseUrl().resolved(QUrl.fromLocalFile(str(QML_DIR / "Probe.qml"))))
    art = component.create()
    assert art is not None, component.errorString()
    try:
        art.setProperty("source", dead)
        image = art.findChild(QQuickItem, "artImage")
        qtbot.waitUntil(lambda: art.property("failed"), timeout=TIMEOUT_MS)
        assert art.findChild(QQuickItem, "artPlaceholder").property("visible")
        assert image.property("opacity") == 0.0
        assert art.findChild(QQuickItem, "artPlaceholderText").property("text") == "Lost Film"
    finally:
        art.deleteLater()


def test_play_opens_straight_into_the_player_and_back_leads_to_the_title(qtbot, desktop: Desktop) -> None:
    """``marquee play ID`` with a display: the player first, then the title's page, then home."""
    desktop.play("colony")
    qtbot.waitUntil(lambda: screen(desktop) == "player", timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: desktop.playback.property("position") > 1.0, timeout=TIMEOUT_MS)
    assert desktop.playback.property("titleId") == "colony"
    qtbot.waitUntil(lambda: item(desktop.window, "playerTitle").property("text") == "Colony",
                    timeout=TIMEOUT_MS)
    press(desktop.window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: screen(desktop) == "title", timeout=TIMEOUT_MS)
    assert item(desktop.window, "titleName").property("text") == "Colony"
    press(desktop.window, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: screen(desktop) == "home", timeout=TIMEOUT_MS)


def test_more_like_this_shares_a_genre_and_opens_with_enter(qtbot, desktop: Desktop) -> None:
    window = desktop.window
    wait_home(qtbot, desktop)
    press(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desktop.browse.property("titleState") == "ready", timeout=TIMEOUT_MS)
    first = js(desktop.browse.property("title"))
    similar = js(desktop.browse.property("similar"))
    assert similar and all(set(s["genres"]) & set(first["genres"]) for s in similar)
    assert first["id"] not in [s["id"] for s in similar]

    press(window, Qt.Key.Key_Down)
    assert "moreLikeThis" in focused_in(window)
    press(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: js(desktop.browse.property("title"))["id"] == similar[0]["id"]
                    and desktop.browse.property("titleState") == "ready", timeout=TIMEOUT_MS)
    assert item(window, "titleName").property("text") == similar[0]["title"]
    assert focused_in(window)[0] == "playButton"


def test_a_slow_catalog_never_stalls_the_ui_thread(qtbot, qapp) -> None:
    """Catalog calls run on workers: while the backend takes its time, the event loop keeps
    turning (timers fire on schedule, keys are handled) and a spinner shows."""
    answer = json.dumps({"rows": [{"id": "new", "title": "New", "items": [{
        "id": "slow", "title": "Slow Burn", "year": 2024, "duration_s": 60.0, "genres": ["Drama"],
        "rating": "PG", "poster_url": "", "backdrop_url": "", "progress_s": 0.0}]}]}).encode()

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(2.0)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    desktop = Desktop(f"http://127.0.0.1:{server.server_address[1]}", audio_output="null")
    try:
        assert desktop.browse.property("homeState") == "loading"
        ticks: list[float] = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start(50)
        qtbot.wait(1500)
        timer.stop()
        assert desktop.browse.property("homeState") == "loading"
        gaps = [b - a for a, b in zip(ticks, ticks[1:])]
        assert len(ticks) >= 20 and max(gaps) < 0.5, f"the UI thread stalled: {max(gaps):.2f} s"
        qtbot.waitUntil(lambda: desktop.browse.property("homeState") == "ready", timeout=TIMEOUT_MS)
        assert item(desktop.window, "heroTitle").property("text") == "Slow Burn"
    finally:
        desktop.close()
        server.shutdown()
        server.server_close()


def test_f_on_the_player_and_f11_anywhere_toggle_full_screen(qtbot, desktop: Desktop) -> None:
    window = desktop.window
    wait_home(qtbot, desktop)
    press(window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: window.visibility() == QWindow.Visibility.FullScreen, timeout=TIMEOUT_MS)
    press(window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: window.visibility() == QWindow.Visibility.Windowed, timeout=TIMEOUT_MS)
    desktop.play("colony")
    qtbot.waitUntil(lambda: screen(desktop) == "player", timeout=TIMEOUT_MS)
    press(window, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: window.visibility() == QWindow.Visibility.FullScreen, timeout=TIMEOUT_MS)


def test_losing_the_backend_after_home_keeps_the_rows(qtbot, qapp, library: Path, tmp_path: Path) -> None:
    backend = EmbeddedBackend(library, db=tmp_path / "marquee.db")
    desktop = Desktop(backend.start(), audio_output="null")
    try:
        wait_home(qtbot, desktop)
        rows = item(desktop.window, "rowsView").property("count")
        backend.stop()
        desktop.browse.loadHome()  # what returning from the player does
        qtbot.wait(1500)
        assert desktop.browse.property("homeState") == "ready"
        assert item(desktop.window, "rowsView").property("count") == rows
        # Opening a title now says what went wrong, on the title page.
        press(desktop.window, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: desktop.browse.property("titleState") == "error", timeout=TIMEOUT_MS)
        assert "cannot reach the catalog" in desktop.browse.property("titleError")
    finally:
        desktop.close()
        backend.stop()
