"""Marquee's DRM: pure code, bytes in and bytes out, no I/O and no imports from the rest of the app.

Modules, from the bottom up:

- :mod:`drm.bmff` — ISO BMFF boxes: walking, init segments, fragments, writing fragments back
  (shared with the player's remuxer).
- :mod:`drm.keys` — KIDs and keys in their textual forms (``KID:KEY``, UUID, base64url).
- :mod:`drm.clearkey` — the W3C EME ClearKey license request and JWK set response.
- :mod:`drm.sources` — DASH ``ContentProtection`` and HLS ``EXT-X-KEY``: scheme, KIDs, license URL.
- :mod:`drm.protection` — ``pssh``, ``sinf``/``tenc``, ``senc``, ``saiz``/``saio``, ``seig`` groups,
  resolved to each sample's KID, IV, subsamples and pattern.
- :mod:`drm.cipher` — ``cenc``, ``cens``, ``cbc1``, ``cbcs`` sample transforms; HLS AES-128.
- :mod:`drm.mp4decrypt` — protected MP4 (fragmented or not) to clear MP4: :class:`Decryptor`,
  :func:`decrypt_file_bytes`.
- :mod:`drm.encrypt` — the reverse, for the content packager and round-trip tests.
"""
