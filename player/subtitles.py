"""Subtitles in every shape the manifests carry, turned into one WebVTT document for mpv.

Sources: WebVTT files (a DASH sidecar, or HLS segments with ``X-TIMESTAMP-MAP``), and ISO BMFF
text tracks: ``wvtt`` (WebVTT in MP4, ISO/IEC 14496-30) and ``stpp`` (TTML/IMSC1 documents as
samples). Subtitle tracks are small, so they are fetched whole and converted once; mpv then shows
the cues, selectable and switchable off like any subtitle track.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from drm import bmff

_TIMESTAMP = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{3})")
_CUE_TIMES = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)(.*)$")
_CLOCK = re.compile(r"^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$|^(\d+(?:\.\d+)?)(h|m|s|ms|t)$")


class SubtitleError(ValueError):
    """Subtitle media that cannot be read; the message says which and where."""


@dataclass(frozen=True, slots=True)
class Cue:
    start_s: float
    end_s: float
    text: str
    settings: str = ""


def _vtt_time(text: str, where: str) -> float:
    m = _TIMESTAMP.fullmatch(text.strip())
    if m is None:
        raise SubtitleError(f"{where}: bad WebVTT timestamp {text!r}")
    hours, minutes, seconds, millis = (int(g or 0) for g in m.groups())
    return hours * 3600 + minutes * 60 + seconds + millis / 1000


def parse_webvtt(text: str, where: str, shift_s: float = 0.0) -> list[Cue]:
    """Cues of a WebVTT document, moved by ``shift_s`` and by its ``X-TIMESTAMP-MAP``.

    ``X-TIMESTAMP-MAP=MPEGTS:m,LOCAL:t`` (HLS) says cue time ``t`` is media time ``m/90000``.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
        raise SubtitleError(f"{where}: not a WebVTT document")
    for line in lines[1:]:
        if not line.strip():
            break
        if line.startswith("X-TIMESTAMP-MAP="):
            fields = dict(part.split(":", 1) for part in line.split("=", 1)[1].split(",") if ":" in part)
            try:
                shift_s += int(fields.get("MPEGTS", "0")) / 90000 - _vtt_time(fields.get("LOCAL", "00:00.000"), where)
            except ValueError:
                raise SubtitleError(f"{where}: bad X-TIMESTAMP-MAP") from None
    cues = []
    i = 0
    while i < len(lines):
        m = _CUE_TIMES.match(lines[i])
        if m is None:
            i += 1
            continue
        start, end = _vtt_time(m.group(1), where), _vtt_time(m.group(2), where)
        body = []
        i += 1
        while i < len(lines) and lines[i].strip():
            body.append(lines[i])
            i += 1
        cues.append(Cue(start + shift_s, end + shift_s, "\n".join(body), m.group(3).strip()))
    return cues


def _ttml_time(value: str, tick_rate: float, where: str) -> float:
    m = _CLOCK.match(value.strip())
    if m is None:
        raise SubtitleError(f"{where}: bad TTML time {value!r}")
    if m.group(1) is not None:
        return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    number, unit = float(m.group(4)), m.group(5)
    return {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "t": 1 / tick_rate}[unit] * number


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text_of(element: ET.Element) -> str:
    parts = [element.text or ""]
    for child in element:
        parts.append("\n" if _local(child.tag) == "br" else _text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


def parse_ttml(document: bytes | str, where: str, shift_s: float = 0.0) -> list[Cue]:
    """The timed paragraphs of a TTML/IMSC1 document (``begin``/``end``/``dur`` on ``p``, with
    ``begin`` inherited from enclosing ``div``/``body``)."""
    try:
        root = ET.fromstring(document)
    except ET.ParseError as exc:
        raise SubtitleError(f"{where}: not well-formed TTML ({exc})") from None
    tick_rate = float(next((v for k, v in root.attrib.items() if _local(k) == "tickRate"), 10_000_000))
    cues: list[Cue] = []

    def walk(element: ET.Element, offset: float) -> None:
        begin = element.get("begin")
        start = offset + (_ttml_time(begin, tick_rate, where) if begin else 0.0)
        if _local(element.tag) == "p":
            end_attr, dur = element.get("end"), element.get("dur")
            if end_attr is not None:
                end = offset + _ttml_time(end_attr, tick_rate, where)
            elif dur is not None:
                end = start + _ttml_time(dur, tick_rate, where)
            else:
                raise SubtitleError(f"{where}: <p> without end or dur")
            text = _text_of(element).strip()
            if text:
                cues.append(Cue(start + shift_s, end + shift_s, text))
            return
        for child in element:
            walk(child, start)

    walk(root, 0.0)
    return cues


def parse_text_mp4(init: bytes, segments: list[bytes], where: str, shift_s: float = 0.0) -> list[Cue]:
    """Cues from ``wvtt`` or ``stpp`` samples of fragmented MP4 text segments."""
    try:
        parsed = bmff.parse_init(init)
        track = parsed.tracks[0]
        entry = track.sample_entries[0].original_format
        cues: list[Cue] = []
        for s, segment in enumerate(segments):
            for fragment in bmff.iter_fragments(segment, parsed):
                traf = fragment.trafs[0]
                time = traf.base_media_decode_time or 0
                for sample in fragment.samples_of(traf):
                    start = time / track.timescale + shift_s
                    end = (time + sample.duration) / track.timescale + shift_s
                    time += sample.duration
                    if entry == "wvtt":
                        cues.extend(_wvtt_cues(bytes(sample.data), start, end))
                    elif entry == "stpp":
                        cues.extend(parse_ttml(bytes(sample.data), f"{where} segment {s}", shift_s))
                    else:
                        raise SubtitleError(f"{where}: text sample entry {entry!r} is not supported")
    except (bmff.BoxError, IndexError) as exc:
        raise SubtitleError(f"{where}: {exc}") from None
    return cues


def _wvtt_cues(sample: bytes, start: float, end: float) -> list[Cue]:
    """A ``wvtt`` sample: ``vttc`` boxes (``payl`` text, ``sttg`` settings) or one ``vtte``."""
    cues = []
    for box in bmff.iter_boxes(sample):
        if box.type != "vttc":
            continue
        fields = {child.type: bytes(child.payload).decode("utf-8", "replace") for child in bmff.iter_boxes(
            box.buf, box.payload_offset, box.end)}
        if "payl" in fields:
            cues.append(Cue(start, end, fields["payl"], fields.get("sttg", "")))
    return cues


def _timestamp(seconds: float) -> str:
    millis = max(round(seconds * 1000), 0)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def to_webvtt(cues: list[Cue], shift_s: float = 0.0) -> str:
    """One WebVTT document, cues in time order, moved by ``shift_s`` (onto mpv's clock)."""
    out = ["WEBVTT", ""]
    for cue in sorted(cues, key=lambda c: (c.start_s, c.end_s)):
        if cue.end_s <= cue.start_s:
            continue
        settings = f" {cue.settings}" if cue.settings else ""
        out += [f"{_timestamp(cue.start_s + shift_s)} --> {_timestamp(cue.end_s + shift_s)}{settings}", cue.text, ""]
    return "\n".join(out)
