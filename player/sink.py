"""The hand-over of clear media bytes from the player's worker to libmpv.

Each track is one continuous, non-seekable fragmented-MP4 byte stream. The worker appends whole
segments to a :class:`ByteQueue`; mpv's demuxer thread pulls them through a custom stream protocol
(``marquee://``) registered with libmpv's stream-callback API.

Why not python-mpv's ``register_stream_protocol``/``GeneratorStream``: its read callback copies one
byte at a time in Python (far too slow on a Raspberry Pi) and its seek answers offset 0, which makes
mpv loop forever on fragmented MP4. Here a read is one ``memmove`` per chunk and the stream declares
no size and no seek, so mpv reads it front to back, which is what a live byte stream is.
"""

from __future__ import annotations

import ctypes
import itertools
import threading
from collections import deque
from typing import TYPE_CHECKING

import mpv

if TYPE_CHECKING:
    from collections.abc import Callable

PROTOCOL = "marquee"


class ByteQueue:
    """A thread-safe FIFO of byte chunks with blocking reads.

    The worker ``put``s whole segments and never blocks (the scheduler's buffer goal already bounds
    how much is in flight); mpv's demuxer thread ``read_into`` a C buffer and blocks until data, end
    of stream or cancellation.
    """

    def __init__(self) -> None:
        self._chunks: deque[bytearray] = deque()
        self._offset = 0  # read position inside the first chunk
        self._size = 0
        self._finished = False
        self._cancelled = False
        self._cond = threading.Condition()
        self.bytes_read = 0

    @property
    def buffered_bytes(self) -> int:
        return self._size

    def put(self, data: bytes | bytearray) -> None:
        if not data:
            return
        chunk = data if isinstance(data, bytearray) else bytearray(data)
        with self._cond:
            if self._finished or self._cancelled:
                return
            self._chunks.append(chunk)
            self._size += len(chunk)
            self._cond.notify_all()

    def finish(self) -> None:
        """No more data: reads return end of stream once the queue is drained."""
        with self._cond:
            self._finished = True
            self._cond.notify_all()

    def cancel(self) -> None:
        """Abort: pending and future reads return end of stream at once; buffered data is dropped."""
        with self._cond:
            self._cancelled = True
            self._chunks.clear()
            self._size = 0
            self._cond.notify_all()

    def read_into(self, address: int, capacity: int) -> int:
        """Copy up to ``capacity`` bytes to the C buffer at ``address``; 0 means end of stream."""
        with self._cond:
            while not self._chunks and not self._finished and not self._cancelled:
                self._cond.wait()
            written = 0
            while self._chunks and written < capacity and not self._cancelled:
                chunk = self._chunks[0]
                n = min(len(chunk) - self._offset, capacity - written)
                src = ctypes.addressof(ctypes.c_char.from_buffer(chunk, self._offset))
                ctypes.memmove(address + written, src, n)
                written += n
                self._offset += n
                if self._offset == len(chunk):
                    self._chunks.popleft()
                    self._offset = 0
            self._size -= written
            self.bytes_read += written
            return written


class StreamRegistry:
    """Names byte queues with ``marquee://`` URLs that one mpv instance can open.

    libmpv calls ``open`` on its own thread with the URL given to ``loadfile``/``audio-file``; the
    queue must be registered before. Callback objects are kept referenced for as long as mpv may
    call them.
    """

    def __init__(self, player: mpv.MPV) -> None:
        self._queues: dict[str, ByteQueue] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[object, ...]] = {}
        self._closed: list[int] = []
        self._cookie_ids = itertools.count(1)
        self._open_fn = mpv.StreamOpenFn(self._open)
        mpv._mpv_stream_cb_add_ro(player.handle, PROTOCOL.encode(), None, self._open_fn)

    def add(self, name: str, queue: ByteQueue) -> str:
        """Register ``queue`` and return the URL mpv opens it by."""
        url = f"{PROTOCOL}://{next(self._ids)}/{name}"
        with self._lock:
            self._queues[url] = queue
        return url

    def remove(self, url: str) -> None:
        with self._lock:
            queue = self._queues.pop(url, None)
        if queue is not None:
            queue.cancel()

    def _open(self, _userdata: int, uri: bytes, info: ctypes._Pointer) -> int:
        with self._lock:
            queue = self._queues.get(uri.decode())
        if queue is None:
            return mpv.ErrorCode.LOADING_FAILED
        for done in self._closed:  # released here: a ctypes callback must not free itself
            self._callbacks.pop(done, None)
        self._closed.clear()
        cookie = next(self._cookie_ids)
        read = mpv.StreamReadFn(lambda _c, buf, size: queue.read_into(ctypes.cast(buf, ctypes.c_void_p).value, size))
        cancel = mpv.StreamCancelFn(lambda _c: queue.cancel())
        close: Callable[[int], None] = mpv.StreamCloseFn(lambda _c: self._closed.append(cookie))
        contents = info.contents
        contents.cookie = cookie
        contents.read = read
        contents.cancel = cancel
        contents.close = close
        self._callbacks[cookie] = (read, cancel, close)
        return 0
