"""The desktop app: catalog, player, their QML bridges and the window, wired and torn down.

Teardown order matters and lives in :meth:`Desktop.close`: stop the workers, destroy the window
(which frees mpv's render context on the scene graph's GL context), then terminate mpv. Any other
order crashes the process at exit.
"""

from __future__ import annotations

import locale
import os
import signal
import sys
from pathlib import Path

from PySide6.QtCore import Q_ARG, QMetaObject, QTimer, QUrl
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine, qmlRegisterSingletonType
from PySide6.QtQuick import QQuickWindow, QSGRendererInterface
from shiboken6 import Shiboken

from app.catalog import CatalogClient
from app.telemetry import telemetry_from_env
from player import Player
from ui.browse import Browse
from ui.playback import Playback, is_manifest_url
from ui.video import MpvVideoItem

QML_DIR = Path(__file__).resolve().parent / "qml"
# ``assets/`` sits beside the packages both in the source tree and in an installed wheel, which
# ships it as package data (pyproject.toml), so one relative path serves both.
FONTS_DIR = Path(__file__).resolve().parent.parent / "assets" / "fonts"
FONT_FAMILIES = ("Inter", "JetBrains Mono")  # what Theme.qml names: text, and figures


class UiError(RuntimeError):
    """The window could not be built (QML failed to load)."""


def prepare_graphics() -> None:
    """Call before the QGuiApplication exists.

    mpv's render API draws with OpenGL, so the scene graph must use OpenGL. The render loop is
    the basic (UI thread) one: with Qt's threaded loop, Python code on the render thread and
    mpv's frame callback contend for the GIL while the UI thread blocks on the render thread,
    which deadlocks (seen with grabWindow and at window teardown).
    """
    os.environ["QSG_RENDER_LOOP"] = "basic"
    QQuickWindow.setGraphicsApi(QSGRendererInterface.GraphicsApi.OpenGL)


def load_fonts(directory: Path = FONTS_DIR) -> set[str]:
    """Register the bundled fonts with Qt and return the families they provide.

    Without them Qt would quietly fall back to a system sans, so a missing font is an error.
    """
    families: set[str] = set()
    for font in sorted([*directory.glob("*.otf"), *directory.glob("*.ttf")]):
        font_id = QFontDatabase.addApplicationFont(str(font))
        if font_id < 0:
            raise UiError(f"Qt cannot load the font {font}")
        families.update(QFontDatabase.applicationFontFamilies(font_id))
    missing = [f for f in FONT_FAMILIES if f not in families]
    if missing:
        raise UiError(f"fonts {', '.join(missing)} not found in {directory}")
    return families


_registered = False


def _register_qml() -> None:
    """QML types and the bundled fonts, once per process (the QML side names both)."""
    global _registered
    if _registered:
        return
    load_fonts()
    qmlRegisterSingletonType(QUrl.fromLocalFile(str(QML_DIR / "Theme.qml")), "Marquee", 1, 0, "Theme")
    _registered = True


class Desktop:
    """One desktop app session against the catalog at ``catalog_url``.

    ``audio_output`` is passed to mpv (``"null"`` in tests); ``None`` lets mpv choose.
    """

    def __init__(self, catalog_url: str, *, audio_output: str | None = None) -> None:
        # Qt set the locale from the environment; mpv needs C number formatting.
        locale.setlocale(locale.LC_NUMERIC, "C")
        _register_qml()  # first: it may fail, and nothing needs closing yet
        self.catalog = CatalogClient(catalog_url)
        self.player = Player(video_output="libmpv", audio_output=audio_output)
        self.browse = Browse(self.catalog)
        self.telemetry = telemetry_from_env()
        self.playback = Playback(self.catalog, self.player, self.telemetry)
        self.engine = QQmlApplicationEngine()
        context = self.engine.rootContext()
        context.setContextProperty("browse", self.browse)
        context.setContextProperty("playback", self.playback)
        self._closed = False
        errors: list[str] = []

        def collect(warnings: list) -> None:
            errors.extend(w.toString() for w in warnings)

        self.engine.warnings.connect(collect)
        self.engine.load(QUrl.fromLocalFile(str(QML_DIR / "Main.qml")))
        self.engine.warnings.disconnect(collect)
        roots = self.engine.rootObjects()
        if not roots:
            self._close_backends()
            raise UiError("the user interface failed to load: " + ("; ".join(errors) or "no window"))
        self.window: QQuickWindow = roots[0]
        video = self.window.findChild(MpvVideoItem, "video")
        if video is None:
            self.close()
            raise UiError("Main.qml has no MpvVideo item named 'video'")
        video.attach(self.player.mpv)
        self.window.requestActivate()  # keyboard focus from the start, without a click

    def play(self, target: str) -> None:
        """Start playing now: a catalog title id (as if chosen on its page) or a manifest URL."""
        method = "playUrl" if is_manifest_url(target) else "playTitle"
        QMetaObject.invokeMethod(self.window, method, Q_ARG(str, target))

    def close(self) -> None:
        """Save progress, free the video output, terminate mpv; idempotent."""
        if self._closed:
            return
        self._closed = True
        self.browse.shutdown()
        self.playback.shutdown()
        # Destroying the window invalidates the scene graph, and the video item frees mpv's render
        # context then, on the GL context; only after that may mpv's core go.
        self.window = None  # type: ignore[assignment]
        Shiboken.delete(self.engine)
        self._close_backends()

    def _close_backends(self) -> None:
        self.player.close()
        self.catalog.close()
        if self.telemetry is not None:
            self.telemetry.close(1.0)  # what is not sent by then goes on the next start


def run(catalog_url: str, *, argv: list[str] | None = None, play: str | None = None) -> int:
    """Open the desktop app on ``catalog_url`` and return its exit status when it is closed.

    ``play`` is a title id or a manifest URL to start playing at once (``marquee play TARGET``
    with a display).
    """
    prepare_graphics()
    app = QGuiApplication.instance() or QGuiApplication(sys.argv if argv is None else argv)
    app.setApplicationName("Marquee")
    app.setApplicationDisplayName("Marquee")
    desktop = Desktop(catalog_url)
    if play:
        desktop.play(play)
    # Ctrl-C in the terminal closes the window like the close button; the timer lets Python's
    # signal handler run while Qt's event loop is in C++.
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(250)
    try:
        return app.exec()
    finally:
        heartbeat.stop()
        desktop.close()
