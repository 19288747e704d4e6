"""The catalog document (``catalog.json``) the backend serves from, and the titles' artwork."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .artwork import ArtSpec, draw_backdrop, draw_poster
from .media import ClipMedia, Rendition
from .profile import BuildProfile
from .protect import PROTECTED_TITLES, PackagedTitle
from .titles import TITLES, TitleSpec

#: Every title of the catalog, clear ones first (their order fixes their clips and art hues).
ALL_TITLES: tuple[TitleSpec, ...] = TITLES + tuple(t.spec for t in PROTECTED_TITLES)

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


def _clip_doc(clip: ClipMedia, name: str, dash: bool = True, hls: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "duration_s": round(clip.duration_s, 3),
        "dash": f"media/{clip.id}/manifest.mpd" if dash else None,
        "hls": f"media/{clip.id}/master.m3u8" if hls else None,
        "video": [_rendition_doc(r) for r in clip.video],
        "audio": [_rendition_doc(clip.audio)],
    }


def _protected_clip_doc(packaged: PackagedTitle, name: str) -> dict[str, Any]:
    protection = packaged.protection
    return {**_clip_doc(packaged.clip, name, protection.has_dash, protection.has_hls),
            "protection": protection.scheme}


def draw_art(out: Path) -> list[dict[str, Any]]:
    """Draw every title's poster and backdrop under ``out/art/<id>/``; returns their paths."""
    paths = []
    for index, title in enumerate(ALL_TITLES):
        hue = (index * _GOLDEN) % 1.0
        poster = f"art/{title.id}/poster.jpg"
        backdrop = f"art/{title.id}/backdrop.jpg"
        draw_poster(out / poster, ArtSpec(title.id, title.title, f"{title.year} · {title.genres[0]}", hue))
        draw_backdrop(out / backdrop, ArtSpec(
            title.id, title.title, f"{title.year} · {' / '.join(title.genres)} · {title.rating}", hue))
        paths.append({"poster": poster, "backdrop": backdrop})
    return paths


def write_catalog(out: Path, profile: BuildProfile, clips: dict[str, ClipMedia],
                  art: list[dict[str, Any]], protected: list[PackagedTitle]) -> None:
    """Write ``out/catalog.json``: clips with their manifests and renditions, then the titles
    (a protected title names its protection scheme and its encrypted clip)."""
    names = {c.id: c.name for c in profile.clips}
    assigned = [assign_clip(title, index, profile) for index, title in enumerate(TITLES)]
    assigned += [p.clip.id for p in protected]
    durations = {**{cid: c.duration_s for cid, c in clips.items()},
                 **{p.clip.id: p.clip.duration_s for p in protected}}
    schemes = {p.title.spec.id: p.protection.scheme for p in protected}
    titles = []
    for title, clip_id, paths in zip(ALL_TITLES, assigned, art, strict=True):
        titles.append({
            "id": title.id, "title": title.title, "year": title.year, "genres": list(title.genres),
            "rating": title.rating, "synopsis": title.synopsis, "clip": clip_id,
            "duration_s": round(durations[clip_id], 3), **paths,
            "protection": schemes.get(title.id),
        })
    clip_docs = {cid: _clip_doc(media, names[cid]) for cid, media in clips.items()}
    for packaged in protected:
        name = f"{names[packaged.source]} ({packaged.protection.scheme})"
        clip_docs[packaged.clip.id] = _protected_clip_doc(packaged, name)
    doc = {
        "format": CATALOG_FORMAT,
        "profile": profile.name,
        "clips": clip_docs,
        "titles": titles,
    }
    (out / "catalog.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
