"""The demo library on disk, as the backend sees it: ``catalog.json`` plus the files it names,
and ``keys.json`` with the protected titles' content keys (for the license service only).

Loaded once at start-up and immutable afterwards; a library without ``.complete`` (never built,
or a build still running) is refused, so the backend never serves half a library.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .license.keyfile import ContentKey, KeyFileError, read_key_file

COMPLETE_MARKER = ".complete"
CATALOG_FILE = "catalog.json"


class LibraryError(Exception):
    """The data directory is missing, incomplete or its catalog is malformed."""


@dataclass(frozen=True)
class Clip:
    """An encoded clip; paths are relative to the library root. A protected clip may come in
    one format only (DASH has no whole-segment AES-128; the cenc title is DASH only)."""

    id: str
    name: str
    duration_s: float
    dash: str | None
    hls: str | None
    audio_renditions: frozenset[str]


@dataclass(frozen=True)
class Title:
    """A catalog entry; ``poster`` and ``backdrop`` are paths relative to the library root."""

    id: str
    title: str
    year: int
    genres: tuple[str, ...]
    rating: str
    synopsis: str
    clip: str
    duration_s: float
    poster: str
    backdrop: str
    protection: str | None = None
    """``cenc``, ``cbcs`` or ``aes-128`` for an encrypted title; None for a clear one."""

    def matches(self, query: str) -> bool:
        """Case-insensitive match of ``query`` in the title, a genre or the synopsis."""
        needle = query.casefold()
        return (needle in self.title.casefold() or needle in self.synopsis.casefold()
                or any(needle in genre.casefold() for genre in self.genres))


@dataclass(frozen=True)
class Library:
    root: Path
    titles: tuple[Title, ...]
    clips: dict[str, Clip]
    keys: tuple[ContentKey, ...] = ()

    @classmethod
    def load(cls, root: Path) -> Library:
        """Read ``root/catalog.json``; LibraryError names what is wrong and where."""
        root = Path(root).absolute()
        if not root.is_dir():
            raise LibraryError(f"data directory {root} does not exist "
                               "(build it with: python -m server.content build --out DIR)")
        if not (root / COMPLETE_MARKER).is_file():
            raise LibraryError(f"data directory {root} holds no complete library (no {COMPLETE_MARKER}); "
                               "build it with: python -m server.content build --out DIR")
        path = root / CATALOG_FILE
        try:
            doc = json.loads(path.read_text())
            clips = {cid: _clip(cid, raw) for cid, raw in doc["clips"].items()}
            titles = tuple(_title(raw) for raw in doc["titles"])
        except OSError as exc:
            raise LibraryError(f"cannot read {path}: {exc.strerror}") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise LibraryError(f"{path} is malformed: {type(exc).__name__}: {exc}") from None
        for title in titles:
            if title.clip not in clips:
                raise LibraryError(f"{path}: title {title.id!r} names unknown clip {title.clip!r}")
        if len({t.id for t in titles}) != len(titles):
            raise LibraryError(f"{path}: duplicate title ids")
        try:
            keys = read_key_file(root)
        except KeyFileError as exc:
            raise LibraryError(str(exc)) from None
        ids = {t.id for t in titles}
        for key in keys:
            if key.title_id not in ids:
                raise LibraryError(f"{root / 'keys.json'}: KID {key.kid.hex()} names unknown title {key.title_id!r}")
        return cls(root, titles, clips, keys)

    def title(self, title_id: str) -> Title | None:
        return next((t for t in self.titles if t.id == title_id), None)

    def search(self, query: str) -> list[Title]:
        query = query.strip()
        return [t for t in self.titles if t.matches(query)] if query else []

    def is_audio(self, clip_id: str, rendition_id: str) -> bool:
        """Whether ``media/<clip_id>/<rendition_id>/`` holds an audio rendition."""
        clip = self.clips.get(clip_id)
        return clip is not None and rendition_id in clip.audio_renditions


def _clip(clip_id: str, raw: dict[str, Any]) -> Clip:
    return Clip(clip_id, str(raw["name"]), float(raw["duration_s"]), _optional(raw["dash"]),
                _optional(raw["hls"]), frozenset(str(r["id"]) for r in raw["audio"]))


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)


def _title(raw: dict[str, Any]) -> Title:
    return Title(
        id=str(raw["id"]), title=str(raw["title"]), year=int(raw["year"]),
        genres=tuple(str(g) for g in raw["genres"]), rating=str(raw["rating"]),
        synopsis=str(raw["synopsis"]), clip=str(raw["clip"]), duration_s=float(raw["duration_s"]),
        poster=str(raw["poster"]), backdrop=str(raw["backdrop"]), protection=_optional(raw.get("protection")),
    )
