"""Encoding one clip: a single ffmpeg run draws the picture once, splits it to every rung, burns
in the rung's label and packages each rendition (and the audio) as CMAF segments.

ffmpeg's HLS muxer is used only as a segmenter (init.mp4 + numbered .m4s per rendition, cut on
the 4 s keyframes); the playlists it writes are discarded and ours are made from the segments.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from .designs import source_graph
from .errors import ContentError
from .profile import (
    AUDIO_BITRATE_K,
    AUDIO_RENDITION_ID,
    AUDIO_SAMPLE_RATE,
    FRAME_RATE,
    SEGMENT_SECONDS,
    BuildProfile,
    ClipSpec,
    Rung,
)

#: Where Debian's fonts-dejavu-core (and a few other common layouts) put the font we burn in.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)

#: Name of the playlist ffmpeg's segmenter insists on writing; deleted after the run.
_FFMPEG_PLAYLIST = "ffmpeg.m3u8"
_GOP_FRAMES = FRAME_RATE * SEGMENT_SECONDS


def find_ffmpeg() -> str:
    """Path of the ffmpeg executable, or ContentError."""
    path = shutil.which("ffmpeg")
    if path is None:
        raise ContentError("ffmpeg not found on PATH (install Debian's ffmpeg package)")
    return path


def find_font() -> str:
    """Path of the TrueType font for the burnt-in text, or ContentError."""
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    raise ContentError("no DejaVu Sans font found (install Debian's fonts-dejavu-core package)")


def filtergraph(profile: BuildProfile, clip: ClipSpec, font: str) -> str:
    """The whole -filter_complex: source, split to the ladder, scale and label each branch."""
    width, height = profile.source_size
    branches = "".join(f"[s{i}]" for i in range(len(profile.ladder)))
    parts = [
        source_graph(clip.design, width, height, clip.duration_s),
        f"[src]split={len(profile.ladder)}{branches}",
    ]
    for i, rung in enumerate(profile.ladder):
        parts.append(f"[s{i}]scale={rung.width}:{rung.height}:flags=bicubic,setsar=1,"
                     f"{_labels(clip.name, rung, font)}[v{i}]")
    return ";\n".join(parts)


def _labels(clip_name: str, rung: Rung, font: str) -> str:
    size = max(10, rung.height // 12)
    pad = size // 2
    common = (f"fontfile='{font}':fontsize={size}:box=1:boxcolor=black@0.55"
              f":boxborderw={max(2, size // 5)}")
    return ",".join([
        f"drawtext={common}:fontcolor=white:text='{clip_name}':x={pad}:y={pad}",
        f"drawtext={common}:fontcolor=yellow:text='{rung.label}':x=w-tw-{pad}:y={pad}",
        f"drawtext={common}:fontcolor=white:text='%{{pts\\:hms}}':x={pad}:y=h-th-{pad}",
    ])


def _segmenter_args(out_dir: Path) -> list[str]:
    return [
        "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod",
        "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
        # cmaf + negative_cts_offsets: no edit list, the first frame presents at tfdt.
        "-hls_segment_options", "movflags=+cmaf+negative_cts_offsets",
        "-hls_segment_filename", str(out_dir / "%d.m4s"), "-start_number", "1",
        str(out_dir / _FFMPEG_PLAYLIST),
    ]


def ffmpeg_command(ffmpeg: str, profile: BuildProfile, graph_file: Path, clip_dir: Path) -> list[str]:
    """The ffmpeg argv encoding every rendition of a clip into ``clip_dir/<rendition-id>/``."""
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
           "-progress", "pipe:1", "-filter_complex_script", str(graph_file)]
    for i, rung in enumerate(profile.ladder):
        cmd += [
            "-map", f"[v{i}]", "-c:v", "libx264", "-preset", profile.preset, "-profile:v", "high",
            "-b:v", f"{rung.bitrate_k}k", "-maxrate", f"{rung.bitrate_k * 11 // 10}k",
            "-bufsize", f"{rung.bitrate_k * 2}k",
            # Closed GOPs of exactly one segment: keyframes every 96 frames and nowhere else.
            "-g", str(_GOP_FRAMES), "-keyint_min", str(_GOP_FRAMES), "-sc_threshold", "0",
            "-x264-params", "open-gop=0",
        ] + _segmenter_args(clip_dir / rung.id)
    cmd += ["-map", "[aud]", "-c:a", "aac", "-profile:a", "aac_low", "-b:a", f"{AUDIO_BITRATE_K}k",
            "-ar", str(AUDIO_SAMPLE_RATE), "-ac", "2"] + _segmenter_args(clip_dir / AUDIO_RENDITION_ID)
    return cmd


def encode_clip(profile: BuildProfile, clip: ClipSpec, clip_dir: Path,
                progress: Callable[[str], None]) -> None:
    """Encode ``clip`` into ``clip_dir``; reports progress in quarters; ContentError on failure."""
    ffmpeg = find_ffmpeg()
    graph = filtergraph(profile, clip, find_font())
    rendition_ids = [r.id for r in profile.ladder] + [AUDIO_RENDITION_ID]
    for rid in rendition_ids:
        (clip_dir / rid).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="marquee-ffmpeg-") as scratch:
        graph_file = Path(scratch) / "graph.txt"
        graph_file.write_text(graph)
        stderr_file = Path(scratch) / "stderr.txt"
        cmd = ffmpeg_command(ffmpeg, profile, graph_file, clip_dir)
        with open(stderr_file, "wb") as stderr:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True)
            try:
                _follow_progress(proc, clip, progress)
                code = proc.wait()
            except BaseException:  # interrupted: do not leave ffmpeg writing into the build
                proc.kill()
                proc.wait()
                raise
        if code != 0:
            tail = stderr_file.read_text(errors="replace").strip().splitlines()[-3:]
            raise ContentError(f"ffmpeg failed encoding clip {clip.id!r} (exit {code}): "
                               + (" | ".join(tail) or "no message"))
    for rid in rendition_ids:
        (clip_dir / rid / _FFMPEG_PLAYLIST).unlink(missing_ok=True)


def _follow_progress(proc: subprocess.Popen[str], clip: ClipSpec,
                     progress: Callable[[str], None]) -> None:
    """Read ffmpeg's ``-progress`` key=value stream and report each quarter once."""
    assert proc.stdout is not None
    total_us = clip.duration_s * 1_000_000
    reported = 0
    for line in proc.stdout:
        key, _, value = line.strip().partition("=")
        if key != "out_time_us" or not value.isdigit():
            continue
        quarter = min(4, int(value) * 4 // total_us)
        if quarter > reported and quarter < 4:
            reported = quarter
            progress(f"  {clip.id}: {quarter * 25}%")
