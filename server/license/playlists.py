"""Passing a playback token from an HLS master playlist down to its media playlists' key URIs.

HLS key URIs are fetched with plain GETs: a player cannot attach an ``Authorization`` header to
them, so the AES-128 key endpoint takes the playback token as a ``token`` query argument. The
playback endpoint hands out the master playlist's URL with ``?token=``; when the origin serves a
playlist asked for that way, it adds the same argument to the URIs that lead to keys: the
variant and rendition playlists a master names, and the ``EXT-X-KEY``/``EXT-X-SESSION-KEY`` URIs
of a media playlist. Segment and init URIs stay as they are (cacheable, and encrypted anyway).
"""

from __future__ import annotations

import re
from urllib.parse import quote

_URI_ATTRIBUTE = re.compile(r'URI="([^"]*)"')
_TOKEN_CARRIERS = ("#EXT-X-KEY:", "#EXT-X-SESSION-KEY:", "#EXT-X-MEDIA:", "#EXT-X-I-FRAME-STREAM-INF:")


def _add_token(uri: str, argument: str) -> str:
    if uri.startswith("data:"):
        return uri
    return f"{uri}{'&' if '?' in uri else '?'}{argument}"


def with_token(text: str, token: str) -> str:
    """``text`` (a master or media playlist) with ``token`` on every URI leading to a key."""
    argument = f"token={quote(token, safe='')}"
    lines = []
    for line in text.splitlines():
        if line.startswith(_TOKEN_CARRIERS):
            line = _URI_ATTRIBUTE.sub(lambda m: f'URI="{_add_token(m.group(1), argument)}"', line)
        elif line and not line.startswith("#") and line.split("?", 1)[0].endswith(".m3u8"):
            line = _add_token(line, argument)
        lines.append(line)
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")
