"""The origin: the library's media and art files over HTTP, as a CDN edge would serve them.

Byte ranges (206/416, If-Range) come from Starlette's FileResponse; this module adds the content
types of DASH/HLS/CMAF files, strong ETags with If-None-Match -> 304, cache lifetimes, CORS for
browser players, and confinement to the library (no traversal, no hidden files).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import FileResponse

from ..deps import get_library
from ..library import Library
from ..license.playlists import with_token

router = APIRouter(tags=["origin"])

_MANIFEST_TYPES = {".mpd": "application/dash+xml", ".m3u8": "application/vnd.apple.mpegurl"}
_IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
_SEGMENT_SUFFIXES = {".mp4", ".m4s"}

#: Manifests may change when the library is rebuilt; segments and art only change their ETag.
MANIFEST_CACHE = "public, max-age=60"
MEDIA_CACHE = "public, max-age=86400"

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Length, Content-Range, ETag, Accept-Ranges",
}


def _resolve(root: Path, relative: str) -> tuple[Path, os.stat_result]:
    """The regular file at ``root/relative``, or 404; never a path outside ``root``."""
    parts = relative.split("/")
    if not relative or any(p in ("", ".", "..") or p.startswith(".") or "\\" in p or "\0" in p
                           for p in parts):
        raise HTTPException(status_code=404, detail=f"no such file: {relative!r}")
    path = root.joinpath(*parts)
    try:
        if not path.resolve(strict=True).is_relative_to(root.resolve()):
            raise HTTPException(status_code=404, detail=f"no such file: {relative!r}")
        info = path.stat()
    except (OSError, RuntimeError):
        raise HTTPException(status_code=404, detail=f"no such file: {relative!r}") from None
    if not stat.S_ISREG(info.st_mode):
        raise HTTPException(status_code=404, detail=f"no such file: {relative!r}")
    return path, info


def _etag(info: os.stat_result) -> str:
    return f'"{info.st_ino:x}-{info.st_size:x}-{info.st_mtime_ns:x}"'


def _not_modified(request: Request, etag: str) -> bool:
    """If-None-Match with weak comparison (RFC 9110 13.1.2)."""
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    candidates = [c.strip().removeprefix("W/") for c in header.split(",")]
    return "*" in candidates or etag in candidates


def _media_type(library: Library, area: str, relative: str) -> str:
    """By extension; init and media segments say audio/mp4 or video/mp4 by their rendition."""
    suffix = Path(relative).suffix.lower()
    if area == "media" and suffix in _MANIFEST_TYPES:
        return _MANIFEST_TYPES[suffix]
    if area == "media" and suffix in _SEGMENT_SUFFIXES:
        parts = relative.split("/")
        audio = len(parts) >= 3 and library.is_audio(parts[0], parts[1])
        return "audio/mp4" if audio else "video/mp4"
    return _IMAGE_TYPES.get(suffix, "application/octet-stream")


def _serve(request: Request, library: Library, area: str, relative: str) -> Response:
    path, info = _resolve(library.root / area, relative)
    media_type = _media_type(library, area, relative)
    etag = _etag(info)
    cache = MANIFEST_CACHE if media_type in _MANIFEST_TYPES.values() else MEDIA_CACHE
    headers = {"ETag": etag, "Cache-Control": cache, **CORS_HEADERS}
    token = request.query_params.get("token")
    if token and area == "media" and path.suffix == ".m3u8":  # an AES-128 title's playlist
        text = with_token(path.read_text(), token)
        return Response(text, media_type=media_type, headers={"Cache-Control": "private, no-store", **CORS_HEADERS})
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers, stat_result=info)


@router.api_route("/media/{path:path}", methods=["GET", "HEAD"], name="media",
                  response_class=FileResponse)
def media(path: str, request: Request, library: Library = Depends(get_library)) -> Response:
    """Manifests, init segments and media segments of the library's clips."""
    return _serve(request, library, "media", path)


@router.api_route("/art/{path:path}", methods=["GET", "HEAD"], name="art",
                  response_class=FileResponse)
def art(path: str, request: Request, library: Library = Depends(get_library)) -> Response:
    """Posters and backdrops."""
    return _serve(request, library, "art", path)
