"""Choosing among a manifest's audio and subtitle tracks by the viewer's preference.

A preference is a language tag (``en``, ``de-AT``); it matches a track whose language is the same
or shares its primary subtag. Without a preference the system locale is tried, then the
manifest's first track. Subtitles are off unless asked for.
"""

from __future__ import annotations

import locale
from dataclasses import dataclass

from player.manifest.model import Manifest, Track

OFF = "off"


@dataclass(frozen=True, slots=True)
class TrackPreferences:
    audio_language: str | None = None
    """None: the system locale's language, else the manifest's first audio track."""
    subtitle_language: str | None = None
    """None or ``"off"``: no subtitles."""


def _primary(tag: str) -> str:
    return tag.replace("_", "-").split("-", 1)[0].lower()


def system_language() -> str | None:
    """The primary language of the user's locale (``en`` for ``en_GB.UTF-8``), if set."""
    try:
        name = locale.getlocale()[0]
    except ValueError:
        name = None
    return _primary(name) if name and name not in ("C", "POSIX") else None


def matching(tracks: list[Track], language: str) -> Track | None:
    """The track whose language is ``language``, or failing that shares its primary subtag."""
    exact = next((t for t in tracks if t.language.lower() == language.lower()), None)
    return exact or next((t for t in tracks if t.language and _primary(t.language) == _primary(language)), None)


def choose_audio(manifest: Manifest, language: str | None) -> Track | None:
    tracks = [t for t in manifest.tracks if t.kind == "audio"]
    if not tracks:
        return None
    for wanted in (language, system_language()):
        if wanted and (found := matching(tracks, wanted)) is not None:
            return found
    return tracks[0]


def choose_subtitles(manifest: Manifest, language: str | None) -> Track | None:
    if not language or language == OFF:
        return None
    return matching([t for t in manifest.tracks if t.kind == "text"], language)


def languages(manifest: Manifest, kind: str) -> tuple[str, ...]:
    return tuple(t.language or t.label or "und" for t in manifest.tracks if t.kind == kind)
