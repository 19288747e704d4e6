"""Fuzzing drm.bmff: mutated and truncated real files raise BoxError or parse, nothing else."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drm.bmff import BoxError, Fragment, find_all, iter_boxes, iter_fragments, parse_init, write_fragment

from .conftest import Media

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _exercise(data: bytes) -> None:
    """Everything a decryptor or remuxer does with a file; each sample byte is touched."""
    try:
        init = parse_init(data)
    except BoxError:
        init = None
    for entry in find_all(data, "moov/trak/mdia/minf/stbl/stsd/*"):
        list(entry.children())
    fragments: list[Fragment] = list(iter_fragments(data, init))
    for fragment in fragments:
        for traf in fragment.trafs:
            assert sum(len(s.data) for s in fragment.samples_of(traf)) == sum(s.size for s in traf.samples)
        write_fragment(fragment)


def _check(data: bytes) -> None:
    try:
        _exercise(data)
    except BoxError as error:
        assert error.offset is None or 0 <= error.offset <= len(data)


@pytest.fixture(scope="module")
def seed(media: Media) -> bytes:
    return media.tiny.read_bytes()


@pytest.fixture(scope="module")
def size_fields(seed: bytes) -> list[int]:
    """Offsets of every box size field and trun count in the seed: where lies hurt most."""
    fields: list[int] = []

    def walk(start: int, end: int, parent: str) -> None:
        for box in iter_boxes(seed, start, end, parent):
            fields.append(box.offset)
            if box.type == "trun":
                fields.append(box.payload_offset + 4)
            if box.type in ("moov", "trak", "mdia", "minf", "stbl", "moof", "traf", "mvex"):
                walk(box.payload_offset, box.end, box.path)

    walk(0, len(seed), "")
    return fields


@pytest.mark.timeout(240)
@FUZZ
@given(cut=st.integers(min_value=0, max_value=1 << 20))
def test_truncated(seed: bytes, cut: int) -> None:
    _check(seed[: cut % (len(seed) + 1)])


@pytest.mark.timeout(240)
@FUZZ
@given(edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1, max_size=8))
def test_random_bytes_changed(seed: bytes, edits: list[tuple[int, int]]) -> None:
    data = bytearray(seed)
    for at, value in edits:
        data[at % len(data)] = value
    _check(bytes(data))


@pytest.mark.timeout(240)
@FUZZ
@given(picks=st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(
    [0, 1, 7, 8, 9, 15, 16, 0x7FFFFFFF, 0xFFFFFFFF, 0x80000000])), min_size=1, max_size=3),
    delta=st.integers(min_value=-64, max_value=64))
def test_lying_sizes_and_counts(seed: bytes, size_fields: list[int], picks: list[tuple[int, int]], delta: int) -> None:
    data = bytearray(seed)
    for index, value in picks:
        at = size_fields[index % len(size_fields)]
        old = struct.unpack_from(">I", data, at)[0]
        struct.pack_into(">I", data, at, value if delta == 0 else max(0, min(0xFFFFFFFF, old + delta)))
    _check(bytes(data))
