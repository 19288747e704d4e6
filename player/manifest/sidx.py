"""The segment index box (``sidx``, ISO/IEC 14496-12 8.16.3): byte ranges and times of the
subsegments of a single-file representation (DASH SegmentBase with ``indexRange``)."""

from __future__ import annotations

from drm import bmff
from player.manifest.model import ByteRange, ManifestError, SegmentRef


def parse_sidx(data: bytes, index: SegmentRef) -> list[SegmentRef]:
    """Segments described by the ``sidx`` in ``data``, the bytes of the ``index`` reference.

    Offsets in a ``sidx`` count from the first byte after the box, which sits at
    ``index.byte_range.first`` in the file; times get the index's ``time_offset_s``.
    """
    url, index_range = index.url, index.byte_range
    assert index_range is not None
    try:
        box = next((b for b in bmff.iter_boxes(data) if b.type == "sidx"), None)
        if box is None:
            raise ManifestError(f"{url} {index_range.header}: no sidx box in the index range")
        version, _, r = box.full_header()
        r.u32()  # reference_ID
        timescale = r.u32()
        earliest, first_offset = (r.u64(), r.u64()) if version else (r.u32(), r.u32())
        r.u16()  # reserved
        count = r.u16()
        if timescale == 0:
            raise ManifestError(f"{url}: sidx timescale is 0")
        offset = index_range.first + box.end + first_offset
        time = earliest
        segments = []
        for i in range(count):
            size_word, duration, _sap = r.u32(), r.u32(), r.u32()
            if size_word >> 31:
                raise ManifestError(f"{url}: hierarchical sidx (reference {i} points to another sidx) is not supported")
            size = size_word & 0x7FFFFFFF
            segments.append(SegmentRef(url, time / timescale + index.time_offset_s, duration / timescale, i + 1,
                                       ByteRange(offset, offset + size - 1), time_offset_s=index.time_offset_s))
            offset += size
            time += duration
    except bmff.BoxError as exc:
        raise ManifestError(f"{url} {index_range.header}: {exc}") from None
    if not segments:
        raise ManifestError(f"{url}: sidx lists no segments")
    return segments
