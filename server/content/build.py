"""Building a demo library: encode every clip, write manifests, draw art, write the catalog.

A build happens in a temporary directory beside the output and is renamed into place only when
complete, with ``.complete`` (the parameters digest) written last; so an interrupted build never
leaves a half library, and a re-run with the same parameters returns at once.
"""

from __future__ import annotations

import fcntl
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .catalog import draw_art, write_catalog
from .encode import encode_clip, find_ffmpeg, find_font
from .errors import ContentError
from .manifests import write_manifests
from .media import ClipMedia, read_clip
from .profile import AUDIO_RENDITION_ID, FULL, QUICK, BuildProfile
from .protect import package_all

COMPLETE_MARKER = ".complete"


def _quiet(_: str) -> None:
    """The default progress sink: say nothing."""


def build(out: Path, quick: bool = False, progress: Callable[[str], None] | None = None) -> None:
    """Build the library into ``out`` (the quick test profile when ``quick``).

    Returns at once when ``out`` already holds a build with the same parameters.  Raises
    ContentError when ffmpeg is missing or fails, or ``out`` holds something that is not a library.
    """
    report = progress or _quiet
    profile = QUICK if quick else FULL
    out = Path(out).absolute()
    digest = profile.digest()
    out.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(out):
        if is_built(out, digest):
            report(f"already built: {out} ({profile.name})")
            return
        if out.exists() and not _replaceable(out):
            raise ContentError(f"{out} exists and is not a Marquee library; refusing to replace it")
        find_ffmpeg()
        find_font()
        for stale in out.parent.glob(f".{out.name}.building-*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by an interrupted build
        work = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
        try:
            started = time.monotonic()
            _build_into(work, profile, report)
            (work / COMPLETE_MARKER).write_text(digest + "\n")
            work.chmod(0o755)  # mkdtemp made it private; the library is meant to be served
            _swap_into_place(work, out)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        report(f"built {out} ({profile.name}) in {time.monotonic() - started:.1f} s")


def is_built(out: Path, digest: str) -> bool:
    """Whether ``out`` holds a complete build made with parameters hashing to ``digest``."""
    marker = out / COMPLETE_MARKER
    return marker.is_file() and marker.read_text().strip() == digest


def _replaceable(out: Path) -> bool:
    """Only an empty directory or an earlier library (stale parameters) may be replaced."""
    return out.is_dir() and ((out / COMPLETE_MARKER).is_file() or not any(out.iterdir()))


@contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """Serialise builds of the same output (parallel test sessions share ``.data/quick``)."""
    with open(out.parent / f".{out.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _build_into(work: Path, profile: BuildProfile, report: Callable[[str], None]) -> None:
    clips: dict[str, ClipMedia] = {}
    video_ids = [r.id for r in profile.ladder]
    for number, clip in enumerate(profile.clips, start=1):
        report(f"encoding clip {clip.id} ({number}/{len(profile.clips)}): {clip.duration_s} s, "
               f"{len(profile.ladder)} video renditions + audio, preset {profile.preset}")
        started = time.monotonic()
        clip_dir = work / "media" / clip.id
        encode_clip(profile, clip, clip_dir, report)
        media = read_clip(clip.id, clip_dir, video_ids, AUDIO_RENDITION_ID)
        write_manifests(media, clip_dir)
        clips[clip.id] = media
        report(f"  {clip.id}: done in {time.monotonic() - started:.1f} s, "
               f"{len(media.video[0].segments)} segments per rendition")
    started = time.monotonic()
    protected = package_all(work, profile, clips, report)
    report(f"  protected titles: done in {time.monotonic() - started:.1f} s")
    report("drawing artwork")
    art = draw_art(work)
    write_catalog(work, profile, clips, art, protected)


def _swap_into_place(work: Path, out: Path) -> None:
    """Rename the finished build to ``out``, replacing (then deleting) any earlier library."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        out.rename(old / "library")
    work.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
