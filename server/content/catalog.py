"""The catalog document (``catalog.json``) the backend serves from, and the titles' artwork."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .artwork import ArtSpec, draw_backdrop, draw_poster
from .media import ClipMedia, Rendition
from .profile import BuildProfile
from .titles import TITLES, TitleSpec

CATALOG_FORMAT = 1
_GOLDEN = 0.618033988749895  # spreads successive titles' hues around the colour wheel


def assign_clip(title: TitleSpec, index: int, profile: BuildProfile) -> str:
    """The title's preferred clip when this profile has it, otherwise one in rotation."""
    ids = [c.id for c in profile.clips]
    return title.clip if title.clip in ids else ids[index % len(ids)]


def _rendition_doc(rendition: Rendition) -> dict[str, Any]:
    track = rendition.track
    doc: dict[str, Any] = {"id": rendition.id, "codec": track.codec,
                           "bandwidth": rendition.peak_bps, "average_bandwidth": rendition.average_bps,
                           "segments": len(rendition.segments)}
    if track.kind == "video":
        doc.update(width=track.width, height=track.height)
    else:
        doc.update(channels=track.channels, sample_rate=track.sample_rate)
    return doc


def _clip_doc(clip: ClipMedia, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "duration_s": round(clip.duration_s, 3),
        "dash": f"media/{clip.id}/manifest.mpd",
        "hls": f"media/{clip.id}/master.m3u8",
        "video": [_rendition_doc(r) for r in clip.video],
        "audio": [_rendition_doc(clip.audio)],
    }


def draw_art(out: Path) -> list[dict[str, Any]]:
    """Draw every title's poster and backdrop under ``out/art/<id>/``; returns their paths."""
    paths = []
    for index, title in enumerate(TITLES):
        hue = (index * _GOLDEN) % 1.0
        poster = f"art/{title.id}/poster.jpg"
        backdrop = f"art/{title.id}/backdrop.jpg"
        draw_poster(out / poster, ArtSpec(title.id, title.title, f"{title.year} · {title.genres[0]}", hue))
        draw_backdrop(out / backdrop, ArtSpec(
            title.id, title.title, f"{title.year} · {' / '.join(title.genres)} · {title.rating}", hue))
        paths.append({"poster": poster, "backdrop": backdrop})
    return paths


def write_catalog(out: Path, profile: BuildProfile, clips: dict[str, ClipMedia],
                  art: list[dict[str, Any]]) -> None:
    """Write ``out/catalog.json``: clips with their manifests and renditions, then the titles."""
    names = {c.id: c.name for c in profile.clips}
    titles = []
    for index, (title, paths) in enumerate(zip(TITLES, art, strict=True)):
        clip_id = assign_clip(title, index, profile)
        titles.append({
            "id": title.id, "title": title.title, "year": title.year, "genres": list(title.genres),
            "rating": title.rating, "synopsis": title.synopsis, "clip": clip_id,
            "duration_s": round(clips[clip_id].duration_s, 3), **paths,
        })
    doc = {
        "format": CATALOG_FORMAT,
        "profile": profile.name,
        "clips": {cid: _clip_doc(media, names[cid]) for cid, media in clips.items()},
        "titles": titles,
    }
    (out / "catalog.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
