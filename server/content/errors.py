"""The one exception type of the content builder."""


class ContentError(Exception):
    """A library cannot be built (ffmpeg missing or failing, bad media, unusable output dir)."""
