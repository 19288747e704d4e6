"""Failover between hosts that serve the same content (several DASH ``BaseURL`` elements).

A URL under one base can be fetched from any other base of its group. After a success the base
that worked is tried first from then on, so one dead CDN host costs its retries once.
"""

from __future__ import annotations

import threading


class Mirrors:
    def __init__(self, groups: tuple[tuple[str, ...], ...] = ()) -> None:
        self._groups = [list(bases) for bases in groups if len(bases) > 1]
        self._preferred = [0] * len(self._groups)
        self._lock = threading.Lock()

    def candidates(self, url: str) -> list[str]:
        """``url`` and its equivalents on the other bases, the preferred base first."""
        for g, bases in enumerate(self._groups):
            base = next((b for b in bases if url.startswith(b)), None)
            if base is None:
                continue
            rest = url[len(base):]
            with self._lock:
                start = self._preferred[g]
            order = bases[start:] + bases[:start]
            return [b + rest for b in order]
        return [url]

    def succeeded(self, url: str) -> None:
        """Remember which base served ``url``."""
        for g, bases in enumerate(self._groups):
            for i, base in enumerate(bases):
                if url.startswith(base):
                    with self._lock:
                        self._preferred[g] = i
                    return
