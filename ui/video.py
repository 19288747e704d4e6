"""The QML item that draws libmpv's video into the Qt Quick scene (mpv render API, OpenGL).

mpv renders each frame into the item's framebuffer object when the scene graph renders (on the
UI thread: ``ui.app`` selects Qt's basic render loop, see ``prepare_graphics``); mpv tells us a
new frame is due from one of its own threads, and we turn that into a queued ``update()`` so the
scene graph asks for a new frame on its own schedule.

Lifetime is the delicate part. The mpv render context holds OpenGL objects, so it must be freed
while the scene graph's GL context is current, and before the mpv core is terminated. The
renderer frees it when the scene graph is invalidated (window teardown), which is why
``ui.app`` destroys the window before it closes the player.
"""

from __future__ import annotations

import ctypes

import mpv
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QOpenGLContext
from PySide6.QtQml import QmlNamedElement
from PySide6.QtQuick import QQuickFramebufferObject, QQuickOpenGLUtils, QQuickWindow

QML_IMPORT_NAME = "Marquee.Video"
QML_IMPORT_MAJOR_VERSION = 1


@mpv.MpvGlGetProcAddressFn
def _get_proc_address(_userdata: ctypes.c_void_p, name: bytes) -> int:
    """mpv asks for GL entry points while its render context is created (GL context current)."""
    context = QOpenGLContext.currentContext()
    if context is None:
        return 0
    return int(context.getProcAddress(name))


class _FrameRelay(QObject):
    """Carries mpv's "a new frame is due" callback, made on one of mpv's threads, to the item.

    mpv holds the callback until its render context is freed, which may be after the item is
    gone; the relay belongs to the callback, not to QML, so it outlives the item, and Qt drops
    the queued connection when the item dies.
    """

    frameDue = Signal()


class _MpvRenderer(QQuickFramebufferObject.Renderer):
    """Owns the mpv render context; Qt calls it where the scene graph renders."""

    def __init__(self, item: MpvVideoItem) -> None:
        super().__init__()
        self._item = item
        self._core: mpv.MPV | None = None
        self._context: mpv.MpvRenderContext | None = None

    def synchronize(self, item: QQuickFramebufferObject) -> None:
        # Called between frames, while the item cannot change: the one place to read it.
        core = self._item.core
        if core is not self._core:
            self.release()
            self._core = core

    def render(self) -> None:
        if self._core is None:
            return
        if self._context is None:
            self._context = mpv.MpvRenderContext(
                self._core,
                "opengl",
                opengl_init_params={"get_proc_address": _get_proc_address},
            )
            relay = _FrameRelay()
            relay.frameDue.connect(self._item.update, Qt.ConnectionType.QueuedConnection)
            # The lambda holds the relay: a bound signal alone would let it be collected.
            self._context.update_cb = lambda: relay.frameDue.emit()
        fbo = self.framebufferObject()
        # Rendering runs on the UI thread (basic render loop): never wait there for a frame's
        # display time; Qt's vsync paces us.
        self._context.render(
            flip_y=False,
            opengl_fbo={"w": fbo.width(), "h": fbo.height(), "fbo": fbo.handle()},
            block_for_target_time=False,
        )
        QQuickOpenGLUtils.resetOpenGLState()

    def release(self) -> None:
        """Free the render context; needs the scene graph's GL context current.

        The update callback is left in place: replacing it makes python-mpv drop the old ctypes
        thunk while mpv's thread may be inside it (a crash at exit). Once ``free`` returns, mpv
        calls it no more, and the thunk goes with the context object."""
        if self._context is not None:
            self._context.free()
            self._context = None


@QmlNamedElement("MpvVideo")
class MpvVideoItem(QQuickFramebufferObject):
    """``MpvVideo { }`` in QML; give it an mpv core with :meth:`attach` (from Python)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.core: mpv.MPV | None = None
        self._renderer: _MpvRenderer | None = None
        self.windowChanged.connect(self._watch_window)

    def attach(self, core: mpv.MPV | None) -> None:
        """Draw ``core``'s video (``None`` detaches); the context follows on the next frame."""
        self.core = core
        self.update()

    def createRenderer(self) -> QQuickFramebufferObject.Renderer:
        self._renderer = _MpvRenderer(self)
        return self._renderer

    def _watch_window(self, window: QQuickWindow | None) -> None:
        if window is not None:
            window.sceneGraphInvalidated.connect(
                self._release_context, Qt.ConnectionType.DirectConnection
            )

    def _release_context(self) -> None:
        if self._renderer is not None:
            self._renderer.release()
