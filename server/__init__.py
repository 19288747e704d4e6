"""Marquee's reference backend: catalog API, origin for the demo library, playback sessions.

A separate program (``python -m server``) that shares no code with the client; the demo content
it serves is made by :mod:`server.content`.
"""
