"""``marquee decrypt``: protected MP4 to clear MP4 on the command line, like Bento4's ``mp4decrypt``.

Two inputs: a whole MP4 (fragmented, or not as ffmpeg's muxer writes it), decrypted into a whole
clear file; or one media segment with ``--init`` its init segment, decrypted into the clear
segment alone (the clear init comes from running the command on the init itself).

Every failure is one line naming the file and what is wrong, exit status 1: a key missing for
a KID, a truncated file or a box that does not parse, a scheme we do not decrypt, an unreadable
input or an unwritable output. The output is written to a temporary file beside it and renamed
into place, so a failed run never leaves half a file. Keys never appear in messages.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from drm.bmff import BoxError, iter_boxes
from drm.cipher import SampleCryptoError
from drm.keys import KeyFormatError, parse_key_pairs
from drm.mp4decrypt import DecryptError, Decryptor, MissingKeyError, decrypt_file_bytes


class DecryptCommandError(Exception):
    """What went wrong, as the one line the command prints."""

    def __init__(self, message: str) -> None:
        # Box types and paths from a corrupt file are arbitrary bytes: keep the line one line.
        super().__init__("".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in message))


@dataclass(frozen=True)
class DecryptResult:
    input_bytes: int
    output_bytes: int


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DecryptCommandError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def _write_atomically(path: Path, data: bytes) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    except OSError as exc:
        raise DecryptCommandError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise DecryptCommandError(f"cannot write {path}: {exc.strerror or exc}") from None


def decrypt_file(source: Path, target: Path, keys: Mapping[bytes, bytes], init: Path | None = None
                 ) -> DecryptResult:
    """Decrypt ``source`` (a whole MP4, or with ``init`` one media segment) into ``target``."""
    init_data = _read(init, "init segment") if init is not None else None
    data = _read(source, "input")
    if not data:
        raise DecryptCommandError(f"{source} is empty")
    where = init if init is not None else source
    try:
        if init_data is None:
            clear = decrypt_file_bytes(None, data, keys)
        else:
            decryptor = Decryptor(init_data, keys)
            if not decryptor.init.tracks:
                raise DecryptCommandError(f"{init}: the init segment describes no tracks")
            where = source
            if not any(box.type == "moof" for box in iter_boxes(data)):
                raise DecryptCommandError(f"{source} holds no media fragment (moof); with --init the "
                                          "input is a media segment")
            clear = decryptor.decrypt_segment(data)
    except MissingKeyError as exc:
        raise DecryptCommandError(f"{source}: {exc}; give it with --key KID:KEY") from None
    except BoxError as exc:
        raise DecryptCommandError(f"{where} does not parse as MP4 (truncated or corrupt): {exc}") from None
    except (DecryptError, SampleCryptoError) as exc:
        raise DecryptCommandError(f"{where}: cannot decrypt: {exc}") from None
    _write_atomically(target, clear)
    return DecryptResult(len(data), len(clear))


def run(key_texts: Sequence[str], source: Path, target: Path, init: Path | None = None) -> DecryptResult:
    """The command: parse ``--key`` values, then :func:`decrypt_file`."""
    try:
        keys = parse_key_pairs(key_texts)
    except KeyFormatError as exc:
        raise DecryptCommandError(f"--key: {exc}") from None
    return decrypt_file(source, target, keys, init)
